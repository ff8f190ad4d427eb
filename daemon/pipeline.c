/*
 * pipeline.c - one batch of new events through store, rules and
 * correlation, in one store transaction.
 *
 * The same function serves the one-shot hunt (a batch per block of the
 * replayed file) and the polling daemon (a batch per poll window), so it
 * keeps no global state: everything lives in struct hunt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

/* Set up H over a loaded rule set and an open store; -1 when it cannot. */
int
hunt_init(struct hunt *h, const struct lmh_config *cf, struct ruleset *rules,
    struct store *store)
{
	memset(h, 0, sizeof(*h));
	h->cf = cf;
	h->rules = rules;
	h->store = store;
	h->stats.rule_hits = xcalloc(rules->n > 0 ? rules->n : 1,
	    sizeof(*h->stats.rule_hits));
	if ((h->corr = correlate_new(cf)) == NULL) {
		log_warnx("cannot set up correlation");
		free(h->stats.rule_hits);
		h->stats.rule_hits = NULL;
		return -1;
	}
	h->tree = proctree_new(0);
	return 0;
}

/* Find a list of the rule set by name, for the scope query. */
static const struct lmh_list *
scope_list(const char *name, void *arg)
{
	const struct ruleset *rs = arg;
	size_t i;

	for (i = 0; i < rs->nlists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return &rs->lists[i];
	return NULL;
}

/* Compile the scope query; events that do not match it are not hunted. */
int
hunt_set_scope(struct hunt *h, const char *scope, struct errlist *errs)
{
	if (h->scope != NULL)
		query_free(h->scope);
	h->scope = NULL;
	if (scope == NULL || *scope == '\0')
		return 0;
	h->scope = query_parse(scope, "scope", 1, 1, scope_list, h->rules,
	    errs);
	return h->scope == NULL ? -1 : 0;
}

/* Release what hunt_init allocated (not the rules nor the store). */
void
hunt_free(struct hunt *h)
{
	if (h->scope != NULL)
		query_free(h->scope);
	h->scope = NULL;
	if (h->corr != NULL)
		correlate_free(h->corr);
	proctree_free(h->tree);
	h->tree = NULL;
	free(h->stats.rule_hits);
	h->corr = NULL;
	h->stats.rule_hits = NULL;
}

/* The most events one batch may hold under H's configuration. */
static size_t
hunt_batch_max(const struct hunt *h)
{
	size_t max = LMH_BATCH_MAX;

	if (h->cf != NULL && h->cf->batch_events > 0 &&
	    (uint64_t)h->cf->batch_events < (uint64_t)max)
		max = (size_t)h->cf->batch_events;
	return max;
}

/* Swap two events in place (ownership moves with the contents). */
static void
event_swap(struct lmh_event *a, struct lmh_event *b)
{
	struct lmh_event t;

	if (a == b)
		return;
	t = *a;
	*a = *b;
	*b = t;
}

/* Store, match and correlate one batch of events in one transaction. */
int
hunt_batch(struct hunt *h, struct lmh_event *evs, size_t n)
{
	const struct rule **matched = NULL;
	struct lmh_hit *hits = NULL;
	uint64_t *rule_hits = NULL;
	size_t i, j, k, nin = n, nnew = 0, ndup = 0, nhits = 0, caphits = 0;
	int r, rc = -1;

	if (n == 0)
		return 0;
	if (n > hunt_batch_max(h)) {
		log_warnx("batch of %zu events exceeds batch_events %zu", n,
		    hunt_batch_max(h));
		h->stats.failed++;
		return -1;
	}
	/* scope: events in scope move to the front, the rest are not hunted */
	if (h->scope != NULL) {
		for (i = 0, nin = 0; i < n; i++)
			if (query_match(h->scope, &evs[i]))
				event_swap(&evs[nin++], &evs[i]);
	}
	/* lineage: launches lacking the parent's image get it, if known */
	h->stats.parents_inferred += proctree_batch(h->tree, evs, nin);
	if (store_begin(h->store) == -1) {
		h->stats.failed++;
		return -1;
	}

	/* store: new events move to the front, duplicates stay behind */
	for (i = 0; i < nin; i++) {
		if ((r = store_insert_event(h->store, &evs[i])) == -1)
			goto fail;
		if (r == 0) {
			ndup++;
			continue;
		}
		event_swap(&evs[nnew], &evs[i]);
		nnew++;
	}

	/* rules: every enabled rule on every newly stored event */
	if (h->rules->n > 0 && nnew > 0) {
		matched = xcalloc(h->rules->n, sizeof(*matched));
		rule_hits = xcalloc(h->rules->n, sizeof(*rule_hits));
	}
	for (i = 0; i < nnew && matched != NULL; i++) {
		k = rules_match(h->rules, &evs[i], matched, h->rules->n);
		for (j = 0; j < k; j++) {
			if (nhits == caphits) {
				caphits = caphits ? caphits * 2 : 64;
				hits = xrealloc(hits, caphits * sizeof(*hits));
			}
			hits[nhits].ev = &evs[i];
			hits[nhits].rule = matched[j];
			nhits++;
			rule_hits[matched[j] - h->rules->rules]++;
		}
	}

	/* correlation: joins against what is already stored */
	if (nnew > 0 && correlate_batch(h->corr, h->store, evs, nnew, hits,
	    nhits) == -1)
		goto fail;
	if (store_commit(h->store) == -1)
		goto fail;

	/* count only what was committed */
	h->stats.stored += nnew;
	h->stats.duplicates += ndup;
	h->stats.hits += nhits;
	h->stats.batches++;
	h->stats.out_of_scope += n - nin;
	for (i = 0; rule_hits != NULL && i < h->rules->n; i++)
		h->stats.rule_hits[i] += rule_hits[i];
	for (i = 0; i < nin; i++) {
		if (h->stats.first_us == 0 && h->stats.last_us == 0) {
			h->stats.first_us = h->stats.last_us = evs[i].ts_us;
			continue;
		}
		if (evs[i].ts_us < h->stats.first_us)
			h->stats.first_us = evs[i].ts_us;
		if (evs[i].ts_us > h->stats.last_us)
			h->stats.last_us = evs[i].ts_us;
	}
	rc = 0;
	goto out;
fail:
	store_rollback(h->store);
	h->stats.failed++;
out:
	free(matched);
	free(rule_hits);
	free(hits);
	return rc;
}
