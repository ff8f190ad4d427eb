/*
 * query.c - the query language: lexer, parser, evaluation on one event,
 * rendering to valid UDM search text, and lint.
 *
 * The language is Chronicle's UDM search syntax:
 *
 *   field OP value [nocase]     OP is = != < <= > >=; value is a "string"
 *                               (\\ and \" escapes), an integer, true/false
 *                               or a /regex/ (\/ for a slash; = and != only)
 *   field in %list [nocase]     exact membership in a reference list
 *   field in regex %list        any regex of the list matches
 *   field in cidr %list         the IP lies in any CIDR of the list
 *   AND, OR, NOT (any case), juxtaposition = AND, parentheses,
 *   // line and slash-star block comments
 *   field["key"]                a map entry: labels [{key,value}] arrays
 *                               (target.labels["TargetLogonId"]) or plain
 *                               objects (additional.fields["LogonType"])
 *
 * It also accepts the runbook's dialect, which is NOT valid UDM search and
 * is rewritten on parsing (so rendering gives valid text):
 *
 *   field CONTAINS "x"          -> field = /x-escaped/ nocase
 *   field IN ("a", "b")         -> (field = "a" nocase OR field = "b" nocase)
 *   field IN @list              -> field in %list nocase
 *   field NOT IN ... / NOT CONTAINS -> NOT (the above)
 *
 * CONTAINS and IN compare CASE-INSENSITIVELY (as the runbook's authors
 * meant them); the UDM forms compare case-sensitively unless nocase.
 *
 * Evaluation semantics:
 *  - a repeated field (an array anywhere on the path) matches if ANY of
 *    its values satisfies the predicate, for != too;
 *  - a missing field never satisfies a predicate: "field != x" is FALSE
 *    when field is absent, while "NOT field = x" is TRUE (plain negation);
 *  - an integer literal compares numerically with JSON integers and with
 *    JSON strings made only of digits ("pid": "2156" = 2156);
 *  - a string literal compares with the value's text (ports too);
 *  - regexes are compiled once with PCRE2 (JIT when available), match
 *    anywhere in the value unless anchored, and run under a match limit;
 *  - nocase folds ASCII case only.
 * Evaluation allocates nothing; a compiled query is not thread-safe (the
 * regexes share one match block).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lmhunt.h"

/* Backtracking steps one regex match may take (RE2 is linear; PCRE2 is not). */
#define QUERY_MATCH_LIMIT	1000000
/* Longest IP text looked up in a CIDR list. */
#define QUERY_IP_TEXT_MAX	64

enum q_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum qv_type { QV_STRING, QV_INT, QV_BOOL, QV_REGEX };
enum qn_kind { QN_AND, QN_OR, QN_NOT, QN_CMP, QN_LIST, QN_LIST_REGEX,
	QN_LIST_CIDR };
enum ftype { F_UNKNOWN, F_STRING, F_INT, F_BOOL, F_ENUM };

static const char *const op_text[] = { "=", "!=", "<", "<=", ">", ">=" };

/* a field path, compiled */
struct qfield {
	char		*text;		/* as rendered: a.b.c or a.b["key"] */
	char		*base;		/* the path before a subscript */
	char		*key;		/* subscript key, or NULL */
	struct udm_path	*path;		/* compiled by udm.c */
	int		 flat;		/* index in flat_fields + 1, or 0 */
};

struct strset {
	char		**slots;
	size_t		 *lens;
	size_t		  mask;
};

struct cidr {
	int		 af;		/* 4 or 6 */
	unsigned char	 addr[16];
	int		 bits;
};

struct qnode {
	enum qn_kind	 kind;
	int		 line, col;
	int		 cost;
	/* AND, OR, NOT */
	struct qnode	**kids;		/* as written (rendering) */
	struct qnode	**ekids;	/* cheapest first (evaluation) */
	size_t		  nkids;
	/* predicates */
	struct qfield	  f;
	enum q_op	  op;
	enum qv_type	  vtype;
	bool		  nocase;
	char		 *s;		/* string value, or regex source */
	size_t		  slen;
	int64_t		  i;		/* integer or boolean */
	pcre2_code	 *re;
	/* lists */
	char		 *list;
	struct strset	  set;
	pcre2_code	**res;
	size_t		  nres;
	struct cidr	 *cidrs;
	size_t		  ncidrs;
};

struct query {
	struct qnode		*root;
	char			*file;
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	int			 npreds;
};

/* ------------------------------------------------------------------ */
/* Lexer                                                               */
/* ------------------------------------------------------------------ */

enum tok_kind { T_EOF, T_WORD, T_STRING, T_INT, T_REGEX, T_LPAREN, T_RPAREN,
	T_LBRACK, T_RBRACK, T_COMMA, T_OP, T_PCT, T_AT, T_ERROR };

struct tok {
	enum tok_kind	 kind;
	const char	*p;		/* start in the text */
	size_t		 len;		/* bytes in the text */
	int		 line, col;
	enum q_op	 op;
	char		*sval;		/* T_STRING decoded (owned) */
	size_t		 slen;
	int64_t		 ival;
};

struct lexer {
	const char	*s;
	size_t		 pos, len;
	int		 line, col;
};

struct parser {
	struct lexer	 lx;
	struct tok	 cur;
	const char	*file;
	struct errlist	*errs;
	bool		 failed;
	int		 depth;
	struct query	*q;
	list_lookup_fn	 lookup;
	void		*lookup_arg;
};

/* Report the first error of a parse. */
static void __attribute__((format(printf, 4, 5)))
perr(struct parser *ps, int line, int col, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	errlist_add(ps->errs, ps->file, line, col, "%s", msg);
}

/* Move the lexer one byte on, keeping line and column. */
static void
lx_step(struct lexer *lx)
{
	if (lx->pos >= lx->len)
		return;
	if (lx->s[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else
		lx->col++;
	lx->pos++;
}

/* The byte at offset K from the lexer position, or NUL past the end. */
static int
lx_peekc(const struct lexer *lx, size_t k)
{
	return lx->pos + k < lx->len ? (unsigned char)lx->s[lx->pos + k] : 0;
}

/* Whether C may appear in a field path word. */
static bool
is_word(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

/* Whether C may appear in a list name. */
static bool
is_listname(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

/* Describe a token for "found X" in messages. */
static void
tok_describe(const struct tok *t, char *out, size_t len)
{
	int n = t->len > 40 ? 40 : (int)t->len;

	switch (t->kind) {
	case T_EOF:
		snprintf(out, len, "end of query");
		break;
	case T_STRING:
		snprintf(out, len, "string %.*s%s", n, t->p,
		    t->len > 40 ? "..." : "");
		break;
	case T_REGEX:
		snprintf(out, len, "regex %.*s%s", n, t->p,
		    t->len > 40 ? "..." : "");
		break;
	case T_INT:
		snprintf(out, len, "number %.*s", n, t->p);
		break;
	default:
		snprintf(out, len, "'%.*s%s'", n, t->p,
		    t->len > 40 ? "..." : "");
		break;
	}
}

/* Skip blanks and comments; false (with an error) on an open comment. */
static bool
lx_skip(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	int line, col;

	for (;;) {
		int c = lx_peekc(lx, 0);

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			lx_step(lx);
		} else if (c == '/' && lx_peekc(lx, 1) == '/') {
			while (lx->pos < lx->len && lx_peekc(lx, 0) != '\n')
				lx_step(lx);
		} else if (c == '/' && lx_peekc(lx, 1) == '*') {
			line = lx->line;
			col = lx->col;
			lx_step(lx);
			lx_step(lx);
			for (;;) {
				if (lx->pos >= lx->len) {
					perr(ps, line, col, "unterminated comment:"
					    " expected '*/', found end of query");
					return false;
				}
				if (lx_peekc(lx, 0) == '*' &&
				    lx_peekc(lx, 1) == '/') {
					lx_step(lx);
					lx_step(lx);
					break;
				}
				lx_step(lx);
			}
		} else
			return true;
	}
}

/* Lex a double-quoted string into T (decoded into t->sval). */
static void
lx_string(struct parser *ps, struct tok *t)
{
	struct lexer *lx = &ps->lx;
	struct buf b;
	int c;

	buf_init(&b);
	buf_add(&b, "", 0);
	lx_step(lx);			/* the opening quote */
	for (;;) {
		c = lx_peekc(lx, 0);
		if (lx->pos >= lx->len || c == '\n') {
			perr(ps, t->line, t->col, "unterminated string: expected"
			    " '\"', found %s", c == '\n' ? "end of line" :
			    "end of query");
			t->kind = T_ERROR;
			buf_free(&b);
			return;
		}
		if (c == '"') {
			lx_step(lx);
			break;
		}
		if (c == '\\') {
			int d = lx_peekc(lx, 1);

			if (d != '\\' && d != '"') {
				if (d >= 0x20 && d < 0x7f)
					perr(ps, lx->line, lx->col, "bad escape"
					    " '\\%c' in string: expected \\\\ or"
					    " \\\" (write a backslash as \\\\)",
					    d);
				else
					perr(ps, lx->line, lx->col, "bad escape"
					    " in string: expected \\\\ or \\\"");
				t->kind = T_ERROR;
				buf_free(&b);
				return;
			}
			lx_step(lx);
			c = d;
		}
		buf_add(&b, &(char){ (char)c }, 1);
		lx_step(lx);
	}
	t->kind = T_STRING;
	t->sval = b.data;
	t->slen = b.len;
}

/* Lex a /regex/; the source between the slashes is kept verbatim. */
static void
lx_regex(struct parser *ps, struct tok *t)
{
	struct lexer *lx = &ps->lx;
	int c;

	lx_step(lx);
	for (;;) {
		c = lx_peekc(lx, 0);
		if (lx->pos >= lx->len || c == '\n') {
			perr(ps, t->line, t->col, "unterminated regex: expected"
			    " '/', found %s", c == '\n' ? "end of line" :
			    "end of query");
			t->kind = T_ERROR;
			return;
		}
		if (c == '/')
			break;
		if (c == '\\') {
			lx_step(lx);
			if (lx->pos >= lx->len || lx_peekc(lx, 0) == '\n')
				continue;
		}
		lx_step(lx);
	}
	lx_step(lx);
	t->kind = T_REGEX;
	t->sval = xmalloc(lx->pos - (size_t)(t->p - lx->s) - 1);
	t->slen = lx->pos - (size_t)(t->p - lx->s) - 2;
	memcpy(t->sval, t->p + 1, t->slen);
	t->sval[t->slen] = '\0';
}

/* Lex the next token into T. */
static void
lx_next(struct parser *ps, struct tok *t)
{
	struct lexer *lx = &ps->lx;
	int c;

	memset(t, 0, sizeof *t);
	if (!lx_skip(ps)) {
		t->kind = T_ERROR;
		return;
	}
	t->p = lx->s + lx->pos;
	t->line = lx->line;
	t->col = lx->col;
	c = lx_peekc(lx, 0);
	if (lx->pos >= lx->len) {
		t->kind = T_EOF;
	} else if (c == '"') {
		lx_string(ps, t);
	} else if (c == '/') {
		lx_regex(ps, t);
	} else if (isalpha(c) || c == '_') {
		while (is_word(lx_peekc(lx, 0)))
			lx_step(lx);
		t->kind = T_WORD;
	} else if (isdigit(c) || (c == '-' && isdigit(lx_peekc(lx, 1)))) {
		bool neg = c == '-';
		uint64_t v = 0;
		bool big = false;

		if (neg)
			lx_step(lx);
		while (isdigit(lx_peekc(lx, 0))) {
			unsigned d = (unsigned)(lx_peekc(lx, 0) - '0');

			if (v > ((uint64_t)INT64_MAX - d) / 10)
				big = true;
			else
				v = v * 10 + d;
			lx_step(lx);
		}
		if (big) {
			perr(ps, t->line, t->col, "integer out of range");
			t->kind = T_ERROR;
		} else if (is_word(lx_peekc(lx, 0))) {
			perr(ps, t->line, t->col, "bad number: expected digits,"
			    " found '%c'", lx_peekc(lx, 0));
			t->kind = T_ERROR;
		} else {
			t->kind = T_INT;
			t->ival = neg ? -(int64_t)v : (int64_t)v;
		}
	} else if (c == '(' || c == ')' || c == '[' || c == ']' ||
	    c == ',') {
		lx_step(lx);
		t->kind = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN :
		    c == '[' ? T_LBRACK : c == ']' ? T_RBRACK : T_COMMA;
	} else if (c == '%' || c == '@') {
		lx_step(lx);
		if (!is_listname(lx_peekc(lx, 0))) {
			perr(ps, t->line, t->col, "expected a list name after"
			    " '%c'", c);
			t->kind = T_ERROR;
		} else {
			while (is_listname(lx_peekc(lx, 0)))
				lx_step(lx);
			t->kind = c == '%' ? T_PCT : T_AT;
		}
	} else if (strchr("=!<>~", c) != NULL) {
		size_t n;

		while (lx_peekc(lx, 0) != 0 && strchr("=!<>~", lx_peekc(lx, 0)))
			lx_step(lx);
		n = (size_t)(lx->s + lx->pos - t->p);
		t->kind = T_OP;
		if (n == 1 && c == '=')
			t->op = OP_EQ;
		else if (n == 2 && memcmp(t->p, "!=", 2) == 0)
			t->op = OP_NE;
		else if (n == 1 && c == '<')
			t->op = OP_LT;
		else if (n == 2 && memcmp(t->p, "<=", 2) == 0)
			t->op = OP_LE;
		else if (n == 1 && c == '>')
			t->op = OP_GT;
		else if (n == 2 && memcmp(t->p, ">=", 2) == 0)
			t->op = OP_GE;
		else {
			perr(ps, t->line, t->col, "unknown operator '%.*s':"
			    " expected = != < <= > >=", (int)(n > 8 ? 8 : n),
			    t->p);
			t->kind = T_ERROR;
		}
	} else {
		if (c >= 0x21 && c < 0x7f)
			perr(ps, t->line, t->col, "unexpected character '%c'",
			    c);
		else
			perr(ps, t->line, t->col, "unexpected byte 0x%02x", c);
		t->kind = T_ERROR;
	}
	t->len = (size_t)(lx->s + lx->pos - t->p);
}

/* Advance to the next token, releasing the current one. */
static void
advance(struct parser *ps)
{
	free(ps->cur.sval);
	lx_next(ps, &ps->cur);
}

/* The kind of the token after the current one, without consuming it. */
static struct tok
peek2(struct parser *ps)
{
	struct lexer save = ps->lx;
	bool failed = ps->failed;
	struct errlist *errs = ps->errs;
	struct errlist none = { NULL, 0 };
	struct tok t;

	ps->errs = &none;
	lx_next(ps, &t);
	errlist_free(&none);
	ps->errs = errs;
	ps->failed = failed;
	ps->lx = save;
	free(t.sval);
	t.sval = NULL;
	return t;
}

/* Whether the current token is the keyword KW (any case). */
static bool
is_kw(const struct tok *t, const char *kw)
{
	return t->kind == T_WORD && strlen(kw) == t->len &&
	    strncasecmp(t->p, kw, t->len) == 0;
}

/* Report "expected WHAT, found <current token>". */
static void
expected(struct parser *ps, const char *what)
{
	char found[96];

	if (ps->cur.kind == T_ERROR)
		return;			/* the lexer already said why */
	tok_describe(&ps->cur, found, sizeof found);
	perr(ps, ps->cur.line, ps->cur.col, "expected %s, found %s", what,
	    found);
}

/* ------------------------------------------------------------------ */
/* Field knowledge: types of the UDM paths we know                     */
/* ------------------------------------------------------------------ */

struct fdef {
	const char	*path;
	enum ftype	 type;
};

/* Fields of a noun (principal, target, src, ...). */
static const struct fdef noun_fields[] = {
	{ "hostname", F_STRING }, { "ip", F_STRING }, { "port", F_INT },
	{ "mac", F_STRING }, { "nat_ip", F_STRING }, { "nat_port", F_INT },
	{ "application", F_STRING }, { "administrative_domain", F_STRING },
	{ "namespace", F_STRING }, { "url", F_STRING }, { "email", F_STRING },
	{ "platform", F_ENUM }, { "platform_version", F_STRING },
	{ "domain.name", F_STRING }, { "labels", F_STRING },
	{ "user.userid", F_STRING }, { "user.user_display_name", F_STRING },
	{ "user.windows_sid", F_STRING }, { "user.email_addresses", F_STRING },
	{ "user.product_object_id", F_STRING }, { "user.account_type", F_ENUM },
	{ "user.group_identifiers", F_STRING },
	{ "resource.name", F_STRING }, { "resource.resource_subtype", F_STRING },
	{ "resource.resource_type", F_ENUM },
	{ "resource.product_object_id", F_STRING },
	{ "file.full_path", F_STRING }, { "file.names", F_STRING },
	{ "file.sha256", F_STRING }, { "file.md5", F_STRING },
	{ "file.sha1", F_STRING }, { "file.size", F_INT },
	{ "file.mime_type", F_STRING },
	{ "registry.registry_key", F_STRING },
	{ "registry.registry_value_name", F_STRING },
	{ "registry.registry_value_data", F_STRING },
	{ "asset.hostname", F_STRING }, { "asset.ip", F_STRING },
	{ "asset.mac", F_STRING }, { "asset.asset_id", F_STRING },
	{ "asset.product_object_id", F_STRING },
	{ "asset.platform_software.platform", F_ENUM },
	{ "asset.software.name", F_STRING },
	{ "asset.software.description", F_STRING },
	{ "asset.software.vendor_name", F_STRING },
	{ "asset.software.version", F_STRING },
	{ "location.city", F_STRING }, { "location.country_or_region", F_STRING },
};

/* Fields of a process (also under parent_process). */
static const struct fdef process_fields[] = {
	{ "pid", F_STRING }, { "command_line", F_STRING },
	{ "file.full_path", F_STRING }, { "file.names", F_STRING },
	{ "file.sha256", F_STRING }, { "file.md5", F_STRING },
	{ "file.sha1", F_STRING }, { "file.size", F_INT },
	{ "product_specific_process_id", F_STRING },
	{ "integrity_level_rid", F_INT }, { "token_elevation_type", F_ENUM },
	{ "access_mask", F_INT }, { "parent_pid", F_STRING },
};

/* Fields outside the nouns. */
static const struct fdef top_fields[] = {
	{ "metadata.event_type", F_ENUM },
	{ "metadata.product_event_type", F_STRING },
	{ "metadata.product_name", F_STRING },
	{ "metadata.vendor_name", F_STRING },
	{ "metadata.product_version", F_STRING },
	{ "metadata.log_type", F_STRING },
	{ "metadata.id", F_STRING },
	{ "metadata.description", F_STRING },
	{ "metadata.product_log_id", F_STRING },
	{ "metadata.product_deployment_id", F_STRING },
	{ "metadata.url_back_to_product", F_STRING },
	{ "metadata.enrichment_state", F_ENUM },
	{ "metadata.event_timestamp.seconds", F_INT },
	{ "metadata.ingested_timestamp.seconds", F_INT },
	{ "metadata.collected_timestamp.seconds", F_INT },
	{ "metadata.base_labels.log_types", F_STRING },
	{ "network.direction", F_ENUM },
	{ "network.ip_protocol", F_ENUM },
	{ "network.application_protocol", F_ENUM },
	{ "network.sent_bytes", F_INT }, { "network.received_bytes", F_INT },
	{ "network.sent_packets", F_INT }, { "network.received_packets", F_INT },
	{ "network.session_duration.seconds", F_INT },
	{ "network.session_id", F_STRING },
	{ "network.community_id", F_STRING },
	{ "network.dns.questions.name", F_STRING },
	{ "network.dns.questions.type", F_INT },
	{ "network.dns.answers.name", F_STRING },
	{ "network.dns.answers.data", F_STRING },
	{ "network.dns.answers.type", F_INT },
	{ "network.dns.response_code", F_INT },
	{ "network.http.method", F_STRING },
	{ "network.http.user_agent", F_STRING },
	{ "network.http.response_code", F_INT },
	{ "network.http.referral_url", F_STRING },
	{ "network.tls.client.server_name", F_STRING },
	{ "security_result.action", F_ENUM },
	{ "security_result.severity", F_ENUM },
	{ "security_result.category", F_ENUM },
	{ "security_result.category_details", F_STRING },
	{ "security_result.summary", F_STRING },
	{ "security_result.description", F_STRING },
	{ "security_result.rule_name", F_STRING },
	{ "security_result.rule_id", F_STRING },
	{ "security_result.threat_name", F_STRING },
	{ "security_result.action_details", F_STRING },
	{ "extensions.auth.type", F_ENUM },
	{ "extensions.auth.mechanism", F_ENUM },
	{ "extensions.auth.auth_details", F_STRING },
};

static const char *const nouns[] = { "principal", "target", "src",
	"observer", "intermediary", "about" };

/* Valid values of metadata.event_type. */
static const char *const event_types[] = {
	"EVENTTYPE_UNSPECIFIED", "PROCESS_UNCATEGORIZED", "PROCESS_LAUNCH",
	"PROCESS_INJECTION", "PROCESS_PRIVILEGE_ESCALATION",
	"PROCESS_TERMINATION", "PROCESS_OPEN", "PROCESS_MODULE_LOAD",
	"REGISTRY_UNCATEGORIZED", "REGISTRY_CREATION", "REGISTRY_MODIFICATION",
	"REGISTRY_DELETION", "SETTING_UNCATEGORIZED", "SETTING_CREATION",
	"SETTING_MODIFICATION", "SETTING_DELETION", "MUTEX_CREATION",
	"FILE_UNCATEGORIZED", "FILE_CREATION", "FILE_DELETION",
	"FILE_MODIFICATION", "FILE_READ", "FILE_COPY", "FILE_OPEN",
	"FILE_MOVE", "FILE_SYNC", "USER_UNCATEGORIZED", "USER_LOGIN",
	"USER_LOGOUT", "USER_CREATION", "USER_CHANGE_PASSWORD",
	"USER_CHANGE_PERMISSIONS", "USER_STATS", "USER_BADGE_IN",
	"USER_DELETION", "USER_RESOURCE_CREATION",
	"USER_RESOURCE_UPDATE_CONTENT", "USER_RESOURCE_UPDATE_PERMISSIONS",
	"USER_COMMUNICATION", "USER_RESOURCE_ACCESS", "USER_RESOURCE_DELETION",
	"GROUP_UNCATEGORIZED", "GROUP_CREATION", "GROUP_DELETION",
	"GROUP_MODIFICATION", "EMAIL_UNCATEGORIZED", "EMAIL_TRANSACTION",
	"EMAIL_URL_CLICK", "NETWORK_UNCATEGORIZED", "NETWORK_FLOW",
	"NETWORK_CONNECTION", "NETWORK_FTP", "NETWORK_DHCP", "NETWORK_DNS",
	"NETWORK_HTTP", "NETWORK_SMTP", "STATUS_UNCATEGORIZED",
	"STATUS_HEARTBEAT", "STATUS_STARTUP", "STATUS_SHUTDOWN",
	"STATUS_UPDATE", "SCAN_UNCATEGORIZED", "SCAN_FILE",
	"SCAN_PROCESS_BEHAVIORS", "SCAN_PROCESS", "SCAN_HOST",
	"SCAN_VULN_HOST", "SCAN_VULN_NETWORK", "SCAN_NETWORK",
	"SCHEDULED_TASK_UNCATEGORIZED", "SCHEDULED_TASK_CREATION",
	"SCHEDULED_TASK_DELETION", "SCHEDULED_TASK_ENABLE",
	"SCHEDULED_TASK_DISABLE", "SCHEDULED_TASK_MODIFICATION",
	"SYSTEM_AUDIT_LOG_UNCATEGORIZED", "SYSTEM_AUDIT_LOG_WIPE",
	"SERVICE_UNSPECIFIED", "SERVICE_CREATION", "SERVICE_DELETION",
	"SERVICE_START", "SERVICE_STOP", "SERVICE_MODIFICATION",
	"GENERIC_EVENT", "RESOURCE_CREATION", "RESOURCE_DELETION",
	"RESOURCE_PERMISSIONS_CHANGE", "RESOURCE_READ", "RESOURCE_WRITTEN",
	"DEVICE_FIRMWARE_UPDATE", "DEVICE_CONFIG_UPDATE",
	"DEVICE_PROGRAM_UPLOAD", "DEVICE_PROGRAM_DOWNLOAD",
	"ANALYST_UPDATE_VERDICT", "ANALYST_UPDATE_REPUTATION",
	"ANALYST_UPDATE_SEVERITY_SCORE", "ANALYST_UPDATE_STATUS",
	"ANALYST_ADD_COMMENT", "ANALYST_UPDATE_PRIORITY",
	"ANALYST_UPDATE_ROOT_CAUSE", "ANALYST_UPDATE_REASON",
	"ANALYST_UPDATE_RISK_SCORE",
};

/* Look PATH up in a table of N entries. */
static enum ftype
fdef_find(const struct fdef *tab, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].path, path) == 0)
			return tab[i].type;
	return F_UNKNOWN;
}

/* The type of a process sub-path (parent_process.* recursing). */
static enum ftype
process_type(const char *rest)
{
	while (strncmp(rest, "parent_process.", 15) == 0)
		rest += 15;
	return fdef_find(process_fields,
	    sizeof process_fields / sizeof process_fields[0], rest);
}

/* The type of the UDM field PATH (snake_case, no subscript), or F_UNKNOWN. */
static enum ftype
field_type(const char *path)
{
	enum ftype t;
	size_t i, n;

	if (strncmp(path, "additional.", 11) == 0 && path[11] != '\0')
		return F_STRING;
	if ((t = fdef_find(top_fields, sizeof top_fields / sizeof top_fields[0],
	    path)) != F_UNKNOWN)
		return t;
	for (i = 0; i < sizeof nouns / sizeof nouns[0]; i++) {
		n = strlen(nouns[i]);
		if (strncmp(path, nouns[i], n) != 0 || path[n] != '.')
			continue;
		path += n + 1;
		if (strncmp(path, "process.", 8) == 0)
			return process_type(path + 8);
		return fdef_find(noun_fields,
		    sizeof noun_fields / sizeof noun_fields[0], path);
	}
	return F_UNKNOWN;
}

/* Whether a field path (with or without a subscript) is known. */
static bool
field_known(const struct qfield *f)
{
	const char *b = f->base;
	size_t n = strlen(b);

	if (f->key != NULL)
		return strcmp(b, "additional.fields") == 0 ||
		    (n >= 7 && strcmp(b + n - 7, ".labels") == 0 &&
		    field_type(b) != F_UNKNOWN) || strcmp(b, "additional") == 0;
	return field_type(b) != F_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Node construction                                                   */
/* ------------------------------------------------------------------ */

/* Release a compiled field path. */
static void
field_free(struct qfield *f)
{
	free(f->text);
	free(f->base);
	free(f->key);
	if (f->path != NULL)
		udm_path_free(f->path);
}

/* Release a node and everything under it. */
static void
node_free(struct qnode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->ekids);
	field_free(&n->f);
	free(n->s);
	if (n->re != NULL)
		pcre2_code_free(n->re);
	free(n->list);
	if (n->set.slots != NULL) {
		for (i = 0; i <= n->set.mask; i++)
			free(n->set.slots[i]);
		free(n->set.slots);
		free(n->set.lens);
	}
	for (i = 0; i < n->nres; i++)
		pcre2_code_free(n->res[i]);
	free(n->res);
	free(n->cidrs);
	free(n);
}

/* A new node of KIND at LINE:COL. */
static struct qnode *
node_new(enum qn_kind kind, int line, int col)
{
	struct qnode *n = xcalloc(1, sizeof *n);

	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

/* Append KID to the AND/OR node N, flattening a kid of the same kind. */
static void
node_add(struct qnode *n, struct qnode *kid)
{
	size_t i;

	if (kid->kind == n->kind) {
		for (i = 0; i < kid->nkids; i++)
			node_add(n, kid->kids[i]);
		kid->nkids = 0;
		node_free(kid);
		return;
	}
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

/* Wrap N in a NOT node. */
static struct qnode *
node_not(struct qnode *kid, int line, int col)
{
	struct qnode *n = node_new(QN_NOT, line, col);

	n->kids = xcalloc(1, sizeof *n->kids);
	n->kids[0] = kid;
	n->nkids = 1;
	return n;
}

/* Count one more predicate; false (with an error) past the limit. */
static bool
count_pred(struct parser *ps, int line, int col)
{
	if (++ps->q->npreds > LMH_QUERY_PREDS_MAX) {
		perr(ps, line, col, "query has more than %d predicates"
		    " (LMH_QUERY_PREDS_MAX)", LMH_QUERY_PREDS_MAX);
		return false;
	}
	return true;
}

/* Compile path text P with udm_path_compile; error at LINE:COL. */
static struct udm_path *
path_compile(struct parser *ps, const char *p, int line, int col)
{
	struct udm_path *up;
	char why[256] = "";

	if ((up = udm_path_compile(p, why, sizeof why)) == NULL)
		perr(ps, line, col, "bad field path '%s': %s", p,
		    why[0] ? why : "cannot compile");
	return up;
}

/*
 * Singular fields that udm.c already decoded into struct lmh_event: reading
 * them there saves the JSON walk.  A NULL string (or a port of -1) means
 * absent; udm.c rejects an event where one of them has a wrong type.
 */
static const struct {
	const char	*path;
	size_t		 off;
	bool		 port;		/* an int port, -1 when absent */
} flat_fields[] = {
	{ "metadata.event_type",
	    offsetof(struct lmh_event, event_type), false },
	{ "metadata.product_event_type",
	    offsetof(struct lmh_event, product_event_type), false },
	{ "metadata.product_name",
	    offsetof(struct lmh_event, product_name), false },
	{ "principal.process.file.full_path",
	    offsetof(struct lmh_event, parent_path), false },
	{ "principal.process.command_line",
	    offsetof(struct lmh_event, parent_cmdline), false },
	{ "target.process.file.full_path",
	    offsetof(struct lmh_event, path), false },
	{ "target.process.command_line",
	    offsetof(struct lmh_event, cmdline), false },
	{ "principal.user.userid", offsetof(struct lmh_event, user), false },
	{ "target.user.userid",
	    offsetof(struct lmh_event, target_user), false },
	{ "target.application", offsetof(struct lmh_event, service), false },
	{ "target.resource.name", offsetof(struct lmh_event, resource), false },
	{ "target.file.full_path",
	    offsetof(struct lmh_event, file_path), false },
	{ "network.direction", offsetof(struct lmh_event, direction), false },
	{ "target.port", offsetof(struct lmh_event, target_port), true },
	{ "principal.port", offsetof(struct lmh_event, principal_port), true },
	{ "src.port", offsetof(struct lmh_event, src_port), true },
};

/* The flat_fields index + 1 of PATH, or 0. */
static int
flat_find(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof flat_fields / sizeof flat_fields[0]; i++)
		if (strcmp(flat_fields[i].path, path) == 0)
			return (int)i + 1;
	return 0;
}

/*
 * Fill F from its base and key and compile it; udm.c reads a map key from
 * an object (additional.fields["X"] is additional.X) or from a labels
 * array of {key, value}.
 */
static bool
field_compile(struct parser *ps, struct qfield *f, int line, int col)
{
	if (f->key == NULL)
		f->text = xstrdup(f->base);
	else
		f->text = xasprintf("%s[\"%s\"]", f->base, f->key);
	f->flat = flat_find(f->text);
	return (f->path = path_compile(ps, f->text, line, col)) != NULL;
}

/* Copy field SRC into DST for another predicate. */
static bool
field_copy(struct parser *ps, struct qfield *dst, const struct qfield *src,
    int line, int col)
{
	memset(dst, 0, sizeof *dst);
	dst->base = xstrdup(src->base);
	dst->key = xstrdup(src->key);
	return field_compile(ps, dst, line, col);
}

/* ------------------------------------------------------------------ */
/* Regexes, lists                                                      */
/* ------------------------------------------------------------------ */

/* Whether the regex source uses constructs RE2 lacks; names one in WHAT. */
static bool
re2_unsupported(const char *s, size_t len, const char **what, size_t *off)
{
	size_t i;
	bool cls = false;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			char d = s[i + 1];

			if (!cls && ((d >= '1' && d <= '9') || d == 'g' ||
			    d == 'k')) {
				*what = "backreferences";
				*off = i;
				return true;
			}
			i++;
			continue;
		}
		if (cls) {
			if (s[i] == ']')
				cls = false;
			continue;
		}
		if (s[i] == '[') {
			cls = true;
			if (i + 1 < len && s[i + 1] == '^')
				i++;
			if (i + 1 < len && s[i + 1] == ']')
				i++;
			continue;
		}
		if (s[i] == '(' && i + 2 < len && s[i + 1] == '?') {
			if (s[i + 2] == '=' || s[i + 2] == '!' ||
			    (s[i + 2] == '<' && i + 3 < len &&
			    (s[i + 3] == '=' || s[i + 3] == '!'))) {
				*what = "lookaround assertions";
				*off = i;
				return true;
			}
			if (s[i + 2] == '>') {
				*what = "atomic groups";
				*off = i;
				return true;
			}
		}
	}
	return false;
}

/* Compile regex source S; errors point at the offset when it is query text. */
static pcre2_code *
re_compile(struct parser *ps, const char *s, size_t len, bool nocase,
    int line, int col, const char *ctx)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	pcre2_code *re;
	const char *what;
	size_t off;
	int code;

	if (re2_unsupported(s, len, &what, &off)) {
		perr(ps, line, col + (ctx[0] ? 0 : 1 + (int)off),
		    "%sinvalid regex: %s are not RE2 syntax (offset %zu)", ctx,
		    what, off);
		return NULL;
	}
	/* RE2 semantics: $ only at the very end, no \C */
	re = pcre2_compile((PCRE2_SPTR)s, len, PCRE2_DOLLAR_ENDONLY |
	    PCRE2_NEVER_BACKSLASH_C | (nocase ? PCRE2_CASELESS : 0), &code,
	    &erroff, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, msg, sizeof msg);
		perr(ps, line, col + (ctx[0] ? 0 : 1 + (int)erroff),
		    "%sinvalid regex: %s at offset %zu", ctx, (char *)msg,
		    (size_t)erroff);
		return NULL;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* FNV-1a of S, folding ASCII case when NOCASE. */
static uint32_t
str_hash(const char *s, size_t len, bool nocase)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		h ^= nocase ? (unsigned char)tolower(c) : c;
		h *= 16777619u;
	}
	return h;
}

/* Compare two byte strings of equal length, folding case when NOCASE. */
static bool
bytes_eq(const char *a, const char *b, size_t len, bool nocase)
{
	size_t i;

	if (!nocase)
		return memcmp(a, b, len) == 0;
	for (i = 0; i < len; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	return true;
}

/* Build the hash set of the items of L. */
static void
set_build(struct strset *set, const struct lmh_list *l, bool nocase)
{
	size_t cap = 8, i, j;

	while (cap < l->n * 2)
		cap *= 2;
	set->mask = cap - 1;
	set->slots = xcalloc(cap, sizeof *set->slots);
	set->lens = xcalloc(cap, sizeof *set->lens);
	for (i = 0; i < l->n; i++) {
		size_t len = strlen(l->items[i]);

		j = str_hash(l->items[i], len, nocase) & set->mask;
		while (set->slots[j] != NULL) {
			if (set->lens[j] == len &&
			    bytes_eq(set->slots[j], l->items[i], len, nocase))
				break;
			j = (j + 1) & set->mask;
		}
		if (set->slots[j] == NULL) {
			set->slots[j] = xstrdup(l->items[i]);
			set->lens[j] = len;
		}
	}
}

/* Whether S is in SET. */
static bool
set_has(const struct strset *set, const char *s, size_t len, bool nocase)
{
	size_t j = str_hash(s, len, nocase) & set->mask;

	while (set->slots[j] != NULL) {
		if (set->lens[j] == len && bytes_eq(set->slots[j], s, len, nocase))
			return true;
		j = (j + 1) & set->mask;
	}
	return false;
}

/* Parse an IP address text (no prefix) into C; false if it is not one. */
static bool
ip_parse(const char *s, size_t len, struct cidr *c)
{
	char tmp[QUERY_IP_TEXT_MAX];

	if (len == 0 || len >= sizeof tmp)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(c->addr, 0, sizeof c->addr);
	if (memchr(tmp, ':', len) != NULL) {
		c->af = 6;
		c->bits = 128;
		return inet_pton(AF_INET6, tmp, c->addr) == 1;
	}
	c->af = 4;
	c->bits = 32;
	return inet_pton(AF_INET, tmp, c->addr) == 1;
}

/* Parse "addr[/bits]" into C; false if malformed. */
static bool
cidr_parse(const char *s, struct cidr *c)
{
	const char *slash = strchr(s, '/');
	char *end;
	long bits;

	if (!ip_parse(s, slash ? (size_t)(slash - s) : strlen(s), c))
		return false;
	if (slash == NULL)
		return true;
	if (!isdigit((unsigned char)slash[1]))
		return false;
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || errno != 0 || bits < 0 || bits > c->bits)
		return false;
	c->bits = (int)bits;
	return true;
}

/* Whether address A lies in network N. */
static bool
cidr_has(const struct cidr *n, const struct cidr *a)
{
	int full = n->bits / 8, rest = n->bits % 8;

	if (n->af != a->af)
		return false;
	if (memcmp(n->addr, a->addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((n->addr[full] ^ a->addr[full]) & (0xff00 >> rest) & 0xff) == 0;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

static struct qnode *parse_or(struct parser *);

/* Escape S as a regex matching it literally (slashes too). */
static char *
regex_escape(const char *s, size_t len, size_t *outlen)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_add(&b, "", 0);
	for (i = 0; i < len; i++) {
		if (strchr("\\^$.|?*+()[]{}/", s[i]) != NULL && s[i] != '\0')
			buf_add(&b, "\\", 1);
		buf_add(&b, s + i, 1);
	}
	*outlen = b.len;
	return b.data;
}

/* Whether the field F forbids regexes (an enum). */
static bool
field_is_enum(const struct qfield *f)
{
	return f->key == NULL && field_type(f->base) == F_ENUM;
}

/* Make a comparison predicate of field F (copied) with the current value. */
static struct qnode *
pred_cmp(struct parser *ps, const struct qfield *f, enum q_op op,
    int line, int col)
{
	struct tok *t = &ps->cur;
	struct qnode *n;
	int vl, vc;

	if (!count_pred(ps, line, col))
		return NULL;
	n = node_new(QN_CMP, line, col);
	n->op = op;
	if (t->kind == T_STRING) {
		n->vtype = QV_STRING;
		n->s = t->sval;
		n->slen = t->slen;
		t->sval = NULL;
	} else if (t->kind == T_INT) {
		n->vtype = QV_INT;
		n->i = t->ival;
	} else if (is_kw(t, "true") || is_kw(t, "false")) {
		n->vtype = QV_BOOL;
		n->i = is_kw(t, "true");
	} else if (t->kind == T_REGEX) {
		n->vtype = QV_REGEX;
		n->s = t->sval;
		n->slen = t->slen;
		t->sval = NULL;
	} else {
		expected(ps, t->kind == T_WORD ? "a value (\"string\", number,"
		    " true, false or /regex/; quote strings and enum values)" :
		    "a value (\"string\", number, true, false or /regex/)");
		node_free(n);
		return NULL;
	}
	if (!field_copy(ps, &n->f, f, line, col)) {
		node_free(n);
		return NULL;
	}
	if (n->vtype == QV_REGEX && op != OP_EQ && op != OP_NE) {
		perr(ps, t->line, t->col, "a regex needs = or !=, not %s",
		    op_text[op]);
		node_free(n);
		return NULL;
	}
	if (n->vtype == QV_BOOL && op != OP_EQ && op != OP_NE) {
		perr(ps, t->line, t->col, "true/false need = or !=, not %s",
		    op_text[op]);
		node_free(n);
		return NULL;
	}
	if (n->vtype == QV_REGEX && field_is_enum(f)) {
		perr(ps, t->line, t->col, "%s is an enum field: UDM search does"
		    " not allow a regex on it; compare with = \"VALUE\"",
		    f->base);
		node_free(n);
		return NULL;
	}
	n->line = line;
	n->col = col;
	vl = t->line;
	vc = t->col;
	advance(ps);
	if (is_kw(&ps->cur, "nocase")) {
		if (n->vtype != QV_STRING && n->vtype != QV_REGEX) {
			perr(ps, ps->cur.line, ps->cur.col, "nocase applies to"
			    " strings and regexes only");
			node_free(n);
			return NULL;
		}
		n->nocase = true;
		advance(ps);
	}
	if (n->vtype == QV_REGEX &&
	    (n->re = re_compile(ps, n->s, n->slen, n->nocase, vl, vc,
	    "")) == NULL) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* Parse the operand after "field in": %list, regex %list, cidr %list, @list. */
static struct qnode *
pred_list(struct parser *ps, const struct qfield *f, int line, int col)
{
	enum qn_kind kind = QN_LIST;
	const struct lmh_list *l;
	struct qnode *n;
	char *name, ctx[512];
	bool at;
	size_t i;

	if (is_kw(&ps->cur, "regex") || is_kw(&ps->cur, "cidr")) {
		kind = is_kw(&ps->cur, "regex") ? QN_LIST_REGEX : QN_LIST_CIDR;
		advance(ps);
	}
	if (ps->cur.kind != T_PCT && ps->cur.kind != T_AT) {
		expected(ps, kind == QN_LIST ? "%list, @list or (values)" :
		    "%list");
		return NULL;
	}
	at = ps->cur.kind == T_AT;
	name = xasprintf("%.*s", (int)ps->cur.len - 1, ps->cur.p + 1);
	l = ps->lookup ? ps->lookup(name, ps->lookup_arg) : NULL;
	if (l == NULL) {
		perr(ps, ps->cur.line, ps->cur.col, "unknown list '%s'", name);
		free(name);
		return NULL;
	}
	if (kind == QN_LIST_REGEX && field_is_enum(f)) {
		perr(ps, line, col, "%s is an enum field: UDM search does not"
		    " allow a regex on it", f->base);
		free(name);
		return NULL;
	}
	if (!count_pred(ps, line, col)) {
		free(name);
		return NULL;
	}
	n = node_new(kind, line, col);
	n->list = name;
	if (!field_copy(ps, &n->f, f, line, col)) {
		node_free(n);
		return NULL;
	}
	advance(ps);
	/* @list is the runbook's dialect: case-insensitive like IN (...);
	 * case means nothing to a CIDR */
	n->nocase = at && kind != QN_LIST_CIDR;
	if (is_kw(&ps->cur, "nocase")) {
		if (kind == QN_LIST_CIDR) {
			perr(ps, ps->cur.line, ps->cur.col, "nocase does not"
			    " apply to cidr lists");
			node_free(n);
			return NULL;
		}
		n->nocase = true;
		advance(ps);
	}
	if (kind == QN_LIST) {
		set_build(&n->set, l, n->nocase);
	} else if (kind == QN_LIST_REGEX) {
		n->res = xcalloc(l->n ? l->n : 1, sizeof *n->res);
		for (i = 0; i < l->n; i++) {
			snprintf(ctx, sizeof ctx, "list '%s' (%s) item %zu: ",
			    name, l->file ? l->file : "?", i + 1);
			if ((n->res[i] = re_compile(ps, l->items[i],
			    strlen(l->items[i]), n->nocase, line, col, ctx)) ==
			    NULL) {
				node_free(n);
				return NULL;
			}
			n->nres++;
		}
	} else {
		n->cidrs = xcalloc(l->n ? l->n : 1, sizeof *n->cidrs);
		for (i = 0; i < l->n; i++) {
			if (!cidr_parse(l->items[i], &n->cidrs[i])) {
				perr(ps, line, col, "list '%s' (%s) item %zu:"
				    " '%.64s' is not an IP address or CIDR",
				    name, l->file ? l->file : "?", i + 1,
				    l->items[i]);
				node_free(n);
				return NULL;
			}
			n->ncidrs++;
		}
	}
	return n;
}

/* Parse "field IN (v, ...)" (dialect): an OR of case-insensitive "=". */
static struct qnode *
pred_in_values(struct parser *ps, const struct qfield *f, int line, int col)
{
	struct qnode *or, *kid;

	advance(ps);			/* ( */
	or = node_new(QN_OR, line, col);
	for (;;) {
		int vl = ps->cur.line, vc = ps->cur.col;

		if (ps->cur.kind != T_STRING && ps->cur.kind != T_INT) {
			expected(ps, "a \"string\" or number in the IN list");
			node_free(or);
			return NULL;
		}
		if ((kid = pred_cmp(ps, f, OP_EQ, vl, vc)) == NULL) {
			node_free(or);
			return NULL;
		}
		if (kid->vtype == QV_STRING)
			kid->nocase = true;
		node_add(or, kid);
		if (ps->cur.kind == T_RPAREN)
			break;
		if (ps->cur.kind != T_COMMA) {
			expected(ps, "',' or ')'");
			node_free(or);
			return NULL;
		}
		advance(ps);
	}
	advance(ps);			/* ) */
	if (is_kw(&ps->cur, "nocase"))
		advance(ps);		/* already case-insensitive */
	if (or->nkids == 1) {
		kid = or->kids[0];
		or->nkids = 0;
		node_free(or);
		return kid;
	}
	return or;
}

/* Parse "field CONTAINS "x"" (dialect): a case-insensitive literal regex. */
static struct qnode *
pred_contains(struct parser *ps, const struct qfield *f, int line, int col)
{
	struct qnode *n;
	char *esc;
	size_t len;

	if (ps->cur.kind != T_STRING) {
		expected(ps, "a \"string\" after CONTAINS");
		return NULL;
	}
	if (ps->cur.slen == 0) {
		perr(ps, ps->cur.line, ps->cur.col, "CONTAINS \"\" matches"
		    " everything: give a non-empty string");
		return NULL;
	}
	if (field_is_enum(f)) {
		perr(ps, line, col, "%s is an enum field: CONTAINS becomes a"
		    " regex, which UDM search does not allow on it; compare"
		    " with = \"VALUE\"", f->base);
		return NULL;
	}
	esc = regex_escape(ps->cur.sval, ps->cur.slen, &len);
	free(ps->cur.sval);
	ps->cur.sval = esc;
	ps->cur.slen = len;
	ps->cur.kind = T_REGEX;
	if ((n = pred_cmp(ps, f, OP_EQ, line, col)) == NULL)
		return NULL;
	if (!n->nocase) {
		n->nocase = true;
		pcre2_code_free(n->re);
		if ((n->re = re_compile(ps, n->s, n->slen, true, line, col,
		    "")) == NULL) {
			node_free(n);
			return NULL;
		}
	}
	return n;
}

/* Parse a field path with an optional ["key"] subscript into F. */
static bool
parse_field(struct parser *ps, struct qfield *f)
{
	static const char *const reserved[] = { "and", "or", "not", "in",
		"contains", "nocase", "regex", "cidr", "true", "false" };
	struct tok *t = &ps->cur;
	size_t i;

	memset(f, 0, sizeof *f);
	if (t->kind != T_WORD) {
		expected(ps, "a field path, NOT or '('");
		return false;
	}
	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (is_kw(t, reserved[i])) {
			expected(ps, i < 2 ? "a field path, NOT or '('" :
			    "a field path");
			return false;
		}
	for (i = 0; i < t->len; i++)
		if (t->p[i] == '.' && (i == 0 || i + 1 == t->len ||
		    t->p[i + 1] == '.' || isdigit((unsigned char)t->p[i + 1]))) {
			perr(ps, t->line, t->col + (int)i, "bad field path"
			    " '%.*s': expected a name after '.'",
			    (int)(t->len > 128 ? 128 : t->len), t->p);
			return false;
		}
	f->base = xasprintf("%.*s", (int)t->len, t->p);
	advance(ps);
	if (ps->cur.kind == T_LBRACK) {
		advance(ps);
		if (ps->cur.kind != T_STRING) {
			expected(ps, "a \"key\" after '['");
			return false;
		}
		if (ps->cur.slen == 0 || strpbrk(ps->cur.sval, "\"\\[]") !=
		    NULL) {
			perr(ps, ps->cur.line, ps->cur.col, "bad map key: expected"
			    " a non-empty key without quotes, backslashes or"
			    " brackets");
			return false;
		}
		f->key = ps->cur.sval;
		ps->cur.sval = NULL;
		advance(ps);
		if (ps->cur.kind != T_RBRACK) {
			expected(ps, "']'");
			return false;
		}
		advance(ps);
	}
	return true;
}

/* Parse one predicate: field OP value, field in ..., field CONTAINS .... */
static struct qnode *
parse_pred(struct parser *ps)
{
	struct qfield f;
	struct qnode *n = NULL;
	int line = ps->cur.line, col = ps->cur.col, nl, nc;
	bool neg = false;

	if (!parse_field(ps, &f)) {
		field_free(&f);
		return NULL;
	}
	if (ps->cur.kind == T_OP) {
		enum q_op op = ps->cur.op;

		advance(ps);
		n = pred_cmp(ps, &f, op, line, col);
		field_free(&f);
		return n;
	}
	nl = ps->cur.line;
	nc = ps->cur.col;
	if (is_kw(&ps->cur, "not")) {
		struct tok t2 = peek2(ps);

		if (is_kw(&t2, "in") || is_kw(&t2, "contains")) {
			neg = true;
			advance(ps);
		}
	}
	if (is_kw(&ps->cur, "in")) {
		advance(ps);
		if (ps->cur.kind == T_LPAREN)
			n = pred_in_values(ps, &f, line, col);
		else
			n = pred_list(ps, &f, line, col);
	} else if (is_kw(&ps->cur, "contains")) {
		advance(ps);
		n = pred_contains(ps, &f, line, col);
	} else
		expected(ps, "an operator (= != < <= > >= in contains)");
	field_free(&f);
	if (n != NULL && neg)
		n = node_not(n, nl, nc);
	return n;
}

/* Enter one nesting level; false (with an error) past the limit. */
static bool
nest(struct parser *ps)
{
	if (++ps->depth > LMH_QUERY_DEPTH_MAX) {
		perr(ps, ps->cur.line, ps->cur.col, "query nests deeper than %d"
		    " levels of parentheses and NOT (LMH_QUERY_DEPTH_MAX)",
		    LMH_QUERY_DEPTH_MAX);
		return false;
	}
	return true;
}

/* unary := NOT unary | '(' or ')' | predicate */
static struct qnode *
parse_unary(struct parser *ps)
{
	struct qnode *n;
	int line = ps->cur.line, col = ps->cur.col;

	if (is_kw(&ps->cur, "not")) {
		if (!nest(ps))
			return NULL;
		advance(ps);
		n = parse_unary(ps);
		ps->depth--;
		return n ? node_not(n, line, col) : NULL;
	}
	if (ps->cur.kind == T_LPAREN) {
		if (!nest(ps))
			return NULL;
		advance(ps);
		n = parse_or(ps);
		ps->depth--;
		if (n == NULL)
			return NULL;
		if (ps->cur.kind != T_RPAREN) {
			expected(ps, "AND, OR or ')'");
			node_free(n);
			return NULL;
		}
		advance(ps);
		return n;
	}
	return parse_pred(ps);
}

/* Whether the current token can start a unary (implicit AND). */
static bool
starts_unary(const struct parser *ps)
{
	return ps->cur.kind == T_LPAREN ||
	    (ps->cur.kind == T_WORD && !is_kw(&ps->cur, "or") &&
	    !is_kw(&ps->cur, "and"));
}

/* and := unary ([AND] unary)* */
static struct qnode *
parse_and(struct parser *ps)
{
	struct qnode *n, *kid, *and = NULL;

	if ((n = parse_unary(ps)) == NULL)
		return NULL;
	for (;;) {
		if (is_kw(&ps->cur, "and"))
			advance(ps);
		else if (!starts_unary(ps))
			break;
		if ((kid = parse_unary(ps)) == NULL) {
			node_free(and ? and : n);
			return NULL;
		}
		if (and == NULL) {
			and = node_new(QN_AND, n->line, n->col);
			node_add(and, n);
			n = and;
		}
		node_add(and, kid);
	}
	return n;
}

/* or := and (OR and)* */
static struct qnode *
parse_or(struct parser *ps)
{
	struct qnode *n, *kid, *or = NULL;

	if ((n = parse_and(ps)) == NULL)
		return NULL;
	while (is_kw(&ps->cur, "or")) {
		advance(ps);
		if ((kid = parse_and(ps)) == NULL) {
			node_free(or ? or : n);
			return NULL;
		}
		if (or == NULL) {
			or = node_new(QN_OR, n->line, n->col);
			node_add(or, n);
			n = or;
		}
		node_add(or, kid);
	}
	return n;
}

/* Estimate what evaluating N costs, and order AND/OR kids cheapest first. */
static int
node_plan(struct qnode *n)
{
	size_t i, j;

	switch (n->kind) {
	case QN_AND:
	case QN_OR:
		n->cost = 0;
		n->ekids = xcalloc(n->nkids, sizeof *n->ekids);
		for (i = 0; i < n->nkids; i++) {
			struct qnode *k = n->kids[i];

			n->cost += node_plan(k);
			/* stable insertion by cost */
			for (j = i; j > 0 && n->ekids[j - 1]->cost > k->cost;
			    j--)
				n->ekids[j] = n->ekids[j - 1];
			n->ekids[j] = k;
		}
		break;
	case QN_NOT:
		n->cost = node_plan(n->kids[0]);
		break;
	case QN_CMP:
		n->cost = n->vtype == QV_REGEX ? 8 :
		    n->f.flat ? 1 : 3;
		break;
	case QN_LIST:
		n->cost = 3;
		break;
	case QN_LIST_CIDR:
		n->cost = 4 + (int)(n->ncidrs > 16 ? 16 : n->ncidrs);
		break;
	case QN_LIST_REGEX:
		n->cost = 8 * (int)(n->nres > 16 ? 16 : n->nres + 1);
		break;
	}
	if (n->f.key != NULL)
		n->cost += 2;
	return n->cost;
}

/* Parse TEXT (starting at FILE:LINE:COL) into a compiled query. */
struct query *
query_parse(const char *text, const char *file, int line, int col,
    list_lookup_fn lookup, void *lookup_arg, struct errlist *errs)
{
	struct parser ps;
	struct query *q;
	size_t len;

	if (text == NULL) {
		errlist_add(errs, file, line, col, "no query");
		return NULL;
	}
	len = strlen(text);
	if (line < 1)
		line = 1;
	if (col < 1)
		col = 1;
	if (len > LMH_QUERY_LEN_MAX) {
		errlist_add(errs, file, line, col, "query is %zu bytes, longer"
		    " than the limit of %d (LMH_QUERY_LEN_MAX)", len,
		    LMH_QUERY_LEN_MAX);
		return NULL;
	}
	memset(&ps, 0, sizeof ps);
	ps.lx.s = text;
	ps.lx.len = len;
	ps.lx.line = line;
	ps.lx.col = col;
	ps.file = file;
	ps.errs = errs;
	ps.lookup = lookup;
	ps.lookup_arg = lookup_arg;
	ps.q = q = xcalloc(1, sizeof *q);
	q->file = xstrdup(file);

	advance(&ps);
	if (ps.cur.kind == T_EOF)
		perr(&ps, ps.cur.line, ps.cur.col, "empty query: expected a"
		    " field path, NOT or '('");
	else if (ps.cur.kind != T_ERROR) {
		q->root = parse_or(&ps);
		if (q->root != NULL && ps.cur.kind != T_EOF)
			expected(&ps, ps.cur.kind == T_RPAREN ?
			    "end of query (unbalanced ')')" :
			    "AND, OR or end of query");
	}
	free(ps.cur.sval);
	if (ps.failed || q->root == NULL) {
		if (!ps.failed)
			errlist_add(errs, file, line, col, "bad query");
		query_free(q);
		return NULL;
	}
	node_plan(q->root);
	q->md = pcre2_match_data_create(1, NULL);
	q->mctx = pcre2_match_context_create(NULL);
	if (q->md == NULL || q->mctx == NULL)
		fatalx("pcre2: out of memory");
	pcre2_set_match_limit(q->mctx, QUERY_MATCH_LIMIT);
	return q;
}

/* Release a compiled query. */
void
query_free(struct query *q)
{
	if (q == NULL)
		return;
	node_free(q->root);
	if (q->md != NULL)
		pcre2_match_data_free(q->md);
	if (q->mctx != NULL)
		pcre2_match_context_free(q->mctx);
	free(q->file);
	free(q);
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */
/* ------------------------------------------------------------------ */

struct ectx {
	const struct query	*q;
	const struct qnode	*n;
};

/* Parse S as a whole decimal integer; false if it is not one. */
static bool
text_int(const char *s, size_t len, int64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	bool neg = false;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len || len - i > 18)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* Compare byte strings like strcmp, folding case when NOCASE. */
static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen, bool nocase)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		int x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (nocase) {
			x = tolower(x);
			y = tolower(y);
		}
		if (x != y)
			return x - y;
	}
	return alen < blen ? -1 : alen > blen;
}

/* Whether comparison result C (value vs literal) satisfies OP. */
static bool
op_holds(enum q_op op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	}
	return false;
}

/* Whether regex RE matches anywhere in S. */
static bool
re_match(const struct query *q, const pcre2_code *re, const char *s,
    size_t len)
{
	return pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, q->md, q->mctx) >= 0;
}

/* The text of V (strings, integers as text, booleans); false if none. */
static bool
value_text(const struct udm_value *v, const char **s, size_t *len)
{
	if (v->type == UDM_BOOL) {
		*s = v->i ? "true" : "false";
		*len = strlen(*s);
		return true;
	}
	if (v->s == NULL)
		return false;
	*s = v->s;
	*len = v->slen;
	return true;
}

/* Whether one value V satisfies predicate N. */
static bool
pred_value(const struct query *q, const struct qnode *n,
    const struct udm_value *v)
{
	const char *s;
	size_t len, i;
	int64_t iv;
	struct cidr a;

	switch (n->kind) {
	case QN_CMP:
		switch (n->vtype) {
		case QV_STRING:
			if (!value_text(v, &s, &len))
				return false;
			if (n->op == OP_EQ || n->op == OP_NE)
				return (len == n->slen && bytes_eq(s, n->s, len,
				    n->nocase)) == (n->op == OP_EQ);
			return op_holds(n->op, bytes_cmp(s, len, n->s, n->slen,
			    n->nocase));
		case QV_INT:
			if (v->type == UDM_INT)
				iv = v->i;
			else if (v->type == UDM_DOUBLE)
				return op_holds(n->op, v->d < (double)n->i ? -1 :
				    v->d > (double)n->i);
			else if (v->type != UDM_STRING ||
			    !text_int(v->s, v->slen, &iv))
				return false;
			return op_holds(n->op, iv < n->i ? -1 : iv > n->i);
		case QV_BOOL:
			if (v->type == UDM_BOOL)
				iv = v->i != 0;
			else if (v->type == UDM_STRING && v->slen == 4 &&
			    bytes_eq(v->s, "true", 4, true))
				iv = 1;
			else if (v->type == UDM_STRING && v->slen == 5 &&
			    bytes_eq(v->s, "false", 5, true))
				iv = 0;
			else
				return false;
			return op_holds(n->op, iv != n->i);
		case QV_REGEX:
			if (!value_text(v, &s, &len))
				return false;
			return re_match(q, n->re, s, len) == (n->op == OP_EQ);
		}
		return false;
	case QN_LIST:
		return value_text(v, &s, &len) &&
		    set_has(&n->set, s, len, n->nocase);
	case QN_LIST_REGEX:
		if (!value_text(v, &s, &len))
			return false;
		for (i = 0; i < n->nres; i++)
			if (re_match(q, n->res[i], s, len))
				return true;
		return false;
	case QN_LIST_CIDR:
		if (!value_text(v, &s, &len) || !ip_parse(s, len, &a))
			return false;
		for (i = 0; i < n->ncidrs; i++)
			if (cidr_has(&n->cidrs[i], &a))
				return true;
		return false;
	default:
		return false;
	}
}

/* udm_path_foreach callback: stop (1) on the first satisfying value. */
static int
pred_cb(const struct udm_value *v, void *arg)
{
	const struct ectx *c = arg;

	return pred_value(c->q, c->n, v) ? 1 : 0;
}

/* Whether any value of the predicate's field satisfies it. */
static bool
pred_eval(const struct query *q, const struct qnode *n,
    const struct lmh_event *ev)
{
	struct ectx c = { q, n };
	const struct qfield *f = &n->f;

	if (f->flat && flat_fields[f->flat - 1].port) {
		struct udm_value v;
		char text[16];
		int port = *(const int *)(const void *)
		    ((const char *)ev + flat_fields[f->flat - 1].off);

		if (port < 0)
			return false;
		memset(&v, 0, sizeof v);
		v.type = UDM_INT;
		v.i = port;
		v.d = port;
		v.slen = (size_t)snprintf(text, sizeof(text), "%d", port);
		v.s = text;
		return pred_value(q, n, &v);
	}
	if (f->flat) {
		struct udm_value v;
		const char *s = *(const char *const *)(const void *)
		    ((const char *)ev + flat_fields[f->flat - 1].off);

		if (s == NULL)
			return false;
		memset(&v, 0, sizeof v);
		v.type = UDM_STRING;
		v.s = s;
		/* the command lines' lengths are known; the rest are short */
		if (s == ev->cmdline)
			v.slen = ev->cmdline_len;
		else if (s == ev->parent_cmdline)
			v.slen = ev->parent_cmdline_len;
		else
			v.slen = strlen(s);
		return pred_value(q, n, &v);
	}
	return udm_path_foreach(ev, f->path, pred_cb, &c) != 0;
}

/* Evaluate node N on EV. */
static bool
node_eval(const struct query *q, const struct qnode *n,
    const struct lmh_event *ev)
{
	size_t i;

	switch (n->kind) {
	case QN_AND:
		for (i = 0; i < n->nkids; i++)
			if (!node_eval(q, n->ekids[i], ev))
				return false;
		return true;
	case QN_OR:
		for (i = 0; i < n->nkids; i++)
			if (node_eval(q, n->ekids[i], ev))
				return true;
		return false;
	case QN_NOT:
		return !node_eval(q, n->kids[0], ev);
	default:
		return pred_eval(q, n, ev);
	}
}

/* Evaluate Q on one event. */
bool
query_match(const struct query *q, const struct lmh_event *ev)
{
	return q != NULL && q->root != NULL && node_eval(q, q->root, ev);
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */
/* ------------------------------------------------------------------ */

/* Append S as a double-quoted UDM string literal. */
static void
render_string(struct buf *out, const char *s, size_t len)
{
	size_t i;

	buf_add(out, "\"", 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_add(out, "\\", 1);
		buf_add(out, s + i, 1);
	}
	buf_add(out, "\"", 1);
}

/*
 * Whether the server-side rendering leaves N out: a reference-list test
 * (or its negation) ANDed with other predicates.  Whether udmSearch takes
 * %list is unverified and a missing list would fail the whole query, so
 * the server query is widened and the list is applied locally.
 */
static bool
server_drops(const struct qnode *n)
{
	if (n->kind == QN_NOT)
		n = n->kids[0];
	return n->kind == QN_LIST || n->kind == QN_LIST_REGEX ||
	    n->kind == QN_LIST_CIDR;
}

/* The kids of AND node N that a rendering keeps (all when not SERVER). */
static size_t
kept_kids(const struct qnode *n, bool server)
{
	size_t i, k = 0;

	for (i = 0; i < n->nkids; i++)
		if (!server || n->kind != QN_AND || !server_drops(n->kids[i]))
			k++;
	return k;
}

/* Whether kid I of N is rendered. */
static bool
kid_kept(const struct qnode *n, size_t i, bool server)
{
	return !server || n->kind != QN_AND || kept_kids(n, server) == 0 ||
	    !server_drops(n->kids[i]);
}

/*
 * Append node N; PARENS wraps an AND/OR in parentheses; SERVER leaves out
 * list tests ANDed with other predicates (see server_drops).
 */
static void
render_node(const struct qnode *n, struct buf *out, bool parens, bool server)
{
	size_t i, k = 0;

	switch (n->kind) {
	case QN_AND:
	case QN_OR:
		if (parens && (kept_kids(n, server) != 1 ||
		    kept_kids(n, false) == 1))
			buf_add(out, "(", 1);
		for (i = 0; i < n->nkids; i++) {
			if (!kid_kept(n, i, server))
				continue;
			if (k++ > 0)
				buf_puts(out, n->kind == QN_AND ? " AND " :
				    " OR ");
			/* parenthesise every nested AND/OR: no reliance on
			 * the server's precedence rules */
			render_node(n->kids[i], out, true, server);
		}
		if (parens && (kept_kids(n, server) != 1 ||
		    kept_kids(n, false) == 1))
			buf_add(out, ")", 1);
		return;
	case QN_NOT:
		buf_puts(out, "NOT ");
		render_node(n->kids[0], out, true, server);
		return;
	case QN_CMP:
		buf_printf(out, "%s %s ", n->f.text, op_text[n->op]);
		switch (n->vtype) {
		case QV_STRING:
			render_string(out, n->s, n->slen);
			break;
		case QV_INT:
			buf_printf(out, "%lld", (long long)n->i);
			break;
		case QV_BOOL:
			buf_puts(out, n->i ? "true" : "false");
			break;
		case QV_REGEX:
			buf_add(out, "/", 1);
			buf_add(out, n->s, n->slen);
			buf_add(out, "/", 1);
			break;
		}
		break;
	case QN_LIST:
		buf_printf(out, "%s in %%%s", n->f.text, n->list);
		break;
	case QN_LIST_REGEX:
		buf_printf(out, "%s in regex %%%s", n->f.text, n->list);
		break;
	case QN_LIST_CIDR:
		buf_printf(out, "%s in cidr %%%s", n->f.text, n->list);
		break;
	}
	if (n->nocase)
		buf_puts(out, " nocase");
}

/* Render Q as valid UDM search text, appended to OUT. */
void
query_render(const struct query *q, struct buf *out)
{
	buf_add(out, "", 0);
	if (q != NULL && q->root != NULL)
		render_node(q->root, out, false, false);
}

/* Render Q for udmSearch: as query_render, less ANDed list tests. */
void
query_render_server(const struct query *q, struct buf *out)
{
	buf_add(out, "", 0);
	if (q != NULL && q->root != NULL)
		render_node(q->root, out, false, true);
}

/* Count AND/OR/NOT in the rendering of N (SERVER: the server form). */
static int
node_ops(const struct qnode *n, bool server)
{
	int ops = 0;
	size_t i;

	switch (n->kind) {
	case QN_AND:
	case QN_OR:
		ops = (int)kept_kids(n, server) - 1;
		if (ops < 0)
			ops = (int)n->nkids - 1;
		for (i = 0; i < n->nkids; i++)
			if (kid_kept(n, i, server))
				ops += node_ops(n->kids[i], server);
		return ops;
	case QN_NOT:
		return 1 + node_ops(n->kids[0], server);
	default:
		return 0;
	}
}

/* Number of logical operators (AND/OR/NOT) the rendering holds. */
int
query_ops(const struct query *q)
{
	return q != NULL && q->root != NULL ? node_ops(q->root, false) : 0;
}

/* Number of logical operators in the server-side rendering. */
int
query_ops_server(const struct query *q)
{
	return q != NULL && q->root != NULL ? node_ops(q->root, true) : 0;
}

/* Whether N is metadata.event_type = "X" (exact). */
static bool
pins_event_type(const struct qnode *n)
{
	return n->kind == QN_CMP && n->op == OP_EQ && n->vtype == QV_STRING &&
	    !n->nocase && n->f.key == NULL &&
	    strcmp(n->f.base, "metadata.event_type") == 0;
}

/* The value of metadata.event_type this query requires, or NULL. */
const char *
query_event_type(const struct query *q)
{
	const struct qnode *r;
	size_t i;

	if (q == NULL || (r = q->root) == NULL)
		return NULL;
	if (pins_event_type(r))
		return r->s;
	if (r->kind == QN_AND)
		for (i = 0; i < r->nkids; i++)
			if (pins_event_type(r->kids[i]))
				return r->kids[i]->s;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Lint                                                                */
/* ------------------------------------------------------------------ */

/* Whether S is a known metadata.event_type value. */
static bool
event_type_known(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof event_types / sizeof event_types[0]; i++)
		if (strcmp(event_types[i], s) == 0)
			return true;
	return false;
}

/* Whether PATH names a *.full_path field. */
static bool
is_full_path(const char *path)
{
	size_t n = strlen(path);

	return n >= 9 && strcmp(path + n - 9, "full_path") == 0 &&
	    (n == 9 || path[n - 10] == '.');
}

/* Lint one predicate node. */
static void
lint_pred(const struct query *q, const struct qnode *n, struct errlist *w)
{
	const struct qfield *f = &n->f;
	enum ftype t = f->key ? F_STRING : field_type(f->base);

	if (!field_known(f))
		errlist_add(w, q->file, n->line, n->col, "warning: unknown UDM"
		    " field path '%s'", f->text);
	if (n->kind != QN_CMP)
		return;
	if (n->vtype == QV_STRING && n->op == OP_EQ && f->key == NULL &&
	    is_full_path(f->base) && memchr(n->s, '\\', n->slen) == NULL &&
	    memchr(n->s, '/', n->slen) == NULL &&
	    strcasecmp(n->s, "System") != 0 &&
	    strcasecmp(n->s, "Registry") != 0)
		errlist_add(w, q->file, n->line, n->col, "warning: %s holds a"
		    " full path; \"%s\" never matches as written, use a regex"
		    " on the path's end such as /\\\\name\\.exe$/ nocase",
		    f->text, n->s);
	if (n->vtype == QV_STRING && t == F_INT)
		errlist_add(w, q->file, n->line, n->col, "warning: %s is an"
		    " integer field; compare it with a number, not a string",
		    f->text);
	if (n->vtype == QV_INT && (t == F_STRING || t == F_ENUM))
		errlist_add(w, q->file, n->line, n->col, "warning: %s is a"
		    " string field; compare it with a \"string\" (UDM search"
		    " does not convert)", f->text);
	if (n->vtype == QV_BOOL && t != F_BOOL && t != F_UNKNOWN)
		errlist_add(w, q->file, n->line, n->col, "warning: %s is not"
		    " a boolean field", f->text);
	if (t == F_ENUM && n->vtype == QV_STRING && n->nocase)
		errlist_add(w, q->file, n->line, n->col, "warning: %s is an"
		    " enum field: nocase is not needed, enum values are"
		    " UPPERCASE", f->text);
	if (n->vtype == QV_STRING && f->key == NULL &&
	    strcmp(f->base, "metadata.event_type") == 0 &&
	    !event_type_known(n->s))
		errlist_add(w, q->file, n->line, n->col, "warning:"
		    " metadata.event_type has no value \"%s\"; it never"
		    " matches", n->s);
}

/* Lint node N and its kids. */
static void
lint_node(const struct query *q, const struct qnode *n, struct errlist *w)
{
	size_t i;

	if (n->kind == QN_AND || n->kind == QN_OR || n->kind == QN_NOT) {
		for (i = 0; i < n->nkids; i++)
			lint_node(q, n->kids[i], w);
		return;
	}
	lint_pred(q, n, w);
}

/* Warn about predicates that can never match as written. */
void
query_lint(const struct query *q, struct errlist *warnings)
{
	if (q != NULL && q->root != NULL)
		lint_node(q, q->root, warnings);
}
