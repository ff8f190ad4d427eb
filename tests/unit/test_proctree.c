/* test_proctree.c - process lineage fills a missing parent image */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

/* Parse one 4688-style launch on HOST: PARENT_PID starts PID running PATH. */
static void
launch(struct lmh_event *ev, const char *id, const char *ts,
    const char *host, const char *ppid, const char *pid, const char *path,
    const char *parent_path)
{
	char json[2048], why[256], parent[512] = "";

	if (parent_path != NULL)
		snprintf(parent, sizeof(parent),
		    ",\"file\":{\"fullPath\":\"%s\"}", parent_path);
	snprintf(json, sizeof(json),
	    "{\"metadata\":{\"id\":\"%s\",\"eventTimestamp\":\"%s\","
	    "\"eventType\":\"PROCESS_LAUNCH\",\"productEventType\":\"4688\"},"
	    "\"principal\":{\"hostname\":\"%s\",\"process\":{\"pid\":\"%s\"%s}},"
	    "\"target\":{\"process\":{\"pid\":\"%s\",\"file\":{\"fullPath\":"
	    "\"%s\"},\"parentPid\":\"%s\"}}}",
	    id, ts, host, ppid, parent, pid, path, ppid);
	if (udm_parse(json, strlen(json), ev, why, sizeof(why)) != 0)
		fail_msg("udm_parse: %s", why);
}

/* A child whose event lacks the parent's image gets it from the launch. */
static void
test_fill_same_batch(void **state)
{
	struct proctree *pt = proctree_new(0);
	struct lmh_event evs[2];

	(void)state;
	/* child first: order within a batch does not matter */
	launch(&evs[0], "c", "2019-03-18T22:15:49.676Z", "WIN-77.example.corp",
	    "2792", "1060", "C:\\\\Windows\\\\System32\\\\calc.exe", NULL);
	launch(&evs[1], "p", "2019-03-18T22:15:49.645Z", "win-77.example.corp",
	    "584", "2792", "C:\\\\Windows\\\\System32\\\\wbem\\\\WmiPrvSE.exe",
	    NULL);
	assert_null(evs[0].parent_path);
	assert_int_equal(proctree_batch(pt, evs, 2), 1);
	assert_string_equal(evs[0].parent_path,
	    "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe");
	assert_true(evs[0].parent_inferred);
	assert_null(evs[1].parent_path);	/* pid 584 never launched */
	assert_int_equal(proctree_filled(pt), 1);
	udm_event_free(&evs[0]);
	udm_event_free(&evs[1]);
	proctree_free(pt);
}

/* The parent learned in one batch explains a child in a later one. */
static void
test_fill_across_batches(void **state)
{
	struct proctree *pt = proctree_new(0);
	struct lmh_event p, c;

	(void)state;
	launch(&p, "p", "2020-01-01T00:00:00Z", "H", "4", "600",
	    "C:\\\\Windows\\\\System32\\\\services.exe", NULL);
	assert_int_equal(proctree_batch(pt, &p, 1), 0);
	udm_event_free(&p);
	launch(&c, "c", "2020-01-02T00:00:00Z", "H", "600", "700",
	    "C:\\\\Windows\\\\PSEXESVC.exe", NULL);
	assert_int_equal(proctree_batch(pt, &c, 1), 1);
	assert_string_equal(c.parent_path,
	    "C:\\Windows\\System32\\services.exe");
	udm_event_free(&c);
	proctree_free(pt);
}

/* Never a parent from another host, a later launch, or a stale one. */
static void
test_no_false_parent(void **state)
{
	struct proctree *pt = proctree_new(0);
	struct lmh_event evs[5];

	(void)state;
	launch(&evs[0], "p1", "2020-01-01T00:00:10Z", "A", "1", "100",
	    "C:\\\\x\\\\a.exe", NULL);
	/* other host, same pid */
	launch(&evs[1], "c1", "2020-01-01T00:00:11Z", "B", "100", "101",
	    "C:\\\\x\\\\b.exe", NULL);
	/* same host, child started before the parent's launch: pid reuse */
	launch(&evs[2], "c2", "2020-01-01T00:00:09Z", "A", "100", "102",
	    "C:\\\\x\\\\c.exe", NULL);
	/* a parent image already present is kept */
	launch(&evs[3], "c3", "2020-01-01T00:00:12Z", "A", "100", "103",
	    "C:\\\\x\\\\d.exe", "C:\\\\own\\\\parent.exe");
	/* older than LMH_PROCTREE_AGE after the launch */
	launch(&evs[4], "c4", "2021-01-01T00:00:12Z", "A", "100", "104",
	    "C:\\\\x\\\\e.exe", NULL);
	assert_int_equal(proctree_batch(pt, evs, 5), 0);
	assert_null(evs[1].parent_path);
	assert_null(evs[2].parent_path);
	assert_string_equal(evs[3].parent_path, "C:\\own\\parent.exe");
	assert_false(evs[3].parent_inferred);
	assert_null(evs[4].parent_path);
	for (int i = 0; i < 5; i++)
		udm_event_free(&evs[i]);
	proctree_free(pt);
}

/* With room for two launches, the oldest learned is forgotten first. */
static void
test_limit_evicts_oldest(void **state)
{
	struct proctree *pt = proctree_new(2);
	struct lmh_event evs[3], c11, c13;
	int i;

	(void)state;
	launch(&evs[0], "p1", "2020-01-01T00:00:01Z", "H", "1", "11",
	    "C:\\\\one.exe", NULL);
	launch(&evs[1], "p2", "2020-01-01T00:00:02Z", "H", "1", "12",
	    "C:\\\\two.exe", NULL);
	launch(&evs[2], "p3", "2020-01-01T00:00:03Z", "H", "1", "13",
	    "C:\\\\three.exe", NULL);
	assert_int_equal(proctree_batch(pt, evs, 3), 0);
	for (i = 0; i < 3; i++)
		udm_event_free(&evs[i]);
	launch(&c11, "c11", "2020-01-01T00:01:00Z", "H", "11", "21",
	    "C:\\\\x.exe", NULL);
	launch(&c13, "c13", "2020-01-01T00:01:00Z", "H", "13", "23",
	    "C:\\\\x.exe", NULL);
	/* learning a child takes a slot too: c13 evicts p2, keeps p3 */
	assert_int_equal(proctree_batch(pt, &c13, 1), 1);
	assert_string_equal(c13.parent_path, "C:\\three.exe");
	assert_int_equal(proctree_batch(pt, &c11, 1), 0);
	assert_null(c11.parent_path);
	udm_event_free(&c11);
	udm_event_free(&c13);
	proctree_free(pt);
}

/*
 * A pid reused after the child started: in one batch or split in two, the
 * child gets the launch before it (time order, not batch order).
 */
static void
test_reuse_any_split(void **state)
{
	struct lmh_event evs[3];
	struct proctree *pt;
	int split, i;

	(void)state;
	for (split = 0; split < 2; split++) {
		pt = proctree_new(0);
		launch(&evs[0], "a", "2020-01-01T00:00:01Z", "H", "1", "100",
		    "C:\\\\first.exe", NULL);
		launch(&evs[1], "c", "2020-01-01T00:00:02Z", "H", "100", "200",
		    "C:\\\\child.exe", NULL);
		launch(&evs[2], "b", "2020-01-01T00:00:03Z", "H", "1", "100",
		    "C:\\\\second.exe", NULL);
		/* the filled image is valid until the next call: check it
		 * before the second batch */
		if (split) {
			assert_int_equal(proctree_batch(pt, evs, 2), 1);
			assert_string_equal(evs[1].parent_path, "C:\\first.exe");
			assert_int_equal(proctree_batch(pt, evs + 2, 1), 0);
		} else {
			assert_int_equal(proctree_batch(pt, evs, 3), 1);
			assert_string_equal(evs[1].parent_path, "C:\\first.exe");
		}
		for (i = 0; i < 3; i++)
			udm_event_free(&evs[i]);
		proctree_free(pt);
	}
}

/* A hex pid (4688) and a decimal one (Sysmon) are the same process. */
static void
test_hex_pid(void **state)
{
	struct proctree *pt = proctree_new(0);
	struct lmh_event evs[2];

	(void)state;
	launch(&evs[0], "p", "2020-01-01T00:00:01Z", "H", "4", "420",
	    "C:\\\\Windows\\\\System32\\\\wbem\\\\WmiPrvSE.exe", NULL);
	launch(&evs[1], "c", "2020-01-01T00:00:02Z", "H", "0x1a4", "0x1b0",
	    "C:\\\\Windows\\\\System32\\\\cmd.exe", NULL);
	assert_int_equal(proctree_batch(pt, evs, 2), 1);
	assert_string_equal(evs[1].parent_path,
	    "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe");
	udm_event_free(&evs[0]);
	udm_event_free(&evs[1]);
	proctree_free(pt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_same_batch),
		cmocka_unit_test(test_fill_across_batches),
		cmocka_unit_test(test_no_false_parent),
		cmocka_unit_test(test_limit_evicts_oldest),
		cmocka_unit_test(test_reuse_any_split),
		cmocka_unit_test(test_hex_pid),
	};

	log_init(LOG_DEST_STDERR, 0, "test_proctree");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
