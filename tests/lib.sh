# lib.sh - TAP helpers for the shell tests (sourced).
# Every check prints "ok N - what" or "not ok N - what"; call done_testing
# at the end to print the plan.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
: "${LMHUNTD:=$top_builddir/lmhuntd}"
tap_n=0
tap_failed=0
TMPDIR_T=$(mktemp -d "${TMPDIR:-/tmp}/lmhtest.XXXXXX")
trap 'rm -rf "$TMPDIR_T"' EXIT

# ok COND_STATUS DESCRIPTION: record a result from a status (0 = pass).
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION: pass when the two strings are equal.
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
	fi
}

# diag TEXT: a comment line for the log.
diag() { printf '# %s\n' "$*"; }

# done_testing: print the plan.
done_testing() { echo "1..$tap_n"; }
