/* test_rules.c - rule files, lists, errors, lint, matching and rendering */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmhunt.h"

#ifndef TOP_SRCDIR_FALLBACK
#define TOP_SRCDIR_FALLBACK "."		/* top_srcdir unset: run from there */
#endif

static char tmpl[] = "/tmp/lmh-test-rules.XXXXXX";
static char *top;		/* the temp dir */
static int dir_seq;

/* Write TEXT to DIR/NAME. */
static void
put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	free(path);
}

/* Make a fresh pair of rules.d and lists.d directories; returns the base. */
static char *
fresh(char **rdir, char **ldir)
{
	char *base = xasprintf("%s/d%d", top, dir_seq++);

	assert_int_equal(mkdir(base, 0700), 0);
	*rdir = xasprintf("%s/rules.d", base);
	*ldir = xasprintf("%s/lists.d", base);
	assert_int_equal(mkdir(*rdir, 0700), 0);
	assert_int_equal(mkdir(*ldir, 0700), 0);
	return base;
}

/* Load one rule file TEXT (and optional list NAME.txt = LTEXT). */
static struct ruleset *
load1(const char *text, const char *lname, const char *ltext,
    struct errlist *errs, char **rfile)
{
	char *rdir, *ldir, *base, *lfile;
	struct ruleset *rs;

	base = fresh(&rdir, &ldir);
	put(rdir, "a.rules", text);
	if (lname != NULL) {
		lfile = xasprintf("%s.txt", lname);
		put(ldir, lfile, ltext);
		free(lfile);
	}
	rs = rules_load(rdir, ldir, errs);
	if (rfile != NULL)
		*rfile = xasprintf("%s/a.rules", rdir);
	free(rdir);
	free(ldir);
	free(base);
	return rs;
}

/* Whether any message of E contains every one of the NULL-ended strings. */
static int
has_msg(const struct errlist *e, ...)
{
	const char *s;
	va_list ap;
	size_t i;
	int all;

	for (i = 0; i < e->n; i++) {
		all = 1;
		va_start(ap, e);
		while ((s = va_arg(ap, const char *)) != NULL)
			if (strstr(e->msgs[i], s) == NULL)
				all = 0;
		va_end(ap);
		if (all)
			return 1;
	}
	return 0;
}

/* Load TEXT expecting failure with a message holding NEEDLE. */
static void
expect_error(const char *text, const char *needle, const char *needle2)
{
	struct errlist errs = { NULL, 0 };
	struct ruleset *rs;

	rs = load1(text, NULL, NULL, &errs, NULL);
	assert_null(rs);
	if (!has_msg(&errs, needle, needle2, (char *)NULL)) {
		errlist_print(&errs, stderr);
		fail_msg("no error with '%s'", needle);
	}
	errlist_free(&errs);
}

/* Parse one event from JSON text. */
static void
event(const char *json, struct lmh_event *ev)
{
	char why[256];

	memset(ev, 0, sizeof(*ev));
	if (udm_parse(json, strlen(json), ev, why, sizeof(why)) != 0)
		fail_msg("udm_parse: %s", why);
}

#define EV_PROC(id, parent, child) \
	"{\"metadata\":{\"id\":\"" id "\",\"eventTimestamp\":" \
	"\"2026-01-01T00:00:00Z\",\"eventType\":\"PROCESS_LAUNCH\"}," \
	"\"principal\":{\"hostname\":\"h\",\"process\":{\"file\":" \
	"{\"fullPath\":\"" parent "\"}}},\"target\":{\"process\":{\"file\":" \
	"{\"fullPath\":\"" child "\"}}}}"
#define EV_NET(id, port) \
	"{\"metadata\":{\"id\":\"" id "\",\"eventTimestamp\":" \
	"\"2026-01-01T00:00:00Z\",\"eventType\":\"NETWORK_CONNECTION\"}," \
	"\"principal\":{\"hostname\":\"h\"},\"target\":{\"port\":" port "}}"

static const char good_a[] =
	"# comment\n"
	"; another comment\n"
	"[rule wmi-shell]\n"
	"title      = WmiPrvSE spawned a shell\n"
	"techniques = T1047, T1059.001\n"
	"severity   = high\n"
	"role       = exec\n"
	"query      = metadata.event_type = \"PROCESS_LAUNCH\" AND\n"
	"             principal.process.file.full_path = /\\\\wmiprvse\\.exe$/ nocase AND\n"
	"\n"
	"             target.process.file.full_path = /\\\\(cmd|powershell)\\.exe$/ nocase\n"
	"\n"
	"[rule smb]\n"
	"query = metadata.event_type = \"NETWORK_CONNECTION\" AND target.port = 445\n"
	"role = network\n"
	"enabled = no\n";
static const char good_b[] =
	"[rule any-cmd]\n"
	"title = any cmd child, whatever the event type\n"
	"severity = low\n"
	"role = launch\n"
	"query = target.process.file.full_path = /\\\\cmd\\.exe$/ nocase\n";

/* A good rule set: keys, defaults, continuation lines, files in name order. */
static void
test_load_good(void **state)
{
	struct errlist errs = { NULL, 0 };
	char *rdir, *ldir, *base;
	struct ruleset *rs;
	const struct rule *r;

	(void)state;
	base = fresh(&rdir, &ldir);
	put(rdir, "20-b.rules", good_b);
	put(rdir, "10-a.rules", good_a);
	put(rdir, "ignored.txt", "[rule x]\nnot = a rule file\n");
	put(rdir, ".hidden.rules", "garbage\n");
	rs = rules_load(rdir, ldir, &errs);
	if (rs == NULL)
		errlist_print(&errs, stderr);
	assert_non_null(rs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(rs->n, 3);
	r = &rs->rules[0];
	assert_string_equal(r->id, "wmi-shell");
	assert_string_equal(r->title, "WmiPrvSE spawned a shell");
	assert_int_equal(r->ntechniques, 2);
	assert_string_equal(r->techniques[0], "T1047");
	assert_string_equal(r->techniques[1], "T1059.001");
	assert_int_equal(r->severity, SEV_HIGH);
	assert_int_equal(r->role, ROLE_EXEC);
	assert_true(r->enabled);
	assert_int_equal(r->line, 3);
	assert_non_null(strstr(r->query_text, "(cmd|powershell)"));
	assert_non_null(r->query);
	r = &rs->rules[1];
	assert_string_equal(r->id, "smb");
	assert_string_equal(r->title, "smb");	/* defaults to the ID */
	assert_int_equal(r->severity, SEV_MEDIUM);
	assert_int_equal(r->role, ROLE_NETWORK);
	assert_false(r->enabled);
	r = &rs->rules[2];
	assert_string_equal(r->id, "any-cmd");
	assert_int_equal(r->role, ROLE_LAUNCH);
	assert_non_null(strstr(r->file, "20-b.rules"));
	rules_free(rs);
	free(rdir);
	free(ldir);
	free(base);
}

/* Names of severities and roles. */
static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(severity_name(SEV_LOW), "low");
	assert_string_equal(severity_name(SEV_CRITICAL), "critical");
	assert_string_equal(severity_name((enum rule_severity)0), "unknown");
	assert_string_equal(role_name(ROLE_EXEC), "exec");
	assert_string_equal(role_name(ROLE_TRANSFER), "transfer");
	assert_string_equal(role_name(ROLE_NETWORK), "network");
	assert_string_equal(role_name((enum rule_role)9), "unknown");
}

/* The ATT&CK table. */
static void
test_attack(void **state)
{
	(void)state;
	assert_string_equal(attack_name("T1021.002"),
	    "Remote Services: SMB/Windows Admin Shares");
	assert_string_equal(attack_tactic("T1021.002"), "Lateral Movement");
	assert_string_equal(attack_name("T1047"),
	    "Windows Management Instrumentation");
	assert_string_equal(attack_tactic("T1047"), "Execution");
	assert_non_null(attack_name("T1569.002"));
	assert_non_null(attack_name("T1570"));
	assert_non_null(attack_name("T1543.003"));
	assert_non_null(attack_name("T1053.005"));
	assert_non_null(attack_name("T1059.001"));
	assert_non_null(attack_name("T1127.001"));
	assert_null(attack_name("T9999"));
	assert_null(attack_name(NULL));
	assert_null(attack_tactic("T1021.00"));
}

/* Each bad key or value is an error naming file, line and column. */
static void
test_errors_keys(void **state)
{
	(void)state;
	expect_error("[rule a]\nquery = target.port = 445\ncolour = red\n",
	    "a.rules:3:1: unknown key 'colour'", NULL);
	expect_error("[rule a]\ntitle = no query here\n",
	    "a.rules:1:1: rule a has no query", NULL);
	expect_error("[rule a]\nquery = target.port = 445\nseverity = huge\n",
	    "a.rules:3:12: bad severity 'huge'", NULL);
	expect_error("[rule a]\nquery = target.port = 445\nrole = victim\n",
	    "a.rules:3:8: bad role 'victim'", NULL);
	expect_error("[rule a]\nquery = target.port = 445\n"
	    "techniques = T1021.002, T10x1\n",
	    "a.rules:3:25: bad technique 'T10x1'", NULL);
	expect_error("[rule a]\nquery = target.port = 445\n"
	    "techniques = T1,T2,T3,T4,T5,T6,T7,T8,T9\n",
	    "bad technique 'T1'", NULL);
	expect_error("[rule a]\nquery = target.port = 445\nenabled = maybe\n",
	    "a.rules:3:11: bad boolean 'maybe'", NULL);
	expect_error("[rule a]\nquery = target.port = 445\n"
	    "query = target.port = 135\n", "a.rules:3:1: duplicate key 'query'",
	    NULL);
	expect_error("query = target.port = 445\n",
	    "a.rules:1:1: key 'query' outside", NULL);
	expect_error("[rule a]\nquery = target.port = 445\njust words\n",
	    "a.rules:3:1: expected 'key = value'", NULL);
	expect_error("[section]\nquery = target.port = 445\n",
	    "unknown section [section]", NULL);
	expect_error("[rule bad/id]\nquery = target.port = 445\n",
	    "a.rules:1:7: bad rule ID 'bad/id'", NULL);
	expect_error("  indented = first\n[rule a]\nquery = target.port = 1\n",
	    "a.rules:1:1: indented line continues no key", NULL);
}

/* A refused key's continuation lines add no further errors. */
static void
test_errors_continuation(void **state)
{
	struct errlist errs = { NULL, 0 };

	(void)state;
	assert_null(load1("[rule a]\nquery = target.port = 445\n"
	    "colour = red\n  and blue\n  and green\n"
	    "query = target.port = 1\n  OR target.port = 2\n",
	    NULL, NULL, &errs, NULL));
	assert_int_equal(errs.n, 2);
	assert_true(has_msg(&errs, ":3:1: unknown key 'colour'",
	    (char *)NULL));
	assert_true(has_msg(&errs, ":6:1: duplicate key 'query'",
	    (char *)NULL));
	errlist_free(&errs);
}

/* More than LMH_TECHNIQUES_MAX techniques. */
static void
test_errors_techniques_max(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "[rule a]\nquery = target.port = 445\ntechniques = ");
	for (i = 0; i <= LMH_TECHNIQUES_MAX; i++)
		buf_printf(&b, "%sT10%02d", i ? ", " : "", i);
	buf_puts(&b, "\n");
	expect_error(b.data, "more than 8 techniques", NULL);
	buf_free(&b);
}

/* A duplicate rule ID names both places, across files too. */
static void
test_errors_duplicate(void **state)
{
	struct errlist errs = { NULL, 0 };
	char *rdir, *ldir, *base;

	(void)state;
	base = fresh(&rdir, &ldir);
	put(rdir, "1.rules", "[rule x]\nquery = target.port = 1\n");
	put(rdir, "2.rules", "\n[rule x]\nquery = target.port = 2\n");
	assert_null(rules_load(rdir, ldir, &errs));
	assert_true(has_msg(&errs, "2.rules:2:7: duplicate rule ID 'x'",
	    "1.rules:1)", (char *)NULL));
	errlist_free(&errs);
	free(rdir);
	free(ldir);
	free(base);
}

/* Query errors come from query_parse at their file:line:col. */
static void
test_errors_query(void **state)
{
	(void)state;
	/* column of the bad token on a continuation line */
	expect_error("[rule a]\nquery = target.port = 445 AND\n"
	    "        target.process.file.full_path = \"unterminated\n",
	    "a.rules:3:", NULL);
	expect_error("[rule a]\nquery = target.port ~ 445\n", "a.rules:2:",
	    NULL);
}

/* All errors of a pass are reported, and the result is NULL. */
static void
test_errors_one_pass(void **state)
{
	struct errlist errs = { NULL, 0 };

	(void)state;
	assert_null(load1("[rule a]\nseverity = x\nquery = target.port = 1\n"
	    "[rule b]\nrole = y\nquery = target.port = 2\n"
	    "[rule c]\nquery = target.port = 3\n", NULL, NULL, &errs, NULL));
	assert_true(has_msg(&errs, "bad severity 'x'", (char *)NULL));
	assert_true(has_msg(&errs, "bad role 'y'", (char *)NULL));
	assert_int_equal(errs.n, 2);
	errlist_free(&errs);
}

/* Unknown lists and a missing list file are errors at the reference. */
static void
test_errors_lists(void **state)
{
	struct errlist errs = { NULL, 0 };

	(void)state;
	expect_error("[rule a]\nquery = target.process.file.full_path in "
	    "%nosuch nocase\n", "a.rules:2:", "nosuch");
	expect_error("[rule a]\nquery = target.process.file.full_path in "
	    "%../etc/passwd\n", "a.rules:2:", NULL);
	/* a list file present under another name does not count */
	assert_null(load1("[rule a]\nquery = target.process.file.full_path "
	    "in %known\n", "other", "C:\\\\x.exe\n", &errs, NULL));
	assert_true(has_msg(&errs, "known", (char *)NULL));
	errlist_free(&errs);
	/* no lists directory at all */
	assert_null(rules_load("/nonexistent-rules", "/nonexistent-lists",
	    &errs));
	assert_true(has_msg(&errs, "/nonexistent-rules: cannot open",
	    (char *)NULL));
	errlist_free(&errs);
}

/* List files: escapes, comments, blank lines, trailing white space. */
static void
test_list_parsing(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct ruleset *rs;
	const struct lmh_list *l;

	(void)state;
	rs = load1("[rule a]\nquery = target.process.file.full_path in "
	    "%svc nocase\n", "svc",
	    "// a comment line\n"
	    "\n"
	    "C:\\\\Windows\\\\System32\\\\svchost.exe   \n"
	    "   \t\n"
	    "C:\\\\A.exe // trailing comment\n"
	    "http:\\/\\/x \\// not a comment\n"
	    "keep\\ \n"
	    "tab\\there\r\n"
	    "quote\\\"d\n", &errs, NULL);
	if (rs == NULL)
		errlist_print(&errs, stderr);
	assert_non_null(rs);
	assert_int_equal(rs->nlists, 1);
	l = &rs->lists[0];
	assert_string_equal(l->name, "svc");
	assert_non_null(strstr(l->file, "svc.txt"));
	assert_int_equal(l->n, 6);
	assert_string_equal(l->items[0], "C:\\Windows\\System32\\svchost.exe");
	assert_string_equal(l->items[1], "C:\\A.exe");
	assert_string_equal(l->items[2], "http://x // not a comment");
	assert_string_equal(l->items[3], "keep ");
	assert_string_equal(l->items[4], "tab\there");
	assert_string_equal(l->items[5], "quote\"d");
	rules_free(rs);

	/* a bad escape names the list file, line and column */
	assert_null(load1("[rule a]\nquery = target.process.file.full_path "
	    "in %svc\n", "svc", "ok\nC:\\Windows\n", &errs, NULL));
	assert_true(has_msg(&errs, "svc.txt:2:3: unknown escape",
	    (char *)NULL));
	errlist_free(&errs);
}

/* A list item longer than LMH_LIST_ITEM_MAX is an error. */
static void
test_list_item_max(void **state)
{
	struct errlist errs = { NULL, 0 };
	char *item;

	(void)state;
	item = xmalloc(LMH_LIST_ITEM_MAX + 3);
	memset(item, 'x', LMH_LIST_ITEM_MAX + 1);
	item[LMH_LIST_ITEM_MAX + 1] = '\n';
	item[LMH_LIST_ITEM_MAX + 2] = '\0';
	assert_null(load1("[rule a]\nquery = target.process.file.full_path "
	    "in %big\n", "big", item, &errs, NULL));
	assert_true(has_msg(&errs, "big.txt:1: value longer than 1024 bytes",
	    (char *)NULL));
	errlist_free(&errs);
	/* exactly the limit is fine */
	item[LMH_LIST_ITEM_MAX] = '\n';
	item[LMH_LIST_ITEM_MAX + 1] = '\0';
	struct ruleset *rs = load1("[rule a]\nquery = "
	    "target.process.file.full_path in %big\n", "big", item, &errs,
	    NULL);
	assert_non_null(rs);
	assert_int_equal(strlen(rs->lists[0].items[0]), LMH_LIST_ITEM_MAX);
	rules_free(rs);
	free(item);
}

/* More than LMH_LIST_ITEMS_MAX values in one list is an error. */
static void
test_list_items_max(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	for (i = 0; i <= LMH_LIST_ITEMS_MAX; i++)
		buf_printf(&b, "v%d\n", i);
	assert_null(load1("[rule a]\nquery = target.process.file.full_path "
	    "in %many\n", "many", b.data, &errs, NULL));
	assert_true(has_msg(&errs, "many.txt:100001: list many has more than "
	    "100000 values", (char *)NULL));
	errlist_free(&errs);
	buf_free(&b);
}

/* More than LMH_RULES_MAX rules is one error; no rule set comes back. */
static void
test_rules_max(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	for (i = 0; i <= LMH_RULES_MAX; i++)
		buf_printf(&b, "[rule r%d]\nquery = target.port = %d\n", i, i);
	assert_null(load1(b.data, NULL, NULL, &errs, NULL));
	assert_int_equal(errs.n, 1);
	assert_true(has_msg(&errs, "a.rules:2001:1: more than 1000 rules",
	    (char *)NULL));
	errlist_free(&errs);
	buf_free(&b);
}

/* A query longer than LMH_QUERY_LEN_MAX is refused before parsing. */
static void
test_query_len_max(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "[rule a]\nquery = target.port = 1");
	for (i = 0; b.len < LMH_QUERY_LEN_MAX + 100; i++)
		buf_puts(&b, "\n  OR target.port = 2");
	buf_puts(&b, "\n");
	expect_error(b.data, "a.rules:2:9: query longer than 16384 bytes",
	    NULL);
	buf_free(&b);
}

/* Lines, files, rule IDs and list counts over their limits. */
static void
test_input_limits(void **state)
{
	struct errlist errs = { NULL, 0 };
	char *rdir, *ldir, *base, *name;
	struct ruleset *rs;
	struct buf b;
	int i;

	(void)state;
	/* a rule file line longer than LMH_CONF_LINE_MAX */
	buf_init(&b);
	buf_puts(&b, "[rule a]\nquery = target.port = 1\n# ");
	for (i = 0; i < LMH_CONF_LINE_MAX; i++)
		buf_puts(&b, "x");
	buf_puts(&b, "\n");
	expect_error(b.data, "a.rules:3: line longer than 8192 bytes", NULL);
	buf_reset(&b);

	/* a rule file larger than LMH_CONF_FILE_MAX */
	buf_puts(&b, "[rule a]\nquery = target.port = 1\n");
	while (b.len <= LMH_CONF_FILE_MAX)
		buf_puts(&b, "# filler filler filler filler filler filler\n");
	expect_error(b.data, "file larger than 1048576 bytes", NULL);
	buf_reset(&b);

	/* a rule ID of LMH_RULE_ID_MAX bytes is fine, one more is not */
	buf_puts(&b, "[rule ");
	for (i = 0; i < LMH_RULE_ID_MAX; i++)
		buf_puts(&b, "r");
	buf_puts(&b, "]\nquery = target.port = 1\n");
	rs = load1(b.data, NULL, NULL, &errs, NULL);
	assert_non_null(rs);
	assert_int_equal(strlen(rs->rules[0].id), LMH_RULE_ID_MAX);
	rules_free(rs);
	buf_reset(&b);
	buf_puts(&b, "[rule r");
	for (i = 0; i < LMH_RULE_ID_MAX; i++)
		buf_puts(&b, "r");
	buf_puts(&b, "]\nquery = target.port = 1\n");
	expect_error(b.data, "bad rule ID", "at most 64 bytes");
	buf_reset(&b);

	/* a list line longer than LMH_CONF_LINE_MAX */
	for (i = 0; i < LMH_CONF_LINE_MAX; i++)
		buf_puts(&b, "/");
	buf_puts(&b, "\n");
	assert_null(load1("[rule a]\nquery = target.process.file.full_path "
	    "in %long\n", "long", b.data, &errs, NULL));
	assert_true(has_msg(&errs, "long.txt:1: line longer than 8192 bytes",
	    (char *)NULL));
	errlist_free(&errs);
	buf_reset(&b);

	/* more than LMH_LISTS_MAX lists used */
	base = fresh(&rdir, &ldir);
	for (i = 0; i <= LMH_LISTS_MAX; i++) {
		buf_printf(&b, "[rule r%d]\nquery = target.process.file."
		    "full_path in %%l%d\n", i, i);
		name = xasprintf("l%d.txt", i);
		put(ldir, name, "v\n");
		free(name);
	}
	put(rdir, "a.rules", b.data);
	assert_null(rules_load(rdir, ldir, &errs));
	assert_true(has_msg(&errs, "more than 128 lists used", (char *)NULL));
	errlist_free(&errs);
	buf_free(&b);
	free(rdir);
	free(ldir);
	free(base);
}

/* An empty rules directory is an error. */
static void
test_no_rule_files(void **state)
{
	struct errlist errs = { NULL, 0 };
	char *rdir, *ldir, *base;

	(void)state;
	base = fresh(&rdir, &ldir);
	assert_null(rules_load(rdir, ldir, &errs));
	assert_true(has_msg(&errs, "no *.rules files", (char *)NULL));
	errlist_free(&errs);
	free(rdir);
	free(ldir);
	free(base);
}

/* Lint: query warnings keep their position; rules_lint adds its own. */
static void
test_lint(void **state)
{
	struct errlist errs = { NULL, 0 }, w = { NULL, 0 };
	struct ruleset *rs;
	char *file;

	(void)state;
	rs = load1("[rule a]\ntechniques = T1047, T9999\n"
	    "query = metadata.event_type = \"PROCESS_LAUNCH\" AND\n"
	    "  target.process.file.full_path = \"cmd.exe\"\n"
	    "[rule b]\nrole = exec\nquery = target.port = 445\n"
	    "[rule c]\nrole = network\nquery = target.port = 135\n",
	    NULL, NULL, &errs, &file);
	assert_non_null(rs);
	rules_lint(rs, &w);
	errlist_print(&w, stderr);
	/* query_lint's full_path warning, at its own line */
	assert_true(has_msg(&w, file, ":4:", "warning", (char *)NULL));
	assert_true(has_msg(&w, ":1:1: warning: rule a: technique T9999 is "
	    "not in the ATT&CK table", (char *)NULL));
	assert_true(has_msg(&w, ":5:1: warning: rule b: no techniques",
	    (char *)NULL));
	assert_false(has_msg(&w, "rule c: no techniques", (char *)NULL));
	errlist_free(&w);
	rules_free(rs);
	free(file);
}

/* The index: pinned rules see only their type, unpinned rules see all. */
static void
test_match_index(void **state)
{
	struct errlist errs = { NULL, 0 };
	const struct rule *hits[8];
	struct lmh_event ev;
	struct ruleset *rs;
	size_t n;

	(void)state;
	rs = load1(
	    "[rule proc-cmd]\nquery = metadata.event_type = \"PROCESS_LAUNCH\""
	    " AND target.process.file.full_path = /\\\\cmd\\.exe$/ nocase\n"
	    "[rule any-cmd]\nquery = target.process.file.full_path = "
	    "/\\\\cmd\\.exe$/ nocase\n"
	    "[rule smb]\nquery = metadata.event_type = \"NETWORK_CONNECTION\""
	    " AND target.port = 445\n"
	    "[rule smb-off]\nenabled = false\nquery = metadata.event_type = "
	    "\"NETWORK_CONNECTION\" AND target.port = 445\n"
	    "[rule any-445]\nquery = target.port = 445\n",
	    NULL, NULL, &errs, NULL);
	if (rs == NULL)
		errlist_print(&errs, stderr);
	assert_non_null(rs);

	event(EV_PROC("e1", "C:\\\\Windows\\\\explorer.exe",
	    "C:\\\\Windows\\\\System32\\\\CMD.EXE"), &ev);
	n = rules_match(rs, &ev, hits, 8);
	assert_int_equal(n, 2);
	assert_string_equal(hits[0]->id, "proc-cmd");
	assert_string_equal(hits[1]->id, "any-cmd");
	/* MAX caps the hits */
	assert_int_equal(rules_match(rs, &ev, hits, 1), 1);
	assert_string_equal(hits[0]->id, "proc-cmd");
	udm_event_free(&ev);

	event(EV_NET("e2", "445"), &ev);
	n = rules_match(rs, &ev, hits, 8);
	assert_int_equal(n, 2);
	assert_string_equal(hits[0]->id, "smb");
	assert_string_equal(hits[1]->id, "any-445");
	udm_event_free(&ev);

	event(EV_NET("e3", "139"), &ev);
	assert_int_equal(rules_match(rs, &ev, hits, 8), 0);
	udm_event_free(&ev);

	/* a type no rule pins: only the unpinned rules are tried */
	event("{\"metadata\":{\"id\":\"e4\",\"eventTimestamp\":"
	    "\"2026-01-01T00:00:00Z\",\"eventType\":\"GENERIC_EVENT\"},"
	    "\"target\":{\"port\":445,\"process\":{\"file\":{\"fullPath\":"
	    "\"c:\\\\windows\\\\cmd.exe\"}}}}", &ev);
	n = rules_match(rs, &ev, hits, 8);
	assert_int_equal(n, 2);
	assert_string_equal(hits[0]->id, "any-cmd");
	assert_string_equal(hits[1]->id, "any-445");
	udm_event_free(&ev);
	rules_free(rs);
}

/* Any list name resolves to one empty list (rendered text re-parsed). */
static const struct lmh_list *
any_list(const char *name, void *arg)
{
	static struct lmh_list empty = { "any", NULL, 0, "any.txt" };

	(void)name;
	(void)arg;
	return &empty;
}

/* Count the logical operators of a rendered query by parsing it again. */
static int
ops_of(const char *text)
{
	struct errlist errs = { NULL, 0 };
	struct query *q;
	int n;

	q = query_parse(text, "rendered", 1, 1, any_list, NULL, &errs);
	if (q == NULL) {
		errlist_print(&errs, stderr);
		fail_msg("rendered query does not parse: %.200s", text);
	}
	n = query_ops(q);
	query_free(q);
	errlist_free(&errs);
	return n;
}

/* Free a strlist's strings. */
static void
strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Rendering packs rules under the 169-operator limit, ANDs the scope. */
static void
test_render_split(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct strlist q = { NULL, 0 };
	struct ruleset *rs;
	struct buf b;
	size_t i, n;
	int ops, total = 0;

	(void)state;
	/* 100 rules of 2 operators each: 100*2 + 99 ORs = 299 > 169 */
	buf_init(&b);
	for (i = 0; i < 100; i++)
		buf_printf(&b, "[rule r%zu]\nquery = metadata.event_type = "
		    "\"NETWORK_CONNECTION\" AND target.port = %zu AND "
		    "principal.port = 1\n", i, i + 1);
	buf_puts(&b, "[rule off]\nenabled = false\nquery = target.port = 9\n");
	rs = load1(b.data, NULL, NULL, &errs, NULL);
	buf_free(&b);
	assert_non_null(rs);

	n = rules_render(rs, NULL, &q);
	assert_int_equal(n, 2);
	assert_int_equal(q.n, 2);
	for (i = 0; i < q.n; i++) {
		ops = ops_of(q.v[i]);
		assert_true(ops <= LMH_UDM_OPS_MAX);
		total += ops;
		/* the disabled rule is left out */
		assert_null(strstr(q.v[i], "target.port = 9)"));
	}
	/* every rule is there once: 100 * 2 + the ORs inside each query */
	assert_int_equal(total, 100 * 2 + 98);
	strlist_clear(&q);

	/* with a scope of 2 operators: (scope) AND (...), still <= 169 */
	n = rules_render(rs, "principal.hostname = /^ws/ nocase AND "
	    "NOT principal.hostname = \"ws9\"", &q);
	assert_int_equal(n, 2);
	for (i = 0; i < q.n; i++) {
		assert_non_null(strstr(q.v[i], "(principal.hostname = /^ws/ "
		    "nocase AND NOT principal.hostname = \"ws9\") AND ("));
		assert_ptr_equal(strstr(q.v[i], "(principal.hostname"), q.v[i]);
		assert_true(ops_of(q.v[i]) <= LMH_UDM_OPS_MAX);
	}
	strlist_clear(&q);
	rules_free(rs);
}

/* Exactly at the limit stays one query; one over splits. */
static void
test_render_limit_edge(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct strlist q = { NULL, 0 };
	struct ruleset *rs;
	struct buf b;
	size_t i;

	(void)state;
	/* 85 rules of 1 operator: 85 + 84 ORs = 169 */
	buf_init(&b);
	for (i = 0; i < 85; i++)
		buf_printf(&b, "[rule r%zu]\nquery = target.port = %zu AND "
		    "principal.port = 2\n", i, i + 1);
	rs = load1(b.data, NULL, NULL, &errs, NULL);
	assert_non_null(rs);
	assert_int_equal(rules_render(rs, NULL, &q), 1);
	assert_int_equal(ops_of(q.v[0]), LMH_UDM_OPS_MAX);
	strlist_clear(&q);
	/* a scope without operators adds its AND: 170 > 169, so two */
	assert_int_equal(rules_render(rs, "principal.hostname = \"a\"", &q), 2);
	for (i = 0; i < q.n; i++)
		assert_true(ops_of(q.v[i]) <= LMH_UDM_OPS_MAX);
	strlist_clear(&q);
	/* a scope that does not parse: its AND/OR/NOT words are counted */
	assert_int_equal(rules_render(rs, "principal.hostname = \"a\" OR (", &q),
	    2);
	for (i = 0; i < q.n; i++)
		assert_ptr_equal(strstr(q.v[i], "(principal.hostname = \"a\" OR "
		    "() AND ("), q.v[i]);
	strlist_clear(&q);

	rules_free(rs);

	/* 86 such rules: 86 + 85 = 171, two queries */
	buf_printf(&b, "[rule r85]\nquery = target.port = 86 AND "
	    "principal.port = 2\n");
	rs = load1(b.data, NULL, NULL, &errs, NULL);
	assert_non_null(rs);
	assert_int_equal(rules_render(rs, NULL, &q), 2);
	strlist_clear(&q);
	rules_free(rs);
	buf_free(&b);
}

/* A single rule over the limit goes alone, and the others still pack. */
static void
test_render_oversize(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct strlist q = { NULL, 0 };
	struct ruleset *rs;
	struct buf b;
	size_t i;
	int big = 0;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "[rule huge]\nquery = target.port = 1");
	for (i = 2; i <= 200; i++)
		buf_printf(&b, " OR target.port = %zu", i);
	buf_puts(&b, "\n[rule small1]\nquery = target.port = 445\n"
	    "[rule small2]\nquery = target.port = 135\n");
	rs = load1(b.data, NULL, NULL, &errs, NULL);
	buf_free(&b);
	assert_non_null(rs);
	assert_int_equal(rules_render(rs, NULL, &q), 2);
	for (i = 0; i < q.n; i++) {
		if (ops_of(q.v[i]) > LMH_UDM_OPS_MAX) {
			big++;
			assert_null(strstr(q.v[i], "445"));
		} else {
			assert_non_null(strstr(q.v[i], "445"));
			assert_non_null(strstr(q.v[i], "135"));
			assert_int_equal(ops_of(q.v[i]), 1);
		}
	}
	assert_int_equal(big, 1);
	strlist_clear(&q);
	rules_free(rs);
}

/* The shipped rule pack loads, lints and renders under the limit. */
static void
test_default_pack(void **state)
{
	struct errlist errs = { NULL, 0 }, w = { NULL, 0 };
	struct strlist q = { NULL, 0 };
	struct ruleset *rs;
	const char *srcdir = getenv("top_srcdir");
	char *rdir, *ldir;
	size_t i;

	(void)state;
	if (srcdir == NULL)
		srcdir = TOP_SRCDIR_FALLBACK;
	rdir = xasprintf("%s/etc/rules.d", srcdir);
	ldir = xasprintf("%s/etc/lists.d", srcdir);
	rs = rules_load(rdir, ldir, &errs);
	if (rs == NULL)
		errlist_print(&errs, stderr);
	assert_non_null(rs);
	assert_true(rs->n >= 10);
	for (i = 0; i < rs->n; i++) {
		assert_true(rs->rules[i].ntechniques > 0);
		assert_non_null(attack_name(rs->rules[i].techniques[0]));
	}
	rules_lint(rs, &w);
	errlist_print(&w, stderr);
	assert_int_equal(w.n, 0);
	assert_true(rules_render(rs, NULL, &q) >= 1);
	for (i = 0; i < q.n; i++)
		assert_true(ops_of(q.v[i]) <= LMH_UDM_OPS_MAX);
	strlist_clear(&q);
	rules_free(rs);
	free(rdir);
	free(ldir);
}

/* Make the temp dir. */
static int
setup(void **state)
{
	(void)state;
	log_init(LOG_DEST_STDERR, 0, "test_rules");
	if (mkdtemp(tmpl) == NULL)
		return -1;
	top = tmpl;
	return 0;
}

/* Remove the temp dir. */
static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	cmd = xasprintf("rm -rf '%s'", top);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", top);
	free(cmd);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_attack),
		cmocka_unit_test(test_errors_keys),
		cmocka_unit_test(test_errors_continuation),
		cmocka_unit_test(test_errors_techniques_max),
		cmocka_unit_test(test_errors_duplicate),
		cmocka_unit_test(test_errors_query),
		cmocka_unit_test(test_errors_one_pass),
		cmocka_unit_test(test_errors_lists),
		cmocka_unit_test(test_list_parsing),
		cmocka_unit_test(test_list_item_max),
		cmocka_unit_test(test_list_items_max),
		cmocka_unit_test(test_rules_max),
		cmocka_unit_test(test_query_len_max),
		cmocka_unit_test(test_input_limits),
		cmocka_unit_test(test_no_rule_files),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_match_index),
		cmocka_unit_test(test_render_split),
		cmocka_unit_test(test_render_limit_edge),
		cmocka_unit_test(test_render_oversize),
		cmocka_unit_test(test_default_pack),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
