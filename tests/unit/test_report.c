/*
 * test_report.c - the pipeline (one batch: store, rules, correlation) and
 * the hunt report (text and JSON) over an in-memory store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmhunt.h"

/* everything one test needs: a rule set, a store and a hunt */
struct fixture {
	char			 dir[64];
	struct lmh_config	*cf;
	struct ruleset		*rs;
	struct store		*st;
	struct hunt		 h;
	struct lmh_event	 evs[8];
	size_t			 nev;
};

/* Two rules: an evidence rule that matches port 445, one that never does. */
static const char rules_text[] =
    "[rule test-smb]\n"
    "title      = Test SMB connection\n"
    "techniques = T1021.002\n"
    "severity   = low\n"
    "role       = network\n"
    "query      = metadata.event_type = \"NETWORK_CONNECTION\" AND "
    "target.port = 445\n"
    "\n"
    "[rule test-wmi]\n"
    "title      = Test WMI process creation\n"
    "techniques = T1047\n"
    "severity   = high\n"
    "role       = exec\n"
    "query      = metadata.event_type = \"PROCESS_LAUNCH\" AND "
    "principal.process.file.full_path = \"C:\\\\never\\\\wmiprvse.exe\"\n";

/* A network connection event with ID at second SEC, to port PORT. */
static char *
net_event(const char *id, int sec, int port)
{
	return xasprintf("{\"metadata\":{\"id\":\"%s\",\"eventTimestamp\":"
	    "\"2020-09-20T06:57:%02dZ\",\"eventType\":\"NETWORK_CONNECTION\","
	    "\"productEventType\":\"3\"},\"principal\":{\"hostname\":\"WS5\","
	    "\"ip\":[\"10.1.1.5\"],\"port\":50000},\"target\":{\"ip\":"
	    "[\"10.1.1.6\"],\"port\":%d},\"network\":{\"direction\":"
	    "\"OUTBOUND\"}}", id, sec, port);
}

/* Parse TEXT into the fixture's next event slot. */
static void
add_event(struct fixture *fx, char *text)
{
	char why[256];

	assert_true(fx->nev < sizeof(fx->evs) / sizeof(fx->evs[0]));
	assert_int_equal(udm_parse(text, strlen(text), &fx->evs[fx->nev], why,
	    sizeof(why)), 0);
	fx->nev++;
	free(text);
}

/* Free the parsed events of the fixture. */
static void
clear_events(struct fixture *fx)
{
	size_t i;

	for (i = 0; i < fx->nev; i++)
		udm_event_free(&fx->evs[i]);
	fx->nev = 0;
}

/* Write the rule file, load it, open a store and start a hunt. */
static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	struct errlist errs = { NULL, 0 };
	char path[128], why[256];
	FILE *fp;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_report.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/t.rules", fx->dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(rules_text, fp);
	fclose(fp);
	if ((fx->rs = rules_load(fx->dir, fx->dir, &errs)) == NULL) {
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		return -1;
	}
	fx->cf = xcalloc(1, sizeof(*fx->cf));
	fx->cf->batch_events = 4;
	fx->cf->smb_window = 120;
	fx->cf->clock_skew = 30;
	fx->cf->max_clock_skew = 0;
	fx->cf->fanout_hosts = 5;
	fx->cf->fanout_window = 600;
	fx->cf->case_threshold = 70;
	if ((fx->st = store_open(":memory:", why, sizeof(why))) == NULL)
		return -1;
	if (hunt_init(&fx->h, fx->cf, fx->rs, fx->st) == -1)
		return -1;
	*state = fx;
	return 0;
}

/* Undo setup. */
static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char path[128];

	clear_events(fx);
	hunt_free(&fx->h);
	store_close(fx->st);
	rules_free(fx->rs);
	free(fx->cf);
	snprintf(path, sizeof(path), "%s/t.rules", fx->dir);
	unlink(path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Index of rule ID in the rule set. */
static size_t
rule_index(const struct ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return i;
	fail_msg("no rule %s", id);
	return 0;
}

/* A batch is stored, matched and counted; the same batch again is all duplicates. */
static void
batch_counts_and_idempotence(void **state)
{
	struct fixture *fx = *state;
	size_t smb = rule_index(fx->rs, "test-smb");
	size_t wmi = rule_index(fx->rs, "test-wmi");

	add_event(fx, net_event("e1", 10, 445));
	add_event(fx, net_event("e2", 5, 80));
	add_event(fx, net_event("e3", 20, 445));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	assert_int_equal(fx->h.stats.stored, 3);
	assert_int_equal(fx->h.stats.duplicates, 0);
	assert_int_equal(fx->h.stats.rule_hits[smb], 2);
	assert_int_equal(fx->h.stats.rule_hits[wmi], 0);
	assert_int_equal(fx->h.stats.hits, 2);
	assert_int_equal(fx->h.stats.batches, 1);
	assert_int_equal(store_event_count(fx->st), 3);
	/* data range: oldest and newest event time, whatever the order */
	assert_true(fx->h.stats.first_us < fx->h.stats.last_us);
	assert_int_equal(fx->h.stats.last_us - fx->h.stats.first_us,
	    15 * 1000000LL);

	/* the same events again: nothing new, no new rule hits */
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	assert_int_equal(fx->h.stats.stored, 3);
	assert_int_equal(fx->h.stats.duplicates, 3);
	assert_int_equal(fx->h.stats.rule_hits[smb], 2);
	assert_int_equal(store_event_count(fx->st), 3);
}

/* New events move to the front of the batch, duplicates behind them. */
static void
batch_new_events_first(void **state)
{
	struct fixture *fx = *state;

	add_event(fx, net_event("a", 1, 445));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, 1), 0);
	add_event(fx, net_event("b", 2, 445));
	/* evs = [a (duplicate now), b (new)] */
	assert_int_equal(hunt_batch(&fx->h, fx->evs, 2), 0);
	assert_string_equal(fx->evs[0].id, "b");
	assert_string_equal(fx->evs[1].id, "a");
	assert_int_equal(fx->h.stats.stored, 2);
	assert_int_equal(fx->h.stats.duplicates, 1);
}

/* A batch above batch_events is refused and stores nothing. */
static void
batch_limit(void **state)
{
	struct fixture *fx = *state;
	int i;

	for (i = 0; i < 5; i++) {
		char id[8];

		snprintf(id, sizeof(id), "x%d", i);
		add_event(fx, net_event(id, i, 445));
	}
	assert_int_equal(fx->cf->batch_events, 4);
	assert_int_equal(hunt_batch(&fx->h, fx->evs, 5), -1);
	assert_int_equal(fx->h.stats.failed, 1);
	assert_int_equal(store_event_count(fx->st), 0);
	assert_int_equal(fx->h.stats.stored, 0);
	/* exactly at the limit is fine */
	assert_int_equal(hunt_batch(&fx->h, fx->evs, 4), 0);
	assert_int_equal(store_event_count(fx->st), 4);
}

/* Events outside the scope query are neither stored nor matched. */
static void
batch_scope(void **state)
{
	struct fixture *fx = *state;
	struct errlist errs = { NULL, 0 };
	char *other;

	assert_int_equal(hunt_set_scope(&fx->h, "target.port = 445", &errs), 0);
	add_event(fx, net_event("s1", 1, 445));
	add_event(fx, net_event("s2", 2, 80));
	add_event(fx, net_event("s3", 3, 445));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	assert_int_equal(fx->h.stats.stored, 2);
	assert_int_equal(fx->h.stats.out_of_scope, 1);
	assert_int_equal(store_event_count(fx->st), 2);
	/* the event out of scope was moved behind the ones hunted */
	assert_string_equal(fx->evs[2].id, "s2");
	/* the data range covers the events hunted only */
	assert_int_equal(fx->h.stats.last_us - fx->h.stats.first_us,
	    2 * 1000000LL);

	/* a scope that does not parse is an error naming its column */
	assert_int_equal(hunt_set_scope(&fx->h, "target.port = ", &errs), -1);
	assert_true(errs.n >= 1);
	assert_non_null(strstr(errs.msgs[0], "scope:1:"));
	errlist_free(&errs);
	/* and "" hunts everything again */
	assert_int_equal(hunt_set_scope(&fx->h, "", &errs), 0);
	other = net_event("s4", 4, 80);
	clear_events(fx);
	add_event(fx, other);
	assert_int_equal(hunt_batch(&fx->h, fx->evs, 1), 0);
	assert_int_equal(fx->h.stats.stored, 3);
}

/* Write the report of FX into a new string; *NFOUND gets the return value. */
static char *
report_string(struct fixture *fx, const struct report_opts *o, int *nfound)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	*nfound = report_write(&fx->h, o, fp);
	fclose(fp);
	return text;
}

/* Put finding F with evidence EV (an event ID) in the store. */
static int64_t
put_finding(struct fixture *fx, const struct lmh_finding *f, const char *ev,
    int64_t ts)
{
	int64_t id;

	assert_int_equal(store_begin(fx->st), 0);
	/* 0x100: the flags bit store.c reads back as lmh_finding.local */
	id = store_finding_insert(fx->st, f, f->source_host, f->target_host,
	    f->local ? 0x100 : 0);
	assert_true(id > 0);
	assert_int_equal(store_finding_add_evidence(fx->st, id, ev, ts), 0);
	assert_int_equal(store_commit(fx->st), 0);
	return id;
}

/* A finding template: SRC -> DST by USER with technique TECH. */
static struct lmh_finding
finding(const char *kind, const char *tech, const char *src, const char *dst,
    const char *user, int64_t score)
{
	struct lmh_finding f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.technique = tech;
	f.title = "Test finding";
	f.source_ip = "";
	f.source_host = src;
	f.target_ip = "";
	f.target_host = dst;
	f.user = user;
	f.first_us = 1600585030000000LL;
	f.last_us = 1600585040000000LL;
	f.count = 2;
	f.score = score;
	f.tripped = score >= 70;
	f.explanation = "rule test-wmi hit on WS6\njoined SMB from WS5";
	f.chain = "";
	f.severity = SEV_HIGH;
	return f;
}

/* The text report has every section, the findings, roles and negatives. */
static void
report_text_sections(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o = { "lateral movement over WMI", "CASE-7", 72 * 3600,
	    "principal.hostname = \"WS6\"", false };
	struct lmh_finding f1, f2;
	char *text;
	int n;

	add_event(fx, net_event("ev-smb", 10, 445));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	f1 = finding("test-wmi", "T1047", "WS5", "WS6", "alice", 80);
	put_finding(fx, &f1, "ev-smb", fx->evs[0].ts_us);
	/* WS6 is also a source elsewhere: its role is both */
	f2 = finding("test-wmi", "T1047,T1570", "WS6", "WS7", "WS6$", 40);
	put_finding(fx, &f2, "ev-smb", fx->evs[0].ts_us);

	text = report_string(fx, &o, &n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(text, "hypothesis:  lateral movement over WMI"));
	assert_non_null(strstr(text, "time frame:  last 72h"));
	assert_non_null(strstr(text, "case:        CASE-7"));
	assert_non_null(strstr(text, "scope:       principal.hostname = \"WS6\""));
	assert_non_null(strstr(text, "\nTECHNIQUES HUNTED\n"));
	assert_non_null(strstr(text, "T1047      Windows Management Instrumentation"));
	assert_non_null(strstr(text, "\nQUERIES\n"));
	assert_non_null(strstr(text, "test-smb: Test SMB connection"));
	assert_non_null(strstr(text, "results:    1\n"));
	assert_non_null(strstr(text, "\nFINDINGS\n"));
	assert_non_null(strstr(text, "outcome:     2 findings (2 with a source "
	    "and a target), 2 techniques detected, 3 hosts affected; 0 local "
	    "executions (not lateral movement)\n"));
	assert_non_null(strstr(text, "source:     WS5\n"));
	assert_non_null(strstr(text, "target:     WS6\n"));
	assert_non_null(strstr(text, "user:       alice\n"));
	assert_non_null(strstr(text, "        joined SMB from WS5\n"));
	/* evidence line: id, time, host, type and the connection */
	assert_non_null(strstr(text, "ev-smb 2020-09-20T06:57:10.000000Z WS5 "
	    "NETWORK_CONNECTION(3) 10.1.1.5:50000 -> 10.1.1.6:445"));
	assert_non_null(strstr(text, "\nDETECTED_TECHNIQUES\n"));
	assert_non_null(strstr(text, "\nAFFECTED_HOSTS\n"));
	assert_non_null(strstr(text, "  WS5                              source"));
	assert_non_null(strstr(text, "  WS6                              both"));
	assert_non_null(strstr(text, "  WS7                              target"));
	assert_non_null(strstr(text, "\nNEGATIVE RESULTS\n"));
	/* T1021.002 had a rule hit but no finding; the WMI rule had no hits */
	assert_non_null(strstr(text, "no T1021.002"));
	assert_non_null(strstr(text, "none became a finding"));
	assert_non_null(strstr(text, "no test WMI process creation found "
	    "(rule test-wmi, T1047: 0 matching events)"));
	assert_null(strstr(text, "no T1047"));
	assert_non_null(strstr(text, "\nSTATISTICS\n"));
	assert_non_null(strstr(text, "events stored:       1\n"));
	assert_non_null(strstr(text, "\nFOLLOW-ON ACTIONS\n"));
	assert_non_null(strstr(text, "process-tree analysis on WS6"));
	assert_non_null(strstr(text, "compromised-account response for user alice"));
	/* a machine account is the host, not an account to respond for */
	assert_null(strstr(text, "compromised-account response for user WS6$"));
	/* several techniques in one finding: each named */
	assert_non_null(strstr(text, "technique:  T1047 Windows Management "
	    "Instrumentation, T1570 Lateral Tool Transfer\n"));
	/* detected but not hunted by any rule: not in TECHNIQUES HUNTED */
	assert_non_null(strstr(text, "  T1570      Lateral Tool Transfer\n"));
	assert_true(strstr(text, "  T1570      Lateral Tool Transfer\n") >
	    strstr(text, "\nDETECTED_TECHNIQUES\n"));
	assert_non_null(strstr(text, "escalate to incident response: lateral "
	    "movement confirmed by 2 findings"));
	assert_non_null(strstr(text, "(case CASE-7)"));
	/* highest score first */
	assert_true(strstr(text, "target:     WS6") < strstr(text, "target:     WS7"));
	free(text);
}

/* With nothing found: zero, negatives for every technique, no escalation. */
static void
report_nothing_found(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o = { NULL, NULL, 3600, NULL, false };
	char *text;
	int n;

	add_event(fx, net_event("quiet", 1, 80));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	text = report_string(fx, &o, &n);
	assert_int_equal(n, 0);
	assert_non_null(strstr(text, "0 findings"));
	assert_non_null(strstr(text, "no T1021.002 (Remote Services: SMB/Windows "
	    "Admin Shares) found: none of its 1 rule matched any event"));
	assert_non_null(strstr(text, "no T1047 (Windows Management "
	    "Instrumentation) found"));
	assert_non_null(strstr(text, "no test SMB connection found"));
	assert_non_null(strstr(text, "AFFECTED_HOSTS\n--------------\n  none\n"));
	assert_null(strstr(text, "escalate to incident response"));
	assert_non_null(strstr(text, "no findings: keep the hunt scheduled"));
	free(text);
}

/* The JSON report has the documented keys and escapes what it quotes. */
static void
report_json_keys(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o = { "say \"hi\"\n", "C1", 7200, NULL, true };
	struct lmh_finding f;
	char *text;
	int n;

	add_event(fx, net_event("j1", 3, 445));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	/* invalid UTF-8 from an event becomes U+FFFD; valid UTF-8 stays */
	f = finding("test-wmi", "T1047", "", "WS6", "b\xc3\xb6" "b\xff", 10);
	f.source_ip = "10.1.1.5";
	put_finding(fx, &f, "j1", fx->evs[0].ts_us);
	text = report_string(fx, &o, &n);
	assert_int_equal(n, 1);
	assert_int_equal(text[0], '{');
	assert_non_null(strstr(text, "\"hypothesis\":\"say \\\"hi\\\"\\n\""));
	assert_non_null(strstr(text, "\"time_frame\":\"2h\""));
	assert_non_null(strstr(text, "\"scope\":null"));
	assert_non_null(strstr(text, "\"case_id\":\"C1\""));
	assert_non_null(strstr(text, "\"techniques_hunted\":[{\"id\":\"T1021.002\""));
	assert_non_null(strstr(text, "{\"rule\":\"test-smb\",\"title\":\"Test SMB "
	    "connection\""));
	assert_non_null(strstr(text, "\"count\":1}"));
	assert_non_null(strstr(text, "\"source\":{\"ip\":\"10.1.1.5\",\"host\":null}"));
	assert_non_null(strstr(text, "\"target\":{\"ip\":null,\"host\":\"WS6\"}"));
	assert_non_null(strstr(text, "\"user\":\"b\xc3\xb6" "b\xef\xbf\xbd\""));
	assert_non_null(strstr(text, "\"local\":false"));
	assert_non_null(strstr(text, "\"local_execution\":[]"));
	assert_non_null(strstr(text, "\"findings_local\":0,\"findings_lateral\":1"));
	assert_non_null(strstr(text, "\"evidence\":[\"j1\"]"));
	assert_non_null(strstr(text, "\"detected_techniques\":[{\"id\":\"T1047\","
	    "\"name\":\"Windows Management Instrumentation\"}]"));
	assert_non_null(strstr(text, "\"affected_hosts\":["));
	assert_non_null(strstr(text, "{\"host\":\"10.1.1.5\",\"ips\":[\"10.1.1.5\"],"
	    "\"role\":\"source\"}"));
	assert_non_null(strstr(text, "\"negative_results\":[\"no T1021.002"));
	assert_non_null(strstr(text, "\"statistics\":{\"lines\":"));
	assert_non_null(strstr(text, "\"rule_hits\":{\"test-smb\":1,\"test-wmi\":0}"));
	assert_non_null(strstr(text, "\"follow_on_actions\":["));
	/* a source and a target: lateral movement confirmed */
	assert_non_null(strstr(text, "escalate to incident response: lateral"));
	assert_string_equal(text + strlen(text) - 2, "}\n");
	free(text);
}

/*
 * Local execution is no finding: listed apart, in neither the findings,
 * the techniques detected, the hosts affected nor the count returned.
 */
static void
report_local_apart(void **state)
{
	struct fixture *fx = *state;
	struct report_opts text_o = { NULL, NULL, 60, NULL, false };
	struct report_opts json_o = { NULL, NULL, 60, NULL, true };
	struct lmh_finding f;
	char *text;
	int n;

	add_event(fx, net_event("l1", 3, 445));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	f = finding("test-wmi", "T1047", "", "WS6", "wardog", 10);
	f.local = true;
	put_finding(fx, &f, "l1", fx->evs[0].ts_us);

	text = report_string(fx, &text_o, &n);
	assert_int_equal(n, 0);
	assert_non_null(strstr(text, "outcome:     0 findings (0 with a source "
	    "and a target), 0 techniques detected, 0 hosts affected; 1 local "
	    "execution (not lateral movement)\n"));
	assert_non_null(strstr(text, "\nLOCAL EXECUTION (not lateral movement)\n"));
	assert_non_null(strstr(text, "local execution on the target"));
	assert_null(strstr(text, "escalate to incident response: lateral"));
	free(text);

	text = report_string(fx, &json_o, &n);
	assert_int_equal(n, 0);
	assert_non_null(strstr(text, "\"findings\":[]"));
	assert_non_null(strstr(text, "\"local_execution\":[{"));
	assert_non_null(strstr(text, "\"local\":true"));
	assert_non_null(strstr(text, "\"detected_techniques\":[]"));
	assert_non_null(strstr(text, "\"affected_hosts\":[]"));
	assert_non_null(strstr(text, "\"findings_local\":1"));
	free(text);
}

/* Evidence whose event is gone is reported as such, not dropped. */
static void
report_evidence_missing(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o = { NULL, NULL, 60, NULL, false };
	struct lmh_finding f = finding("k", "T1570", "A", "B", "", 50);
	char *text;
	int n;

	put_finding(fx, &f, "gone-event", 1600585030000000LL);
	text = report_string(fx, &o, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(text, "gone-event - "));
	assert_non_null(strstr(text, "(event no longer stored)"));
	free(text);
}

/* Event text cannot forge report lines; long evidence lines are cut. */
static void
report_text_clean_and_cut(void **state)
{
	struct fixture *fx = *state;
	struct report_opts o = { NULL, NULL, 60, NULL, false };
	struct lmh_finding f = finding("k", "T1047", "A", "B", "eve\nFINDINGS", 50);
	char cmd[600], *text, *line;
	int n;

	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	add_event(fx, xasprintf("{\"metadata\":{\"id\":\"long\",\"eventTimestamp\":"
	    "\"2020-09-20T06:57:01Z\",\"eventType\":\"PROCESS_LAUNCH\"},"
	    "\"principal\":{\"hostname\":\"B\"},\"target\":{\"process\":"
	    "{\"file\":{\"fullPath\":\"C:\\\\x.exe\"},\"commandLine\":\"%s\"}}}",
	    cmd));
	assert_int_equal(hunt_batch(&fx->h, fx->evs, fx->nev), 0);
	f.explanation = "step one\rFAKE\x1b[2Jstep two";
	put_finding(fx, &f, "long", fx->evs[0].ts_us);
	text = report_string(fx, &o, &n);
	assert_int_equal(n, 1);
	/* the user's newline did not start a line of its own */
	assert_non_null(strstr(text, "      user:       eve FINDINGS\n"));
	assert_null(strstr(text, "\r"));
	assert_null(strstr(text, "\x1b"));
	assert_non_null(strstr(text, "        step one FAKE [2Jstep two\n"));
	/* the evidence line is cut at LMH_REPORT_FIELD_MAX bytes of summary */
	line = strstr(text, "        long ");
	assert_non_null(line);
	assert_non_null(strstr(line, "xxx...\n"));
	assert_true(strchr(line, '\n') - line < 40 + 120 + LMH_REPORT_FIELD_MAX);
	assert_true(strchr(line, '\n') - line > LMH_REPORT_FIELD_MAX);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(batch_counts_and_idempotence,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(batch_new_events_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(batch_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(batch_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(report_text_sections, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(report_nothing_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(report_local_apart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(report_json_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(report_evidence_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(report_text_clean_and_cut, setup,
		    teardown),
	};

	log_init(LOG_DEST_STDERR, 0, "test_report");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
