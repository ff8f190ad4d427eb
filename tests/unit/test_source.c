/* test_source.c - replay of UDM events: NDJSON, stdin, response bodies,
 * and every kind of bad record with its line number. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmhunt.h"

#define EV(id) "{\"metadata\":{\"id\":\"" id "\",\"eventTimestamp\":" \
	"\"2024-05-01T10:00:00Z\",\"eventType\":\"PROCESS_LAUNCH\"}," \
	"\"principal\":{\"hostname\":\"ws1\"}}"

static char tmpdir[64];

/* what the callback saw */
struct seen {
	size_t	 calls;
	size_t	 sizes[16];
	char	*ids[64];
	size_t	 n;
	size_t	 abort_after;		/* calls before returning -1; 0 never */
};

/* Record the batch sizes and event IDs; abort when told to. */
static int
collect(struct lmh_event *evs, size_t n, void *arg)
{
	struct seen *s = arg;
	size_t i;

	if (s->calls < 16)
		s->sizes[s->calls] = n;
	s->calls++;
	for (i = 0; i < n; i++) {
		assert_non_null(evs[i].id);
		assert_non_null(evs[i].raw);
		if (s->n < 64)
			s->ids[s->n++] = xstrdup(evs[i].id);
	}
	return s->abort_after != 0 && s->calls >= s->abort_after ? -1 : 0;
}

/* Free what collect() kept. */
static void
seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n && i < 64; i++)
		free(s->ids[i]);
	memset(s, 0, sizeof(*s));
}

/* Make a private directory for one test's input files. */
static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_source.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

/* Remove the test's directory. */
static int
teardown_dir(void **state)
{
	char *cmd;
	int rc;

	(void)state;
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* Write LEN bytes of TEXT to NAME in the test directory; its path. */
static char *
write_file(const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/*
 * Run source_replay on PATH with stderr captured into *LOG (caller
 * frees); errno is left as source_replay left it.
 */
static int
replay_logged(const char *path, size_t maxbatch, struct seen *s,
    struct source_stats *st, char **log)
{
	char *logpath = xasprintf("%s/stderr.log", tmpdir);
	struct buf b;
	char chunk[4096];
	int fd, saved, rc, err;
	ssize_t n;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	memset(st, 0, sizeof(*st));
	rc = source_replay(path, maxbatch, collect, s, st);
	err = errno;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	buf_init(&b);
	fd = open(logpath, O_RDONLY);
	assert_true(fd >= 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	free(logpath);
	*log = b.data != NULL ? b.data : xstrdup("");
	errno = err;
	return rc;
}

/* Whether LOG has a line holding both A and B. */
static bool
log_has(const char *log, const char *a, const char *b)
{
	const char *p = log, *nl;
	char *line;
	bool found = false;

	while (*p != '\0' && !found) {
		nl = strchr(p, '\n');
		line = nl ? strndup(p, (size_t)(nl - p)) : strdup(p);
		found = strstr(line, a) != NULL && strstr(line, b) != NULL;
		free(line);
		p = nl ? nl + 1 : p + strlen(p);
	}
	return found;
}

/* NDJSON: every event, in order, in batches of at most MAXBATCH. */
static void
ndjson_batches(void **state)
{
	const char text[] = EV("a") "\n" EV("b") "\n" EV("c") "\n" EV("d")
	    "\n" EV("e") "\n";
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("ok.ndjson", text, sizeof(text) - 1);
	assert_int_equal(replay_logged(path, 2, &s, &st, &log), 0);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.events, 5);
	assert_int_equal(st.bad, 0);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.sizes[0], 2);
	assert_int_equal(s.sizes[1], 2);
	assert_int_equal(s.sizes[2], 1);
	assert_string_equal(s.ids[0], "a");
	assert_string_equal(s.ids[4], "e");
	assert_string_equal(log, "");
	seen_free(&s);
	free(log);
	free(path);
}

/* A batch size above LMH_BATCH_MAX is held to it; 0 means one by one. */
static void
batch_limit(void **state)
{
	struct source_stats st;
	struct seen s = { 0 };
	struct buf b;
	char *path, *log;
	int i;

	(void)state;
	buf_init(&b);
	for (i = 0; i <= LMH_BATCH_MAX; i++)
		buf_printf(&b, "{\"metadata\":{\"id\":\"b%d\",\"eventTimestamp\":"
		    "\"2024-05-01T10:00:00Z\"}}\n", i);
	path = write_file("many.ndjson", b.data, b.len);
	assert_int_equal(replay_logged(path, LMH_BATCH_MAX + 100, &s, &st,
	    &log), 0);
	assert_int_equal(st.events, LMH_BATCH_MAX + 1);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.sizes[0], LMH_BATCH_MAX);
	assert_int_equal(s.sizes[1], 1);
	seen_free(&s);
	free(log);
	free(path);

	path = write_file("three.ndjson", EV("x") "\n" EV("y") "\n" EV("z")
	    "\n", 3 * (sizeof(EV("x")) - 1) + 3);
	assert_int_equal(replay_logged(path, 0, &s, &st, &log), 0);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.sizes[2], 1);
	seen_free(&s);
	free(log);
	free(path);
	buf_free(&b);
}

/* CRLF line ends, blank lines and a valid last line without a newline. */
static void
crlf_blank_and_last_line(void **state)
{
	const char text[] = "\r\n" EV("a") "\r\n\n   \n" EV("b");
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("crlf.ndjson", text, sizeof(text) - 1);
	assert_int_equal(replay_logged(path, 100, &s, &st, &log), 0);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.bad, 0);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.ids[1], "b");
	seen_free(&s);
	free(log);
	free(path);
}

/* "-" reads standard input, and the log names it. */
static void
from_stdin(void **state)
{
	const char text[] = EV("s1") "\nnot json\n" EV("s2") "\n";
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;
	int fd, saved;

	(void)state;
	path = write_file("stdin.ndjson", text, sizeof(text) - 1);
	saved = dup(STDIN_FILENO);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDIN_FILENO);
	close(fd);
	clearerr(stdin);
	assert_int_equal(replay_logged("-", 10, &s, &st, &log), 0);
	dup2(saved, STDIN_FILENO);
	close(saved);
	clearerr(stdin);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.bad, 1);
	assert_string_equal(s.ids[1], "s2");
	assert_true(log_has(log, "<stdin>:2: ", "not JSON"));
	seen_free(&s);
	free(log);
	free(path);
}

/* A pretty-printed udmSearch response body, with one bad element. */
static void
response_body(void **state)
{
	const char text[] =
	    "{\n"
	    "  \"events\": [\n"
	    "    {\n"
	    "      \"name\": \"projects/p/locations/us/instances/i/events/n1\",\n"
	    "      \"udm\": " EV("r1") "\n"
	    "    },\n"
	    "    { \"udm\": { \"metadata\": { \"eventTimestamp\": "
	    "\"2024-05-01T10:00:00Z\" } } },\n"
	    "    { \"udm\": " EV("r3") " }\n"
	    "  ],\n"
	    "  \"moreDataAvailable\": true\n"
	    "}\n";
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("resp.json", text, sizeof(text) - 1);
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), 0);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.lines, 11);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], "r1");
	assert_string_equal(s.ids[1], "r3");
	assert_true(log_has(log, "resp.json:1: events[1]: ", "metadata.id"));
	seen_free(&s);
	free(log);
	free(path);
}

/* NDJSON whose lines are compact response bodies (one page per line). */
static void
response_per_line(void **state)
{
	const char text[] =
	    "{\"events\":[{\"udm\":" EV("p1") "},{\"udm\":" EV("p2") "}],"
	    "\"moreDataAvailable\":true}\n"
	    EV("p3") "\n"
	    "{\"moreDataAvailable\":false,\"events\":[{\"udm\":" EV("p4") "}]}\n"
	    "{\"events\":{\"not\":\"an array\"}}\n";
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("pages.ndjson", text, sizeof(text) - 1);
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), 0);
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.events, 4);
	assert_int_equal(st.bad, 1);
	assert_string_equal(s.ids[3], "p4");
	assert_true(log_has(log, "pages.ndjson:4: ", "array"));
	seen_free(&s);
	free(log);
	free(path);
}

/* One pretty-printed event (a UDM sample file) is one event. */
static void
pretty_event(void **state)
{
	const char text[] =
	    "{\n"
	    "  \"metadata\": {\n"
	    "    \"id\": \"pretty\",\n"
	    "    \"eventTimestamp\": \"2024-05-01T10:00:00.5Z\"\n"
	    "  }\n"
	    "}\n";
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("pretty.json", text, sizeof(text) - 1);
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), 0);
	assert_int_equal(st.events, 1);
	assert_int_equal(st.bad, 0);
	assert_string_equal(s.ids[0], "pretty");
	seen_free(&s);
	free(log);
	free(path);
}

/* Each kind of bad line is logged with its line number and counted. */
static void
bad_lines(void **state)
{
	const char text[] =
	    EV("good1") "\n"						/* 1 */
	    "this is not JSON\n"					/* 2 */
	    "\n"							/* 3 */
	    "{\"metadata\":{\"eventTimestamp\":\"2024-05-01T10:00:00Z\"}}\n" /* 4 */
	    "{\"metadata\":{\"id\":\"x\",\"eventTimestamp\":\"yesterday\"}}\n" /* 5 */
	    "{\"metadata\":{\"id\":17,\"eventTimestamp\":\"2024-05-01T10:00:00Z\"}}\n" /* 6 */
	    "[1,2,3]\n"							/* 7 */
	    EV("good2") "\n"						/* 8 */
	    "{\"metadata\":{\"id\":\"trunc\",\"eventTi";			/* 9 */
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("bad.ndjson", text, sizeof(text) - 1);
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), 0);
	assert_int_equal(st.lines, 9);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.bad, 6);
	assert_string_equal(s.ids[0], "good1");
	assert_string_equal(s.ids[1], "good2");
	assert_true(log_has(log, "bad.ndjson:2: ", "not JSON"));
	assert_true(log_has(log, "bad.ndjson:4: ", "no metadata.id"));
	assert_true(log_has(log, "bad.ndjson:5: ", "eventTimestamp"));
	assert_true(log_has(log, "bad.ndjson:6: ", "metadata.id"));
	assert_true(log_has(log, "bad.ndjson:7: ", "not a JSON object"));
	assert_true(log_has(log, "bad.ndjson:9: ", "truncated last line"));
	assert_false(log_has(log, "bad.ndjson:1: ", ""));
	assert_false(log_has(log, "bad.ndjson:3: ", ""));
	assert_false(log_has(log, "bad.ndjson:8: ", ""));
	seen_free(&s);
	free(log);
	free(path);
}

/*
 * A line over LMH_EVENT_MAX is one bad event and reading goes on; a
 * valid event padded to exactly LMH_EVENT_MAX bytes is accepted.
 */
static void
line_limit(void **state)
{
	const char ev[] = EV("edge");
	size_t evlen = sizeof(ev) - 1, total, off = 0;
	struct source_stats st;
	struct seen s = { 0 };
	char *text, *path, *log;

	(void)state;
	total = (LMH_EVENT_MAX + 5000) + 1 + LMH_EVENT_MAX + 1 +
	    sizeof(EV("after")) - 1 + 1;
	text = xmalloc(total);
	/* line 1: too long by 5000 bytes (a JSON string, so it would parse) */
	text[off++] = '"';
	memset(text + off, 'x', LMH_EVENT_MAX + 5000 - 2);
	off += LMH_EVENT_MAX + 5000 - 2;
	text[off++] = '"';
	text[off++] = '\n';
	/* line 2: exactly LMH_EVENT_MAX bytes */
	memcpy(text + off, ev, evlen);
	memset(text + off + evlen, ' ', LMH_EVENT_MAX - evlen);
	off += LMH_EVENT_MAX;
	text[off++] = '\n';
	/* line 3 */
	memcpy(text + off, EV("after"), sizeof(EV("after")) - 1);
	off += sizeof(EV("after")) - 1;
	text[off++] = '\n';
	assert_int_equal(off, total);

	path = write_file("long.ndjson", text, total);
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), 0);
	assert_int_equal(st.lines, 3);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.events, 2);
	assert_string_equal(s.ids[0], "edge");
	assert_string_equal(s.ids[1], "after");
	assert_true(log_has(log, "long.ndjson:1: ", "LMH_EVENT_MAX"));
	seen_free(&s);
	free(log);
	free(path);
	free(text);
}

/*
 * A compact response body on one line may be longer than LMH_EVENT_MAX
 * (its limit is LMH_RESPONSE_MAX), while an event line may not.
 */
static void
long_response_line(void **state)
{
	struct source_stats st;
	struct seen s = { 0 };
	struct buf b;
	char pad[4097], *path, *log;
	int i;

	(void)state;
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	buf_init(&b);
	buf_puts(&b, "{\"events\":[");
	for (i = 0; i < 300; i++)
		buf_printf(&b, "%s{\"udm\":{\"metadata\":{\"id\":\"L%d\","
		    "\"eventTimestamp\":\"2024-05-01T10:00:00Z\"},"
		    "\"additional\":{\"pad\":\"%s\"}}}", i ? "," : "", i, pad);
	buf_puts(&b, "]}\n");
	assert_true(b.len > LMH_EVENT_MAX);
	path = write_file("bigpage.ndjson", b.data, b.len);
	assert_int_equal(replay_logged(path, 1000, &s, &st, &log), 0);
	assert_int_equal(st.lines, 1);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.events, 300);
	assert_string_equal(s.ids[0], "L0");
	seen_free(&s);
	free(log);
	free(path);
	buf_free(&b);
}

/* An over-long last line without a newline is still one bad event. */
static void
long_last_line(void **state)
{
	size_t len = LMH_EVENT_MAX * 2 + 7;
	struct source_stats st;
	struct seen s = { 0 };
	char *text, *path, *log;

	(void)state;
	text = xmalloc(len);
	memset(text, '{', len);
	path = write_file("longlast.ndjson", text, len);
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), 0);
	assert_int_equal(st.lines, 1);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.events, 0);
	assert_int_equal(s.calls, 0);
	seen_free(&s);
	free(log);
	free(path);
	free(text);
}

/* A missing file or a directory is an error naming it; nothing is delivered. */
static void
missing_file(void **state)
{
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = xasprintf("%s/does-not-exist.ndjson", tmpdir);
	errno = 0;
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), -1);
	assert_int_equal(s.calls, 0);
	assert_true(log_has(log, path, "No such file"));
	free(log);

	/* a directory opens but cannot be read */
	assert_int_equal(replay_logged(tmpdir, 10, &s, &st, &log), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(s.calls, 0);
	assert_true(log_has(log, tmpdir, "read error"));
	seen_free(&s);
	free(log);
	free(path);
}

/* An empty file holds nothing and is not an error. */
static void
empty_file(void **state)
{
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("empty.ndjson", "", 0);
	assert_int_equal(replay_logged(path, 10, &s, &st, &log), 0);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.events, 0);
	assert_int_equal(s.calls, 0);
	seen_free(&s);
	free(log);
	free(path);
}

/* The callback returning -1 stops the replay, which returns -1. */
static void
callback_aborts(void **state)
{
	const char text[] = EV("a") "\n" EV("b") "\n" EV("c") "\n" EV("d")
	    "\n" EV("e") "\n";
	struct source_stats st;
	struct seen s = { 0 };
	char *path, *log;

	(void)state;
	path = write_file("abort.ndjson", text, sizeof(text) - 1);
	s.abort_after = 1;
	assert_int_equal(replay_logged(path, 2, &s, &st, &log), -1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.n, 2);
	seen_free(&s);
	free(log);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ndjson_batches),
		cmocka_unit_test(batch_limit),
		cmocka_unit_test(crlf_blank_and_last_line),
		cmocka_unit_test(from_stdin),
		cmocka_unit_test(response_body),
		cmocka_unit_test(response_per_line),
		cmocka_unit_test(pretty_event),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(line_limit),
		cmocka_unit_test(long_response_line),
		cmocka_unit_test(long_last_line),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(callback_aborts),
	};

	log_init(LOG_DEST_STDERR, 0, "test_source");
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
