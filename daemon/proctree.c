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
};

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
	free(pt->ring);
	free(pt->buckets);
	free(pt);
}

/* Build the key of (HOST, PID) into OUT; 0 when either is unusable. */
static size_t
make_key(const char *host, const char *pid, char *out, size_t outlen)
{
	size_t h = strlen(host), p = strlen(pid), i;

	if (h == 0 || p == 0 || h + p + 2 > outlen)
		return 0;
	for (i = 0; i < h; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[h] = '\0';
	memcpy(out + h + 1, pid, p + 1);
	return h + 1 + p;
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
	free(e->path);
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
		free(e->path);
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

/*
 * Learn the launches among EVS, then give each launch that lacks its
 * parent's image the image of the latest earlier launch of that pid on
 * the same host.  The filled strings stay valid until the next call.
 * Returns how many parents were filled.
 */
size_t
proctree_batch(struct proctree *pt, struct lmh_event *evs, size_t n)
{
	char key[LMH_NAME_MAX * 2];
	const struct pt_entry *e;
	size_t i, len, filled = 0;

	for (i = 0; i < n; i++)
		if (is_launch(&evs[i]))
			learn(pt, &evs[i]);
	for (i = 0; i < n; i++) {
		struct lmh_event *ev = &evs[i];

		if (!is_launch(ev) || ev->parent_path != NULL ||
		    ev->host == NULL || ev->parent_pid == NULL ||
		    (len = make_key(ev->host, ev->parent_pid, key,
		    sizeof(key))) == 0 ||
		    (e = lookup(pt, key, len)) == NULL)
			continue;
		if (e->ts_us > ev->ts_us ||
		    ev->ts_us - e->ts_us > (int64_t)LMH_PROCTREE_AGE * 1000000)
			continue;
		ev->parent_path = e->path;
		ev->parent_inferred = true;
		filled++;
	}
	pt->filled += filled;
	return filled;
}

/* How many parents were filled in all. */
uint64_t
proctree_filled(const struct proctree *pt)
{
	return pt->filled;
}
