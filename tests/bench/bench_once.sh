#!/bin/sh
# bench_once.sh - end-to-end throughput of the one-shot hunt.
#
# Generates a deterministic mixed UDM stream (gen_udm.py, default 200,000
# events with planted lateral movement), then times, over the same file:
#   1. lmhuntd --once --db FRESH.db (parse, store, rules, correlation,
#      report), its peak RSS;
#   2. pipeline.py, the Python 3 stdlib baseline (json + sqlite3, same
#      fields and table, the rule pack ported to Python regexes);
#   3. bench_parse, udm_parse alone (json-c and the flat decoding);
# and prints events/s, the ratio to Python (target >= 2.5x) and the share
# of the parse-only rate the whole pipeline reaches.  Best of BENCH_RUNS.
#
# Environment: LMHUNTD, BENCH_PARSE (built programs), PYTHON3,
# BENCH_EVENTS (200000), BENCH_SEED (1), BENCH_RATE (3 events per second
# of event time; 300 gives a dense burst), BENCH_RUNS (1), BENCH_DIR
# (${TMPDIR:-/tmp}/lmhunt-bench: the generated file is kept there).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
LMHUNTD=${LMHUNTD:-./lmhuntd}
BENCH_PARSE=${BENCH_PARSE:-./tests/bench/bench_parse}
PYTHON3=${PYTHON3:-python3}
N=${BENCH_EVENTS:-200000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-1}
RATE=${BENCH_RATE:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/lmhunt-bench}
conf=$top_srcdir/etc/lmhuntd.conf

mkdir -p "$DIR" || exit 1
data=$DIR/udm-$N-$SEED-$RATE.ndjson
if [ ! -s "$data" ]; then
	"$PYTHON3" "$top_srcdir/tests/bench/gen_udm.py" -n "$N" --seed "$SEED" \
	    --rate "$RATE" >"$data.tmp" &&
	    mv "$data.tmp" "$data" || exit 1
fi
echo "bench_once: $N events ($(wc -c <"$data") bytes) from gen_udm.py --seed $SEED --rate $RATE: $data"

# timed CMD...: run CMD (stdout to $DIR/out) and print
# "wall_s cpu_s maxrss_kb exit_status" from getrusage of the child.
timed() {
	"$PYTHON3" -c '
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1], "w") as out:
    p = subprocess.run(sys.argv[2:], stdout=out)
dt = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f %d %d" % (dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode))
' "$DIR/out" "$@"
}

# best LABEL CMD...: the fastest of RUNS runs (fresh database each time);
# sets best_wall best_cpu best_rss best_rc.
best() {
	label=$1; shift
	best_wall=; best_cpu=; best_rss=; best_rc=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		rm -f "$DIR/c.db" "$DIR/c.db-wal" "$DIR/c.db-shm" \
		    "$DIR/py.db" "$DIR/py.db-wal" "$DIR/py.db-shm"
		set -- $(timed "$@") "$@"
		w=$1 c=$2 r=$3 rc=$4; shift 4
		echo "  $label run $((i + 1)): ${w} s wall, ${c} s CPU, peak RSS ${r} KiB, exit $rc"
		if [ -z "$best_wall" ] || awk "BEGIN{exit !($w < $best_wall)}"; then
			best_wall=$w best_cpu=$c best_rss=$r best_rc=$rc
		fi
		i=$((i + 1))
	done
}

rate() { awk -v n="$N" -v s="$1" 'BEGIN{ if (s > 0) printf "%.0f", n / s; else print "inf" }'; }

best "lmhuntd --once" "$LMHUNTD" --once -f "$conf" --db "$DIR/c.db" --source "$data"
c_wall=$best_wall c_cpu=$best_cpu c_rss=$best_rss
case $best_rc in 0|3) ;; *) echo "bench_once: lmhuntd exited $best_rc" >&2; exit 1 ;; esac
grep -E "^  (events stored|findings in store|correlation joins):" "$DIR/out" | sed 's/^/  /'
sed -n '/^  rule hits:/,/^  correlation/p' "$DIR/out" |
    awk 'NF == 2 && $2 > 0 { print $1, $2 }' | sort >"$DIR/c.hits"

best "pipeline.py" "$PYTHON3" "$top_srcdir/tests/bench/pipeline.py" --db "$DIR/py.db" "$data"
p_wall=$best_wall p_cpu=$best_cpu p_rss=$best_rss
[ "$best_rc" -eq 0 ] || { echo "bench_once: pipeline.py exited $best_rc" >&2; exit 1; }
awk 'NF == 2 && $2 ~ /^[0-9]+$/ { print $1, $2 }' "$DIR/out" | sort >"$DIR/py.hits"
# fairness: the port must hit exactly what the rule pack hits
if cmp -s "$DIR/c.hits" "$DIR/py.hits"; then
	echo "  per-rule hit counts: identical ($(wc -l <"$DIR/c.hits") rules with hits)"
else
	echo "  per-rule hit counts DIFFER (lmhuntd < > pipeline.py):"
	diff "$DIR/c.hits" "$DIR/py.hits" | sed 's/^/    /'
fi

parse_rate=
if [ -x "$BENCH_PARSE" ]; then
	"$BENCH_PARSE" "$data" 1 | tee "$DIR/parse.out" | sed 's/^/  /'
	parse_rate=$(sed -n 's/.*: \([0-9]*\) events\/s$/\1/p' "$DIR/parse.out")
fi

echo
echo "lmhuntd --once:   $(rate "$c_wall") events/s wall, $(rate "$c_cpu") events/s CPU, peak RSS $c_rss KiB"
echo "pipeline.py:      $(rate "$p_wall") events/s wall, $(rate "$p_cpu") events/s CPU, peak RSS $p_rss KiB"
ratio=$(awk -v a="$p_wall" -v b="$c_wall" 'BEGIN{printf "%.2f", a / b}')
ratio_cpu=$(awk -v a="$p_cpu" -v b="$c_cpu" 'BEGIN{printf "%.2f", a / b}')
echo "ratio to Python:  ${ratio}x wall, ${ratio_cpu}x CPU (target >= 2.5x): $(awk -v r="$ratio" 'BEGIN{print (r >= 2.5 ? "met" : "NOT met")}')"
if [ -n "$parse_rate" ]; then
	echo "parse-only:       $parse_rate events/s (udm_parse); --once reaches $(awk -v p="$parse_rate" -v s="$c_wall" -v n="$N" 'BEGIN{printf "%.0f%%", 100 * n / s / p}') of it (ratio $(awk -v p="$parse_rate" -v s="$c_wall" -v n="$N" 'BEGIN{printf "%.2f", (n / s) / p}'))"
fi
