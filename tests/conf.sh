#!/bin/sh
# conf.sh - golden tests of the configuration: tests/conf/NAME.in is run
# through "lmhuntd -n -v" and its output (stdout, then stderr, then the exit
# status) compared with tests/conf/NAME.out.  Also: the errors that need
# generated input, the sample config, the round trip of the printed
# configuration, -n, --version and -h.
#
# LMH_CONF_UPDATE=1 rewrites the .out files from the current output;
# review the diff before committing it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

confdir=$top_srcdir/tests/conf
confreal=$(cd "$confdir" && pwd -P)

if ! "$LMHUNTD" --version >/dev/null 2>&1; then
	echo "1..0 # SKIP $LMHUNTD does not run"
	exit 0
fi

# The paths built in (LOCALSTATEDIR, RUNSTATEDIR) differ between builds:
# read them from the defaults and check their documented tails.
"$LMHUNTD" -n -v -f "$confdir/defaults.in" >"$TMPDIR_T/defaults" 2>&1
db=$(sed -n 's/^database = //p' "$TMPDIR_T/defaults")
sock=$(sed -n 's/^socket = //p' "$TMPDIR_T/defaults")
localstatedir=${db%/lib/lmhunt/lmhunt.db}
runstatedir=${sock%/lmhunt/lmhuntd.sock}
case "$db:$sock" in
/*/lib/lmhunt/lmhunt.db:/*/lmhunt/lmhuntd.sock) ok 0 "default database and socket paths ($db, $sock)" ;;
*) ok 1 "default database and socket paths ($db, $sock)" ;;
esac

# normalise: the absolute test directory and the built-in state paths
normalise() {
	sed -e "s|$confreal|@CONFDIR@|g" \
	    -e "s|^database = $localstatedir/|database = @LOCALSTATEDIR@/|" \
	    -e "s|^socket = $runstatedir/|socket = @RUNSTATEDIR@/|"
}

# run_conf FILE: lmhuntd -n -v -f FILE from the test directory, normalised
run_conf() {
	(cd "$confdir" && "$LMHUNTD" -n -v -f "$1" >"$TMPDIR_T/out" \
	    2>"$TMPDIR_T/err"; echo "exit status $?" >"$TMPDIR_T/rc")
	cat "$TMPDIR_T/out" "$TMPDIR_T/err" "$TMPDIR_T/rc" | normalise
}

# 1. golden files
for f in "$confdir"/*.in; do
	name=$(basename "$f" .in)
	run_conf "$name.in" >"$TMPDIR_T/$name.got"
	if [ "${LMH_CONF_UPDATE:-}" = 1 ]; then
		cp "$TMPDIR_T/$name.got" "$confdir/$name.out"
	fi
	if diff -u "$confdir/$name.out" "$TMPDIR_T/$name.got" >"$TMPDIR_T/diff" 2>&1; then
		ok 0 "golden $name"
	else
		ok 1 "golden $name"
		sed 's/^/# /' "$TMPDIR_T/diff"
	fi
	# an error writes nothing on stdout and exits 1; a valid file exits 0
	case $name in
	err-*)	[ ! -s "$TMPDIR_T/out" ] && grep -qx 'exit status 1' "$TMPDIR_T/rc"
		ok $? "$name: errors on stderr only, exit status 1" ;;
	*)	[ ! -s "$TMPDIR_T/err" ] && grep -qx 'exit status 0' "$TMPDIR_T/rc"
		ok $? "$name: no diagnostics, exit status 0" ;;
	esac
done

# every error golden reports each error as "file:line: message"
bad=$(cat "$confdir"/err-*.out | grep -v '^exit status' |
    grep -v '^err-[a-z-]*\.in:[0-9][0-9]*: [^ ]' || true)
is "$bad" "" "every error line reads file:line: message"

# err-many: every error of the file in one pass, in line order
lines=$(sed -n 's/^err-many\.in:\([0-9]*\):.*/\1/p' "$confdir/err-many.out" | tr '\n' ' ')
is "$lines" "2 4 5 6 7 8 11 12 14 15 16 " "err-many reports all its errors in one pass"

# the secret in err-secret.in is never echoed
grep -q hunter2 "$confdir/err-secret.in" && ! grep -q hunter2 "$TMPDIR_T/err-secret.got"
ok $? "inline secrets are not echoed"

# 2. errors that need generated input
expect() {	# expect DESC WANT-STDERR FILE...: exit 1, stdout empty
	desc=$1 want=$2
	shift 2
	"$LMHUNTD" -n -v "$@" >"$TMPDIR_T/out" 2>"$TMPDIR_T/err"
	rc=$?
	is "$rc:$(cat "$TMPDIR_T/out"):$(cat "$TMPDIR_T/err")" "1::$want" "$desc"
}
expect "missing file" "$TMPDIR_T/none.conf: cannot open: No such file or directory" \
    -f "$TMPDIR_T/none.conf"
mkdir "$TMPDIR_T/dir.conf"
expect "unreadable file (a directory)" "$TMPDIR_T/dir.conf: cannot read: Is a directory" \
    -f "$TMPDIR_T/dir.conf"
if [ "$(id -u)" != 0 ]; then
	printf '[hunt]\n' >"$TMPDIR_T/mode0.conf"
	chmod 0 "$TMPDIR_T/mode0.conf"
	expect "unreadable file (mode 0)" \
	    "$TMPDIR_T/mode0.conf: cannot open: Permission denied" \
	    -f "$TMPDIR_T/mode0.conf"
else
	echo "ok $((tap_n += 1)) # SKIP unreadable by mode: running as root"
fi

# a line of 8192 bytes is fine, 8193 is too long (the limit is LMH_CONF_LINE_MAX)
cp -r "$confdir/rules.d" "$TMPDIR_T/rules.d"
line=$(awk 'BEGIN { s = "scope_query = "; while (length(s) < 8192) s = s "x"; print s }')
printf '[chronicle]\n%s\n' "$line" >"$TMPDIR_T/line-max.conf"
"$LMHUNTD" -n -f "$TMPDIR_T/line-max.conf" >"$TMPDIR_T/out" 2>&1
is "$?:$(cat "$TMPDIR_T/out")" "0:configuration OK" "a line of 8192 bytes"
printf '[chronicle]\n%sx\n[soar]\ndry_run = maybe\n' "$line" >"$TMPDIR_T/line-long.conf"
expect "a line of 8193 bytes, and the rest of the file still checked" \
    "$TMPDIR_T/line-long.conf:2: line is longer than 8192 bytes
$TMPDIR_T/line-long.conf:4: bad boolean 'maybe' for dry_run (expected true or false, yes or no, on or off)" \
    -f "$TMPDIR_T/line-long.conf"

# a file of 1 MiB is read, one byte more is refused (LMH_CONF_FILE_MAX)
awk 'BEGIN { for (i = 0; i < 16384; i++) printf "#%062d\n", i }' >"$TMPDIR_T/big.conf"
"$LMHUNTD" -n -f "$TMPDIR_T/big.conf" >"$TMPDIR_T/out" 2>&1
is "$?:$(wc -c <"$TMPDIR_T/big.conf" | tr -d ' '):$(cat "$TMPDIR_T/out")" \
    "0:1048576:configuration OK" "a file of 1 MiB"
printf '\n' >>"$TMPDIR_T/big.conf"
expect "a file over 1 MiB" "$TMPDIR_T/big.conf: file is larger than 1048576 bytes" \
    -f "$TMPDIR_T/big.conf"

# 3. -n alone, and a relative config path resolved against its own directory
out=$(cd "$confdir" && "$LMHUNTD" -n -f defaults.in 2>&1)
is "$?:$out" "0:configuration OK" "-n prints configuration OK"
out=$(cd "$TMPDIR_T" && "$LMHUNTD" -n -v -f "$confdir/defaults.in" 2>&1 | normalise)
is "$out" "$(sed '$d' "$confdir/defaults.out")" \
    "relative paths resolve against the config file's directory, not the cwd"

# 4. the printed configuration round-trips: print, parse the print, print again
for f in "$confdir"/defaults.in "$confdir"/all-keys.in "$confdir"/syntax.in \
    "$top_srcdir/etc/lmhuntd.conf"; do
	name=$(basename "$f")
	"$LMHUNTD" -n -v -f "$f" >"$TMPDIR_T/p1.conf" 2>/dev/null
	"$LMHUNTD" -n -v -f "$TMPDIR_T/p1.conf" >"$TMPDIR_T/p2.conf" 2>"$TMPDIR_T/err"
	rc=$?
	cmp -s "$TMPDIR_T/p1.conf" "$TMPDIR_T/p2.conf" && [ $rc -eq 0 ] &&
	    [ -s "$TMPDIR_T/p1.conf" ]
	ok $? "round trip of $name"
done

# 5. the sample configuration parses, and runs --once from the source tree
out=$("$LMHUNTD" -n -f "$top_srcdir/etc/lmhuntd.conf" 2>&1)
is "$?:$out" "0:configuration OK" "etc/lmhuntd.conf parses"
"$LMHUNTD" --once -f "$top_srcdir/etc/lmhuntd.conf" </dev/null >"$TMPDIR_T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ -s "$TMPDIR_T/out" ]
ok $? "lmhuntd --once -f etc/lmhuntd.conf on no events: exit 0 and a report (rc $rc)"

# 6. --version, -h and usage errors
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
out=$("$LMHUNTD" --version 2>&1)
is "$?:$out" "0:lmhuntd $version" "--version prints the package version"
"$LMHUNTD" -h >"$TMPDIR_T/out" 2>"$TMPDIR_T/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$TMPDIR_T/err" ] && head -n 1 "$TMPDIR_T/out" | grep -q '^usage: lmhuntd'
ok $? "-h prints the usage on stdout and exits 0"
missing=
for opt in -d -f -h -n -v --version --print-query --once --source --db \
    --lookback --scope --hypothesis --case-id --json; do
	grep -q -- "$opt" "$TMPDIR_T/out" || missing="$missing $opt"
done
is "$missing" "" "-h names every option"
"$LMHUNTD" --help >"$TMPDIR_T/out2" 2>&1
cmp -s "$TMPDIR_T/out" "$TMPDIR_T/out2"
ok $? "--help is -h"
"$LMHUNTD" --no-such-option >"$TMPDIR_T/out" 2>"$TMPDIR_T/err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$TMPDIR_T/out" ] && grep -q '^usage: lmhuntd' "$TMPDIR_T/err"
ok $? "an unknown option: usage on stderr, exit status 1"
"$LMHUNTD" -n -f "$confdir/defaults.in" extra >"$TMPDIR_T/out" 2>"$TMPDIR_T/err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$TMPDIR_T/out" ] && grep -q '^usage: lmhuntd' "$TMPDIR_T/err"
ok $? "an operand: usage on stderr, exit status 1"
"$LMHUNTD" --once --lookback 3x -f "$confdir/defaults.in" </dev/null >"$TMPDIR_T/out" 2>"$TMPDIR_T/err"
rc=$?
is "$rc:$(cat "$TMPDIR_T/err")" \
    "1:lmhuntd: --lookback: bad duration '3x' (use e.g. 90s, 10m, 72h)" \
    "--lookback with a bad duration: exit status 1"

# 7. logging: structured to the journal when stderr is the journal stream
# systemd gave (JOURNAL_STREAM names its device and inode), plain stderr
# otherwise and always with -d
if grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h"; then
	log=$TMPDIR_T/log
	: >"$log"
	stream=$(stat -c '%d:%i' "$log")
	JOURNAL_STREAM=$stream "$LMHUNTD" --once -f "$top_srcdir/etc/lmhuntd.conf" \
	    --source "$TMPDIR_T/no-such.ndjson" >/dev/null 2>>"$log"
	rc=$?
	[ $rc -eq 4 ] && ! grep -q 'no-such.ndjson' "$log"
	ok $? "stderr is the journal stream: the warning goes to the journal, not stderr (rc $rc)"
	JOURNAL_STREAM=$stream "$LMHUNTD" -d --once -f "$top_srcdir/etc/lmhuntd.conf" \
	    --source "$TMPDIR_T/no-such.ndjson" >/dev/null 2>>"$log"
	grep -q '^lmhuntd: warning: .*no-such.ndjson' "$log"
	ok $? "-d: the warning on stderr with its level word even under the journal stream"
	JOURNAL_STREAM=1:1 "$LMHUNTD" --once -f "$top_srcdir/etc/lmhuntd.conf" \
	    --source "$TMPDIR_T/no-such.ndjson" >/dev/null 2>"$TMPDIR_T/err"
	grep -q '^lmhuntd: warning: .*no-such.ndjson' "$TMPDIR_T/err"
	ok $? "JOURNAL_STREAM naming another file: plain stderr"
else
	ok 0 "# SKIP built --without-systemd (journal)"
	ok 0 "# SKIP built --without-systemd (-d)"
	ok 0 "# SKIP built --without-systemd (other stream)"
fi

done_testing
