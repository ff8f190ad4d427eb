/*
 * log.c - logging to the systemd journal (structured, with a priority)
 * when stderr is connected to it, to stderr with a level word otherwise.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "lmhunt.h"

static int	 log_verbose;
static int	 log_journal;
static const char *log_ident = "lmhuntd";

/*
 * Tell whether stderr is the journal stream systemd gave us: the
 * JOURNAL_STREAM variable names the device and inode of that socket.
 */
static int
stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* Choose where logs go and how much is logged. */
void
log_init(enum log_dest dest, int verbosity, const char *ident)
{
	log_verbose = verbosity;
	if (ident != NULL)
		log_ident = ident;
#ifdef HAVE_SYSTEMD
	log_journal = dest == LOG_DEST_AUTO && stderr_is_journal();
#else
	(void)dest;
	(void)stderr_is_journal;
	log_journal = 0;
#endif
}

/* Change the verbosity (0 normal, 1 -v, 2 -vv debug). */
void
log_setverbose(int verbosity)
{
	log_verbose = verbosity;
}

/* Write one message at syslog priority PRI, with errno text when ERR. */
static void
vlog(int pri, int err, const char *fmt, va_list ap)
{
	const char *word;
	char msg[4096];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (err != 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(err));
#ifdef HAVE_SYSTEMD
	if (log_journal) {
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", pri,
		    "SYSLOG_IDENTIFIER=%s", log_ident, NULL);
		return;
	}
#endif
	switch (pri) {
	case LOG_CRIT: word = "fatal"; break;
	case LOG_WARNING: word = "warning"; break;
	case LOG_DEBUG: word = "debug"; break;
	default: word = "info"; break;
	}
	fprintf(stderr, "%s: %s: %s\n", log_ident, word, msg);
}

/* Log an informational message. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Log a warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

/* Log a warning with the text of errno. */
void
log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, err, fmt, ap);
	va_end(ap);
}

/* Log a debug message when running with -vv. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* Log with errno text and exit 1. */
void
fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, err, fmt, ap);
	va_end(ap);
	exit(LMH_EXIT_ERROR);
}

/* Log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(LMH_EXIT_ERROR);
}
