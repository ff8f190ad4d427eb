/*
 * test_query.c - the query language: parse, errors, limits, evaluation,
 * rendering, round trips, lint.
 *
 * The dataset events below are copied (abridged) from the lmhunt shared
 * datasets: evtxattack_psexec_remcom_services.ndjson (EVTX-ATTACK-SAMPLES,
 * sbousseaden/EVTX-ATTACK-SAMPLES @ 4ceed2f4, GPL-3.0).  Edits: the
 * Sysmon 3 event's principal.ip gained a second address (fe80::1) and the
 * 4624 event's target.labels a first entry, to exercise repeated fields.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lmhunt.h"

#define FILE_NAME	"t.rules"

/* ------------------------------------------------------------------ */
/* Lists and events                                                    */
/* ------------------------------------------------------------------ */

static char *svc_items[] = { "C:\\Windows\\System32\\svchost.exe",
	"C:\\Windows\\System32\\msiexec.exe" };
static char *cidr_items[] = { "10.0.0.0/8", "192.168.1.7", "fe80::/10" };
static char *re_items[] = { "psexesvc", "^remcom" };
static char *badre_items[] = { "ok", "a(b" };
static char *badcidr_items[] = { "10.0.0.0/33" };
static char *v6_items[] = { "fe80::/10" };
static char *odd_items[] = { "10.0.2.16/31", "::ffff:0:0/96" };
static char *lookre_items[] = { "(?=x)" };
static const struct lmh_list lists[] = {
	{ "known_services", svc_items, 2, "lists.d/known_services.txt" },
	{ "nets", cidr_items, 3, "lists.d/nets.txt" },
	{ "svc_re", re_items, 2, "lists.d/svc_re.txt" },
	{ "badre", badre_items, 2, "lists.d/badre.txt" },
	{ "badcidr", badcidr_items, 1, "lists.d/badcidr.txt" },
	{ "lookre", lookre_items, 1, "lists.d/lookre.txt" },
	{ "empty", NULL, 0, "lists.d/empty.txt" },
	{ "v6", v6_items, 1, "lists.d/v6.txt" },
	{ "odd", odd_items, 2, "lists.d/odd.txt" },
};

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

/* Events, each one JSON line. */
enum { EV_SYSMON1, EV_7045, EV_NET445, EV_4624, EV_5145, EV_WMIPRV,
	EV_PORTSTR, EV_NEWLINE, EV_SAMPLE_NET, EV_MAX };
static const char *const ev_json[EV_MAX] = {
	/* CONSTRUCTED Sysmon 1 from udm-samples, as an udmSearch element */
	[EV_SYSMON1] = "{\"udm\":{\"metadata\":{\"id\":\"AAAA\","
	    "\"eventTimestamp\":\"2025-01-10T12:00:05.123Z\","
	    "\"eventType\":\"PROCESS_LAUNCH\",\"vendorName\":\"Microsoft\","
	    "\"productName\":\"Microsoft-Windows-Sysmon\","
	    "\"productEventType\":\"1\",\"logType\":\"WINDOWS_SYSMON\"},"
	    "\"principal\":{\"hostname\":\"srv01.corp.local\",\"asset\":"
	    "{\"hostname\":\"srv01.corp.local\",\"ip\":[\"10.0.0.20\"]},"
	    "\"ip\":[\"10.0.0.20\"],\"user\":{\"userid\":\"SYSTEM\","
	    "\"windowsSid\":\"S-1-5-18\"},\"process\":{\"pid\":\"640\","
	    "\"commandLine\":\"C:\\\\Windows\\\\system32\\\\services.exe\","
	    "\"file\":{\"fullPath\":\"C:\\\\Windows\\\\System32\\\\services.exe\"}}},"
	    "\"target\":{\"process\":{\"pid\":\"4321\",\"commandLine\":"
	    "\"C:\\\\Windows\\\\PSEXESVC.exe\",\"file\":{\"fullPath\":"
	    "\"C:\\\\Windows\\\\PSEXESVC.exe\"}}}}}",
	/* CONSTRUCTED 7045 from udm-samples */
	[EV_7045] = "{\"metadata\":{\"id\":\"CCCC\",\"eventTimestamp\":"
	    "\"2025-01-10T12:00:04.511Z\",\"eventType\":\"SERVICE_CREATION\","
	    "\"productName\":\"Service Control Manager\","
	    "\"productEventType\":\"7045\"},\"principal\":{\"hostname\":"
	    "\"srv01.corp.local\"},\"target\":{\"application\":\"PSEXESVC\","
	    "\"process\":{\"file\":{\"fullPath\":\"%SystemRoot%\\\\PSEXESVC.exe\"},"
	    "\"commandLine\":\"%SystemRoot%\\\\PSEXESVC.exe\"}}}",
	/* dataset: Sysmon 3, inbound SMB, port as JSON integer */
	[EV_NET445] = "{\"metadata\":{\"id\":\"d5b29319-c8bb-593d-b66b-febeb5a1f1d2\","
	    "\"eventTimestamp\":\"2019-04-30T20:26:53.152962Z\",\"eventType\":"
	    "\"NETWORK_CONNECTION\",\"productEventType\":\"3\",\"productName\":"
	    "\"Microsoft-Windows-Sysmon\"},\"principal\":{\"hostname\":\"IEWIN7\","
	    "\"process\":{\"pid\":\"4\",\"file\":{\"fullPath\":\"System\"}},"
	    "\"ip\":[\"10.0.2.18\",\"fe80::1\"],\"port\":445},\"target\":{\"ip\":"
	    "[\"10.0.2.19\"],\"port\":33801},\"network\":{\"ipProtocol\":\"TCP\","
	    "\"direction\":\"INBOUND\"},\"additional\":{\"Initiated\":\"false\"}}",
	/* dataset: 4624 logon type 3 with labels and additional */
	[EV_4624] = "{\"metadata\":{\"id\":\"0a7603a6-baa1-5399-ad2f-f4104ba29850\","
	    "\"eventTimestamp\":\"2019-03-19T00:02:04.179623Z\",\"eventType\":"
	    "\"USER_LOGIN\",\"productEventType\":\"4624\"},\"principal\":"
	    "{\"hostname\":\"WIN-77LTAPHIQ1R.example.corp\",\"labels\":[{\"key\":"
	    "\"SubjectLogonId\",\"value\":\"0x0\"}]},\"additional\":"
	    "{\"LogonType\":\"3\",\"TargetLogonId\":\"0x000000000017e29a\"},"
	    "\"target\":{\"user\":{\"userid\":\"ANONYMOUS LOGON\"},\"labels\":["
	    "{\"key\":\"Other\",\"value\":\"x\"},{\"key\":\"TargetLogonId\","
	    "\"value\":\"0x000000000017e29a\"}]},\"extensions\":{\"auth\":"
	    "{\"mechanism\":[\"NETWORK\"]}},\"src\":{\"ip\":[\"10.0.2.17\"],"
	    "\"port\":49236},\"securityResult\":[{\"action\":[\"ALLOW\"]}]}",
	/* dataset: 5145 share access */
	[EV_5145] = "{\"metadata\":{\"id\":\"d4bf29be-7f0a-51d6-be5e-b94c82935b74\","
	    "\"eventTimestamp\":\"2019-01-19T12:57:09.530684Z\",\"eventType\":"
	    "\"USER_RESOURCE_ACCESS\",\"productEventType\":\"5145\"},"
	    "\"principal\":{\"hostname\":\"IEWIN7\",\"user\":{\"userid\":"
	    "\"IEUser\"},\"ip\":[\"10.0.2.18\"]},\"src\":{\"ip\":[\"10.0.2.16\"],"
	    "\"port\":57357},\"target\":{\"hostname\":\"IEWIN7\",\"resource\":"
	    "{\"name\":\"\\\\\\\\*\\\\IPC$\"},\"file\":{\"fullPath\":\"winreg\"}}}",
	/* CONSTRUCTED 4688: WmiPrvSE spawns cmd, with a wmic-like cmdline */
	[EV_WMIPRV] = "{\"metadata\":{\"id\":\"WWWW\",\"eventTimestamp\":"
	    "\"2025-01-10T12:00:06Z\",\"eventType\":\"PROCESS_LAUNCH\","
	    "\"productEventType\":\"4688\"},\"principal\":{\"hostname\":\"srv01\","
	    "\"process\":{\"pid\":\"0x1a2c\",\"file\":{\"fullPath\":"
	    "\"C:\\\\Windows\\\\System32\\\\wbem\\\\WmiPrvSE.exe\"}}},"
	    "\"target\":{\"process\":{\"pid\":\"7000\",\"file\":{\"fullPath\":"
	    "\"C:\\\\Windows\\\\System32\\\\CMD.EXE\"},\"commandLine\":"
	    "\"cmd.exe /Q /c wmic /node:10.0.0.5 process call create \\\"x\\\"\"}}}",
	/* a port given as a string, a boolean, a double */
	[EV_PORTSTR] = "{\"metadata\":{\"id\":\"PPPP\",\"eventTimestamp\":"
	    "\"2025-01-10T12:00:06Z\",\"eventType\":\"NETWORK_CONNECTION\"},"
	    "\"target\":{\"port\":\"445\",\"ip\":[\"192.168.1.7\"]},"
	    "\"network\":{\"sentBytes\":1.5e3},\"additional\":{\"ok\":true}}",
	/* a value holding a slash, a quote and a final newline */
	[EV_NEWLINE] = "{\"metadata\":{\"id\":\"NNNN\",\"eventTimestamp\":"
	    "\"2025-01-10T12:00:06Z\",\"eventType\":\"PROCESS_LAUNCH\"},"
	    "\"target\":{\"process\":{\"commandLine\":\"a/b \\\"q\\\" c\\\\d\\n\"}}}",
	/* legacy udmSearch doc example (target.port 443, lowerCamelCase) */
	[EV_SAMPLE_NET] = "{\"metadata\":{\"id\":\"SSSS\",\"eventTimestamp\":"
	    "\"2020-12-21T03:54:00.404Z\",\"eventType\":\"NETWORK_CONNECTION\","
	    "\"productName\":\"Cisco ASA\"},\"principal\":{\"ip\":[\"10.1.1.1\"]},"
	    "\"target\":{\"ip\":[\"8.8.8.8\"],\"port\":443}}",
};

static struct lmh_event events[EV_MAX];

/* Parse every event once. */
static int
setup(void **state)
{
	char why[256];
	int i;

	(void)state;
	log_init(LOG_DEST_STDERR, 0, "test_query");
	for (i = 0; i < EV_MAX; i++)
		if (udm_parse(ev_json[i], strlen(ev_json[i]), &events[i], why,
		    sizeof why) != 0) {
			fprintf(stderr, "event %d: %s\n", i, why);
			return -1;
		}
	return 0;
}

/* Release the events. */
static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < EV_MAX; i++)
		udm_event_free(&events[i]);
	return 0;
}

/* Parse TEXT, failing the test with the errors if it does not parse. */
static struct query *
parse_ok(const char *text)
{
	struct errlist errs = { NULL, 0 };
	struct query *q;

	q = query_parse(text, FILE_NAME, 1, 1, lookup, NULL, &errs);
	if (q == NULL) {
		errlist_print(&errs, stderr);
		fail_msg("does not parse: %s", text);
	}
	assert_int_equal(errs.n, 0);
	errlist_free(&errs);
	return q;
}

/* Render Q into a new string. */
static char *
render(const struct query *q)
{
	struct buf b;

	buf_init(&b);
	query_render(q, &b);
	return b.data;
}

/* ------------------------------------------------------------------ */
/* Parse and render                                                    */
/* ------------------------------------------------------------------ */

static const struct {
	const char *in, *out;
} render_cases[] = {
	{ "metadata.event_type = \"PROCESS_LAUNCH\"",
	  "metadata.event_type = \"PROCESS_LAUNCH\"" },
	{ "target.port=445", "target.port = 445" },
	{ "target.port != -1", "target.port != -1" },
	{ "target.port < 1024 and target.port >= 1 AND target.port <= 9 "
	  "AND target.port > 0",
	  "target.port < 1024 AND target.port >= 1 AND target.port <= 9 "
	  "AND target.port > 0" },
	{ "principal.hostname = \"WIN-SRV\" NOCASE",
	  "principal.hostname = \"WIN-SRV\" nocase" },
	{ "additional.fields[\"ok\"] = true", "additional.fields[\"ok\"] = true" },
	{ "additional.fields[\"ok\"] != FALSE",
	  "additional.fields[\"ok\"] != false" },
	{ "principal.process.file.full_path = \"C:\\\\Windows\\\\System32\\\\services.exe\"",
	  "principal.process.file.full_path = \"C:\\\\Windows\\\\System32\\\\services.exe\"" },
	{ "target.process.command_line = \"say \\\"hi\\\"\"",
	  "target.process.command_line = \"say \\\"hi\\\"\"" },
	{ "target.process.file.full_path = /\\\\psexesvc\\.exe$/ nocase",
	  "target.process.file.full_path = /\\\\psexesvc\\.exe$/ nocase" },
	{ "target.process.command_line = /wmic.*\\/node:/",
	  "target.process.command_line = /wmic.*\\/node:/" },
	{ "target.process.command_line != /x/",
	  "target.process.command_line != /x/" },
	/* implicit AND, flattening, precedence, parentheses */
	{ "target.port = 1 target.port = 2", "target.port = 1 AND target.port = 2" },
	{ "target.port = 1 and (target.port = 2 AND target.port = 3)",
	  "target.port = 1 AND target.port = 2 AND target.port = 3" },
	{ "target.port = 1 or target.port = 2 and target.port = 3",
	  "target.port = 1 OR (target.port = 2 AND target.port = 3)" },
	{ "(target.port = 1 or target.port = 2) target.port = 3",
	  "(target.port = 1 OR target.port = 2) AND target.port = 3" },
	{ "((target.port = 1))", "target.port = 1" },
	{ "not target.port = 1", "NOT target.port = 1" },
	{ "NOT NOT target.port = 1", "NOT NOT target.port = 1" },
	{ "NOT (target.port = 1 OR target.port = 2)",
	  "NOT (target.port = 1 OR target.port = 2)" },
	/* comments */
	{ "// leading\ntarget.port = 1 /* inline */ AND\n/* multi\nline */ "
	  "target.port = 2 // trailing", "target.port = 1 AND target.port = 2" },
	/* reference lists */
	{ "target.process.file.full_path in %known_services",
	  "target.process.file.full_path in %known_services" },
	{ "target.process.file.full_path IN %known_services NoCase",
	  "target.process.file.full_path in %known_services nocase" },
	{ "target.application in regex %svc_re nocase",
	  "target.application in regex %svc_re nocase" },
	{ "principal.ip in cidr %nets", "principal.ip in cidr %nets" },
	{ "principal.ip in cidr @nets", "principal.ip in cidr %nets" },
	{ "target.application in regex @svc_re",
	  "target.application in regex %svc_re nocase" },
	{ "not target.process.file.full_path in %known_services nocase",
	  "NOT target.process.file.full_path in %known_services nocase" },
	/* the runbook's dialect, rewritten to valid UDM */
	{ "target.process.file.full_path CONTAINS \"PSEXESVC.exe\"",
	  "target.process.file.full_path = /PSEXESVC\\.exe/ nocase" },
	{ "principal.process.command_line contains \"/node:\"",
	  "principal.process.command_line = /\\/node:/ nocase" },
	{ "target.process.command_line CONTAINS \"a(b)[c]{d}^$|?*+\\\\\"",
	  "target.process.command_line = /a\\(b\\)\\[c\\]\\{d\\}\\^\\$\\|\\?\\*\\+\\\\/ nocase" },
	{ "target.process.file.full_path IN (\"cmd.exe\", \"powershell.exe\")",
	  "target.process.file.full_path = \"cmd.exe\" nocase OR "
	  "target.process.file.full_path = \"powershell.exe\" nocase" },
	{ "metadata.event_type = \"PROCESS_LAUNCH\" AND "
	  "target.process.file.full_path IN (\"cmd.exe\", \"powershell.exe\")",
	  "metadata.event_type = \"PROCESS_LAUNCH\" AND "
	  "(target.process.file.full_path = \"cmd.exe\" nocase OR "
	  "target.process.file.full_path = \"powershell.exe\" nocase)" },
	{ "target.port IN (445)", "target.port = 445" },
	{ "target.port IN (445, 139)", "target.port = 445 OR target.port = 139" },
	{ "target.port = 1 target.port IN (445, 139)",
	  "target.port = 1 AND (target.port = 445 OR target.port = 139)" },
	{ "target.process.file.full_path NOT IN @known_services",
	  "NOT target.process.file.full_path in %known_services nocase" },
	{ "target.process.file.full_path IN @known_services",
	  "target.process.file.full_path in %known_services nocase" },
	{ "target.process.command_line NOT CONTAINS \"x\"",
	  "NOT target.process.command_line = /x/ nocase" },
	{ "target.labels[\"TargetLogonId\"] = \"0x1\"",
	  "target.labels[\"TargetLogonId\"] = \"0x1\"" },
};

/* Every construct renders to the expected valid UDM text. */
static void
test_render(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof render_cases / sizeof render_cases[0]; i++) {
		struct query *q = parse_ok(render_cases[i].in);
		char *r = render(q);

		if (strcmp(r, render_cases[i].out) != 0)
			fail_msg("render of %s\n got: %s\nwant: %s",
			    render_cases[i].in, r, render_cases[i].out);
		free(r);
		query_free(q);
	}
}

/* The server form drops ANDed list tests, keeps lone ones and ORed ones. */
static void
test_render_server(void **state)
{
	static const struct { const char *in, *out; int ops; } cases[] = {
		{ "metadata.event_type = \"PROCESS_LAUNCH\" AND NOT "
		  "target.process.file.full_path in %known_services nocase",
		  "metadata.event_type = \"PROCESS_LAUNCH\"", 0 },
		{ "a.b = 1 AND principal.ip in cidr %nets AND c.d = 2",
		  "a.b = 1 AND c.d = 2", 1 },
		{ "principal.ip in cidr %nets",
		  "principal.ip in cidr %nets", 0 },
		{ "a.b = 1 OR principal.ip in cidr %nets",
		  "a.b = 1 OR principal.ip in cidr %nets", 1 },
		{ "x.y = 3 AND (a.b = 1 AND NOT target.application in regex "
		  "%svc_re)", "x.y = 3 AND a.b = 1", 1 },
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct query *q = parse_ok(cases[i].in);

		buf_init(&b);
		query_render_server(q, &b);
		if (strcmp(b.data, cases[i].out) != 0)
			fail_msg("server render of %s\n got: %s\nwant: %s",
			    cases[i].in, b.data, cases[i].out);
		assert_int_equal(query_ops_server(q), cases[i].ops);
		buf_free(&b);
		query_free(q);
	}
}

/* Parse -> render -> parse -> render is a fixed point, evaluation equal. */
static void
test_roundtrip(void **state)
{
	size_t i;
	int e;

	(void)state;
	for (i = 0; i < sizeof render_cases / sizeof render_cases[0]; i++) {
		struct query *q1 = parse_ok(render_cases[i].in), *q2;
		char *r1 = render(q1), *r2;

		q2 = parse_ok(r1);
		r2 = render(q2);
		assert_string_equal(r1, r2);
		assert_int_equal(query_ops(q1), query_ops(q2));
		for (e = 0; e < EV_MAX; e++)
			if (query_match(q1, &events[e]) !=
			    query_match(q2, &events[e]))
				fail_msg("%s and %s differ on event %d",
				    render_cases[i].in, r1, e);
		free(r1);
		free(r2);
		query_free(q1);
		query_free(q2);
	}
}

/* query_ops counts AND/OR/NOT of the rendering. */
static void
test_ops(void **state)
{
	static const struct {
		const char *q;
		int ops;
	} cases[] = {
		{ "target.port = 1", 0 },
		{ "target.port = 1 target.port = 2", 1 },
		{ "target.port = 1 OR target.port = 2 AND target.port = 3", 2 },
		{ "NOT (target.port = 1 OR target.port = 2)", 2 },
		{ "target.port IN (1, 2, 3, 4)", 3 },
		{ "target.process.file.full_path NOT IN @known_services", 1 },
		{ "target.port = 1 AND NOT NOT target.port = 2", 3 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct query *q = parse_ok(cases[i].q);

		assert_int_equal(query_ops(q), cases[i].ops);
		query_free(q);
	}
}

/* query_event_type finds a top-level exact event_type conjunct. */
static void
test_event_type(void **state)
{
	static const struct {
		const char *q, *want;
	} cases[] = {
		{ "metadata.event_type = \"PROCESS_LAUNCH\"", "PROCESS_LAUNCH" },
		{ "target.port = 445 AND metadata.event_type = "
		  "\"NETWORK_CONNECTION\"", "NETWORK_CONNECTION" },
		{ "metadata.event_type = \"A\" OR target.port = 1", NULL },
		{ "NOT metadata.event_type = \"PROCESS_LAUNCH\"", NULL },
		{ "metadata.event_type != \"PROCESS_LAUNCH\"", NULL },
		{ "metadata.event_type = \"process_launch\" nocase", NULL },
		{ "target.port = 445", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct query *q = parse_ok(cases[i].q);
		const char *got = query_event_type(q);

		if (cases[i].want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
		query_free(q);
	}
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static const struct {
	const char *in;
	int line, col;			/* where the query starts */
	const char *want;		/* the whole first error */
} error_cases[] = {
	{ "", 1, 1, "t.rules:1:1: empty query: expected a field path, NOT or '('" },
	{ "// only a comment", 3, 9, "t.rules:3:26: empty query: expected a"
	  " field path, NOT or '('" },
	{ "target.port = \"abc", 4, 9, "t.rules:4:23: unterminated string:"
	  " expected '\"', found end of query" },
	{ "target.port = 1 AND\n  target.hostname = \"abc\n\"", 10, 9,
	  "t.rules:11:21: unterminated string: expected '\"', found end of line" },
	{ "target.process.command_line = /abc", 1, 1, "t.rules:1:31:"
	  " unterminated regex: expected '/', found end of query" },
	{ "target.port = 1 /* open", 1, 1, "t.rules:1:17: unterminated"
	  " comment: expected '*/', found end of query" },
	{ "target.port == 1", 1, 1, "t.rules:1:13: unknown operator '==':"
	  " expected = != < <= > >=" },
	{ "target.port =~ 1", 1, 1, "t.rules:1:13: unknown operator '=~':"
	  " expected = != < <= > >=" },
	{ "target.port # 1", 1, 1, "t.rules:1:13: unexpected character '#'" },
	{ "target.port 445", 1, 1, "t.rules:1:13: expected an operator"
	  " (= != < <= > >= in contains), found number 445" },
	{ "target.port =", 1, 1, "t.rules:1:14: expected a value (\"string\","
	  " number, true, false or /regex/), found end of query" },
	{ "target.port = 1 AND", 1, 1, "t.rules:1:20: expected a field path,"
	  " NOT or '(', found end of query" },
	{ "target.port = 1 OR OR target.port = 2", 1, 1, "t.rules:1:20:"
	  " expected a field path, NOT or '(', found 'OR'" },
	{ "(target.port = 1", 1, 1, "t.rules:1:17: expected AND, OR or ')',"
	  " found end of query" },
	{ "target.port = 1)", 1, 1, "t.rules:1:16: expected end of query"
	  " (unbalanced ')'), found ')'" },
	{ "target.port = 1 nocase", 1, 1, "t.rules:1:17: nocase applies to"
	  " strings and regexes only" },
	{ "target.hostname = \"a\" nocase nocase", 1, 1, "t.rules:1:30:"
	  " expected a field path, found 'nocase'" },
	{ "target.hostname = \"C:\\Windows\"", 1, 1, "t.rules:1:22: bad escape"
	  " '\\W' in string: expected \\\\ or \\\" (write a backslash as \\\\)" },
	{ "target.port = 99999999999999999999", 1, 1, "t.rules:1:15: integer"
	  " out of range" },
	{ "target.port = 12ab", 1, 1, "t.rules:1:15: bad number: expected"
	  " digits, found 'a'" },
	{ "target..port = 1", 1, 1, "t.rules:1:7: bad field path"
	  " 'target..port': expected a name after '.'" },
	{ "target.port. = 1", 1, 1, "t.rules:1:12: bad field path"
	  " 'target.port.': expected a name after '.'" },
	{ "= 1", 1, 1, "t.rules:1:1: expected a field path, NOT or '(',"
	  " found '='" },
	{ "metadata.event_type = PROCESS_LAUNCH", 1, 1, "t.rules:1:23: expected"
	  " a value (\"string\", number, true, false or /regex/; quote strings"
	  " and enum values), found 'PROCESS_LAUNCH'" },
	{ "target.port < /x/", 1, 1, "t.rules:1:15: a regex needs = or !=,"
	  " not <" },
	{ "additional.fields[\"x\"] > true", 1, 1, "t.rules:1:26: true/false"
	  " need = or !=, not >" },
	{ "additional.fields[\"a\\\"b\"] = 1", 1, 1, "t.rules:1:19: bad map key:"
	  " expected a non-empty key without quotes, backslashes or brackets" },
	{ "additional.fields[\"\"] = 1", 1, 1, "t.rules:1:19: bad map key:"
	  " expected a non-empty key without quotes, backslashes or brackets" },
	{ "additional.fields[x] = 1", 1, 1, "t.rules:1:19: expected a \"key\""
	  " after '[', found 'x'" },
	{ "additional.fields[\"x\" = 1", 1, 1, "t.rules:1:23: expected ']',"
	  " found '='" },
	{ "target.hostname = /a(b/", 2, 5, "t.rules:2:27: invalid regex:"
	  " missing closing parenthesis at offset 3" },
	{ "target.hostname = /(?<=a)b/", 1, 1, "t.rules:1:20: invalid regex:"
	  " lookaround assertions are not RE2 syntax (offset 0)" },
	{ "target.hostname = /(a)\\1/", 1, 1, "t.rules:1:23: invalid regex:"
	  " backreferences are not RE2 syntax (offset 3)" },
	{ "metadata.event_type = /PROCESS_.*/", 1, 1, "t.rules:1:23:"
	  " metadata.event_type is an enum field: UDM search does not allow a"
	  " regex on it; compare with = \"VALUE\"" },
	{ "metadata.event_type CONTAINS \"PROCESS\"", 1, 1, "t.rules:1:1:"
	  " metadata.event_type is an enum field: CONTAINS becomes a regex,"
	  " which UDM search does not allow on it; compare with = \"VALUE\"" },
	{ "metadata.event_type in regex %svc_re", 1, 1, "t.rules:1:1:"
	  " metadata.event_type is an enum field: UDM search does not allow a"
	  " regex on it" },
	{ "target.hostname in %nosuch", 1, 1, "t.rules:1:20: unknown list"
	  " 'nosuch'" },
	{ "target.hostname NOT IN @nosuch", 1, 1, "t.rules:1:24: unknown list"
	  " 'nosuch'" },
	{ "target.hostname in regex %badre", 1, 1, "t.rules:1:1: list 'badre'"
	  " (lists.d/badre.txt) item 2: invalid regex: missing closing"
	  " parenthesis at offset 3" },
	{ "target.hostname in regex %lookre", 1, 1, "t.rules:1:1: list"
	  " 'lookre' (lists.d/lookre.txt) item 1: invalid regex: lookaround"
	  " assertions are not RE2 syntax (offset 0)" },
	{ "target.ip in cidr %badcidr", 1, 1, "t.rules:1:1: list 'badcidr'"
	  " (lists.d/badcidr.txt) item 1: '10.0.0.0/33' is not an IP address"
	  " or CIDR" },
	{ "target.ip in cidr %nets nocase", 1, 1, "t.rules:1:25: nocase does"
	  " not apply to cidr lists" },
	{ "target.ip in regex (\"a\")", 1, 1, "t.rules:1:20: expected %list,"
	  " found '('" },
	{ "target.ip in \"a\"", 1, 1, "t.rules:1:14: expected %list, @list or"
	  " (values), found string \"a\"" },
	{ "target.ip in %", 1, 1, "t.rules:1:14: expected a list name after '%'" },
	{ "target.ip IN ()", 1, 1, "t.rules:1:15: expected a \"string\" or"
	  " number in the IN list, found ')'" },
	{ "target.ip IN (\"a\" \"b\")", 1, 1, "t.rules:1:19: expected ',' or"
	  " ')', found string \"b\"" },
	{ "target.ip CONTAINS 5", 1, 1, "t.rules:1:20: expected a \"string\""
	  " after CONTAINS, found number 5" },
	{ "target.ip CONTAINS \"\"", 1, 1, "t.rules:1:20: CONTAINS \"\" matches"
	  " everything: give a non-empty string" },
	{ "target.ip = \"a\" \x01", 1, 1, "t.rules:1:17: unexpected byte 0x01" },
	{ "and = 1", 1, 1, "t.rules:1:1: expected a field path, NOT or '(',"
	  " found 'and'" },
	{ "in = 1", 1, 1, "t.rules:1:1: expected a field path, found 'in'" },
	{ "NOT", 1, 1, "t.rules:1:4: expected a field path, NOT or '(',"
	  " found end of query" },
};

/* Each error class reports the right place and what was expected. */
static void
test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
		struct errlist errs = { NULL, 0 };
		struct query *q;

		q = query_parse(error_cases[i].in, FILE_NAME,
		    error_cases[i].line, error_cases[i].col, lookup, NULL, &errs);
		if (q != NULL)
			fail_msg("parsed but should not: %s", error_cases[i].in);
		if (errs.n != 1)
			fail_msg("%zu errors for %s", errs.n, error_cases[i].in);
		if (strcmp(errs.msgs[0], error_cases[i].want) != 0)
			fail_msg("error for %s\n got: %s\nwant: %s",
			    error_cases[i].in, errs.msgs[0], error_cases[i].want);
		errlist_free(&errs);
	}
}

/* A missing lookup function makes every list unknown, not a crash. */
static void
test_no_lookup(void **state)
{
	struct errlist errs = { NULL, 0 };

	(void)state;
	assert_null(query_parse("target.ip in %nets", FILE_NAME, 1, 1, NULL,
	    NULL, &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "t.rules:1:14: unknown list 'nets'");
	errlist_free(&errs);
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

/* A query longer than LMH_QUERY_LEN_MAX is refused; one at it parses. */
static void
test_limit_len(void **state)
{
	struct errlist errs = { NULL, 0 };
	const char *head = "target.hostname = \"";
	size_t len = LMH_QUERY_LEN_MAX, hl = strlen(head);
	char *s = malloc(len + 2), want[128];
	struct query *q;

	(void)state;
	memcpy(s, head, hl);
	memset(s + hl, 'a', len - hl - 1);
	s[len - 1] = '"';
	s[len] = '\0';
	q = query_parse(s, FILE_NAME, 1, 1, lookup, NULL, &errs);
	assert_non_null(q);
	query_free(q);
	s[len - 1] = 'a';
	s[len] = '"';
	s[len + 1] = '\0';
	assert_null(query_parse(s, FILE_NAME, 7, 3, lookup, NULL, &errs));
	assert_int_equal(errs.n, 1);
	snprintf(want, sizeof want, "t.rules:7:3: query is %d bytes, longer"
	    " than the limit of %d (LMH_QUERY_LEN_MAX)", LMH_QUERY_LEN_MAX + 1,
	    LMH_QUERY_LEN_MAX);
	assert_string_equal(errs.msgs[0], want);
	errlist_free(&errs);
	free(s);
}

/* Build DEPTH nested parentheses (or NOTs) around a predicate. */
static char *
nested(int depth, bool nots)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < depth; i++)
		buf_puts(&b, nots ? "NOT " : "(");
	buf_puts(&b, "target.port = 1");
	for (i = 0; i < depth && !nots; i++)
		buf_puts(&b, ")");
	return b.data;
}

/* Nesting deeper than LMH_QUERY_DEPTH_MAX is refused. */
static void
test_limit_depth(void **state)
{
	struct errlist errs = { NULL, 0 };
	char *s, want[160];
	struct query *q;
	int nots;

	(void)state;
	for (nots = 0; nots <= 1; nots++) {
		s = nested(LMH_QUERY_DEPTH_MAX, nots);
		q = parse_ok(s);
		assert_true(query_match(q, &events[EV_PORTSTR]) ==
		    (nots ? LMH_QUERY_DEPTH_MAX % 2 == 1 : false));
		query_free(q);
		free(s);
		s = nested(LMH_QUERY_DEPTH_MAX + 1, nots);
		assert_null(query_parse(s, FILE_NAME, 1, 1, lookup, NULL, &errs));
		assert_int_equal(errs.n, 1);
		snprintf(want, sizeof want, "t.rules:1:%d: query nests deeper"
		    " than %d levels of parentheses and NOT"
		    " (LMH_QUERY_DEPTH_MAX)", nots ? 4 * LMH_QUERY_DEPTH_MAX + 1 :
		    LMH_QUERY_DEPTH_MAX + 1, LMH_QUERY_DEPTH_MAX);
		assert_string_equal(errs.msgs[0], want);
		errlist_free(&errs);
		free(s);
	}
}

/* More than LMH_QUERY_PREDS_MAX predicates (IN values count) is refused. */
static void
test_limit_preds(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct buf b;
	struct query *q;
	char want[128];
	int i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "target.port IN (");
	for (i = 0; i < LMH_QUERY_PREDS_MAX; i++)
		buf_printf(&b, "%s%d", i ? "," : "", i);
	buf_puts(&b, ")");
	q = parse_ok(b.data);
	assert_int_equal(query_ops(q), LMH_QUERY_PREDS_MAX - 1);
	query_free(q);
	buf_reset(&b);
	for (i = 0; i <= LMH_QUERY_PREDS_MAX; i++)
		buf_printf(&b, "%st.p = %d", i ? " OR\n" : "", i);
	assert_null(query_parse(b.data, FILE_NAME, 1, 1, lookup, NULL, &errs));
	assert_int_equal(errs.n, 1);
	snprintf(want, sizeof want, "t.rules:%d:1: query has more than %d"
	    " predicates (LMH_QUERY_PREDS_MAX)", LMH_QUERY_PREDS_MAX + 1,
	    LMH_QUERY_PREDS_MAX);
	assert_string_equal(errs.msgs[0], want);
	errlist_free(&errs);
	buf_free(&b);
}

/* A catastrophic regex stops at the match limit instead of hanging. */
static void
test_limit_match(void **state)
{
	struct query *q = parse_ok("target.process.command_line ="
	    " /^(a+)+$/");
	char json[512];
	struct lmh_event ev;
	char why[128];

	(void)state;
	snprintf(json, sizeof json, "{\"metadata\":{\"id\":\"R\","
	    "\"eventTimestamp\":\"2025-01-01T00:00:00Z\",\"eventType\":"
	    "\"PROCESS_LAUNCH\"},\"target\":{\"process\":{\"commandLine\":"
	    "\"%s\"}}}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab");
	assert_int_equal(udm_parse(json, strlen(json), &ev, why, sizeof why), 0);
	assert_false(query_match(q, &ev));
	udm_event_free(&ev);
	query_free(q);
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */
/* ------------------------------------------------------------------ */

/* A lookup that returns the one list ARG points to. */
static const struct lmh_list *
lookup_arg(const char *name, void *arg)
{
	const struct lmh_list *l = arg;

	return strcmp(name, l->name) == 0 ? l : NULL;
}

/* A list of LMH_LIST_ITEMS_MAX values works as a hash set, exact or nocase. */
static void
test_big_list(void **state)
{
	static const struct {
		const char *path;
		bool exact, nocase;
	} cases[] = {
		{ "C:\\\\Tools\\\\tool04242.exe", true, true },
		{ "c:\\\\tools\\\\TOOL04242.EXE", false, true },
		{ "C:\\\\Tools\\\\tool00000.exe", true, true },
		{ "C:\\\\Tools\\\\tool99999.exe", true, true },
		{ "C:\\\\Tools\\\\tool100000.exe", false, false },
		{ "C:\\\\Tools\\\\tool0424.exe", false, false },
		{ "", false, false },
	};
	struct lmh_list l = { "big", NULL, LMH_LIST_ITEMS_MAX, "big.txt" };
	struct errlist errs = { NULL, 0 };
	struct query *qe, *qn;
	size_t i;

	(void)state;
	l.items = calloc(l.n, sizeof *l.items);
	for (i = 0; i < l.n; i++) {
		l.items[i] = malloc(48);
		snprintf(l.items[i], 48, "C:\\Tools\\tool%05zu.exe", i);
	}
	qe = query_parse("target.process.file.full_path in %big", FILE_NAME, 1,
	    1, lookup_arg, &l, &errs);
	qn = query_parse("target.process.file.full_path IN @big", FILE_NAME, 1,
	    1, lookup_arg, &l, &errs);
	assert_non_null(qe);
	assert_non_null(qn);
	assert_int_equal(errs.n, 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct lmh_event ev;
		char json[512], why[128];

		snprintf(json, sizeof json, "{\"metadata\":{\"id\":\"B\","
		    "\"eventTimestamp\":\"2025-01-01T00:00:00Z\",\"eventType\":"
		    "\"PROCESS_LAUNCH\"},\"target\":{\"process\":{\"file\":"
		    "{\"fullPath\":\"%s\"}}}}", cases[i].path);
		assert_int_equal(udm_parse(json, strlen(json), &ev, why,
		    sizeof why), 0);
		if (query_match(qe, &ev) != cases[i].exact ||
		    query_match(qn, &ev) != cases[i].nocase)
			fail_msg("%s", cases[i].path);
		udm_event_free(&ev);
	}
	query_free(qe);
	query_free(qn);
	for (i = 0; i < l.n; i++)
		free(l.items[i]);
	free(l.items);
}

static const struct {
	const char *q;
	int ev;
	bool want;
} eval_cases[] = {
	/* enums and strings compare exactly; nocase folds */
	{ "metadata.event_type = \"PROCESS_LAUNCH\"", EV_SYSMON1, true },
	{ "metadata.event_type = \"PROCESS_LAUNCH\"", EV_7045, false },
	{ "metadata.event_type = \"process_launch\"", EV_SYSMON1, false },
	{ "metadata.event_type != \"PROCESS_LAUNCH\"", EV_7045, true },
	{ "metadata.product_event_type = \"7045\"", EV_7045, true },
	{ "target.application = \"psexesvc\"", EV_7045, false },
	{ "target.application = \"psexesvc\" nocase", EV_7045, true },
	{ "target.application != \"psexesvc\" nocase", EV_7045, false },
	{ "principal.process.file.full_path = "
	  "\"C:\\\\Windows\\\\System32\\\\services.exe\"", EV_SYSMON1, true },
	{ "principal.process.file.full_path = "
	  "\"c:\\\\windows\\\\system32\\\\services.exe\"", EV_SYSMON1, false },
	/* string ordering */
	{ "principal.hostname > \"srv00\"", EV_SYSMON1, true },
	{ "principal.hostname < \"srv00\"", EV_SYSMON1, false },
	{ "principal.hostname >= \"SRV01.CORP.LOCAL\" nocase", EV_SYSMON1, true },
	/* integers: JSON ints, digit strings, not other strings */
	{ "target.port = 33801", EV_NET445, true },
	{ "principal.port = 445", EV_NET445, true },
	{ "principal.port = 446", EV_NET445, false },
	{ "principal.port != 446", EV_NET445, true },
	{ "principal.port < 1024", EV_NET445, true },
	{ "principal.port <= 445", EV_NET445, true },
	{ "principal.port > 445", EV_NET445, false },
	{ "principal.port >= 445", EV_NET445, true },
	{ "principal.port = \"445\"", EV_NET445, true },
	{ "target.port = 445", EV_PORTSTR, true },
	{ "target.process.pid = 4321", EV_SYSMON1, true },
	{ "principal.process.pid = 6700", EV_WMIPRV, false },
	{ "principal.process.pid != 6700", EV_WMIPRV, false },
	{ "metadata.product_event_type = 7045", EV_7045, true },
	{ "network.sent_bytes = 1500", EV_PORTSTR, true },
	{ "network.sent_bytes > 1499", EV_PORTSTR, true },
	/* booleans */
	{ "additional.fields[\"ok\"] = true", EV_PORTSTR, true },
	{ "additional.fields[\"ok\"] = false", EV_PORTSTR, false },
	{ "additional.fields[\"Initiated\"] = false", EV_NET445, true },
	{ "additional.fields[\"Initiated\"] = \"false\"", EV_NET445, true },
	{ "additional.Initiated = \"false\"", EV_NET445, true },
	/* missing fields: never match, != too; NOT negates */
	{ "target.hostname = \"x\"", EV_7045, false },
	{ "target.hostname != \"x\"", EV_7045, false },
	{ "NOT target.hostname = \"x\"", EV_7045, true },
	{ "target.port != 445", EV_7045, false },
	{ "target.hostname = /./", EV_7045, false },
	{ "target.hostname != /./", EV_7045, false },
	/* repeated fields: any element */
	{ "principal.ip = \"10.0.2.18\"", EV_NET445, true },
	{ "principal.ip = \"fe80::1\"", EV_NET445, true },
	{ "principal.ip = \"10.0.2.19\"", EV_NET445, false },
	{ "principal.ip != \"10.0.2.18\"", EV_NET445, true },
	{ "extensions.auth.mechanism = \"NETWORK\"", EV_4624, true },
	{ "security_result.action = \"ALLOW\"", EV_4624, true },
	{ "security_result.action = \"BLOCK\"", EV_4624, false },
	/* regexes: anywhere unless anchored, nocase, escaped slashes */
	{ "target.process.file.full_path = /psexesvc/", EV_SYSMON1, false },
	{ "target.process.file.full_path = /psexesvc/ nocase", EV_SYSMON1, true },
	{ "target.process.file.full_path = /\\\\psexesvc\\.exe$/ nocase",
	  EV_SYSMON1, true },
	{ "target.process.file.full_path = /^psexesvc/ nocase", EV_SYSMON1,
	  false },
	{ "target.process.file.full_path != /psexesvc/ nocase", EV_SYSMON1,
	  false },
	{ "target.process.command_line = /wmic.*\\/node:.*process\\s+call\\s+"
	  "create/ nocase", EV_WMIPRV, true },
	{ "target.process.command_line = /a\\/b \"q\" c\\\\d/", EV_NEWLINE,
	  true },
	{ "target.process.command_line = /c\\\\d$/", EV_NEWLINE, false },
	{ "target.process.command_line = /c\\\\d\\n$/", EV_NEWLINE, true },
	{ "target.port = /^44/", EV_NET445, false },
	{ "principal.port = /^44/", EV_NET445, true },
	/* the dialect: CONTAINS and IN compare case-insensitively */
	{ "target.process.file.full_path CONTAINS \"psexesvc.EXE\"", EV_SYSMON1,
	  true },
	{ "target.process.file.full_path CONTAINS \"psexesvc.exf\"", EV_SYSMON1,
	  false },
	{ "target.process.command_line CONTAINS \"a/b \\\"Q\\\" C\\\\d\"",
	  EV_NEWLINE, true },
	{ "target.process.command_line CONTAINS \".\"", EV_NEWLINE, false },
	{ "target.process.file.full_path IN (\"x\", "
	  "\"c:\\\\windows\\\\system32\\\\cmd.exe\")", EV_WMIPRV, true },
	{ "target.process.file.full_path IN (\"cmd.exe\", \"powershell.exe\")",
	  EV_WMIPRV, false },
	{ "target.port IN (1, 445)", EV_PORTSTR, true },
	{ "target.process.command_line NOT CONTAINS \"wmic\"", EV_WMIPRV, false },
	/* lists */
	{ "principal.process.file.full_path in %known_services", EV_WMIPRV,
	  false },
	{ "target.process.file.full_path in %known_services", EV_SYSMON1, false },
	{ "target.process.file.full_path NOT IN @known_services", EV_SYSMON1,
	  true },
	{ "target.process.file.full_path NOT IN @known_services", EV_7045, true },
	{ "target.process.file.full_path NOT IN @known_services", EV_NET445,
	  true },
	{ "target.application in regex %svc_re", EV_7045, false },
	{ "target.application in regex %svc_re nocase", EV_7045, true },
	{ "target.process.command_line in regex %svc_re nocase", EV_WMIPRV,
	  false },
	{ "principal.ip in cidr %nets", EV_NET445, true },
	{ "target.ip in cidr %nets", EV_NET445, true },
	{ "target.ip in cidr %nets", EV_PORTSTR, true },
	{ "target.ip in cidr %nets", EV_SAMPLE_NET, false },
	{ "principal.ip in cidr %nets", EV_SAMPLE_NET, true },
	{ "principal.hostname in cidr %nets", EV_SAMPLE_NET, false },
	{ "target.ip in %empty", EV_SAMPLE_NET, false },
	{ "principal.ip in cidr %v6", EV_NET445, true },
	{ "target.ip in cidr %v6", EV_NET445, false },
	{ "target.ip in cidr %odd", EV_NET445, false },	/* .19 not in .16/31 */
	{ "src.ip in cidr %odd", EV_5145, true },		/* .16 */
	{ "src.ip in cidr %odd", EV_4624, true },		/* .17 */
	{ "principal.ip in cidr %odd", EV_5145, false },	/* .18 */
	{ "target.ip in cidr %odd", EV_SAMPLE_NET, false },
	{ "target.ip in %nets", EV_PORTSTR, true },	/* exact membership */
	{ "target.ip in %nets", EV_NET445, false },
	/* labels arrays and plain objects */
	{ "target.labels[\"TargetLogonId\"] = \"0x000000000017e29a\"", EV_4624,
	  true },
	{ "target.labels[\"TargetLogonId\"] = \"x\"", EV_4624, false },
	{ "target.labels[\"Other\"] = \"x\"", EV_4624, true },
	{ "target.labels[\"Other\"] = \"0x000000000017e29a\"", EV_4624, false },
	{ "principal.labels[\"TargetLogonId\"] = /./", EV_4624, false },
	{ "additional.fields[\"LogonType\"] = \"3\"", EV_4624, true },
	{ "additional.fields[\"LogonType\"] = 3", EV_4624, true },
	{ "additional.LogonType = \"3\"", EV_4624, true },
	{ "additional.fields[\"LogonType\"] = \"10\"", EV_4624, false },
	/* boolean structure and short-circuit */
	{ "metadata.event_type = \"USER_LOGIN\" additional.LogonType = \"3\"",
	  EV_4624, true },
	{ "metadata.event_type = \"USER_LOGIN\" AND additional.LogonType = "
	  "\"2\"", EV_4624, false },
	{ "metadata.event_type = \"X\" OR additional.LogonType = \"3\"", EV_4624,
	  true },
	{ "metadata.event_type = \"X\" OR additional.LogonType = \"2\"", EV_4624,
	  false },
	{ "NOT (metadata.event_type = \"X\" OR additional.LogonType = \"2\")",
	  EV_4624, true },
	/* fields read from the decoded event rather than the JSON */
	{ "target.application != \"x\"", EV_SYSMON1, false },
	{ "target.application != \"x\"", EV_7045, true },
	{ "target.file.full_path = \"winreg\"", EV_5145, true },
	{ "network.direction = \"INBOUND\"", EV_NET445, true },
	{ "network.direction = \"OUTBOUND\"", EV_NET445, false },
	{ "principal.user.userid = \"IEUser\"", EV_5145, true },
	{ "target.user.userid = \"anonymous logon\" nocase", EV_4624, true },
	{ "metadata.product_name = \"Microsoft-Windows-Sysmon\"", EV_NET445,
	  true },
	{ "metadata.product_name = /sysmon/", EV_7045, false },
	{ "principal.process.command_line = /services/", EV_SYSMON1, true },
	{ "principal.process.command_line = /services/", EV_WMIPRV, false },
	/* shares with backslashes and dollar signs */
	{ "target.resource.name = /IPC\\$$/", EV_5145, true },
	{ "target.resource.name = \"\\\\\\\\*\\\\IPC$\"", EV_5145, true },
	{ "src.ip = \"10.0.2.16\" target.resource.name = /admin\\$/ nocase",
	  EV_5145, false },
};

/* Each predicate kind evaluates as documented. */
static void
test_eval(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
		struct query *q = parse_ok(eval_cases[i].q);

		if (query_match(q, &events[eval_cases[i].ev]) != eval_cases[i].want)
			fail_msg("%s on event %d: want %s", eval_cases[i].q,
			    eval_cases[i].ev, eval_cases[i].want ? "match" :
			    "no match");
		query_free(q);
	}
}

/* The runbook's hunts, corrected (chronicle-api.md 6.3), on the events. */
static void
test_runbook(void **state)
{
	static const struct {
		const char *q;
		int hit;
	} cases[] = {
		{ "metadata.event_type = \"SERVICE_CREATION\" AND "
		  "metadata.product_event_type = \"7045\" AND "
		  "(target.application = /psexesvc/ nocase OR "
		  "target.process.file.full_path = /psexesvc\\.exe/ nocase OR "
		  "target.process.command_line = /psexesvc\\.exe/ nocase)",
		  1 << EV_7045 },
		{ "metadata.event_type = \"PROCESS_LAUNCH\" AND "
		  "principal.process.file.full_path = "
		  "/\\\\windows\\\\system32\\\\services\\.exe$/ nocase AND "
		  "NOT target.process.file.full_path in %known_services nocase",
		  1 << EV_SYSMON1 },
		{ "metadata.event_type = \"PROCESS_LAUNCH\" AND "
		  "principal.process.file.full_path = /\\\\wbem\\\\wmiprvse\\.exe$/"
		  " nocase AND target.process.file.full_path = "
		  "/\\\\(cmd|powershell|pwsh)\\.exe$/ nocase", 1 << EV_WMIPRV },
		{ "metadata.event_type = \"NETWORK_CONNECTION\" AND "
		  "(target.port = 445 OR principal.port = 445)",
		  1 << EV_NET445 | 1 << EV_PORTSTR },
	};
	size_t i;
	int e;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct query *q = parse_ok(cases[i].q);

		for (e = 0; e < EV_MAX; e++)
			if (query_match(q, &events[e]) !=
			    ((cases[i].hit & 1 << e) != 0))
				fail_msg("%s: event %d", cases[i].q, e);
		query_free(q);
	}
}

/* Error locations count lines and columns from where the query starts. */
static void
test_multiline(void **state)
{
	struct errlist errs = { NULL, 0 };
	const char *q = "metadata.event_type = \"PROCESS_LAUNCH\" AND\n"
	    "\t(target.port = 1 OR\n"
	    "\t target.hostname = /(/)";

	(void)state;
	assert_null(query_parse(q, "r.rules", 12, 9, lookup, NULL, &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "r.rules:14:23: invalid regex:"
	    " missing closing parenthesis at offset 1");
	errlist_free(&errs);
}

/* ------------------------------------------------------------------ */
/* Lint                                                                */
/* ------------------------------------------------------------------ */

static const struct {
	const char *q;
	const char *want;		/* NULL: no warning */
} lint_cases[] = {
	{ "target.process.file.full_path IN (\"cmd.exe\", \"powershell.exe\")",
	  "t.rules:1:35: warning: target.process.file.full_path holds a full"
	  " path; \"cmd.exe\" never matches as written, use a regex on the"
	  " path's end such as /\\\\name\\.exe$/ nocase" },
	{ "principal.process.file.full_path = \"wmiprvse.exe\" nocase",
	  "t.rules:1:1: warning: principal.process.file.full_path holds a full"
	  " path; \"wmiprvse.exe\" never matches as written, use a regex on"
	  " the path's end such as /\\\\name\\.exe$/ nocase" },
	{ "principal.process.file.full_path = "
	  "\"C:\\\\Windows\\\\System32\\\\services.exe\"", NULL },
	{ "principal.process.file.full_path = \"System\"", NULL },
	{ "target.process.file.full_path = /cmd\\.exe/", NULL },
	{ "target.process.file.full_path != \"cmd.exe\"", NULL },
	{ "target.proces.file.full_path = /x/", "t.rules:1:1: warning:"
	  " unknown UDM field path 'target.proces.file.full_path'" },
	{ "target.portt = 1", "t.rules:1:1: warning: unknown UDM field path"
	  " 'target.portt'" },
	{ "foo.labels[\"x\"] = \"1\"", "t.rules:1:1: warning: unknown UDM field"
	  " path 'foo.labels[\"x\"]'" },
	{ "target.labels[\"x\"] = \"1\"", NULL },
	{ "additional.fields[\"x\"] = \"1\"", NULL },
	{ "additional.LogonType = \"3\"", NULL },
	{ "principal.process.parent_process.parent_process.file.full_path ="
	  " /x/", NULL },
	{ "network.dns.questions.name = \"a\"", NULL },
	{ "target.port = \"445\"", "t.rules:1:1: warning: target.port is an"
	  " integer field; compare it with a number, not a string" },
	{ "target.port = 445", NULL },
	{ "target.process.pid = 4", "t.rules:1:1: warning: target.process.pid"
	  " is a string field; compare it with a \"string\" (UDM search does"
	  " not convert)" },
	{ "metadata.product_event_type = 7045", "t.rules:1:1: warning:"
	  " metadata.product_event_type is a string field; compare it with a"
	  " \"string\" (UDM search does not convert)" },
	{ "target.hostname = true", "t.rules:1:1: warning: target.hostname is"
	  " not a boolean field" },
	{ "metadata.event_type = \"WMI_ACTIVITY\"", "t.rules:1:1: warning:"
	  " metadata.event_type has no value \"WMI_ACTIVITY\"; it never matches" },
	{ "metadata.event_type = \"PROCESS_LAUNCH\" nocase", "t.rules:1:1:"
	  " warning: metadata.event_type is an enum field: nocase is not"
	  " needed, enum values are UPPERCASE" },
	{ "metadata.event_type = \"PROCESS_LAUNCH\"", NULL },
	{ "NOT (target.ip in cidr %nets OR principal.hostnam in %known_services)",
	  "t.rules:1:33: warning: unknown UDM field path 'principal.hostnam'" },
};

/* Lint warns about predicates that cannot match as written. */
static void
test_lint(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof lint_cases / sizeof lint_cases[0]; i++) {
		struct errlist w = { NULL, 0 };
		struct query *q = parse_ok(lint_cases[i].q);

		query_lint(q, &w);
		if (lint_cases[i].want == NULL) {
			if (w.n != 0)
				fail_msg("%s: unexpected %s", lint_cases[i].q,
				    w.msgs[0]);
		} else {
			if (w.n == 0)
				fail_msg("%s: no warning", lint_cases[i].q);
			if (strcmp(w.msgs[0], lint_cases[i].want) != 0)
				fail_msg("%s\n got: %s\nwant: %s",
				    lint_cases[i].q, w.msgs[0], lint_cases[i].want);
		}
		errlist_free(&w);
		query_free(q);
	}
}

/* ------------------------------------------------------------------ */
/* The shared UDM samples (skipped when ../shared is absent)           */
/* ------------------------------------------------------------------ */

/* Read a whole file into a new string, or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char tmp[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	buf_add(&b, "", 0);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return b.data;
}

struct respctx {
	const struct query	*q;
	int			 events, hits;
};

/* udm_parse_response callback: evaluate the query on one element. */
static int
resp_cb(const char *elem, size_t elen, void *arg)
{
	struct respctx *c = arg;
	struct lmh_event ev;
	char why[256];

	if (udm_parse(elem, elen, &ev, why, sizeof why) != 0)
		fail_msg("response element: %s", why);
	c->events++;
	c->hits += query_match(c->q, &ev);
	udm_event_free(&ev);
	return 0;
}

/* Queries evaluate as expected on the UDM samples in tests/data/udm-samples. */
static void
test_samples(void **state)
{
	static const struct {
		const char *file, *q;
		int hits;		/* events of the file that match */
	} cases[] = {
		{ "CONSTRUCTED-winevtlog-7045-service-installed.json",
		  "metadata.event_type = \"SERVICE_CREATION\" "
		  "metadata.product_event_type = \"7045\" "
		  "target.application = /psexesvc/ nocase", 1 },
		{ "CONSTRUCTED-winevtlog-7045-service-installed.json",
		  "metadata.event_type = \"SERVICE_CREATION\" "
		  "target.application = \"psexesvc\"", 0 },
		{ "CONSTRUCTED-sysmon1-services-spawns-psexesvc.json",
		  "principal.process.file.full_path = /\\\\services\\.exe$/ nocase"
		  " AND target.process.file.full_path CONTAINS \"psexesvc\"", 1 },
		{ "CONSTRUCTED-sysmon1-services-spawns-psexesvc.json",
		  "target.process.file.full_path NOT IN @known_services", 1 },
		{ "CONSTRUCTED-sysmon3-smb-network-connection.json",
		  "metadata.event_type = \"NETWORK_CONNECTION\" AND target.port ="
		  " 445 AND target.ip = \"10.0.0.20\" AND principal.ip ="
		  " \"10.0.0.42\"", 1 },
		{ "CONSTRUCTED-sysmon3-smb-network-connection.json",
		  "target.port = 443", 0 },
		{ "CONSTRUCTED-winevtlog-4688-wmiprvse-spawns-cmd.json",
		  "principal.process.file.full_path = /\\\\wbem\\\\wmiprvse\\.exe$/"
		  " nocase target.process.file.full_path ="
		  " /\\\\(cmd|powershell|pwsh)\\.exe$/ nocase", 1 },
		{ "legacy-v1-udmsearch-doc-network-connection.json",
		  "metadata.event_type = \"NETWORK_CONNECTION\" AND target.port ="
		  " 443 AND principal.ip in cidr %nets", 2 },
		{ "legacy-v1-udmsearch-doc-network-connection.json",
		  "target.ip = \"74.125.135.103\"", 1 },
		{ "legacy-v1-udmsearch-response-sysmon.json",
		  "metadata.event_type = \"REGISTRY_MODIFICATION\" OR"
		  " metadata.event_type = \"NETWORK_DNS\"", 2 },
		{ "legacy-v1-udmsearch-response-sysmon.json",
		  "metadata.product_event_type = 22 principal.process.file.full_path"
		  " = /\\\\scripts\\.exe$/ nocase", 1 },
	};
	const char *dir = getenv("top_srcdir");
	char path[1024];
	size_t i, len;
	int tested = 0;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct respctx c = { NULL, 0, 0 };
		char why[256], *text;
		bool more;

		snprintf(path, sizeof path, "%s/tests/data/udm-samples/%s",
		    dir != NULL ? dir : ".", cases[i].file);
		if ((text = slurp(path, &len)) == NULL)
			fail_msg("%s: cannot read the sample", path);
		c.q = parse_ok(cases[i].q);
		if (strncmp(cases[i].file, "legacy-", 7) == 0) {
			if (udm_parse_response(text, len, resp_cb, &c, &more, why,
			    sizeof why) != 0)
				fail_msg("%s: %s", cases[i].file, why);
			assert_int_equal(c.events, 2);
		} else
			resp_cb(text, len, &c);
		if (c.hits != cases[i].hits)
			fail_msg("%s on %s: %d hits, want %d", cases[i].q,
			    cases[i].file, c.hits, cases[i].hits);
		query_free((struct query *)c.q);
		free(text);
		tested++;
	}
	assert_int_equal(tested, sizeof cases / sizeof cases[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_server),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_event_type),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_lookup),
		cmocka_unit_test(test_limit_len),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_preds),
		cmocka_unit_test(test_limit_match),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_big_list),
		cmocka_unit_test(test_runbook),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_samples),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
