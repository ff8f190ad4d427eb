/*
 * util.c - allocation, growable buffers, error lists, time and durations.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmhunt.h"

/* Allocate or die: a daemon that cannot allocate cannot go on safely. */
void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("malloc %zu", n);
	return p;
}

/* Allocate zeroed memory or die. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		fatal("calloc %zu*%zu", nmemb, size);
	return p;
}

/* Resize or die. */
void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (p == NULL)
		fatal("realloc %zu", n);
	return p;
}

/* Duplicate a string or die; NULL stays NULL. */
char *
xstrdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

/* Format into a newly allocated string or die. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("xasprintf: bad format");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* Start an empty buffer. */
void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Release a buffer's memory. */
void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Empty a buffer but keep its memory. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Make room for N more bytes plus the terminating NUL. */
static void
buf_grow(struct buf *b, size_t n)
{
	size_t cap;

	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

/* Append N bytes. */
void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a C string. */
void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append formatted text. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append S as a JSON string literal, quoted and escaped; NULL is null. */
void
buf_json_string(struct buf *b, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	buf_add(b, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':  buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_add(b, p, 1);
		}
	}
	buf_add(b, "\"", 1);
}

/* Add one "file:line:col: message" to an error list (col 0 = no column). */
void
errlist_add(struct errlist *e, const char *file, int line, int col,
    const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	char *msg;
	int n;

	if (e->n >= LMH_CONF_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);

	buf_init(&b);
	if (file != NULL)
		buf_printf(&b, "%s:", file);
	if (line > 0)
		buf_printf(&b, "%d:", line);
	if (line > 0 && col > 0)
		buf_printf(&b, "%d:", col);
	if (b.len > 0)
		buf_puts(&b, " ");
	buf_puts(&b, msg);
	free(msg);

	e->msgs = xrealloc(e->msgs, (e->n + 1) * sizeof(*e->msgs));
	e->msgs[e->n++] = b.data;
}

/* Print every message of an error list, one a line. */
void
errlist_print(const struct errlist *e, FILE *fp)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(fp, "%s\n", e->msgs[i]);
}

/* Release an error list's messages and empty it. */
void
errlist_free(struct errlist *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	e->msgs = NULL;
	e->n = 0;
}

/* The wall clock in UTC microseconds. */
int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The number of days in month M (1-12) of year Y. */
static int
days_in_month(int y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* Read N decimal digits at *P; -1 when one is missing. */
static int
digits(const char **p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/*
 * Parse an RFC 3339 timestamp ("2020-09-21T04:14:52.986Z", fraction and
 * numeric offset optional) into UTC microseconds.
 */
int
parse_rfc3339(const char *s, int64_t *us)
{
	const char *p = s;
	int y, mo, d, h, mi, se, frac = 0, scale = 1000000, oh, om, sign;
	int64_t t;

	if (s == NULL)
		return -1;
	if ((y = digits(&p, 4)) < 0 || *p++ != '-' ||
	    (mo = digits(&p, 2)) < 1 || mo > 12 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 1 || d > days_in_month(y, mo) ||
	    (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' ||
	    (mi = digits(&p, 2)) < 0 || mi > 59 || *p++ != ':' ||
	    (se = digits(&p, 2)) < 0 || se > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
			p++;
		}
	}
	t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, 2)) < 0 || oh > 23 || *p++ != ':' ||
		    (om = digits(&p, 2)) < 0 || om > 59)
			return -1;
		t -= sign * (oh * 3600 + om * 60);
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*us = t * 1000000 + frac;
	return 0;
}

/* Format UTC microseconds as RFC 3339 with six fraction digits and Z. */
void
format_rfc3339(int64_t us, char *out, size_t len)
{
	time_t secs = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	int64_t frac = us - (int64_t)secs * 1000000;
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long long)frac);
}

/*
 * Parse a duration: a non-negative integer followed by s, m, h or d
 * ("90s", "10m", "72h", "7d"); a bare integer is seconds.
 */
int
parse_duration(const char *s, int64_t *seconds)
{
	int64_t v = 0, mul = 1;
	const char *p = s;

	if (s == NULL || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	switch (*p) {
	case '\0': mul = 1; break;
	case 's': mul = 1; p++; break;
	case 'm': mul = 60; p++; break;
	case 'h': mul = 3600; p++; break;
	case 'd': mul = 86400; p++; break;
	default: return -1;
	}
	if (*p != '\0' || v > INT64_MAX / mul)
		return -1;
	*seconds = v * mul;
	return 0;
}

/* Format seconds as the largest whole unit ("72h", "90s", "10m"). */
void
format_duration(int64_t s, char *out, size_t len)
{
	if (s != 0 && s % 86400 == 0)
		snprintf(out, len, "%lldd", (long long)(s / 86400));
	else if (s != 0 && s % 3600 == 0)
		snprintf(out, len, "%lldh", (long long)(s / 3600));
	else if (s != 0 && s % 60 == 0)
		snprintf(out, len, "%lldm", (long long)(s / 60));
	else
		snprintf(out, len, "%llds", (long long)s);
}
