/*
 * lmhunt.h - shared types, named limits and the prototypes of every module.
 *
 * Read it as the table of contents: one banner per file under daemon/.
 * Each library (json-c, sqlite3, PCRE2, libcurl, libevent, OpenSSL,
 * libsystemd) is included by exactly one .c file; the types here are
 * opaque where a library type would otherwise leak.
 */
#ifndef LMHUNT_H
#define LMHUNT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Named limits: every input is bounded by one of these or by config. */
/* ------------------------------------------------------------------ */
#define LMH_CONF_LINE_MAX	8192	/* bytes in one config/rule file line */
#define LMH_CONF_FILE_MAX	(1 << 20) /* bytes in one config or rule file */
#define LMH_CONF_ERRORS_MAX	100	/* errors reported in one pass */
#define LMH_QUERY_LEN_MAX	16384	/* bytes in one query */
#define LMH_QUERY_DEPTH_MAX	32	/* nesting of parentheses/NOT */
#define LMH_QUERY_PREDS_MAX	512	/* predicates in one query */
#define LMH_UDM_OPS_MAX		169	/* logical operators Chronicle takes per query */
#define LMH_RULES_MAX		1000	/* rules in a rule set */
#define LMH_RULE_ID_MAX		64	/* bytes in a rule ID */
#define LMH_TECHNIQUES_MAX	8	/* techniques per rule */
#define LMH_LISTS_MAX		128	/* lists in lists.d */
#define LMH_LIST_ITEMS_MAX	100000	/* values in one list */
#define LMH_LIST_ITEM_MAX	1024	/* bytes in one list value */
#define LMH_EVENT_MAX		(1 << 20) /* bytes in one UDM event (one NDJSON line) */
#define LMH_RESPONSE_MAX	(256 << 20) /* bytes in one udmSearch response body */
#define LMH_JSON_DEPTH_MAX	64	/* JSON nesting accepted */
#define LMH_IPS_MAX		8	/* IPs kept per side of an event */
#define LMH_BATCH_MAX		10000	/* events per store transaction */
#define LMH_EVIDENCE_MAX	64	/* evidence events linked to one finding */
#define LMH_EXPLAIN_MAX		4096	/* bytes of one finding's explanation */
#define LMH_LINE_MAX		65536	/* bytes in one control-protocol line */
#define LMH_NAME_MAX		256	/* bytes in a host, user or IP text */

/* ------------------------------------------------------------------ */
/* Exit codes (documented in lmhuntd(8)).                              */
/* ------------------------------------------------------------------ */
#define LMH_EXIT_CLEAN		0	/* ran; nothing found (or -n: config OK) */
#define LMH_EXIT_ERROR		1	/* configuration or usage error */
#define LMH_EXIT_FINDINGS	3	/* --once ran and produced findings */
#define LMH_EXIT_INPUT		4	/* --once: input file missing or unreadable */
#define LMH_EXIT_STORE		5	/* database cannot be opened/written/migrated */

/* ------------------------------------------------------------------ */
/* log.c                                                               */
/* ------------------------------------------------------------------ */
enum log_dest { LOG_DEST_AUTO, LOG_DEST_STDERR };
void	log_init(enum log_dest dest, int verbosity, const char *ident);
void	log_setverbose(int verbosity);
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* ------------------------------------------------------------------ */
/* util.c: small helpers every module may use                          */
/* ------------------------------------------------------------------ */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a growable byte buffer, always NUL-terminated */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_printf(struct buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_json_string(struct buf *, const char *); /* quoted, escaped */

/* error list: "file:line:col: message" lines collected in one pass */
struct errlist {
	char	**msgs;
	size_t	  n;
};
void	 errlist_add(struct errlist *, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	 errlist_print(const struct errlist *, FILE *);
void	 errlist_free(struct errlist *);

int64_t	 now_us(void);				/* wall clock, UTC µs */
int	 parse_rfc3339(const char *, int64_t *us);	/* 0 ok, -1 bad */
void	 format_rfc3339(int64_t us, char *out, size_t len); /* ...Z, µs */
int	 parse_duration(const char *, int64_t *seconds); /* "90s" "10m" "72h" "7d" */
void	 format_duration(int64_t seconds, char *out, size_t len);

/* ------------------------------------------------------------------ */
/* config.c                                                            */
/* ------------------------------------------------------------------ */
#define LMH_CONF_VALUE_MAX	16384	/* bytes in one value, continuations joined */
#define LMH_CONF_LIST_MAX	256	/* items in one list value */
#define LMH_SOCKET_PATH_MAX	107	/* bytes in the control socket path (sun_path) */

struct strlist {
	char	**v;
	size_t	  n;
};

struct lmh_config {
	char	*path;			/* file it was read from */
	char	*dir;			/* its directory: relative paths resolve here */

	/* [chronicle] */
	char	*api;			/* "chronicle" (v1alpha) or "legacy" */
	char	*region;
	char	*project;
	char	*instance;		/* customer ID */
	char	*endpoint;		/* override base URL (tests, proxies) */
	char	*credentials;		/* service-account key file (secret) */
	char	*token_file;		/* static bearer token file (secret) */
	char	*scope_query;		/* ANDed with every server-side query */
	int64_t	 poll_interval;		/* seconds */
	int64_t	 lookback;		/* seconds, first poll */
	int64_t	 overlap;		/* seconds re-polled each time */
	int64_t	 ingest_delay;		/* seconds */
	int64_t	 window_floor;		/* seconds: smallest window bisected to */
	int64_t	 queries_per_hour;
	int64_t	 page_limit;		/* udmSearch limit, <= 10000 */
	int64_t	 request_timeout;	/* seconds */

	/* [soar] */
	char	*soar_api;		/* "soar" (AppKey) or "chronicle" */
	char	*soar_url;
	char	*app_key_file;		/* secret */
	char	*case_id;
	bool	 dry_run;
	int64_t	 comments_per_hour;

	/* [hunt] */
	char	*rules_dir;
	char	*lists_dir;
	char	*hypothesis;

	/* [correlation] */
	int64_t	 smb_window;		/* seconds, ± around remote exec */
	int64_t	 clock_skew;		/* seconds added to every join window */
	int64_t	 max_clock_skew;	/* events further from now are rejected */
	int64_t	 fanout_hosts;
	int64_t	 fanout_window;		/* seconds */
	int64_t	 case_threshold;	/* score that trips a finding */
	struct strlist admin_sources;	/* CIDRs and host names */

	/* [storage] */
	char	*database;
	int64_t	 retention;		/* seconds of events kept */
	int64_t	 batch_events;		/* events per transaction */

	/* [control] */
	char	*socket_path;
	char	*socket_group;
	int64_t	 max_clients;
	int64_t	 idle_timeout;		/* seconds */
};

/* Parse PATH into a new config; on error fill ERRS and return NULL. */
struct lmh_config *config_load(const char *path, struct errlist *errs);
void	 config_free(struct lmh_config *);
/* Print the effective configuration in a form that parses again. */
void	 config_print(const struct lmh_config *, FILE *);
/* Resolve a config path value against the config file's directory. */
char	*config_path(const struct lmh_config *, const char *value);

/* ------------------------------------------------------------------ */
/* udm.c: one UDM event (json-c) -> flat event                         */
/* ------------------------------------------------------------------ */
struct udm_doc;				/* opaque: the parsed JSON */
struct udm_path;			/* opaque: a compiled field path */

/*
 * The flat view of one event.  Strings point into the parsed document
 * and live as long as the event; NULL when the field is absent.
 */
struct lmh_event {
	struct udm_doc	*doc;
	const char	*raw;		/* the event's UDM JSON text */
	size_t		 raw_len;
	int64_t		 rowid;		/* set by store_insert_event */

	const char	*id;		/* metadata.id */
	int64_t		 ts_us;		/* metadata.eventTimestamp, UTC µs */
	const char	*event_type;	/* metadata.eventType */
	const char	*product_event_type; /* metadata.productEventType */
	const char	*product_name;

	const char	*host;		/* principal.hostname | principal.asset.hostname */
	const char	*target_host;	/* target.hostname | target.asset.hostname */
	const char	*src_host;	/* src.hostname (4624 WorkstationName) */
	const char	*principal_ip[LMH_IPS_MAX];
	int		 n_principal_ip;
	const char	*target_ip[LMH_IPS_MAX];
	int		 n_target_ip;
	const char	*src_ip[LMH_IPS_MAX];
	int		 n_src_ip;
	int		 principal_port;	/* -1 when absent */
	int		 target_port;
	int		 src_port;

	const char	*parent_path;	/* principal.process.file.fullPath */
	const char	*parent_cmdline; /* principal.process.commandLine */
	const char	*path;		/* target.process.file.fullPath */
	const char	*cmdline;	/* target.process.commandLine */
	size_t		 parent_cmdline_len;
	size_t		 cmdline_len;	/* the command lines' lengths */
	const char	*parent_pid;	/* principal.process.pid | target.process.parentPid */
	const char	*pid;		/* target.process.pid */
	bool		 parent_inferred; /* parent_path filled by proctree.c */
	const char	*user;		/* principal.user.userid */
	const char	*target_user;	/* target.user.userid */
	const char	*service;	/* target.application */
	const char	*resource;	/* target.resource.name (share, pipe) */
	const char	*file_path;	/* target.file.fullPath */
	const char	*logon_type;	/* extensions.auth.mechanism */
	const char	*direction;	/* network.direction */
};

/*
 * Parse one event from TEXT (a bare UDM object or {"udm":{...}} or an
 * udmSearch events[] element).  Returns 0 and fills EV, or -1 with a
 * reason in WHY ("not JSON", "no metadata.id", "metadata.eventTimestamp:
 * not RFC 3339", ...).
 */
int	 udm_parse(const char *text, size_t len, struct lmh_event *ev,
	    char *why, size_t whylen);
/* Release what udm_parse holds for an event. */
void	 udm_event_free(struct lmh_event *);
/* Release the calling thread's parser state; call before a thread ends. */
void	 udm_thread_end(void);

/* Parse an udmSearch response body; calls CB for each events[] element. */
int	 udm_parse_response(const char *text, size_t len,
	    int (*cb)(const char *elem, size_t elen, void *arg), void *arg,
	    bool *more_data, char *why, size_t whylen);

/* Compile a snake_case UDM field path ("target.process.file.full_path"). */
struct udm_path *udm_path_compile(const char *snake, char *why, size_t whylen);
void	 udm_path_free(struct udm_path *);
const char *udm_path_text(const struct udm_path *);

/* the JSON type of a value found at a path */
enum udm_vtype { UDM_STRING, UDM_INT, UDM_BOOL, UDM_DOUBLE };
struct udm_value {
	enum udm_vtype	 type;
	const char	*s;		/* UDM_STRING (also set for INT as text) */
	size_t		 slen;
	int64_t		 i;		/* UDM_INT, UDM_BOOL */
	double		 d;
};
/*
 * Call CB for every scalar value at PATH in EV, walking arrays anywhere on
 * the path (repeated fields match if any element matches).  CB returns
 * non-zero to stop; that value is returned.  Returns 0 when the path is
 * absent or CB never stopped.
 */
int	 udm_path_foreach(const struct lmh_event *ev, const struct udm_path *,
	    int (*cb)(const struct udm_value *, void *), void *arg);

/* ------------------------------------------------------------------ */
/* source.c: replay of UDM events from a file or stdin                 */
/* ------------------------------------------------------------------ */
struct source_stats {
	uint64_t lines;
	uint64_t events;		/* parsed successfully */
	uint64_t bad;			/* counted and skipped */
};
/*
 * Read PATH ("-" = stdin), NDJSON or udmSearch response bodies, and hand
 * events to CB in batches of at most MAXBATCH.  Bad events are logged as
 * "PATH:LINE: reason", counted and skipped.  Returns 0, or -1 when the
 * file cannot be opened or read (errno set, message logged).
 */
int	 source_replay(const char *path, size_t maxbatch,
	    int (*cb)(struct lmh_event *evs, size_t n, void *arg), void *arg,
	    struct source_stats *);

/* ------------------------------------------------------------------ */
/* proctree.c: the parent's image of launches that lack it             */
/* ------------------------------------------------------------------ */
#define LMH_PROCTREE_MAX	200000	/* launches remembered */
#define LMH_PROCTREE_AGE	(30 * 86400) /* seconds a launch explains children */
struct proctree;
struct proctree *proctree_new(size_t max);
void	 proctree_free(struct proctree *);
size_t	 proctree_batch(struct proctree *, struct lmh_event *evs, size_t n);
uint64_t proctree_filled(const struct proctree *);

/* ------------------------------------------------------------------ */
/* query.c: the query language                                         */
/* ------------------------------------------------------------------ */
struct query;

/* A named list of values that queries refer to as %NAME or @NAME. */
struct lmh_list {
	char	 *name;
	char	**items;
	size_t	  n;
	char	 *file;
};
typedef const struct lmh_list *(*list_lookup_fn)(const char *name, void *arg);

/*
 * Parse TEXT (which starts at FILE:LINE:COL) into a compiled query.
 * Lists are resolved through LOOKUP.  On error add "file:line:col: msg"
 * to ERRS and return NULL.
 */
struct query *query_parse(const char *text, const char *file, int line,
	    int col, list_lookup_fn lookup, void *lookup_arg,
	    struct errlist *errs);
void	 query_free(struct query *);
/* Evaluate on one event. */
bool	 query_match(const struct query *, const struct lmh_event *);
/* Render as valid UDM search text (appends to OUT). */
void	 query_render(const struct query *, struct buf *out);
/* Number of logical operators (AND/OR/NOT) the rendering holds. */
int	 query_ops(const struct query *);
/*
 * The server-side (udmSearch) form: reference-list tests ANDed with other
 * predicates are left out, widening the query; lists apply locally.
 */
void	 query_render_server(const struct query *, struct buf *out);
int	 query_ops_server(const struct query *);
/* Warn about predicates that can never match as written. */
void	 query_lint(const struct query *, struct errlist *warnings);
/* The value of metadata.event_type this query requires, or NULL. */
const char *query_event_type(const struct query *);

/* ------------------------------------------------------------------ */
/* rules.c: rule files, lists, the rule set                            */
/* ------------------------------------------------------------------ */
enum rule_severity { SEV_LOW = 1, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

/*
 * What a rule's hit says to correlation:
 *  EXEC     remote execution observed on the host that logged it (target)
 *  LAUNCH   a remote-execution command on the source naming its target
 *  TRANSFER a file written over an admin share (T1570)
 *  ACCESS   share/pipe access or network logon: evidence, not a finding
 *  NETWORK  a connection (445, 135, RPC): evidence, not a finding
 */
enum rule_role { ROLE_EXEC, ROLE_LAUNCH, ROLE_TRANSFER, ROLE_ACCESS, ROLE_NETWORK };

struct rule {
	char		 *id;
	char		 *title;
	char		 *techniques[LMH_TECHNIQUES_MAX];
	size_t		  ntechniques;
	enum rule_severity severity;
	enum rule_role	  role;
	bool		  enabled;
	char		 *query_text;
	struct query	 *query;
	char		 *file;
	int		  line;
};

struct rules_index;			/* opaque: rules by pinned event type */
struct ruleset {
	struct rule	 *rules;
	size_t		  n;
	struct lmh_list	 *lists;
	size_t		  nlists;
	struct rules_index *index;	/* built by rules_load for rules_match */
};

/* Load the rule files (.rules) and list files (.txt); NULL with ERRS on error. */
struct ruleset *rules_load(const char *rules_dir, const char *lists_dir,
	    struct errlist *errs);
void	 rules_free(struct ruleset *);
/* Lint every rule; warnings as "file:line:col: warning: msg". */
void	 rules_lint(const struct ruleset *, struct errlist *warnings);
/* Put the enabled rules matching EV in HITS (at most MAX); returns count. */
size_t	 rules_match(const struct ruleset *, const struct lmh_event *,
	    const struct rule **hits, size_t max);
/* Server-side queries: rules ORed, split under LMH_UDM_OPS_MAX, AND scope. */
size_t	 rules_render(const struct ruleset *, const char *scope,
	    struct strlist *queries);
const char *severity_name(enum rule_severity);
const char *role_name(enum rule_role);

/* ------------------------------------------------------------------ */
/* attack.c: MITRE ATT&CK names for the techniques hunted              */
/* ------------------------------------------------------------------ */
const char *attack_name(const char *technique_id);	/* NULL if unknown */
const char *attack_tactic(const char *technique_id);

/* ------------------------------------------------------------------ */
/* store.c: SQLite                                                     */
/* ------------------------------------------------------------------ */
struct store;

struct store_stats {
	uint64_t inserted;
	uint64_t duplicates;
	uint64_t pruned;
};

/* Open (creating and migrating) the database at PATH (":memory:" ok). */
struct store *store_open(const char *path, char *why, size_t whylen);
void	 store_close(struct store *);
int	 store_begin(struct store *);		/* BEGIN IMMEDIATE */
int	 store_commit(struct store *);
int	 store_rollback(struct store *);
/*
 * Insert one event: 1 inserted (ev->rowid set), 0 duplicate (the same
 * metadata.id at the same time is stored already), -1 error.
 */
int	 store_insert_event(struct store *, struct lmh_event *);
/* Delete events older than BEFORE_US, at most CHUNK rows per call. */
int64_t	 store_prune(struct store *, int64_t before_us, int chunk);
/* The cursor of SOURCE: 1 found (*US set), 0 none (*US = 0), -1 error. */
int	 store_cursor_get(struct store *, const char *source, int64_t *us);
/* Set the cursor of SOURCE (in the caller's batch); 0 or -1. */
int	 store_cursor_set(struct store *, const char *source, int64_t us);
const struct store_stats *store_stats(const struct store *);
int64_t	 store_event_count(struct store *);
/*
 * The raw JSON of an event by metadata.id appended to OUT; 0 ok, -1
 * missing.  Fast for finding evidence (finding_events gives its time);
 * any other ID costs a scan of the events table.
 */
int	 store_event_raw(struct store *, const char *id, struct buf *out);

/*
 * Findings (written by correlate.c, read by report.c and control.c).
 * One per (kind, technique, source, target, user).
 */
struct lmh_finding {
	int64_t		 id;
	const char	*kind;		/* rule ID, or "smb-join", "fanout", ... */
	const char	*technique;
	const char	*title;
	const char	*source_ip;	/* "" when unknown */
	const char	*source_host;
	const char	*target_ip;
	const char	*target_host;
	const char	*user;
	int64_t		 first_us;
	int64_t		 last_us;
	int64_t		 count;
	int64_t		 score;
	bool		 tripped;
	bool		 suppressed;
	const char	*explanation;
	/* added by correlate.c (fields at the end) */
	const char	*chain;		/* "logon -> service creation; ..." or "" */
	int64_t		 tripped_us;	/* when it tripped, 0 if never */
	int		 severity;	/* enum rule_severity of its strongest hit */
	bool		 local;		/* classified local execution, not lateral */
};
int	 store_findings_foreach(struct store *,
	    int (*cb)(const struct lmh_finding *, void *), void *arg);
/* metadata.id of each evidence event of finding ID, oldest first. */
int	 store_finding_evidence(struct store *, int64_t finding_id,
	    int (*cb)(const char *event_id, void *), void *arg);

/* ---- findings, assets, suppressions (store.c, for correlate.c) ---- */
/* a row of corr_hits: one rule hit or derived marker, with its sides */
struct lmh_hitrow {
	int64_t		 id;
	const char	*event_id;	/* metadata.id */
	int64_t		 ts_us;
	int		 role;		/* enum rule_role, or CORR_ROLE_* */
	const char	*rule;		/* rule ID ("" for markers) */
	const char	*technique;	/* the rule's techniques, comma-separated */
	const char	*target_key;	/* normalised host, "" unknown */
	const char	*target_ip;
	const char	*source_key;
	const char	*source_host;
	const char	*source_ip;
	const char	*user;
	bool		 fanout;	/* counts toward fan-out */
	const char	*detail;	/* file base name, pipe client, ... */
	int64_t		 finding;	/* finding it fed, 0 none */
};
/* a suppression: NULL key fields match anything; expires_us 0 = never */
struct lmh_suppression {
	int64_t		 id;
	const char	*kind;
	const char	*source;
	const char	*target;
	const char	*user;
	const char	*reason;
	const char	*owner;
	int64_t		 created_us;
	int64_t		 expires_us;
};
/* Record HOST_KEY/HOST seen with its own IP at TS (extends first/last). */
int	 store_asset_seen(struct store *, const char *host_key,
	    const char *host, const char *ip, int64_t ts_us);
/* The host that had IP nearest to TS (within SLACK): 1 found, 0 none, -1. */
int	 store_asset_host(struct store *, const char *ip, int64_t ts_us,
	    int64_t slack_us, char *key, size_t keylen, char *host,
	    size_t hostlen);
/* Call CB for each IP HOST_KEY had within SLACK of TS; 0 or -1. */
int	 store_asset_ips(struct store *, const char *host_key, int64_t ts_us,
	    int64_t slack_us, int (*cb)(const char *ip, void *), void *arg);
/* Insert a hit row; returns its id, or -1. */
int64_t	 store_hit_add(struct store *, const struct lmh_hitrow *);
/* Set the source (and fan-out flag) of hit ID; 0 or -1. */
int	 store_hit_set_source(struct store *, int64_t id, const char *key,
	    const char *host, const char *ip, bool fanout);
/* Point hit rows of finding FROM (or hit ID when FROM is 0) at TO. */
int	 store_hit_set_finding(struct store *, int64_t id, int64_t from,
	    int64_t to);
/*
 * Hit rows on a target (by KEY; by IP when KEY is NULL; by IP among the
 * rows naming no host when KEY is "") with time in [FROM, TO], oldest
 * first, at most MAX; CB returns non-zero to stop.
 */
int	 store_hits_near(struct store *, const char *key, const char *ip,
	    int64_t from_us, int64_t to_us, int max,
	    int (*cb)(const struct lmh_hitrow *, void *), void *arg);
/* Fan-out rows of a source (by KEY, or by IP when KEY is NULL) in [FROM, TO]. */
int	 store_hits_by_source(struct store *, const char *key, const char *ip,
	    int64_t from_us, int64_t to_us, int max,
	    int (*cb)(const struct lmh_hitrow *, void *), void *arg);
/* Delete hit rows older than BEFORE_US, at most CHUNK; count or -1. */
int64_t	 store_hits_prune(struct store *, int64_t before_us, int chunk);
/*
 * The finding with this key (ID 0 for a key lookup) or this ID: strings
 * are copied into MEM (reset first); 1 found, 0 none, -1 error.  The
 * keys are returned in SOURCE_KEY/TARGET_KEY.
 */
int	 store_finding_get(struct store *, int64_t id, const char *kind,
	    const char *technique, const char *source_key,
	    const char *target_key, const char *user, struct lmh_finding *,
	    struct buf *mem);
/* Insert F with its keys and flags; returns the new id, or -1. */
int64_t	 store_finding_insert(struct store *, const struct lmh_finding *,
	    const char *source_key, const char *target_key, int64_t flags);
/* Update every field of finding F->id (keys included); 0 or -1. */
int	 store_finding_update(struct store *, const struct lmh_finding *,
	    const char *source_key, const char *target_key, int64_t flags);
/* The flags column of finding ID (0 if absent). */
int64_t	 store_finding_flags(struct store *, int64_t id);
/* Delete finding ID moving its evidence to INTO (0: drop it); 0 or -1. */
int	 store_finding_merge(struct store *, int64_t id, int64_t into);
/* Link EVENT_ID as evidence of finding ID unless it has LMH_EVIDENCE_MAX. */
int	 store_finding_add_evidence(struct store *, int64_t id,
	    const char *event_id, int64_t ts_us);
/* The same, telling apart 1 linked and 0 not (already linked or full). */
int	 store_finding_link(struct store *, int64_t id,
	    const char *event_id, int64_t ts_us);
/* Add a suppression; returns its id, or -1. */
int64_t	 store_suppression_add(struct store *, const struct lmh_suppression *);
/* Call CB for each suppression not expired at NOW_US; 0 or -1. */
int	 store_suppressions_foreach(struct store *, int64_t now_us,
	    int (*cb)(const struct lmh_suppression *, void *), void *arg);

/* ------------------------------------------------------------------ */
/* correlate.c: rule hits -> findings                                  */
/* ------------------------------------------------------------------ */
struct correlator;

/* one rule hit on one new event */
struct lmh_hit {
	const struct lmh_event	*ev;
	const struct rule	*rule;
};

struct correlate_stats {
	uint64_t joins;			/* exec joined to network evidence */
	uint64_t findings_new;
	uint64_t findings_updated;
	uint64_t tripped;
	uint64_t rejected_skew;		/* events beyond max_clock_skew */
	uint64_t no_host;		/* events with no host and no IP */
	uint64_t duplicates;		/* events passed twice (rowid 0) */
	uint64_t bad_ip;		/* loopback/link-local/unspecified IPs dropped */
	uint64_t local;			/* findings classified local execution */
	uint64_t fanout;		/* fan-out findings created */
	uint64_t suppressed;		/* finding updates under a suppression */
};

struct correlator *correlate_new(const struct lmh_config *);
void	 correlate_free(struct correlator *);
/*
 * Process one batch of newly stored events (EVS, each with rowid set)
 * and the rule hits among them, inside the caller's transaction.
 */
int	 correlate_batch(struct correlator *, struct store *,
	    struct lmh_event *evs, size_t nev,
	    const struct lmh_hit *hits, size_t nhits);
const struct correlate_stats *correlate_stats(const struct correlator *);
/*
 * The reference time that max_clock_skew is measured against and that
 * suppressions expire by.  0 (the default, for replays: --once, backfill)
 * uses the wall clock and rejects only events more than max_clock_skew in
 * the future; the daemon's live polls set now_us(), which also rejects
 * events older than lookback + max_clock_skew.
 */
void	 correlate_set_now(struct correlator *, int64_t now_us);
/*
 * The findings that tripped in the last correlate_batch (ids, valid until
 * the next batch), for case comments written in the same transaction.
 */
size_t	 correlate_tripped(const struct correlator *, const int64_t **ids);
/* Normalise a host name for matching: lower case, no domain suffix. */
void	 host_key(const char *host, char *out, size_t len);
/* Internal roles of corr_hits rows next to enum rule_role. */
#define CORR_ROLE_PIPE		10	/* pipe name naming the client host */
#define CORR_ROLE_LOCAL		11	/* a local PsExec-style client */
#define LMH_ASSET_SLACK_S	3600	/* s an asset IP stays valid beyond last seen */
#define LMH_JOIN_ROWS_MAX	256	/* hit rows read per join lookup */
#define LMH_FANOUT_ROWS_MAX	1024	/* hit rows read per fan-out check */

/* ------------------------------------------------------------------ */
/* pipeline.c: one batch of new events through store, rules, correlate */
/* ------------------------------------------------------------------ */
struct hunt_stats {
	struct source_stats src;
	uint64_t	 stored;
	uint64_t	 duplicates;
	uint64_t	*rule_hits;	/* per rule, index as in the ruleset */
	uint64_t	 batches;
	uint64_t	 failed;	/* batches refused or rolled back */
	uint64_t	 out_of_scope;	/* events the scope query left out */
	uint64_t	 parents_inferred; /* parent images filled by proctree.c */
	uint64_t	 hits;		/* rule hits in all */
	int64_t		 first_us;	/* oldest event time seen, 0 = none */
	int64_t		 last_us;	/* newest event time seen */
};

struct hunt {
	const struct lmh_config	*cf;
	struct ruleset		*rules;
	struct store		*store;
	struct correlator	*corr;
	struct query		*scope;	/* NULL: every event is in scope */
	struct proctree		*tree;	/* process lineage across batches */
	struct hunt_stats	 stats;
};

int	 hunt_init(struct hunt *, const struct lmh_config *, struct ruleset *,
	    struct store *);
void	 hunt_free(struct hunt *);
/*
 * Hunt only the events matching SCOPE (a UDM search query, lists from the
 * rule set), as the server-side queries AND it; NULL or "" = all.  -1 with
 * "scope:1:col: msg" in ERRS when it does not parse.
 */
int	 hunt_set_scope(struct hunt *, const char *scope, struct errlist *errs);
/*
 * Store, match and correlate one batch in one transaction.  N must not
 * exceed cf->batch_events (nor LMH_BATCH_MAX); the newly stored events are
 * moved to the front of EVS (swapped, so the caller still frees them all).
 * Returns 0, or -1 after a rollback.
 */
int	 hunt_batch(struct hunt *, struct lmh_event *evs, size_t n);

/* ------------------------------------------------------------------ */
/* report.c: the hunt report                                           */
/* ------------------------------------------------------------------ */
#define LMH_REPORT_FIELD_MAX	240	/* bytes of one evidence line in the text report */

struct report_opts {
	const char	*hypothesis;
	const char	*case_id;
	int64_t		 lookback;	/* seconds */
	const char	*scope;
	bool		 json;
};
/* Write the report of what H found; returns the number of findings. */
int	 report_write(struct hunt *, const struct report_opts *, FILE *);

#endif /* LMHUNT_H */
