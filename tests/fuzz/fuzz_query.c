/*
 * fuzz_query.c - libFuzzer target for the query parser.
 *
 * Feeds arbitrary bytes to query_parse (with a lookup that knows three
 * small lists).  On success it renders the query, parses the rendering
 * again and checks that rendering is a fixed point, that the operator
 * counts agree and that both trees give the same result on a few events;
 * any difference aborts.  Lint and query_event_type run too.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *l_items[] = { "a", "C:\\Windows\\System32\\svchost.exe", "445" };
static char *n_items[] = { "10.0.0.0/8", "fe80::/10", "192.168.1.1" };
static char *r_items[] = { "^a", "psexesvc", "\\\\(cmd|pwsh)\\.exe$" };
static const struct lmh_list lists[] = {
	{ "l", l_items, 3, "l.txt" },
	{ "nets", n_items, 3, "nets.txt" },
	{ "re", r_items, 3, "re.txt" },
};

static const char *const ev_json[] = {
	"{\"metadata\":{\"id\":\"A\",\"eventTimestamp\":\"2025-01-10T12:00:05Z\","
	"\"eventType\":\"PROCESS_LAUNCH\",\"productEventType\":\"1\"},"
	"\"principal\":{\"hostname\":\"srv01\",\"ip\":[\"10.0.0.20\",\"fe80::1\"],"
	"\"process\":{\"pid\":\"640\",\"file\":{\"fullPath\":"
	"\"C:\\\\Windows\\\\System32\\\\services.exe\"}}},\"target\":{\"process\":"
	"{\"pid\":\"4321\",\"commandLine\":\"cmd.exe /c wmic /node:x process call"
	" create\",\"file\":{\"fullPath\":\"C:\\\\Windows\\\\PSEXESVC.exe\"}},"
	"\"labels\":[{\"key\":\"k\",\"value\":\"v\"}]},\"additional\":{\"a\":\"1\","
	"\"b\":true}}",
	"{\"metadata\":{\"id\":\"B\",\"eventTimestamp\":\"2025-01-10T12:00:05Z\","
	"\"eventType\":\"NETWORK_CONNECTION\"},\"principal\":{\"ip\":[\"10.1.2.3\"],"
	"\"port\":50000},\"target\":{\"ip\":[\"192.168.1.1\"],\"port\":445}}",
};
#define NEV (sizeof ev_json / sizeof ev_json[0])
static struct lmh_event events[NEV];

/* The list lookup handed to query_parse. */
static const struct lmh_list *
lookup(const char *name, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (strcmp(lists[i].name, name) == 0)
			return &lists[i];
	return NULL;
}

/* Parse the events once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char why[256];
	size_t i;

	(void)argc;
	(void)argv;
	log_init(LOG_DEST_STDERR, 0, "fuzz_query");
	for (i = 0; i < NEV; i++)
		if (udm_parse(ev_json[i], strlen(ev_json[i]), &events[i], why,
		    sizeof why) != 0)
			fatalx("event %zu: %s", i, why);
	return 0;
}

/* One input: parse, and on success render, re-parse and compare. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = { NULL, 0 }, warns = { NULL, 0 };
	struct query *q, *q2;
	struct buf r1, r2;
	char *text;
	size_t i;

	if (size > LMH_QUERY_LEN_MAX + 1)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	q = query_parse(text, "fuzz", 1, 1, lookup, NULL, &errs);
	if (q == NULL) {
		if (errs.n == 0)
			abort();		/* a failure must say why */
		goto out;
	}
	buf_init(&r1);
	buf_init(&r2);
	query_render(q, &r1);
	q2 = query_parse(r1.data, "render", 1, 1, lookup, NULL, &errs);
	if (q2 == NULL) {
		errlist_print(&errs, stderr);
		fprintf(stderr, "rendering does not parse: %s\n", r1.data);
		abort();
	}
	query_render(q2, &r2);
	if (strcmp(r1.data, r2.data) != 0) {
		fprintf(stderr, "not a fixed point:\n%s\n%s\n", r1.data, r2.data);
		abort();
	}
	if (query_ops(q) != query_ops(q2))
		abort();
	for (i = 0; i < NEV; i++)
		if (query_match(q, &events[i]) != query_match(q2, &events[i])) {
			fprintf(stderr, "evaluation differs on event %zu: %s\n",
			    i, r1.data);
			abort();
		}
	if ((query_event_type(q) == NULL) != (query_event_type(q2) == NULL))
		abort();
	query_lint(q, &warns);
	query_free(q2);
	query_free(q);
	buf_free(&r1);
	buf_free(&r2);
out:
	errlist_free(&errs);
	errlist_free(&warns);
	free(text);
	return 0;
}
