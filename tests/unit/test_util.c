/* test_util.c - durations, RFC 3339 times, buffers, error lists, JSON strings */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

/* Durations with every unit, and a bare number as seconds. */
static void
test_parse_duration(void **state)
{
	static const struct { const char *s; int64_t want; } good[] = {
		{ "0s", 0 }, { "90s", 90 }, { "10m", 600 }, { "72h", 259200 },
		{ "7d", 604800 }, { "15", 15 }, { "007m", 420 },
		{ "106751991167300d", 106751991167300LL * 86400 },
	};
	static const char *const bad[] = {
		"", "s", "m5", "-1m", "+1m", "1.5h", "10 m", " 10m", "10m ",
		"10ms", "10M", "1w", "9223372036854775808",
		"99999999999999999999", "106751991167301d",
		"2562047788015216h",
	};
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		assert_int_equal(parse_duration(good[i].s, &v), 0);
		assert_int_equal(v, good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		if (parse_duration(bad[i], &v) != -1)
			fail_msg("parse_duration accepted '%s'", bad[i]);
		assert_int_equal(v, 12345);	/* untouched on error */
	}
	assert_int_equal(parse_duration(NULL, &v), -1);
}

/* The largest whole unit is printed, and it parses back. */
static void
test_format_duration(void **state)
{
	static const struct { int64_t s; const char *want; } t[] = {
		{ 0, "0s" }, { 1, "1s" }, { 59, "59s" }, { 60, "1m" },
		{ 90, "90s" }, { 600, "10m" }, { 3600, "1h" }, { 3601, "3601s" },
		{ 5400, "90m" }, { 86400, "1d" }, { 259200, "3d" },
		{ 90000, "25h" }, { 604800, "7d" },
	};
	char out[32];
	int64_t v, s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		format_duration(t[i].s, out, sizeof(out));
		assert_string_equal(out, t[i].want);
	}
	for (s = 0; s < 200000; s += 997) {
		format_duration(s, out, sizeof(out));
		assert_int_equal(parse_duration(out, &v), 0);
		assert_int_equal(v, s);
	}
	format_duration(86400, out, 2);		/* truncated, still terminated */
	assert_string_equal(out, "1");
}

/* RFC 3339 timestamps: Z, offsets, fractions, and what is refused. */
static void
test_parse_rfc3339(void **state)
{
	static const struct { const char *s; int64_t want; } good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2020-09-21T04:14:52Z", 1600661692LL * 1000000 },
		{ "2020-09-21T04:14:52.986Z", 1600661692LL * 1000000 + 986000 },
		{ "2020-09-21T04:14:52.123456789Z",
		    1600661692LL * 1000000 + 123456 },
		{ "2020-09-21t04:14:52z", 1600661692LL * 1000000 },
		{ "2020-09-21 04:14:52Z", 1600661692LL * 1000000 },
		{ "2020-09-21T06:14:52+02:00", 1600661692LL * 1000000 },
		{ "2020-09-20T22:44:52-05:30", 1600661692LL * 1000000 },
		{ "2024-02-29T12:00:00Z", 1709208000LL * 1000000 },
		{ "2000-01-01T00:00:00.5Z", 946684800LL * 1000000 + 500000 },
		{ "2038-01-19T03:14:08Z", 2147483648LL * 1000000 },
		{ "2099-12-31T23:59:59Z", 4102444799LL * 1000000 },
		{ "1969-12-31T23:59:59Z", -1000000 },
	};
	static const char *const bad[] = {
		"", "2020-09-21", "2020-09-21T04:14:52", "2020-13-01T00:00:00Z",
		"2020-00-01T00:00:00Z", "2020-01-32T00:00:00Z",
		"2020-01-01T24:00:00Z", "2020-01-01T00:60:00Z",
		"2020-01-01T00:00:61Z", "2020-01-01T00:00:00.Z",
		"2020-01-01T00:00:00ZZ", "2020-01-01T00:00:00+0200",
		"2020-01-01T00:00:00+24:00", "2020-1-01T00:00:00Z",
		"20200101T000000Z", "2020-01-01X00:00:00Z",
		"2020-01-01T00:00:00 Z", "2021-02-29T00:00:00Z",
		"2021-02-30T00:00:00Z", "2020-04-31T00:00:00Z",
		"2100-02-29T00:00:00Z",
	};
	int64_t us;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		us = 7;
		if (parse_rfc3339(good[i].s, &us) != 0)
			fail_msg("parse_rfc3339 refused '%s'", good[i].s);
		assert_int_equal(us, good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_rfc3339(bad[i], &us) != -1)
			fail_msg("parse_rfc3339 accepted '%s'", bad[i]);
	assert_int_equal(parse_rfc3339(NULL, &us), -1);
}

/* Formatting gives six fraction digits and Z, and parses back. */
static void
test_format_rfc3339(void **state)
{
	static const int64_t values[] = {
		0, 1, 999999, 1600661692986000LL, 1709208000000000LL,
		-1, -1000000, 4102444799999999LL,
	};
	char out[64];
	int64_t us;
	size_t i;

	(void)state;
	format_rfc3339(0, out, sizeof(out));
	assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
	format_rfc3339(1600661692986000LL, out, sizeof(out));
	assert_string_equal(out, "2020-09-21T04:14:52.986000Z");
	format_rfc3339(-1, out, sizeof(out));
	assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		format_rfc3339(values[i], out, sizeof(out));
		assert_int_equal(parse_rfc3339(out, &us), 0);
		assert_int_equal(us, values[i]);
	}
}

/* The clock reads as a time after this code was written. */
static void
test_now(void **state)
{
	int64_t a, b;

	(void)state;
	a = now_us();
	b = now_us();
	assert_true(a > 1700000000LL * 1000000);	/* after Nov 2023 */
	assert_true(b >= a);
}

/* Buffers grow, stay terminated, and reset without losing memory. */
static void
test_buf(void **state)
{
	struct buf b;
	char *keep;
	int i;

	(void)state;
	buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_add(&b, "", 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_puts(&b, "abc");
	buf_add(&b, "defXYZ", 3);
	buf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(b.data, "abcdef-42-x");
	assert_int_equal(b.len, strlen("abcdef-42-x"));
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "%04d", i % 10000);
	assert_int_equal(b.len, 11 + 40000);
	assert_int_equal(strlen(b.data), b.len);
	assert_memory_equal(b.data + b.len - 8, "99989999", 8);
	assert_true(b.cap > b.len);
	keep = b.data;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_ptr_equal(b.data, keep);
	buf_add(&b, "a\0b", 3);		/* binary-safe */
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

/* Append the JSON form of S to a fresh buffer and compare it with WANT. */
static void
json_is(const char *s, const char *want)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "[");
	buf_json_string(&b, s);
	buf_puts(&b, "]");
	assert_string_equal(b.data, want);
	buf_free(&b);
}

/* JSON strings are quoted and escaped; NULL is null. */
static void
test_json_string(void **state)
{
	(void)state;
	json_is("plain", "[\"plain\"]");
	json_is("", "[\"\"]");
	json_is(NULL, "[null]");
	json_is("a\"b\\c", "[\"a\\\"b\\\\c\"]");
	json_is("C:\\Windows\\PSEXESVC.exe", "[\"C:\\\\Windows\\\\PSEXESVC.exe\"]");
	json_is("l1\nl2\r\tx", "[\"l1\\nl2\\r\\tx\"]");
	json_is("\x01\x1f", "[\"\\u0001\\u001f\"]");
	json_is("caf\xc3\xa9 /", "[\"caf\xc3\xa9 /\"]");	/* UTF-8 as is */
	json_is("\x7f", "[\"\x7f\"]");
}

/* Error messages carry file, line and column when given. */
static void
test_errlist(void **state)
{
	struct errlist e = { NULL, 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int i;

	(void)state;
	errlist_add(&e, "a.conf", 3, 7, "bad %s", "thing");
	errlist_add(&e, "a.conf", 4, 0, "no column");
	errlist_add(&e, "a.conf", 0, 5, "no line");
	errlist_add(&e, NULL, 0, 0, "bare %d", 1);
	errlist_add(&e, NULL, 9, 2, "line only");
	assert_int_equal(e.n, 5);
	assert_string_equal(e.msgs[0], "a.conf:3:7: bad thing");
	assert_string_equal(e.msgs[1], "a.conf:4: no column");
	assert_string_equal(e.msgs[2], "a.conf: no line");
	assert_string_equal(e.msgs[3], "bare 1");
	assert_string_equal(e.msgs[4], "9:2: line only");

	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	errlist_print(&e, fp);
	fclose(fp);
	assert_string_equal(text, "a.conf:3:7: bad thing\na.conf:4: no column\n"
	    "a.conf: no line\nbare 1\n9:2: line only\n");
	free(text);
	errlist_free(&e);
	assert_int_equal(e.n, 0);
	assert_null(e.msgs);

	/* the list stops growing at LMH_CONF_ERRORS_MAX */
	for (i = 0; i < LMH_CONF_ERRORS_MAX + 10; i++)
		errlist_add(&e, "f", i + 1, 0, "e%d", i);
	assert_int_equal(e.n, LMH_CONF_ERRORS_MAX);
	assert_string_equal(e.msgs[LMH_CONF_ERRORS_MAX - 1], "f:100: e99");
	errlist_free(&e);
}

/* The x* allocators keep NULL as NULL and format like printf. */
static void
test_alloc(void **state)
{
	char *s;
	int *p;

	(void)state;
	assert_null(xstrdup(NULL));
	s = xstrdup("copy");
	assert_string_equal(s, "copy");
	free(s);
	s = xasprintf("%s=%05.1f|%lld", "k", 3.14159, (long long)INT64_MAX);
	assert_string_equal(s, "k=003.1|9223372036854775807");
	free(s);
	s = xasprintf("%s", "");
	assert_string_equal(s, "");
	free(s);
	p = xcalloc(16, sizeof(*p));
	for (int i = 0; i < 16; i++)
		assert_int_equal(p[i], 0);
	p = xrealloc(p, 1024 * sizeof(*p));
	p[1023] = 7;
	assert_int_equal(p[0] + p[1023], 7);
	free(p);
	free(xmalloc(0));
}

/* Run every test of this file. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_parse_rfc3339),
		cmocka_unit_test(test_format_rfc3339),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_errlist),
		cmocka_unit_test(test_alloc),
	};

	log_init(LOG_DEST_STDERR, 0, "test_util");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
