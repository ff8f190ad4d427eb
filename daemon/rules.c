/*
 * rules.c - rule files (rules.d/NAME.rules), lists (lists.d/NAME.txt), the
 * rule set, matching events against it and rendering it server-side.
 *
 * A rule file is a sequence of INI stanzas:
 *
 *	[rule wmi-shell]
 *	title      = WmiPrvSE spawned a shell
 *	techniques = T1047
 *	severity   = high
 *	role       = exec
 *	query      = metadata.event_type = "PROCESS_LAUNCH" AND
 *	             principal.process.file.full_path = /\\wmiprvse\.exe$/ nocase
 *
 * Lines starting with '#' or ';' are comments; an indented line continues
 * the previous key's value.  Keys: query (required), title (default: the
 * ID), techniques (T#### or T####.###, comma-separated), severity (low,
 * medium, high, critical; default medium), role (exec, launch, transfer,
 * access, network; default exec), enabled (true/false, yes/no, on/off,
 * 1/0; default true).  Every error is collected in one pass and a rule set
 * with any error is never returned.
 *
 * Lists are read only when a query names them (%NAME or @NAME), from
 * lists_dir/NAME.txt: one value a line, `//` starts a comment, trailing
 * white space goes, `\\` `\/` `\"` `\t` and `\ ` are the escapes
 * (any other backslash is an error, so a Windows path is written with
 * doubled backslashes as in a query string).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "lmhunt.h"

/* the rules that can match one value of metadata.event_type */
struct rules_bucket {
	char			 *event_type;	/* NULL: event types no rule pins */
	const struct rule	**rules;
	size_t			  n;
};

struct rules_index {
	struct rules_bucket	 *buckets;
	size_t			  n;
	struct rules_bucket	  other;	/* only the unpinned rules */
};

/* state shared while loading: lists are loaded when a query names them */
struct loader {
	struct ruleset	*rs;
	const char	*lists_dir;
	struct errlist	*errs;
	size_t		 nerrs_lists;	/* list errors seen (for the result) */
	bool		 too_many_rules;
};

static const char *const severity_names[] = {
	NULL, "low", "medium", "high", "critical"
};
static const char *const role_names[] = {
	"exec", "launch", "transfer", "access", "network"
};

/* The name of a severity ("low" .. "critical"). */
const char *
severity_name(enum rule_severity s)
{
	if (s < SEV_LOW || s > SEV_CRITICAL)
		return "unknown";
	return severity_names[s];
}

/* The name of a role ("exec", "launch", ...). */
const char *
role_name(enum rule_role r)
{
	if ((int)r < 0 || r > ROLE_NETWORK)
		return "unknown";
	return role_names[r];
}

/* Tell whether S is a valid list or rule name: [A-Za-z0-9_.-], not empty. */
static bool
valid_name(const char *s, size_t max)
{
	size_t n = 0;

	if (*s == '\0' || *s == '.' || *s == '-')
		return false;
	for (; *s != '\0'; s++, n++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return false;
	}
	return n <= max;
}

/* Tell whether S is a MITRE ATT&CK technique ID: T#### or T####.###. */
static bool
valid_technique(const char *s)
{
	int i;

	if (s[0] != 'T')
		return false;
	for (i = 1; i <= 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	if (s[5] == '\0')
		return true;
	if (s[5] != '.')
		return false;
	for (i = 6; i <= 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return s[9] == '\0';
}

/* Remove trailing white space (and a CR) from S in place; return its length. */
static size_t
rtrim(char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return len;
}

/*
 * Parse one list line in place: `\` escapes (\\ \/ \" \t and an escaped
 * space), `//` starts a comment, trailing white space is trimmed.  Returns
 * the value's length, or -1 with the column of a bad escape in *BADCOL.
 */
static ssize_t
list_unescape(char *s, int *badcol)
{
	char *r = s, *w = s;
	size_t keep = 0;	/* length up to the last escaped character */

	while (*r != '\0') {
		if (r[0] == '/' && r[1] == '/')
			break;
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		switch (r[1]) {
		case '\\': case '/': case '"': case ' ':
			*w++ = r[1];
			break;
		case 't':
			*w++ = '\t';
			break;
		default:
			*badcol = (int)(r - s) + 1;
			return -1;
		}
		r += 2;
		keep = (size_t)(w - s);
	}
	*w = '\0';
	/* trailing white space goes, but not an escaped space or tab */
	while ((size_t)(w - s) > keep && isspace((unsigned char)w[-1]))
		*--w = '\0';
	return w - s;
}

/* Load lists_dir/NAME.txt into L; errors go to the loader's list. */
static int
list_read(struct loader *ld, struct lmh_list *l, const char *name)
{
	char *line = NULL;
	size_t cap = 0, nalloc = 0;
	ssize_t len, vlen;
	int lineno = 0, badcol = 0, nerr = 0;
	FILE *fp;

	l->name = xstrdup(name);
	l->file = xasprintf("%s/%s.txt", ld->lists_dir, name);
	if ((fp = fopen(l->file, "r")) == NULL)
		return -1;
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (len > LMH_CONF_LINE_MAX) {
			errlist_add(ld->errs, l->file, lineno, 0,
			    "line longer than %d bytes", LMH_CONF_LINE_MAX);
			nerr++;
			continue;
		}
		if ((size_t)len != strlen(line)) {
			errlist_add(ld->errs, l->file, lineno, 0,
			    "NUL byte in line");
			nerr++;
			continue;
		}
		/* only the line end here: an escaped trailing space stays */
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if ((vlen = list_unescape(line, &badcol)) == -1) {
			errlist_add(ld->errs, l->file, lineno, badcol,
			    "unknown escape (write \\\\ for a backslash)");
			nerr++;
			continue;
		}
		if (vlen == 0)
			continue;
		if (vlen > LMH_LIST_ITEM_MAX) {
			errlist_add(ld->errs, l->file, lineno, 0,
			    "value longer than %d bytes", LMH_LIST_ITEM_MAX);
			nerr++;
			continue;
		}
		if (l->n >= LMH_LIST_ITEMS_MAX) {
			errlist_add(ld->errs, l->file, lineno, 0,
			    "list %s has more than %d values", name,
			    LMH_LIST_ITEMS_MAX);
			nerr++;
			break;
		}
		if (l->n == nalloc) {
			nalloc = nalloc ? nalloc * 2 : 16;
			l->items = xrealloc(l->items, nalloc * sizeof(*l->items));
		}
		l->items[l->n++] = xstrdup(line);
	}
	if (ferror(fp)) {
		errlist_add(ld->errs, l->file, 0, 0, "read error: %s",
		    strerror(errno));
		nerr++;
	}
	free(line);
	fclose(fp);
	ld->nerrs_lists += (size_t)nerr;
	return 0;
}

/* Free one list's contents. */
static void
list_clear(struct lmh_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	free(l->name);
	free(l->file);
	memset(l, 0, sizeof(*l));
}

/*
 * The lookup handed to query_parse: a list already loaded, else
 * lists_dir/NAME.txt read now.  NULL when the name is invalid or the file
 * does not exist (query_parse reports the unknown list at its position).
 */
static const struct lmh_list *
list_lookup(const char *name, void *arg)
{
	struct loader *ld = arg;
	struct ruleset *rs = ld->rs;
	struct lmh_list *l;
	size_t i;

	for (i = 0; i < rs->nlists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return &rs->lists[i];
	if (!valid_name(name, LMH_NAME_MAX) || ld->lists_dir == NULL)
		return NULL;
	if (rs->nlists >= LMH_LISTS_MAX) {
		errlist_add(ld->errs, ld->lists_dir, 0, 0,
		    "more than %d lists used", LMH_LISTS_MAX);
		ld->nerrs_lists++;
		return NULL;
	}
	l = &rs->lists[rs->nlists];
	if (list_read(ld, l, name) == -1) {
		list_clear(l);
		return NULL;
	}
	rs->nlists++;
	return l;
}

/* Find the rule with ID in RS (among the first N), or NULL. */
static struct rule *
rule_find(struct ruleset *rs, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return &rs->rules[i];
	return NULL;
}

/* the keys of a rule stanza */
enum rule_key { K_TITLE, K_TECHNIQUES, K_SEVERITY, K_ROLE, K_QUERY,
	K_ENABLED, K_NKEYS };
static const char *const key_names[K_NKEYS] = {
	"title", "techniques", "severity", "role", "query", "enabled"
};

/* one stanza being read: each key's value and where it started */
struct stanza {
	struct rule	*rule;		/* NULL after an error in the header */
	struct buf	 val[K_NKEYS];
	int		 line[K_NKEYS];
	int		 col[K_NKEYS];
	bool		 set[K_NKEYS];
	int		 hline;		/* line of the [rule ID] header */
	bool		 bad;
};

/* Compare two C strings for qsort. */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parse a boolean value; -1 when it is none. */
static int
parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Parse the techniques list of ST into its rule. */
static void
stanza_techniques(struct loader *ld, const char *file, struct stanza *st)
{
	struct rule *r = st->rule;
	char *copy, *tok, *save = NULL, *p;
	int col;

	copy = xstrdup(st->val[K_TECHNIQUES].data);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		col = st->col[K_TECHNIQUES] + (int)(tok - copy);
		while (isspace((unsigned char)*tok)) {
			tok++;
			col++;
		}
		for (p = tok + strlen(tok); p > tok && isspace((unsigned char)p[-1]);)
			*--p = '\0';
		if (*tok == '\0')
			continue;
		if (!valid_technique(tok)) {
			errlist_add(ld->errs, file, st->line[K_TECHNIQUES], col,
			    "bad technique '%s' (want T#### or T####.###)",
			    tok);
			st->bad = true;
			continue;
		}
		if (r->ntechniques >= LMH_TECHNIQUES_MAX) {
			errlist_add(ld->errs, file, st->line[K_TECHNIQUES], col,
			    "more than %d techniques", LMH_TECHNIQUES_MAX);
			st->bad = true;
			break;
		}
		r->techniques[r->ntechniques++] = xstrdup(tok);
	}
	free(copy);
}

/* Check a finished stanza and compile its query. */
static void
stanza_finish(struct loader *ld, const char *file, struct stanza *st)
{
	struct rule *r = st->rule;
	const char *v;
	size_t i;
	int b;

	if (r == NULL)
		goto out;
	if (st->set[K_TITLE])
		r->title = xstrdup(st->val[K_TITLE].data);
	else
		r->title = xstrdup(r->id);
	if (st->set[K_TECHNIQUES])
		stanza_techniques(ld, file, st);
	if (st->set[K_SEVERITY]) {
		v = st->val[K_SEVERITY].data;
		for (i = SEV_LOW; i <= SEV_CRITICAL; i++)
			if (strcmp(v, severity_names[i]) == 0)
				r->severity = (enum rule_severity)i;
		if (r->severity == 0) {
			errlist_add(ld->errs, file, st->line[K_SEVERITY],
			    st->col[K_SEVERITY], "bad severity '%s' (want "
			    "low, medium, high or critical)", v);
			st->bad = true;
		}
	} else
		r->severity = SEV_MEDIUM;
	r->role = ROLE_EXEC;
	if (st->set[K_ROLE]) {
		v = st->val[K_ROLE].data;
		for (i = 0; i <= ROLE_NETWORK; i++)
			if (strcmp(v, role_names[i]) == 0)
				break;
		if (i > ROLE_NETWORK) {
			errlist_add(ld->errs, file, st->line[K_ROLE],
			    st->col[K_ROLE], "bad role '%s' (want exec, "
			    "launch, transfer, access or network)", v);
			st->bad = true;
		} else
			r->role = (enum rule_role)i;
	}
	r->enabled = true;
	if (st->set[K_ENABLED]) {
		if ((b = parse_bool(st->val[K_ENABLED].data)) == -1) {
			errlist_add(ld->errs, file, st->line[K_ENABLED],
			    st->col[K_ENABLED], "bad boolean '%s' for enabled "
			    "(want true or false)", st->val[K_ENABLED].data);
			st->bad = true;
		} else
			r->enabled = b;
	}
	if (!st->set[K_QUERY] || st->val[K_QUERY].len == 0) {
		errlist_add(ld->errs, file, st->hline, 1,
		    "rule %s has no query", r->id);
		st->bad = true;
	} else if (st->val[K_QUERY].len > LMH_QUERY_LEN_MAX) {
		errlist_add(ld->errs, file, st->line[K_QUERY],
		    st->col[K_QUERY], "query longer than %d bytes",
		    LMH_QUERY_LEN_MAX);
		st->bad = true;
	} else {
		r->query_text = xstrdup(st->val[K_QUERY].data);
		r->query = query_parse(r->query_text, file, st->line[K_QUERY],
		    st->col[K_QUERY], list_lookup, ld, ld->errs);
		if (r->query == NULL)
			st->bad = true;
	}
out:
	for (i = 0; i < K_NKEYS; i++) {
		buf_free(&st->val[i]);
		st->set[i] = false;
	}
	st->rule = NULL;
	st->bad = false;
}

/* Start a stanza for the header "[rule ID]" at LINE; P points after '['. */
static void
stanza_start(struct loader *ld, const char *file, int lineno, char *p,
    struct stanza *st)
{
	struct ruleset *rs = ld->rs;
	struct rule *r, *dup;
	char *end, *id;
	int col;

	st->hline = lineno;
	st->rule = NULL;
	if ((end = strchr(p, ']')) == NULL || end[1] != '\0') {
		errlist_add(ld->errs, file, lineno, 1,
		    "bad section header (want [rule ID])");
		return;
	}
	*end = '\0';
	if (strncmp(p, "rule", 4) != 0 || !isspace((unsigned char)p[4])) {
		errlist_add(ld->errs, file, lineno, 2,
		    "unknown section [%s] (want [rule ID])", p);
		return;
	}
	for (id = p + 4; isspace((unsigned char)*id); id++)
		;
	rtrim(id, strlen(id));
	col = (int)(id - p) + 2;
	if (!valid_name(id, LMH_RULE_ID_MAX)) {
		errlist_add(ld->errs, file, lineno, col, "bad rule ID '%s' "
		    "(letters, digits, '_', '-', '.'; at most %d bytes)", id,
		    LMH_RULE_ID_MAX);
		return;
	}
	if ((dup = rule_find(rs, id, rs->n)) != NULL) {
		errlist_add(ld->errs, file, lineno, col, "duplicate rule ID "
		    "'%s' (first defined at %s:%d)", id, dup->file, dup->line);
		return;
	}
	if (rs->n >= LMH_RULES_MAX) {
		if (!ld->too_many_rules)
			errlist_add(ld->errs, file, lineno, 1,
			    "more than %d rules", LMH_RULES_MAX);
		ld->too_many_rules = true;
		return;
	}
	r = &rs->rules[rs->n++];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	r->file = xstrdup(file);
	r->line = lineno;
	st->rule = r;
}

/* Read one .rules file into the rule set. */
static void
rules_read_file(struct loader *ld, const char *file)
{
	struct stanza st;
	char *line = NULL, *p, *eq, *k, *v;
	size_t cap = 0, total = 0, i;
	ssize_t len;
	int lineno = 0, last = -1;	/* last: key a continuation extends */
	bool in_stanza = false;
	FILE *fp;

	memset(&st, 0, sizeof(st));
	if ((fp = fopen(file, "r")) == NULL) {
		errlist_add(ld->errs, file, 0, 0, "cannot open: %s",
		    strerror(errno));
		return;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		total += (size_t)len;
		if (total > LMH_CONF_FILE_MAX) {
			errlist_add(ld->errs, file, lineno, 0,
			    "file larger than %d bytes", LMH_CONF_FILE_MAX);
			break;
		}
		if (len > LMH_CONF_LINE_MAX) {
			errlist_add(ld->errs, file, lineno, 0,
			    "line longer than %d bytes", LMH_CONF_LINE_MAX);
			last = -1;
			continue;
		}
		if ((size_t)len != strlen(line)) {
			errlist_add(ld->errs, file, lineno, 0, "NUL byte in line");
			last = -1;
			continue;
		}
		len = (ssize_t)rtrim(line, (size_t)len);
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		if (p != line) {
			/* an indented line continues the previous value */
			if (last == K_NKEYS)	/* of a key already refused */
				continue;
			if (last == -1) {
				errlist_add(ld->errs, file, lineno, 1,
				    "indented line continues no key");
				continue;
			}
			if (st.rule == NULL)
				continue;
			if (last == K_QUERY) {
				buf_puts(&st.val[last], "\n");
				buf_puts(&st.val[last], line);
			} else {
				buf_puts(&st.val[last], " ");
				buf_puts(&st.val[last], p);
			}
			continue;
		}
		last = -1;
		if (*p == '[') {
			if (in_stanza)
				stanza_finish(ld, file, &st);
			in_stanza = true;
			stanza_start(ld, file, lineno, p + 1, &st);
			continue;
		}
		if ((eq = strchr(p, '=')) == NULL) {
			errlist_add(ld->errs, file, lineno, 1,
			    "expected 'key = value' or '[rule ID]'");
			continue;
		}
		for (v = eq + 1; isspace((unsigned char)*v); v++)
			;
		k = p;
		for (*eq = '\0'; eq > k && isspace((unsigned char)eq[-1]);)
			*--eq = '\0';
		for (i = 0; i < K_NKEYS; i++)
			if (strcmp(k, key_names[i]) == 0)
				break;
		/* a refused key's continuation lines are skipped quietly */
		last = K_NKEYS;
		if (i == K_NKEYS) {
			errlist_add(ld->errs, file, lineno, 1,
			    "unknown key '%s' (want title, techniques, "
			    "severity, role, query or enabled)", k);
			continue;
		}
		if (!in_stanza) {
			errlist_add(ld->errs, file, lineno, 1,
			    "key '%s' outside a [rule ID] section", k);
			continue;
		}
		if (st.set[i]) {
			errlist_add(ld->errs, file, lineno, 1,
			    "duplicate key '%s' (first at line %d)", k,
			    st.line[i]);
			continue;
		}
		st.set[i] = true;
		st.line[i] = lineno;
		st.col[i] = (int)(v - line) + 1;
		buf_init(&st.val[i]);
		buf_puts(&st.val[i], v);
		last = (int)i;
	}
	if (ferror(fp))
		errlist_add(ld->errs, file, 0, 0, "read error: %s",
		    strerror(errno));
	if (in_stanza)
		stanza_finish(ld, file, &st);
	for (i = 0; i < K_NKEYS; i++)
		buf_free(&st.val[i]);
	free(line);
	fclose(fp);
}

/* Add rule R to bucket B. */
static void
bucket_add(struct rules_bucket *b, const struct rule *r)
{
	b->rules = xrealloc(b->rules, (b->n + 1) * sizeof(*b->rules));
	b->rules[b->n++] = r;
}

/*
 * Index the enabled rules by the event type their query pins: each
 * bucket holds, in rule order, the rules pinned to its type and the
 * rules that pin none.
 */
static struct rules_index *
index_build(const struct ruleset *rs)
{
	struct rules_index *ix = xcalloc(1, sizeof(*ix));
	const struct rule *r;
	const char *t;
	size_t i, j;

	for (i = 0; i < rs->n; i++) {
		r = &rs->rules[i];
		if (!r->enabled || r->query == NULL ||
		    (t = query_event_type(r->query)) == NULL)
			continue;
		for (j = 0; j < ix->n; j++)
			if (strcmp(ix->buckets[j].event_type, t) == 0)
				break;
		if (j == ix->n) {
			ix->buckets = xrealloc(ix->buckets,
			    (ix->n + 1) * sizeof(*ix->buckets));
			memset(&ix->buckets[j], 0, sizeof(ix->buckets[j]));
			ix->buckets[j].event_type = xstrdup(t);
			ix->n++;
		}
	}
	for (i = 0; i < rs->n; i++) {
		r = &rs->rules[i];
		if (!r->enabled || r->query == NULL)
			continue;
		t = query_event_type(r->query);
		if (t == NULL)
			bucket_add(&ix->other, r);
		for (j = 0; j < ix->n; j++)
			if (t == NULL || strcmp(ix->buckets[j].event_type, t) == 0)
				bucket_add(&ix->buckets[j], r);
	}
	return ix;
}

/* Free an index. */
static void
index_free(struct rules_index *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->n; i++) {
		free(ix->buckets[i].event_type);
		free(ix->buckets[i].rules);
	}
	free(ix->buckets);
	free(ix->other.rules);
	free(ix);
}

/* Collect the names of the regular *.rules files of DIR, sorted. */
static int
rules_files(const char *dir, struct strlist *out, struct errlist *errs)
{
	struct dirent *de;
	size_t len;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		errlist_add(errs, dir, 0, 0, "cannot open rules directory: %s",
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 6 ||
		    strcmp(de->d_name + len - 6, ".rules") != 0)
			continue;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (out->n > 0)
		qsort(out->v, out->n, sizeof(*out->v), cmp_names);
	return 0;
}

/*
 * Load every rules_dir/NAME.rules file in name order and the lists their
 * queries name from lists_dir.  All errors are reported; any error means
 * NULL (no partial rule set).
 */
struct ruleset *
rules_load(const char *rules_dir, const char *lists_dir, struct errlist *errs)
{
	struct strlist files = { NULL, 0 };
	struct ruleset *rs;
	struct loader ld;
	size_t i, nerr0 = errs->n;

	rs = xcalloc(1, sizeof(*rs));
	rs->rules = xcalloc(LMH_RULES_MAX, sizeof(*rs->rules));
	rs->lists = xcalloc(LMH_LISTS_MAX, sizeof(*rs->lists));
	memset(&ld, 0, sizeof(ld));
	ld.rs = rs;
	ld.lists_dir = lists_dir;
	ld.errs = errs;

	if (rules_files(rules_dir, &files, errs) == 0 && files.n == 0)
		errlist_add(errs, rules_dir, 0, 0, "no *.rules files");
	for (i = 0; i < files.n; i++) {
		rules_read_file(&ld, files.v[i]);
		free(files.v[i]);
	}
	free(files.v);
	if (errs->n > nerr0 || ld.nerrs_lists > 0) {
		if (errs->n == nerr0)	/* capped list: still an error */
			errlist_add(errs, lists_dir, 0, 0, "errors in lists");
		rules_free(rs);
		return NULL;
	}
	rs->index = index_build(rs);
	return rs;
}

/* Free a rule set and everything it owns. */
void
rules_free(struct ruleset *rs)
{
	struct rule *r;
	size_t i, j;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		r = &rs->rules[i];
		free(r->id);
		free(r->title);
		for (j = 0; j < r->ntechniques; j++)
			free(r->techniques[j]);
		free(r->query_text);
		if (r->query != NULL)
			query_free(r->query);
		free(r->file);
	}
	free(rs->rules);
	for (i = 0; i < rs->nlists; i++)
		list_clear(&rs->lists[i]);
	free(rs->lists);
	index_free(rs->index);
	free(rs);
}

/*
 * Lint every rule: the query's own warnings (query_lint), techniques the
 * ATT&CK table does not know, detection rules naming no technique.
 */
void
rules_lint(const struct ruleset *rs, struct errlist *warnings)
{
	struct errlist w = { NULL, 0 };
	const struct rule *r;
	size_t i, j, flen;

	for (i = 0; i < rs->n; i++) {
		r = &rs->rules[i];
		if (r->query != NULL)
			query_lint(r->query, &w);
		flen = strlen(r->file);
		for (j = 0; j < w.n; j++) {
			/* query_lint knows the query's position; keep it */
			if (strncmp(w.msgs[j], r->file, flen) == 0 &&
			    w.msgs[j][flen] == ':')
				errlist_add(warnings, NULL, 0, 0, "%s",
				    w.msgs[j]);
			else
				errlist_add(warnings, r->file, r->line, 1,
				    "warning: rule %s: %s", r->id, w.msgs[j]);
		}
		errlist_free(&w);
		for (j = 0; j < r->ntechniques; j++)
			if (attack_name(r->techniques[j]) == NULL)
				errlist_add(warnings, r->file, r->line, 1,
				    "warning: rule %s: technique %s is not in "
				    "the ATT&CK table", r->id,
				    r->techniques[j]);
		if (r->ntechniques == 0 && r->role <= ROLE_TRANSFER)
			errlist_add(warnings, r->file, r->line, 1,
			    "warning: rule %s: no techniques", r->id);
	}
}

/* Put the enabled rules matching EV in HITS (at most MAX); return the count. */
size_t
rules_match(const struct ruleset *rs, const struct lmh_event *ev,
    const struct rule **hits, size_t max)
{
	const struct rules_index *ix = rs->index;
	const struct rules_bucket *b;
	const char *t = ev->event_type;
	size_t i, n = 0;

	if (ix == NULL)		/* not built by rules_load */
		return 0;
	b = &ix->other;
	if (t != NULL) {
		for (i = 0; i < ix->n; i++) {
			if (ix->buckets[i].event_type[0] == t[0] &&
			    strcmp(ix->buckets[i].event_type, t) == 0) {
				b = &ix->buckets[i];
				break;
			}
		}
	}
	for (i = 0; i < b->n && n < max; i++)
		if (query_match(b->rules[i]->query, ev))
			hits[n++] = b->rules[i];
	return n;
}

/* one rule's rendering, for packing into server-side queries */
struct rendered {
	char	*text;
	int	 ops;
	size_t	 order;
};

/* Sort rendered rules by operators, most first, then by rule order. */
static int
cmp_rendered(const void *a, const void *b)
{
	const struct rendered *x = a, *y = b;

	if (x->ops != y->ops)
		return x->ops > y->ops ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Count AND/OR/NOT words in a query that does not parse (a fallback). */
static int
count_ops_words(const char *s)
{
	const char *p = s;
	int n = 0;
	size_t len;

	while (*p != '\0') {
		while (*p != '\0' && !isalpha((unsigned char)*p))
			p++;
		for (len = 0; isalpha((unsigned char)p[len]); len++)
			;
		if ((len == 3 && (strncasecmp(p, "AND", 3) == 0 ||
		    strncasecmp(p, "NOT", 3) == 0)) ||
		    (len == 2 && strncasecmp(p, "OR", 2) == 0))
			n++;
		p += len;
	}
	return n;
}

/*
 * Logical operators the scope adds (its own plus the AND joining it); the
 * scope's text as rendered (comments gone) goes to TEXT when it parses.
 */
static int
scope_ops(const struct ruleset *rs, const char *scope, char **text)
{
	struct errlist errs = { NULL, 0 };
	struct loader ld;
	struct query *q;
	struct buf b;
	int n;

	*text = NULL;
	if (scope == NULL || *scope == '\0')
		return 0;
	memset(&ld, 0, sizeof(ld));
	ld.rs = (struct ruleset *)rs;	/* lookups only find loaded lists */
	ld.errs = &errs;
	if ((q = query_parse(scope, "scope", 1, 1, list_lookup, &ld,
	    &errs)) == NULL) {
		log_warnx("scope query does not parse; counting its operators "
		    "by word");
		n = count_ops_words(scope);
	} else {
		n = query_ops_server(q);
		buf_init(&b);
		query_render_server(q, &b);
		*text = b.data;
		query_free(q);
	}
	errlist_free(&errs);
	return n + 1;
}

/* Append one server-side query made of R[0..N) to QUERIES. */
static void
emit_query(struct strlist *queries, const char *scope,
    struct rendered **r, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	if (scope != NULL && *scope != '\0')
		buf_printf(&b, "(%s) AND (", scope);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, " OR ");
		if (n > 1)
			buf_puts(&b, "(");
		buf_puts(&b, r[i]->text);
		if (n > 1)
			buf_puts(&b, ")");
	}
	if (scope != NULL && *scope != '\0')
		buf_puts(&b, ")");
	queries->v = xrealloc(queries->v, (queries->n + 1) *
	    sizeof(*queries->v));
	queries->v[queries->n++] = b.data != NULL ? b.data : xstrdup("");
}

/*
 * Render the enabled rules into as few server-side queries as fit under
 * LMH_UDM_OPS_MAX logical operators each (first fit, largest first), each
 * ANDed with SCOPE.  A rule too large on its own is emitted alone with a
 * warning.  Appends to QUERIES and returns how many were added.
 */
size_t
rules_render(const struct ruleset *rs, const char *scope,
    struct strlist *queries)
{
	struct rendered *rr, ***grp;
	size_t i, j, nr = 0, ng = 0, *gn, n0 = queries->n;
	int *gops, sops, cost;
	char *scope_text;
	struct buf b;

	sops = scope_ops(rs, scope, &scope_text);
	if (scope_text != NULL)
		scope = scope_text;
	rr = xcalloc(rs->n, sizeof(*rr));
	for (i = 0; i < rs->n; i++) {
		if (!rs->rules[i].enabled || rs->rules[i].query == NULL)
			continue;
		buf_init(&b);
		query_render_server(rs->rules[i].query, &b);
		rr[nr].text = b.data != NULL ? b.data : xstrdup("");
		rr[nr].ops = query_ops_server(rs->rules[i].query);
		rr[nr].order = i;
		nr++;
	}
	qsort(rr, nr, sizeof(*rr), cmp_rendered);
	grp = xcalloc(nr, sizeof(*grp));
	gn = xcalloc(nr, sizeof(*gn));
	gops = xcalloc(nr, sizeof(*gops));
	for (i = 0; i < nr; i++) {
		for (j = 0; j < ng; j++) {
			/* one more OR joins it to the group */
			cost = gops[j] + 1 + rr[i].ops;
			if (cost + sops <= LMH_UDM_OPS_MAX)
				break;
		}
		if (j == ng) {
			if (rr[i].ops + sops > LMH_UDM_OPS_MAX)
				log_warnx("rule %s: %d logical operators with "
				    "the scope, over the limit of %d; its "
				    "query goes alone",
				    rs->rules[rr[i].order].id, rr[i].ops + sops,
				    LMH_UDM_OPS_MAX);
			grp[ng] = xcalloc(nr, sizeof(**grp));
			gops[ng] = rr[i].ops;
			ng++;
		} else
			gops[j] += 1 + rr[i].ops;
		grp[j][gn[j]++] = &rr[i];
	}
	for (j = 0; j < ng; j++) {
		/* rule order inside a query reads better than size order */
		for (i = 1; i < gn[j]; i++) {
			struct rendered *t = grp[j][i];
			size_t k = i;

			while (k > 0 && grp[j][k - 1]->order > t->order) {
				grp[j][k] = grp[j][k - 1];
				k--;
			}
			grp[j][k] = t;
		}
		emit_query(queries, scope, grp[j], gn[j]);
		free(grp[j]);
	}
	for (i = 0; i < nr; i++)
		free(rr[i].text);
	free(rr);
	free(grp);
	free(gn);
	free(gops);
	free(scope_text);
	return queries->n - n0;
}
