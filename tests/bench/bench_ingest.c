/*
 * bench_ingest.c - how ingest time depends on the size of the event store.
 *
 * A deterministic generator writes UDM events as the API returns them
 * (Sysmon process launches, network connections on 445, 135 and other
 * ports, 7045 service installs, 4624 logons).  The benchmark fills a file
 * database with HISTORY events (5,000,000 by default) through the store
 * API, then times the same BATCH-event batches (udm_parse, then one
 * BEGIN IMMEDIATE ... COMMIT of store_insert_event) into an empty
 * database and into the full one, and prints both, their ratio and the
 * peak RSS.  The batches alternate between the two databases, so both
 * see the same load from the rest of the machine; medians are printed,
 * with wall and CPU time.  Target: full / empty <= 1.3.
 *
 * usage: bench_ingest [-n history] [-b batch] [-k batches] [-d dir] [-q]
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lmhunt.h"
#include "splitmix.h"

#define BENCH_HOSTS		400	/* workstations */
#define BENCH_SERVERS		40
#define BENCH_EXTERNAL		5000	/* distinct outside addresses */
#define BENCH_FILL_TX		50000	/* events per fill transaction */
#define BENCH_BATCHES_MAX	64

/* the generator's state: a splitmix64 sequence and the clock */
struct gen {
	uint64_t	 s;
	int64_t		 ts_us;
	struct buf	 b;
};

/* Next pseudo-random value of G's sequence. */
static uint64_t
rnd(struct gen *g)
{
	return splitmix_next(&g->s);
}

/* A pseudo-random value below N. */
static unsigned
below(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static const char *const programs[] = {
	"C:\\\\Windows\\\\System32\\\\svchost.exe",
	"C:\\\\Windows\\\\System32\\\\cmd.exe",
	"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe",
	"C:\\\\Program Files\\\\Google\\\\Chrome\\\\Application\\\\chrome.exe",
	"C:\\\\Windows\\\\System32\\\\conhost.exe",
	"C:\\\\Windows\\\\explorer.exe",
	"C:\\\\Windows\\\\System32\\\\taskhostw.exe",
	"C:\\\\Program Files\\\\Microsoft Office\\\\root\\\\Office16\\\\OUTLOOK.EXE",
	"C:\\\\Windows\\\\System32\\\\wbem\\\\WmiPrvSE.exe",
	"C:\\\\Windows\\\\System32\\\\services.exe",
};
#define NPROGRAMS (sizeof(programs) / sizeof(programs[0]))

static const char *const services[] = {
	"PSEXESVC", "BTOBTO", "gupdate", "MpKslDrv", "edgeupdate", "AdobeARMservice"
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

/* Append "name" (a host) and its IP for host number H. */
static void
host_of(unsigned h, char *name, size_t nlen, char *ip, size_t iplen)
{
	if (h < BENCH_SERVERS) {
		snprintf(name, nlen, "srv%02u.corp.local", h);
		snprintf(ip, iplen, "10.0.0.%u", 10 + h);
	} else {
		h -= BENCH_SERVERS;
		snprintf(name, nlen, "ws%03u.corp.local", h);
		snprintf(ip, iplen, "10.1.%u.%u", h / 200, 10 + h % 200);
	}
}

/*
 * Write the next event into g->b as one NDJSON line's text (no newline),
 * an events[] element shape {"name":...,"udm":{...}}; the clock advances
 * by 0-19 ms per event.
 */
static void
gen_event(struct gen *g)
{
	char ts[40], host[64], ip[32], thost[64], tip[32], id[40];
	uint64_t r1 = rnd(g), r2 = rnd(g);
	unsigned kind = below(g, 100), h, t, p;
	struct buf *b = &g->b;

	g->ts_us += below(g, 20000);
	format_rfc3339(g->ts_us, ts, sizeof(ts));
	snprintf(id, sizeof(id), "%08x-%04x-%04x-%04x-%012llx",
	    (unsigned)(r1 >> 32), (unsigned)(r1 >> 16) & 0xffff,
	    (unsigned)r1 & 0xffff, (unsigned)(r2 >> 48),
	    (unsigned long long)(r2 & 0xffffffffffffULL));
	h = below(g, BENCH_HOSTS + BENCH_SERVERS);
	host_of(h, host, sizeof(host), ip, sizeof(ip));
	t = below(g, BENCH_HOSTS + BENCH_SERVERS);
	host_of(t, thost, sizeof(thost), tip, sizeof(tip));

	buf_reset(b);
	buf_printf(b, "{\"name\":\"projects/p/locations/us/instances/i/events/"
	    "%s\",\"udm\":{\"metadata\":{\"id\":\"%s\",\"eventTimestamp\":\"%s\","
	    "\"ingestedTimestamp\":\"%s\",", id, id, ts, ts);
	if (kind < 45) {
		/* Sysmon 1: a process launch */
		p = below(g, NPROGRAMS);
		buf_printf(b, "\"eventType\":\"PROCESS_LAUNCH\",\"vendorName\":"
		    "\"Microsoft\",\"productName\":\"Microsoft-Windows-Sysmon\","
		    "\"productEventType\":\"1\",\"logType\":\"WINDOWS_SYSMON\"},"
		    "\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],"
		    "\"user\":{\"userid\":\"user%u\"},\"process\":{\"pid\":\"%u\","
		    "\"commandLine\":\"%s\",\"file\":{\"fullPath\":\"%s\"}}},"
		    "\"target\":{\"process\":{\"pid\":\"%u\",\"commandLine\":"
		    "\"\\\"%s\\\" --type=renderer --id=%u\",\"file\":{\"fullPath\":"
		    "\"%s\",\"sha256\":\"%016llx%016llx\"}}}}}", host, ip,
		    h % 97, below(g, 30000), programs[(p + 1) % NPROGRAMS],
		    programs[(p + 1) % NPROGRAMS], below(g, 30000), programs[p],
		    below(g, 1000000), programs[p], (unsigned long long)r1,
		    (unsigned long long)r2);
	} else if (kind < 80) {
		/* Sysmon 3: a connection, to 445, 135 or elsewhere */
		unsigned port, sel = below(g, 100);

		if (sel < 10)
			port = 445;
		else if (sel < 15)
			port = 135;
		else if (sel < 20)
			port = 49152 + below(g, 16000);
		else {
			static const unsigned common[] = { 443, 80, 53, 389, 88 };

			port = common[below(g, 5)];
			if (port == 443 || port == 80) {
				unsigned x = below(g, BENCH_EXTERNAL);

				snprintf(tip, sizeof(tip), "203.0.%u.%u",
				    x / 250, x % 250 + 1);
				snprintf(thost, sizeof(thost), "%s", "");
			}
		}
		buf_printf(b, "\"eventType\":\"NETWORK_CONNECTION\",\"vendorName\":"
		    "\"Microsoft\",\"productName\":\"Microsoft-Windows-Sysmon\","
		    "\"productEventType\":\"3\",\"logType\":\"WINDOWS_SYSMON\"},"
		    "\"principal\":{\"hostname\":\"%s\",\"ip\":[\"%s\"],"
		    "\"port\":%u,\"process\":{\"pid\":\"%u\",\"file\":{\"fullPath\":"
		    "\"%s\"}}},\"target\":{\"ip\":[\"%s\"],\"port\":%u%s%s%s},"
		    "\"network\":{\"ipProtocol\":\"TCP\",\"direction\":"
		    "\"OUTBOUND\"}}}", host, ip, 49152 + below(g, 16000),
		    below(g, 30000), programs[below(g, NPROGRAMS)], tip, port,
		    thost[0] ? ",\"hostname\":\"" : "", thost,
		    thost[0] ? "\"" : "");
	} else if (kind < 92) {
		/* 4624: a logon, network (3) or interactive (2) */
		buf_printf(b, "\"eventType\":\"USER_LOGIN\",\"vendorName\":"
		    "\"Microsoft\",\"productName\":"
		    "\"Microsoft-Windows-Security-Auditing\",\"productEventType\":"
		    "\"4624\",\"logType\":\"WINEVTLOG\"},\"principal\":{\"hostname\":"
		    "\"%s\"},\"target\":{\"hostname\":\"%s\",\"user\":{\"userid\":"
		    "\"user%u\"}},\"src\":{\"ip\":[\"%s\"],\"hostname\":\"%s\"},"
		    "\"extensions\":{\"auth\":{\"mechanism\":\"%s\"}},"
		    "\"additional\":{\"LogonType\":\"%s\"}}}", thost, thost,
		    h % 97, ip, host, kind % 2 ? "NETWORK" : "INTERACTIVE",
		    kind % 2 ? "3" : "2");
	} else {
		/* 7045: a service installed */
		const char *svc = services[below(g, NSERVICES)];

		buf_printf(b, "\"eventType\":\"SERVICE_CREATION\",\"vendorName\":"
		    "\"Microsoft\",\"productName\":\"Service Control Manager\","
		    "\"productEventType\":\"7045\",\"logType\":\"WINEVTLOG\"},"
		    "\"principal\":{\"hostname\":\"%s\",\"user\":{\"userid\":"
		    "\"LocalSystem\"}},\"target\":{\"application\":\"%s\","
		    "\"process\":{\"file\":{\"fullPath\":\"%%SystemRoot%%\\\\%s.exe\"},"
		    "\"commandLine\":\"%%SystemRoot%%\\\\%s.exe\"}}}}", host, svc,
		    svc, svc);
	}
}

/* Monotonic seconds. */
static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds used by this process (user and system). */
static double
cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Parse one event's text into EV or die with the reason. */
static void
parse_or_die(const char *text, size_t len, struct lmh_event *ev)
{
	char why[256];

	if (udm_parse(text, len, ev, why, sizeof(why)) == -1)
		fatalx("generated event does not parse: %s: %.200s", why, text);
}

/* Open PATH or die. */
static struct store *
open_or_die(const char *path)
{
	char why[512];
	struct store *st;

	if ((st = store_open(path, why, sizeof(why))) == NULL)
		fatalx("%s", why);
	return st;
}

/* Fill ST with N generated events in large transactions; seconds taken. */
static double
fill(struct store *st, struct gen *g, uint64_t n, bool quiet)
{
	struct lmh_event ev;
	double t0 = now_s();
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (i % BENCH_FILL_TX == 0) {
			if (i > 0 && store_commit(st) == -1)
				fatalx("fill: commit failed");
			if (store_begin(st) == -1)
				fatalx("fill: begin failed");
			if (!quiet && i % 500000 == 0 && i > 0)
				fprintf(stderr, "  %llu events, %.0f s\n",
				    (unsigned long long)i, now_s() - t0);
		}
		gen_event(g);
		parse_or_die(g->b.data, g->b.len, &ev);
		if (store_insert_event(st, &ev) != 1)
			fatalx("fill: insert failed");
		udm_event_free(&ev);
	}
	if (n > 0 && store_commit(st) == -1)
		fatalx("fill: commit failed");
	return now_s() - t0;
}

/* one timed batch: the event texts, generated beforehand */
struct batch {
	char	**text;
	size_t	 *len;
	size_t	  n;
};

/* times of one ingest */
struct timing {
	double	parse;			/* wall seconds */
	double	store;
	double	total;
	double	cpu;			/* CPU seconds, parse and store */
};

/* Ingest batch B into ST: parse, then store in one transaction. */
static void
ingest(struct store *st, const struct batch *b, struct lmh_event *evs,
    struct timing *tm)
{
	double t0, t1, t2, c0;
	size_t i;

	c0 = cpu_s();
	t0 = now_s();
	for (i = 0; i < b->n; i++)
		parse_or_die(b->text[i], b->len[i], &evs[i]);
	t1 = now_s();
	if (store_begin(st) == -1)
		fatalx("begin failed");
	for (i = 0; i < b->n; i++)
		if (store_insert_event(st, &evs[i]) != 1)
			fatalx("batch insert failed");
	if (store_commit(st) == -1)
		fatalx("commit failed");
	t2 = now_s();
	tm->cpu = cpu_s() - c0;
	for (i = 0; i < b->n; i++)
		udm_event_free(&evs[i]);
	tm->parse = t1 - t0;
	tm->store = t2 - t1;
	tm->total = t2 - t0;
}

/* Compare doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of field OFF (a double) of N timings. */
static double
median(const struct timing *tm, int n, size_t off)
{
	double v[BENCH_BATCHES_MAX];
	int i;

	for (i = 0; i < n; i++)
		memcpy(&v[i], (const char *)&tm[i] + off, sizeof(double));
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Remove a database file and its WAL companions. */
static void
remove_db(const char *path)
{
	char *p;

	unlink(path);
	p = xasprintf("%s-wal", path);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", path);
	unlink(p);
	free(p);
}

/* Print how to call the benchmark and exit. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bench_ingest [-q] [-n history] [-b batch] "
	    "[-k batches] [-d dir]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	uint64_t history = 5000000;
	size_t batch = 10000;
	int k = 9, c, i;
	const char *dir = "/tmp";
	bool quiet = false;
	struct gen g;
	struct batch *batches;
	struct lmh_event *evs;
	struct store *st, *sts[2];
	struct rusage ru;
	struct timing tm[2][BENCH_BATCHES_MAX], med[2];
	char *tmp, *empty_db, *full_db;
	double fill_s;
	size_t j, bytes = 0;
	int which;

	while ((c = getopt(argc, argv, "b:d:k:n:q")) != -1) {
		switch (c) {
		case 'b':
			batch = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			k = atoi(optarg);
			break;
		case 'n':
			history = strtoull(optarg, NULL, 10);
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (batch == 0 || batch > LMH_BATCH_MAX || k < 1 ||
	    k > BENCH_BATCHES_MAX)
		usage();
	log_init(LOG_DEST_STDERR, 0, "bench_ingest");

	tmp = xasprintf("%s/bench_ingest.XXXXXX", dir);
	if (mkdtemp(tmp) == NULL)
		fatal("mkdtemp %s", tmp);
	empty_db = xasprintf("%s/empty.db", tmp);
	full_db = xasprintf("%s/full.db", tmp);

	/* the history, then the timed batches that follow it in time */
	memset(&g, 0, sizeof(g));
	g.s = 20261204;
	g.ts_us = 1704067200000000LL;		/* 2024-01-01T00:00:00Z */
	buf_init(&g.b);
	printf("bench_ingest: history %llu events, %d batches of %zu events\n",
	    (unsigned long long)history, k, batch);
	fflush(stdout);
	st = open_or_die(full_db);
	fill_s = fill(st, &g, history, quiet);
	store_close(st);
	printf("fill: %llu events in %.1f s (%.0f events/s)\n",
	    (unsigned long long)history, fill_s,
	    fill_s > 0 ? (double)history / fill_s : 0);

	batches = xcalloc((size_t)k, sizeof(*batches));
	for (i = 0; i < k; i++) {
		batches[i].n = batch;
		batches[i].text = xcalloc(batch, sizeof(char *));
		batches[i].len = xcalloc(batch, sizeof(size_t));
		for (j = 0; j < batch; j++) {
			gen_event(&g);
			batches[i].text[j] = xstrdup(g.b.data);
			batches[i].len[j] = g.b.len;
			bytes += g.b.len;
		}
	}
	evs = xcalloc(batch, sizeof(*evs));

	/*
	 * The same batches into both databases, alternating, so that both
	 * see the same load from the rest of the machine.
	 */
	sts[0] = open_or_die(empty_db);
	sts[1] = open_or_die(full_db);
	for (i = 0; i < k; i++)
		for (which = 0; which < 2; which++)
			ingest(sts[which], &batches[i], evs, &tm[which][i]);
	printf("after the batches: empty database %lld events, full %lld\n",
	    (long long)store_event_count(sts[0]),
	    (long long)store_event_count(sts[1]));
	store_close(sts[0]);
	store_close(sts[1]);

	printf("batch of %zu events (%.0f bytes each on average), median of "
	    "%d:\n", batch, (double)bytes / (double)(batch * (size_t)k), k);
	printf("  %-24s %9s %9s %9s %10s %9s\n", "", "parse ms", "store ms",
	    "total ms", "events/s", "CPU ms");
	for (which = 0; which < 2; which++) {
		med[which].parse = median(tm[which], k,
		    offsetof(struct timing, parse));
		med[which].store = median(tm[which], k,
		    offsetof(struct timing, store));
		med[which].total = median(tm[which], k,
		    offsetof(struct timing, total));
		med[which].cpu = median(tm[which], k,
		    offsetof(struct timing, cpu));
		printf("  %-24s %9.1f %9.1f %9.1f %10.0f %9.1f\n", which == 0 ?
		    "into the empty database" : "into the full database",
		    med[which].parse * 1e3, med[which].store * 1e3,
		    med[which].total * 1e3, (double)batch / med[which].total,
		    med[which].cpu * 1e3);
	}
	printf("  first batch: empty %.1f ms, full %.1f ms (ratio %.2f)\n",
	    tm[0][0].total * 1e3, tm[1][0].total * 1e3,
	    tm[1][0].total / tm[0][0].total);
	printf("ratio full/empty (target <= 1.30): ingest %.2f (wall), "
	    "%.2f (CPU); store alone %.2f\n", med[1].total / med[0].total,
	    med[1].cpu / med[0].cpu, med[1].store / med[0].store);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.1f MiB\n", (double)ru.ru_maxrss / 1024);

	remove_db(empty_db);
	remove_db(full_db);
	rmdir(tmp);
	for (i = 0; i < k; i++) {
		for (j = 0; j < batch; j++)
			free(batches[i].text[j]);
		free(batches[i].text);
		free(batches[i].len);
	}
	free(batches);
	free(evs);
	buf_free(&g.b);
	free(empty_db);
	free(full_db);
	free(tmp);
	return 0;
}
