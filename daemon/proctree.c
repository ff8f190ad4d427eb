/*
 * proctree.c - process lineage: fill in the parent's image of a process
 * launch that lacks it (Security 4688 before Windows 10 and many exports
 * carry only the parent's pid) from the launch event that started that
 * parent on the same host.  Rules such as "WmiPrvSE.exe started a shell"
 * then see the parent even when the child's own event does not name it.
 *
 * The table keeps the latest launch for each (host, pid), at most
 * LMH_PROCTREE_MAX of them, the oldest learned evicted first.  A launch
 * only explains a child that started after it and within
 * LMH_PROCTREE_AGE seconds, so a reused pid does not name a stale parent.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

struct pt_entry {
	char		*key;		/* lower-case host, NUL, pid */
	size_t		 keylen;
	char		*path;		/* image of the launched process */
	int64_t		 ts_us;		/* when it was launched */
	struct pt_entry	*next;		/* hash chain */
	bool		 used;
};

struct proctree {
	struct pt_entry	 *ring;		/* learned order, for eviction */
	size_t		  cap;
	size_t		  head;		/* next slot to (re)use */
	struct pt_entry	**buckets;
	size_t		  nbuckets;	/* a power of two */
	uint64_t	  filled;
	char		**retired;	/* images replaced or evicted in this */
	size_t		  nretired;	/* call: events may still point at */
	size_t		  capretired;	/* them, so freed at the next call */
};

/* Keep PATH until the next call: an event filled in this one may use it. */
static void
retire(struct proctree *pt, char *path)
{
	if (pt->nretired == pt->capretired) {
		pt->capretired = pt->capretired ? pt->capretired * 2 : 64;
		pt->retired = xrealloc(pt->retired, pt->capretired *
		    sizeof(*pt->retired));
	}
	pt->retired[pt->nretired++] = path;
}

/* Free the images retired during the previous call. */
static void
retired_free(struct proctree *pt)
{
	size_t i;

	for (i = 0; i < pt->nretired; i++)
		free(pt->retired[i]);
	pt->nretired = 0;
}

/* Make an empty table for at most MAX launches (0: LMH_PROCTREE_MAX). */
struct proctree *
proctree_new(size_t max)
{
	struct proctree *pt = xcalloc(1, sizeof(*pt));

	pt->cap = max > 0 && max <= LMH_PROCTREE_MAX ? max : LMH_PROCTREE_MAX;
	pt->ring = xcalloc(pt->cap, sizeof(*pt->ring));
	for (pt->nbuckets = 64; pt->nbuckets < pt->cap; pt->nbuckets *= 2)
		;
	pt->buckets = xcalloc(pt->nbuckets, sizeof(*pt->buckets));
	return pt;
}

/* Release the table. */
void
proctree_free(struct proctree *pt)
{
	size_t i;

	if (pt == NULL)
		return;
	for (i = 0; i < pt->cap; i++) {
		free(pt->ring[i].key);
		free(pt->ring[i].path);
	}
	retired_free(pt);
	free(pt->retired);
	free(pt->ring);
	free(pt->buckets);
	free(pt);
}

/*
 * Build the key of (HOST, PID) into OUT; 0 when either is unusable.  The
 * pid is read as a number, decimal or 0x-hex (4688 writes hex, Sysmon
 * decimal), so both spellings meet.
 */
static size_t
make_key(const char *host, const char *pid, char *out, size_t outlen)
{
	unsigned long long v;
	size_t h = strlen(host), i;
	char *end;
	int p;

	if (h == 0 || *pid == '\0')
		return 0;
	errno = 0;
	v = strtoull(pid, &end, 0);
	if (errno != 0 || *end != '\0' || *pid == '-')
		return 0;
	if (h + 24 > outlen)
		return 0;
	for (i = 0; i < h; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[h] = '\0';
	p = snprintf(out + h + 1, outlen - h - 1, "%llu", v);
	return h + 1 + (size_t)p;
}

/* FNV-1a over a key. */
static size_t
key_hash(const char *k, size_t len)
{
	uint64_t x = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		x = (x ^ (unsigned char)k[i]) * 1099511628211ULL;
	return (size_t)x;
}

/* The entry for KEY, or NULL. */
static struct pt_entry *
lookup(const struct proctree *pt, const char *key, size_t len)
{
	struct pt_entry *e;

	for (e = pt->buckets[key_hash(key, len) & (pt->nbuckets - 1)];
	    e != NULL; e = e->next)
		if (e->keylen == len && memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

/* Unlink entry E from its hash chain and empty it. */
static void
evict(struct proctree *pt, struct pt_entry *e)
{
	struct pt_entry **pp;

	pp = &pt->buckets[key_hash(e->key, e->keylen) & (pt->nbuckets - 1)];
	while (*pp != NULL && *pp != e)
		pp = &(*pp)->next;
	if (*pp == e)
		*pp = e->next;
	free(e->key);
	retire(pt, e->path);
	memset(e, 0, sizeof(*e));
}

/* Remember that EV launched its target process. */
static void
learn(struct proctree *pt, const struct lmh_event *ev)
{
	char key[LMH_NAME_MAX * 2];
	struct pt_entry *e;
	size_t len, b;

	if (ev->host == NULL || ev->pid == NULL || ev->path == NULL ||
	    (len = make_key(ev->host, ev->pid, key, sizeof(key))) == 0)
		return;
	if ((e = lookup(pt, key, len)) != NULL) {
		if (ev->ts_us < e->ts_us)
			return;		/* keep the latest launch of a pid */
		retire(pt, e->path);
		e->path = xstrdup(ev->path);
		e->ts_us = ev->ts_us;
		return;
	}
	e = &pt->ring[pt->head];
	pt->head = (pt->head + 1) % pt->cap;
	if (e->used)
		evict(pt, e);
	e->key = xmalloc(len + 1);
	memcpy(e->key, key, len + 1);
	e->keylen = len;
	e->path = xstrdup(ev->path);
	e->ts_us = ev->ts_us;
	e->used = true;
	b = key_hash(key, len) & (pt->nbuckets - 1);
	e->next = pt->buckets[b];
	pt->buckets[b] = e;
}

/* Whether EV is a process launch. */
static bool
is_launch(const struct lmh_event *ev)
{
	return ev->event_type != NULL &&
	    strcmp(ev->event_type, "PROCESS_LAUNCH") == 0;
}

/* Order launches by time (qsort). */
static int
cmp_time(const void *a, const void *b)
{
	const struct lmh_event *x = *(const struct lmh_event *const *)a;
	const struct lmh_event *y = *(const struct lmh_event *const *)b;

	return x->ts_us < y->ts_us ? -1 : x->ts_us > y->ts_us;
}

/* Give EV the image of the latest earlier launch of its parent's pid. */
static bool
fill(struct proctree *pt, struct lmh_event *ev)
{
	char key[LMH_NAME_MAX * 2];
	const struct pt_entry *e;
	size_t len;

	if (ev->parent_path != NULL || ev->host == NULL ||
	    ev->parent_pid == NULL ||
	    (len = make_key(ev->host, ev->parent_pid, key, sizeof(key))) == 0 ||
	    (e = lookup(pt, key, len)) == NULL)
		return false;
	if (e->ts_us > ev->ts_us ||
	    ev->ts_us - e->ts_us > (int64_t)LMH_PROCTREE_AGE * 1000000)
		return false;
	ev->parent_path = e->path;
	ev->parent_inferred = true;
	return true;
}

/*
 * Go through the launches among EVS in time order, as if they arrived one
 * by one: launches of the same instant are learned first, then the ones
 * among them lacking their parent's image get the image of the latest
 * earlier launch of that pid on the same host.  So the result does not
 * depend on where batches split.  The filled strings stay valid until the
 * next call.  Returns how many parents were filled.
 */
size_t
proctree_batch(struct proctree *pt, struct lmh_event *evs, size_t n)
{
	struct lmh_event **v;
	size_t i, j, k, nl = 0, filled = 0;

	retired_free(pt);
	v = xcalloc(n > 0 ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		if (is_launch(&evs[i]))
			v[nl++] = &evs[i];
	qsort(v, nl, sizeof(*v), cmp_time);
	for (i = 0; i < nl; i = j) {
		for (j = i; j < nl && v[j]->ts_us == v[i]->ts_us; j++)
			learn(pt, v[j]);
		for (k = i; k < j; k++)
			if (fill(pt, v[k]))
				filled++;
	}
	free(v);
	pt->filled += filled;
	return filled;
}

/* How many parents were filled in all. */
uint64_t
proctree_filled(const struct proctree *pt)
{
	return pt->filled;
}
