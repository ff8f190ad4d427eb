/* test_config.c - the configuration parser, its errors, limits and printer */
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

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

static char tmpdir[] = "/tmp/lmh-test-config.XXXXXX";
static char *realdir;
static int file_seq;

/* Write TEXT (LEN bytes) to a new file in the temp dir; returns its path. */
static char *
write_file_n(const char *text, size_t len)
{
	char *path = xasprintf("%s/t%d.conf", tmpdir, file_seq++);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* Write TEXT to a new file in the temp dir; returns its path. */
static char *
write_file(const char *text)
{
	return write_file_n(text, strlen(text));
}

/* Load TEXT as a config file; the caller frees the path. */
static struct lmh_config *
load_text(const char *text, struct errlist *errs, char **pathp)
{
	char *path = write_file(text);
	struct lmh_config *cf = config_load(path, errs);

	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return cf;
}

/* Load TEXT expecting exactly one error, equal to "PATH:" WANT. */
static void
expect_error(const char *text, const char *want)
{
	struct errlist errs = { NULL, 0 };
	struct lmh_config *cf;
	char *path, *full;

	cf = load_text(text, &errs, &path);
	assert_null(cf);
	full = xasprintf("%s:%s", path, want);
	if (errs.n != 1 || strcmp(errs.msgs[0], full) != 0) {
		errlist_print(&errs, stderr);
		fprintf(stderr, "want: %s\n", full);
	}
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], full);
	free(full);
	free(path);
	errlist_free(&errs);
}

/* Load TEXT expecting success; the caller frees the config. */
static struct lmh_config *
expect_ok(const char *text)
{
	struct errlist errs = { NULL, 0 };
	struct lmh_config *cf = load_text(text, &errs, NULL);

	if (cf == NULL)
		errlist_print(&errs, stderr);
	assert_non_null(cf);
	assert_int_equal(errs.n, 0);
	return cf;
}

/* The printed form of CF, newly allocated. */
static char *
print_text(const struct lmh_config *cf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	config_print(cf, fp);
	assert_int_equal(fclose(fp), 0);
	return text;
}

/* "DIR/NAME" in the temp dir, resolved. */
static char *
in_tmp(const char *name)
{
	return xasprintf("%s/%s", realdir, name);
}

/* An empty file gives every documented default. */
static void
test_defaults(void **state)
{
	struct lmh_config *cf = expect_ok("# nothing\n\n");
	char *p;

	(void)state;
	assert_string_equal(cf->api, "chronicle");
	assert_string_equal(cf->region, "us");
	assert_null(cf->project);
	assert_null(cf->instance);
	assert_null(cf->endpoint);
	assert_null(cf->credentials);
	assert_null(cf->token_file);
	assert_null(cf->scope_query);
	assert_int_equal(cf->poll_interval, 300);
	assert_int_equal(cf->lookback, 72 * 3600);
	assert_int_equal(cf->overlap, 600);
	assert_int_equal(cf->ingest_delay, 120);
	assert_int_equal(cf->window_floor, 60);
	assert_int_equal(cf->queries_per_hour, 120);
	assert_int_equal(cf->page_limit, 10000);
	assert_int_equal(cf->request_timeout, 60);
	assert_string_equal(cf->soar_api, "soar");
	assert_null(cf->soar_url);
	assert_null(cf->app_key_file);
	assert_null(cf->case_id);
	assert_true(cf->dry_run);
	assert_int_equal(cf->comments_per_hour, 30);
	p = in_tmp("rules.d");
	assert_string_equal(cf->rules_dir, p);
	free(p);
	p = in_tmp("lists.d");
	assert_string_equal(cf->lists_dir, p);
	free(p);
	assert_non_null(strstr(cf->hypothesis, "PsExec"));
	assert_non_null(strstr(cf->hypothesis, "T1570)"));
	assert_int_equal(cf->smb_window, 120);
	assert_int_equal(cf->clock_skew, 30);
	assert_int_equal(cf->max_clock_skew, 86400);
	assert_int_equal(cf->fanout_hosts, 3);
	assert_int_equal(cf->fanout_window, 600);
	assert_int_equal(cf->case_threshold, 70);
	assert_int_equal(cf->admin_sources.n, 0);
	assert_string_equal(cf->database, LOCALSTATEDIR "/lib/lmhunt/lmhunt.db");
	assert_int_equal(cf->retention, 7 * 86400);
	assert_int_equal(cf->batch_events, 2000);
	assert_string_equal(cf->socket_path, RUNSTATEDIR "/lmhunt/lmhuntd.sock");
	assert_string_equal(cf->socket_group, "lmhunt");
	assert_int_equal(cf->max_clients, 16);
	assert_int_equal(cf->idle_timeout, 300);
	assert_string_equal(cf->dir, realdir);
	config_free(cf);
}

static const char all_keys[] =
    "# every key, none at its default\n"
    "[chronicle]\n"
    "api = legacy\n"
    "region = europe\n"
    "project = my-project\n"
    "instance = 0123-abcd\n"
    "endpoint = http://127.0.0.1:8080\n"
    "credentials = sa.json\n"
    "token_file = /etc/lmhunt/token\n"
    "scope_query = principal.hostname = /^srv-/ AND\n"
    "\ttarget.ip != \"10.9.9.9\"\n"
    "poll_interval = 90s\n"
    "lookback = 2d\n"
    "overlap = 15m\n"
    "ingest_delay = 0s\n"
    "window_floor = 30s\n"
    "queries_per_hour = 2000\n"
    "page_limit = 500\n"
    "request_timeout = 2m\n"
    "\n"
    "[soar]\n"
    "api = chronicle\n"
    "url = https://soar.example.com:443\n"
    "app_key_file = keys/soar.key\n"
    "case_id = 4242\n"
    "dry_run = off\n"
    "comments_per_hour = 5\n"
    "\n"
    "[hunt]\n"
    "rules_dir = /opt/rules\n"
    "lists_dir = my lists\n"
    "hypothesis = \"  Two spaces lead; a \\\"quote\\\" and a \\\\ too\"\n"
    "\n"
    "[correlation]\n"
    "smb_window = 5m\n"
    "clock_skew = 0s\n"
    "max_clock_skew = 2h\n"
    "fanout_hosts = 10\n"
    "fanout_window = 1h\n"
    "case_threshold = 0\n"
    "admin_sources = 10.0.0.0/8, jump01.corp.example,\n"
    "    2001:db8::/32 , 192.0.2.7\n"
    "\n"
    "[storage]\n"
    "database = :memory:\n"
    "retention = 30d\n"
    "batch_events = 1\n"
    "\n"
    "[control]\n"
    "socket = lmhuntd.sock\n"
    "group = soc\n"
    "max_clients = 1024\n"
    "idle_timeout = 10s\n";

/* Every key set away from its default is read into its field. */
static void
test_all_keys(void **state)
{
	struct lmh_config *cf = expect_ok(all_keys);
	char *p;

	(void)state;
	assert_string_equal(cf->api, "legacy");
	assert_string_equal(cf->region, "europe");
	assert_string_equal(cf->project, "my-project");
	assert_string_equal(cf->instance, "0123-abcd");
	assert_string_equal(cf->endpoint, "http://127.0.0.1:8080");
	p = in_tmp("sa.json");
	assert_string_equal(cf->credentials, p);
	free(p);
	assert_string_equal(cf->token_file, "/etc/lmhunt/token");
	assert_string_equal(cf->scope_query,
	    "principal.hostname = /^srv-/ AND target.ip != \"10.9.9.9\"");
	assert_int_equal(cf->poll_interval, 90);
	assert_int_equal(cf->lookback, 2 * 86400);
	assert_int_equal(cf->overlap, 900);
	assert_int_equal(cf->ingest_delay, 0);
	assert_int_equal(cf->window_floor, 30);
	assert_int_equal(cf->queries_per_hour, 2000);
	assert_int_equal(cf->page_limit, 500);
	assert_int_equal(cf->request_timeout, 120);
	assert_string_equal(cf->soar_api, "chronicle");
	assert_string_equal(cf->soar_url, "https://soar.example.com:443");
	p = in_tmp("keys/soar.key");
	assert_string_equal(cf->app_key_file, p);
	free(p);
	assert_string_equal(cf->case_id, "4242");
	assert_false(cf->dry_run);
	assert_int_equal(cf->comments_per_hour, 5);
	assert_string_equal(cf->rules_dir, "/opt/rules");
	p = in_tmp("my lists");
	assert_string_equal(cf->lists_dir, p);
	free(p);
	assert_string_equal(cf->hypothesis,
	    "  Two spaces lead; a \"quote\" and a \\ too");
	assert_int_equal(cf->smb_window, 300);
	assert_int_equal(cf->clock_skew, 0);
	assert_int_equal(cf->max_clock_skew, 7200);
	assert_int_equal(cf->fanout_hosts, 10);
	assert_int_equal(cf->fanout_window, 3600);
	assert_int_equal(cf->case_threshold, 0);
	assert_int_equal(cf->admin_sources.n, 4);
	assert_string_equal(cf->admin_sources.v[0], "10.0.0.0/8");
	assert_string_equal(cf->admin_sources.v[1], "jump01.corp.example");
	assert_string_equal(cf->admin_sources.v[2], "2001:db8::/32");
	assert_string_equal(cf->admin_sources.v[3], "192.0.2.7");
	assert_string_equal(cf->database, ":memory:");
	assert_int_equal(cf->retention, 30 * 86400);
	assert_int_equal(cf->batch_events, 1);
	p = in_tmp("lmhuntd.sock");
	assert_string_equal(cf->socket_path, p);
	free(p);
	assert_string_equal(cf->socket_group, "soc");
	assert_int_equal(cf->max_clients, 1024);
	assert_int_equal(cf->idle_timeout, 10);
	config_free(cf);
}

/* Every boolean spelling, in any case. */
static void
test_bools(void **state)
{
	static const struct { const char *word; bool want; } t[] = {
		{ "true", true }, { "yes", true }, { "on", true },
		{ "TRUE", true }, { "Yes", true },
		{ "false", false }, { "no", false }, { "off", false },
		{ "OFF", false },
	};
	struct lmh_config *cf;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		text = xasprintf("[soar]\ndry_run = %s\n", t[i].word);
		cf = expect_ok(text);
		assert_int_equal(cf->dry_run, t[i].want);
		config_free(cf);
		free(text);
	}
	expect_error("[soar]\ndry_run = 1\n", "2: bad boolean '1' for dry_run "
	    "(expected true or false, yes or no, on or off)");
}

/* Range ends are inclusive; one past either end is an error. */
static void
test_ranges(void **state)
{
	struct lmh_config *cf;
	char *text, *want;

	(void)state;
	cf = expect_ok("[chronicle]\npage_limit = 10000\n"
	    "[correlation]\nfanout_hosts = 2\ncase_threshold = 100\n"
	    "[storage]\nbatch_events = 10000\n");
	assert_int_equal(cf->page_limit, 10000);
	assert_int_equal(cf->fanout_hosts, 2);
	assert_int_equal(cf->case_threshold, 100);
	assert_int_equal(cf->batch_events, LMH_BATCH_MAX);
	config_free(cf);
	expect_error("[chronicle]\npage_limit = 10001\n",
	    "2: page_limit = 10001 is out of range (1..10000)");
	expect_error("[chronicle]\npage_limit = 0\n",
	    "2: page_limit = 0 is out of range (1..10000)");
	expect_error("[correlation]\nfanout_hosts = 1\n",
	    "2: fanout_hosts = 1 is out of range (2..1000)");
	expect_error("[correlation]\ncase_threshold = 101\n",
	    "2: case_threshold = 101 is out of range (0..100)");
	expect_error("[correlation]\ncase_threshold = -1\n",
	    "2: case_threshold = -1 is out of range (0..100)");
	text = xasprintf("[storage]\nbatch_events = %d\n", LMH_BATCH_MAX + 1);
	want = xasprintf("2: batch_events = %d is out of range (1..%d)",
	    LMH_BATCH_MAX + 1, LMH_BATCH_MAX);
	expect_error(text, want);
	free(text);
	free(want);
	expect_error("[chronicle]\npoll_interval = 9s\n",
	    "2: poll_interval = 9s is out of range (10s..1d)");
	expect_error("[chronicle]\npoll_interval = 25h\n",
	    "2: poll_interval = 25h is out of range (10s..1d)");
	expect_error("[storage]\nretention = 59m\n",
	    "2: retention = 59m is out of range (1h..365d)");
	expect_error("[chronicle]\nqueries_per_hour = 99999999999999999999\n",
	    "2: bad integer '99999999999999999999' for queries_per_hour "
	    "(expected a whole number in 1..100000)");
}

/* Durations need a unit; every unit works. */
static void
test_durations(void **state)
{
	struct lmh_config *cf;
	static const char form[] = "(expected a whole number and a unit s, "
	    "m, h or d, e.g. 90s, 10m, 72h, 7d)";
	char *want;

	(void)state;
	cf = expect_ok("[chronicle]\npoll_interval = 3600s\nlookback = 90m\n"
	    "overlap = 1h\nrequest_timeout = 10m\n[storage]\nretention = 2d\n");
	assert_int_equal(cf->poll_interval, 3600);
	assert_int_equal(cf->lookback, 5400);
	assert_int_equal(cf->overlap, 3600);
	assert_int_equal(cf->request_timeout, 600);
	assert_int_equal(cf->retention, 172800);
	config_free(cf);
	want = xasprintf("2: malformed duration '5' for poll_interval %s", form);
	expect_error("[chronicle]\npoll_interval = 5\n", want);
	free(want);
	want = xasprintf("2: malformed duration '72x' for lookback %s", form);
	expect_error("[chronicle]\nlookback = 72x\n", want);
	free(want);
	want = xasprintf("2: malformed duration '1.5h' for lookback %s", form);
	expect_error("[chronicle]\nlookback = 1.5h\n", want);
	free(want);
	want = xasprintf("2: malformed duration '-5m' for overlap %s", form);
	expect_error("[chronicle]\noverlap = -5m\n", want);
	free(want);
	want = xasprintf("2: malformed duration '' for overlap %s", form);
	expect_error("[chronicle]\noverlap =\n", want);
	free(want);
}

/* One file per error the issue names, each with its exact message. */
static void
test_errors(void **state)
{
	(void)state;
	expect_error("[chronicle]\n[nope]\n", "2: unknown section [nope] "
	    "(sections are chronicle, soar, hunt, correlation, storage, "
	    "control)");
	expect_error("[chronicl]\nregion = us\n",
	    "1: unknown section [chronicl] (did you mean [chronicle]?)");
	expect_error("region = us\n", "1: key 'region' outside any section");
	expect_error("[correlation]\nsmb_windo = 1m\n", "2: unknown key "
	    "'smb_windo' in [correlation] (did you mean 'smb_window'?)");
	expect_error("[hunt]\nsmb_window = 1m\n", "2: unknown key "
	    "'smb_window' in [hunt] (it belongs in [correlation])");
	expect_error("[hunt]\nfrobnicate = 1\n",
	    "2: unknown key 'frobnicate' in [hunt]");
	expect_error("[chronicle]\nregion = us\n# x\nregion = eu\n",
	    "4: duplicate key 'region' in [chronicle] (first set at line 2)");
	expect_error("[hunt]\n[soar]\n[hunt]\n",
	    "3: duplicate section [hunt] (first at line 1)");
	expect_error("[hunt]\nrules_dir rules.d\n",
	    "2: line has no '=' (expected key = value)");
	expect_error("[hunt]\n= rules.d\n", "2: missing key name before '='");
	expect_error("[hunt\n", "1: malformed section header (expected [name])");
	expect_error("[chronicle]\nqueries_per_hour = 12x\n", "2: bad integer "
	    "'12x' for queries_per_hour (expected a whole number in 1..100000)");
	expect_error("[chronicle]\napi = v2\n",
	    "2: bad value 'v2' for api (expected chronicle or legacy)");
	expect_error("[soar]\napi = siemplify\n",
	    "2: bad value 'siemplify' for api (expected soar or chronicle)");
	expect_error("[chronicle]\nregion = Europe West\n", "2: bad value "
	    "'Europe West' for region (expected a region such as us, europe or "
	    "asia-southeast1: lower-case letters, digits, '-' and '_')");
	expect_error("[chronicle]\nproject = a/b\n", "2: bad value 'a/b' for "
	    "project (expected a name of letters, digits, '.', '_' and '-')");
	expect_error("[chronicle]\nproject = ..\n", "2: bad value '..' for "
	    "project (expected a name of letters, digits, '.', '_' and '-')");
	expect_error("[soar]\ncase_id = ../42\n", "2: bad value '../42' for "
	    "case_id (expected a name of letters, digits, '.', '_' and '-')");
	expect_error("[soar]\nurl = ftp://soar\n", "2: bad value 'ftp://soar' "
	    "for url (expected an https:// or http:// URL)");
	expect_error("[chronicle]\nendpoint = https://\n", "2: bad value "
	    "'https://' for endpoint (expected an https:// or http:// URL)");
	expect_error("[control]\ngroup = -wheel\n", "2: bad value '-wheel' for "
	    "group (expected a name of letters, digits, '.', '_' and '-')");
	expect_error("[hunt]\nrules_dir =\n", "2: rules_dir must not be empty");
	expect_error("[hunt]\nrules_dir = \"\"\n",
	    "2: rules_dir must not be empty");
	expect_error("[soar]\ncase_id = \"12\n",
	    "2: bad quoted value for case_id: no closing quote");
	expect_error("[soar]\ncase_id = \"1\\n2\"\n", "2: bad quoted value for "
	    "case_id: bad escape (only \\\\ and \\\" are escapes)");
	expect_error("[soar]\ncase_id = \"12\" 3\n",
	    "2: bad quoted value for case_id: text after the closing quote");
	expect_error("[soar]\ncase_id = 1\0012\n",
	    "2: control character in the value of case_id");
	expect_error("[correlation]\nadmin_sources = a, , b\n",
	    "2: empty item in admin_sources (items are separated by commas)");
	expect_error("[correlation]\nadmin_sources = 10.0.0.0/33\n",
	    "2: bad item '10.0.0.0/33' in admin_sources (expected an IP "
	    "address, a CIDR such as 10.0.0.0/8, or a host name)");
	expect_error("[correlation]\nadmin_sources = 300.1.1.1\n",
	    "2: bad item '300.1.1.1' in admin_sources (expected an IP "
	    "address, a CIDR such as 10.0.0.0/8, or a host name)");
	expect_error("[correlation]\nadmin_sources = fe80::1/129\n",
	    "2: bad item 'fe80::1/129' in admin_sources (expected an IP "
	    "address, a CIDR such as 10.0.0.0/8, or a host name)");
	expect_error("[chronicle]\nlookback = 1h\n  2h\n", "3: indented line "
	    "continues lookback, which takes a single line (remove the "
	    "indentation)");
	expect_error("[chronicle]\n  region = us\n",
	    "2: indented line continues no key (remove the indentation)");
	expect_error("[chronicle]\nwindow_floor = 1h\npoll_interval = 30m\n",
	    "3: window_floor (1h) is longer than poll_interval (30m)");
	expect_error("[correlation]\nfanout_window = 2d\n[storage]\n"
	    "retention = 1d\n", "4: retention (1d) is shorter than the "
	    "correlation horizon (2d: the longer of fanout_window and "
	    "smb_window + clock_skew)");
}

/* Secrets inline are refused, and their value is never echoed. */
static void
test_secrets(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct lmh_config *cf;
	char *out;
	size_t i;

	(void)state;
	expect_error("[soar]\napp_key = hunter2\n", "2: app_key: secrets are "
	    "not accepted in the configuration file; put the secret in a file "
	    "only lmhuntd can read and set app_key_file");
	expect_error("[chronicle]\ntoken = ya29.secret\n", "2: token: secrets "
	    "are not accepted in the configuration file; put the secret in a "
	    "file only lmhuntd can read and set token_file");
	cf = load_text("[soar]\napp_key = hunter2\n  more-hunter2\n"
	    "[chronicle]\nya29.hunter2 pasted by mistake\n"
	    "token = \"hunter2\n", &errs, NULL);
	assert_null(cf);
	assert_int_equal(errs.n, 3);
	for (i = 0; i < errs.n; i++)
		assert_null(strstr(errs.msgs[i], "hunter2"));
	errlist_free(&errs);
	/* the secret-file keys are paths, printed; no key holds a secret */
	cf = expect_ok("[soar]\napp_key_file = /run/credentials/soar\n");
	out = print_text(cf);
	assert_non_null(strstr(out, "app_key_file = /run/credentials/soar\n"));
	assert_null(strstr(out, "app_key ="));
	assert_null(strstr(out, "token ="));
	free(out);
	config_free(cf);
}

/* Every error of a file is reported in one pass, in line order. */
static void
test_one_pass(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct lmh_config *cf;
	char *path, *want;
	static const char *const tails[] = {
		"1: key 'api' outside any section",
		"3: malformed duration '5' for poll_interval",
		"4: page_limit = 0 is out of range",
		"5: duplicate key 'poll_interval'",
		"6: line has no '='",
		"7: unknown section [x]",
		"9: unknown key 'nope' in [soar]",
		"10: bad boolean 'maybe' for dry_run",
	};
	size_t i;

	(void)state;
	cf = load_text("api = chronicle\n[chronicle]\npoll_interval = 5\n"
	    "page_limit = 0\npoll_interval = 1m\njunk\n[x]\n[soar]\nnope = 1\n"
	    "dry_run = maybe\n", &errs, &path);
	assert_null(cf);
	assert_int_equal(errs.n, sizeof(tails) / sizeof(tails[0]));
	for (i = 0; i < errs.n; i++) {
		want = xasprintf("%s:%s", path, tails[i]);
		assert_true(strncmp(errs.msgs[i], want, strlen(want)) == 0);
		free(want);
	}
	free(path);
	errlist_free(&errs);
}

/* At most LMH_CONF_ERRORS_MAX errors are kept; the parse still ends. */
static void
test_errors_max(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct lmh_config *cf;
	struct buf b;
	char *path;
	int i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "[hunt]\n");
	for (i = 0; i < LMH_CONF_ERRORS_MAX + 50; i++)
		buf_printf(&b, "bad%d = 1\n", i);
	path = write_file(b.data);
	assert_null(config_load(path, &errs));
	assert_int_equal(errs.n, LMH_CONF_ERRORS_MAX);
	/* a caller's list already full still gets NULL for a bad file */
	assert_null(config_load(path, &errs));
	assert_int_equal(errs.n, LMH_CONF_ERRORS_MAX);
	free(path);
	path = write_file("[hunt]\n");
	cf = config_load(path, &errs);
	assert_non_null(cf);
	config_free(cf);
	errlist_free(&errs);
	free(path);
	buf_free(&b);
}

/* A missing file and an unreadable one are one error each. */
static void
test_unreadable(void **state)
{
	struct errlist errs = { NULL, 0 };
	char *path = xasprintf("%s/does-not-exist.conf", tmpdir), *want;

	(void)state;
	assert_null(config_load(path, &errs));
	assert_int_equal(errs.n, 1);
	want = xasprintf("%s: cannot open: No such file or directory", path);
	assert_string_equal(errs.msgs[0], want);
	free(want);
	free(path);
	errlist_free(&errs);

	assert_null(config_load(tmpdir, &errs));
	assert_int_equal(errs.n, 1);
	want = xasprintf("%s: cannot read: Is a directory", tmpdir);
	assert_string_equal(errs.msgs[0], want);
	free(want);
	errlist_free(&errs);

	if (geteuid() != 0) {	/* root reads anything */
		path = write_file("[hunt]\n");
		assert_int_equal(chmod(path, 0), 0);
		assert_null(config_load(path, &errs));
		assert_int_equal(errs.n, 1);
		want = xasprintf("%s: cannot open: Permission denied", path);
		assert_string_equal(errs.msgs[0], want);
		free(want);
		free(path);
		errlist_free(&errs);
	}
}

/* A line of LMH_CONF_LINE_MAX bytes is fine; one more byte is an error. */
static void
test_line_max(void **state)
{
	struct lmh_config *cf;
	struct buf b;
	char *want;
	size_t prefix;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "[chronicle]\nscope_query = ");
	prefix = strlen("scope_query = ");
	while (b.len < strlen("[chronicle]\n") + LMH_CONF_LINE_MAX)
		buf_puts(&b, "x");
	buf_puts(&b, "\n");
	cf = expect_ok(b.data);
	assert_int_equal(strlen(cf->scope_query), LMH_CONF_LINE_MAX - prefix);
	config_free(cf);

	b.data[b.len - 1] = 'x';
	buf_puts(&b, "\n[soar]\ndry_run = maybe\n");
	want = xasprintf("2: line is longer than %d bytes", LMH_CONF_LINE_MAX);
	{
		struct errlist errs = { NULL, 0 };
		char *path, *full;

		cf = load_text(b.data, &errs, &path);
		assert_null(cf);
		/* the rest of the file is still checked */
		assert_int_equal(errs.n, 2);
		full = xasprintf("%s:%s", path, want);
		assert_string_equal(errs.msgs[0], full);
		assert_non_null(strstr(errs.msgs[1], ":4: bad boolean"));
		free(full);
		free(path);
		errlist_free(&errs);
	}
	free(want);
	buf_free(&b);
}

/* A file of LMH_CONF_FILE_MAX bytes is read; one more byte is refused. */
static void
test_file_max(void **state)
{
	struct errlist errs = { NULL, 0 };
	struct lmh_config *cf;
	char *text, *path, *want;
	size_t i;

	(void)state;
	text = xmalloc(LMH_CONF_FILE_MAX + 2);
	for (i = 0; i < LMH_CONF_FILE_MAX; i++)
		text[i] = (i + 1) % 64 == 0 ? '\n' : '#';
	text[LMH_CONF_FILE_MAX - 1] = '\n';
	path = write_file_n(text, LMH_CONF_FILE_MAX);
	cf = config_load(path, &errs);
	assert_non_null(cf);
	config_free(cf);
	free(path);

	text[LMH_CONF_FILE_MAX] = '\n';
	path = write_file_n(text, LMH_CONF_FILE_MAX + 1);
	assert_null(config_load(path, &errs));
	assert_int_equal(errs.n, 1);
	want = xasprintf("%s: file is larger than %d bytes", path,
	    LMH_CONF_FILE_MAX);
	assert_string_equal(errs.msgs[0], want);
	free(want);
	free(path);
	free(text);
	errlist_free(&errs);
}

/* A value joined from continuation lines is bounded by LMH_CONF_VALUE_MAX. */
static void
test_value_max(void **state)
{
	struct lmh_config *cf;
	struct buf b;
	char *want;
	int lines;

	(void)state;
	/* 1022 + 15 * (1 + 1023) = 16382 bytes, then " y" reaches 16384 */
	buf_init(&b);
	buf_puts(&b, "[chronicle]\nscope_query = ");
	for (lines = 0; lines < 16; lines++) {
		if (lines > 0)
			buf_puts(&b, "\t");
		for (int i = lines > 0 ? 0 : 1; i < 1023; i++)
			buf_puts(&b, "x");
		buf_puts(&b, "\n");
	}
	buf_puts(&b, "\ty\n");		/* 16384: exactly the limit */
	cf = expect_ok(b.data);
	assert_int_equal(strlen(cf->scope_query), LMH_CONF_VALUE_MAX);
	config_free(cf);
	buf_puts(&b, "\tz\n");
	want = xasprintf("19: value of scope_query is longer than %d bytes",
	    LMH_CONF_VALUE_MAX);
	expect_error(b.data, want);
	free(want);
	buf_free(&b);
}

/* A list holds at most LMH_CONF_LIST_MAX items. */
static void
test_list_max(void **state)
{
	struct lmh_config *cf;
	struct buf b;
	char *want;
	int i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "[correlation]\nadmin_sources = h0");
	for (i = 1; i < LMH_CONF_LIST_MAX; i++)
		buf_printf(&b, ",h%d", i);
	buf_puts(&b, "\n");
	cf = expect_ok(b.data);
	assert_int_equal(cf->admin_sources.n, LMH_CONF_LIST_MAX);
	assert_string_equal(cf->admin_sources.v[LMH_CONF_LIST_MAX - 1], "h255");
	config_free(cf);
	b.data[b.len - 1] = ',';
	buf_puts(&b, "one-more\n");
	want = xasprintf("2: admin_sources has more than %d items",
	    LMH_CONF_LIST_MAX);
	expect_error(b.data, want);
	free(want);
	buf_free(&b);
}

/* The control socket path fits sun_path: LMH_SOCKET_PATH_MAX bytes. */
static void
test_socket_max(void **state)
{
	struct lmh_config *cf;
	char path[LMH_SOCKET_PATH_MAX + 2], *text, *want;

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[LMH_SOCKET_PATH_MAX] = '\0';
	text = xasprintf("[control]\nsocket = %s\n", path);
	cf = expect_ok(text);
	assert_int_equal(strlen(cf->socket_path), LMH_SOCKET_PATH_MAX);
	config_free(cf);
	free(text);
	path[LMH_SOCKET_PATH_MAX] = 'a';
	path[LMH_SOCKET_PATH_MAX + 1] = '\0';
	text = xasprintf("[control]\nsocket = %s\n", path);
	want = xasprintf("2: socket path is longer than %d bytes",
	    LMH_SOCKET_PATH_MAX);
	expect_error(text, want);
	free(want);
	free(text);
}

/* Continuations, comments inside them, CRLF, a BOM, quoting. */
static void
test_syntax(void **state)
{
	struct lmh_config *cf;

	(void)state;
	cf = expect_ok("\xef\xbb\xbf; a BOM, then CRLF lines\r\n"
	    "[hunt]\r\n"
	    "hypothesis = WMI and\r\n"
	    "\r\n"
	    "   # a comment inside the value is skipped\r\n"
	    "  PsExec   \r\n"
	    "\tfrom workstations\r\n"
	    "[ chronicle ]\r\n"
	    "scope_query=\"with = sign and \\\"quotes\\\"\"\r\n"
	    "endpoint   =   https://x.example  \r\n");
	assert_string_equal(cf->hypothesis, "WMI and PsExec from workstations");
	assert_string_equal(cf->scope_query, "with = sign and \"quotes\"");
	assert_string_equal(cf->endpoint, "https://x.example");
	config_free(cf);
	/* an optional string set empty is unset */
	cf = expect_ok("[soar]\ncase_id = \"\"\nurl =\n");
	assert_null(cf->case_id);
	assert_null(cf->soar_url);
	config_free(cf);
	/* an unquoted value keeps its backslashes and inner quotes */
	cf = expect_ok("[chronicle]\nscope_query = a = /\\\\x/ AND b = \"c\"\n");
	assert_string_equal(cf->scope_query, "a = /\\\\x/ AND b = \"c\"");
	config_free(cf);
	/* a NUL byte is an error, not a truncation */
	{
		struct errlist errs = { NULL, 0 };
		char *path = write_file_n("[hunt]\nx\0y = 1\n", 15);

		assert_null(config_load(path, &errs));
		assert_int_equal(errs.n, 1);
		assert_non_null(strstr(errs.msgs[0], ":2: NUL byte in line"));
		errlist_free(&errs);
		free(path);
	}
}

/* Relative paths resolve against the config file's directory. */
static void
test_paths(void **state)
{
	struct lmh_config *cf = expect_ok("[hunt]\nrules_dir = ../r\n");
	char *p, *cwd, *want;

	(void)state;
	p = config_path(cf, "x/y");
	want = in_tmp("x/y");
	assert_string_equal(p, want);
	free(p);
	free(want);
	p = config_path(cf, "/abs");
	assert_string_equal(p, "/abs");
	free(p);
	p = config_path(cf, ":memory:");
	assert_string_equal(p, ":memory:");
	free(p);
	assert_null(config_path(cf, NULL));
	want = in_tmp("../r");
	assert_string_equal(cf->rules_dir, want);
	free(want);
	config_free(cf);

	/* a relative config path still gives an absolute directory */
	cwd = getcwd(NULL, 0);
	assert_non_null(cwd);
	assert_int_equal(chdir(tmpdir), 0);
	p = write_file("[hunt]\n");
	cf = config_load(strrchr(p, '/') + 1, &(struct errlist){ NULL, 0 });
	assert_non_null(cf);
	assert_string_equal(cf->dir, realdir);
	want = in_tmp("rules.d");
	assert_string_equal(cf->rules_dir, want);
	free(want);
	config_free(cf);
	free(p);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
}

/* Print, parse the print, print again: the same text and values. */
static void
roundtrip(const char *text)
{
	struct lmh_config *cf = expect_ok(text), *cf2;
	struct errlist errs = { NULL, 0 };
	char *out1, *out2, *path;

	out1 = print_text(cf);
	path = write_file(out1);
	cf2 = config_load(path, &errs);
	if (cf2 == NULL) {
		errlist_print(&errs, stderr);
		fprintf(stderr, "%s", out1);
	}
	assert_non_null(cf2);
	out2 = print_text(cf2);
	assert_string_equal(out1, out2);
	if (cf->scope_query != NULL)
		assert_string_equal(cf->scope_query, cf2->scope_query);
	assert_string_equal(cf->hypothesis, cf2->hypothesis);
	assert_int_equal(cf->admin_sources.n, cf2->admin_sources.n);
	free(out1);
	free(out2);
	free(path);
	config_free(cf);
	config_free(cf2);
}

/* The printed configuration parses again to the same values. */
static void
test_roundtrip(void **state)
{
	struct lmh_config *cf;
	struct buf b;
	char *out;
	int i;

	(void)state;
	roundtrip("");
	roundtrip(all_keys);
	roundtrip("[hunt]\nhypothesis = \"\\\"starts with a quote\"\n"
	    "[chronicle]\nscope_query = \"  \\\\lead and trail\\\\  \"\n");
	/* a long value with double spaces, '#' and ';' words, backslashes */
	buf_init(&b);
	buf_puts(&b, "[chronicle]\nscope_query = ");
	for (i = 0; i < 40; i++)
		buf_printf(&b, "f%d = /a\\\\b/  #x ;y OR ", i);
	buf_puts(&b, "end\n[correlation]\nadmin_sources = ");
	for (i = 0; i < LMH_CONF_LIST_MAX; i++)
		buf_printf(&b, "%shost-%03d.corp.example.com", i ? "," : "", i);
	buf_puts(&b, "\n");
	roundtrip(b.data);
	/* the print wraps long values and every line stays short */
	cf = expect_ok(b.data);
	out = print_text(cf);
	assert_null(strstr(out, "\n\t#"));
	assert_null(strstr(out, "\n\t;"));
	assert_non_null(strstr(out, "\n\t"));
	for (char *l = out; *l != '\0'; l = strchr(l, '\n') + 1)
		assert_true(strchr(l, '\n') - l <= 90);
	free(out);
	config_free(cf);
	buf_free(&b);
}

/* Create the temp dir the tests write into. */
static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	realdir = realpath(tmpdir, NULL);
	return realdir == NULL ? -1 : 0;
}

/* Remove the temp dir and its files. */
static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	(void)state;
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	free(realdir);
	return 0;
}

/* Run every test of this file. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_one_pass),
		cmocka_unit_test(test_errors_max),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_line_max),
		cmocka_unit_test(test_file_max),
		cmocka_unit_test(test_value_max),
		cmocka_unit_test(test_list_max),
		cmocka_unit_test(test_socket_max),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_roundtrip),
	};

	log_init(LOG_DEST_STDERR, 0, "test_config");
	return cmocka_run_group_tests(tests, setup, teardown);
}
