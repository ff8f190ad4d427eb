/*
 * lmhuntd.c - main: options, start-up and shutdown order.
 *
 * Today lmhuntd checks its configuration (-n) and runs the hunt once over
 * a file of UDM events (--once); the polling daemon slots in here later.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "lmhunt.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define LMH_DEFAULT_CONF SYSCONFDIR "/lmhunt/lmhuntd.conf"
#define LMH_SOURCES_MAX 64

enum {
	OPT_VERSION = 256, OPT_ONCE, OPT_SOURCE, OPT_DB, OPT_LOOKBACK,
	OPT_SCOPE, OPT_HYPOTHESIS, OPT_CASE_ID, OPT_JSON, OPT_PRINT_QUERY
};

static const struct option longopts[] = {
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, OPT_VERSION },
	{ "once",	no_argument,		NULL, OPT_ONCE },
	{ "source",	required_argument,	NULL, OPT_SOURCE },
	{ "db",		required_argument,	NULL, OPT_DB },
	{ "lookback",	required_argument,	NULL, OPT_LOOKBACK },
	{ "scope",	required_argument,	NULL, OPT_SCOPE },
	{ "hypothesis",	required_argument,	NULL, OPT_HYPOTHESIS },
	{ "case-id",	required_argument,	NULL, OPT_CASE_ID },
	{ "json",	no_argument,		NULL, OPT_JSON },
	{ "print-query", no_argument,		NULL, OPT_PRINT_QUERY },
	{ NULL, 0, NULL, 0 }
};

/* Print the usage text to FP. */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: lmhuntd [-dhnv] [-f file] [--version]\n"
	    "       lmhuntd --print-query [-f file] [--scope query]\n"
	    "       lmhuntd --once [-v] [-f file] [--source file|-]... [--db path]\n"
	    "               [--lookback duration] [--scope query]\n"
	    "               [--hypothesis text] [--case-id id] [--json]\n"
	    "\n"
	    "  -d             stay in the foreground, log to stderr\n"
	    "  -f file        configuration file (default %s)\n"
	    "  -n             check the configuration and rules, then exit\n"
	    "  -v             more verbose (-n -v prints the effective configuration)\n"
	    "  --print-query  print the server-side UDM search queries and exit\n"
	    "  --once         hunt once over UDM events and print the report\n",
	    LMH_DEFAULT_CONF);
}

struct once_opts {
	const char	*sources[LMH_SOURCES_MAX];
	int		 nsources;
	const char	*db;
	struct report_opts rep;
};

/* Hand one batch of replayed events to the hunt. */
static int
once_batch(struct lmh_event *evs, size_t n, void *arg)
{
	return hunt_batch(arg, evs, n);
}

/* Run the hunt once over the sources and print the report. */
static int
run_once(struct lmh_config *cf, struct ruleset *rs, struct once_opts *o)
{
	struct errlist errs = { NULL, 0 };
	struct store *st;
	struct hunt h;
	char why[512];
	const char *db = o->db != NULL ? o->db : ":memory:";
	int i, nfound, rc;

	if ((st = store_open(db, why, sizeof(why))) == NULL) {
		log_warnx("%s: %s", db, why);
		return LMH_EXIT_STORE;
	}
	if (hunt_init(&h, cf, rs, st) == -1) {
		store_close(st);
		return LMH_EXIT_STORE;
	}
	if (hunt_set_scope(&h, o->rep.scope, &errs) == -1) {
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		hunt_free(&h);
		store_close(st);
		return LMH_EXIT_ERROR;
	}
	if (o->nsources == 0)
		o->sources[o->nsources++] = "-";
	for (i = 0; i < o->nsources; i++) {
		if (source_replay(o->sources[i], (size_t)cf->batch_events,
		    once_batch, &h, &h.stats.src) == -1) {
			/* the hunt refused a batch: the database failed */
			rc = h.stats.failed > 0 ? LMH_EXIT_STORE :
			    LMH_EXIT_INPUT;
			hunt_free(&h);
			store_close(st);
			return rc;
		}
	}
	nfound = report_write(&h, &o->rep, stdout);
	hunt_free(&h);
	store_close(st);
	if (nfound < 0)
		return LMH_EXIT_STORE;
	return nfound > 0 ? LMH_EXIT_FINDINGS : LMH_EXIT_CLEAN;
}

/* Print the server-side queries the rule set renders to. */
static int
print_query(const struct ruleset *rs, const char *scope)
{
	struct strlist q = { NULL, 0 };
	size_t i;

	rules_render(rs, scope, &q);
	for (i = 0; i < q.n; i++) {
		printf("%s\n", q.v[i]);
		free(q.v[i]);
	}
	free(q.v);
	return LMH_EXIT_CLEAN;
}

int
main(int argc, char *argv[])
{
	const char *conffile = LMH_DEFAULT_CONF;
	struct lmh_config *cf;
	struct ruleset *rs;
	struct errlist errs = { NULL, 0 }, warns = { NULL, 0 };
	struct once_opts o;
	int ch, debug = 0, noaction = 0, verbose = 0, once = 0, printq = 0;
	int64_t secs;
	char *rdir, *ldir;

#if defined(__GLIBC__) && defined(M_MXFAST)
	/*
	 * Every event is a json-c tree of small objects freed a batch at a
	 * time; with glibc's fastbins each later large allocation consolidates
	 * them (a fifth of --once went to malloc_consolidate).  Without
	 * fastbins --once uses ~22% less CPU: tests/bench/bench_once.sh.
	 */
	mallopt(M_MXFAST, 0);
#endif
	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "df:hnv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': debug = 1; break;
		case 'f': conffile = optarg; break;
		case 'h': usage(stdout); return LMH_EXIT_CLEAN;
		case 'n': noaction = 1; break;
		case 'v': verbose++; break;
		case OPT_VERSION:
			printf("lmhuntd %s\n", PACKAGE_VERSION);
			return LMH_EXIT_CLEAN;
		case OPT_ONCE: once = 1; break;
		case OPT_SOURCE:
			if (o.nsources == LMH_SOURCES_MAX) {
				fprintf(stderr, "lmhuntd: at most %d --source\n",
				    LMH_SOURCES_MAX);
				return LMH_EXIT_ERROR;
			}
			o.sources[o.nsources++] = optarg;
			break;
		case OPT_DB: o.db = optarg; break;
		case OPT_LOOKBACK:
			if (parse_duration(optarg, &secs) == -1) {
				fprintf(stderr, "lmhuntd: --lookback: bad "
				    "duration '%s' (use e.g. 90s, 10m, 72h)\n",
				    optarg);
				return LMH_EXIT_ERROR;
			}
			o.rep.lookback = secs;
			break;
		case OPT_SCOPE: o.rep.scope = optarg; break;
		case OPT_HYPOTHESIS: o.rep.hypothesis = optarg; break;
		case OPT_CASE_ID: o.rep.case_id = optarg; break;
		case OPT_JSON: o.rep.json = true; break;
		case OPT_PRINT_QUERY: printq = 1; break;
		default:
			usage(stderr);
			return LMH_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return LMH_EXIT_ERROR;
	}
	/* under systemd stderr is the journal stream: log structured there,
	 * unless -d asks for plain stderr */
	log_init(debug ? LOG_DEST_STDERR : LOG_DEST_AUTO, verbose, "lmhuntd");

	if ((cf = config_load(conffile, &errs)) == NULL) {
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		return LMH_EXIT_ERROR;
	}
	rdir = config_path(cf, cf->rules_dir);
	ldir = config_path(cf, cf->lists_dir);
	rs = rules_load(rdir, ldir, &errs);
	free(rdir);
	free(ldir);
	if (rs == NULL) {
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		config_free(cf);
		return LMH_EXIT_ERROR;
	}
	if (noaction) {
		rules_lint(rs, &warns);
		errlist_print(&warns, stderr);
		errlist_free(&warns);
		if (verbose)
			config_print(cf, stdout);
		else
			printf("configuration OK\n");
		rules_free(rs);
		config_free(cf);
		return LMH_EXIT_CLEAN;
	}
	if (o.rep.scope == NULL)
		o.rep.scope = cf->scope_query;
	if (printq) {
		ch = print_query(rs, o.rep.scope);
	} else if (once) {
		if (o.rep.lookback == 0)
			o.rep.lookback = cf->lookback;
		if (o.rep.hypothesis == NULL)
			o.rep.hypothesis = cf->hypothesis;
		if (o.rep.case_id == NULL)
			o.rep.case_id = cf->case_id;
		ch = run_once(cf, rs, &o);
	} else {
		fprintf(stderr, "lmhuntd: the polling daemon is not built yet; "
		    "use --once or -n\n");
		ch = LMH_EXIT_ERROR;
	}
	rules_free(rs);
	config_free(cf);
	return ch;
}
