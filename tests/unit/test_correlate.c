/* test_correlate.c - correlation driven by hand-written UDM event
 * sequences: joins in both orders and across batches, late events, chains,
 * DHCP reuse, fan-out at N-1 and N, source class, suppressions, local
 * execution and the bad-input counters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

#define S		INT64_C(1000000)
#define T0		INT64_C(1600585066000000)	/* 2020-09-20T06:57:46Z */
#define MAXEV		512

enum { R_EXEC, R_TRANSFER, R_ACCESS, R_NETWORK, R_LAUNCH, R_SVC, NRULES };

struct fx {
	struct lmh_config	 cf;
	struct store		*st;
	struct correlator	*c;
	struct rule		 rules[NRULES];
	char			*admin[2];
	int			 nid;		/* event id counter */
	/* the batch being built */
	char			*json[MAXEV];
	int			 rule[MAXEV][2];
	size_t			 n;
};

/* a finding copied out of the store */
struct fnd {
	char	 kind[64], src_host[64], src_ip[64], tgt_host[64], user[64];
	char	 chain[512], expl[LMH_EXPLAIN_MAX];
	int64_t	 id, score, count;
	bool	 tripped, suppressed, local;
	int	 nevidence;
};

struct fnds {
	struct fnd	 f[64];
	size_t		 n;
};

/* Set up a rule. */
static void
rule_init(struct rule *r, const char *id, enum rule_role role,
    enum rule_severity sev, const char *tech)
{
	memset(r, 0, sizeof(*r));
	r->id = (char *)id;
	r->title = (char *)id;
	r->role = role;
	r->severity = sev;
	r->enabled = true;
	r->techniques[0] = (char *)tech;
	r->ntechniques = 1;
}

/* A fixture with a :memory: store and a correlator (NADMIN admin sources). */
static struct fx *
fx_new(const char *admin)
{
	struct fx *f = calloc(1, sizeof(*f));
	char why[256];

	assert_non_null(f);
	f->cf.smb_window = 120;
	f->cf.clock_skew = 30;
	f->cf.max_clock_skew = 86400;
	f->cf.lookback = 72 * 3600;
	f->cf.fanout_hosts = 3;
	f->cf.fanout_window = 600;
	f->cf.case_threshold = 70;
	if (admin != NULL) {
		f->admin[0] = (char *)admin;
		f->cf.admin_sources.v = f->admin;
		f->cf.admin_sources.n = 1;
	}
	rule_init(&f->rules[R_EXEC], "svc-child", ROLE_EXEC, SEV_HIGH,
	    "T1569.002");
	rule_init(&f->rules[R_TRANSFER], "share-write", ROLE_TRANSFER,
	    SEV_HIGH, "T1570");
	rule_init(&f->rules[R_ACCESS], "net-logon", ROLE_ACCESS, SEV_LOW,
	    "T1078");
	rule_init(&f->rules[R_NETWORK], "smb", ROLE_NETWORK, SEV_LOW,
	    "T1021.002");
	rule_init(&f->rules[R_LAUNCH], "wmic-node", ROLE_LAUNCH, SEV_HIGH,
	    "T1047");
	rule_init(&f->rules[R_SVC], "svc-install", ROLE_EXEC, SEV_HIGH,
	    "T1569.002");
	f->st = store_open(":memory:", why, sizeof(why));
	assert_non_null(f->st);
	f->c = correlate_new(&f->cf);
	assert_non_null(f->c);
	correlate_set_now(f->c, T0 + 3600 * S);
	return f;
}

/* Free a fixture. */
static void
fx_free(struct fx *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->json[i]);
	correlate_free(f->c);
	store_close(f->st);
	free(f);
}

/* Add an event (JSON built from FMT) hit by rules R1, R2 (-1 none). */
static void
add(struct fx *f, int r1, int r2, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
add(struct fx *f, int r1, int r2, const char *fmt, ...)
{
	va_list ap;
	char *s;

	assert_true(f->n < MAXEV);
	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) > 0);
	va_end(ap);
	f->json[f->n] = s;
	f->rule[f->n][0] = r1;
	f->rule[f->n][1] = r2;
	f->n++;
}

/* RFC 3339 text of T0 + SEC seconds into a static buffer ring. */
static const char *
ts(int64_t sec)
{
	static char ring[8][40];
	static int k;
	char *b = ring[k++ % 8];

	format_rfc3339(T0 + sec * S, b, 40);
	return b;
}

/* Next event id. */
static int
nid(struct fx *f)
{
	return ++f->nid;
}

/* A service-control child process on HOST (own IP) running PATH. */
static void
ev_exec(struct fx *f, int rule, int64_t sec, const char *host, const char *ip,
    const char *path)
{
	add(f, rule, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":\"%s\","
	    "\"eventType\":\"PROCESS_LAUNCH\",\"productEventType\":\"1\"},"
	    "\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],\"user\":"
	    "{\"userid\":\"SYSTEM\"},\"process\":{\"file\":{\"fullPath\":"
	    "\"C:\\\\Windows\\\\System32\\\\services.exe\"}}},\"target\":"
	    "{\"process\":{\"file\":{\"fullPath\":\"%s\"}}}}", nid(f), ts(sec),
	    host, ip, path);
}

/* A network logon (4624 type 3) on HOST from SRCIP by USER. */
static void
ev_logon(struct fx *f, int64_t sec, const char *host, const char *ip,
    const char *srcip, const char *user)
{
	add(f, R_ACCESS, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":"
	    "\"%s\",\"eventType\":\"USER_LOGIN\",\"productEventType\":\"4624\"},"
	    "\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"]},\"target\":"
	    "{\"user\":{\"userid\":\"%s\"}},\"src\":{\"ip\":[\"%s\"]},"
	    "\"additional\":{\"LogonType\":\"3\"}}", nid(f), ts(sec), host, ip,
	    user, srcip);
}

/* A file written to SHARE on HOST from SRCIP (5145). */
static void
ev_write(struct fx *f, int64_t sec, const char *host, const char *ip,
    const char *srcip, const char *share, const char *file)
{
	add(f, R_TRANSFER, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":"
	    "\"%s\",\"eventType\":\"USER_RESOURCE_ACCESS\",\"productEventType\":"
	    "\"5145\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],"
	    "\"user\":{\"userid\":\"pgustavo\"}},\"target\":{\"resource\":"
	    "{\"name\":\"\\\\\\\\*\\\\%s\"},\"file\":{\"fullPath\":\"%s\"}},"
	    "\"src\":{\"ip\":[\"%s\"]}}", nid(f), ts(sec), host, ip, share, file,
	    srcip);
}

/* A connection logged on HOST: PIP:PPORT -> TIP:TPORT, DIR. */
static void
ev_conn(struct fx *f, int64_t sec, const char *host, const char *pip,
    int pport, const char *tip, int tport, const char *dir)
{
	add(f, R_NETWORK, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":"
	    "\"%s\",\"eventType\":\"NETWORK_CONNECTION\",\"productEventType\":"
	    "\"3\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],\"port\":"
	    "%d},\"target\":{\"ip\":[\"%s\"],\"port\":%d},\"network\":"
	    "{\"direction\":\"%s\"}}", nid(f), ts(sec), host, pip, pport, tip,
	    tport, dir);
}

/* Any event on HOST carrying its own IP (teaches assets). */
static void
ev_host(struct fx *f, int64_t sec, const char *host, const char *ip)
{
	add(f, -1, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":\"%s\","
	    "\"eventType\":\"PROCESS_TERMINATION\"},\"principal\":{\"hostname\":"
	    "\"%s\",\"ip\":[\"%s\"]}}", nid(f), ts(sec), host, ip);
}

/* A pipe created on HOST by PROC (Sysmon 17). */
static void
ev_pipe(struct fx *f, int rule, int64_t sec, const char *host, const char *proc,
    const char *pipe)
{
	add(f, rule, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":\"%s\","
	    "\"eventType\":\"FILE_CREATION\",\"productEventType\":\"17\"},"
	    "\"principal\":{\"hostname\":\"%s\",\"process\":{\"file\":"
	    "{\"fullPath\":\"%s\"}}},\"target\":{\"resource\":{\"name\":"
	    "\"\\\\%s\"}}}", nid(f), ts(sec), host, proc, pipe);
}

/* A process on HOST started with CMDLINE (image PATH). */
static void
ev_cmd(struct fx *f, int rule, int64_t sec, const char *host, const char *ip,
    const char *path, const char *cmdline)
{
	add(f, rule, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":\"%s\","
	    "\"eventType\":\"PROCESS_LAUNCH\",\"productEventType\":\"1\"},"
	    "\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],\"user\":"
	    "{\"userid\":\"pgustavo\"}},\"target\":{\"process\":{\"file\":"
	    "{\"fullPath\":\"%s\"},\"commandLine\":\"%s\"}}}", nid(f), ts(sec),
	    host, ip, path, cmdline);
}

/*
 * Run the batch built so far as the pipeline does: store every event,
 * match (the rules given), correlate the new ones, commit.
 */
static void
run(struct fx *f)
{
	struct lmh_event *evs = calloc(MAXEV, sizeof(*evs));
	struct lmh_hit *hits = calloc(MAXEV * 2, sizeof(*hits));
	size_t i, nh = 0;
	char why[256];
	int k;

	assert_non_null(evs);
	assert_non_null(hits);
	assert_int_equal(store_begin(f->st), 0);
	for (i = 0; i < f->n; i++) {
		if (udm_parse(f->json[i], strlen(f->json[i]), &evs[i], why,
		    sizeof(why)) != 0)
			fail_msg("udm_parse: %s: %s", why, f->json[i]);
		assert_int_not_equal(store_insert_event(f->st, &evs[i]), -1);
		for (k = 0; k < 2; k++)
			if (f->rule[i][k] >= 0) {
				hits[nh].ev = &evs[i];
				hits[nh].rule = &f->rules[f->rule[i][k]];
				nh++;
			}
	}
	assert_int_equal(correlate_batch(f->c, f->st, evs, f->n, hits, nh), 0);
	assert_int_equal(store_commit(f->st), 0);
	for (i = 0; i < f->n; i++) {
		udm_event_free(&evs[i]);
		free(f->json[i]);
	}
	f->n = 0;
	free(evs);
	free(hits);
}

/* Count one evidence event. */
static int
count_cb(const char *id, void *arg)
{
	(void)id;
	(*(int *)arg)++;
	return 0;
}

/* Copy one finding. */
static int
fnd_cb(const struct lmh_finding *lf, void *arg)
{
	struct fnds *fs = arg;
	struct fnd *d;

	if (fs->n >= sizeof(fs->f) / sizeof(fs->f[0]))
		return 1;
	d = &fs->f[fs->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->kind, sizeof(d->kind), "%s", lf->kind);
	snprintf(d->src_host, sizeof(d->src_host), "%s", lf->source_host);
	snprintf(d->src_ip, sizeof(d->src_ip), "%s", lf->source_ip);
	snprintf(d->tgt_host, sizeof(d->tgt_host), "%s", lf->target_host);
	snprintf(d->user, sizeof(d->user), "%s", lf->user);
	snprintf(d->chain, sizeof(d->chain), "%s", lf->chain);
	snprintf(d->expl, sizeof(d->expl), "%s", lf->explanation);
	assert_true(strlen(lf->explanation) < LMH_EXPLAIN_MAX);
	d->id = lf->id;
	d->score = lf->score;
	d->count = lf->count;
	d->tripped = lf->tripped;
	d->suppressed = lf->suppressed;
	d->local = lf->local;
	return 0;
}

/* All findings, with their evidence counts. */
static void
findings(struct fx *f, struct fnds *fs)
{
	size_t i;

	fs->n = 0;
	assert_int_equal(store_findings_foreach(f->st, fnd_cb, fs), 0);
	for (i = 0; i < fs->n; i++)
		assert_int_equal(store_finding_evidence(f->st, fs->f[i].id,
		    count_cb, &fs->f[i].nevidence), 0);
}

/* The only finding of KIND (fails when there is none or several). */
static struct fnd *
one(struct fnds *fs, const char *kind)
{
	struct fnd *r = NULL;
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].kind, kind) == 0) {
			if (r != NULL)
				fail_msg("several findings of kind %s", kind);
			r = &fs->f[i];
		}
	if (r == NULL)
		fail_msg("no finding of kind %s", kind);
	return r;
}

/* How many findings of KIND. */
static size_t
nkind(struct fnds *fs, const char *kind)
{
	size_t i, n = 0;

	for (i = 0; i < fs->n; i++)
		n += strcmp(fs->f[i].kind, kind) == 0;
	return n;
}

/* ------------------------------------------------------------------ */

/* host_key: case, domain suffix, addresses and placeholders. */
static void
test_host_key(void **state)
{
	char k[64];

	(void)state;
	host_key("WORKSTATION6.theshire.local", k, sizeof(k));
	assert_string_equal(k, "workstation6");
	host_key("workstation6", k, sizeof(k));
	assert_string_equal(k, "workstation6");
	host_key("10.0.0.5", k, sizeof(k));
	assert_string_equal(k, "");
	host_key("-", k, sizeof(k));
	assert_string_equal(k, "");
	host_key("localhost", k, sizeof(k));
	assert_string_equal(k, "");
	host_key(NULL, k, sizeof(k));
	assert_string_equal(k, "");
	host_key("VERYLONGHOSTNAME", k, 5);
	assert_string_equal(k, "very");
}

/*
 * Service execution on WS6 and a network logon from WS5 (10.0.0.5): in
 * both arrival orders, in one batch and split across two, the execution
 * finding names WS5 as source, carries the logon chain and trips.  The
 * target is named in another case and with its domain.
 */
static void
test_logon_chain_orders(void **state)
{
	int order, split;
	struct fnds fs;
	struct fnd *x;

	(void)state;
	for (order = 0; order < 2; order++)
		for (split = 0; split < 2; split++) {
			struct fx *f = fx_new(NULL);

			ev_host(f, -600, "WS5.corp.local", "10.0.0.5");
			run(f);
			if (order == 0)
				ev_exec(f, R_EXEC, 0, "WS6.corp.local",
				    "10.0.0.6", "C:\\\\Windows\\\\evil.exe");
			else
				ev_logon(f, -3, "ws6", "10.0.0.6", "10.0.0.5",
				    "pgustavo");
			if (split)
				run(f);
			if (order == 0)
				ev_logon(f, -3, "ws6", "10.0.0.6", "10.0.0.5",
				    "pgustavo");
			else
				ev_exec(f, R_EXEC, 0, "WS6.corp.local",
				    "10.0.0.6", "C:\\\\Windows\\\\evil.exe");
			run(f);
			findings(f, &fs);
			assert_int_equal(fs.n, 1);
			x = one(&fs, "svc-child");
			assert_string_equal(x->src_ip, "10.0.0.5");
			assert_string_equal(x->src_host, "WS5.corp.local");
			assert_string_equal(x->tgt_host, "WS6.corp.local");
			assert_non_null(strstr(x->chain, "network logon"));
			assert_true(x->tripped);
			assert_false(x->local);
			assert_int_equal(x->nevidence, 2);
			assert_non_null(strstr(x->expl, "join"));
			assert_non_null(strstr(x->expl, "case_threshold"));
			assert_int_equal(correlate_stats(f->c)->joins, 1);
			assert_int_equal(correlate_stats(f->c)->tripped, 1);
			fx_free(f);
		}
}

/*
 * T1570: an executable written to ADMIN$ from 10.0.0.5 and then started
 * by services.exe: both orders, both splits; the execution finding gets
 * the share-write and written-then-started chains and the source.
 */
static void
test_transfer_chain_orders(void **state)
{
	int order, split;
	struct fnds fs;
	struct fnd *x;

	(void)state;
	for (order = 0; order < 2; order++)
		for (split = 0; split < 2; split++) {
			struct fx *f = fx_new(NULL);

			if (order == 0)
				ev_write(f, 0, "WS6", "10.0.0.6", "10.0.0.5",
				    "ADMIN$", "PSEXESVC.exe");
			else
				ev_exec(f, R_EXEC, 2, "WS6", "10.0.0.6",
				    "C:\\\\Windows\\\\PSEXESVC.exe");
			if (split)
				run(f);
			if (order == 0)
				ev_exec(f, R_EXEC, 2, "WS6", "10.0.0.6",
				    "C:\\\\Windows\\\\PSEXESVC.exe");
			else
				ev_write(f, 0, "WS6", "10.0.0.6", "10.0.0.5",
				    "ADMIN$", "PSEXESVC.exe");
			run(f);
			findings(f, &fs);
			x = one(&fs, "svc-child");
			assert_string_equal(x->src_ip, "10.0.0.5");
			assert_non_null(strstr(x->chain, "admin-share write"));
			assert_non_null(strstr(x->chain, "T1570"));
			assert_true(x->tripped);
			x = one(&fs, "share-write");
			assert_string_equal(x->src_ip, "10.0.0.5");
			assert_non_null(strstr(x->chain, "T1570"));
			fx_free(f);
		}
}

/*
 * A PSEXESVC pipe naming the client host: the execution finding takes
 * the client as source (both orders), with the pipe chain.
 */
static void
test_pipe_chain_orders(void **state)
{
	int order;
	struct fnds fs;
	struct fnd *x;

	(void)state;
	for (order = 0; order < 2; order++) {
		struct fx *f = fx_new(NULL);

		if (order == 0)
			ev_pipe(f, -1, 1, "WS6", "C:\\\\Windows\\\\PSEXESVC.exe",
			    "PSEXESVC-WS5-4242-stdin");
		ev_exec(f, R_EXEC, 2, "WS6", "10.0.0.6",
		    "C:\\\\Windows\\\\cmd.exe");
		run(f);
		if (order == 1) {
			ev_pipe(f, -1, 1, "WS6", "C:\\\\Windows\\\\PSEXESVC.exe",
			    "PSEXESVC-WS5-4242-stdin");
			run(f);
		}
		findings(f, &fs);
		x = one(&fs, "svc-child");
		assert_string_equal(x->src_host, "WS5");
		assert_non_null(strstr(x->chain, "pipe"));
		assert_false(x->local);
		fx_free(f);
	}
}

/*
 * A late event: the execution was processed alone (unknown source, below
 * the threshold); a later batch brings the logon from within the window
 * and the finding gets its source and trips then.  A logon outside the
 * window joins nothing.
 */
static void
test_late_event(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	struct fnd *x;

	(void)state;
	ev_exec(f, R_EXEC, 0, "WS6", "10.0.0.6", "C:\\\\Windows\\\\evil.exe");
	run(f);
	findings(f, &fs);
	x = one(&fs, "svc-child");
	assert_string_equal(x->src_ip, "");
	assert_false(x->tripped);
	assert_true(x->score < 70);

	/* outside smb_window + clock_skew (150 s): no join */
	ev_logon(f, 400, "WS6", "10.0.0.6", "10.0.0.9", "mallory");
	run(f);
	findings(f, &fs);
	x = one(&fs, "svc-child");
	assert_string_equal(x->src_ip, "");
	assert_int_equal(correlate_stats(f->c)->joins, 0);

	/* inside, arriving late */
	ev_logon(f, 140, "WS6", "10.0.0.6", "10.0.0.5", "pgustavo");
	run(f);
	findings(f, &fs);
	assert_int_equal(fs.n, 1);
	x = one(&fs, "svc-child");
	assert_string_equal(x->src_ip, "10.0.0.5");
	assert_true(x->tripped);
	assert_non_null(strstr(x->expl, "late join"));
	assert_int_equal(correlate_stats(f->c)->joins, 1);
	fx_free(f);
}

/* A file created by System (Sysmon 11) on HOST: a transfer, no source. */
static void
ev_sysfile(struct fx *f, int64_t sec, const char *host, const char *ip,
    const char *path)
{
	add(f, R_TRANSFER, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":"
	    "\"%s\",\"eventType\":\"FILE_CREATION\",\"productEventType\":\"11\"},"
	    "\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],\"process\":"
	    "{\"pid\":\"4\",\"file\":{\"fullPath\":\"System\"}}},\"target\":"
	    "{\"file\":{\"fullPath\":\"%s\"}}}", nid(f), ts(sec), host, ip,
	    path);
}

/*
 * A transfer that names no source (a file System wrote) takes the source
 * of a logon that arrives in a later batch, as execution does.
 */
static void
test_late_transfer_source(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	struct fnd *x;

	(void)state;
	ev_sysfile(f, 0, "WS6", "10.0.0.6", "C:\\\\ProgramData\\\\Grunt.exe");
	run(f);
	findings(f, &fs);
	assert_string_equal(one(&fs, "share-write")->src_ip, "");
	ev_logon(f, -1, "WS6", "10.0.0.6", "10.0.0.5", "pgustavo");
	run(f);
	findings(f, &fs);
	x = one(&fs, "share-write");
	assert_string_equal(x->src_ip, "10.0.0.5");
	assert_non_null(strstr(x->expl, "late join"));
	fx_free(f);
}

/*
 * DHCP reuse: 10.0.0.50 belonged to HOSTA half an hour earlier (within
 * the asset slack) and belongs to HOSTB now.  A connection from WS5 to
 * 10.0.0.50 joins execution on HOSTB, not on HOSTA.
 */
static void
test_dhcp_reuse(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	size_t i;

	(void)state;
	ev_host(f, -1800, "HOSTA", "10.0.0.50");
	ev_host(f, -7200, "HOSTB", "10.0.0.77");
	ev_host(f, -60, "HOSTB", "10.0.0.50");
	ev_host(f, -60, "HOSTA", "10.0.0.88");
	ev_host(f, -60, "WS5", "10.0.0.5");
	run(f);
	ev_conn(f, 0, "WS5", "10.0.0.5", 50000, "10.0.0.50", 445, "OUTBOUND");
	ev_exec(f, R_EXEC, 1, "HOSTA", "10.0.0.88", "C:\\\\a.exe");
	ev_exec(f, R_SVC, 1, "HOSTB", "10.0.0.50", "C:\\\\b.exe");
	run(f);
	findings(f, &fs);
	assert_int_equal(fs.n, 2);
	for (i = 0; i < fs.n; i++) {
		if (strcmp(fs.f[i].tgt_host, "HOSTA") == 0) {
			assert_string_equal(fs.f[i].src_ip, "");
			assert_string_equal(fs.f[i].src_host, "");
		} else {
			assert_string_equal(fs.f[i].tgt_host, "HOSTB");
			assert_string_equal(fs.f[i].src_host, "WS5");
			assert_string_equal(fs.f[i].src_ip, "10.0.0.5");
		}
	}
	fx_free(f);
}

/* Write an executable from SRC to host HOST (one transfer finding each). */
static void
fan_write(struct fx *f, int64_t sec, int host)
{
	char h[32], ip[32];

	snprintf(h, sizeof(h), "SRV%d", host);
	snprintf(ip, sizeof(ip), "10.0.1.%d", host);
	ev_write(f, sec, h, ip, "10.0.0.5", "C$", "tool.exe");
}

/* Share access on HOST from SRCIP to SHARE, object FILE (5145, access). */
static void
ev_share(struct fx *f, int64_t sec, const char *host, const char *ip,
    const char *srcip, const char *share, const char *file)
{
	add(f, R_ACCESS, -1, "{\"metadata\":{\"id\":\"e%d\",\"eventTimestamp\":"
	    "\"%s\",\"eventType\":\"USER_RESOURCE_ACCESS\",\"productEventType\":"
	    "\"5145\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],"
	    "\"user\":{\"userid\":\"pgustavo\"}},\"target\":{\"resource\":"
	    "{\"name\":\"\\\\\\\\*\\\\%s\"},\"file\":{\"fullPath\":\"%s\"}},"
	    "\"src\":{\"ip\":[\"%s\"]}}", nid(f), ts(sec), host, ip, share, file,
	    srcip);
}

/*
 * Find-LocalAdminAccess shape: one source opens svcctl over IPC$ and logs
 * on to many hosts without executing anything: no fan-out, no finding.
 * Admin-share (C$) access to as many hosts is fan-out.
 */
static void
test_fanout_access(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	char h[32], ip[32];
	int i;

	(void)state;
	for (i = 1; i <= 5; i++) {
		snprintf(h, sizeof(h), "SRV%d", i);
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		ev_logon(f, i, h, ip, "10.0.0.5", "pgustavo");
		ev_share(f, i, h, ip, "10.0.0.5", "IPC$", "svcctl");
	}
	run(f);
	findings(f, &fs);
	assert_int_equal(fs.n, 0);
	for (i = 1; i <= 3; i++) {
		snprintf(h, sizeof(h), "SRV%d", i);
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		ev_share(f, 10 + i, h, ip, "10.0.0.5", "C$", "Windows");
	}
	run(f);
	findings(f, &fs);
	assert_int_equal(fs.n, 1);
	assert_int_equal(one(&fs, "fanout")->count, 3);
	fx_free(f);
}

/*
 * A join lookup reads at most LMH_JOIN_ROWS_MAX rows: a target flooded
 * with more connections than that still joins (the oldest rows), and
 * retention deletes hit rows in bounded chunks.
 */
static void
test_join_rows_limit(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	int i;

	(void)state;
	for (i = 0; i < LMH_JOIN_ROWS_MAX + 20; i++)
		ev_conn(f, -60 + i / 10, "WS6", "10.0.0.5", 50000 + i,
		    "10.0.0.6", 445, "INBOUND");
	run(f);
	ev_exec(f, R_EXEC, 0, "WS6", "10.0.0.6", "C:\\\\x.exe");
	run(f);
	findings(f, &fs);
	assert_string_equal(one(&fs, "svc-child")->src_ip, "10.0.0.5");
	/* retention: chunks of 100 until none is left */
	assert_int_equal(store_hits_prune(f->st, T0 + 86400 * S, 100), 100);
	assert_int_equal(store_hits_prune(f->st, T0 + 86400 * S, 100), 100);
	assert_int_equal(store_hits_prune(f->st, T0 + 86400 * S, 100),
	    LMH_JOIN_ROWS_MAX + 20 + 1 - 200);
	assert_int_equal(store_hits_prune(f->st, T0 + 86400 * S, 100), 0);
	fx_free(f);
}

/*
 * A fan-out check reads at most LMH_FANOUT_ROWS_MAX rows of a source: a
 * source that floods one target past that limit is checked on the rows
 * read (its three targets, seen first, still make a fan-out finding).
 */
static void
test_fanout_rows_limit(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	int i;

	(void)state;
	fan_write(f, 1, 2);
	fan_write(f, 2, 3);
	run(f);
	for (i = 0; i < LMH_FANOUT_ROWS_MAX + 10; i++) {
		if (f->n == MAXEV)
			run(f);
		fan_write(f, 3 + i / 100, 1);
	}
	run(f);
	findings(f, &fs);
	assert_int_equal(one(&fs, "fanout")->count, 3);
	fx_free(f);
}

/* Fan-out: fanout_hosts - 1 targets is no fan-out finding; N is one. */
static void
test_fanout(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	struct fnd *x;
	int i;

	(void)state;
	for (i = 1; i < 3; i++)			/* N - 1 = 2 */
		fan_write(f, i * 10, i);
	fan_write(f, 40, 1);			/* the same target again */
	run(f);
	findings(f, &fs);
	assert_int_equal(nkind(&fs, "fanout"), 0);
	assert_int_equal(correlate_stats(f->c)->fanout, 0);

	/* a third target, but outside fanout_window (600 s): still none */
	fan_write(f, 2000, 3);
	run(f);
	findings(f, &fs);
	assert_int_equal(nkind(&fs, "fanout"), 0);

	/* a third distinct target within the window */
	fan_write(f, 50, 4);
	run(f);
	findings(f, &fs);
	x = one(&fs, "fanout");
	assert_int_equal(x->count, 3);
	assert_string_equal(x->src_ip, "10.0.0.5");
	assert_true(x->tripped);
	assert_non_null(strstr(x->expl, "fan-out"));
	assert_true(x->nevidence >= 3);
	assert_int_equal(correlate_stats(f->c)->fanout, 1);
	fx_free(f);
}

/* Logon + execution from SRC; returns the execution finding's score. */
static int64_t
admin_run(const char *admin, const char *srchost, bool *tripped, char *expl,
    size_t len)
{
	struct fx *f = fx_new(admin);
	struct fnds fs;
	struct fnd *x;
	int64_t score;

	ev_host(f, -60, srchost, "10.0.0.5");
	ev_logon(f, -3, "SRV9", "10.0.0.9", "10.0.0.5", "admin");
	ev_exec(f, R_EXEC, 0, "SRV9", "10.0.0.9", "C:\\\\Windows\\\\x.exe");
	run(f);
	findings(f, &fs);
	x = one(&fs, "svc-child");
	score = x->score;
	*tripped = x->tripped;
	snprintf(expl, len, "%s", x->expl);
	fx_free(f);
	return score;
}

/*
 * Source class: the same chain from an admin source (CIDR or host name)
 * scores lower and does not trip; from a workstation it scores higher;
 * both are explained.
 */
static void
test_source_class(void **state)
{
	char expl[LMH_EXPLAIN_MAX];
	int64_t plain, admin, admin_host, ws;
	bool tripped;

	(void)state;
	plain = admin_run(NULL, "JUMP01", &tripped, expl, sizeof(expl));
	assert_true(tripped);
	assert_null(strstr(expl, "admin source"));
	admin = admin_run("10.0.0.0/24", "JUMP01", &tripped, expl,
	    sizeof(expl));
	assert_true(admin < plain);
	assert_false(tripped);
	assert_non_null(strstr(expl, "admin source"));
	assert_non_null(strstr(expl, "10.0.0.0/24"));
	admin_host = admin_run("jump01.corp.local", "JUMP01", &tripped, expl,
	    sizeof(expl));
	assert_int_equal(admin_host, admin);
	assert_non_null(strstr(expl, "admin source"));
	/* 10.0.1.0/24 does not contain 10.0.0.5 */
	assert_int_equal(admin_run("10.0.1.0/24", "JUMP01", &tripped, expl,
	    sizeof(expl)), plain);
	ws = admin_run(NULL, "WORKSTATION5", &tripped, expl, sizeof(expl));
	assert_true(ws > plain);
	assert_non_null(strstr(expl, "workstation"));
}

/*
 * A suppression of the rule on the target, expiring at T0 + 2h: the
 * finding is recorded and marked while it holds, never trips; once it
 * has expired, new evidence trips the finding.
 */
static void
test_suppression_expires(void **state)
{
	struct fx *f = fx_new(NULL);
	struct lmh_suppression sp;
	const int64_t *ids;
	struct fnds fs;
	struct fnd *x;

	(void)state;
	memset(&sp, 0, sizeof(sp));
	sp.kind = "svc-child";
	sp.target = "ws6.corp.local";		/* matched without the domain */
	sp.reason = "patch window";
	sp.owner = "ops";
	sp.created_us = T0;
	sp.expires_us = T0 + 7200 * S;
	assert_true(store_suppression_add(f->st, &sp) > 0);

	correlate_set_now(f->c, T0 + 3600 * S);	/* before expiry */
	ev_logon(f, -3, "WS6", "10.0.0.6", "10.0.0.5", "pgustavo");
	ev_exec(f, R_EXEC, 0, "WS6", "10.0.0.6", "C:\\\\Windows\\\\evil.exe");
	run(f);
	findings(f, &fs);
	x = one(&fs, "svc-child");
	assert_true(x->suppressed);
	assert_false(x->tripped);
	assert_true(x->score >= 70);
	assert_non_null(strstr(x->expl, "patch window"));
	assert_int_equal(correlate_stats(f->c)->tripped, 0);
	assert_int_equal(correlate_tripped(f->c, &ids), 0);

	correlate_set_now(f->c, T0 + 3 * 3600 * S);	/* after expiry */
	ev_exec(f, R_EXEC, 10, "WS6", "10.0.0.6", "C:\\\\Windows\\\\evil.exe");
	run(f);
	findings(f, &fs);
	x = one(&fs, "svc-child");
	assert_false(x->suppressed);
	assert_true(x->tripped);
	assert_int_equal(x->count, 2);
	assert_int_equal(correlate_stats(f->c)->tripped, 1);
	assert_int_equal(correlate_tripped(f->c, &ids), 1);
	assert_int_equal(ids[0], x->id);

	/* a later hit updates it without tripping again */
	ev_exec(f, R_EXEC, 20, "WS6", "10.0.0.6", "C:\\\\Windows\\\\evil.exe");
	run(f);
	assert_int_equal(correlate_stats(f->c)->tripped, 1);
	assert_int_equal(correlate_tripped(f->c, &ids), 0);
	fx_free(f);
}

/*
 * Bad input: timestamps beyond max_clock_skew (future; and past beyond
 * lookback when a reference is set), events with no host and no IP,
 * loopback and link-local sources, the same event twice.
 */
static void
test_bad_input(void **state)
{
	struct fx *f = fx_new(NULL);
	struct lmh_event ev;
	struct lmh_hit hit;
	struct fnds fs;
	struct fnd *x;
	char why[128];
	const char *dup = "{\"metadata\":{\"id\":\"dup\",\"eventTimestamp\":"
	    "\"2020-09-20T06:57:50Z\",\"eventType\":\"PROCESS_LAUNCH\"},"
	    "\"principal\":{\"hostname\":\"WS7\"},\"target\":{\"process\":"
	    "{\"file\":{\"fullPath\":\"C:\\\\x.exe\"}}}}";
	const struct correlate_stats *cs = correlate_stats(f->c);

	(void)state;
	/* 3 days in the future of the reference (T0 + 1h) */
	ev_exec(f, R_EXEC, 3 * 86400, "WS6", "10.0.0.6", "C:\\\\f.exe");
	/* older than lookback (72 h) + max_clock_skew (24 h) */
	ev_exec(f, R_EXEC, -5 * 86400, "WS6", "10.0.0.6", "C:\\\\p.exe");
	/* no host, no IP */
	add(f, R_EXEC, -1, "{\"metadata\":{\"id\":\"nohost\",\"eventTimestamp\":"
	    "\"%s\",\"eventType\":\"PROCESS_LAUNCH\"},\"target\":{\"process\":"
	    "{\"file\":{\"fullPath\":\"C:\\\\n.exe\"}}}}", ts(0));
	run(f);
	assert_int_equal(cs->rejected_skew, 2);
	assert_int_equal(cs->no_host, 1);
	findings(f, &fs);
	assert_int_equal(fs.n, 0);

	/* loopback, ::1 and link-local sources are no remote source */
	ev_logon(f, -3, "WS6", "10.0.0.6", "127.0.0.1", "pgustavo");
	ev_logon(f, -2, "WS6", "10.0.0.6", "::1", "pgustavo");
	ev_logon(f, -1, "WS6", "10.0.0.6", "169.254.10.1", "pgustavo");
	ev_conn(f, -1, "WS6", "127.0.0.1", 50000, "127.0.0.1", 445, "INBOUND");
	ev_exec(f, R_EXEC, 0, "WS6", "10.0.0.6", "C:\\\\w.exe");
	run(f);
	findings(f, &fs);
	x = one(&fs, "svc-child");
	assert_string_equal(x->src_ip, "");
	assert_string_equal(x->src_host, "");
	assert_true(cs->bad_ip >= 4);
	assert_int_equal(cs->joins, 0);

	/* the same event twice: the second is a duplicate, counted once */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(udm_parse(dup, strlen(dup), &ev, why, sizeof(why)), 0);
	assert_int_equal(store_insert_event(f->st, &ev), 1);
	hit.ev = &ev;
	hit.rule = &f->rules[R_EXEC];
	assert_int_equal(correlate_batch(f->c, f->st, &ev, 1, &hit, 1), 0);
	udm_event_free(&ev);
	assert_int_equal(udm_parse(dup, strlen(dup), &ev, why, sizeof(why)), 0);
	assert_int_equal(store_insert_event(f->st, &ev), 0);
	assert_int_equal(ev.rowid, 0);
	assert_int_equal(correlate_batch(f->c, f->st, &ev, 1, &hit, 1), 0);
	udm_event_free(&ev);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(cs->duplicates, 1);
	findings(f, &fs);
	assert_int_equal(fs.n, 2);
	for (size_t i = 0; i < fs.n; i++)
		assert_int_equal(fs.f[i].count, 1);
	fx_free(f);
}

/*
 * Local PsExec (-s on one host): PsExec.exe started without \\host, the
 * pipe named after the host itself, the service started: findings are
 * classified local, score at most 10, never trip, and say why; also when
 * a connection from elsewhere happens around it.
 */
static void
test_local_psexec(void **state)
{
	static const int64_t thresholds[] = { 70, 5 };
	struct fnds fs;
	struct fx *f;
	size_t i, k;

	(void)state;
	/* also with a case_threshold under the local score cap */
	for (k = 0; k < 2; k++) {
		f = fx_new(NULL);
		f->cf.case_threshold = thresholds[k];
		ev_cmd(f, -1, -2, "WS5", "10.0.0.5", "C:\\\\Tools\\\\PsExec.exe",
		    "PsExec.exe -accepteula -s reg save x");
		ev_pipe(f, R_SVC, 0, "WS5", "C:\\\\Windows\\\\PSEXESVC.exe",
		    "PSEXESVC-WS5-7256-stdin");
		ev_conn(f, 1, "WS5", "10.0.0.9", 50000, "10.0.0.5", 445,
		    "INBOUND");
		ev_exec(f, R_EXEC, 1, "WS5", "10.0.0.5",
		    "C:\\\\Windows\\\\PSEXESVC.exe");
		run(f);
		findings(f, &fs);
		assert_int_equal(fs.n, 2);
		for (i = 0; i < fs.n; i++) {
			assert_true(fs.f[i].local);
			assert_false(fs.f[i].tripped);
			assert_true(fs.f[i].score <= 10);
			assert_non_null(strstr(fs.f[i].expl, "local execution"));
		}
		assert_int_equal(correlate_stats(f->c)->local, 2);
		assert_int_equal(correlate_stats(f->c)->tripped, 0);
		fx_free(f);
	}
}

/*
 * PsExec with a renamed service (-r svchost) against the host itself: the
 * pipe names the host, but the renaming hides the tool, so the finding
 * stays one, not classified local (test_local_psexec: the default name).
 */
static void
test_local_psexec_renamed(void **state)
{
	static const char *const names[] = { "svchost", "PSEXESVC" };
	struct fnds fs;
	struct fx *f;
	size_t i, k;
	char p1[64], p2[64];

	(void)state;
	for (k = 0; k < 2; k++) {
		f = fx_new(NULL);
		snprintf(p1, sizeof(p1), "%s-WS5-8116-stdin", names[k]);
		snprintf(p2, sizeof(p2), "%s-WS5-8116-stdout", names[k]);
		ev_pipe(f, R_SVC, 0, "WS5", "C:\\\\Windows\\\\svchost.exe", p1);
		ev_pipe(f, R_SVC, 0, "WS5", "C:\\\\Windows\\\\svchost.exe", p2);
		run(f);
		findings(f, &fs);
		assert_true(fs.n >= 1);
		for (i = 0; i < fs.n; i++)
			if (fs.f[i].local != (k == 1))
				fail_msg("pipe %s: finding %s local=%d", p1,
				    fs.f[i].kind, fs.f[i].local);
		fx_free(f);
	}

	/* the whole local run with -r: client, written binary, pipe, exec */
	f = fx_new(NULL);
	ev_cmd(f, -1, -2, "WS5", "10.0.0.5", "C:\\\\Tools\\\\PsExec.exe",
	    "PsExec.exe -accepteula -r svcupd -s reg save x");
	ev_pipe(f, R_SVC, 0, "WS5", "C:\\\\Windows\\\\svcupd.exe",
	    "svcupd-WS5-7256-stdin");
	ev_exec(f, R_EXEC, 1, "WS5", "10.0.0.5", "C:\\\\Windows\\\\svcupd.exe");
	run(f);
	findings(f, &fs);
	assert_true(fs.n >= 1);
	for (i = 0; i < fs.n; i++)
		assert_false(fs.f[i].local);
	fx_free(f);
}

/*
 * Source-side launch: wmic /node:WS6 on WS5 is a finding from WS5 to WS6;
 * execution on WS6 in the window joins it as source (either order); a
 * launch naming the host itself is local.
 */
static void
test_launch(void **state)
{
	int order;
	struct fnds fs;
	struct fnd *x;

	(void)state;
	for (order = 0; order < 2; order++) {
		struct fx *f = fx_new(NULL);

		if (order == 1) {
			ev_exec(f, R_EXEC, 3, "WS6", "10.0.0.6",
			    "C:\\\\Windows\\\\System32\\\\calc.exe");
			run(f);
		}
		ev_cmd(f, R_LAUNCH, 0, "WS5", "10.0.0.5",
		    "C:\\\\Windows\\\\System32\\\\wbem\\\\WMIC.exe",
		    "wmic /node:\\\"WS6\\\" process call create calc.exe");
		run(f);
		if (order == 0) {
			ev_exec(f, R_EXEC, 3, "WS6", "10.0.0.6",
			    "C:\\\\Windows\\\\System32\\\\calc.exe");
			run(f);
		}
		findings(f, &fs);
		x = one(&fs, "wmic-node");
		assert_string_equal(x->src_host, "WS5");
		assert_string_equal(x->tgt_host, "WS6");
		assert_false(x->local);
		x = one(&fs, "svc-child");
		assert_string_equal(x->src_host, "WS5");
		assert_non_null(strstr(x->chain, "command on the source"));
		fx_free(f);
	}
	{
		struct fx *f = fx_new(NULL);

		ev_cmd(f, R_LAUNCH, 0, "WS5", "10.0.0.5", "C:\\\\wmic.exe",
		    "wmic /node:127.0.0.1 process call create calc.exe");
		run(f);
		findings(f, &fs);
		x = one(&fs, "wmic-node");
		assert_true(x->local);
		assert_false(x->tripped);
		fx_free(f);
	}
}

/*
 * A launch that names no target (a PowerShell module log of
 * Invoke-SMBExec) pairs with the execution that came from the same source
 * in the window, in either order, and takes its target.
 */
static void
test_launch_pairing(void **state)
{
	int order;
	struct fnds fs;
	struct fnd *x;

	(void)state;
	for (order = 0; order < 2; order++) {
		struct fx *f = fx_new(NULL);

		ev_host(f, -600, "WS5", "10.0.0.5");
		run(f);
		if (order == 0) {
			ev_cmd(f, R_LAUNCH, -5, "WS5", "10.0.0.5",
			    "C:\\\\powershell.exe", "Invoke-SMBExec -Hash x");
			run(f);
		}
		ev_logon(f, -3, "WS6", "10.0.0.6", "10.0.0.5", "pgustavo");
		ev_exec(f, R_EXEC, 0, "WS6", "10.0.0.6", "C:\\\\cmd.exe");
		run(f);
		if (order == 1) {
			ev_cmd(f, R_LAUNCH, -5, "WS5", "10.0.0.5",
			    "C:\\\\powershell.exe", "Invoke-SMBExec -Hash x");
			run(f);
		}
		findings(f, &fs);
		x = one(&fs, "wmic-node");
		assert_string_equal(x->src_host, "WS5");
		assert_string_equal(x->tgt_host, "WS6");
		assert_non_null(strstr(x->expl, "paired"));
		fx_free(f);
	}
	/* an execution from another source does not pair */
	{
		struct fx *f = fx_new(NULL);

		ev_cmd(f, R_LAUNCH, -5, "WS5", "10.0.0.5",
		    "C:\\\\powershell.exe", "Invoke-SMBExec -Hash x");
		ev_logon(f, -3, "WS6", "10.0.0.6", "10.0.0.7", "pgustavo");
		ev_exec(f, R_EXEC, 0, "WS6", "10.0.0.6", "C:\\\\cmd.exe");
		run(f);
		findings(f, &fs);
		x = one(&fs, "wmic-node");
		assert_string_equal(x->tgt_host, "");
		fx_free(f);
	}
}

/* Evidence per finding stops at LMH_EVIDENCE_MAX; the count goes on. */
static void
test_evidence_limit(void **state)
{
	struct fx *f = fx_new(NULL);
	struct fnds fs;
	struct fnd *x;
	int i;

	(void)state;
	for (i = 0; i < LMH_EVIDENCE_MAX + 10; i++)
		ev_exec(f, R_EXEC, i, "WS6", "10.0.0.6", "C:\\\\x.exe");
	run(f);
	findings(f, &fs);
	x = one(&fs, "svc-child");
	assert_int_equal(x->count, LMH_EVIDENCE_MAX + 10);
	assert_int_equal(x->nevidence, LMH_EVIDENCE_MAX);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_key),
		cmocka_unit_test(test_logon_chain_orders),
		cmocka_unit_test(test_transfer_chain_orders),
		cmocka_unit_test(test_pipe_chain_orders),
		cmocka_unit_test(test_late_event),
		cmocka_unit_test(test_late_transfer_source),
		cmocka_unit_test(test_dhcp_reuse),
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_fanout_access),
		cmocka_unit_test(test_join_rows_limit),
		cmocka_unit_test(test_source_class),
		cmocka_unit_test(test_suppression_expires),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_fanout_rows_limit),
		cmocka_unit_test(test_local_psexec),
		cmocka_unit_test(test_local_psexec_renamed),
		cmocka_unit_test(test_launch),
		cmocka_unit_test(test_launch_pairing),
		cmocka_unit_test(test_evidence_limit),
	};

	log_init(LOG_DEST_STDERR, 0, "test_correlate");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
