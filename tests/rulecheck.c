/*
 * rulecheck.c - run a rule set over NDJSON files of UDM events and print
 * one line "EVENT_ID RULE_ID ROLE" per hit; tests/rules.sh compares these
 * with the datasets' ground truth.  A test helper, not installed.
 *
 * usage: rulecheck RULES_DIR LISTS_DIR FILE...
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

#define RULECHECK_HITS_MAX	64	/* rule hits kept per event */

/* Match every event of PATH against RS and print the hits; -1 on error. */
static int
check_file(const struct ruleset *rs, const char *path, unsigned long *nev)
{
	const struct rule *hits[RULECHECK_HITS_MAX];
	struct lmh_event ev;
	char why[256], *line = NULL;
	size_t cap = 0, i, n;
	ssize_t len;
	long lineno = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "rulecheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (len > LMH_EVENT_MAX) {
			fprintf(stderr, "rulecheck: %s:%ld: event longer than "
			    "%d bytes\n", path, lineno, LMH_EVENT_MAX);
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		memset(&ev, 0, sizeof(ev));
		if (udm_parse(line, (size_t)len, &ev, why, sizeof(why)) == -1) {
			fprintf(stderr, "rulecheck: %s:%ld: %s\n", path, lineno,
			    why);
			continue;
		}
		(*nev)++;
		n = rules_match(rs, &ev, hits, RULECHECK_HITS_MAX);
		for (i = 0; i < n; i++)
			printf("%s %s %s\n", ev.id, hits[i]->id,
			    role_name(hits[i]->role));
		udm_event_free(&ev);
	}
	free(line);
	fclose(fp);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct errlist errs = { NULL, 0 };
	struct ruleset *rs;
	unsigned long nev = 0;
	int i, rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: rulecheck rules_dir lists_dir "
		    "file.ndjson...\n");
		return 2;
	}
	log_init(LOG_DEST_STDERR, 0, "rulecheck");
	if ((rs = rules_load(argv[1], argv[2], &errs)) == NULL) {
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		return 1;
	}
	for (i = 3; i < argc; i++)
		if (check_file(rs, argv[i], &nev) == -1)
			rc = 1;
	fprintf(stderr, "rulecheck: %lu events, %zu rules\n", nev, rs->n);
	rules_free(rs);
	return rc;
}
