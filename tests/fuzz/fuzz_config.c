/*
 * fuzz_config.c - libFuzzer target for the configuration parser.
 *
 * Feeds arbitrary bytes to config_load (through a memfd, so nothing
 * touches the disk).  When they parse, the printed configuration must
 * parse again and print the same text; any difference aborts.
 *
 * Seeds: tests/conf/*.in and etc/lmhuntd.conf, e.g.
 *   mkdir corpus && cp tests/conf/*.in etc/lmhuntd.conf corpus/ &&
 *   ./fuzz_config -max_total_time=60 corpus
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lmhunt.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Quiet logging once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_DEST_STDERR, 0, "fuzz_config");
	return 0;
}

/* Write LEN bytes to a new memfd; returns its /proc path in PATH. */
static int
memfile(const void *data, size_t len, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz_config", 0);

	if (fd == -1)
		abort();
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		abort();
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* The printed form of CF, newly allocated. */
static char *
printed(const struct lmh_config *cf, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);

	if (fp == NULL)
		abort();
	config_print(cf, fp);
	fclose(fp);
	return text;
}

/* Parse one input; check the round trip of what parses. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = { NULL, 0 };
	struct lmh_config *cf, *cf2;
	char path[64], *p1, *p2;
	size_t l1, l2;
	int fd, fd2;

	if (size > LMH_CONF_FILE_MAX + 1)
		return 0;
	fd = memfile(data, size, path, sizeof(path));
	cf = config_load(path, &errs);
	close(fd);
	if (cf == NULL) {
		if (errs.n == 0)
			abort();		/* a failure always says why */
		errlist_free(&errs);
		return 0;
	}
	if (errs.n != 0)
		abort();
	p1 = printed(cf, &l1);
	fd2 = memfile(p1, l1, path, sizeof(path));
	cf2 = config_load(path, &errs);
	close(fd2);
	if (cf2 == NULL) {
		errlist_print(&errs, stderr);
		fprintf(stderr, "%s", p1);
		abort();			/* the print must parse again */
	}
	p2 = printed(cf2, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0)
		abort();			/* and print the same */
	free(p1);
	free(p2);
	config_free(cf);
	config_free(cf2);
	return 0;
}
