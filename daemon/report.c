/*
 * report.c - the hunt report: the runbook's three outputs (FINDINGS,
 * DETECTED_TECHNIQUES, AFFECTED_HOSTS) and its documentation (hypothesis,
 * techniques hunted, queries with result counts, negative results,
 * statistics, follow-on actions), as text for people or one JSON document.
 *
 * The report is built first as a model (struct report) from the rule set,
 * the hunt statistics and the findings in the store, then rendered; both
 * renderings walk the same model so they always say the same thing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lmhunt.h"

/* one evidence event, summarised from its stored raw JSON */
struct rep_evidence {
	char		*id;
	int64_t		 ts_us;		/* 0 when the event is no longer stored */
	char		*host;
	char		*type;
	char		*path;		/* target process, for the process tree */
	char		*summary;	/* one line */
};

/* a finding copied out of the store with its evidence */
struct rep_finding {
	int64_t		 id;
	char		*kind;
	char		*technique;
	char		*title;
	char		*source_ip;
	char		*source_host;
	char		*target_ip;
	char		*target_host;
	char		*user;
	int64_t		 first_us;
	int64_t		 last_us;
	int64_t		 count;
	int64_t		 score;
	bool		 tripped;
	bool		 suppressed;
	char		*explanation;
	char		*chain;
	int64_t		 tripped_us;
	int		 severity;
	bool		 local;		/* local execution, not lateral */
	struct rep_evidence *ev;
	size_t		 nev;
};

#define HOST_SOURCE	0x1
#define HOST_TARGET	0x2

/* one affected host and its role */
struct rep_host {
	char		*name;		/* host name, or the IP when no name */
	struct strlist	 ips;
	int		 role;		/* HOST_SOURCE | HOST_TARGET */
};

/* one technique hunted or detected */
struct rep_technique {
	char		*id;
	size_t		 nrules;	/* enabled rules hunting it */
	uint64_t	 hits;		/* rule hits for it */
	size_t		 nfindings;	/* findings naming it */
};

/* the whole report, built before it is written */
struct report {
	struct hunt		*h;
	const struct report_opts *o;
	struct rep_finding	*f;
	size_t			 nf;
	size_t			 ntripped;
	size_t			 nsuppressed;
	size_t			 nlocal;	/* local execution, not lateral */
	size_t			 nlateral;	/* naming a source and a target */
	struct rep_technique	*tech;	/* hunted, sorted by ID */
	size_t			 ntech;
	struct strlist		 detected; /* technique IDs found, sorted */
	struct rep_host		*hosts;
	size_t			 nhosts;
	struct strlist		 serverq; /* server-side queries */
	struct strlist		 negatives;
	struct strlist		 actions;
	bool			 failed;
};

/* Return S, or "" for NULL, so optional strings print cleanly. */
static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* Duplicate S, turning NULL into "". */
static char *
dupnz(const char *s)
{
	return xstrdup(nz(s));
}

/* Append a copy of S to L. */
static void
strlist_push(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

/* Append S to L unless it is there already (case-insensitive). */
static void
strlist_push_unique(struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return;
	strlist_push(l, s);
}

/* Free the strings of L and L's array. */
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

/* qsort comparator for C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Format US as RFC 3339 into OUT, or "-" when there is no time. */
static void
fmt_time(int64_t us, char *out, size_t len)
{
	if (us == 0)
		snprintf(out, len, "-");
	else
		format_rfc3339(us, out, len);
}

/* Format a time frame in hours when whole ("72h"), else like a duration. */
static void
fmt_frame(int64_t secs, char *out, size_t len)
{
	if (secs > 0 && secs % 3600 == 0)
		snprintf(out, len, "%lldh", (long long)(secs / 3600));
	else
		format_duration(secs, out, len);
}

/* ---------------------------------------------------------------- */
/* Evidence summaries                                               */
/* ---------------------------------------------------------------- */

/* Append "ip[:port]" for the first IP of a side, or nothing. */
static void
add_endpoint(struct buf *b, const char *host, const char *const *ips, int nips,
    int port)
{
	if (nips > 0)
		buf_puts(b, ips[0]);
	else if (host != NULL)
		buf_puts(b, host);
	else
		buf_puts(b, "?");
	if (port >= 0)
		buf_printf(b, ":%d", port);
}

/* Append what the event says, by event type, in one line. */
static void
event_summary(struct buf *b, const struct lmh_event *ev)
{
	const char *t = nz(ev->event_type);

	if (strcmp(t, "NETWORK_CONNECTION") == 0) {
		add_endpoint(b, ev->host, ev->principal_ip, ev->n_principal_ip,
		    ev->principal_port);
		buf_puts(b, " -> ");
		add_endpoint(b, ev->target_host, ev->target_ip,
		    ev->n_target_ip, ev->target_port);
		if (ev->direction != NULL)
			buf_printf(b, " %s", ev->direction);
		if (ev->parent_path != NULL)
			buf_printf(b, " by %s", ev->parent_path);
	} else if (strcmp(t, "SERVICE_CREATION") == 0 ||
	    ev->service != NULL) {
		buf_printf(b, "service %s", ev->service != NULL ?
		    ev->service : "?");
		if (ev->path != NULL)
			buf_printf(b, ": %s", ev->path);
	} else if (strcmp(t, "USER_LOGIN") == 0) {
		buf_printf(b, "logon %s", ev->target_user != NULL ?
		    ev->target_user : nz(ev->user));
		if (ev->logon_type != NULL)
			buf_printf(b, " (%s)", ev->logon_type);
		if (ev->n_src_ip > 0 || ev->src_host != NULL) {
			buf_puts(b, " from ");
			add_endpoint(b, ev->src_host, ev->src_ip, ev->n_src_ip,
			    -1);
		}
	} else if (ev->cmdline != NULL || ev->path != NULL) {
		if (ev->parent_path != NULL)
			buf_printf(b, "%s -> ", ev->parent_path);
		buf_puts(b, ev->cmdline != NULL ? ev->cmdline : ev->path);
	} else if (ev->resource != NULL || ev->file_path != NULL) {
		if (ev->resource != NULL)
			buf_puts(b, ev->resource);
		if (ev->file_path != NULL)
			buf_printf(b, "%s%s", ev->resource != NULL ? " " : "",
			    ev->file_path);
		if (ev->n_src_ip > 0) {
			buf_puts(b, " from ");
			add_endpoint(b, ev->src_host, ev->src_ip, ev->n_src_ip,
			    -1);
		}
	} else if (ev->parent_cmdline != NULL) {
		buf_puts(b, ev->parent_cmdline);
	}
	if (ev->user != NULL && strcmp(t, "USER_LOGIN") != 0)
		buf_printf(b, " [user %s]", ev->user);
}

/* Collect one evidence event of the finding being built. */
static int
evidence_cb(const char *event_id, void *arg)
{
	struct rep_finding *f = arg;
	struct rep_evidence *e;

	if (f->nev >= LMH_EVIDENCE_MAX)
		return 0;
	f->ev = xrealloc(f->ev, (f->nev + 1) * sizeof(*f->ev));
	e = &f->ev[f->nev++];
	memset(e, 0, sizeof(*e));
	e->id = xstrdup(event_id);
	return 0;
}

/* Fill in the summary of evidence event E from the store. */
static void
evidence_describe(struct store *st, struct rep_evidence *e)
{
	struct lmh_event ev;
	struct buf raw, line;
	char why[256];

	buf_init(&raw);
	buf_init(&line);
	memset(&ev, 0, sizeof(ev));
	if (store_event_raw(st, e->id, &raw) == -1) {
		e->summary = xstrdup("(event no longer stored)");
		goto out;
	}
	if (udm_parse(raw.data, raw.len, &ev, why, sizeof(why)) == -1) {
		e->summary = xasprintf("(stored event unreadable: %s)", why);
		goto out;
	}
	e->ts_us = ev.ts_us;
	e->host = dupnz(ev.host);
	e->type = ev.product_event_type != NULL ? xasprintf("%s(%s)",
	    nz(ev.event_type), ev.product_event_type) : dupnz(ev.event_type);
	if (ev.path != NULL && strcmp(nz(ev.event_type), "PROCESS_LAUNCH") == 0)
		e->path = xstrdup(ev.path);
	event_summary(&line, &ev);
	e->summary = xstrdup(line.len > 0 ? line.data : "");
	udm_event_free(&ev);
out:
	buf_free(&raw);
	buf_free(&line);
}

/* ---------------------------------------------------------------- */
/* Building the model                                               */
/* ---------------------------------------------------------------- */

/* Copy one finding out of the store (its strings live only in the call). */
static int
finding_cb(const struct lmh_finding *lf, void *arg)
{
	struct report *r = arg;
	struct rep_finding *f;

	r->f = xrealloc(r->f, (r->nf + 1) * sizeof(*r->f));
	f = &r->f[r->nf++];
	memset(f, 0, sizeof(*f));
	f->id = lf->id;
	f->kind = dupnz(lf->kind);
	f->technique = dupnz(lf->technique);
	f->title = dupnz(lf->title);
	f->source_ip = dupnz(lf->source_ip);
	f->source_host = dupnz(lf->source_host);
	f->target_ip = dupnz(lf->target_ip);
	f->target_host = dupnz(lf->target_host);
	f->user = dupnz(lf->user);
	f->first_us = lf->first_us;
	f->last_us = lf->last_us;
	f->count = lf->count;
	f->score = lf->score;
	f->tripped = lf->tripped;
	f->suppressed = lf->suppressed;
	f->explanation = dupnz(lf->explanation);
	f->chain = dupnz(lf->chain);
	f->tripped_us = lf->tripped_us;
	f->severity = lf->severity;
	f->local = lf->local;
	return 0;
}

/* Order findings by score (highest first), then by first seen. */
static int
cmp_finding(const void *a, const void *b)
{
	const struct rep_finding *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->first_us != y->first_us)
		return x->first_us < y->first_us ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Order techniques by ID. */
static int
cmp_technique(const void *a, const void *b)
{
	return strcmp(((const struct rep_technique *)a)->id,
	    ((const struct rep_technique *)b)->id);
}

/* Technique ID in the hunted list, or NULL. */
static struct rep_technique *
technique_find(struct report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->ntech; i++)
		if (strcasecmp(r->tech[i].id, id) == 0)
			return &r->tech[i];
	return NULL;
}

/* Find or add technique ID in the hunted list. */
static struct rep_technique *
technique_get(struct report *r, const char *id)
{
	struct rep_technique *t;

	if ((t = technique_find(r, id)) != NULL)
		return t;
	r->tech = xrealloc(r->tech, (r->ntech + 1) * sizeof(*r->tech));
	memset(&r->tech[r->ntech], 0, sizeof(*r->tech));
	r->tech[r->ntech].id = xstrdup(id);
	return &r->tech[r->ntech++];
}

/*
 * Call CB for each technique ID in a finding's technique text, which may
 * hold one ID or several separated by commas, slashes or spaces.
 */
static void
technique_split(const char *text, void (*cb)(struct report *, const char *),
    struct report *r)
{
	char tok[LMH_RULE_ID_MAX];
	const char *p = text;
	size_t n;

	while (*p != '\0') {
		while (*p == ',' || *p == '/' || *p == ' ' || *p == '+')
			p++;
		for (n = 0; p[n] != '\0' && p[n] != ',' && p[n] != '/' &&
		    p[n] != ' ' && p[n] != '+'; n++)
			;
		if (n > 0 && n < sizeof(tok)) {
			memcpy(tok, p, n);
			tok[n] = '\0';
			cb(r, tok);
		}
		p += n;
	}
}

/* Append NAME to B after a separator unless B is empty. */
static void
names_add(struct buf *b, const char *id, bool with_id)
{
	const char *name = attack_name(id);

	if (b->len > 0)
		buf_puts(b, with_id ? ", " : "; ");
	if (with_id)
		buf_printf(b, "%s%s%s", id, name != NULL ? " " : "", nz(name));
	else
		buf_puts(b, name != NULL ? name : id);
}

/* The IDs and names of a finding's techniques: "T1047 Windows ..., ...". */
static char *
technique_text(const char *text, bool with_id)
{
	char tok[LMH_RULE_ID_MAX];
	const char *p = text;
	struct buf b;
	char *out;
	size_t n;

	buf_init(&b);
	while (*p != '\0') {
		n = strcspn(p, ",/ +");
		if (n > 0 && n < sizeof(tok)) {
			memcpy(tok, p, n);
			tok[n] = '\0';
			names_add(&b, tok, with_id);
		}
		p += n;
		p += strspn(p, ",/ +");
	}
	out = xstrdup(b.len > 0 ? b.data : "");
	buf_free(&b);
	return out;
}

/* Note one detected technique. */
static void
detected_add(struct report *r, const char *id)
{
	struct rep_technique *t = technique_find(r, id);

	strlist_push_unique(&r->detected, id);
	if (t != NULL)
		t->nfindings++;
}

/* Are two host names the same host (case, domain suffix)? */
static bool
same_host(const char *a, const char *b)
{
	size_t la = strcspn(a, "."), lb = strcspn(b, ".");

	if (strcasecmp(a, b) == 0)
		return true;
	/* WORKSTATION6 and WORKSTATION6.theshire.local */
	if ((a[la] == '\0' || b[lb] == '\0') && la == lb &&
	    strncasecmp(a, b, la) == 0)
		return true;
	return false;
}

/* Does host H carry IP? */
static bool
host_has_ip(const struct rep_host *h, const char *ip)
{
	size_t i;

	for (i = 0; i < h->ips.n; i++)
		if (strcmp(h->ips.v[i], ip) == 0)
			return true;
	return strcmp(h->name, ip) == 0;
}

/* Record HOST/IP in ROLE; a name merges with an IP-only entry. */
static void
host_add(struct report *r, const char *host, const char *ip, int role)
{
	struct rep_host *h = NULL;
	size_t i;

	if (*host == '\0' && *ip == '\0')
		return;
	for (i = 0; i < r->nhosts && h == NULL; i++) {
		struct rep_host *c = &r->hosts[i];

		if (*host != '\0') {
			/* same name, or an IP-only entry for this IP */
			if (same_host(c->name, host) ||
			    (*ip != '\0' && strcmp(c->name, ip) == 0))
				h = c;
		} else if (host_has_ip(c, ip))
			h = c;
	}
	if (h == NULL) {
		r->hosts = xrealloc(r->hosts, (r->nhosts + 1) *
		    sizeof(*r->hosts));
		h = &r->hosts[r->nhosts++];
		memset(h, 0, sizeof(*h));
		h->name = xstrdup(*host != '\0' ? host : ip);
	} else if (*host != '\0' && strcmp(h->name, nz(ip)) == 0) {
		/* an IP-only entry learns its name */
		free(h->name);
		h->name = xstrdup(host);
	} else if (*host != '\0' && strlen(host) > strlen(h->name)) {
		/* keep the fully qualified spelling */
		free(h->name);
		h->name = xstrdup(host);
	}
	if (*ip != '\0')
		strlist_push_unique(&h->ips, ip);
	h->role |= role;
}

/* Order hosts: targets and sources together by name. */
static int
cmp_host(const void *a, const void *b)
{
	return strcasecmp(((const struct rep_host *)a)->name,
	    ((const struct rep_host *)b)->name);
}

/* Describe a finding's side as "host (ip)", "ip", "host" or "unknown". */
static char *
side_text(const char *host, const char *ip)
{
	if (*host != '\0' && *ip != '\0')
		return xasprintf("%s (%s)", host, ip);
	if (*host != '\0' || *ip != '\0')
		return xstrdup(*host != '\0' ? host : ip);
	return xstrdup("unknown");
}

/* Is the finding a fan-out finding (one source, many targets)? */
static bool
is_fanout(const struct rep_finding *f)
{
	return strstr(f->kind, "fanout") != NULL ||
	    strstr(f->kind, "fan-out") != NULL;
}

/* The distinct reporting hosts of a finding's evidence (fan-out targets). */
static void
evidence_hosts(const struct rep_finding *f, struct strlist *out)
{
	size_t i;

	for (i = 0; i < f->nev; i++)
		if (f->ev[i].host != NULL && *f->ev[i].host != '\0')
			strlist_push_unique(out, f->ev[i].host);
}

/* Does the finding name both a source and a target (and is not local)? */
static bool
is_lateral(const struct rep_finding *f)
{
	return !f->local &&
	    (*f->source_host != '\0' || *f->source_ip != '\0') &&
	    (*f->target_host != '\0' || *f->target_ip != '\0' ||
	    is_fanout(f));
}

/*
 * Append TITLE to B as the object of a sentence: a capitalised ordinary
 * first word is lowered ("File copied" -> "file copied"), names such as
 * PsExec, PowerShell or WmiPrvSE.exe are kept.
 */
static void
add_title_lower(struct buf *b, const char *title)
{
	size_t i, n = strcspn(title, " ");
	bool plain = n > 1 && title[0] >= 'A' && title[0] <= 'Z';

	for (i = 1; i < n && plain; i++)
		if (title[i] < 'a' || title[i] > 'z')
			plain = false;
	if (plain) {
		buf_printf(b, "%c", title[0] - 'A' + 'a');
		buf_puts(b, title + 1);
	} else
		buf_puts(b, title);
}

/* Add the negative results: rules and techniques that found nothing. */
static void
build_negatives(struct report *r)
{
	const struct ruleset *rs = r->h->rules;
	struct buf b;
	size_t i, j;
	const char *name;

	buf_init(&b);
	for (i = 0; i < r->ntech; i++) {
		struct rep_technique *t = &r->tech[i];

		if (t->nfindings > 0)
			continue;
		name = attack_name(t->id);
		buf_reset(&b);
		buf_printf(&b, "no %s%s%s%s found: ", t->id,
		    name != NULL ? " (" : "", name != NULL ? name : "",
		    name != NULL ? ")" : "");
		if (t->hits == 0)
			buf_printf(&b, "none of its %zu rule%s matched any "
			    "event", t->nrules, t->nrules == 1 ? "" : "s");
		else
			buf_printf(&b, "%llu rule hit%s, none became a "
			    "finding", (unsigned long long)t->hits,
			    t->hits == 1 ? "" : "s");
		strlist_push(&r->negatives, b.data);
	}
	for (i = 0; i < rs->n; i++) {
		const struct rule *ru = &rs->rules[i];

		if (!ru->enabled || r->h->stats.rule_hits[i] > 0)
			continue;
		buf_reset(&b);
		buf_puts(&b, "no ");
		add_title_lower(&b, ru->title);
		buf_printf(&b, " found (rule %s", ru->id);
		for (j = 0; j < ru->ntechniques; j++)
			buf_printf(&b, "%s%s", j == 0 ? ", " : " ",
			    ru->techniques[j]);
		buf_puts(&b, ": 0 matching events)");
		strlist_push(&r->negatives, b.data);
	}
	buf_free(&b);
}

/*
 * Is USER an account a person or an attacker can hold credentials of?
 * Machine accounts (NAME$) and the built-in service identities are not.
 */
static bool
is_account(const char *user)
{
	static const char *const builtin[] = { "-", "system", "local service",
	    "network service", "localsystem", "anonymous logon", "unknown",
	    "nt authority\\system", NULL };
	size_t i, n = strlen(user);

	if (n == 0 || user[n - 1] == '$')
		return false;
	for (i = 0; builtin[i] != NULL; i++)
		if (strcasecmp(user, builtin[i]) == 0)
			return false;
	return true;
}

/* Add the follow-on actions, tailored to what was found. */
static void
build_actions(struct report *r)
{
	struct strlist users = { NULL, 0 }, procs = { NULL, 0 };
	struct buf b;
	size_t i, j, k, nlateral = 0;
	char t0[40], t1[40];

	buf_init(&b);
	if (r->nf == 0) {
		strlist_push(&r->actions, "no findings: keep the hunt "
		    "scheduled; widen the time frame or the scope if the "
		    "hypothesis still stands, and check that the data sources "
		    "the rules need (process creation with command lines, "
		    "7045/4697, 4624, 5140/5145, network connections) are "
		    "collected on the hosts in scope");
		goto out;
	}
	/* process-tree analysis per target host, naming its processes */
	for (i = 0; i < r->nhosts; i++) {
		struct rep_host *h = &r->hosts[i];
		int64_t lo = 0, hi = 0;

		if (!(h->role & HOST_TARGET))
			continue;
		strlist_clear(&procs);
		for (j = 0; j < r->nf; j++) {
			struct rep_finding *f = &r->f[j];

			if (!(same_host(h->name, f->target_host) ||
			    (*f->target_ip != '\0' &&
			    host_has_ip(h, f->target_ip))))
				continue;
			if (lo == 0 || f->first_us < lo)
				lo = f->first_us;
			if (f->last_us > hi)
				hi = f->last_us;
			for (k = 0; k < f->nev && procs.n < 8; k++)
				if (f->ev[k].path != NULL)
					strlist_push_unique(&procs,
					    f->ev[k].path);
		}
		fmt_time(lo, t0, sizeof(t0));
		fmt_time(hi, t1, sizeof(t1));
		buf_reset(&b);
		buf_printf(&b, "process-tree analysis on %s between %s and %s:"
		    " parents, children, network connections and files of ",
		    h->name, t0, t1);
		if (procs.n == 0)
			buf_puts(&b, "the processes started by services.exe, "
			    "WmiPrvSE.exe and the task scheduler");
		for (k = 0; k < procs.n; k++)
			buf_printf(&b, "%s%s", k == 0 ? "" : ", ", procs.v[k]);
		strlist_push(&r->actions, b.data);
	}
	/* compromised-account response per involved user */
	for (i = 0; i < r->nf; i++)
		if (is_account(r->f[i].user))
			strlist_push_unique(&users, r->f[i].user);
	for (i = 0; i < users.n; i++) {
		buf_reset(&b);
		buf_printf(&b, "compromised-account response for user %s: "
		    "review its logons and privileges on every affected host, "
		    "reset its credentials (and Kerberos tickets), and check "
		    "where else it authenticated in the time frame",
		    users.v[i]);
		strlist_push(&r->actions, b.data);
	}
	/* sources: how they were reached and what else they touched */
	for (i = 0; i < r->nhosts; i++) {
		if (!(r->hosts[i].role & HOST_SOURCE))
			continue;
		buf_reset(&b);
		buf_printf(&b, "investigate source %s: how the attacker got "
		    "there, and every other host it reached over SMB, RPC or "
		    "WMI", r->hosts[i].name);
		strlist_push(&r->actions, b.data);
	}
	for (i = 0; i < r->nf; i++) {
		if (is_lateral(&r->f[i]) && !r->f[i].suppressed)
			nlateral++;
	}
	if (nlateral > 0) {
		buf_reset(&b);
		buf_printf(&b, "escalate to incident response: lateral "
		    "movement confirmed by %zu finding%s with a source and a "
		    "target", nlateral, nlateral == 1 ? "" : "s");
		if (r->o->case_id != NULL && *r->o->case_id != '\0')
			buf_printf(&b, " (case %s)", r->o->case_id);
		strlist_push(&r->actions, b.data);
	} else {
		strlist_push(&r->actions, "confirm the source of the remote "
		    "execution: no finding names one; review network logons "
		    "(4624 type 3) and SMB/RPC connections to the targets "
		    "around the first-seen times, then escalate to incident "
		    "response if a remote source is found");
	}
	if (r->nsuppressed > 0)
		strlist_push(&r->actions, "review the suppressions that "
		    "silenced findings in this report and their expiry");
out:
	strlist_clear(&users);
	strlist_clear(&procs);
	buf_free(&b);
}

/* Build the model of the report from H. */
static void
report_build(struct report *r, struct hunt *h, const struct report_opts *o)
{
	const struct ruleset *rs = h->rules;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	r->h = h;
	r->o = o;

	/* techniques hunted, from the enabled rules */
	for (i = 0; i < rs->n; i++) {
		if (!rs->rules[i].enabled)
			continue;
		for (j = 0; j < rs->rules[i].ntechniques; j++) {
			struct rep_technique *t =
			    technique_get(r, rs->rules[i].techniques[j]);

			t->nrules++;
			t->hits += h->stats.rule_hits[i];
		}
	}
	rules_render(rs, o->scope, &r->serverq);

	/* findings and their evidence */
	if (store_findings_foreach(h->store, finding_cb, r) == -1)
		r->failed = true;
	for (i = 0; i < r->nf; i++) {
		struct rep_finding *f = &r->f[i];

		if (store_finding_evidence(h->store, f->id, evidence_cb, f)
		    == -1)
			r->failed = true;
		for (j = 0; j < f->nev; j++)
			evidence_describe(h->store, &f->ev[j]);
	}
	/*
	 * Local execution (PsExec -s on the machine itself, no remote
	 * side) is not lateral movement: it goes after the findings, in a
	 * section of its own, and counts in neither the findings, the
	 * techniques detected, the hosts affected nor the exit status.
	 */
	for (i = 0, j = 0; i < r->nf; i++) {
		if (!r->f[i].local) {
			struct rep_finding t = r->f[j];

			r->f[j++] = r->f[i];
			r->f[i] = t;
		}
	}
	r->nlocal = r->nf - j;
	r->nf = j;
	for (i = 0; i < r->nf; i++) {
		struct rep_finding *f = &r->f[i];

		if (f->tripped)
			r->ntripped++;
		if (f->suppressed)
			r->nsuppressed++;
		if (is_lateral(f))
			r->nlateral++;
		technique_split(f->technique, detected_add, r);
		host_add(r, f->source_host, f->source_ip, HOST_SOURCE);
		if (!is_fanout(f))
			host_add(r, f->target_host, f->target_ip, HOST_TARGET);
	}
	if (r->nf > 1)
		qsort(r->f, r->nf, sizeof(*r->f), cmp_finding);
	if (r->nlocal > 1)
		qsort(r->f + r->nf, r->nlocal, sizeof(*r->f), cmp_finding);
	if (r->ntech > 1)
		qsort(r->tech, r->ntech, sizeof(*r->tech), cmp_technique);
	if (r->detected.n > 1)
		qsort(r->detected.v, r->detected.n, sizeof(char *), cmp_str);
	if (r->nhosts > 1)
		qsort(r->hosts, r->nhosts, sizeof(*r->hosts), cmp_host);
	build_negatives(r);
	build_actions(r);
}

/* Free the model. */
static void
report_clear(struct report *r)
{
	size_t i, j;

	for (i = 0; i < r->nf + r->nlocal; i++) {
		struct rep_finding *f = &r->f[i];

		for (j = 0; j < f->nev; j++) {
			free(f->ev[j].id);
			free(f->ev[j].host);
			free(f->ev[j].type);
			free(f->ev[j].path);
			free(f->ev[j].summary);
		}
		free(f->ev);
		free(f->kind);
		free(f->technique);
		free(f->title);
		free(f->source_ip);
		free(f->source_host);
		free(f->target_ip);
		free(f->target_host);
		free(f->user);
		free(f->explanation);
		free(f->chain);
	}
	free(r->f);
	for (i = 0; i < r->ntech; i++)
		free(r->tech[i].id);
	free(r->tech);
	for (i = 0; i < r->nhosts; i++) {
		free(r->hosts[i].name);
		strlist_clear(&r->hosts[i].ips);
	}
	free(r->hosts);
	strlist_clear(&r->detected);
	strlist_clear(&r->serverq);
	strlist_clear(&r->negatives);
	strlist_clear(&r->actions);
}

/* The role of a host as a word. */
static const char *
role_word(int role)
{
	switch (role) {
	case HOST_SOURCE: return "source";
	case HOST_TARGET: return "target";
	default: return "both";
	}
}

/* ---------------------------------------------------------------- */
/* Text                                                             */
/* ---------------------------------------------------------------- */

/*
 * Print S on one line: control characters become spaces, and text past
 * LMH_REPORT_FIELD_MAX bytes is cut with "...".
 */
static void
put_clean(FILE *fp, const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (n == LMH_REPORT_FIELD_MAX) {
			fputs("...", fp);
			return;
		}
		fputc((unsigned char)s[n] < 0x20 || s[n] == 0x7f ? ' ' : s[n],
		    fp);
	}
}

/* Print LABEL, then S on one line (put_clean), then a newline. */
static void
put_line(FILE *fp, const char *label, const char *s)
{
	fputs(label, fp);
	put_clean(fp, s);
	fputc('\n', fp);
}

/*
 * Print a multi-line text with every line indented by IND; other control
 * characters become spaces so event text cannot forge report lines.
 */
static void
put_indented(FILE *fp, const char *ind, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool bol = true;

	for (; *p != '\0'; p++) {
		if (bol)
			fputs(ind, fp);
		bol = *p == '\n';
		fputc((*p < 0x20 && *p != '\n') || *p == 0x7f ? ' ' : *p,
		    fp);
	}
	if (!bol)
		fputc('\n', fp);
}

/* Print a section heading. */
static void
put_heading(FILE *fp, const char *title)
{
	fprintf(fp, "\n%s\n", title);
	for (size_t i = 0; i < strlen(title); i++)
		fputc('-', fp);
	fputc('\n', fp);
}

/* Print the statistics section as text. */
static void
text_statistics(const struct report *r, FILE *fp)
{
	const struct hunt_stats *s = &r->h->stats;
	const struct correlate_stats *cs = correlate_stats(r->h->corr);
	const struct ruleset *rs = r->h->rules;
	size_t i;

	put_heading(fp, "STATISTICS");
	fprintf(fp, "  lines read:          %llu\n",
	    (unsigned long long)s->src.lines);
	fprintf(fp, "  events parsed:       %llu\n",
	    (unsigned long long)s->src.events);
	fprintf(fp, "  bad events skipped:  %llu%s\n",
	    (unsigned long long)s->src.bad, s->src.bad > 0 ?
	    " (each logged as file:line: reason)" : "");
	fprintf(fp, "  events stored:       %llu\n",
	    (unsigned long long)s->stored);
	fprintf(fp, "  duplicates ignored:  %llu\n",
	    (unsigned long long)s->duplicates);
	if (r->h->scope != NULL)
		fprintf(fp, "  out of scope:        %llu\n",
		    (unsigned long long)s->out_of_scope);
	fprintf(fp, "  parents inferred:    %llu (launches without the parent's "
	    "image, given it from the launch of that pid)\n",
	    (unsigned long long)s->parents_inferred);
	fprintf(fp, "  batches:             %llu\n",
	    (unsigned long long)s->batches);
	if (s->failed > 0)
		fprintf(fp, "  batches failed:      %llu (rolled back)\n",
		    (unsigned long long)s->failed);
	fprintf(fp, "  rule hits:           %llu\n",
	    (unsigned long long)s->hits);
	for (i = 0; i < rs->n; i++)
		if (rs->rules[i].enabled)
			fprintf(fp, "    %-36s %llu\n", rs->rules[i].id,
			    (unsigned long long)s->rule_hits[i]);
	if (cs != NULL) {
		fprintf(fp, "  correlation joins:   %llu\n",
		    (unsigned long long)cs->joins);
		fprintf(fp, "  findings new:        %llu\n",
		    (unsigned long long)cs->findings_new);
		fprintf(fp, "  findings updated:    %llu\n",
		    (unsigned long long)cs->findings_updated);
		fprintf(fp, "  findings tripped:    %llu\n",
		    (unsigned long long)cs->tripped);
		fprintf(fp, "  rejected (clock skew): %llu\n",
		    (unsigned long long)cs->rejected_skew);
		fprintf(fp, "  no host and no IP:   %llu\n",
		    (unsigned long long)cs->no_host);
	}
	fprintf(fp, "  findings in store:   %zu (%zu tripped, %zu "
	    "suppressed) and %zu local execution\n", r->nf, r->ntripped,
	    r->nsuppressed, r->nlocal);
}

/* Print one finding as text. */
static void
text_finding(const struct rep_finding *f, size_t n, FILE *fp)
{
	char *tech = technique_text(f->technique, true);
	char *src = side_text(f->source_host, f->source_ip);
	char *dst = side_text(f->target_host, f->target_ip);
	struct strlist many = { NULL, 0 };
	struct buf mb;
	char t0[40], t1[40];
	size_t i;

	fmt_time(f->first_us, t0, sizeof(t0));
	fmt_time(f->last_us, t1, sizeof(t1));
	fprintf(fp, "\n  [%zu] finding %lld: %s (%s)\n", n, (long long)f->id,
	    f->title, f->kind);
	fprintf(fp, "      technique:  %s\n", *tech != '\0' ? tech : "unknown");
	/* sides and users come from events: printed through put_line */
	put_line(fp, "      source:     ", src);
	if (is_fanout(f) && *f->target_host == '\0' &&
	    *f->target_ip == '\0') {
		/* a fan-out names its targets through its evidence */
		evidence_hosts(f, &many);
		buf_init(&mb);
		buf_puts(&mb, "many (fan-out)");
		for (i = 0; i < many.n; i++)
			buf_printf(&mb, "%s%s", i ? ", " : ": ", many.v[i]);
		put_line(fp, "      target:     ", mb.data);
		buf_free(&mb);
		strlist_clear(&many);
	} else
		put_line(fp, "      target:     ", dst);
	put_line(fp, "      user:       ", *f->user ? f->user : "unknown");
	fprintf(fp, "      first seen: %s\n", t0);
	fprintf(fp, "      last seen:  %s\n", t1);
	fprintf(fp, "      count:      %lld\n", (long long)f->count);
	if (f->severity >= SEV_LOW && f->severity <= SEV_CRITICAL)
		fprintf(fp, "      severity:   %s\n",
		    severity_name((enum rule_severity)f->severity));
	fprintf(fp, "      score:      %lld%s%s\n", (long long)f->score,
	    f->tripped ? " (tripped: case comment)" : "",
	    f->suppressed ? " (suppressed)" : "");
	if (f->tripped_us != 0) {
		fmt_time(f->tripped_us, t0, sizeof(t0));
		fprintf(fp, "      tripped at: %s\n", t0);
	}
	if (*f->chain != '\0')
		fprintf(fp, "      chain:      %s\n", f->chain);
	if (f->local)
		fprintf(fp, "      class:      local execution on the target, "
		    "not lateral movement\n");
	if (*f->explanation != '\0') {
		fprintf(fp, "      explanation:\n");
		put_indented(fp, "        ", f->explanation);
	}
	fprintf(fp, "      evidence (%zu event%s):\n", f->nev,
	    f->nev == 1 ? "" : "s");
	for (i = 0; i < f->nev; i++) {
		const struct rep_evidence *e = &f->ev[i];

		fmt_time(e->ts_us, t0, sizeof(t0));
		fputs("        ", fp);
		put_clean(fp, e->id);
		fprintf(fp, " %s ", t0);
		put_clean(fp, nz(e->host));
		fputc(' ', fp);
		put_clean(fp, nz(e->type));
		fputc(' ', fp);
		put_clean(fp, nz(e->summary));
		fputc('\n', fp);
	}
	free(tech);
	free(src);
	free(dst);
}

/* Write the report as text. */
static void
report_text(const struct report *r, FILE *fp)
{
	const struct report_opts *o = r->o;
	const struct ruleset *rs = r->h->rules;
	struct buf q;
	char t0[40], t1[40], dur[32];
	size_t i, j, nrules = 0;

	fmt_time(r->h->stats.first_us, t0, sizeof(t0));
	fmt_time(r->h->stats.last_us, t1, sizeof(t1));
	fmt_frame(o->lookback, dur, sizeof(dur));
	fprintf(fp, "LATERAL MOVEMENT HUNT REPORT\n");
	fprintf(fp, "  hypothesis:  %s\n", o->hypothesis != NULL &&
	    *o->hypothesis ? o->hypothesis : "(none given)");
	fprintf(fp, "  time frame:  last %s (a replay hunts every event of its "
	    "sources)\n", dur);
	fprintf(fp, "  scope:       %s\n", o->scope != NULL && *o->scope ?
	    o->scope : "(all events)");
	if (o->case_id != NULL && *o->case_id != '\0')
		fprintf(fp, "  case:        %s\n", o->case_id);
	fprintf(fp, "  data seen:   %s .. %s (%llu events)\n", t0, t1,
	    (unsigned long long)r->h->stats.src.events);
	fprintf(fp, "  outcome:     %zu finding%s (%zu with a source and a "
	    "target), %zu technique%s detected, %zu host%s affected; %zu "
	    "local execution%s (not lateral movement)\n", r->nf,
	    r->nf == 1 ? "" : "s", r->nlateral, r->detected.n,
	    r->detected.n == 1 ? "" : "s", r->nhosts,
	    r->nhosts == 1 ? "" : "s", r->nlocal, r->nlocal == 1 ? "" : "s");

	put_heading(fp, "TECHNIQUES HUNTED");
	for (i = 0; i < r->ntech; i++)
		fprintf(fp, "  %-10s %s\n", r->tech[i].id,
		    nz(attack_name(r->tech[i].id)));

	put_heading(fp, "QUERIES");
	buf_init(&q);
	for (i = 0; i < rs->n; i++) {
		if (!rs->rules[i].enabled)
			continue;
		nrules++;
		buf_reset(&q);
		query_render(rs->rules[i].query, &q);
		fprintf(fp, "  %s: %s\n", rs->rules[i].id, rs->rules[i].title);
		fprintf(fp, "    techniques: ");
		for (j = 0; j < rs->rules[i].ntechniques; j++)
			fprintf(fp, "%s%s", j ? ", " : "",
			    rs->rules[i].techniques[j]);
		fprintf(fp, "\n    query:      %s\n", q.data);
		fprintf(fp, "    results:    %llu\n",
		    (unsigned long long)r->h->stats.rule_hits[i]);
	}
	buf_free(&q);
	fprintf(fp, "  %zu rule quer%s evaluated on every event; combined "
	    "into %zu server-side UDM search quer%s (rules ORed, AND scope):\n",
	    nrules, nrules == 1 ? "y" : "ies", r->serverq.n,
	    r->serverq.n == 1 ? "y" : "ies");
	for (i = 0; i < r->serverq.n; i++)
		fprintf(fp, "    [%zu] %s\n", i + 1, r->serverq.v[i]);

	put_heading(fp, "FINDINGS");
	fprintf(fp, "  %zu finding%s (%zu tripped, %zu suppressed)\n", r->nf,
	    r->nf == 1 ? "" : "s", r->ntripped, r->nsuppressed);
	for (i = 0; i < r->nf; i++)
		text_finding(&r->f[i], i + 1, fp);

	put_heading(fp, "LOCAL EXECUTION (not lateral movement)");
	fprintf(fp, "  %zu remote-execution tool run%s against the host "
	    "itself: no remote logon or connection, recorded below, never "
	    "a case comment\n", r->nlocal, r->nlocal == 1 ? "" : "s");
	for (i = 0; i < r->nlocal; i++)
		text_finding(&r->f[r->nf + i], i + 1, fp);

	put_heading(fp, "DETECTED_TECHNIQUES");
	if (r->detected.n == 0)
		fprintf(fp, "  none\n");
	for (i = 0; i < r->detected.n; i++)
		fprintf(fp, "  %-10s %s\n", r->detected.v[i],
		    nz(attack_name(r->detected.v[i])));

	put_heading(fp, "AFFECTED_HOSTS");
	if (r->nhosts == 0)
		fprintf(fp, "  none\n");
	for (i = 0; i < r->nhosts; i++) {
		fprintf(fp, "  %-32s %-7s", r->hosts[i].name,
		    role_word(r->hosts[i].role));
		for (j = 0; j < r->hosts[i].ips.n; j++)
			fprintf(fp, "%s%s", j ? ", " : " ",
			    r->hosts[i].ips.v[j]);
		fputc('\n', fp);
	}

	put_heading(fp, "NEGATIVE RESULTS");
	if (r->negatives.n == 0)
		fprintf(fp, "  none: every technique hunted has a finding\n");
	for (i = 0; i < r->negatives.n; i++)
		fprintf(fp, "  - %s\n", r->negatives.v[i]);

	text_statistics(r, fp);

	put_heading(fp, "FOLLOW-ON ACTIONS");
	for (i = 0; i < r->actions.n; i++)
		fprintf(fp, "  %zu. %s\n", i + 1, r->actions.v[i]);
}

/* ---------------------------------------------------------------- */
/* JSON                                                             */
/* ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at P (1-4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * Append S as a JSON string; bytes that are not valid UTF-8 (events may
 * carry them) become U+FFFD so the document always parses.
 */
static void
jval(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf clean;
	size_t n;

	for (; p != NULL && *p != '\0'; p += n)
		if ((n = utf8_len(p)) == 0)
			break;
	if (p == NULL || *p == '\0') {
		buf_json_string(b, s);
		return;
	}
	buf_init(&clean);
	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		if ((n = utf8_len(p)) == 0) {
			buf_puts(&clean, "\xef\xbf\xbd");
			n = 1;
		} else
			buf_add(&clean, p, n);
	}
	buf_json_string(b, clean.data);
	buf_free(&clean);
}

/* Append "key": to B, with a comma first unless FIRST. */
static void
jkey(struct buf *b, const char *key, bool first)
{
	if (!first)
		buf_puts(b, ",");
	jval(b, key);
	buf_puts(b, ":");
}

/* Append "key":"value" (null for NULL). */
static void
jstr(struct buf *b, const char *key, const char *val, bool first)
{
	jkey(b, key, first);
	jval(b, val);
}

/* Append "key":number. */
static void
jint(struct buf *b, const char *key, long long val, bool first)
{
	jkey(b, key, first);
	buf_printf(b, "%lld", val);
}

/* Append "key":"time" or null when there is no time. */
static void
jtime(struct buf *b, const char *key, int64_t us, bool first)
{
	char t[40];

	jkey(b, key, first);
	if (us == 0) {
		buf_puts(b, "null");
		return;
	}
	format_rfc3339(us, t, sizeof(t));
	jval(b, t);
}

/* Append a JSON array of strings. */
static void
jstrlist(struct buf *b, const char *key, const struct strlist *l, bool first)
{
	size_t i;

	jkey(b, key, first);
	buf_puts(b, "[");
	for (i = 0; i < l->n; i++) {
		if (i)
			buf_puts(b, ",");
		jval(b, l->v[i]);
	}
	buf_puts(b, "]");
}

/* Append {"ip":..,"host":..} for one side of a finding. */
static void
jside(struct buf *b, const char *key, const char *ip, const char *host)
{
	jkey(b, key, false);
	buf_puts(b, "{");
	jstr(b, "ip", *ip ? ip : NULL, true);
	jstr(b, "host", *host ? host : NULL, false);
	buf_puts(b, "}");
}

/* Append one finding as a JSON object. */
static void
json_finding(struct buf *b, const struct rep_finding *f)
{
	char *names = technique_text(f->technique, false);
	size_t i;

	buf_puts(b, "{");
	jint(b, "id", f->id, true);
	jstr(b, "kind", f->kind, false);
	jstr(b, "technique", f->technique, false);
	jstr(b, "technique_name", *names != '\0' ? names : NULL, false);
	free(names);
	jstr(b, "title", f->title, false);
	jside(b, "source", f->source_ip, f->source_host);
	jside(b, "target", f->target_ip, f->target_host);
	jstr(b, "user", *f->user ? f->user : NULL, false);
	jtime(b, "first_seen", f->first_us, false);
	jtime(b, "last_seen", f->last_us, false);
	jint(b, "count", f->count, false);
	jint(b, "score", f->score, false);
	jkey(b, "tripped", false);
	buf_puts(b, f->tripped ? "true" : "false");
	jkey(b, "suppressed", false);
	buf_puts(b, f->suppressed ? "true" : "false");
	jkey(b, "fanout", false);
	buf_puts(b, is_fanout(f) ? "true" : "false");
	if (is_fanout(f)) {
		struct strlist many = { NULL, 0 };

		evidence_hosts(f, &many);
		jstrlist(b, "fanout_targets", &many, false);
		strlist_clear(&many);
	}
	jkey(b, "local", false);
	buf_puts(b, f->local ? "true" : "false");
	jstr(b, "severity", f->severity >= SEV_LOW &&
	    f->severity <= SEV_CRITICAL ?
	    severity_name((enum rule_severity)f->severity) : NULL, false);
	jtime(b, "tripped_at", f->tripped_us, false);
	jstr(b, "chain", *f->chain ? f->chain : NULL, false);
	jstr(b, "explanation", f->explanation, false);
	jkey(b, "evidence", false);
	buf_puts(b, "[");
	for (i = 0; i < f->nev; i++) {
		if (i)
			buf_puts(b, ",");
		jval(b, f->ev[i].id);
	}
	buf_puts(b, "]");
	jkey(b, "evidence_events", false);
	buf_puts(b, "[");
	for (i = 0; i < f->nev; i++) {
		const struct rep_evidence *e = &f->ev[i];

		buf_puts(b, i ? ",{" : "{");
		jstr(b, "id", e->id, true);
		jtime(b, "time", e->ts_us, false);
		jstr(b, "host", e->host, false);
		jstr(b, "type", e->type, false);
		jstr(b, "summary", e->summary, false);
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}

/* Append the statistics object. */
static void
json_statistics(struct buf *b, const struct report *r)
{
	const struct hunt_stats *s = &r->h->stats;
	const struct correlate_stats *cs = correlate_stats(r->h->corr);
	const struct ruleset *rs = r->h->rules;
	size_t i;
	bool first = true;

	jkey(b, "statistics", false);
	buf_puts(b, "{");
	jint(b, "lines", (long long)s->src.lines, true);
	jint(b, "events_parsed", (long long)s->src.events, false);
	jint(b, "bad_events", (long long)s->src.bad, false);
	jint(b, "events_stored", (long long)s->stored, false);
	jint(b, "duplicates", (long long)s->duplicates, false);
	jint(b, "out_of_scope", (long long)s->out_of_scope, false);
	jint(b, "parents_inferred", (long long)s->parents_inferred, false);
	jint(b, "batches", (long long)s->batches, false);
	jint(b, "batches_failed", (long long)s->failed, false);
	jint(b, "rule_hits_total", (long long)s->hits, false);
	jkey(b, "rule_hits", false);
	buf_puts(b, "{");
	for (i = 0; i < rs->n; i++) {
		if (!rs->rules[i].enabled)
			continue;
		jint(b, rs->rules[i].id, (long long)s->rule_hits[i], first);
		first = false;
	}
	buf_puts(b, "}");
	if (cs != NULL) {
		jkey(b, "correlation", false);
		buf_puts(b, "{");
		jint(b, "joins", (long long)cs->joins, true);
		jint(b, "findings_new", (long long)cs->findings_new, false);
		jint(b, "findings_updated", (long long)cs->findings_updated,
		    false);
		jint(b, "tripped", (long long)cs->tripped, false);
		jint(b, "rejected_skew", (long long)cs->rejected_skew, false);
		jint(b, "no_host", (long long)cs->no_host, false);
		buf_puts(b, "}");
	}
	jint(b, "findings", (long long)r->nf, false);
	jint(b, "findings_tripped", (long long)r->ntripped, false);
	jint(b, "findings_suppressed", (long long)r->nsuppressed, false);
	jint(b, "findings_local", (long long)r->nlocal, false);
	jint(b, "findings_lateral", (long long)r->nlateral, false);
	buf_puts(b, "}");
}

/* Write the report as one JSON document. */
static void
report_json(const struct report *r, FILE *fp)
{
	const struct report_opts *o = r->o;
	const struct ruleset *rs = r->h->rules;
	struct buf b, q;
	char dur[32];
	size_t i, j, n;

	buf_init(&b);
	buf_init(&q);
	fmt_frame(o->lookback, dur, sizeof(dur));
	buf_puts(&b, "{");
	jstr(&b, "hypothesis", o->hypothesis, true);
	jstr(&b, "time_frame", dur, false);
	jint(&b, "time_frame_seconds", (long long)o->lookback, false);
	jstr(&b, "scope", o->scope != NULL && *o->scope ? o->scope : NULL,
	    false);
	jstr(&b, "case_id", o->case_id != NULL && *o->case_id ? o->case_id :
	    NULL, false);
	jtime(&b, "data_first_seen", r->h->stats.first_us, false);
	jtime(&b, "data_last_seen", r->h->stats.last_us, false);

	jkey(&b, "techniques_hunted", false);
	buf_puts(&b, "[");
	for (i = 0; i < r->ntech; i++) {
		buf_puts(&b, i ? ",{" : "{");
		jstr(&b, "id", r->tech[i].id, true);
		jstr(&b, "name", attack_name(r->tech[i].id), false);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");

	jkey(&b, "queries", false);
	buf_puts(&b, "[");
	for (i = 0, n = 0; i < rs->n; i++) {
		if (!rs->rules[i].enabled)
			continue;
		buf_reset(&q);
		query_render(rs->rules[i].query, &q);
		buf_puts(&b, n++ ? ",{" : "{");
		jstr(&b, "rule", rs->rules[i].id, true);
		jstr(&b, "title", rs->rules[i].title, false);
		jkey(&b, "techniques", false);
		buf_puts(&b, "[");
		for (j = 0; j < rs->rules[i].ntechniques; j++) {
			if (j)
				buf_puts(&b, ",");
			jval(&b, rs->rules[i].techniques[j]);
		}
		buf_puts(&b, "]");
		jstr(&b, "query", q.data, false);
		jint(&b, "count", (long long)r->h->stats.rule_hits[i], false);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");
	jstrlist(&b, "server_queries", &r->serverq, false);

	jkey(&b, "findings", false);
	buf_puts(&b, "[");
	for (i = 0; i < r->nf; i++) {
		if (i)
			buf_puts(&b, ",");
		json_finding(&b, &r->f[i]);
	}
	buf_puts(&b, "]");

	jkey(&b, "local_execution", false);
	buf_puts(&b, "[");
	for (i = 0; i < r->nlocal; i++) {
		if (i)
			buf_puts(&b, ",");
		json_finding(&b, &r->f[r->nf + i]);
	}
	buf_puts(&b, "]");

	jkey(&b, "detected_techniques", false);
	buf_puts(&b, "[");
	for (i = 0; i < r->detected.n; i++) {
		buf_puts(&b, i ? ",{" : "{");
		jstr(&b, "id", r->detected.v[i], true);
		jstr(&b, "name", attack_name(r->detected.v[i]), false);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");

	jkey(&b, "affected_hosts", false);
	buf_puts(&b, "[");
	for (i = 0; i < r->nhosts; i++) {
		buf_puts(&b, i ? ",{" : "{");
		jstr(&b, "host", r->hosts[i].name, true);
		jstrlist(&b, "ips", &r->hosts[i].ips, false);
		jstr(&b, "role", role_word(r->hosts[i].role), false);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");

	jstrlist(&b, "negative_results", &r->negatives, false);
	json_statistics(&b, r);
	jstrlist(&b, "follow_on_actions", &r->actions, false);
	buf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, fp);
	buf_free(&b);
	buf_free(&q);
}

/* Write the report of what H found; returns the number of findings. */
int
report_write(struct hunt *h, const struct report_opts *o, FILE *fp)
{
	struct report r;
	int n;

	report_build(&r, h, o);
	if (r.failed) {
		log_warnx("cannot read the findings from the store");
		report_clear(&r);
		return -1;
	}
	if (o->json)
		report_json(&r, fp);
	else
		report_text(&r, fp);
	n = (int)r.nf;
	report_clear(&r);
	if (fflush(fp) == EOF || ferror(fp)) {
		log_warn("writing the report");
		return -1;
	}
	return n;
}
