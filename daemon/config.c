/*
 * config.c - the configuration file: one table of keys, a small INI
 * parser that reports every error as "file:line: message" in one pass,
 * and a printer whose output parses again to the same values.
 *
 * Syntax (lmhuntd.conf(5)): "[section]" lines, "key = value" lines,
 * comment lines starting with '#' or ';', blank lines.  A value may be
 * double-quoted (escapes \\ and \"); a line starting with white space
 * continues the value of the key above it, for the keys that allow it.
 *
 * The file holds no secrets: it names the files that hold them
 * (credentials, token_file, app_key_file).  Keys that would carry a
 * secret inline (app_key, token) are known to the table only so that
 * they can be refused with a pointer to the file key; their values are
 * never stored, printed or echoed in an error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmhunt.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define DEFAULT_HYPOTHESIS \
	"Adversaries move laterally with PsExec-style service execution, " \
	"WMI and SMB admin shares (T1021.002, T1569.002, T1047, T1570)"

#define ECHO_MAX	64	/* bytes of a bad value quoted in an error */
#define PRINT_WIDTH	76	/* columns before a long value is wrapped */

enum ctype { CT_STR, CT_INT, CT_DUR, CT_BOOL, CT_LIST, CT_SECRET };

#define CF_PATH		0x01	/* relative value resolves against the config dir */
#define CF_MULTI	0x02	/* value may continue on indented lines */
#define CF_OPTIONAL	0x04	/* string may be empty (unset) */

/* Extra validation of a string or list item: NULL if fine, else the expected form. */
typedef const char *(*check_fn)(const char *);

struct conf_key {
	const char	*section;
	const char	*name;
	enum ctype	 type;
	int64_t		 min, max;	/* CT_INT, CT_DUR (seconds) */
	const char	*def;		/* default as config text; NULL = unset */
	unsigned	 flags;
	size_t		 off;		/* field in struct lmh_config */
	check_fn	 check;
	const char	*file_key;	/* CT_SECRET: the key naming a file instead */
};

static const char *check_api(const char *);
static const char *check_soar_api(const char *);
static const char *check_region(const char *);
static const char *check_name(const char *);
static const char *check_url(const char *);
static const char *check_source(const char *);

#define OFF(f)	offsetof(struct lmh_config, f)
#define MIN	60
#define HOUR	3600
#define DAY	86400

/* The one table of keys, in the order they are printed. */
static const struct conf_key keys[] = {
	{ "chronicle", "api", CT_STR, 0, 0, "chronicle", 0, OFF(api), check_api, NULL },
	{ "chronicle", "region", CT_STR, 0, 0, "us", 0, OFF(region), check_region, NULL },
	{ "chronicle", "project", CT_STR, 0, 0, NULL, CF_OPTIONAL, OFF(project), check_name, NULL },
	{ "chronicle", "instance", CT_STR, 0, 0, NULL, CF_OPTIONAL, OFF(instance), check_name, NULL },
	{ "chronicle", "endpoint", CT_STR, 0, 0, NULL, CF_OPTIONAL, OFF(endpoint), check_url, NULL },
	{ "chronicle", "credentials", CT_STR, 0, 0, NULL, CF_OPTIONAL | CF_PATH, OFF(credentials), NULL, NULL },
	{ "chronicle", "token_file", CT_STR, 0, 0, NULL, CF_OPTIONAL | CF_PATH, OFF(token_file), NULL, NULL },
	{ "chronicle", "token", CT_SECRET, 0, 0, NULL, 0, 0, NULL, "token_file" },
	{ "chronicle", "scope_query", CT_STR, 0, 0, NULL, CF_OPTIONAL | CF_MULTI, OFF(scope_query), NULL, NULL },
	{ "chronicle", "poll_interval", CT_DUR, 10, DAY, "5m", 0, OFF(poll_interval), NULL, NULL },
	{ "chronicle", "lookback", CT_DUR, MIN, 365 * DAY, "72h", 0, OFF(lookback), NULL, NULL },
	{ "chronicle", "overlap", CT_DUR, 0, DAY, "10m", 0, OFF(overlap), NULL, NULL },
	{ "chronicle", "ingest_delay", CT_DUR, 0, DAY, "2m", 0, OFF(ingest_delay), NULL, NULL },
	{ "chronicle", "window_floor", CT_DUR, 1, HOUR, "1m", 0, OFF(window_floor), NULL, NULL },
	{ "chronicle", "queries_per_hour", CT_INT, 1, 100000, "120", 0, OFF(queries_per_hour), NULL, NULL },
	{ "chronicle", "page_limit", CT_INT, 1, 10000, "10000", 0, OFF(page_limit), NULL, NULL },
	{ "chronicle", "request_timeout", CT_DUR, 1, 10 * MIN, "60s", 0, OFF(request_timeout), NULL, NULL },

	{ "soar", "api", CT_STR, 0, 0, "soar", 0, OFF(soar_api), check_soar_api, NULL },
	{ "soar", "url", CT_STR, 0, 0, NULL, CF_OPTIONAL, OFF(soar_url), check_url, NULL },
	{ "soar", "app_key_file", CT_STR, 0, 0, NULL, CF_OPTIONAL | CF_PATH, OFF(app_key_file), NULL, NULL },
	{ "soar", "app_key", CT_SECRET, 0, 0, NULL, 0, 0, NULL, "app_key_file" },
	{ "soar", "case_id", CT_STR, 0, 0, NULL, CF_OPTIONAL, OFF(case_id), check_name, NULL },
	{ "soar", "dry_run", CT_BOOL, 0, 0, "true", 0, OFF(dry_run), NULL, NULL },
	{ "soar", "comments_per_hour", CT_INT, 1, 3600, "30", 0, OFF(comments_per_hour), NULL, NULL },

	{ "hunt", "rules_dir", CT_STR, 0, 0, "rules.d", CF_PATH, OFF(rules_dir), NULL, NULL },
	{ "hunt", "lists_dir", CT_STR, 0, 0, "lists.d", CF_PATH, OFF(lists_dir), NULL, NULL },
	{ "hunt", "hypothesis", CT_STR, 0, 0, DEFAULT_HYPOTHESIS, CF_MULTI, OFF(hypothesis), NULL, NULL },

	{ "correlation", "smb_window", CT_DUR, 0, HOUR, "2m", 0, OFF(smb_window), NULL, NULL },
	{ "correlation", "clock_skew", CT_DUR, 0, HOUR, "30s", 0, OFF(clock_skew), NULL, NULL },
	{ "correlation", "max_clock_skew", CT_DUR, MIN, 30 * DAY, "24h", 0, OFF(max_clock_skew), NULL, NULL },
	{ "correlation", "fanout_hosts", CT_INT, 2, 1000, "3", 0, OFF(fanout_hosts), NULL, NULL },
	{ "correlation", "fanout_window", CT_DUR, MIN, 7 * DAY, "10m", 0, OFF(fanout_window), NULL, NULL },
	{ "correlation", "case_threshold", CT_INT, 0, 100, "70", 0, OFF(case_threshold), NULL, NULL },
	{ "correlation", "admin_sources", CT_LIST, 0, 0, NULL, CF_MULTI, OFF(admin_sources), check_source, NULL },

	{ "storage", "database", CT_STR, 0, 0, LOCALSTATEDIR "/lib/lmhunt/lmhunt.db", CF_PATH, OFF(database), NULL, NULL },
	{ "storage", "retention", CT_DUR, HOUR, 365 * DAY, "7d", 0, OFF(retention), NULL, NULL },
	{ "storage", "batch_events", CT_INT, 1, LMH_BATCH_MAX, "2000", 0, OFF(batch_events), NULL, NULL },

	{ "control", "socket", CT_STR, 0, 0, RUNSTATEDIR "/lmhunt/lmhuntd.sock", CF_PATH, OFF(socket_path), NULL, NULL },
	{ "control", "group", CT_STR, 0, 0, "lmhunt", 0, OFF(socket_group), check_name, NULL },
	{ "control", "max_clients", CT_INT, 1, 1024, "16", 0, OFF(max_clients), NULL, NULL },
	{ "control", "idle_timeout", CT_DUR, 1, DAY, "5m", 0, OFF(idle_timeout), NULL, NULL },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = {
	"chronicle", "soar", "hunt", "correlation", "storage", "control"
};
#define NSECTIONS	(sizeof(sections) / sizeof(sections[0]))
#define SEC_NONE	(-1)		/* before the first section header */
#define SEC_SKIP	(-2)		/* inside an unknown section */

/* the parser's state while it reads one file */
struct parser {
	struct lmh_config *cf;
	struct errlist	*errs;
	const char	*file;
	int		 section;	/* index in sections[], or SEC_* */
	int		 section_line[NSECTIONS];
	int		 key_line[NKEYS];
	int		 pending;	/* key whose value is being read, or -1 */
	int		 pending_line;
	bool		 pending_skip;	/* continuation lines of a bad line */
	bool		 pending_long;	/* value already reported too long */
	struct buf	 value;
};

/* Accept the two Chronicle API flavours. */
static const char *
check_api(const char *v)
{
	if (strcmp(v, "chronicle") == 0 || strcmp(v, "legacy") == 0)
		return NULL;
	return "chronicle or legacy";
}

/* Accept the two SOAR API flavours. */
static const char *
check_soar_api(const char *v)
{
	if (strcmp(v, "soar") == 0 || strcmp(v, "chronicle") == 0)
		return NULL;
	return "soar or chronicle";
}

/* Accept a region: it becomes part of a host name and a URL path. */
static const char *
check_region(const char *v)
{
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_'))
			break;
	if (*p == '\0' && p - v <= 63)
		return NULL;
	return "a region such as us, europe or asia-southeast1: "
	    "lower-case letters, digits, '-' and '_'";
}

/* Accept a name that becomes a URL path component or a group name. */
static const char *
check_name(const char *v)
{
	const char *p;

	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return "a name of letters, digits, '.', '_' and '-'";

	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			break;
	if (*p == '\0' && v[0] != '-' && p - v <= LMH_NAME_MAX)
		return NULL;
	return "a name of letters, digits, '.', '_' and '-'";
}

/* Accept an http:// or https:// URL with a host. */
static const char *
check_url(const char *v)
{
	const char *host = NULL;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	if (host != NULL && *host != '\0' && *host != '/' &&
	    strpbrk(v, " \t") == NULL)
		return NULL;
	return "an https:// or http:// URL";
}

/* Tell whether S is "ADDR/LEN" or "ADDR" for address family AF. */
static bool
is_cidr(const char *s, int af)
{
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int maxlen = af == AF_INET ? 32 : 128, len = 0;
	const char *p;

	if (n == 0 || n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(af, text, addr) != 1)
		return false;
	if (slash == NULL)
		return true;
	p = slash + 1;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((len = len * 10 + (*p - '0')) > maxlen)
			return false;
	return *p == '\0';
}

/* Accept an admin source: an IP address, a CIDR or a host name. */
static const char *
check_source(const char *v)
{
	const char *p;
	bool numeric = true;

	if (strchr(v, ':') != NULL) {
		if (is_cidr(v, AF_INET6))
			return NULL;
	} else {
		for (p = v; *p != '\0'; p++)
			if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '/'))
				numeric = false;
		if (numeric ? is_cidr(v, AF_INET) :
		    (check_name(v) == NULL && strchr(v, '/') == NULL &&
		    strlen(v) <= 253))
			return NULL;
	}
	return "an IP address, a CIDR such as 10.0.0.0/8, or a host name";
}

/* Pointer to the field KEY sets in CF. */
static void *
field(struct lmh_config *cf, const struct conf_key *k)
{
	return (char *)cf + k->off;
}

/* Const pointer to the field KEY sets in CF. */
static const void *
cfield(const struct lmh_config *cf, const struct conf_key *k)
{
	return (const char *)cf + k->off;
}

/* Release the items of a list. */
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

/* Edit distance between two short strings (capped inputs). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp, cost;
	size_t row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			row[j] = prev + cost;
			if (row[j] > row[j - 1] + 1)
				row[j] = row[j - 1] + 1;
			if (row[j] > tmp + 1)
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

/* Tell whether WORD is close enough to NAME to suggest NAME. */
static bool
near(const char *word, const char *name)
{
	size_t d = edit_distance(word, name);

	return d <= (strlen(name) >= 6 ? 2u : 1u);
}

/* Find KEY in SECTION; -1 when unknown. */
static int
key_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Report an unknown key, suggesting the closest name or its section. */
static void
unknown_key(struct parser *p, int line, const char *name)
{
	const char *sec = sections[p->section];
	const char *best = NULL;
	size_t i, d, bestd = SIZE_MAX;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, sec) != 0 || !near(name, keys[i].name))
			continue;
		if ((d = edit_distance(name, keys[i].name)) < bestd) {
			bestd = d;
			best = keys[i].name;
		}
	}
	if (best != NULL) {
		errlist_add(p->errs, p->file, line, 0,
		    "unknown key '%s' in [%s] (did you mean '%s'?)",
		    name, sec, best);
		return;
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0 &&
		    keys[i].type != CT_SECRET) {
			errlist_add(p->errs, p->file, line, 0,
			    "unknown key '%s' in [%s] (it belongs in [%s])",
			    name, sec, keys[i].section);
			return;
		}
	errlist_add(p->errs, p->file, line, 0, "unknown key '%s' in [%s]",
	    name, sec);
}

/* Report an unknown section, suggesting the closest name. */
static void
unknown_section(struct parser *p, int line, const char *name)
{
	size_t i;

	for (i = 0; i < NSECTIONS; i++)
		if (near(name, sections[i])) {
			errlist_add(p->errs, p->file, line, 0,
			    "unknown section [%s] (did you mean [%s]?)",
			    name, sections[i]);
			return;
		}
	errlist_add(p->errs, p->file, line, 0, "unknown section [%s] (sections "
	    "are chronicle, soar, hunt, correlation, storage, control)", name);
}

/* Strip white space from both ends of S in place; returns S's new start. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/*
 * Undo double quotes: a value starting with '"' must end with the
 * closing quote, with \\ and \" the only escapes.  Returns a new string,
 * or NULL with the reason in *WHY.
 */
static char *
unquote(const char *raw, const char **why)
{
	struct buf b;
	const char *s;

	if (raw[0] != '"')
		return xstrdup(raw);
	buf_init(&b);
	buf_add(&b, "", 0);
	for (s = raw + 1; *s != '"'; s++) {
		if (*s == '\0') {
			*why = "no closing quote";
			buf_free(&b);
			return NULL;
		}
		if (*s == '\\') {
			if (s[1] != '\\' && s[1] != '"') {
				*why = "bad escape (only \\\\ and \\\" are "
				    "escapes)";
				buf_free(&b);
				return NULL;
			}
			s++;
		}
		buf_add(&b, s, 1);
	}
	if (s[1] != '\0') {
		*why = "text after the closing quote";
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Tell whether S holds a control character (a tab is fine). */
static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* Describe a range of KEY for an error message into OUT. */
static void
range_text(const struct conf_key *k, char *out, size_t len)
{
	char a[32], b[32];

	if (k->type == CT_DUR) {
		format_duration(k->min, a, sizeof(a));
		format_duration(k->max, b, sizeof(b));
		snprintf(out, len, "%s..%s", a, b);
	} else
		snprintf(out, len, "%lld..%lld", (long long)k->min,
		    (long long)k->max);
}

/* Parse a decimal integer with nothing after it. */
static int
parse_int(const char *s, int64_t *v)
{
	char *end;
	long long n;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' &&
	    s[1] <= '9')))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = n;
	return 0;
}

/* Parse a boolean word. */
static int
parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return 0;
		}
	}
	return -1;
}

/* Tell whether a list holds as many items as it may. */
static bool
l_full(const struct strlist *l)
{
	return l->n == LMH_CONF_LIST_MAX;
}

/* Split a list value at commas into L; NULL or the reason it is bad. */
static const char *
parse_list(const struct conf_key *k, char *s, struct strlist *l,
    const char **bad)
{
	char *item, *next;

	strlist_clear(l);
	if (*trim(s) == '\0')
		return NULL;
	for (item = s; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		item = trim(item);
		*bad = item;
		if (*item == '\0')
			return "empty item in list";
		if (l_full(l))
			return "too many items";
		if (k->check != NULL && k->check(item) != NULL)
			return k->check(item);
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = xstrdup(item);
	}
	return NULL;
}

/*
 * Convert TEXT (unquoted) for key K and store it in CF.  Errors go to
 * ERRS at FILE:LINE; returns 0 or -1.
 */
static int
set_value(struct lmh_config *cf, const struct conf_key *k, char *text,
    struct errlist *errs, const char *file, int line)
{
	char rng[80], bad[ECHO_MAX + 4];
	const char *why, *item = NULL;
	int64_t v;
	bool bv;

	snprintf(bad, sizeof(bad), "%.*s%s", ECHO_MAX, text,
	    strlen(text) > ECHO_MAX ? "..." : "");
	if (has_control(text)) {
		errlist_add(errs, file, line, 0,
		    "control character in the value of %s", k->name);
		return -1;
	}
	switch (k->type) {
	case CT_STR:
		if (*text == '\0') {
			if (!(k->flags & CF_OPTIONAL)) {
				errlist_add(errs, file, line, 0,
				    "%s must not be empty", k->name);
				return -1;
			}
			free(*(char **)field(cf, k));
			*(char **)field(cf, k) = NULL;
			return 0;
		}
		if (k->check != NULL && (why = k->check(text)) != NULL) {
			errlist_add(errs, file, line, 0,
			    "bad value '%s' for %s (expected %s)", bad,
			    k->name, why);
			return -1;
		}
		free(*(char **)field(cf, k));
		*(char **)field(cf, k) = xstrdup(text);
		return 0;
	case CT_INT:
	case CT_DUR:
		range_text(k, rng, sizeof(rng));
		if (k->type == CT_INT && parse_int(text, &v) == -1) {
			errlist_add(errs, file, line, 0,
			    "bad integer '%s' for %s (expected a whole number "
			    "in %s)", bad, k->name, rng);
			return -1;
		}
		if (k->type == CT_DUR && (*text == '\0' ||
		    strchr("smhd", text[strlen(text) - 1]) == NULL ||
		    parse_duration(text, &v) == -1)) {
			errlist_add(errs, file, line, 0,
			    "malformed duration '%s' for %s (expected a whole "
			    "number and a unit s, m, h or d, e.g. 90s, 10m, "
			    "72h, 7d)", bad, k->name);
			return -1;
		}
		if (v < k->min || v > k->max) {
			errlist_add(errs, file, line, 0,
			    "%s = %s is out of range (%s)", k->name, bad, rng);
			return -1;
		}
		*(int64_t *)field(cf, k) = v;
		return 0;
	case CT_BOOL:
		if (parse_bool(text, &bv) == -1) {
			errlist_add(errs, file, line, 0,
			    "bad boolean '%s' for %s (expected true or false, "
			    "yes or no, on or off)", bad, k->name);
			return -1;
		}
		*(bool *)field(cf, k) = bv;
		return 0;
	case CT_LIST:
		if ((why = parse_list(k, text, field(cf, k), &item)) != NULL) {
			snprintf(bad, sizeof(bad), "%.*s%s", ECHO_MAX, item,
			    strlen(item) > ECHO_MAX ? "..." : "");
			if (*item == '\0')
				errlist_add(errs, file, line, 0, "empty item "
				    "in %s (items are separated by commas)",
				    k->name);
			else if (l_full(field(cf, k)))
				errlist_add(errs, file, line, 0, "%s has more "
				    "than %d items", k->name,
				    LMH_CONF_LIST_MAX);
			else
				errlist_add(errs, file, line, 0,
				    "bad item '%s' in %s (expected %s)", bad,
				    k->name, why);
			strlist_clear(field(cf, k));
			return -1;
		}
		return 0;
	case CT_SECRET:
		break;
	}
	return -1;
}

/* Store the value of the key being read, now that it is complete. */
static void
flush_pending(struct parser *p)
{
	const struct conf_key *k;
	const char *why = NULL;
	char *text;

	if (p->pending >= 0 && !p->pending_skip) {
		k = &keys[p->pending];
		if ((text = unquote(p->value.data, &why)) == NULL)
			errlist_add(p->errs, p->file, p->pending_line, 0,
			    "bad quoted value for %s: %s", k->name, why);
		else
			set_value(p->cf, k, text, p->errs, p->file,
			    p->pending_line);
		free(text);
	}
	p->pending = -1;
	p->pending_skip = false;
	p->pending_long = false;
	buf_reset(&p->value);
}

/* Append S to the value being read, within LMH_CONF_VALUE_MAX. */
static void
pending_add(struct parser *p, int line, const char *s)
{
	size_t add = strlen(s) + (p->value.len > 0 ? 1 : 0);

	if (p->pending_skip)
		return;
	if (p->value.len + add > LMH_CONF_VALUE_MAX) {
		if (!p->pending_long)
			errlist_add(p->errs, p->file, line, 0,
			    "value of %s is longer than %d bytes",
			    keys[p->pending].name, LMH_CONF_VALUE_MAX);
		p->pending_long = p->pending_skip = true;
		return;
	}
	if (p->value.len > 0)
		buf_add(&p->value, " ", 1);
	buf_puts(&p->value, s);
}

/* Handle an indented line: a continuation of the key above. */
static void
continuation(struct parser *p, int line, char *s)
{
	if (p->pending < 0) {
		if (!p->pending_skip)
			errlist_add(p->errs, p->file, line, 0, "indented line "
			    "continues no key (remove the indentation)");
		return;
	}
	if (p->pending_skip)
		return;
	if (!(keys[p->pending].flags & CF_MULTI)) {
		errlist_add(p->errs, p->file, line, 0, "indented line continues "
		    "%s, which takes a single line (remove the indentation)",
		    keys[p->pending].name);
		p->pending_skip = true;
		return;
	}
	pending_add(p, line, s);
}

/* Handle a "[section]" line. */
static void
section_line(struct parser *p, int line, char *s)
{
	char *end = s + strlen(s) - 1, *name;
	size_t i;

	if (*end != ']') {
		errlist_add(p->errs, p->file, line, 0,
		    "malformed section header (expected [name])");
		p->section = SEC_SKIP;
		return;
	}
	*end = '\0';
	name = trim(s + 1);
	for (i = 0; i < NSECTIONS; i++)
		if (strcmp(name, sections[i]) == 0)
			break;
	if (i == NSECTIONS) {
		unknown_section(p, line, name);
		p->section = SEC_SKIP;
		return;
	}
	if (p->section_line[i] != 0)
		errlist_add(p->errs, p->file, line, 0,
		    "duplicate section [%s] (first at line %d)", name,
		    p->section_line[i]);
	else
		p->section_line[i] = line;
	p->section = (int)i;
}

/* Handle a "key = value" line (or a line that should be one). */
static void
key_line(struct parser *p, int line, char *s)
{
	const struct conf_key *k;
	char *eq = strchr(s, '='), *name;
	int ki;

	p->pending_skip = true;		/* until the key proves good */
	if (eq == NULL) {
		errlist_add(p->errs, p->file, line, 0,
		    "line has no '=' (expected key = value)");
		return;
	}
	*eq = '\0';
	name = trim(s);
	if (*name == '\0') {
		errlist_add(p->errs, p->file, line, 0,
		    "missing key name before '='");
		return;
	}
	if (p->section == SEC_SKIP)
		return;
	if (p->section == SEC_NONE) {
		errlist_add(p->errs, p->file, line, 0,
		    "key '%s' outside any section", name);
		return;
	}
	if ((ki = key_find(sections[p->section], name)) == -1) {
		unknown_key(p, line, name);
		return;
	}
	k = &keys[ki];
	if (k->type == CT_SECRET) {
		errlist_add(p->errs, p->file, line, 0, "%s: secrets are not "
		    "accepted in the configuration file; put the secret in a "
		    "file only lmhuntd can read and set %s", name,
		    k->file_key);
		return;
	}
	if (p->key_line[ki] != 0) {
		errlist_add(p->errs, p->file, line, 0, "duplicate key '%s' in "
		    "[%s] (first set at line %d)", name, k->section,
		    p->key_line[ki]);
		return;
	}
	p->key_line[ki] = line;
	p->pending = ki;
	p->pending_line = line;
	p->pending_skip = false;
	pending_add(p, line, trim(eq + 1));
}

/* Parse one physical line (NUL-terminated, without its newline). */
static void
parse_line(struct parser *p, int line, char *s, size_t len)
{
	char *t;

	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (len > LMH_CONF_LINE_MAX) {
		errlist_add(p->errs, p->file, line, 0,
		    "line is longer than %d bytes", LMH_CONF_LINE_MAX);
		flush_pending(p);
		p->pending_skip = true;
		return;
	}
	if (strlen(s) != len) {
		errlist_add(p->errs, p->file, line, 0, "NUL byte in line");
		flush_pending(p);
		p->pending_skip = true;
		return;
	}
	t = trim(s);
	if (*t == '\0' || *t == '#' || *t == ';')
		return;
	if (t != s) {
		continuation(p, line, t);
		return;
	}
	flush_pending(p);
	if (*t == '[')
		section_line(p, line, t);
	else
		key_line(p, line, t);
}

/*
 * Read all of PATH into a new buffer, at most LMH_CONF_FILE_MAX bytes.
 * Returns 0, or -1 with the error added to ERRS.
 */
static int
read_file(const char *path, struct buf *out, struct errlist *errs)
{
	char chunk[8192];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errlist_add(errs, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		errlist_add(errs, path, 0, 0, "cannot read: %s", strerror(EISDIR));
		close(fd);
		return -1;
	}
	buf_init(out);
	buf_add(out, "", 0);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errlist_add(errs, path, 0, 0, "cannot read: %s",
			    strerror(errno));
			break;
		}
		if (n == 0) {
			close(fd);
			return 0;
		}
		if (out->len + (size_t)n > LMH_CONF_FILE_MAX) {
			errlist_add(errs, path, 0, 0, "file is larger than %d "
			    "bytes", LMH_CONF_FILE_MAX);
			break;
		}
		buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	buf_free(out);
	return -1;
}

/* The directory of PATH, absolute when it can be resolved. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else {
		dir = xstrdup(path);
		dir[slash - path] = '\0';
	}
	if ((real = realpath(dir, NULL)) != NULL) {
		free(dir);
		dir = xstrdup(real);
		free(real);
	}
	return dir;
}

/* Resolve a config path value against the config file's directory. */
char *
config_path(const struct lmh_config *cf, const char *value)
{
	if (value == NULL)
		return NULL;
	if (value[0] == '/' || strcmp(value, ":memory:") == 0 ||
	    cf->dir == NULL)
		return xstrdup(value);
	if (strcmp(cf->dir, "/") == 0)
		return xasprintf("/%s", value);
	return xasprintf("%s/%s", cf->dir, value);
}

/* Set every key to its default. */
static void
set_defaults(struct lmh_config *cf)
{
	struct errlist errs = { NULL, 0 };
	char *text;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type == CT_SECRET)
			continue;
		text = xstrdup(keys[i].def != NULL ? keys[i].def : "");
		if (set_value(cf, &keys[i], text, &errs, "default", 0) == -1)
			fatalx("config: bad default for %s: %s", keys[i].name,
			    errs.msgs[0]);
		free(text);
	}
}

/* The line of the later-set of two keys, for an error about both. */
static int
later_line(const struct parser *p, const char *a, const char *b,
    const char *sec)
{
	int la = p->key_line[key_find(sec, a)];
	int lb = p->key_line[key_find(sec, b)];

	return la > lb ? la : lb;
}

/* Checks that involve more than one key. */
static void
cross_checks(struct parser *p)
{
	const struct lmh_config *cf = p->cf;
	char a[32], b[32];
	int64_t horizon;

	if (cf->window_floor > cf->poll_interval) {
		format_duration(cf->window_floor, a, sizeof(a));
		format_duration(cf->poll_interval, b, sizeof(b));
		errlist_add(p->errs, p->file, later_line(p, "window_floor",
		    "poll_interval", "chronicle"), 0, "window_floor (%s) is "
		    "longer than poll_interval (%s)", a, b);
	}
	horizon = cf->smb_window + cf->clock_skew;
	if (cf->fanout_window > horizon)
		horizon = cf->fanout_window;
	if (cf->retention < horizon) {
		format_duration(cf->retention, a, sizeof(a));
		format_duration(horizon, b, sizeof(b));
		errlist_add(p->errs, p->file, p->key_line[key_find("storage",
		    "retention")], 0, "retention (%s) is shorter than the "
		    "correlation horizon (%s: the longer of fanout_window and "
		    "smb_window + clock_skew)", a, b);
	}
}

/* Make the path keys absolute, against the config file's directory. */
static void
resolve_paths(struct parser *p)
{
	char **v, *abs;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (!(keys[i].flags & CF_PATH))
			continue;
		v = field(p->cf, &keys[i]);
		if (*v == NULL)
			continue;
		abs = config_path(p->cf, *v);
		free(*v);
		*v = abs;
	}
	if (strlen(p->cf->socket_path) > LMH_SOCKET_PATH_MAX)
		errlist_add(p->errs, p->file,
		    p->key_line[key_find("control", "socket")], 0,
		    "socket path is longer than %d bytes", LMH_SOCKET_PATH_MAX);
}

/* Append the messages of FROM to TO (within TO's cap) and empty FROM. */
static void
errlist_move(struct errlist *to, struct errlist *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		errlist_add(to, NULL, 0, 0, "%s", from->msgs[i]);
	errlist_free(from);
}

/*
 * Parse PATH into a new config; on error fill ERRS and return NULL.
 * Errors are collected in a list of this file's own, so that a caller's
 * list already full cannot hide them.
 */
struct lmh_config *
config_load(const char *path, struct errlist *errs)
{
	struct errlist mine = { NULL, 0 };
	struct parser p;
	struct buf text;
	size_t off, len;
	char *s, *nl;
	int line;

	if (read_file(path, &text, &mine) == -1) {
		errlist_move(errs, &mine);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.cf = xcalloc(1, sizeof(*p.cf));
	p.cf->path = xstrdup(path);
	p.cf->dir = dir_of(path);
	p.errs = &mine;
	p.file = path;
	p.section = SEC_NONE;
	p.pending = -1;
	buf_init(&p.value);
	buf_add(&p.value, "", 0);
	set_defaults(p.cf);

	off = 0;
	if (text.len >= 3 && memcmp(text.data, "\xef\xbb\xbf", 3) == 0)
		off = 3;			/* a UTF-8 byte order mark */
	for (line = 1; off < text.len; line++) {
		s = text.data + off;
		nl = memchr(s, '\n', text.len - off);
		len = nl != NULL ? (size_t)(nl - s) : text.len - off;
		s[len] = '\0';
		parse_line(&p, line, s, len);
		off += len + 1;
	}
	flush_pending(&p);
	buf_free(&p.value);
	buf_free(&text);

	if (mine.n == 0)
		cross_checks(&p);
	resolve_paths(&p);
	if (mine.n != 0) {
		errlist_move(errs, &mine);
		config_free(p.cf);
		return NULL;
	}
	return p.cf;
}

/* Release a configuration. */
void
config_free(struct lmh_config *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type == CT_STR)
			free(*(char **)field(cf, &keys[i]));
		else if (keys[i].type == CT_LIST)
			strlist_clear(field(cf, &keys[i]));
	}
	free(cf->path);
	free(cf->dir);
	free(cf);
}

/* Tell whether a string value must be quoted to parse back the same. */
static bool
needs_quotes(const char *s)
{
	size_t n = strlen(s);

	return n == 0 || s[0] == '"' || s[0] == ' ' || s[0] == '\t' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t';
}

/*
 * Print "name = value", quoting when needed; values of keys that take
 * continuation lines are wrapped at single spaces into indented lines,
 * which the parser joins back with one space.
 */
static void
print_value(const struct conf_key *k, const char *s, FILE *fp)
{
	struct buf b;
	size_t i, col, next;
	const char *p;

	buf_init(&b);
	if (needs_quotes(s)) {
		buf_add(&b, "\"", 1);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_add(&b, "\\", 1);
			buf_add(&b, p, 1);
		}
		buf_add(&b, "\"", 1);
	} else
		buf_puts(&b, s);

	fprintf(fp, "%s = ", k->name);
	col = strlen(k->name) + 3;
	for (i = 0; i < b.len; i++) {
		if ((k->flags & CF_MULTI) && b.data[i] == ' ' && i > 0 &&
		    b.data[i - 1] != ' ' && b.data[i - 1] != '\t' &&
		    b.data[i + 1] != ' ' && b.data[i + 1] != '\t' &&
		    b.data[i + 1] != '#' && b.data[i + 1] != ';' &&
		    b.data[i + 1] != '\0') {
			next = strcspn(b.data + i + 1, " ");
			if (col + 1 + next > PRINT_WIDTH) {
				fputs("\n\t", fp);
				col = 8;
				continue;
			}
		}
		fputc(b.data[i], fp);
		col++;
	}
	fputc('\n', fp);
	buf_free(&b);
}

/* Print the effective configuration in a form that parses again. */
void
config_print(const struct lmh_config *cf, FILE *fp)
{
	const struct conf_key *k;
	const struct strlist *l;
	const char *sec = NULL;
	struct buf b;
	char dur[32];
	size_t i, j;

	fprintf(fp, "# lmhuntd effective configuration\n");
	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		if (k->type == CT_SECRET)
			continue;
		if (sec == NULL || strcmp(sec, k->section) != 0) {
			sec = k->section;
			fprintf(fp, "\n[%s]\n", sec);
		}
		switch (k->type) {
		case CT_STR:
			print_value(k, *(char *const *)cfield(cf, k) != NULL ?
			    *(char *const *)cfield(cf, k) : "", fp);
			break;
		case CT_INT:
			fprintf(fp, "%s = %lld\n", k->name,
			    (long long)*(const int64_t *)cfield(cf, k));
			break;
		case CT_DUR:
			format_duration(*(const int64_t *)cfield(cf, k), dur,
			    sizeof(dur));
			fprintf(fp, "%s = %s\n", k->name, dur);
			break;
		case CT_BOOL:
			fprintf(fp, "%s = %s\n", k->name,
			    *(const bool *)cfield(cf, k) ? "true" : "false");
			break;
		case CT_LIST:
			l = cfield(cf, k);
			buf_init(&b);
			buf_add(&b, "", 0);
			for (j = 0; j < l->n; j++)
				buf_printf(&b, "%s%s", j ? ", " : "", l->v[j]);
			print_value(k, b.data, fp);
			buf_free(&b);
			break;
		case CT_SECRET:
			break;
		}
	}
}
