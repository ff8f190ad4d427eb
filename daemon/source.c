/*
 * source.c - replay of UDM events from a file or stdin: NDJSON (one UDM
 * event per line, or one compact udmSearch response body per line), or
 * one pretty-printed document (a response body {"events":[...],...} or a
 * single event, as the UDM samples are written).
 *
 * Lines are read through a bounded buffer: an event line longer than
 * LMH_EVENT_MAX (a response line: LMH_RESPONSE_MAX) is one bad event,
 * skipped without being held in memory.  Every bad event is logged as
 * "PATH:LINE: reason" (and "events[N]" inside a response), counted and
 * skipped; the valid ones go to the callback in batches.
 *
 * Reading and parsing run on a second thread, one batch ahead of the
 * callback: while the caller stores and matches batch N, batch N+1 is
 * parsed.  At most two batches exist at once; the parsing thread frees
 * the events of each batch it takes back, and the caller's thread the
 * last ones at the end.  Should the thread not start, the replay runs in
 * the caller's thread alone.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

#define SOURCE_CHUNK	65536		/* bytes read at a time */
#define SOURCE_WHY_MAX	256		/* bytes of one bad-event reason */

/* buffered reader over one input */
struct reader {
	FILE		*fp;
	const char	*path;
	char		*buf;
	size_t		 off;		/* start of unconsumed data */
	size_t		 len;		/* end of data */
	size_t		 cap;
	size_t		 limit;		/* of the line being read */
	bool		 eof;
	bool		 error;
	int		 err;		/* errno of the read error */
};

/* the hand-off between the parsing thread and the caller's */
struct handoff {
	pthread_mutex_t	  mu;
	pthread_cond_t	  cv;
	struct lmh_event *full;		/* parsed, waiting for the callback */
	size_t		  nfull;
	struct {			/* called back, waiting to be freed */
		struct lmh_event *evs;
		size_t		  n;
	}		  ret[2];	/* the two arrays there are, at most */
	int		  nret;
	bool		  finished;	/* the parsing thread has no more */
	bool		  aborted;	/* the callback returned -1 */
};

/* events waiting for the callback */
struct batch {
	struct handoff	 *h;		/* NULL: call back in this thread */
	struct lmh_event *evs;
	size_t		  n;
	size_t		  max;
	int		(*cb)(struct lmh_event *, size_t, void *);
	void		 *arg;
	bool		  aborted;
	const char	 *path;
	struct source_stats *stats;
	unsigned long	  line;		/* where the current record starts */
	size_t		  elem;		/* index in a response's events[] */
};

/* Skip white space in TEXT from *I; the next byte, or -1 at the end. */
static int
skip_space(const char *text, size_t len, size_t *i)
{
	while (*i < len && (text[*i] == ' ' || text[*i] == '\t' ||
	    text[*i] == '\r' || text[*i] == '\n'))
		(*i)++;
	return *i < len ? (unsigned char)text[*i] : -1;
}

/*
 * Whether TEXT is an udmSearch response body rather than an event: an
 * object whose first key is "events" or "moreDataAvailable" (no event
 * has such a key).
 */
static bool
is_response(const char *text, size_t len)
{
	static const char *const keys[] = { "\"events\"",
	    "\"moreDataAvailable\"" };
	size_t i = 0, k, n;

	if (skip_space(text, len, &i) != '{')
		return false;
	i++;
	if (skip_space(text, len, &i) != '"')
		return false;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		n = strlen(keys[k]);
		if (len - i >= n && memcmp(text + i, keys[k], n) == 0)
			return true;
	}
	return false;
}

/* Read more input into R, keeping unconsumed bytes; 0, or -1 at EOF/error. */
static int
reader_fill(struct reader *r)
{
	size_t n;

	if (r->eof)
		return -1;
	if (r->off > 0 && r->off == r->len)
		r->off = r->len = 0;
	else if (r->off > r->cap / 2) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len < SOURCE_CHUNK + 1) {
		r->cap = r->cap ? r->cap * 2 : 4 * SOURCE_CHUNK;
		while (r->cap - r->len < SOURCE_CHUNK + 1)
			r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	n = fread(r->buf + r->len, 1, SOURCE_CHUNK, r->fp);
	r->len += n;
	r->buf[r->len] = '\0';
	if (n < SOURCE_CHUNK) {
		if (ferror(r->fp)) {
			r->error = true;
			r->err = errno;
		}
		r->eof = true;
	}
	return n > 0 ? 0 : -1;
}

/*
 * Return the next line of R (without its newline or a trailing CR) in
 * *LINE and *LEN.  *TOOLONG is set, and the line skipped, when it exceeds
 * its limit (r->limit: LMH_RESPONSE_MAX for a line that starts as an
 * udmSearch response body, LMH_EVENT_MAX otherwise); *LAST when it had no
 * newline at the end of the input.  Returns 1 for a line, 0 at the end.
 */
static int
reader_line(struct reader *r, char **line, size_t *len, bool *toolong,
    bool *last)
{
	char *nl;
	size_t scanned = 0;

	*toolong = *last = false;
	if (r->len - r->off < 128 && !r->eof)
		reader_fill(r);
	r->limit = is_response(r->buf + r->off, r->len - r->off) ?
	    LMH_RESPONSE_MAX : LMH_EVENT_MAX;
	for (;;) {
		nl = memchr(r->buf + r->off + scanned, '\n',
		    r->len - r->off - scanned);
		if (nl != NULL)
			break;
		scanned = r->len - r->off;
		if (scanned > r->limit) {
			/* drop what is buffered and skip to the next newline */
			*toolong = true;
			r->off = r->len;
			scanned = 0;
		}
		if (reader_fill(r) == -1) {
			if (r->len == r->off && !*toolong)
				return 0;
			*line = r->buf + r->off;
			*len = r->len - r->off;
			r->off = r->len;
			*last = true;
			goto strip;
		}
	}
	*line = r->buf + r->off;
	*len = (size_t)(nl - *line);
	r->off += *len + 1;
	if (*len > r->limit)
		*toolong = true;
strip:
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	(*line)[*len] = '\0';
	return 1;
}

/* Log and count one bad event of the record being read. */
static void
bad_event(struct batch *b, const char *why)
{
	if (b->elem > 0)
		log_warnx("%s:%lu: events[%zu]: %s", b->path, b->line,
		    b->elem - 1, why);
	else
		log_warnx("%s:%lu: %s", b->path, b->line, why);
	b->stats->bad++;
}

/* Free N events of EVS. */
static void
events_free(struct lmh_event *evs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		udm_event_free(&evs[i]);
}

/*
 * Pass the batched events on to the caller's thread, and take back the
 * array it called back with last (freeing its events) to fill next.
 */
static void
batch_handoff(struct batch *b)
{
	struct handoff *h = b->h;
	struct lmh_event *next;
	size_t nnext;

	pthread_mutex_lock(&h->mu);
	while (h->full != NULL && !h->aborted)
		pthread_cond_wait(&h->cv, &h->mu);
	if (h->aborted) {
		b->aborted = true;
		pthread_mutex_unlock(&h->mu);
		events_free(b->evs, b->n);
		b->n = 0;
		return;
	}
	h->full = b->evs;
	h->nfull = b->n;
	pthread_cond_broadcast(&h->cv);
	while (h->nret == 0)
		pthread_cond_wait(&h->cv, &h->mu);
	h->nret--;
	next = h->ret[h->nret].evs;
	nnext = h->ret[h->nret].n;
	if (h->aborted)
		b->aborted = true;
	pthread_mutex_unlock(&h->mu);
	/* the other array: its events were parsed here, so freed here */
	b->evs = next;
	events_free(b->evs, nnext);
	b->n = 0;
}

/* Hand the batched events to the callback, then free them. */
static void
batch_flush(struct batch *b)
{
	if (b->n > 0 && b->h != NULL) {
		batch_handoff(b);
		return;
	}
	if (b->n > 0 && !b->aborted && b->cb(b->evs, b->n, b->arg) == -1)
		b->aborted = true;
	events_free(b->evs, b->n);
	b->n = 0;
}

/*
 * Parse one event's TEXT into the batch, or log and count it as bad
 * (PREFIX goes before the reason).  udm_parse keeps what it needs of
 * TEXT, so the input buffer may be reused at once.
 */
static void
batch_add(struct batch *b, const char *text, size_t len, const char *prefix)
{
	char why[SOURCE_WHY_MAX], msg[SOURCE_WHY_MAX + 64];
	struct lmh_event *ev = &b->evs[b->n];

	why[0] = '\0';
	if (udm_parse(text, len, ev, why, sizeof(why)) == -1) {
		snprintf(msg, sizeof(msg), "%s%s", prefix,
		    why[0] != '\0' ? why : "bad event");
		bad_event(b, msg);
		return;
	}
	b->n++;
	b->stats->events++;
	if (b->n == b->max)
		batch_flush(b);
}

/* udm_parse_response callback: one events[] element into the batch. */
static int
response_elem(const char *elem, size_t elen, void *arg)
{
	struct batch *b = arg;

	b->elem++;
	batch_add(b, elem, elen, "");
	return b->aborted ? -1 : 0;
}

/*
 * Batch the events of one udmSearch response body (the record at
 * b->line); a body that does not parse is one bad record.
 */
static void
add_response(struct batch *b, const char *text, size_t len)
{
	char why[SOURCE_WHY_MAX];
	bool more = false;

	b->elem = 0;
	why[0] = '\0';
	if (udm_parse_response(text, len, response_elem, b, &more, why,
	    sizeof(why)) == -1 && !b->aborted) {
		b->elem = 0;
		bad_event(b, why[0] != '\0' ? why : "bad response body");
	}
	b->elem = 0;
	if (more)
		log_debug("%s:%lu: the response says more data is available",
		    b->path, b->line);
}

/*
 * Whether TEXT starts with a line holding only "{": a pretty-printed JSON
 * document (one event or one response spread over many lines).
 */
static bool
is_pretty(const char *text, size_t len)
{
	size_t i = 0;

	if (skip_space(text, len, &i) != '{')
		return false;
	for (i++; i < len && text[i] != '\n'; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			return false;
	return true;
}

/*
 * Read the whole of R as one document: an udmSearch response body (at
 * most LMH_RESPONSE_MAX bytes) when RESPONSE, one event otherwise, and
 * batch its events; a document that is too long or does not parse is
 * one bad record at line 1.
 */
static void
read_whole(struct reader *r, struct batch *b, bool response)
{
	const char *p, *end;
	size_t len, max = response ? LMH_RESPONSE_MAX : LMH_EVENT_MAX;

	while (!r->eof && r->len - r->off <= max)
		reader_fill(r);
	if (r->error) {
		r->off = r->len;	/* not to be read again line by line */
		return;
	}
	b->line = 1;
	len = r->len - r->off;
	end = r->buf + r->len;
	for (p = r->buf + r->off; (p = memchr(p, '\n', (size_t)(end - p))) !=
	    NULL; p++)
		b->stats->lines++;
	if (len > 0 && end[-1] != '\n')
		b->stats->lines++;
	if (len > max) {
		bad_event(b, response ? "response body longer than the limit "
		    "LMH_RESPONSE_MAX (256 MiB)" : "event longer than the "
		    "limit LMH_EVENT_MAX (1 MiB)");
	} else if (response)
		add_response(b, r->buf + r->off, len);
	else
		batch_add(b, r->buf + r->off, len, "");
	r->off = r->len;
	if (!r->eof) {
		/* drain the rest of an over-long document */
		while (reader_fill(r) == 0)
			r->off = r->len;
	}
}

/* Read R to its end, batching its events for the callback. */
static void
replay_read(struct reader *r, struct batch *b)
{
	char *line;
	size_t len;
	bool toolong, last;

	/* a pretty-printed response body or event: read it whole */
	reader_fill(r);
	if (is_pretty(r->buf + r->off, r->len - r->off))
		read_whole(r, b, is_response(r->buf + r->off, r->len - r->off));

	while (!b->aborted && reader_line(r, &line, &len, &toolong, &last)) {
		b->stats->lines++;
		b->line = (unsigned long)b->stats->lines;
		if (toolong) {
			bad_event(b, r->limit == LMH_EVENT_MAX ?
			    "line longer than the limit LMH_EVENT_MAX (1 MiB)" :
			    "response body longer than the limit "
			    "LMH_RESPONSE_MAX (256 MiB)");
			continue;
		}
		if (skip_space(line, len, &(size_t){ 0 }) == -1)
			continue;		/* blank line */
		if (is_response(line, len))
			add_response(b, line, len);	/* one page a line */
		else
			batch_add(b, line, len, last ? "truncated last "
			    "line (no newline at the end): " : "");
	}
	batch_flush(b);
}

/* the parsing thread's share of one replay */
struct replay {
	struct reader	*r;
	struct batch	*b;
};

/* The parsing thread: read the input to its end, then say so. */
static void *
replay_thread(void *arg)
{
	struct replay *rp = arg;
	struct handoff *h = rp->b->h;

	replay_read(rp->r, rp->b);
	udm_thread_end();
	pthread_mutex_lock(&h->mu);
	h->finished = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/*
 * The caller's thread: call back with each batch the parsing thread
 * passes on, and hand the array back; after the callback failed once,
 * the remaining batches are handed back uncalled.
 */
static void
replay_consume(struct batch *b)
{
	struct handoff *h = b->h;
	struct lmh_event *evs;
	size_t n;
	bool aborted;
	int rc;

	for (;;) {
		pthread_mutex_lock(&h->mu);
		while (h->full == NULL && !h->finished)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->full == NULL) {
			pthread_mutex_unlock(&h->mu);
			return;
		}
		evs = h->full;
		n = h->nfull;
		h->full = NULL;
		aborted = h->aborted;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);

		rc = aborted ? 0 : b->cb(evs, n, b->arg);

		pthread_mutex_lock(&h->mu);
		h->ret[h->nret].evs = evs;
		h->ret[h->nret].n = n;
		h->nret++;
		if (rc == -1)
			h->aborted = true;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
	}
}

/*
 * Read PATH ("-" = stdin), NDJSON or udmSearch response bodies, and hand
 * events to CB in batches of at most MAXBATCH.  Bad events are logged as
 * "PATH:LINE: reason", counted and skipped.  Returns 0, or -1 when the
 * file cannot be opened or read (errno set, message logged) or when CB
 * returned -1.
 */
int
source_replay(const char *path, size_t maxbatch,
    int (*cb)(struct lmh_event *evs, size_t n, void *arg), void *arg,
    struct source_stats *stats)
{
	struct handoff h;
	struct replay rp;
	struct reader r;
	struct batch b;
	pthread_t tid;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	memset(&b, 0, sizeof(b));
	if (maxbatch == 0)
		maxbatch = 1;
	if (maxbatch > LMH_BATCH_MAX)
		maxbatch = LMH_BATCH_MAX;
	r.path = path;
	if (strcmp(path, "-") == 0) {
		r.fp = stdin;
		r.path = "<stdin>";
	} else if ((r.fp = fopen(path, "r")) == NULL) {
		rc = errno;
		log_warn("%s", path);
		errno = rc;
		return -1;
	}
	b.evs = xcalloc(maxbatch, sizeof(*b.evs));
	b.max = maxbatch;
	b.cb = cb;
	b.arg = arg;
	b.path = r.path;
	b.stats = stats;

	/* parse one batch ahead on a second thread, when one starts */
	memset(&h, 0, sizeof(h));
	pthread_mutex_init(&h.mu, NULL);
	pthread_cond_init(&h.cv, NULL);
	h.ret[0].evs = xcalloc(maxbatch, sizeof(*h.ret[0].evs));
	h.nret = 1;
	b.h = &h;
	rp.r = &r;
	rp.b = &b;
	if (pthread_create(&tid, NULL, replay_thread, &rp) == 0) {
		replay_consume(&b);
		pthread_join(tid, NULL);
		if (h.aborted)
			b.aborted = true;
	} else {
		log_debug("%s: parsing in the caller's thread", r.path);
		b.h = NULL;
		replay_read(&r, &b);
	}
	while (h.nret > 0) {
		h.nret--;
		events_free(h.ret[h.nret].evs, h.ret[h.nret].n);
		free(h.ret[h.nret].evs);
	}
	pthread_cond_destroy(&h.cv);
	pthread_mutex_destroy(&h.mu);

	if (r.error) {
		errno = r.err;
		log_warn("%s: read error", r.path);
		errno = r.err;
		rc = -1;
	}
	if (b.aborted)
		rc = -1;
	if (r.fp != stdin)
		fclose(r.fp);
	free(r.buf);
	free(b.evs);
	return rc;
}
