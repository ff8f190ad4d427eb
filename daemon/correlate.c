/*
 * correlate.c - rule hits -> findings that name source, target, user and
 * technique, with the joins, chains, fan-out, source class, scores and
 * suppressions of DESIGN.md "Correlation".
 *
 * Every rule hit (and two markers derived here: PsExec-style pipe names
 * that carry the client host, and local PsExec clients) becomes a row of
 * corr_hits with the target and source it names.  A new execution row
 * (EXEC, TRANSFER) looks up its target's rows within +-(smb_window +
 * clock_skew); a new evidence row (ACCESS, NETWORK, LAUNCH, PIPE, LOCAL)
 * looks up the execution rows on its target in the same window and
 * updates their findings.  So either side may arrive first, in the same
 * batch or a later one, and each new event costs a few index range scans.
 *
 * Hosts are matched by host_key() (lower case, no domain suffix); a
 * target named by IP is resolved through assets, learned from events
 * that carry a host and its own IP, nearest in time (DHCP reuses IPs).
 *
 * Clock: an event more than max_clock_skew in the future of the reference
 * time is counted (rejected_skew) and not correlated.  The reference is
 * the wall clock, or the time given to correlate_set_now(); only in that
 * second case (the daemon's live polls) are events older than lookback +
 * max_clock_skew before it rejected too, since a replay (--once, backfill)
 * legitimately carries events of any age (the datasets are from
 * 2019-2020).  Suppressions expire and findings trip by the same reference.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lmhunt.h"

/* finding flags (the findings.flags column) */
#define FL_REMOTE	0x001	/* a remote source is known */
#define FL_CH_LOGON	0x002	/* network logon / share access -> execution */
#define FL_CH_WRITE	0x004	/* admin-share write -> execution */
#define FL_CH_T1570	0x008	/* the file written over the share was started */
#define FL_CH_PIPE	0x010	/* PsExec-style pipe names the client host */
#define FL_CH_LAUNCH	0x020	/* the source's command line names the target */
#define FL_ADMIN	0x040	/* source is in admin_sources */
#define FL_WORKSTATION	0x080	/* source looks like a workstation */
#define FL_LOCAL	0x100	/* local execution (store.c mirrors this bit) */
#define FL_LOCAL_HINT	0x200	/* a local client was seen on the target */
#define FL_STRONG_REMOTE (FL_CH_PIPE | FL_CH_WRITE | FL_CH_T1570 | \
			 FL_CH_LAUNCH)
#define FL_CHAINS	(FL_CH_LOGON | FL_CH_WRITE | FL_CH_T1570 | \
			 FL_CH_PIPE | FL_CH_LAUNCH)

/* score parts (0..100) */
#define SCORE_PER_SEVERITY	15	/* low 15 .. critical 60 */
#define SCORE_FANOUT		75
#define SCORE_REMOTE		20
#define SCORE_CHAIN		10	/* per chain link ... */
#define SCORE_CHAIN_MAX		25	/* ... up to this */
#define SCORE_ADMIN		(-25)
#define SCORE_WORKSTATION	10
#define SCORE_LOCAL_MAX		10	/* local execution never scores higher */

#define ASSET_CACHE_SLOTS	4096	/* (host, ip) pairs remembered */
#define ASSET_WRITE_GRAN_US	(60 * INT64_C(1000000)) /* re-write when older */
#define IP_TEXT_MAX		64
#define DETAIL_MAX		256
#define TECH_TEXT_MAX		(LMH_TECHNIQUES_MAX * 16)
#define SUPPRESSIONS_MAX	10000	/* active suppressions loaded per batch */
#define FANOUT_QUEUE_MAX	1024	/* sources queued for a fan-out check */
#define FCACHE_SLOTS		8192	/* findings whose flags are remembered */
#define US			INT64_C(1000000)

struct cidr {
	int		 af;
	unsigned char	 a[16];
	int		 bits;
	char		*text;
};

struct asset_slot {
	char		*pair;		/* "hostkey|ip" */
	int64_t		 first_us;
	int64_t		 last_us;
};

struct supp {
	int64_t		 id;
	char		*kind, *source, *target, *user, *reason, *owner;
	int64_t		 expires_us;
};

/* a source whose fan-out is checked at the end of the batch */
struct fanout_q {
	char		 key[LMH_NAME_MAX];
	char		 host[LMH_NAME_MAX];
	char		 ip[IP_TEXT_MAX];
	int64_t		 from_us;
	int64_t		 to_us;
};

/* what correlation last wrote of a finding: lets late evidence that adds
 * nothing skip the store */
struct fcache {
	int64_t		 id;
	int64_t		 flags;
	bool		 has_src;
	bool		 ev_full;	/* LMH_EVIDENCE_MAX linked */
};

struct correlator {
	const struct lmh_config	*cf;
	struct correlate_stats	 stats;
	int64_t			 now_us;	/* 0: batch median */
	int64_t			 ref_us;	/* this batch's reference */
	int64_t			 window_us;	/* smb_window + clock_skew */
	struct cidr		*nets;
	size_t			 nnets;
	char			**admin_hosts;
	size_t			 nadmin_hosts;
	struct asset_slot	 assets[ASSET_CACHE_SLOTS];
	struct supp		*supps;
	size_t			 nsupps;
	struct fanout_q		*fq;		/* FANOUT_QUEUE_MAX */
	size_t			 nfq;
	struct buf		 mem;		/* finding strings */
	struct buf		 mem2;
	struct udm_path		*desc_path;	/* security_result.description */
	bool			 trip_pending;	/* finding_judge tripped one */
	int64_t			*tripped;	/* ids tripped in this batch */
	size_t			 ntripped, captripped;
	struct fcache		*fc;		/* FCACHE_SLOTS */
};

/* one hit row being built, with the storage for its strings */
struct row {
	struct lmh_hitrow	 r;
	const struct lmh_event	*ev;
	const struct rule	*rule;
	char	 target_key[LMH_NAME_MAX];
	char	 target_host[LMH_NAME_MAX];	/* display form */
	char	 target_ip[IP_TEXT_MAX];
	char	 source_key[LMH_NAME_MAX];
	char	 source_host[LMH_NAME_MAX];
	char	 source_ip[IP_TEXT_MAX];
	char	 user[LMH_NAME_MAX];
	char	 detail[DETAIL_MAX];
	char	 technique[TECH_TEXT_MAX];
};

/* what a join found for one execution row */
struct pending {
	int64_t		 flags;
	bool		 have_src;
	int64_t		 src_dt;	/* |dt| of the chosen source */
	int		 src_prio;
	char		 src_key[LMH_NAME_MAX];
	char		 src_host[LMH_NAME_MAX];
	char		 src_ip[IP_TEXT_MAX];
	char		 src_event[LMH_NAME_MAX];
	int		 src_role;
	struct buf	 why;		/* explanation lines */
	char		*ev_ids[LMH_EVIDENCE_MAX];
	int64_t		 ev_ts[LMH_EVIDENCE_MAX];
	size_t		 nev;
};

static int	finding_touch(struct correlator *, struct store *,
		    const struct lmh_hitrow *x, const struct lmh_hitrow *n);
static int	launch_pair(struct correlator *, struct store *,
		    const struct lmh_hitrow *x, const char *thost);

/* ------------------------------------------------------------------ */
/* names and addresses                                                 */
/* ------------------------------------------------------------------ */

/* Is S empty or a placeholder ("-", "unknown", "null")? */
static bool
blank(const char *s)
{
	return s == NULL || *s == '\0' || strcmp(s, "-") == 0 ||
	    strcasecmp(s, "unknown") == 0 || strcasecmp(s, "null") == 0;
}

/* Parse TEXT as an IPv4/IPv6 address into A (16 bytes); AF or 0. */
static int
ip_parse(const char *text, unsigned char *a)
{
	char tmp[IP_TEXT_MAX], *pct;
	const char *p;

	if (text == NULL)
		return 0;
	/* cheap refusal of host names: an address holds only these */
	for (p = text; *p != '\0' && *p != '%'; p++)
		if (!isxdigit((unsigned char)*p) && *p != '.' && *p != ':')
			return 0;
	if (strlen(text) >= sizeof(tmp))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", text);
	if ((pct = strchr(tmp, '%')) != NULL)	/* fe80::1%eth0 */
		*pct = '\0';
	if (inet_pton(AF_INET, tmp, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, tmp, a) == 1)
		return AF_INET6;
	return 0;
}

/*
 * Is IP usable as one side of a join: a parseable address that is not
 * loopback, unspecified or link-local (v4-mapped forms included)?
 */
static bool
ip_usable(const char *ip)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	unsigned char a[16], zero[16] = { 0 };
	int af = ip_parse(ip, a);

	if (af == AF_INET6 && memcmp(a, mapped, 12) == 0) {
		memmove(a, a + 12, 4);
		af = AF_INET;
	}
	if (af == AF_INET)
		return a[0] != 127 && a[0] != 0 && !(a[0] == 169 && a[1] == 254);
	if (af == AF_INET6) {
		if (memcmp(a, zero, 16) == 0)			/* :: */
			return false;
		if (memcmp(a, zero, 15) == 0 && a[15] == 1)	/* ::1 */
			return false;
		if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)	/* fe80::/10 */
			return false;
		return true;
	}
	return false;
}

/* Normalise a host name for matching: lower case, no domain suffix. */
void
host_key(const char *host, char *out, size_t len)
{
	unsigned char a[16];
	size_t i = 0;
	const char *p = host;

	if (len == 0)
		return;
	out[0] = '\0';
	if (blank(host))
		return;
	while (*p == '\\' || *p == ' ')
		p++;
	if (ip_parse(p, a) != 0)	/* an address is not a host name */
		return;
	for (; *p != '\0' && *p != '.' && *p != ' ' && *p != '\\' &&
	    i + 1 < len; p++)
		out[i++] = (char)tolower((unsigned char)*p);
	out[i] = '\0';
	if (strcmp(out, "localhost") == 0 || strcmp(out, "-") == 0)
		out[0] = '\0';
}

/* Is NAME (as written) a way of saying "this host"? */
static bool
local_name(const char *name)
{
	return *name == '\0' || strcmp(name, ".") == 0 ||
	    strcasecmp(name, "localhost") == 0 || !ip_usable(name);
}

/* Copy the lower-cased base name of a Windows or Unix path into OUT. */
static void
base_name(const char *path, char *out, size_t len)
{
	const char *b = path, *p;
	size_t i;

	out[0] = '\0';
	if (path == NULL)
		return;
	for (p = path; *p != '\0'; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	for (i = 0; b[i] != '\0' && b[i] != '"' && b[i] != ' ' &&
	    i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)b[i]);
	out[i] = '\0';
}

/* Copy a user name lower-cased ("" for placeholders) into OUT. */
static void
user_norm(const char *user, char *out, size_t len)
{
	size_t i;

	out[0] = '\0';
	if (blank(user))
		return;
	for (i = 0; user[i] != '\0' && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)user[i]);
	out[i] = '\0';
}

/* Does S end with SUFFIX, ignoring case? */
static bool
ends_with(const char *s, const char *suffix)
{
	size_t n, m;

	if (s == NULL)
		return false;
	n = strlen(s);
	m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Case-insensitive strstr. */
static const char *
find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* Is this a network event (connection records orient by ports)? */
static bool
is_network(const struct lmh_event *ev)
{
	return ev->event_type != NULL &&
	    strncmp(ev->event_type, "NETWORK_", 8) == 0;
}

/* Is this a well-known port of remote execution (SMB, RPC endpoint mapper)? */
static bool
smb_port(int port)
{
	return port == 445 || port == 139 || port == 135;
}

/*
 * Is a connection logged with its sides reversed (old Sysmon writes an
 * inbound SMB connection with the local :445 as the source)?  Then the
 * principal is the server.
 */
static bool
net_swapped(const struct lmh_event *ev)
{
	/* only well-known ports: dynamic RPC ports are client ports too */
	return smb_port(ev->principal_port) && !smb_port(ev->target_port);
}

/*
 * The event host's own IP, or NULL: principal.ip of host events.  A
 * connection's sides are not trusted for this (old Sysmon reverses
 * inbound connections; stock Chronicle data may lack the direction).
 */
static const char *
own_ip(const struct lmh_event *ev)
{
	int i;

	if (is_network(ev))
		return NULL;
	for (i = 0; i < ev->n_principal_ip; i++)
		if (ip_usable(ev->principal_ip[i]))
			return ev->principal_ip[i];
	return NULL;
}

/* The first usable IP of a list, or NULL (counts dropped ones in *BAD). */
static const char *
first_usable(const char *const *ips, int n, uint64_t *bad)
{
	int i;

	for (i = 0; i < n; i++) {
		if (ip_usable(ips[i]))
			return ips[i];
		if (ips[i] != NULL)
			(*bad)++;
	}
	return NULL;
}

/* Is C a character of a host name or address? */
static bool
name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '.' || ch == '-' ||
	    ch == '_' || ch == ':';
}

/*
 * The target a PowerShell command or module log names: -ComputerName X,
 * -ComputerName @("X"), -CN X, -Target X, and the module log's
 * ParameterBinding name="ComputerName"; value="X".  1 found, 0 none.
 */
static int
ps_target(const char *text, char *out, size_t len)
{
	static const char *const keys[] = { "name=\"computername\"; value=",
	    "name=\"target\"; value=", "-computername", "-cn ", "-target ",
	    NULL };
	const char *p, *q;
	size_t i, k;

	for (k = 0; keys[k] != NULL; k++) {
		for (p = text; (p = find_ci(p, keys[k])) != NULL; p++) {
			q = p + strlen(keys[k]);
			if (isalnum((unsigned char)*q) && keys[k][0] == '-' &&
			    keys[k][strlen(keys[k]) - 1] != ' ')
				continue;	/* -ComputerNameX */
			while (*q == ' ' || *q == '"' || *q == '\'' ||
			    *q == '@' || *q == '(' || *q == '\\')
				q++;
			if (!isalnum((unsigned char)*q))
				continue;	/* $variable, nothing */
			for (i = 0; name_char(q[i]) && i + 1 < len; i++)
				out[i] = q[i];
			out[i] = '\0';
			if (i > 0)
				return 1;
		}
	}
	return 0;
}

/*
 * The target a remote-execution command line names: wmic /node:X, or
 * \\X as in psexec \\X, sc \\X, net use \\X\ADMIN$.  Returns 1 with the
 * name in OUT, 0 when the command names none.
 */
static int
launch_target(const char *cmd, char *out, size_t len)
{
	const char *p, *q;
	size_t i = 0;

	out[0] = '\0';
	if (cmd == NULL)
		return 0;
	if ((p = find_ci(cmd, "/node:")) != NULL ||
	    (p = find_ci(cmd, "-node:")) != NULL) {
		p += 6;
		while (*p == '"' || *p == '\'' || *p == ' ')
			p++;
		if (*p == '@')		/* a file of names: not one target */
			return 0;
		for (; *p != '\0' && *p != '"' && *p != '\'' && *p != ' ' &&
		    *p != ',' && i + 1 < len; p++)
			out[i++] = *p;
		out[i] = '\0';
		return i > 0;
	}
	if (ps_target(cmd, out, len))
		return 1;
	for (p = cmd; (p = strstr(p, "\\\\")) != NULL; p += 2) {
		q = p + 2;
		if (*q == '.' || *q == '?' || *q == '*' || *q == '\\' ||
		    *q == '\0')
			continue;	/* \\.\pipe, \\?\C:, \\* */
		for (i = 0; *q != '\0' && *q != '\\' && *q != ' ' &&
		    *q != '"' && *q != '\'' && i + 1 < len; q++)
			out[i++] = *q;
		out[i] = '\0';
		if (i > 0)
			return 1;
	}
	return 0;
}

/*
 * A PsExec-style pipe name "<svc>-<HOST>-<pid>-stdin|stdout|stderr"
 * (PSEXESVC-WS5-7256-stdin, renamed: blabla-NLLT108334-37048-stdin):
 * copy the client host into OUT; 1 found, 0 not such a name.
 */
static int
pipe_client(const char *name, char *out, size_t len)
{
	const char *b = name, *p, *end, *dash;
	size_t n;

	out[0] = '\0';
	if (name == NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	if (!ends_with(b, "-stdin") && !ends_with(b, "-stdout") &&
	    !ends_with(b, "-stderr"))
		return 0;
	end = strrchr(b, '-');			/* -stdin */
	for (p = end - 1; p > b && isdigit((unsigned char)*p); p--)
		;
	if (p <= b || *p != '-' || p == end - 1)
		return 0;			/* no -<pid> */
	end = p;				/* end of host */
	if ((dash = strchr(b, '-')) == NULL || dash >= end)
		return 0;
	n = (size_t)(end - (dash + 1));
	if (n == 0 || n >= len)
		return 0;
	memcpy(out, dash + 1, n);
	out[n] = '\0';
	return 1;
}

/* Is PATH a PsExec-family client binary? */
static bool
psexec_client(const char *path)
{
	char b[64];

	base_name(path, b, sizeof(b));
	return strcmp(b, "psexec.exe") == 0 || strcmp(b, "psexec64.exe") == 0 ||
	    strcmp(b, "paexec.exe") == 0;
}

/* Is RESOURCE an administrative share other than IPC$ (ADMIN$, C$)? */
static bool
admin_share(const char *resource)
{
	return resource != NULL && ends_with(resource, "$") &&
	    !ends_with(resource, "IPC$");
}

/* ------------------------------------------------------------------ */
/* source class                                                        */
/* ------------------------------------------------------------------ */

/* Parse "addr[/bits]" into C; 0 ok, -1 not an address. */
static int
cidr_parse(const char *text, struct cidr *c)
{
	char tmp[IP_TEXT_MAX], *slash, *end;
	long bits;

	if (strlen(text) >= sizeof(tmp))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s", text);
	if ((slash = strchr(tmp, '/')) != NULL)
		*slash++ = '\0';
	if ((c->af = ip_parse(tmp, c->a)) == 0)
		return -1;
	c->bits = c->af == AF_INET ? 32 : 128;
	if (slash != NULL) {
		bits = strtol(slash, &end, 10);
		if (*end != '\0' || bits < 0 || bits > c->bits)
			return -1;
		c->bits = (int)bits;
	}
	return 0;
}

/* Does IP fall in C? */
static bool
cidr_match(const struct cidr *c, const char *ip)
{
	unsigned char a[16];
	int af = ip_parse(ip, a), full, rest;

	if (af != c->af)
		return false;
	full = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(a, c->a, (size_t)full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ c->a[full]) &
	    (unsigned char)(0xff << (8 - rest))) == 0;
}

/*
 * Is the source (KEY, IP) in admin_sources?  Copies the matching entry
 * into WHY.
 */
static bool
admin_source(const struct correlator *c, const char *key, const char *ip,
    char *why, size_t len)
{
	size_t i;

	for (i = 0; i < c->nnets; i++)
		if (*ip != '\0' && cidr_match(&c->nets[i], ip)) {
			snprintf(why, len, "%s", c->nets[i].text);
			return true;
		}
	for (i = 0; i < c->nadmin_hosts; i++)
		if (*key != '\0' && strcmp(key, c->admin_hosts[i]) == 0) {
			snprintf(why, len, "%s", c->admin_hosts[i]);
			return true;
		}
	return false;
}

/*
 * Does the host key look like a workstation?  Names containing
 * workstation/desktop/laptop/win7/win10/win11, or starting with ws, wks,
 * pc, nb followed by a digit or '-'.
 */
static bool
workstation(const char *key)
{
	static const char *const has[] = { "workstation", "desktop", "laptop",
	    "win7", "win10", "win11", NULL };
	static const char *const starts[] = { "ws", "wks", "pc", "nb", NULL };
	size_t i, n;

	for (i = 0; has[i] != NULL; i++)
		if (strstr(key, has[i]) != NULL)
			return true;
	for (i = 0; starts[i] != NULL; i++) {
		n = strlen(starts[i]);
		if (strncmp(key, starts[i], n) == 0 &&
		    (isdigit((unsigned char)key[n]) || key[n] == '-'))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* set-up                                                              */
/* ------------------------------------------------------------------ */

/* Create a correlator for config CF (admin_sources parsed here). */
struct correlator *
correlate_new(const struct lmh_config *cf)
{
	struct correlator *c;
	struct cidr cd;
	char key[LMH_NAME_MAX];
	size_t i;

	c = xcalloc(1, sizeof(*c));
	c->cf = cf;
	c->window_us = (cf->smb_window + cf->clock_skew) * US;
	for (i = 0; i < cf->admin_sources.n; i++) {
		const char *s = cf->admin_sources.v[i];

		if (cidr_parse(s, &cd) == 0) {
			cd.text = xstrdup(s);
			c->nets = xrealloc(c->nets, (c->nnets + 1) *
			    sizeof(*c->nets));
			c->nets[c->nnets++] = cd;
			continue;
		}
		host_key(s, key, sizeof(key));
		if (*key == '\0') {
			log_warnx("admin_sources: '%s' is neither a CIDR nor "
			    "a host name; ignored", s);
			continue;
		}
		c->admin_hosts = xrealloc(c->admin_hosts,
		    (c->nadmin_hosts + 1) * sizeof(*c->admin_hosts));
		c->admin_hosts[c->nadmin_hosts++] = xstrdup(key);
	}
	buf_init(&c->mem);
	buf_init(&c->mem2);
	c->fq = xcalloc(FANOUT_QUEUE_MAX, sizeof(*c->fq));
	c->fc = xcalloc(FCACHE_SLOTS, sizeof(*c->fc));
	c->desc_path = udm_path_compile("security_result.description", key,
	    sizeof(key));
	return c;
}

/* Free the loaded suppressions. */
static void
supps_clear(struct correlator *c)
{
	size_t i;

	for (i = 0; i < c->nsupps; i++) {
		free(c->supps[i].kind);
		free(c->supps[i].source);
		free(c->supps[i].target);
		free(c->supps[i].user);
		free(c->supps[i].reason);
		free(c->supps[i].owner);
	}
	free(c->supps);
	c->supps = NULL;
	c->nsupps = 0;
}

/* Free C. */
void
correlate_free(struct correlator *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nnets; i++)
		free(c->nets[i].text);
	free(c->nets);
	for (i = 0; i < c->nadmin_hosts; i++)
		free(c->admin_hosts[i]);
	free(c->admin_hosts);
	for (i = 0; i < ASSET_CACHE_SLOTS; i++)
		free(c->assets[i].pair);
	supps_clear(c);
	free(c->fq);
	free(c->fc);
	free(c->tripped);
	if (c->desc_path != NULL)
		udm_path_free(c->desc_path);
	buf_free(&c->mem);
	buf_free(&c->mem2);
	free(c);
}

/* Counters since correlate_new. */
const struct correlate_stats *
correlate_stats(const struct correlator *c)
{
	return &c->stats;
}

/* Set the reference time (0: each batch's median event time). */
void
correlate_set_now(struct correlator *c, int64_t now)
{
	c->now_us = now;
}

/* ------------------------------------------------------------------ */
/* assets                                                              */
/* ------------------------------------------------------------------ */

/* FNV-1a of S. */
static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/*
 * Learn that the event's host had its own IP at the event's time.  A
 * small cache skips the write when the stored span already covers the
 * time (to ASSET_WRITE_GRAN_US), so the cost per event stays tiny.
 */
static int
asset_learn(struct correlator *c, struct store *st,
    const struct lmh_event *ev, const char *key)
{
	struct asset_slot *s;
	const char *ip;
	char pair[LMH_NAME_MAX + IP_TEXT_MAX + 2];

	if (*key == '\0' || (ip = own_ip(ev)) == NULL)
		return 0;
	snprintf(pair, sizeof(pair), "%s|%s", key, ip);
	s = &c->assets[hash_str(pair) % ASSET_CACHE_SLOTS];
	if (s->pair != NULL && strcmp(s->pair, pair) == 0 &&
	    ev->ts_us >= s->first_us - ASSET_WRITE_GRAN_US &&
	    ev->ts_us <= s->last_us + ASSET_WRITE_GRAN_US)
		return 0;
	if (store_asset_seen(st, key, ev->host, ip, ev->ts_us) == -1)
		return -1;
	if (s->pair == NULL || strcmp(s->pair, pair) != 0) {
		free(s->pair);
		s->pair = xstrdup(pair);
		s->first_us = s->last_us = ev->ts_us;
	} else {
		if (ev->ts_us < s->first_us)
			s->first_us = ev->ts_us;
		if (ev->ts_us > s->last_us)
			s->last_us = ev->ts_us;
	}
	return 0;
}

/* Resolve IP at TS to a host (KEY and display HOST); true when known. */
static bool
asset_host(struct store *st, const char *ip, int64_t ts, char *key,
    size_t keylen, char *host, size_t hostlen)
{
	key[0] = host[0] = '\0';
	if (ip == NULL || *ip == '\0')
		return false;
	return store_asset_host(st, ip, ts, LMH_ASSET_SLACK_S * US, key,
	    keylen, host, hostlen) == 1 && *key != '\0';
}

/* ------------------------------------------------------------------ */
/* rows                                                                */
/* ------------------------------------------------------------------ */

/* Point R's lmh_hitrow strings at its buffers. */
static void
row_link(struct row *w)
{
	w->r.target_key = w->target_key;
	w->r.target_ip = w->target_ip;
	w->r.source_key = w->source_key;
	w->r.source_host = w->source_host;
	w->r.source_ip = w->source_ip;
	w->r.user = w->user;
	w->r.detail = w->detail;
	w->r.technique = w->technique;
	w->r.event_id = w->ev->id;
	w->r.ts_us = w->ev->ts_us;
	w->r.rule = w->rule != NULL ? w->rule->id : "";
}

/* Set the row's source; resolve the host through assets if only an IP. */
static void
row_source(struct correlator *c, struct store *st, struct row *w,
    const char *host, const char *ip)
{
	char key[LMH_NAME_MAX];

	w->source_key[0] = w->source_host[0] = w->source_ip[0] = '\0';
	if (ip != NULL && !ip_usable(ip)) {
		c->stats.bad_ip++;
		ip = NULL;
	}
	if (ip != NULL)
		snprintf(w->source_ip, sizeof(w->source_ip), "%s", ip);
	host_key(host, key, sizeof(key));
	if (*key != '\0') {
		snprintf(w->source_key, sizeof(w->source_key), "%s", key);
		snprintf(w->source_host, sizeof(w->source_host), "%s", host);
	} else if (ip != NULL)
		asset_host(st, ip, w->ev->ts_us, w->source_key,
		    sizeof(w->source_key), w->source_host,
		    sizeof(w->source_host));
	/* the target itself is no remote source */
	if ((*w->source_key != '\0' && strcmp(w->source_key,
	    w->target_key) == 0) || (*w->source_ip != '\0' &&
	    strcmp(w->source_ip, w->target_ip) == 0))
		w->source_key[0] = w->source_host[0] = w->source_ip[0] = '\0';
}

/* Set the row's target to the event's own host and IP. */
static void
row_target_self(struct row *w, const char *key)
{
	const char *ip = own_ip(w->ev);

	snprintf(w->target_key, sizeof(w->target_key), "%s", key);
	snprintf(w->target_host, sizeof(w->target_host), "%s",
	    w->ev->host != NULL ? w->ev->host : "");
	if (ip != NULL)
		snprintf(w->target_ip, sizeof(w->target_ip), "%s", ip);
}

/* The rule's techniques, comma-separated, into OUT. */
static void
techniques_text(const struct rule *r, char *out, size_t len)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; r != NULL && i < r->ntechniques && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? "," : "",
		    r->techniques[i]);
}

/* state of a search for a target in an event's text fields */
struct text_search {
	char	*out;
	size_t	 len;
};

/* One text value: does it name a target? */
static int
text_cb(const struct udm_value *v, void *arg)
{
	struct text_search *t = arg;
	char tmp[LMH_EXPLAIN_MAX];
	size_t n;

	if (v->type != UDM_STRING || v->s == NULL)
		return 0;
	n = v->slen < sizeof(tmp) - 1 ? v->slen : sizeof(tmp) - 1;
	memcpy(tmp, v->s, n);		/* bounded: a script block may be huge */
	tmp[n] = '\0';
	return launch_target(tmp, t->out, t->len);
}

/* The target named in the event's script text (PowerShell 4103/4104). */
static int
launch_text(struct correlator *c, const struct lmh_event *ev, char *out,
    size_t len)
{
	struct text_search t = { out, len };

	if (c->desc_path == NULL)
		return 0;
	return udm_path_foreach(ev, c->desc_path, text_cb, &t) != 0;
}

/* Is IP the host KEY's own address at TS (per assets)? */
static bool
own_addr(struct store *st, const char *key, const char *ip, int64_t ts)
{
	char k[LMH_NAME_MAX], h[LMH_NAME_MAX];

	return ip != NULL && *key != '\0' &&
	    asset_host(st, ip, ts, k, sizeof(k), h, sizeof(h)) &&
	    strcmp(k, key) == 0;
}

/*
 * The target (server) and source (client) of a connection logged on host
 * KEY.  The local side is the one assets know as the host's address;
 * failing that, the side the direction and ports say (old Sysmon logs an
 * inbound connection with the local side as the principal).  Inbound:
 * the host is the target; outbound: the host is the source.  Returns 1,
 * or 0 when the connection has no usable server address.
 */
static int
net_sides(struct correlator *c, struct store *st, struct row *w,
    const struct lmh_event *ev, const char *key)
{
	const char *pip, *tip, *loc = NULL, *rem = NULL, *srv, *cli;
	bool p_own, t_own, inbound, outbound, server;
	int lport = -1, rport = -1;

	pip = first_usable(ev->principal_ip, ev->n_principal_ip,
	    &c->stats.bad_ip);
	tip = first_usable(ev->target_ip, ev->n_target_ip, &c->stats.bad_ip);
	inbound = ev->direction != NULL &&
	    strcasecmp(ev->direction, "INBOUND") == 0;
	outbound = ev->direction != NULL &&
	    strcasecmp(ev->direction, "OUTBOUND") == 0;
	p_own = own_addr(st, key, pip, ev->ts_us);
	t_own = own_addr(st, key, tip, ev->ts_us);
	if (p_own != t_own) {
		loc = p_own ? pip : tip;
		rem = p_own ? tip : pip;
		lport = p_own ? ev->principal_port : ev->target_port;
		rport = p_own ? ev->target_port : ev->principal_port;
		if (inbound || outbound)
			server = inbound;
		else if (smb_port(lport) != smb_port(rport))
			server = smb_port(lport);
		else
			server = !p_own;	/* the target is the server */
	} else {
		/* the principal is the client unless the sides are reversed */
		srv = net_swapped(ev) ? pip : tip;
		cli = net_swapped(ev) ? tip : pip;
		if (srv == NULL)
			return 0;
		if (inbound || net_swapped(ev)) {
			loc = srv;
			rem = cli;
			server = true;
		} else if (outbound) {
			loc = cli;
			rem = srv;
			server = false;
		} else {
			/* no direction: both sides through assets */
			snprintf(w->target_ip, sizeof(w->target_ip), "%s", srv);
			asset_host(st, srv, ev->ts_us, w->target_key,
			    sizeof(w->target_key), w->target_host,
			    sizeof(w->target_host));
			row_source(c, st, w, NULL, cli);
			return 1;
		}
	}
	if (server) {
		snprintf(w->target_key, sizeof(w->target_key), "%s", key);
		snprintf(w->target_host, sizeof(w->target_host), "%s",
		    ev->host != NULL ? ev->host : "");
		if (loc != NULL)
			snprintf(w->target_ip, sizeof(w->target_ip), "%s", loc);
		row_source(c, st, w, NULL, rem);
		return 1;
	}
	if (rem == NULL)
		return 0;
	snprintf(w->target_ip, sizeof(w->target_ip), "%s", rem);
	asset_host(st, rem, ev->ts_us, w->target_key, sizeof(w->target_key),
	    w->target_host, sizeof(w->target_host));
	if (strcmp(w->target_key, key) == 0)
		return 0;		/* to itself */
	snprintf(w->source_key, sizeof(w->source_key), "%s", key);
	snprintf(w->source_host, sizeof(w->source_host), "%s",
	    ev->host != NULL ? ev->host : "");
	if (loc != NULL)
		snprintf(w->source_ip, sizeof(w->source_ip), "%s", loc);
	return 1;
}

/*
 * Build the row of one rule hit.  Returns 1 to store it, 0 when the hit
 * carries nothing usable for correlation (machine-account logons, no
 * target), -1 on error.
 */
static int
row_build(struct correlator *c, struct store *st, struct row *w,
    const struct lmh_event *ev, const struct rule *rule, const char *key)
{
	char name[LMH_NAME_MAX], tkey[LMH_NAME_MAX];
	const char *srcip, *tmp;

	memset(w, 0, sizeof(*w));
	w->ev = ev;
	w->rule = rule;
	w->r.role = (int)rule->role;
	techniques_text(rule, w->technique, sizeof(w->technique));
	user_norm(ev->user, w->user, sizeof(w->user));

	switch (rule->role) {
	case ROLE_EXEC:
	case ROLE_TRANSFER:
		row_target_self(w, key);
		base_name(rule->role == ROLE_TRANSFER ? ev->file_path :
		    ev->path, w->detail, sizeof(w->detail));
		srcip = first_usable(ev->src_ip, ev->n_src_ip,
		    &c->stats.bad_ip);
		row_source(c, st, w, ev->src_host, srcip);
		w->r.fanout = *w->source_key != '\0' || *w->source_ip != '\0';
		break;
	case ROLE_LAUNCH:
		if (!launch_target(ev->cmdline, name, sizeof(name)) &&
		    !launch_target(ev->parent_cmdline, name, sizeof(name)) &&
		    !launch_text(c, ev, name, sizeof(name))) {
			/* 4648: target.hostname names the server */
			host_key(ev->target_host, tkey, sizeof(tkey));
			if (*tkey != '\0' && strcmp(tkey, key) != 0)
				snprintf(name, sizeof(name), "%s",
				    ev->target_host);
			else
				name[0] = '\0';
		}
		/* the launching host is the source */
		snprintf(w->source_key, sizeof(w->source_key), "%s", key);
		snprintf(w->source_host, sizeof(w->source_host), "%s",
		    ev->host != NULL ? ev->host : "");
		if ((tmp = own_ip(ev)) != NULL)
			snprintf(w->source_ip, sizeof(w->source_ip), "%s", tmp);
		host_key(name, tkey, sizeof(tkey));
		if (*tkey != '\0') {
			snprintf(w->target_key, sizeof(w->target_key), "%s",
			    tkey);
			snprintf(w->target_host, sizeof(w->target_host), "%s",
			    name);
		} else if (ip_usable(name)) {
			/* an address: shorter than IP_TEXT_MAX */
			snprintf(w->target_ip, sizeof(w->target_ip), "%.*s",
			    (int)sizeof(w->target_ip) - 1, name);
			asset_host(st, name, ev->ts_us, w->target_key,
			    sizeof(w->target_key), w->target_host,
			    sizeof(w->target_host));
		}
		snprintf(w->detail, sizeof(w->detail), "%s", name);
		/* no target named: findable by source, to pair with execution */
		w->r.fanout = *w->target_key == '\0' && *w->target_ip == '\0';
		break;
	case ROLE_ACCESS:
		if (ends_with(ev->target_user, "$") || ends_with(ev->user, "$") ||
		    find_ci(ev->target_user, "ANONYMOUS") != NULL)
			return 0;	/* machine accounts, null sessions */
		if (ev->target_user != NULL && ev->event_type != NULL &&
		    strcmp(ev->event_type, "USER_LOGIN") == 0)
			user_norm(ev->target_user, w->user, sizeof(w->user));
		host_key(ev->target_host, tkey, sizeof(tkey));
		if (ev->n_src_ip == 0 && *tkey != '\0' && strcmp(tkey, key)) {
			/* 4648-style: logged on the source, names the target */
			snprintf(w->target_key, sizeof(w->target_key), "%s",
			    tkey);
			snprintf(w->target_host, sizeof(w->target_host), "%s",
			    ev->target_host);
			snprintf(w->source_key, sizeof(w->source_key), "%s",
			    key);
			snprintf(w->source_host, sizeof(w->source_host), "%s",
			    ev->host != NULL ? ev->host : "");
			if ((tmp = own_ip(ev)) != NULL)
				snprintf(w->source_ip, sizeof(w->source_ip),
				    "%s", tmp);
		} else {
			row_target_self(w, key);
			srcip = first_usable(ev->src_ip, ev->n_src_ip,
			    &c->stats.bad_ip);
			row_source(c, st, w, ev->src_host, srcip);
		}
		w->r.fanout = admin_share(ev->resource) &&
		    (*w->source_key != '\0' || *w->source_ip != '\0');
		snprintf(w->detail, sizeof(w->detail), "%s",
		    ev->resource != NULL ? ev->resource : "");
		break;
	case ROLE_NETWORK:
		if (net_sides(c, st, w, ev, key) == 0)
			return 0;
		w->r.fanout = false;
		break;
	}
	if (*w->target_key == '\0' && *w->target_ip == '\0' &&
	    rule->role != ROLE_LAUNCH)
		return 0;
	row_link(w);
	return 1;
}

/*
 * Does PIPE carry a PsExec-family tool's default service name (PSEXESVC,
 * RemCom, PAExec, csexecsvc)?  A renamed one (psexec -r NAME, here
 * svchost-HOST-PID-stdin) hides the tool on purpose.
 */
static bool
default_service_pipe(const char *pipe)
{
	static const char *const names[] = { "psexesvc", "remcom", "paexec",
	    "csexecsvc", NULL };
	char b[LMH_NAME_MAX];
	size_t i;

	base_name(pipe, b, sizeof(b));
	for (i = 0; names[i] != NULL; i++)
		if (strncmp(b, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

/*
 * Does the PsExec-family client of EV rename its service: "-r NAME" on
 * its command line, or a service binary it writes that is not named after
 * the tool?  Renaming hides the tool on purpose, so a local run is no
 * plain local use.
 */
static bool
client_renames_service(const struct lmh_event *ev)
{
	const char *p;

	if (ev->file_path != NULL && psexec_client(ev->parent_path))
		return !default_service_pipe(ev->file_path);
	for (p = ev->cmdline; p != NULL && (p = find_ci(p, " -r ")) != NULL;
	    p += 4) {
		while (p[4] == ' ')
			p++;
		if (p[4] != '\0' && p[4] != '-')
			return !default_service_pipe(p + 4);
	}
	return false;
}

/*
 * Is EV a process on the host itself using a PsExec-family service pipe
 * (\PSEXESVC, \RemCom_*, \PAExec*, \csexecsvc, <svc>-<host>-<pid>-std*)?
 * Over the network the pipe is created by the service binary and opened
 * by System; any other local process (PsExec.exe, psexecprivesc.exe)
 * means the client runs here: local execution.
 */
static bool
local_pipe_client(const struct lmh_event *ev)
{
	static const char *const pipes[] = { "psexesvc", "remcom", "paexec",
	    "csexecsvc", NULL };
	static const char *const servers[] = { "system", "services.exe",
	    "psexesvc.exe", "remcomsvc.exe", "csexecsvc.exe", "svchost.exe",
	    "<unknown process>", "?", NULL };
	char b[LMH_NAME_MAX], proc[LMH_NAME_MAX];
	size_t i;
	bool pipe = false;

	if (ev->resource == NULL || ev->parent_path == NULL)
		return false;
	base_name(ev->resource, b, sizeof(b));
	for (i = 0; pipes[i] != NULL && !pipe; i++)
		pipe = strncmp(b, pipes[i], strlen(pipes[i])) == 0;
	if (!pipe)
		return false;
	base_name(ev->parent_path, proc, sizeof(proc));
	if (*proc == '\0' || strncmp(proc, "paexec", 6) == 0)
		return false;
	for (i = 0; servers[i] != NULL; i++)
		if (strcmp(proc, servers[i]) == 0)
			return false;
	return true;
}

/*
 * Derive the markers correlation reads from any event: a PsExec-style
 * pipe name that carries the client host (PIPE, or LOCAL when the client
 * is the host itself), and a local PsExec client (LOCAL): PsExec.exe
 * started without a remote \\host, or writing the service binary.
 */
static int
row_marker(struct correlator *c, struct store *st, struct row *w,
    const struct lmh_event *ev, const char *key)
{
	char client[LMH_NAME_MAX], ckey[LMH_NAME_MAX], name[LMH_NAME_MAX];
	const char *pipe = NULL;

	(void)c;
	(void)st;
	if (is_network(ev))
		return 0;
	memset(w, 0, sizeof(*w));
	w->ev = ev;
	if (pipe_client(ev->resource, client, sizeof(client)))
		pipe = ev->resource;
	else if (pipe_client(ev->file_path, client, sizeof(client)))
		pipe = ev->file_path;
	/*
	 * A pipe naming the host itself is local use of the tool, unless the
	 * service was renamed to pass for something else: that hiding is
	 * worth a finding wherever the client ran, so it gets no marker.
	 */
	if (pipe != NULL && !default_service_pipe(pipe) &&
	    (host_key(client, ckey, sizeof(ckey)), *ckey == '\0' ||
	    strcmp(ckey, key) == 0))
		pipe = NULL;
	if (pipe != NULL) {
		row_target_self(w, key);
		host_key(client, ckey, sizeof(ckey));
		snprintf(w->detail, sizeof(w->detail), "%s", pipe);
		if (*ckey == '\0' || strcmp(ckey, key) == 0)
			w->r.role = CORR_ROLE_LOCAL;
		else {
			w->r.role = CORR_ROLE_PIPE;
			snprintf(w->source_key, sizeof(w->source_key), "%s",
			    ckey);
			snprintf(w->source_host, sizeof(w->source_host), "%s",
			    client);
		}
		row_link(w);
		return 1;
	}
	if (local_pipe_client(ev)) {
		row_target_self(w, key);
		w->r.role = CORR_ROLE_LOCAL;
		snprintf(w->detail, sizeof(w->detail), "%s", ev->parent_path);
		row_link(w);
		return 1;
	}
	if ((psexec_client(ev->path) && ev->event_type != NULL &&
	    strcmp(ev->event_type, "PROCESS_LAUNCH") == 0 &&
	    (!launch_target(ev->cmdline, name, sizeof(name)) ||
	    local_name(name) || (host_key(name, ckey, sizeof(ckey)),
	    strcmp(ckey, key) == 0))) ||
	    (psexec_client(ev->parent_path) && ev->file_path != NULL &&
	    ends_with(ev->file_path, ".exe"))) {
		if (client_renames_service(ev))
			return 0;
		row_target_self(w, key);
		w->r.role = CORR_ROLE_LOCAL;
		snprintf(w->detail, sizeof(w->detail), "%s",
		    ev->path != NULL && psexec_client(ev->path) ? ev->path :
		    ev->parent_path);
		row_link(w);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* explanations, scores, suppressions                                  */
/* ------------------------------------------------------------------ */

/* Append one line to an explanation, bounded by LMH_EXPLAIN_MAX. */
static void
explain(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
explain(struct buf *b, const char *fmt, ...)
{
	static const char more[] = "... (explanation truncated)\n";
	char line[1024];
	va_list ap;
	size_t n;

	if (b->len > 0 && strstr(b->data, more) != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	if (b->len + n + 1 + sizeof(more) >= LMH_EXPLAIN_MAX) {
		buf_puts(b, more);
		return;
	}
	buf_puts(b, line);
	buf_puts(b, "\n");
}

/* Format US as RFC 3339 into a static-free buffer OUT. */
static const char *
ts_text(int64_t us, char *out, size_t len)
{
	format_rfc3339(us, out, len);
	return out;
}

/* The score of a finding from its severity and flags, 0..100. */
static int64_t
score_of(int severity, int64_t flags, bool fanout)
{
	int64_t s, chains = 0, f;

	s = fanout ? SCORE_FANOUT : (int64_t)severity * SCORE_PER_SEVERITY;
	if (flags & FL_REMOTE)
		s += SCORE_REMOTE;
	for (f = flags & FL_CHAINS; f != 0; f &= f - 1)
		chains += SCORE_CHAIN;
	s += chains > SCORE_CHAIN_MAX ? SCORE_CHAIN_MAX : chains;
	if (flags & FL_ADMIN)
		s += SCORE_ADMIN;
	if (flags & FL_WORKSTATION)
		s += SCORE_WORKSTATION;
	if (s < 0)
		s = 0;
	if (s > 100)
		s = 100;
	if ((flags & FL_LOCAL) && s > SCORE_LOCAL_MAX)
		s = SCORE_LOCAL_MAX;
	return s;
}

/* The chain text of FLAGS into OUT. */
static void
chain_text(int64_t flags, char *out, size_t len)
{
	static const struct { int64_t f; const char *t; } ch[] = {
		{ FL_CH_LAUNCH, "remote-exec command on the source" },
		{ FL_CH_LOGON, "network logon/share access -> execution" },
		{ FL_CH_WRITE, "admin-share write -> execution" },
		{ FL_CH_T1570, "file written over the share then started (T1570)" },
		{ FL_CH_PIPE, "PsExec-style pipe names the client" },
	};
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(ch) / sizeof(ch[0]) && n < len; i++)
		if (flags & ch[i].f)
			n += (size_t)snprintf(out + n, len - n, "%s%s",
			    n ? "; " : "", ch[i].t);
}

/* Copy a suppression into the correlator's list. */
static int
supp_cb(const struct lmh_suppression *s, void *arg)
{
	struct correlator *c = arg;
	struct supp *d;

	if (c->nsupps >= SUPPRESSIONS_MAX)
		return 1;
	c->supps = xrealloc(c->supps, (c->nsupps + 1) * sizeof(*c->supps));
	d = &c->supps[c->nsupps++];
	d->id = s->id;
	d->kind = s->kind ? xstrdup(s->kind) : NULL;
	d->source = s->source ? xstrdup(s->source) : NULL;
	d->target = s->target ? xstrdup(s->target) : NULL;
	d->user = s->user ? xstrdup(s->user) : NULL;
	d->reason = xstrdup(s->reason ? s->reason : "");
	d->owner = xstrdup(s->owner ? s->owner : "");
	d->expires_us = s->expires_us;
	return 0;
}

/* Does suppression field WANT match the host side (KEY, IP)? */
static bool
supp_side(const char *want, const char *key, const char *ip)
{
	char k[LMH_NAME_MAX];

	if (want == NULL)
		return true;
	host_key(want, k, sizeof(k));
	if (*k != '\0')
		return strcmp(k, key) == 0;
	return strcmp(want, ip) == 0;
}

/* The suppression matching finding F (with its keys), or NULL. */
static const struct supp *
supp_match(const struct correlator *c, const struct lmh_finding *f,
    const char *skey, const char *tkey)
{
	char u[LMH_NAME_MAX];
	size_t i;

	for (i = 0; i < c->nsupps; i++) {
		const struct supp *s = &c->supps[i];

		if (s->expires_us > 0 && s->expires_us <= c->ref_us)
			continue;
		if (s->kind != NULL && strcmp(s->kind, f->kind) != 0)
			continue;
		if (!supp_side(s->source, skey, f->source_ip) ||
		    !supp_side(s->target, tkey, f->target_ip))
			continue;
		if (s->user != NULL) {
			user_norm(s->user, u, sizeof(u));
			if (strcmp(u, f->user) != 0)
				continue;
		}
		return s;
	}
	return NULL;
}

/*
 * Source class, score, suppression and trip of finding F (flags in
 * *FLAGS, explanation in WHY); counts what it does.
 */
static void
finding_judge(struct correlator *c, struct lmh_finding *f, int64_t *flags,
    const char *skey, const char *tkey, struct buf *why, bool fanout)
{
	const struct supp *s;
	char m[LMH_NAME_MAX], t[40];
	int64_t old = f->score;
	bool was_suppressed = f->suppressed;

	if ((*flags & (FL_REMOTE | FL_ADMIN | FL_WORKSTATION)) == FL_REMOTE) {
		if (admin_source(c, skey, f->source_ip, m, sizeof(m))) {
			*flags |= FL_ADMIN;
			explain(why, "source %s is an admin source "
			    "(admin_sources: %s): score %d", *f->source_host ?
			    f->source_host : f->source_ip, m, SCORE_ADMIN);
		} else if (*skey != '\0' && workstation(skey)) {
			*flags |= FL_WORKSTATION;
			explain(why, "source %s looks like a workstation "
			    "(name): score +%d", f->source_host,
			    SCORE_WORKSTATION);
		}
	}
	/*
	 * A client seen on the target itself means local execution, even
	 * with some connection around; only evidence that the execution
	 * came from elsewhere (a pipe naming another client, a file written
	 * over an admin share, a launch naming this target) outweighs it.
	 */
	if ((*flags & FL_STRONG_REMOTE) && (*flags & FL_LOCAL)) {
		*flags &= ~(int64_t)FL_LOCAL;
		explain(why, "remote evidence found: no longer local");
	}
	if ((*flags & FL_LOCAL_HINT) && !(*flags & FL_STRONG_REMOTE) &&
	    !(*flags & FL_LOCAL) && !fanout) {
		*flags |= FL_LOCAL;
		c->stats.local++;
		explain(why, "local execution: a PsExec-style client ran on "
		    "the target itself%s%s; not lateral movement, score held "
		    "at %d", (*flags & FL_REMOTE) ? ", despite a connection "
		    "from " : " and no remote logon or connection joined",
		    (*flags & FL_REMOTE) ? (*f->source_host ? f->source_host :
		    f->source_ip) : "", SCORE_LOCAL_MAX);
	}
	f->local = (*flags & FL_LOCAL) != 0;
	f->score = score_of(f->severity, *flags, fanout);
	if (f->score != old)
		explain(why, "score %lld", (long long)f->score);
	s = supp_match(c, f, skey, tkey);
	f->suppressed = s != NULL;
	if (s != NULL) {
		c->stats.suppressed++;
		if (!was_suppressed) {
			if (s->expires_us > 0)
				ts_text(s->expires_us, t, sizeof(t));
			explain(why, "suppressed by #%lld (%s, owner %s, "
			    "until %s): recorded, does not trip",
			    (long long)s->id, s->reason, s->owner,
			    s->expires_us > 0 ? t : "never");
		}
	} else if (was_suppressed)
		explain(why, "suppression no longer applies");
	if (!f->tripped && !f->suppressed && !f->local &&
	    f->score >= c->cf->case_threshold) {
		f->tripped = true;
		f->tripped_us = c->ref_us;
		c->stats.tripped++;
		c->trip_pending = true;
		explain(why, "score %lld reached case_threshold %lld: tripped",
		    (long long)f->score, (long long)c->cf->case_threshold);
	}
}

/* ------------------------------------------------------------------ */
/* joins                                                               */
/* ------------------------------------------------------------------ */

/* Free a pending join. */
static void
pending_free(struct pending *p)
{
	size_t i;

	for (i = 0; i < p->nev; i++)
		free(p->ev_ids[i]);
	buf_free(&p->why);
}

/* Note an evidence event of a pending join (deduplicated, bounded). */
static void
pending_evidence(struct pending *p, const char *id, int64_t ts)
{
	size_t i;

	for (i = 0; i < p->nev; i++)
		if (strcmp(p->ev_ids[i], id) == 0)
			return;
	if (p->nev < LMH_EVIDENCE_MAX) {
		p->ev_ids[p->nev] = xstrdup(id);
		p->ev_ts[p->nev++] = ts;
	}
}

/* Name of a row role for explanations. */
static const char *
row_role_name(int role)
{
	switch (role) {
	case CORR_ROLE_PIPE:
		return "pipe";
	case CORR_ROLE_LOCAL:
		return "local-client";
	default:
		return role_name((enum rule_role)role);
	}
}

/* Is row N an execution row (it has a finding)? */
static bool
exec_row(const struct lmh_hitrow *n)
{
	return n->role == ROLE_EXEC || n->role == ROLE_TRANSFER;
}

/*
 * What evidence row N says about execution row X, into P: source,
 * chains, local hints.  Returns true when it added anything.
 */
static bool
interact(struct correlator *c, struct pending *p, const struct lmh_hitrow *x,
    const struct lmh_hitrow *n)
{
	int64_t before = p->flags, dt;
	bool src = false, added = false;
	char t[40];
	int prio = 0;

	if (strcmp(n->event_id, x->event_id) == 0)
		return false;
	switch (n->role) {
	case ROLE_EXEC:
		if (x->role == ROLE_TRANSFER && *x->detail != '\0' &&
		    strcmp(x->detail, n->detail) == 0)
			p->flags |= FL_CH_T1570;
		break;
	case ROLE_TRANSFER:
		if (x->role == ROLE_EXEC) {
			p->flags |= FL_CH_WRITE;
			if (*x->detail != '\0' &&
			    strcmp(x->detail, n->detail) == 0)
				p->flags |= FL_CH_T1570;
		}
		src = true;
		prio = 3;
		break;
	case ROLE_ACCESS:
		if (x->role == ROLE_EXEC)
			p->flags |= FL_CH_LOGON;
		src = true;
		prio = 3;
		break;
	case ROLE_NETWORK:
		src = true;
		prio = 1;
		break;
	case ROLE_LAUNCH:
		p->flags |= FL_CH_LAUNCH;
		src = true;
		prio = 2;
		break;
	case CORR_ROLE_PIPE:
		p->flags |= FL_CH_PIPE;
		src = true;
		prio = 2;
		break;
	case CORR_ROLE_LOCAL:
		p->flags |= FL_LOCAL_HINT;
		break;
	}
	if (p->flags != before) {
		char ch[256];

		added = true;
		chain_text(p->flags & ~before, ch, sizeof(ch));
		explain(&p->why, "%s evidence %s at %s on the same target: %s",
		    row_role_name(n->role), n->event_id,
		    ts_text(n->ts_us, t, sizeof(t)), *ch ? ch :
		    "a PsExec-style client ran on this host");
	}
	dt = n->ts_us > x->ts_us ? n->ts_us - x->ts_us : x->ts_us - n->ts_us;
	if (src && (*n->source_key != '\0' || *n->source_ip != '\0') &&
	    (!p->have_src || prio > p->src_prio ||
	    (prio == p->src_prio && dt < p->src_dt))) {
		p->have_src = true;
		p->src_dt = dt;
		p->src_prio = prio;
		p->src_role = n->role;
		snprintf(p->src_key, sizeof(p->src_key), "%s", n->source_key);
		snprintf(p->src_host, sizeof(p->src_host), "%s",
		    n->source_host);
		snprintf(p->src_ip, sizeof(p->src_ip), "%s", n->source_ip);
		snprintf(p->src_event, sizeof(p->src_event), "%s",
		    n->event_id);
		added = true;
	}
	if (added)
		pending_evidence(p, n->event_id, n->ts_us);
	(void)c;
	return added;
}

/* state of one neighbour scan */
struct scan {
	struct correlator	*c;
	struct store		*st;
	const struct lmh_hitrow	*x;	/* the new row */
	struct pending		*p;	/* its join (exec rows) or NULL */
	int64_t			 seen[LMH_JOIN_ROWS_MAX * 4];
	size_t			 nseen;
	int			 err;
};

/* One neighbour row of a scan: join both ways. */
static int
scan_cb(const struct lmh_hitrow *n, void *arg)
{
	struct scan *s = arg;
	size_t i;

	if (n->id == s->x->id)
		return 0;
	for (i = 0; i < s->nseen; i++)
		if (s->seen[i] == n->id)
			return 0;
	if (s->nseen < sizeof(s->seen) / sizeof(s->seen[0]))
		s->seen[s->nseen++] = n->id;
	/* a row found by IP that names another host: DHCP reuse, skip */
	if (*n->target_key != '\0' && *s->x->target_key != '\0' &&
	    strcmp(n->target_key, s->x->target_key) != 0)
		return 0;
	if (s->p != NULL)
		interact(s->c, s->p, s->x, n);
	/* two executions of the same role tell each other nothing */
	if (exec_row(n) && n->finding > 0 && n->role != s->x->role &&
	    finding_touch(s->c, s->st, n, s->x) == -1) {
		s->err = -1;
		return 1;
	}
	return 0;
}

/* Collect a host's IPs for a scan. */
static int
scan_ip_cb(const char *ip, void *arg)
{
	struct scan *s = arg;

	/* rows naming a host were found by the host key */
	if (store_hits_near(s->st, "", ip, s->x->ts_us - s->c->window_us,
	    s->x->ts_us + s->c->window_us, LMH_JOIN_ROWS_MAX, scan_cb, s) == -1)
		s->err = -1;
	return s->err;
}

/*
 * Visit the rows on X's target within the join window: by host key, by
 * X's target IP, and by the IPs assets give the host at that time.
 */
static int
scan_target(struct correlator *c, struct store *st,
    const struct lmh_hitrow *x, struct pending *p)
{
	struct scan s;
	int64_t from = x->ts_us - c->window_us, to = x->ts_us + c->window_us;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.st = st;
	s.x = x;
	s.p = p;
	if (*x->target_key != '\0') {
		if (store_hits_near(st, x->target_key, NULL, from, to,
		    LMH_JOIN_ROWS_MAX, scan_cb, &s) == -1 || s.err)
			return -1;
		/*
		 * Evidence looks for execution rows, which always name their
		 * host: the key is enough.  Execution looks for evidence,
		 * which may name the target only by an address.
		 */
		if (p == NULL)
			return 0;
		if (store_asset_ips(st, x->target_key, x->ts_us,
		    LMH_ASSET_SLACK_S * US, scan_ip_cb, &s) == -1 || s.err)
			return -1;
	}
	if (*x->target_ip != '\0' && (store_hits_near(st,
	    *x->target_key != '\0' ? "" : NULL, x->target_ip, from, to,
	    LMH_JOIN_ROWS_MAX, scan_cb, &s) == -1 || s.err))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* fan-out                                                             */
/* ------------------------------------------------------------------ */

struct fan_rows {
	struct lmh_hitrow	*rows;
	char			**tgt;	/* target identity per row */
	char			**eid;
	size_t			 n;
};

/* Copy one fan-out row. */
static int
fan_cb(const struct lmh_hitrow *r, void *arg)
{
	struct fan_rows *f = arg;
	const char *t = *r->target_key != '\0' ? r->target_key : r->target_ip;

	if (*t == '\0')
		return 0;
	f->rows = xrealloc(f->rows, (f->n + 1) * sizeof(*f->rows));
	f->tgt = xrealloc(f->tgt, (f->n + 1) * sizeof(*f->tgt));
	f->eid = xrealloc(f->eid, (f->n + 1) * sizeof(*f->eid));
	f->rows[f->n] = *r;
	f->tgt[f->n] = xstrdup(t);
	f->eid[f->n] = xstrdup(r->event_id);
	f->n++;
	return 0;
}

/* Distinct targets among rows [I, J] of F. */
static size_t
fan_distinct(const struct fan_rows *f, size_t i, size_t j)
{
	size_t a, b, n = 0;

	for (a = i; a <= j; a++) {
		for (b = i; b < a; b++)
			if (strcmp(f->tgt[a], f->tgt[b]) == 0)
				break;
		if (b == a)
			n++;
	}
	return n;
}

/* Remember finding ID if finding_judge just tripped it. */
static void
trip_record(struct correlator *c, int64_t id)
{
	if (!c->trip_pending || id <= 0)
		return;
	c->trip_pending = false;
	if (c->ntripped == c->captripped) {
		c->captripped = c->captripped ? c->captripped * 2 : 16;
		c->tripped = xrealloc(c->tripped, c->captripped *
		    sizeof(*c->tripped));
	}
	c->tripped[c->ntripped++] = id;
}

/*
 * Note that finding ID was written with FLAGS (HAS_SRC: it names a
 * source): remember it, and its id if finding_judge just tripped it.
 */
static void
finding_saved(struct correlator *c, int64_t id, int64_t flags, bool has_src)
{
	struct fcache *e;

	if (id <= 0)
		return;
	e = &c->fc[(uint64_t)id % FCACHE_SLOTS];
	if (e->id != id)
		e->ev_full = false;
	e->id = id;
	e->flags = flags;
	e->has_src = has_src;
	trip_record(c, id);
}

/*
 * Link event EID as evidence of finding ID, unless the finding is known
 * to be full; NEW_EVENT: EID cannot be linked already, so "not linked"
 * means full.  0 or -1.
 */
static int
ev_add(struct correlator *c, struct store *st, int64_t id, const char *eid,
    int64_t ts, bool new_event)
{
	struct fcache *e = &c->fc[(uint64_t)id % FCACHE_SLOTS];
	int r;

	if (e->id == id && e->ev_full)
		return 0;
	if ((r = store_finding_link(st, id, eid, ts)) == -1)
		return -1;
	if (r == 0 && new_event && e->id == id)
		e->ev_full = true;
	return 0;
}

/* Findings that tripped in the last correlate_batch, by id. */
size_t
correlate_tripped(const struct correlator *c, const int64_t **ids)
{
	*ids = c->tripped;
	return c->ntripped;
}

/*
 * Check the fan-out of source (KEY, HOST, IP) over its rows in [FROM -
 * fanout_window, TO + fanout_window]: the most distinct targets within
 * any fanout_window; at fanout_hosts or more, create or update its
 * fan-out finding.
 */
static int
fanout_run(struct correlator *c, struct store *st, const char *key,
    const char *host, const char *ip, int64_t from, int64_t to)
{
	struct fan_rows f = { 0 };
	struct lmh_finding fd;
	struct buf why;
	const char *src = *key != '\0' ? key : ip;
	int64_t fw = c->cf->fanout_window * US, flags = 0;
	size_t i, j, best = 0, bi = 0, bj = 0, k, d;
	char t1[40], t2[40];
	int rc = 0, found;

	if (*src == '\0')
		return 0;
	if (store_hits_by_source(st, *key != '\0' ? key : NULL,
	    *key != '\0' ? NULL : ip, from - fw, to + fw, LMH_FANOUT_ROWS_MAX,
	    fan_cb, &f) == -1)
		return -1;
	for (i = 0, j = 0; j < f.n; j++) {
		while (f.rows[j].ts_us - f.rows[i].ts_us > fw)
			i++;
		if ((d = fan_distinct(&f, i, j)) > best) {
			best = d;
			bi = i;
			bj = j;
		}
	}
	if (best < (size_t)c->cf->fanout_hosts)
		goto out;

	found = store_finding_get(st, 0, "fanout", "T1021", src, "", "", &fd,
	    &c->mem);
	if (found == -1) {
		rc = -1;
		goto out;
	}
	buf_init(&why);
	if (found == 1) {
		flags = store_finding_flags(st, fd.id);
		buf_puts(&why, fd.explanation);
		if ((int64_t)best <= fd.count) {
			buf_free(&why);
			goto out;	/* nothing new */
		}
	} else {
		memset(&fd, 0, sizeof(fd));
		fd.kind = "fanout";
		fd.technique = "T1021";
		fd.title = "execution targeting many hosts rapidly";
		fd.severity = SEV_HIGH;
		fd.source_ip = ip;
		fd.source_host = host;
		fd.target_ip = fd.target_host = fd.user = "";
		flags = FL_REMOTE;
		c->stats.fanout++;
	}
	explain(&why, "fan-out: source %s reached %zu distinct targets "
	    "between %s and %s (fanout_hosts %lld within fanout_window "
	    "%llds): threshold crossed", *host ? host : ip, best,
	    ts_text(f.rows[bi].ts_us, t1, sizeof(t1)),
	    ts_text(f.rows[bj].ts_us, t2, sizeof(t2)),
	    (long long)c->cf->fanout_hosts, (long long)c->cf->fanout_window);
	{
		struct buf tl;

		buf_init(&tl);
		for (k = bi; k <= bj; k++) {
			for (i = bi; i < k; i++)
				if (strcmp(f.tgt[i], f.tgt[k]) == 0)
					break;
			if (i == k)
				buf_printf(&tl, "%s%s", tl.len ? ", " : "",
				    f.tgt[k]);
		}
		explain(&why, "targets: %s", tl.data ? tl.data : "");
		buf_free(&tl);
	}
	fd.count = (int64_t)best;
	if (fd.first_us == 0 || f.rows[bi].ts_us < fd.first_us)
		fd.first_us = f.rows[bi].ts_us;
	if (f.rows[bj].ts_us > fd.last_us)
		fd.last_us = f.rows[bj].ts_us;
	fd.chain = "";
	fd.explanation = why.data;
	finding_judge(c, &fd, &flags, key, "", &why, true);
	fd.explanation = why.data;
	if (found == 1) {
		c->stats.findings_updated++;
		rc = store_finding_update(st, &fd, src, "", flags);
	} else {
		c->stats.findings_new++;
		fd.id = store_finding_insert(st, &fd, src, "", flags);
		rc = fd.id < 0 ? -1 : 0;
	}
	finding_saved(c, fd.id, flags, true);
	for (k = bi; rc == 0 && k <= bj; k++)
		rc = ev_add(c, st, fd.id, f.eid[k], f.rows[k].ts_us, false);
	buf_free(&why);
out:
	for (i = 0; i < f.n; i++) {
		free(f.tgt[i]);
		free(f.eid[i]);
	}
	free(f.rows);
	free(f.tgt);
	free(f.eid);
	return rc;
}

/* Run the queued fan-out checks; 0 or -1. */
static int
fanout_flush(struct correlator *c, struct store *st)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->nfq && rc == 0; i++)
		rc = fanout_run(c, st, c->fq[i].key, c->fq[i].host,
		    c->fq[i].ip, c->fq[i].from_us, c->fq[i].to_us);
	c->nfq = 0;
	return rc;
}

/*
 * Queue a fan-out check of source (KEY, HOST, IP) at TS for the end of
 * the batch, when all its rows are stored (one check per source).
 */
static int
fanout_check(struct correlator *c, struct store *st, const char *key,
    const char *host, const char *ip, int64_t ts)
{
	struct fanout_q *q;
	size_t i;

	if (*key == '\0' && *ip == '\0')
		return 0;
	for (i = 0; i < c->nfq; i++) {
		q = &c->fq[i];
		if (strcmp(q->key, key) == 0 && strcmp(q->ip, key[0] ? q->ip :
		    ip) == 0) {
			if (ts < q->from_us)
				q->from_us = ts;
			if (ts > q->to_us)
				q->to_us = ts;
			return 0;
		}
	}
	if (c->nfq == FANOUT_QUEUE_MAX && fanout_flush(c, st) == -1)
		return -1;
	q = &c->fq[c->nfq++];
	snprintf(q->key, sizeof(q->key), "%s", key);
	snprintf(q->host, sizeof(q->host), "%s", host);
	snprintf(q->ip, sizeof(q->ip), "%s", ip);
	q->from_us = q->to_us = ts;
	return 0;
}

/* ------------------------------------------------------------------ */
/* findings                                                            */
/* ------------------------------------------------------------------ */

/*
 * Apply what a late evidence row N says to the finding of execution row
 * X (stored): source, chains, local; rescore and maybe trip.
 */
static int
finding_touch(struct correlator *c, struct store *st,
    const struct lmh_hitrow *x, const struct lmh_hitrow *n)
{
	struct lmh_finding f, g;
	struct pending p;
	struct buf why, gmem;
	char skey[LMH_NAME_MAX], tkey[LMH_NAME_MAX], shost[LMH_NAME_MAX];
	char sip[IP_TEXT_MAX], chain[512], t[40];
	int64_t flags, oflags;
	const struct fcache *fe;
	bool new_src = false;
	int found, rc = 0;
	size_t i;

	memset(&p, 0, sizeof(p));
	buf_init(&p.why);
	/* what was last written of it: skip the store if N adds nothing */
	fe = &c->fc[(uint64_t)x->finding % FCACHE_SLOTS];
	if (fe->id == x->finding) {
		p.flags = fe->flags;
		interact(c, &p, x, n);
		if (p.flags == fe->flags && (!p.have_src || fe->has_src)) {
			pending_free(&p);
			return 0;
		}
		pending_free(&p);
		memset(&p, 0, sizeof(p));
		buf_init(&p.why);
	}
	if (store_finding_get(st, x->finding, NULL, NULL, NULL, NULL, NULL,
	    &f, &c->mem) != 1) {
		pending_free(&p);
		return 0;	/* merged away or deleted */
	}
	oflags = flags = store_finding_flags(st, f.id);
	p.flags = flags;
	if (!interact(c, &p, x, n)) {
		pending_free(&p);
		return 0;
	}
	/* the finding's keys as stored */
	host_key(f.target_host, tkey, sizeof(tkey));
	if (*tkey == '\0')
		snprintf(tkey, sizeof(tkey), "%s", x->target_key);
	host_key(f.source_host, skey, sizeof(skey));
	if (*skey == '\0')
		snprintf(skey, sizeof(skey), "%s", f.source_ip);
	snprintf(shost, sizeof(shost), "%s", f.source_host);
	snprintf(sip, sizeof(sip), "%s", f.source_ip);
	flags = p.flags;
	buf_init(&why);
	buf_puts(&why, f.explanation);
	buf_puts(&why, p.why.data ? p.why.data : "");
	if (p.have_src && *f.source_host == '\0' && *f.source_ip == '\0') {
		new_src = true;
		snprintf(shost, sizeof(shost), "%s", p.src_host);
		snprintf(sip, sizeof(sip), "%s", p.src_ip);
		snprintf(skey, sizeof(skey), "%s", *p.src_key ? p.src_key :
		    p.src_ip);
		flags |= FL_REMOTE;
		c->stats.joins++;
		explain(&why, "late join: %s evidence %s at %s names source "
		    "%s%s%s%s within +-%llds of the execution: source set",
		    row_role_name(p.src_role), p.src_event,
		    ts_text(n->ts_us, t, sizeof(t)), shost, *shost && *sip ?
		    " (" : "", sip, *shost && *sip ? ")" : "",
		    (long long)(c->window_us / US));
	}
	if (flags == oflags && !new_src) {
		buf_free(&why);
		pending_free(&p);
		return 0;
	}
	f.source_host = shost;
	f.source_ip = sip;
	chain_text(flags, chain, sizeof(chain));
	f.chain = chain;
	/* a finding with the new key already there: merge into it */
	buf_init(&gmem);
	if (new_src && (found = store_finding_get(st, 0, f.kind, f.technique,
	    skey, tkey, f.user, &g, &gmem)) == 1 && g.id != f.id) {
		int64_t gflags = store_finding_flags(st, g.id);

		explain(&why, "merged into finding #%lld with the same key",
		    (long long)g.id);
		g.count += f.count;
		if (f.first_us < g.first_us)
			g.first_us = f.first_us;
		if (f.last_us > g.last_us)
			g.last_us = f.last_us;
		gflags |= flags;
		if (store_finding_merge(st, f.id, g.id) == -1)
			rc = -1;
		f = g;
		flags = gflags;
		chain_text(flags, chain, sizeof(chain));
		f.chain = chain;
		buf_reset(&why);
		buf_puts(&why, g.explanation);
		explain(&why, "merged finding of a late join (same key)");
	}
	f.explanation = why.data;
	finding_judge(c, &f, &flags, skey, tkey, &why, false);
	f.explanation = why.data;
	if (rc == 0)
		rc = store_finding_update(st, &f, skey, tkey, flags);
	finding_saved(c, f.id, flags, *f.source_host != '\0' ||
	    *f.source_ip != '\0');
	c->stats.findings_updated++;
	for (i = 0; rc == 0 && i < p.nev; i++)
		rc = ev_add(c, st, f.id, p.ev_ids[i], p.ev_ts[i], false);
	if (rc == 0 && new_src) {
		rc = store_hit_set_source(st, x->id, skey, shost, sip, true);
		if (rc == 0)
			rc = fanout_check(c, st, *shost ? skey : "", shost,
			    sip, x->ts_us);
		if (rc == 0) {
			struct lmh_hitrow y = *x;
			char th[LMH_NAME_MAX];

			snprintf(th, sizeof(th), "%s", f.target_host);
			y.source_key = *shost ? skey : "";
			y.source_ip = sip;
			rc = launch_pair(c, st, &y, th);
		}
	}
	buf_free(&gmem);
	buf_free(&why);
	pending_free(&p);
	return rc;
}

/*
 * Give the targetless launch finding FID the target of an execution that
 * came from the same source within the join window (EXEC_ID at TS on
 * TKEY, display THOST, address TIP).  A finding with the resulting key
 * already there absorbs it.
 */
static int
launch_set_target(struct correlator *c, struct store *st, int64_t fid,
    const char *tkey, const char *thost, const char *tip,
    const char *exec_id, int64_t ts)
{
	struct lmh_finding f, g;
	struct buf why, gmem;
	char skey[LMH_NAME_MAX], th[LMH_NAME_MAX], ti[IP_TEXT_MAX];
	char chain[512], t[40];
	int64_t flags;
	int rc = 0;

	if (store_finding_get(st, fid, NULL, NULL, NULL, NULL, NULL, &f,
	    &c->mem) != 1 || *f.target_host != '\0' || *f.target_ip != '\0')
		return 0;
	host_key(f.source_host, skey, sizeof(skey));
	if (*skey == '\0')
		snprintf(skey, sizeof(skey), "%s", f.source_ip);
	if (*tkey == '\0' || strcmp(tkey, skey) == 0)
		return 0;
	snprintf(th, sizeof(th), "%s", thost);
	snprintf(ti, sizeof(ti), "%s", tip);
	flags = store_finding_flags(st, f.id) | FL_REMOTE;
	buf_init(&why);
	buf_init(&gmem);
	buf_puts(&why, f.explanation);
	explain(&why, "paired: execution on %s at %s (event %s) came from "
	    "this source within +-%llds: target set", *th ? th : tkey,
	    ts_text(ts, t, sizeof(t)), exec_id,
	    (long long)(c->window_us / US));
	f.target_host = th;
	f.target_ip = ti;
	if (store_finding_get(st, 0, f.kind, f.technique, skey, tkey, f.user,
	    &g, &gmem) == 1 && g.id != f.id) {
		flags |= store_finding_flags(st, g.id);
		g.count += f.count;
		if (f.first_us < g.first_us)
			g.first_us = f.first_us;
		if (f.last_us > g.last_us)
			g.last_us = f.last_us;
		if (store_finding_merge(st, f.id, g.id) == -1)
			rc = -1;
		f = g;
		buf_reset(&why);
		buf_puts(&why, g.explanation);
		explain(&why, "merged a launch finding paired with execution "
		    "on this target (same key)");
	}
	chain_text(flags, chain, sizeof(chain));
	f.chain = chain;
	f.explanation = why.data;
	finding_judge(c, &f, &flags, skey, tkey, &why, false);
	f.explanation = why.data;
	if (rc == 0)
		rc = store_finding_update(st, &f, skey, tkey, flags);
	finding_saved(c, f.id, flags, *f.source_host != '\0' ||
	    *f.source_ip != '\0');
	if (rc == 0)
		rc = ev_add(c, st, f.id, exec_id, ts, false);
	c->stats.findings_updated++;
	buf_free(&gmem);
	buf_free(&why);
	return rc;
}

/* state of a pairing of launches and executions by source */
struct pair {
	struct correlator	*c;
	struct store		*st;
	const struct lmh_hitrow	*x;	/* the new row */
	const char		*thost;	/* execution target (display) */
	struct lmh_hitrow	 best;	/* launch side: nearest execution */
	char			 best_event[LMH_NAME_MAX];
	char			 best_key[LMH_NAME_MAX];
	char			 best_ip[IP_TEXT_MAX];
	int64_t			 best_finding;
	bool			 have;
	int			 err;
};

/* An execution row X found launch row N of its source: pair them. */
static int
pair_exec_cb(const struct lmh_hitrow *n, void *arg)
{
	struct pair *p = arg;

	if (n->role != ROLE_LAUNCH || n->finding <= 0 ||
	    *n->target_key != '\0' || *n->target_ip != '\0')
		return 0;
	if (launch_set_target(p->c, p->st, n->finding, p->x->target_key,
	    p->thost, p->x->target_ip, p->x->event_id, p->x->ts_us) == -1) {
		p->err = -1;
		return 1;
	}
	return 0;
}

/* A launch row found an execution row N from its source: keep the nearest. */
static int
pair_launch_cb(const struct lmh_hitrow *n, void *arg)
{
	struct pair *p = arg;
	int64_t d, bd;

	if (!exec_row(n) || n->finding <= 0 || *n->target_key == '\0')
		return 0;
	d = llabs(n->ts_us - p->x->ts_us);
	bd = llabs(p->best.ts_us - p->x->ts_us);
	if (!p->have || d < bd) {
		p->have = true;
		p->best = *n;
		snprintf(p->best_event, sizeof(p->best_event), "%s",
		    n->event_id);
		snprintf(p->best_key, sizeof(p->best_key), "%s", n->target_key);
		snprintf(p->best_ip, sizeof(p->best_ip), "%s", n->target_ip);
		p->best_finding = n->finding;
	}
	return 0;
}

/*
 * Pair launches that named no target with executions from the same
 * source in the join window (the module log of Invoke-SMBExec names no
 * host; the execution it caused does): X is either the new execution
 * row (with its source) or the new targetless launch row.
 */
static int
launch_pair(struct correlator *c, struct store *st,
    const struct lmh_hitrow *x, const char *thost)
{
	struct pair p;
	struct lmh_finding f;
	const char *key = x->source_key, *ip = x->source_ip;
	int64_t from = x->ts_us - c->window_us, to = x->ts_us + c->window_us;
	bool launch = x->role == ROLE_LAUNCH;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.st = st;
	p.x = x;
	p.thost = thost;
	if (*key != '\0' && store_hits_by_source(st, key, NULL, from, to,
	    LMH_JOIN_ROWS_MAX, launch ? pair_launch_cb : pair_exec_cb,
	    &p) == -1)
		return -1;
	if (*ip != '\0' && store_hits_by_source(st, NULL, ip, from, to,
	    LMH_JOIN_ROWS_MAX, launch ? pair_launch_cb : pair_exec_cb,
	    &p) == -1)
		return -1;
	if (p.err || !launch || !p.have)
		return p.err;
	/* the execution's target display name is on its finding */
	if (store_finding_get(st, p.best_finding, NULL, NULL, NULL, NULL,
	    NULL, &f, &c->mem2) != 1)
		return 0;
	{
		char th[LMH_NAME_MAX];

		snprintf(th, sizeof(th), "%s", f.target_host);
		return launch_set_target(c, st, x->finding, p.best_key, th,
		    p.best_ip, p.best_event, p.best.ts_us);
	}
}

/*
 * Create or update the finding of a new execution or launch row W with
 * what its join found (P); links the row to it.
 */
static int
finding_apply(struct correlator *c, struct store *st, struct row *w,
    struct pending *p)
{
	struct lmh_finding f;
	struct buf why;
	const struct rule *r = w->rule;
	char skey[LMH_NAME_MAX], shost[LMH_NAME_MAX], sip[IP_TEXT_MAX];
	char chain[512], t[40];
	int64_t flags;
	int found, rc = 0;
	bool launch_local, no_target, news = true;
	int64_t oflags;
	size_t i;

	/* the source: the row's own, else the join's */
	snprintf(shost, sizeof(shost), "%s", w->source_host);
	snprintf(sip, sizeof(sip), "%s", w->source_ip);
	snprintf(skey, sizeof(skey), "%s", *w->source_key ? w->source_key :
	    w->source_ip);
	if (*skey == '\0' && p->have_src) {
		snprintf(shost, sizeof(shost), "%s", p->src_host);
		snprintf(sip, sizeof(sip), "%s", p->src_ip);
		snprintf(skey, sizeof(skey), "%s", *p->src_key ? p->src_key :
		    p->src_ip);
		c->stats.joins++;
		explain(&p->why, "joined: %s evidence %s names source %s%s%s%s "
		    "of target %s within +-%llds (smb_window + clock_skew)",
		    row_role_name(p->src_role), p->src_event, shost,
		    *shost && *sip ? " (" : "", sip, *shost && *sip ? ")" : "",
		    *w->target_host ? w->target_host : w->target_ip,
		    (long long)(c->window_us / US));
	}
	/* a launch naming the host itself is local */
	launch_local = w->r.role == ROLE_LAUNCH && ((*w->target_key ==
	    '\0' && *w->target_ip == '\0' && *w->detail != '\0' &&
	    local_name(w->detail)) || (*w->target_key != '\0' &&
	    strcmp(w->target_key, w->source_key) == 0));
	if (launch_local)
		p->flags |= FL_LOCAL_HINT;
	no_target = *w->target_key == '\0' && *w->target_ip == '\0';

	found = store_finding_get(st, 0, r->id, w->technique, skey,
	    w->target_key, w->user, &f, &c->mem);
	if (found == -1)
		return -1;
	buf_init(&why);
	if (found == 1) {
		oflags = store_finding_flags(st, f.id);
		flags = oflags | p->flags;
		/* a repeated hit: explain the join only if it adds something */
		news = (p->flags & ~oflags & ~(int64_t)FL_LOCAL_HINT) != 0;
		buf_puts(&why, f.explanation);
		f.count++;
		if (w->r.ts_us < f.first_us)
			f.first_us = w->r.ts_us;
		if (w->r.ts_us > f.last_us)
			f.last_us = w->r.ts_us;
		if ((int)r->severity > f.severity)
			f.severity = r->severity;
		if (*f.target_ip == '\0')
			f.target_ip = w->target_ip;
		c->stats.findings_updated++;
	} else {
		memset(&f, 0, sizeof(f));
		flags = p->flags;
		f.kind = r->id;
		f.technique = w->technique;
		f.title = r->title != NULL ? r->title : r->id;
		f.severity = r->severity;
		f.source_ip = sip;
		f.source_host = shost;
		f.target_ip = w->target_ip;
		f.target_host = w->target_host;
		f.user = w->user;
		f.first_us = f.last_us = w->r.ts_us;
		f.count = 1;
		explain(&why, "rule %s (%s; %s, %s) hit on %s at %s, event %s",
		    r->id, f.title, severity_name(r->severity),
		    role_name(r->role), *w->target_host ? w->target_host :
		    *w->target_ip ? w->target_ip : "an unnamed target",
		    ts_text(w->r.ts_us, t, sizeof(t)), w->r.event_id);
		if (w->r.role == ROLE_LAUNCH && *w->detail != '\0')
			explain(&why, "the command on %s names target '%s'",
			    shost, w->detail);
		else if (w->r.role == ROLE_LAUNCH)
			explain(&why, "the command on %s names no target: "
			    "paired by source with execution in the window",
			    shost);
		c->stats.findings_new++;
	}
	if (*skey != '\0' && !launch_local &&
	    !(w->r.role == ROLE_LAUNCH && no_target))
		flags |= FL_REMOTE;
	if (news)
		buf_puts(&why, p->why.data ? p->why.data : "");
	if (why.len >= LMH_EXPLAIN_MAX) {
		why.len = LMH_EXPLAIN_MAX - 1;
		why.data[why.len] = '\0';
	}
	chain_text(flags, chain, sizeof(chain));
	f.chain = chain;
	f.explanation = why.data;
	finding_judge(c, &f, &flags, skey, w->target_key, &why,
	    false);
	f.explanation = why.data;
	if (found == 1)
		rc = store_finding_update(st, &f, skey, w->target_key, flags);
	else if ((f.id = store_finding_insert(st, &f, skey, w->target_key,
	    flags)) < 0)
		rc = -1;
	finding_saved(c, f.id, flags, *f.source_host != '\0' ||
	    *f.source_ip != '\0');
	if (rc == 0)
		rc = ev_add(c, st, f.id, w->r.event_id, w->r.ts_us, true);
	/* a repeated hit links its join's source, a new one all it found */
	for (i = 0; rc == 0 && i < p->nev; i++)
		if (news || strcmp(p->ev_ids[i], p->src_event) == 0)
			rc = ev_add(c, st, f.id, p->ev_ids[i], p->ev_ts[i],
			    false);
	w->r.finding = f.id;
	if (rc == 0 && *skey != '\0' && *w->source_key == '\0' &&
	    *w->source_ip == '\0') {
		/* the row takes the joined source (fan-out counts it) */
		snprintf(w->source_key, sizeof(w->source_key), "%s",
		    *shost ? skey : "");
		snprintf(w->source_host, sizeof(w->source_host), "%s", shost);
		snprintf(w->source_ip, sizeof(w->source_ip), "%s", sip);
		w->r.fanout = true;
	}
	buf_free(&why);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the batch                                                           */
/* ------------------------------------------------------------------ */

/* the evidence role of SMB/RPC connections that no network rule matched */
static struct rule builtin_net = {
	.id = (char *)"", .title = (char *)"SMB/RPC connection",
	.severity = SEV_LOW, .role = ROLE_NETWORK, .enabled = true,
};

/* Is EV a connection on 445, 139 or 135 (either side: old Sysmon)? */
static bool
smb_rpc(const struct lmh_event *ev)
{
	static const int ports[] = { 445, 139, 135 };
	size_t i;

	if (ev->event_type == NULL ||
	    strcmp(ev->event_type, "NETWORK_CONNECTION") != 0)
		return false;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ev->target_port == ports[i] ||
		    ev->principal_port == ports[i])
			return true;
	return false;
}

/* Does the event carry any IP? */
static bool
has_ip(const struct lmh_event *ev)
{
	return ev->n_principal_ip > 0 || ev->n_target_ip > 0 ||
	    ev->n_src_ip > 0;
}

/* Store evidence row W and join it to the execution rows near it. */
static int
evidence_add(struct correlator *c, struct store *st, struct row *w)
{
	if ((w->r.id = store_hit_add(st, &w->r)) < 0)
		return -1;
	if (scan_target(c, st, &w->r, NULL) == -1)
		return -1;
	if (w->r.fanout)
		return fanout_check(c, st, w->source_key, w->source_host,
		    w->source_ip, w->r.ts_us);
	return 0;
}

/*
 * Process one batch of newly stored events and the rule hits among them,
 * inside the caller's transaction: learn assets, store evidence rows and
 * join them to history, then execution and launch rows with their joins
 * and findings, then fan-out.
 */
int
correlate_batch(struct correlator *c, struct store *st,
    struct lmh_event *evs, size_t nev, const struct lmh_hit *hits,
    size_t nhits)
{
	char key[LMH_NAME_MAX];
	bool *ok = NULL, *nethit = NULL;
	struct row *w = NULL;
	struct pending p;
	int64_t future, past;
	size_t i, k;
	int pass, rc = -1;

	c->ntripped = 0;
	if (nev == 0)
		return 0;
	c->ref_us = c->now_us != 0 ? c->now_us : now_us();
	future = c->ref_us + c->cf->max_clock_skew * US;
	past = c->now_us != 0 ? c->now_us - (c->cf->lookback +
	    c->cf->max_clock_skew) * US : INT64_MIN;
	c->nfq = 0;
	c->ntripped = 0;
	c->trip_pending = false;
	supps_clear(c);
	if (store_suppressions_foreach(st, c->ref_us, supp_cb, c) == -1)
		return -1;
	ok = xcalloc(nev, sizeof(*ok));
	nethit = xcalloc(nev, sizeof(*nethit));
	w = xmalloc(sizeof(*w));

	for (i = 0; i < nev; i++) {
		const struct lmh_event *ev = &evs[i];

		if (ev->rowid == 0) {
			c->stats.duplicates++;
			continue;
		}
		if (ev->ts_us > future || ev->ts_us < past) {
			c->stats.rejected_skew++;
			continue;
		}
		host_key(ev->host, key, sizeof(key));
		if (*key == '\0' && !has_ip(ev)) {
			c->stats.no_host++;
			continue;
		}
		ok[i] = true;
		if (asset_learn(c, st, ev, key) == -1)
			goto out;
	}

	/* events a network rule already covers */
	for (k = 0; k < nhits; k++) {
		i = (size_t)(hits[k].ev - evs);
		if (hits[k].ev >= evs && i < nev &&
		    hits[k].rule->role == ROLE_NETWORK)
			nethit[i] = true;
	}

	/* pass 0: evidence (access, network, markers); pass 1: execution */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			for (i = 0; i < nev; i++) {
				if (!ok[i])
					continue;
				host_key(evs[i].host, key, sizeof(key));
				if (*key == '\0')
					continue;
				if (row_marker(c, st, w, &evs[i], key) == 1 &&
				    evidence_add(c, st, w) == -1)
					goto out;
				/* SMB/RPC connections no rule covered */
				if (!nethit[i] && smb_rpc(&evs[i]) &&
				    row_build(c, st, w, &evs[i], &builtin_net,
				    key) == 1 && evidence_add(c, st, w) == -1)
					goto out;
			}
		}
		for (k = 0; k < nhits; k++) {
			const struct lmh_hit *h = &hits[k];
			bool execrole;

			i = (size_t)(h->ev - evs);
			if (h->ev < evs || i >= nev || !ok[i])
				continue;
			execrole = h->rule->role == ROLE_EXEC ||
			    h->rule->role == ROLE_TRANSFER ||
			    h->rule->role == ROLE_LAUNCH;
			if (execrole != (pass == 1))
				continue;
			host_key(h->ev->host, key, sizeof(key));
			switch (row_build(c, st, w, h->ev, h->rule, key)) {
			case -1:
				goto out;
			case 0:
				continue;
			}
			if (pass == 0) {
				if (evidence_add(c, st, w) == -1)
					goto out;
				continue;
			}
			/* execution/launch: store, join, finding */
			if ((w->r.id = store_hit_add(st, &w->r)) < 0)
				goto out;
			memset(&p, 0, sizeof(p));
			buf_init(&p.why);
			if ((h->rule->role != ROLE_LAUNCH &&
			    scan_target(c, st, &w->r, &p) == -1) ||
			    finding_apply(c, st, w, &p) == -1) {
				pending_free(&p);
				goto out;
			}
			pending_free(&p);
			if (store_hit_set_finding(st, w->r.id, 0,
			    w->r.finding) == -1)
				goto out;
			if (w->r.role == ROLE_LAUNCH) {
				/* a launch is evidence for execution on its target */
				if (scan_target(c, st, &w->r, NULL) == -1)
					goto out;
			}
			if (*w->source_key != '\0' || *w->source_ip != '\0') {
				if (w->r.role != ROLE_LAUNCH &&
				    store_hit_set_source(st, w->r.id,
				    w->source_key, w->source_host,
				    w->source_ip, true) == -1)
					goto out;
				if (w->r.role != ROLE_LAUNCH &&
				    fanout_check(c, st, w->source_key,
				    w->source_host, w->source_ip,
				    w->r.ts_us) == -1)
					goto out;
				if ((w->r.role != ROLE_LAUNCH ||
				    w->r.fanout) && launch_pair(c, st, &w->r,
				    w->target_host) == -1)
					goto out;
			}
		}
	}
	rc = fanout_flush(c, st);
out:
	if (rc == -1) {
		/* the caller rolls the batch back: forget what it wrote */
		c->ntripped = 0;
		memset(c->fc, 0, FCACHE_SLOTS * sizeof(*c->fc));
	}
	c->nfq = 0;
	free(ok);
	free(nethit);
	free(w);
	return rc;
}
