/*
 * bench_rules.c - rule-pack evaluation throughput: parse the events of the
 * given NDJSON files once with udm_parse, then time rules_match of the
 * rule set over them repeatedly on one core and print events per second.
 * Target (issue 3): >= 300,000 events/s for the default pack.
 *
 * usage: bench_rules RULES_DIR LISTS_DIR FILE.ndjson...
 * With BENCH_RULES_PROFILE set, it also times each rule alone.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmhunt.h"

#define BENCH_EVENTS_MAX	200000	/* events kept in memory */
#define BENCH_SECONDS		2.0	/* minimum CPU time measured */

/*
 * Seconds of this process's CPU time: the figure is per core and does not
 * drop when other jobs share the machine.
 */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse up to BENCH_EVENTS_MAX events of PATH into EVS; return the count. */
static size_t
load(const char *path, struct lmh_event *evs, size_t n)
{
	char why[256], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bench_rules: %s: %s\n", path, strerror(errno));
		return n;
	}
	while (n < BENCH_EVENTS_MAX && (len = getline(&line, &cap, fp)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || len > LMH_EVENT_MAX)
			continue;
		memset(&evs[n], 0, sizeof(evs[n]));
		if (udm_parse(line, (size_t)len, &evs[n], why, sizeof(why)) == 0)
			n++;
	}
	free(line);
	fclose(fp);
	return n;
}

/* Time each enabled rule alone over the events its index bucket sees. */
static void
profile(const struct ruleset *rs, struct lmh_event *evs, size_t nev)
{
	const struct rule *r;
	const char *t;
	size_t i, j, seen, hit;
	double t0, dt;

	for (i = 0; i < rs->n; i++) {
		r = &rs->rules[i];
		if (!r->enabled)
			continue;
		t = query_event_type(r->query);
		seen = hit = 0;
		t0 = now_s();
		for (j = 0; j < nev; j++) {
			if (t != NULL && (evs[j].event_type == NULL ||
			    strcmp(evs[j].event_type, t) != 0))
				continue;
			seen++;
			hit += query_match(r->query, &evs[j]);
		}
		dt = now_s() - t0;
		printf("  %-36s %8zu events %6zu hits %8.1f ns/event "
		    "%6.1f ms\n", r->id, seen, hit, seen ? dt * 1e9 / (double)seen :
		    0.0, dt * 1e3);
	}
}

int
main(int argc, char *argv[])
{
	const struct rule *hits[LMH_RULES_MAX];
	struct errlist errs = { NULL, 0 };
	struct lmh_event *evs;
	struct ruleset *rs;
	size_t nev = 0, i, enabled = 0;
	unsigned long long matched = 0, rounds = 0;
	double t0, t;
	int a;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_rules rules_dir lists_dir "
		    "file.ndjson...\n");
		return 2;
	}
	log_init(LOG_DEST_STDERR, 0, "bench_rules");
	if ((rs = rules_load(argv[1], argv[2], &errs)) == NULL) {
		errlist_print(&errs, stderr);
		return 1;
	}
	for (i = 0; i < rs->n; i++)
		enabled += rs->rules[i].enabled;
	evs = xcalloc(BENCH_EVENTS_MAX, sizeof(*evs));
	for (a = 3; a < argc; a++)
		nev = load(argv[a], evs, nev);
	if (nev == 0) {
		fprintf(stderr, "bench_rules: no events\n");
		return 1;
	}
	t0 = now_s();
	do {
		for (i = 0; i < nev; i++)
			matched += rules_match(rs, &evs[i], hits, LMH_RULES_MAX);
		rounds++;
	} while ((t = now_s() - t0) < BENCH_SECONDS);
	printf("bench_rules: %zu rules (%zu enabled), %zu events x %llu "
	    "rounds in %.2f s CPU: %.0f events/s, %llu hits per round "
	    "(target >= 300000 events/s)\n", rs->n, enabled, nev, rounds, t,
	    (double)nev * (double)rounds / t, matched / rounds);
	if (getenv("BENCH_RULES_PROFILE") != NULL)
		profile(rs, evs, nev);
	for (i = 0; i < nev; i++)
		udm_event_free(&evs[i]);
	free(evs);
	rules_free(rs);
	return 0;
}
