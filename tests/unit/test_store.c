/* test_store.c - the SQLite event store: migrations, batches, duplicates,
 * retention, cursors, evidence, and the errors for bad database paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmhunt.h"

/* the generated migration table (daemon/schema.c) */
struct schema_migration { int version; const char *name; const char *sql; };
extern const struct schema_migration schema_migrations[];
extern const size_t schema_nmigrations;

static char tmpdir[64];

/* Make a private directory for the file databases of one test. */
static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_store.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

/* Remove the test's directory and what is in it. */
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

/* A path inside the test directory (static buffer). */
static const char *
dbpath(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* The newest migration version compiled in. */
static int
newest_version(void)
{
	return schema_migrations[schema_nmigrations - 1].version;
}

/* PRAGMA user_version as stored in the header of a closed database file. */
static long
file_user_version(const char *path)
{
	unsigned char hdr[64];
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, hdr, sizeof(hdr)), sizeof(hdr));
	close(fd);
	return (long)hdr[60] << 24 | (long)hdr[61] << 16 | (long)hdr[62] << 8 |
	    (long)hdr[63];
}

/* Overwrite PRAGMA user_version in the header of a closed database file. */
static void
set_file_user_version(const char *path, long v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	    (unsigned char)(v >> 8), (unsigned char)v };
	int fd;

	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, sizeof(b), 60), sizeof(b));
	close(fd);
}

/* A hand-made flat event (no JSON document behind it). */
static struct lmh_event
mkevent(const char *id, int64_t ts, const char *raw)
{
	struct lmh_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = id;
	ev.ts_us = ts;
	ev.event_type = "NETWORK_CONNECTION";
	ev.host = "WS01";
	ev.target_host = "SRV01";
	ev.principal_ip[0] = "10.0.0.5";
	ev.principal_ip[1] = "fe80::1";
	ev.n_principal_ip = 2;
	ev.target_ip[0] = "10.0.0.9";
	ev.n_target_ip = 1;
	ev.principal_port = -1;
	ev.target_port = 445;
	ev.src_port = -1;
	ev.raw = raw;
	ev.raw_len = raw != NULL ? strlen(raw) : 0;
	return ev;
}

/* The migration table is ordered, and opening applies all of it. */
static void
migrations_in_order(void **state)
{
	char why[256];
	struct store *st;
	size_t i;

	(void)state;
	assert_true(schema_nmigrations >= 1);
	assert_int_equal(schema_migrations[0].version, 1);
	for (i = 1; i < schema_nmigrations; i++)
		assert_true(schema_migrations[i].version >
		    schema_migrations[i - 1].version);

	st = store_open(dbpath("m.db"), why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_event_count(st), 0);
	store_close(st);
	assert_int_equal(file_user_version(dbpath("m.db")), newest_version());
}

/* Reopening a migrated database applies nothing again and keeps the data. */
static void
reopen_idempotent(void **state)
{
	struct lmh_event ev = mkevent("e1", 1000, "{\"x\":1}");
	char why[256];
	struct store *st;
	int64_t us;

	(void)state;
	st = store_open(dbpath("r.db"), why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_insert_event(st, &ev), 1);
	assert_int_equal(store_cursor_set(st, "chronicle", 42), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	st = store_open(dbpath("r.db"), why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_event_count(st), 1);
	assert_int_equal(store_cursor_get(st, "chronicle", &us), 1);
	assert_int_equal(us, 42);
	store_close(st);
	assert_int_equal(file_user_version(dbpath("r.db")), newest_version());
}

/* A database from a newer lmhuntd is refused with both versions named. */
static void
newer_schema_refused(void **state)
{
	char why[256], want[128];
	struct store *st;

	(void)state;
	st = store_open(dbpath("n.db"), why, sizeof(why));
	assert_non_null(st);
	store_close(st);
	set_file_user_version(dbpath("n.db"), newest_version() + 7);

	why[0] = '\0';
	st = store_open(dbpath("n.db"), why, sizeof(why));
	assert_null(st);
	snprintf(want, sizeof(want), "database schema version %d is newer "
	    "than this lmhuntd (%d)", newest_version() + 7, newest_version());
	assert_non_null(strstr(why, want));
	assert_non_null(strstr(why, dbpath("n.db")));
	/* and nothing was changed by the attempt */
	assert_int_equal(file_user_version(dbpath("n.db")),
	    newest_version() + 7);
}

/*
 * Check that opening PATH fails with an error naming it, as an
 * unprivileged user: root writes anywhere, so as root the check runs in
 * a child process that has become nobody.
 */
static void
open_fails_unprivileged(const char *path)
{
	struct store *st;
	char why[256] = "";
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		st = store_open(path, why, sizeof(why));
		assert_null(st);
		assert_non_null(strstr(why, path));
		return;
	}
	assert_int_equal(chmod(tmpdir, 0755), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
		    setuid(65534) == -1)
			_exit(2);
		st = store_open(path, why, sizeof(why));
		_exit(st == NULL && strstr(why, path) != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A path in a missing directory, or in a read-only one, names the path. */
static void
unwritable_path(void **state)
{
	char why[256], path[128];
	struct store *st;

	(void)state;
	why[0] = '\0';
	st = store_open("/nonexistent-lmhunt-dir/x.db", why, sizeof(why));
	assert_null(st);
	assert_non_null(strstr(why, "/nonexistent-lmhunt-dir/x.db"));

	snprintf(path, sizeof(path), "%s/ro", tmpdir);
	assert_int_equal(mkdir(path, 0555), 0);
	snprintf(path, sizeof(path), "%s/ro/x.db", tmpdir);
	open_fails_unprivileged(path);
}

/* A read-only database file is refused up front, naming it. */
static void
readonly_file(void **state)
{
	char why[256];
	struct store *st;

	(void)state;
	st = store_open(dbpath("ro.db"), why, sizeof(why));
	assert_non_null(st);
	store_close(st);
	assert_int_equal(chmod(dbpath("ro.db"), 0444), 0);
	open_fails_unprivileged(dbpath("ro.db"));
}

/* A file that is not a database is an error naming it, not a crash. */
static void
not_a_database(void **state)
{
	char why[256];
	struct store *st;
	FILE *fp;
	int i;

	(void)state;
	fp = fopen(dbpath("junk.db"), "w");
	assert_non_null(fp);
	for (i = 0; i < 200; i++)
		fputs("this is not an SQLite database file\n", fp);
	fclose(fp);
	why[0] = '\0';
	st = store_open(dbpath("junk.db"), why, sizeof(why));
	assert_null(st);
	assert_non_null(strstr(why, dbpath("junk.db")));
}

/*
 * The same event twice (same metadata.id and time, as overlapping poll
 * windows deliver it): stored once, the second counted.
 */
static void
duplicates_ignored(void **state)
{
	struct lmh_event a = mkevent("dup", 1000, "{\"a\":1}");
	struct lmh_event b = mkevent("dup", 1000, "{\"b\":2}");
	struct lmh_event c = mkevent("other", 3000, "{\"c\":3}");
	struct buf raw;
	char why[256];
	struct store *st;

	(void)state;
	st = store_open(":memory:", why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_insert_event(st, &a), 1);
	assert_true(a.rowid > 0);
	assert_int_equal(store_insert_event(st, &b), 0);
	assert_int_equal(b.rowid, 0);
	assert_int_equal(store_insert_event(st, &c), 1);
	assert_true(c.rowid > a.rowid);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_event_count(st), 2);
	assert_int_equal(store_stats(st)->inserted, 2);
	assert_int_equal(store_stats(st)->duplicates, 1);
	/* the first copy is the one kept */
	buf_init(&raw);
	assert_int_equal(store_event_raw(st, "dup", &raw), 0);
	assert_string_equal(raw.data, "{\"a\":1}");
	buf_free(&raw);

	/* the same ID at another time is another event (unique on both) */
	b = mkevent("dup", 2000, "{\"b\":2}");
	assert_int_equal(store_insert_event(st, &b), 1);
	assert_int_equal(store_event_count(st), 3);
	assert_int_equal(store_stats(st)->duplicates, 1);
	store_close(st);
}

/* The raw JSON is kept byte for byte; an unknown id is -1. */
static void
raw_evidence_kept(void **state)
{
	const char *json = "{\"metadata\":{\"id\":\"r1\",\"eventTimestamp\":"
	    "\"2024-01-01T00:00:00Z\"},\"target\":{\"process\":{\"commandLine\":"
	    "\"cmd.exe /c \\\"echo \\u00e9\\\"\"}}}";
	struct lmh_event ev = mkevent("r1", 5, json);
	struct buf raw;
	char why[256];
	struct store *st;

	(void)state;
	st = store_open(":memory:", why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_insert_event(st, &ev), 1);
	buf_init(&raw);
	assert_int_equal(store_event_raw(st, "r1", &raw), 0);
	assert_int_equal(raw.len, strlen(json));
	assert_string_equal(raw.data, json);
	buf_reset(&raw);
	assert_int_equal(store_event_raw(st, "nope", &raw), -1);
	assert_int_equal(raw.len, 0);
	buf_free(&raw);
	store_close(st);
}

/*
 * Evidence of a finding is found by its time and ID; an ID named by no
 * finding is still found (by a scan); a wrong evidence time falls back
 * to the scan too.
 */
static void
evidence_lookup(void **state)
{
	struct lmh_event ev;
	struct lmh_finding f;
	struct buf raw;
	char why[256], id[32], json[64];
	struct store *st;
	int64_t fid;
	int i;

	(void)state;
	st = store_open(":memory:", why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "ev%d", i);
		snprintf(json, sizeof(json), "{\"n\":%d}", i);
		ev = mkevent(id, 1000 + i, json);
		assert_int_equal(store_insert_event(st, &ev), 1);
	}
	memset(&f, 0, sizeof(f));
	f.kind = f.technique = f.title = f.source_ip = f.source_host = "";
	f.target_ip = f.target_host = f.user = f.explanation = f.chain = "";
	f.first_us = f.last_us = 1007;
	fid = store_finding_insert(st, &f, "", "srv01", 0);
	assert_true(fid > 0);
	assert_int_equal(store_finding_add_evidence(st, fid, "ev7", 1007), 0);
	assert_int_equal(store_finding_add_evidence(st, fid, "ev9", 5), 0);
	assert_int_equal(store_commit(st), 0);

	buf_init(&raw);
	assert_int_equal(store_event_raw(st, "ev7", &raw), 0);
	assert_string_equal(raw.data, "{\"n\":7}");
	buf_reset(&raw);
	assert_int_equal(store_event_raw(st, "ev9", &raw), 0);
	assert_string_equal(raw.data, "{\"n\":9}");
	buf_reset(&raw);
	assert_int_equal(store_event_raw(st, "ev42", &raw), 0);
	assert_string_equal(raw.data, "{\"n\":42}");
	buf_reset(&raw);
	assert_int_equal(store_event_raw(st, "ev50", &raw), -1);
	buf_free(&raw);
	store_close(st);
}

/* An event without an ID is refused, not stored. */
static void
no_id_refused(void **state)
{
	struct lmh_event ev = mkevent(NULL, 5, "{}");
	char why[256];
	struct store *st;

	(void)state;
	st = store_open(":memory:", why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_insert_event(st, &ev), -1);
	assert_int_equal(store_event_count(st), 0);
	store_close(st);
}

/* Rollback drops the batch; a nested begin and a stray commit fail. */
static void
transactions(void **state)
{
	struct lmh_event a = mkevent("t1", 1, "{}");
	struct lmh_event b = mkevent("t2", 2, "{}");
	char why[256];
	struct store *st;
	int64_t us;

	(void)state;
	st = store_open(dbpath("t.db"), why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_commit(st), -1);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), -1);
	assert_int_equal(store_insert_event(st, &a), 1);
	assert_int_equal(store_cursor_set(st, "x", 9), 0);
	assert_int_equal(store_rollback(st), 0);
	assert_int_equal(store_event_count(st), 0);
	assert_int_equal(store_cursor_get(st, "x", &us), 0);

	/* the same events go in after the rollback */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_insert_event(st, &a), 1);
	assert_int_equal(store_insert_event(st, &b), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_event_count(st), 2);

	/* closing with a batch open rolls it back */
	assert_int_equal(store_begin(st), 0);
	b = mkevent("t3", 3, "{}");
	assert_int_equal(store_insert_event(st, &b), 1);
	store_close(st);
	st = store_open(dbpath("t.db"), why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_event_count(st), 2);
	store_close(st);
}

/* Retention deletes the oldest events in chunks and keeps newer ones. */
static void
prune_in_chunks(void **state)
{
	struct lmh_event ev;
	char why[256], id[32];
	struct buf raw;
	struct store *st;
	int64_t n;
	int i;

	(void)state;
	st = store_open(":memory:", why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	/* inserted out of time order: ts = 100 * ((i * 7) % 25) */
	for (i = 0; i < 25; i++) {
		snprintf(id, sizeof(id), "p%d", i);
		ev = mkevent(id, 100 * ((i * 7) % 25), "{}");
		assert_int_equal(store_insert_event(st, &ev), 1);
	}
	assert_int_equal(store_commit(st), 0);

	/* 10 events are older than 1000 µs; chunks of 4: 4, 4, 2, 0 */
	assert_int_equal(store_prune(st, 1000, 4), 4);
	assert_int_equal(store_event_count(st), 21);
	assert_int_equal(store_prune(st, 1000, 4), 4);
	assert_int_equal(store_prune(st, 1000, 4), 2);
	assert_int_equal(store_prune(st, 1000, 4), 0);
	assert_int_equal(store_event_count(st), 15);
	assert_int_equal(store_stats(st)->pruned, 10);
	assert_int_equal(store_prune(st, 1000, 0), 0);

	/* every event at or after the horizon survived, none before it */
	buf_init(&raw);
	for (i = 0; i < 25; i++) {
		snprintf(id, sizeof(id), "p%d", i);
		buf_reset(&raw);
		n = store_event_raw(st, id, &raw);
		assert_int_equal(n, 100 * ((i * 7) % 25) >= 1000 ? 0 : -1);
	}
	buf_free(&raw);

	/* a pruned event's ID can be stored again */
	ev = mkevent("p0", 5000, "{}");
	assert_int_equal(store_insert_event(st, &ev), 1);
	store_close(st);
}

/* Cursors: absent, set, moved, independent per source, kept on reopen. */
static void
cursors(void **state)
{
	char why[256];
	struct store *st;
	int64_t us = 77;

	(void)state;
	st = store_open(dbpath("c.db"), why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_cursor_get(st, "chronicle", &us), 0);
	assert_int_equal(us, 0);
	assert_int_equal(store_cursor_set(st, "chronicle", 1000), 0);
	assert_int_equal(store_cursor_set(st, "chronicle", 2000), 0);
	assert_int_equal(store_cursor_set(st, "replay", -5), 0);
	assert_int_equal(store_cursor_get(st, "chronicle", &us), 1);
	assert_int_equal(us, 2000);
	assert_int_equal(store_cursor_get(st, "replay", &us), 1);
	assert_int_equal(us, -5);
	store_close(st);

	st = store_open(dbpath("c.db"), why, sizeof(why));
	assert_non_null(st);
	assert_int_equal(store_cursor_get(st, "chronicle", &us), 1);
	assert_int_equal(us, 2000);
	store_close(st);
}

/* Many IPs, absent fields and long values are stored without trouble. */
static void
sparse_and_full_events(void **state)
{
	struct lmh_event ev;
	char why[256], big[8192];
	struct buf raw;
	struct store *st;
	int i;

	(void)state;
	st = store_open(":memory:", why, sizeof(why));
	assert_non_null(st);
	memset(&ev, 0, sizeof(ev));
	ev.id = "sparse";
	ev.principal_port = ev.target_port = ev.src_port = -1;
	assert_int_equal(store_insert_event(st, &ev), 1);

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ev = mkevent("full", 9, big);
	for (i = 0; i < LMH_IPS_MAX; i++)
		ev.src_ip[i] = i % 2 ? "192.0.2.1" : "2001:db8::1";
	ev.n_src_ip = LMH_IPS_MAX;
	ev.cmdline = big;
	assert_int_equal(store_insert_event(st, &ev), 1);
	buf_init(&raw);
	assert_int_equal(store_event_raw(st, "full", &raw), 0);
	assert_int_equal(raw.len, sizeof(big) - 1);
	buf_free(&raw);
	assert_int_equal(store_event_count(st), 2);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrations_in_order,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(reopen_idempotent,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(newer_schema_refused,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(unwritable_path,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(readonly_file,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(not_a_database,
		    setup_dir, teardown_dir),
		cmocka_unit_test(duplicates_ignored),
		cmocka_unit_test(raw_evidence_kept),
		cmocka_unit_test(evidence_lookup),
		cmocka_unit_test(no_id_refused),
		cmocka_unit_test_setup_teardown(transactions,
		    setup_dir, teardown_dir),
		cmocka_unit_test(prune_in_chunks),
		cmocka_unit_test_setup_teardown(cursors,
		    setup_dir, teardown_dir),
		cmocka_unit_test(sparse_and_full_events),
	};

	log_init(LOG_DEST_STDERR, 0, "test_store");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
