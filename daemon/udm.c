/*
 * udm.c - one UDM event as the API returns it (lowerCamelCase JSON) to the
 * flat event that rules, the store and correlation read, and compiled
 * snake_case field paths for the query language.  The only file that
 * includes json-c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lmhunt.h"

#define UDM_PATH_SEGS_MAX	16	/* segments in one field path */
#define UDM_PATH_LEN_MAX	256	/* bytes in one field path */

struct udm_doc {
	json_object	*root;		/* what was parsed (freed with the doc) */
	json_object	*udm;		/* the UDM object inside it */
	char		*raw;		/* copy of a bare event's text */
};

/* one step of a path: an object key, optionally followed by a map key */
struct udm_seg {
	char	*name;			/* lowerCamelCase object key */
	char	*mapkey;		/* labels["k"] / fields["k"]: NULL if none */
	int	 ts_part;		/* 1 = .seconds, 2 = .nanos of a timestamp */
};

struct udm_path {
	char		*text;		/* the snake_case form, as written */
	struct udm_seg	 segs[UDM_PATH_SEGS_MAX];
	int		 nsegs;
};

/* each thread's tokener, kept and reset between calls */
static _Thread_local struct json_tokener *thread_tok;

/* Release the calling thread's tokener (before the thread ends). */
void
udm_thread_end(void)
{
	if (thread_tok != NULL)
		json_tokener_free(thread_tok);
	thread_tok = NULL;
}

/*
 * Parse TEXT as exactly one JSON value with a depth limit; NULL on error.
 * Each thread keeps one tokener, reset between calls.
 */
static json_object *
parse_json(const char *text, size_t len, char *why, size_t whylen)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *obj;
	size_t end;

	if (len > (size_t)LMH_EVENT_MAX * 256) {
		snprintf(why, whylen, "JSON text too long");
		return NULL;
	}
	if (thread_tok == NULL &&
	    (thread_tok = json_tokener_new_ex(LMH_JSON_DEPTH_MAX)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	tok = thread_tok;
	json_tokener_reset(tok);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			snprintf(why, whylen, "not JSON: truncated");
		else
			snprintf(why, whylen, "not JSON: %s",
			    json_tokener_error_desc(jerr));
		json_object_put(obj);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	while (end < len && isspace((unsigned char)text[end]))
		end++;
	if (end != len) {
		snprintf(why, whylen, "not JSON: trailing text at byte %zu", end);
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* The member KEY of object O, or NULL. */
static json_object *
member(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/*
 * Reading the flat fields.  The identity of an event (metadata and its
 * sections, host names, processes, users, service) must have its UDM type:
 * the first one that does not stops the event.  The rest is read leniently
 * (LENIENT set): a value of another type counts as absent, and a repeated
 * value gives its first element.
 */
struct flat {
	const char	*bad;		/* path of the first field of a wrong type */
	json_type	 found;
	json_type	 want;
	bool		 lenient;
};

/* Note that PATH held FOUND where WANT was expected (first one wins). */
static void
wrong_type(struct flat *fl, const char *path, json_type want, json_type found)
{
	if (fl->lenient)
		return;
	if (fl->bad == NULL) {
		fl->bad = path;
		fl->want = want;
		fl->found = found;
	}
}

/* The object member KEY of O (a nested section), NULL when absent. */
static json_object *
section(struct flat *fl, json_object *o, const char *key, const char *path)
{
	json_object *v = member(o, key);

	if (v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	if (!json_object_is_type(v, json_type_object)) {
		wrong_type(fl, path, json_type_object, json_object_get_type(v));
		return NULL;
	}
	return v;
}

/*
 * The string value of member KEY of O (the first element of an array when
 * lenient), or NULL; a present value of another type is a wrong type.
 */
static json_object *
svalue(struct flat *fl, json_object *o, const char *key, const char *path)
{
	json_object *v = member(o, key);

	if (v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	if (fl->lenient && json_object_is_type(v, json_type_array))
		v = json_object_array_length(v) > 0 ?
		    json_object_array_get_idx(v, 0) : NULL;
	if (v == NULL || !json_object_is_type(v, json_type_string)) {
		wrong_type(fl, path, json_type_string,
		    v ? json_object_get_type(v) : json_type_null);
		return NULL;
	}
	return v;
}

/* The string member KEY of O, or NULL. */
static const char *
sfield(struct flat *fl, json_object *o, const char *key, const char *path)
{
	json_object *v = svalue(fl, o, key, path);

	return v != NULL ? json_object_get_string(v) : NULL;
}

/* The string member KEY of O and its length (0 when absent). */
static const char *
sfield_len(struct flat *fl, json_object *o, const char *key,
    const char *path, size_t *len)
{
	json_object *v = svalue(fl, o, key, path);

	*len = v != NULL ? (size_t)json_object_get_string_len(v) : 0;
	return v != NULL ? json_object_get_string(v) : NULL;
}

/* The port (int, or a string of digits) member KEY of O; -1 if absent. */
static int
pfield(struct flat *fl, json_object *o, const char *key, const char *path)
{
	json_object *v = member(o, key);
	const char *s;
	char *end;
	long l;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return -1;
	if (json_object_is_type(v, json_type_int)) {
		l = (long)json_object_get_int64(v);
		return l >= 0 && l <= 65535 ? (int)l : -1;
	}
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		errno = 0;
		l = strtol(s, &end, 10);
		if (errno == 0 && end != s && *end == '\0' && l >= 0 &&
		    l <= 65535)
			return (int)l;
		return -1;
	}
	wrong_type(fl, path, json_type_int, json_object_get_type(v));
	return -1;
}

/* The text of a string or integer member KEY of O (pids come as both). */
static const char *
tfield(struct flat *fl, json_object *o, const char *key, const char *path)
{
	json_object *v = member(o, key);

	if (v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	if (!json_object_is_type(v, json_type_string) &&
	    !json_object_is_type(v, json_type_int)) {
		wrong_type(fl, path, json_type_string, json_object_get_type(v));
		return NULL;
	}
	return json_object_get_string(v);
}

/* Collect the IP strings of member KEY of O (array or one string). */
static int
ifield(struct flat *fl, json_object *o, const char *key, const char *path,
    const char **out)
{
	json_object *v = member(o, key), *e;
	size_t i, n;
	int k = 0;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		out[k++] = json_object_get_string(v);
		return k;
	}
	if (!json_object_is_type(v, json_type_array)) {
		wrong_type(fl, path, json_type_array, json_object_get_type(v));
		return 0;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n && k < LMH_IPS_MAX; i++) {
		e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string))
			out[k++] = json_object_get_string(e);
	}
	return k;
}

/* The field paths of one side of the event, for error messages. */
struct side_paths {
	const char	*hostname, *ip, *port, *asset, *asset_hostname,
			*asset_ip;
};
static const struct side_paths principal_paths = {
	"principal.hostname", "principal.ip", "principal.port",
	"principal.asset", "principal.asset.hostname", "principal.asset.ip"
};
static const struct side_paths target_paths = {
	"target.hostname", "target.ip", "target.port",
	"target.asset", "target.asset.hostname", "target.asset.ip"
};
static const struct side_paths src_paths = {
	"src.hostname", "src.ip", "src.port",
	"src.asset", "src.asset.hostname", "src.asset.ip"
};

/*
 * The noun fields of one side of the event (principal, target, src):
 * hostname (or asset.hostname), IPs (or asset.ip) and port.
 */
static void
noun(struct flat *fl, json_object *o, const struct side_paths *sp,
    const char **host, const char **ips, int *nips, int *port)
{
	json_object *asset;
	bool lenient = fl->lenient;

	/* the host name as strict as the caller; the rest leniently */
	*host = sfield(fl, o, "hostname", sp->hostname);
	fl->lenient = true;
	*nips = ifield(fl, o, "ip", sp->ip, ips);
	*port = pfield(fl, o, "port", sp->port);
	if ((*host == NULL || *nips == 0) &&
	    (asset = section(fl, o, "asset", sp->asset)) != NULL) {
		if (*host == NULL)
			*host = sfield(fl, asset, "hostname",
			    sp->asset_hostname);
		if (*nips == 0)
			*nips = ifield(fl, asset, "ip", sp->asset_ip, ips);
	}
	fl->lenient = lenient;
}

/* Fill the flat fields of EV from its UDM object. */
static int
flatten(struct lmh_event *ev, json_object *udm, const char *name,
    char *why, size_t whylen)
{
	struct flat fl = { NULL, json_type_null, json_type_null, false };
	json_object *md, *pr, *tg, *src, *net, *pp, *ppf, *tp, *tpf, *o;
	const char *ts;

	if (!json_object_is_type(udm, json_type_object)) {
		snprintf(why, whylen, "event is not a JSON object");
		return -1;
	}
	md = section(&fl, udm, "metadata", "metadata");
	pr = section(&fl, udm, "principal", "principal");
	tg = section(&fl, udm, "target", "target");
	src = section(&fl, udm, "src", "src");
	net = section(&fl, udm, "network", "network");

	ev->id = sfield(&fl, md, "id", "metadata.id");
	ts = sfield(&fl, md, "eventTimestamp", "metadata.eventTimestamp");
	ev->event_type = sfield(&fl, md, "eventType", "metadata.eventType");
	ev->product_event_type = sfield(&fl, md, "productEventType",
	    "metadata.productEventType");
	fl.lenient = true;
	ev->product_name = sfield(&fl, md, "productName",
	    "metadata.productName");
	fl.lenient = false;

	noun(&fl, pr, &principal_paths, &ev->host, ev->principal_ip,
	    &ev->n_principal_ip, &ev->principal_port);
	noun(&fl, tg, &target_paths, &ev->target_host, ev->target_ip,
	    &ev->n_target_ip, &ev->target_port);
	fl.lenient = true;
	noun(&fl, src, &src_paths, &ev->src_host, ev->src_ip, &ev->n_src_ip,
	    &ev->src_port);

	pp = section(&fl, pr, "process", "principal.process");
	ppf = section(&fl, pp, "file", "principal.process.file");
	tp = section(&fl, tg, "process", "target.process");
	tpf = section(&fl, tp, "file", "target.process.file");
	ev->parent_pid = tfield(&fl, pp, "pid", "principal.process.pid");
	ev->pid = tfield(&fl, tp, "pid", "target.process.pid");
	if (ev->parent_pid == NULL)
		ev->parent_pid = tfield(&fl, tp, "parentPid",
		    "target.process.parentPid");
	fl.lenient = false;
	ev->parent_path = sfield(&fl, ppf, "fullPath",
	    "principal.process.file.fullPath");
	ev->parent_cmdline = sfield_len(&fl, pp, "commandLine",
	    "principal.process.commandLine", &ev->parent_cmdline_len);
	ev->path = sfield(&fl, tpf, "fullPath", "target.process.file.fullPath");
	ev->cmdline = sfield_len(&fl, tp, "commandLine",
	    "target.process.commandLine", &ev->cmdline_len);

	fl.lenient = true;
	o = section(&fl, pr, "user", "principal.user");
	fl.lenient = false;
	ev->user = sfield(&fl, o, "userid", "principal.user.userid");
	fl.lenient = true;
	o = section(&fl, tg, "user", "target.user");
	fl.lenient = false;
	ev->target_user = sfield(&fl, o, "userid", "target.user.userid");
	ev->service = sfield(&fl, tg, "application", "target.application");
	fl.lenient = true;
	o = section(&fl, tg, "resource", "target.resource");
	ev->resource = sfield(&fl, o, "name", "target.resource.name");
	o = section(&fl, tg, "file", "target.file");
	ev->file_path = sfield(&fl, o, "fullPath", "target.file.fullPath");
	o = section(&fl, udm, "additional", "additional");
	if ((ev->logon_type = sfield(&fl, o, "LogonType",
	    "additional.LogonType")) == NULL) {
		o = section(&fl, udm, "extensions", "extensions");
		o = section(&fl, o, "auth", "extensions.auth");
		ev->logon_type = sfield(&fl, o, "mechanism",
		    "extensions.auth.mechanism");
	}
	ev->direction = sfield(&fl, net, "direction", "network.direction");
	fl.lenient = false;

	if (fl.bad != NULL) {
		snprintf(why, whylen, "%s: expected %s, found %s", fl.bad,
		    json_type_to_name(fl.want), json_type_to_name(fl.found));
		return -1;
	}
	if (ev->id == NULL || *ev->id == '\0')
		ev->id = name;		/* events[].name identifies it too */
	if (ev->id == NULL || *ev->id == '\0') {
		snprintf(why, whylen, "no metadata.id");
		return -1;
	}
	if (strlen(ev->id) >= LMH_NAME_MAX) {
		snprintf(why, whylen, "metadata.id: longer than %d bytes",
		    LMH_NAME_MAX - 1);
		return -1;
	}
	if (ts == NULL) {
		snprintf(why, whylen, "no metadata.eventTimestamp");
		return -1;
	}
	if (parse_rfc3339(ts, &ev->ts_us) == -1) {
		snprintf(why, whylen, "metadata.eventTimestamp: not RFC 3339: "
		    "'%.64s'", ts);
		return -1;
	}
	return 0;
}

/*
 * Parse one event: a bare UDM object, {"udm":{...}}, or an udmSearch
 * events[] element {"name":..., "udm":{...}}.
 */
int
udm_parse(const char *text, size_t len, struct lmh_event *ev, char *why,
    size_t whylen)
{
	json_object *root, *udm;
	const char *name = NULL;

	memset(ev, 0, sizeof(*ev));
	ev->principal_port = ev->target_port = ev->src_port = -1;
	if (len > LMH_EVENT_MAX) {
		snprintf(why, whylen, "event longer than %d bytes",
		    LMH_EVENT_MAX);
		return -1;
	}
	if ((root = parse_json(text, len, why, whylen)) == NULL)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(why, whylen, "event is not a JSON object");
		json_object_put(root);
		return -1;
	}
	udm = root;
	if ((udm = member(root, "udm")) != NULL) {
		if (member(root, "name") != NULL &&
		    json_object_is_type(member(root, "name"), json_type_string))
			name = json_object_get_string(member(root, "name"));
	} else
		udm = root;
	if (flatten(ev, udm, name, why, whylen) == -1) {
		json_object_put(root);
		memset(ev, 0, sizeof(*ev));
		return -1;
	}
	ev->doc = xmalloc(sizeof(*ev->doc));
	ev->doc->root = root;
	ev->doc->udm = udm;
	ev->doc->raw = NULL;
	if (udm == root) {
		ev->doc->raw = xmalloc(len + 1);
		memcpy(ev->doc->raw, text, len);
		ev->doc->raw[len] = '\0';
		ev->raw = ev->doc->raw;
		ev->raw_len = len;
	} else {
		ev->raw = json_object_to_json_string_ext(udm,
		    JSON_C_TO_STRING_PLAIN);
		ev->raw_len = strlen(ev->raw);
	}
	return 0;
}

/* Release what udm_parse holds for EV. */
void
udm_event_free(struct lmh_event *ev)
{
	if (ev->doc != NULL) {
		json_object_put(ev->doc->root);
		free(ev->doc->raw);
		free(ev->doc);
	}
	memset(ev, 0, sizeof(*ev));
}

/*
 * Parse an udmSearch response body and call CB with the JSON text of each
 * events[] element; MORE_DATA gets moreDataAvailable (either spelling).
 */
int
udm_parse_response(const char *text, size_t len,
    int (*cb)(const char *elem, size_t elen, void *arg), void *arg,
    bool *more_data, char *why, size_t whylen)
{
	json_object *root, *events, *more, *e;
	const char *s;
	size_t i, n;
	int rc = 0;

	if (len > LMH_RESPONSE_MAX) {
		snprintf(why, whylen, "response longer than %d bytes",
		    LMH_RESPONSE_MAX);
		return -1;
	}
	if ((root = parse_json(text, len, why, whylen)) == NULL)
		return -1;
	events = member(root, "events");
	if (!json_object_is_type(root, json_type_object) ||
	    (events != NULL && !json_object_is_type(events, json_type_array))) {
		snprintf(why, whylen, "not an udmSearch response: events "
		    "must be an array");
		json_object_put(root);
		return -1;
	}
	if ((more = member(root, "moreDataAvailable")) == NULL)
		more = member(root, "more_data_available");
	if (more_data != NULL)
		*more_data = more != NULL && json_object_get_boolean(more);
	n = events ? json_object_array_length(events) : 0;
	for (i = 0; i < n && rc == 0; i++) {
		e = json_object_array_get_idx(events, i);
		s = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN);
		rc = cb(s, strlen(s), arg);
	}
	json_object_put(root);
	return rc;
}

/* Convert one snake_case segment to lowerCamelCase into OUT. */
static int
camel(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, k = 0;
	int up = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '_') {
			up = 1;
			continue;
		}
		if (!isalnum((unsigned char)s[i]))
			return -1;
		if (k + 1 >= outlen)
			return -1;
		out[k++] = up ? (char)toupper((unsigned char)s[i]) : s[i];
		up = 0;
	}
	if (k == 0)
		return -1;
	out[k] = '\0';
	return 0;
}

/*
 * Compile a snake_case field path such as target.process.file.full_path,
 * principal.ip, target.labels["TargetLogonId"], additional.fields["X"] or
 * metadata.event_timestamp.seconds.
 */
struct udm_path *
udm_path_compile(const char *snake, char *why, size_t whylen)
{
	struct udm_path *p;
	struct udm_seg *sg;
	const char *s = snake, *e, *q;
	char name[UDM_PATH_LEN_MAX];
	size_t n;

	if (snake == NULL || *snake == '\0' ||
	    strlen(snake) >= UDM_PATH_LEN_MAX) {
		snprintf(why, whylen, "field path empty or longer than %d "
		    "bytes", UDM_PATH_LEN_MAX - 1);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->text = xstrdup(snake);
	while (*s != '\0') {
		for (e = s; *e != '\0' && *e != '.' && *e != '['; e++)
			;
		n = (size_t)(e - s);
		if (p->nsegs == UDM_PATH_SEGS_MAX) {
			snprintf(why, whylen, "field path has more than %d "
			    "parts", UDM_PATH_SEGS_MAX);
			goto bad;
		}
		if (camel(s, n, name, sizeof(name)) == -1) {
			snprintf(why, whylen, "bad field path '%s'", snake);
			goto bad;
		}
		/* additional.fields["X"] is the Struct's X member */
		if (*e == '[' && strcmp(name, "fields") == 0 && p->nsegs > 0 &&
		    strcmp(p->segs[p->nsegs - 1].name, "additional") == 0)
			sg = &p->segs[p->nsegs - 1];
		else {
			sg = &p->segs[p->nsegs++];
			sg->name = xstrdup(name);
		}
		if (*e == '[') {
			if (e[1] != '"' || (q = strchr(e + 2, '"')) == NULL ||
			    q[1] != ']' || q == e + 2) {
				snprintf(why, whylen, "bad map key in field "
				    "path '%s' (write name[\"key\"])", snake);
				goto bad;
			}
			if (sg->name != NULL && sg == &p->segs[p->nsegs - 1] &&
			    strcmp(sg->name, "additional") == 0) {
				/* the key is a plain member of additional */
				if (p->nsegs == UDM_PATH_SEGS_MAX) {
					snprintf(why, whylen, "field path too "
					    "long");
					goto bad;
				}
				sg = &p->segs[p->nsegs++];
				sg->name = xasprintf("%.*s", (int)(q - e - 2),
				    e + 2);
			} else
				sg->mapkey = xasprintf("%.*s",
				    (int)(q - e - 2), e + 2);
			e = q + 2;
		}
		if (p->nsegs >= 2 && strcmp(p->segs[p->nsegs - 1].name,
		    "seconds") == 0)
			p->segs[p->nsegs - 1].ts_part = 1;
		else if (p->nsegs >= 2 && strcmp(p->segs[p->nsegs - 1].name,
		    "nanos") == 0)
			p->segs[p->nsegs - 1].ts_part = 2;
		if (*e == '.') {
			e++;
			if (*e == '\0') {
				snprintf(why, whylen, "field path '%s' ends "
				    "with '.'", snake);
				goto bad;
			}
		} else if (*e != '\0') {
			snprintf(why, whylen, "bad field path '%s'", snake);
			goto bad;
		}
		s = e;
	}
	return p;
bad:
	udm_path_free(p);
	return NULL;
}

/* Release a compiled path. */
void
udm_path_free(struct udm_path *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsegs; i++) {
		free(p->segs[i].name);
		free(p->segs[i].mapkey);
	}
	free(p->text);
	free(p);
}

/* The path as it was written. */
const char *
udm_path_text(const struct udm_path *p)
{
	return p->text;
}

struct walk {
	const struct udm_path *path;
	int (*cb)(const struct udm_value *, void *);
	void *arg;
};

/* Hand one scalar JSON value to the callback. */
static int
emit(struct walk *w, json_object *v)
{
	struct udm_value uv;

	memset(&uv, 0, sizeof(uv));
	switch (json_object_get_type(v)) {
	case json_type_string:
		uv.type = UDM_STRING;
		uv.s = json_object_get_string(v);
		uv.slen = (size_t)json_object_get_string_len(v);
		break;
	case json_type_int:
		uv.type = UDM_INT;
		uv.i = json_object_get_int64(v);
		uv.d = (double)uv.i;
		uv.s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		uv.slen = strlen(uv.s);
		break;
	case json_type_boolean:
		uv.type = UDM_BOOL;
		uv.i = json_object_get_boolean(v);
		uv.s = uv.i ? "true" : "false";
		uv.slen = strlen(uv.s);
		break;
	case json_type_double:
		uv.type = UDM_DOUBLE;
		uv.d = json_object_get_double(v);
		uv.s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		uv.slen = strlen(uv.s);
		break;
	default:
		return 0;
	}
	return w->cb(&uv, w->arg);
}

/* Emit the seconds or nanos of a timestamp string V. */
static int
emit_ts(struct walk *w, json_object *v, int part)
{
	struct udm_value uv;
	char text[32];
	int64_t us;

	if (!json_object_is_type(v, json_type_string) ||
	    parse_rfc3339(json_object_get_string(v), &us) == -1)
		return 0;
	memset(&uv, 0, sizeof(uv));
	uv.type = UDM_INT;
	uv.i = part == 1 ? (us >= 0 ? us / 1000000 : (us - 999999) / 1000000) :
	    (us % 1000000 + 1000000) % 1000000 * 1000;
	uv.d = (double)uv.i;
	snprintf(text, sizeof(text), "%lld", (long long)uv.i);
	uv.s = text;
	uv.slen = strlen(text);
	return w->cb(&uv, w->arg);
}

/* Walk V from segment I on, through arrays, calling the callback. */
static int
walk(struct walk *w, json_object *v, int i)
{
	const struct udm_seg *sg;
	json_object *child, *e, *k;
	size_t j, n;
	int rc;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (j = 0; j < n; j++)
			if ((rc = walk(w, json_object_array_get_idx(v, j), i)))
				return rc;
		return 0;
	}
	if (i == w->path->nsegs)
		return emit(w, v);
	sg = &w->path->segs[i];
	if (sg->ts_part && json_object_is_type(v, json_type_string))
		return i + 1 == w->path->nsegs ? emit_ts(w, v, sg->ts_part) : 0;
	if (!json_object_is_type(v, json_type_object))
		return 0;
	if (sg->ts_part && i + 1 == w->path->nsegs &&
	    (child = member(v, sg->name)) == NULL)
		return 0;
	child = member(v, sg->name);
	if (child != NULL && sg->ts_part == 0 && i + 1 < w->path->nsegs &&
	    w->path->segs[i + 1].ts_part && json_object_is_type(child,
	    json_type_string))
		return i + 2 == w->path->nsegs ?
		    emit_ts(w, child, w->path->segs[i + 1].ts_part) : 0;
	if (child == NULL || sg->mapkey == NULL)
		return walk(w, child, i + 1);
	/* a map: an object, or an array of {key, value} labels */
	if (json_object_is_type(child, json_type_object))
		return walk(w, member(child, sg->mapkey), i + 1);
	if (!json_object_is_type(child, json_type_array))
		return 0;
	n = json_object_array_length(child);
	for (j = 0; j < n; j++) {
		e = json_object_array_get_idx(child, j);
		k = member(e, "key");
		if (k != NULL && json_object_is_type(k, json_type_string) &&
		    strcmp(json_object_get_string(k), sg->mapkey) == 0 &&
		    (rc = walk(w, member(e, "value"), i + 1)))
			return rc;
	}
	return 0;
}

/*
 * Call CB for every scalar at PATH in EV, walking arrays anywhere on the
 * path; stops and returns CB's value when it is non-zero.
 */
int
udm_path_foreach(const struct lmh_event *ev, const struct udm_path *path,
    int (*cb)(const struct udm_value *, void *), void *arg)
{
	struct walk w = { path, cb, arg };

	if (ev == NULL || ev->doc == NULL)
		return 0;
	return walk(&w, ev->doc->udm, 0);
}
