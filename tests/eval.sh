#!/bin/sh
# eval.sh - the evaluation of the hunt against labelled data.
#
# Runs tests/eval/evaluate.py over the bundled datasets (tests/data) and
# fails when the recall (scenarios detected / present) drops below the
# floor committed in tests/eval/floor.txt, or when any hard-negative file
# there (no malicious labels) gets a false-positive finding.  When
# $LMH_DATASETS exists it also runs over it and prints the table; there it
# fails only on false positives in otrf_benign_background_and_discovery.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

: "${PYTHON3:=python3}"
ev=$top_srcdir/tests/eval/evaluate.py
conf=$top_srcdir/etc/lmhuntd.conf

if ! "$LMHUNTD" --version >/dev/null 2>&1; then
	echo "1..0 # SKIP $LMHUNTD does not run"
	exit 0
fi
if ! "$PYTHON3" -c 'import json' 2>/dev/null; then
	echo "1..0 # SKIP no python3"
	exit 0
fi

# the scorer itself: scenario parsing, false positives, local, sides
"$PYTHON3" "$top_srcdir/tests/eval/test_evaluate.py" >"$TMPDIR_T/ut.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMPDIR_T/ut.out"
ok $rc "evaluate.py scoring unit tests (test_evaluate.py)"

floor=$(sed -n '/^[0-9]/{p;q;}' "$top_srcdir/tests/eval/floor.txt")

# bundled data: recall floor and hard negatives
"$PYTHON3" "$ev" --lmhuntd "$LMHUNTD" --conf "$conf" -v \
    --summary "$TMPDIR_T/data.json" "$top_srcdir/tests/data" >"$TMPDIR_T/data.out" 2>&1
rc=$?
sed 's/^/# /' "$TMPDIR_T/data.out"
ok $rc "evaluate.py ran over tests/data (lmhuntd exited 0 or 3 on every file)"
recall=$("$PYTHON3" -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["total"]["recall"])' \
    "$TMPDIR_T/data.json" 2>/dev/null)
if [ -n "$recall" ] && "$PYTHON3" -c 'import sys; sys.exit(float(sys.argv[1]) + 1e-9 < float(sys.argv[2]))' \
    "$recall" "$floor"; then
	ok 0 "recall on tests/data $recall >= floor $floor"
else
	ok 1 "recall on tests/data ${recall:-?} >= floor $floor"
fi
fps=$("$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join("%s:%d" % (d["name"], d["fp"]) for d in s["datasets"]
               if d["hard_negative"] and d["fp"] > 0) or "none")
' "$TMPDIR_T/data.json" 2>/dev/null)
is "$fps" "none" "no false-positive finding on the bundled hard negatives"
n=$("$PYTHON3" -c '
import json, sys
print(sum(1 for d in json.load(open(sys.argv[1]))["datasets"] if d["hard_negative"]))
' "$TMPDIR_T/data.json" 2>/dev/null)
if [ "${n:-0}" -ge 1 ]; then ok 0 "tests/data holds hard negatives ($n)"; else
	ok 1 "tests/data holds hard negatives (${n:-0})"; fi

# the full datasets, when present: informational table
if [ -n "$LMH_DATASETS" ] && [ -d "$LMH_DATASETS" ]; then
	"$PYTHON3" "$ev" --lmhuntd "$LMHUNTD" --conf "$conf" \
	    --no-fp otrf_benign_background_and_discovery \
	    --summary "$TMPDIR_T/all.json" "$LMH_DATASETS" >"$TMPDIR_T/all.out" 2>&1
	rc=$?
	sed 's/^/# /' "$TMPDIR_T/all.out"
	ok $rc "no false-positive finding on otrf_benign_background_and_discovery ($LMH_DATASETS)"
else
	ok 0 "# SKIP LMH_DATASETS (${LMH_DATASETS:-unset}) not present"
fi

done_testing
