#!/bin/sh
# rules.sh - run the default rule pack (etc/rules.d, etc/lists.d) over every
# dataset with ground truth: the shared datasets ($LMH_DATASETS, skipped when
# absent), the bundled subset in tests/data and the constructed variants in
# tests/rules.  tests/rulecheck prints the hits, tests/rulecheck.py compares
# them with each <name>.truth.json and prints the per-rule table.
. "$top_srcdir/tests/lib.sh"

RULECHECK="$top_builddir/tests/rulecheck"
RULES="$top_srcdir/etc/rules.d"
LISTS="$top_srcdir/etc/lists.d"
: "${PYTHON3:=python3}"

if [ ! -x "$RULECHECK" ]; then
	echo "1..0 # SKIP tests/rulecheck not built"
	exit 0
fi

# the default pack loads cleanly
"$RULECHECK" "$RULES" "$LISTS" /dev/null 2>"$TMPDIR_T/load.err"
ok $? "default rule pack loads"
sed 's/^/# /' "$TMPDIR_T/load.err"

# lmhuntd: the pack lints clean and --print-query ANDs the scope into
# every server-side query
if [ -x "$LMHUNTD" ]; then
	"$LMHUNTD" -n -f "$top_srcdir/etc/lmhuntd.conf" >"$TMPDIR_T/n.out" \
	    2>"$TMPDIR_T/n.err"
	ok $? "lmhuntd -n accepts the sample config and the pack"
	is "$(grep -c warning "$TMPDIR_T/n.err")" 0 "the pack lints clean"
	"$LMHUNTD" --print-query -f "$top_srcdir/etc/lmhuntd.conf" \
	    --scope 'principal.hostname = /corp/ nocase' >"$TMPDIR_T/q.out"
	ok $? "lmhuntd --print-query"
	nq=$(wc -l <"$TMPDIR_T/q.out")
	ok $([ "$nq" -ge 1 ] && echo 0 || echo 1) "--print-query printed $nq queries"
	is "$(grep -vc '^(principal.hostname = /corp/ nocase) AND (' \
	    "$TMPDIR_T/q.out")" 0 "every query is ANDed with the scope"
else
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - lmhuntd checks # SKIP $LMHUNTD not built"
fi

# collect DATASET.hits / DATASET.truth.json pairs
set --
for f in "$LMH_DATASETS"/*.ndjson "$top_srcdir"/tests/data/*.ndjson \
    "$top_srcdir"/tests/rules/*.ndjson; do
	[ -f "$f" ] || continue
	truth="${f%.ndjson}.truth.json"
	[ -f "$truth" ] || continue
	name=$(basename "$f" .ndjson)
	hits="$TMPDIR_T/$name.hits"
	# a dataset bundled in tests/data is a copy of the shared one
	[ -f "$hits" ] && continue
	"$RULECHECK" "$RULES" "$LISTS" "$f" >"$hits" 2>"$TMPDIR_T/err"
	ok $? "rules run over $name"
	set -- "$@" "$hits" "$truth"
done
if [ ! -d "$LMH_DATASETS" ]; then
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - shared datasets # SKIP $LMH_DATASETS absent"
fi

if ! "$PYTHON3" -c 'import json' 2>/dev/null; then
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - truth comparison # SKIP no python3"
	done_testing
	exit 0
fi
"$PYTHON3" "$top_srcdir/tests/rulecheck.py" "$RULES" "$@" \
    >"$TMPDIR_T/check.out"
ok $? "truth comparison ran"
while IFS= read -r line; do
	case "$line" in
	"#"*)	echo "$line" ;;
	PASS*"# SKIP")
		tap_n=$((tap_n + 1))
		echo "ok $tap_n - ${line#PASS }" ;;
	PASS*)	ok 0 "${line#PASS }" ;;
	FAIL*)	ok 1 "${line#FAIL }" ;;
	esac
done <"$TMPDIR_T/check.out"
done_testing
