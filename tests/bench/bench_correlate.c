/*
 * bench_correlate.c - ingest with correlation on: does a batch cost more
 * when the store already holds a large history?
 *
 * A deterministic generator writes a mixed UDM stream with lateral
 * movement in it (process launches, services.exe children on servers,
 * inbound SMB/RPC connections, network logons, admin-share writes,
 * PSEXESVC installs).  The benchmark fills a file database with HISTORY
 * events through the whole pipeline (hunt_batch: store, the rule pack,
 * correlation), then times the same BATCH-event batches through
 * hunt_batch into an empty database and into the full one, alternating,
 * and prints the medians, their ratio (target: full / empty <= 1.3, as
 * for the store alone) and the correlation counters.
 *
 * usage: bench_correlate [-n history] [-b batch] [-k batches] [-d dir]
 *            [-f lmhuntd.conf] [-r rules.d] [-l lists.d]
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lmhunt.h"
#include "splitmix.h"

#define BC_WORKSTATIONS	400
#define BC_SERVERS	40
#define BC_BATCHES_MAX	32
#define BC_STEP_US	10000		/* 10 ms of event time per event */

struct gen {
	uint64_t	 s;
	int64_t		 ts_us;
	uint64_t	 n;
	struct buf	 b;
};

/* Next pseudo-random value of G's sequence. */
static uint64_t
rnd(struct gen *g)
{
	return splitmix_next(&g->s);
}

/* Host number H's name and address: servers first, then workstations. */
static void
host_of(unsigned h, char *name, size_t nlen, char *ip, size_t iplen)
{
	if (h < BC_SERVERS) {
		snprintf(name, nlen, "SRV%02u.corp.local", h);
		snprintf(ip, iplen, "10.0.0.%u", 10 + h);
	} else {
		h -= BC_SERVERS;
		snprintf(name, nlen, "WS%03u.corp.local", h);
		snprintf(ip, iplen, "10.1.%u.%u", h / 200, 10 + h % 200);
	}
}

/* Write the next event of the stream into g->b. */
static void
gen_event(struct gen *g)
{
	char ts[40], host[64], ip[32], shost[64], sip[32];
	unsigned kind = (unsigned)(rnd(g) % 100), srv, ws;
	struct buf *b = &g->b;

	g->ts_us += BC_STEP_US;
	format_rfc3339(g->ts_us, ts, sizeof(ts));
	srv = (unsigned)(rnd(g) % BC_SERVERS);
	ws = BC_SERVERS + (unsigned)(rnd(g) % BC_WORKSTATIONS);
	host_of(srv, host, sizeof(host), ip, sizeof(ip));
	host_of(ws, shost, sizeof(shost), sip, sizeof(sip));
	buf_reset(b);
	buf_printf(b, "{\"metadata\":{\"id\":\"bc-%llu-%llx\",\"eventTimestamp\":"
	    "\"%s\",", (unsigned long long)g->n++,
	    (unsigned long long)(rnd(g) & 0xffffffff), ts);
	if (kind < 40) {
		/* a workstation process */
		buf_printf(b, "\"eventType\":\"PROCESS_LAUNCH\",\"productEventType\":"
		    "\"1\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],"
		    "\"user\":{\"userid\":\"user%u\"},\"process\":{\"file\":"
		    "{\"fullPath\":\"C:\\\\Windows\\\\explorer.exe\"}}},\"target\":"
		    "{\"process\":{\"file\":{\"fullPath\":\"C:\\\\Program Files\\\\"
		    "App\\\\app%u.exe\"},\"commandLine\":\"app.exe --id %u\"}}}",
		    shost, sip, ws, kind, (unsigned)rnd(g) % 100000);
	} else if (kind < 65) {
		/* an inbound SMB or RPC connection to a server */
		buf_printf(b, "\"eventType\":\"NETWORK_CONNECTION\",\"productEventType\":"
		    "\"3\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],"
		    "\"port\":%u,\"process\":{\"file\":{\"fullPath\":\"System\"}}},"
		    "\"target\":{\"ip\":[\"%s\"],\"port\":%u},\"network\":"
		    "{\"direction\":\"INBOUND\"}}", host, sip, 50000 +
		    (unsigned)(rnd(g) % 10000), ip, kind < 55 ? 445 : 135);
	} else if (kind < 80) {
		/* a network logon on a server */
		buf_printf(b, "\"eventType\":\"USER_LOGIN\",\"productEventType\":"
		    "\"4624\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"]},"
		    "\"target\":{\"user\":{\"userid\":\"user%u\"}},\"src\":{\"ip\":"
		    "[\"%s\"]},\"extensions\":{\"auth\":{\"mechanism\":"
		    "[\"NETWORK\"]}},\"additional\":{\"LogonType\":\"3\"}}", host,
		    ip, ws, sip);
	} else if (kind < 90) {
		/* share access: IPC$ mostly, an executable to ADMIN$ at times */
		bool write = kind == 80;

		buf_printf(b, "\"eventType\":\"USER_RESOURCE_ACCESS\","
		    "\"productEventType\":\"5145\"},\"principal\":{\"hostname\":"
		    "\"%s\",\"ip\":[\"%s\"],\"user\":{\"userid\":\"user%u\"}},"
		    "\"target\":{\"resource\":{\"name\":\"\\\\\\\\*\\\\%s\"},"
		    "\"file\":{\"fullPath\":\"%s\"}},\"src\":{\"ip\":[\"%s\"]},"
		    "\"additional\":{\"AccessMask\":\"%s\",\"AccessList\":\"%s\"}}",
		    host, ip, ws, write ? "ADMIN$" : "IPC$",
		    write ? "tool.exe" : "srvsvc", sip, write ? "0x2" : "0x1",
		    write ? "%%4417" : "%%4416");
	} else if (kind < 98) {
		/* a services.exe child on a server */
		buf_printf(b, "\"eventType\":\"PROCESS_LAUNCH\",\"productEventType\":"
		    "\"1\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],"
		    "\"user\":{\"userid\":\"SYSTEM\"},\"process\":{\"file\":"
		    "{\"fullPath\":\"C:\\\\Windows\\\\System32\\\\services.exe\"}}},"
		    "\"target\":{\"process\":{\"file\":{\"fullPath\":"
		    "\"C:\\\\Windows\\\\tool%u.exe\"},\"commandLine\":"
		    "\"tool.exe\"}}}", host, ip, kind);
	} else {
		/* a PSEXESVC install on a server */
		buf_printf(b, "\"eventType\":\"SERVICE_CREATION\",\"productEventType\":"
		    "\"7045\"},\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"]},"
		    "\"target\":{\"application\":\"PSEXESVC\",\"process\":{\"file\":"
		    "{\"fullPath\":\"%%SystemRoot%%\\\\PSEXESVC.exe\"}}}}", host,
		    ip);
	}
}

/* Parse N generated events into EVS; exits on a generator bug. */
static void
gen_batch(struct gen *g, struct lmh_event *evs, size_t n)
{
	char why[256];
	size_t i;

	for (i = 0; i < n; i++) {
		gen_event(g);
		if (udm_parse(g->b.data, g->b.len, &evs[i], why,
		    sizeof(why)) == -1)
			fatalx("generator: %s: %s", why, g->b.data);
	}
}

/* Free N parsed events. */
static void
free_batch(struct lmh_event *evs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		udm_event_free(&evs[i]);
}

/* Monotonic seconds. */
static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* qsort comparator for doubles. */
static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Open a fresh database at PATH with its pipeline. */
static struct store *
open_fresh(const char *path, struct hunt *h, const struct lmh_config *cf,
    struct ruleset *rs)
{
	struct store *st;
	char why[512], *p;

	unlink(path);
	p = xasprintf("%s-wal", path);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", path);
	unlink(p);
	free(p);
	if ((st = store_open(path, why, sizeof(why))) == NULL)
		fatalx("%s", why);
	if (hunt_init(h, cf, rs, st) == -1)
		fatalx("hunt_init");
	return st;
}

/* Print the correlation counters of H. */
static void
print_corr(const char *what, struct hunt *h)
{
	const struct correlate_stats *cs = correlate_stats(h->corr);

	printf("  %s: joins %llu, findings new %llu, updated %llu, tripped "
	    "%llu, fan-out %llu\n", what, (unsigned long long)cs->joins,
	    (unsigned long long)cs->findings_new,
	    (unsigned long long)cs->findings_updated,
	    (unsigned long long)cs->tripped, (unsigned long long)cs->fanout);
}

int
main(int argc, char **argv)
{
	const char *dir = "/tmp", *conf = "etc/lmhuntd.conf";
	const char *rules_dir = "etc/rules.d", *lists_dir = "etc/lists.d";
	long history = 1000000, batch = 10000, k = 5;
	struct lmh_config *cf;
	struct ruleset *rs;
	struct errlist errs = { 0 };
	struct hunt he, hf;
	struct store *se, *sf;
	struct lmh_event *a, *b;
	struct gen g = { .s = 1 };
	double te[BC_BATCHES_MAX], tf[BC_BATCHES_MAX], t0, me, mf;
	char *pe, *pf;
	long done, i;
	int c;

	while ((c = getopt(argc, argv, "b:d:f:k:l:n:r:")) != -1) {
		switch (c) {
		case 'b': batch = atol(optarg); break;
		case 'd': dir = optarg; break;
		case 'f': conf = optarg; break;
		case 'k': k = atol(optarg); break;
		case 'l': lists_dir = optarg; break;
		case 'n': history = atol(optarg); break;
		case 'r': rules_dir = optarg; break;
		default:
			fprintf(stderr, "usage: bench_correlate [-n history] "
			    "[-b batch] [-k batches] [-d dir] [-f conf] "
			    "[-r rules.d] [-l lists.d]\n");
			return 1;
		}
	}
	if (batch < 1 || batch > LMH_BATCH_MAX || k < 1 || k > BC_BATCHES_MAX ||
	    history < 0) {
		fprintf(stderr, "bench_correlate: -b 1..%d, -k 1..%d, -n >= 0\n",
		    LMH_BATCH_MAX, BC_BATCHES_MAX);
		return 1;
	}
	log_init(LOG_DEST_STDERR, 0, "bench_correlate");
	if ((cf = config_load(conf, &errs)) == NULL) {
		errlist_print(&errs, stderr);
		return 1;
	}
	cf->batch_events = batch;
	if ((rs = rules_load(rules_dir, lists_dir, &errs)) == NULL) {
		errlist_print(&errs, stderr);
		return 1;
	}
	a = xcalloc((size_t)batch, sizeof(*a));
	b = xcalloc((size_t)batch, sizeof(*b));
	buf_init(&g.b);
	/* history ends a little before now: no event is in the future */
	g.ts_us = now_us() - (history + (k + 2) * batch) * BC_STEP_US -
	    3600 * INT64_C(1000000);

	pe = xasprintf("%s/bench_correlate_empty.db", dir);
	pf = xasprintf("%s/bench_correlate_full.db", dir);
	se = open_fresh(pe, &he, cf, rs);
	sf = open_fresh(pf, &hf, cf, rs);
	t0 = now_s();
	for (done = 0; done < history; done += batch) {
		long n = history - done < batch ? history - done : batch;

		gen_batch(&g, a, (size_t)n);
		if (hunt_batch(&hf, a, (size_t)n) == -1)
			fatalx("hunt_batch (fill)");
		free_batch(a, (size_t)n);
	}
	printf("bench_correlate: %ld history events through store, rules and "
	    "correlation in %.1f s (%.0f events/s)\n", history,
	    now_s() - t0, history / (now_s() - t0 > 0 ? now_s() - t0 : 1));
	print_corr("history", &hf);

	for (i = 0; i < k; i++) {
		struct gen g2 = g;

		/* the same events, parsed twice: one copy per database */
		buf_init(&g2.b);
		gen_batch(&g, a, (size_t)batch);
		gen_batch(&g2, b, (size_t)batch);
		buf_free(&g2.b);
		if (i % 2 == 0) {
			t0 = now_s();
			if (hunt_batch(&he, a, (size_t)batch) == -1)
				fatalx("hunt_batch (empty)");
			te[i] = now_s() - t0;
			t0 = now_s();
			if (hunt_batch(&hf, b, (size_t)batch) == -1)
				fatalx("hunt_batch (full)");
			tf[i] = now_s() - t0;
		} else {
			t0 = now_s();
			if (hunt_batch(&hf, b, (size_t)batch) == -1)
				fatalx("hunt_batch (full)");
			tf[i] = now_s() - t0;
			t0 = now_s();
			if (hunt_batch(&he, a, (size_t)batch) == -1)
				fatalx("hunt_batch (empty)");
			te[i] = now_s() - t0;
		}
		free_batch(a, (size_t)batch);
		free_batch(b, (size_t)batch);
	}
	qsort(te, (size_t)k, sizeof(te[0]), cmp_d);
	qsort(tf, (size_t)k, sizeof(tf[0]), cmp_d);
	me = te[k / 2];
	mf = tf[k / 2];
	printf("batch of %ld events, median of %ld, store + rules + "
	    "correlation:\n", batch, k);
	printf("  empty database:        %.3f s (%.0f events/s)\n", me,
	    batch / me);
	printf("  database with %ld:  %.3f s (%.0f events/s)\n", history, mf,
	    batch / mf);
	printf("  ratio full/empty: %.2f (target <= 1.3): %s\n", mf / me,
	    mf / me <= 1.3 ? "met" : "NOT met");
	print_corr("empty", &he);
	print_corr("full", &hf);

	hunt_free(&he);
	hunt_free(&hf);
	store_close(se);
	store_close(sf);
	unlink(pe);
	unlink(pf);
	free(pe);
	free(pf);
	free(a);
	free(b);
	buf_free(&g.b);
	rules_free(rs);
	config_free(cf);
	return 0;
}
