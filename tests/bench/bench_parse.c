/*
 * bench_parse.c - the parse-only floor of the one-shot hunt: read NDJSON
 * lines into memory, then time udm_parse (json-c and the flat decoding)
 * and udm_event_free on each, and print events per second.  bench_once.sh
 * compares the end-to-end --once rate with this one.
 *
 * usage: bench_parse FILE.ndjson [ROUNDS]
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmhunt.h"

#define BENCH_LINES_MAX		2000000	/* lines kept in memory */

/* Seconds on the monotonic clock. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct lmh_event ev;
	char why[256], *line = NULL, **lines = NULL;
	size_t cap = 0, n = 0, capl = 0, i, ok = 0, bad = 0;
	ssize_t len;
	double t0, dt;
	int r, rounds = 1;
	FILE *fp;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_parse FILE.ndjson [ROUNDS]\n");
		return 1;
	}
	if (argc == 3 && (rounds = atoi(argv[2])) < 1)
		rounds = 1;
	if ((fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "bench_parse: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (n < BENCH_LINES_MAX && (len = getline(&line, &cap, fp)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || len > LMH_EVENT_MAX)
			continue;
		if (n == capl) {
			capl = capl ? capl * 2 : 4096;
			lines = xrealloc(lines, capl * sizeof(*lines));
		}
		lines[n++] = xstrdup(line);
	}
	free(line);
	fclose(fp);

	t0 = now_s();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			memset(&ev, 0, sizeof(ev));
			if (udm_parse(lines[i], strlen(lines[i]), &ev, why,
			    sizeof(why)) == 0) {
				ok++;
				udm_event_free(&ev);
			} else
				bad++;
		}
	}
	dt = now_s() - t0;
	printf("bench_parse: %zu events (%zu bad) x %d in %.3f s: %.0f events/s\n",
	    n, bad / (size_t)rounds, rounds, dt, dt > 0 ? (double)ok / dt : 0);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return 0;
}
