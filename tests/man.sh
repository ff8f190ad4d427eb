#!/bin/sh
# man.sh - the manual pages lint clean and stay in step with the code:
# every configuration key, option and exit status is documented.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

man8=$top_srcdir/man/lmhuntd.8
man5=$top_srcdir/man/lmhuntd.conf.5
sample=$top_srcdir/etc/lmhuntd.conf

# mandoc -Tlint -Wwarning on each page
for page in "$man8" "$man5"; do
	name=$(basename "$page")
	if [ -z "${MANDOC:-}" ]; then
		echo "ok $((tap_n += 1)) # SKIP mandoc not found: $name not linted"
		continue
	fi
	out=$("$MANDOC" -Tlint -Wwarning "$page" 2>&1)
	ok $? "mandoc -Tlint -Wwarning $name"
	[ -n "$out" ] && diag "$out"
done

# The keys of config.c's table, "section name" a line (inline-secret
# keys, which are refused, are left out).
keys=$(sed -n 's/^	{ "\([a-z]*\)", "\([a-z_]*\)", CT_\([A-Z]*\),.*/\1 \2 \3/p' \
    "$top_srcdir/daemon/config.c" | awk '$3 != "SECRET" { print $1, $2 }')
nkeys=$(printf '%s\n' "$keys" | grep -c .)
[ "$nkeys" -ge 35 ]
ok $? "the key table of config.c is read ($nkeys keys)"

# in_man5 SECTION KEY: ".It Ic KEY" under ".Ss [SECTION]"
in_man5() {
	awk -v sec="[$1]" -v key="$2" '
	    $1 == ".Ss" { cur = $2 }
	    cur == sec && $1 == ".It" && $2 == "Ic" && $3 == key { found = 1 }
	    END { exit !found }' "$man5"
}

# in_sample SECTION KEY: "KEY =" or "#KEY =" under "[SECTION]"
in_sample() {
	awk -v sec="[$1]" -v key="$2" '
	    /^\[/ { cur = $0 }
	    cur == sec && ($0 ~ "^#?" key " *=") { found = 1 }
	    END { exit !found }' "$sample"
}

missing5= missings=
while read -r sec key; do
	in_man5 "$sec" "$key" || missing5="$missing5 [$sec]$key"
	in_sample "$sec" "$key" || missings="$missings [$sec]$key"
done <<EOF
$keys
EOF
is "$missing5" "" "every key is documented under its section in lmhuntd.conf.5"
is "$missings" "" "every key is shown under its section in etc/lmhuntd.conf"

# the man page documents no key the table does not have
extra=
for k in $(awk '$1 == ".Ss" && $2 ~ /^\[/ { cur = $2 }
    cur != "" && $1 == ".It" && $2 == "Ic" { print substr(cur, 2, length(cur) - 2) "/" $3 }
    $1 == ".Sh" { cur = "" }' "$man5"); do
	printf '%s\n' "$keys" | grep -qx "${k%/*} ${k#*/}" || extra="$extra $k"
done
is "$extra" "" "lmhuntd.conf.5 documents no unknown key"

# the printed configuration names exactly the keys of the table
if "$LMHUNTD" --version >/dev/null 2>&1; then
	"$LMHUNTD" -n -v -f "$sample" >"$TMPDIR_T/print" 2>"$TMPDIR_T/err"
	ok $? "lmhuntd -n -v -f etc/lmhuntd.conf"
	printed=$(awk '/^\[/ { sec = substr($0, 2, length($0) - 2) }
	    /^[a-z_]+ = / { print sec, $1 }' "$TMPDIR_T/print")
	is "$printed" "$keys" "lmhuntd -n -v prints every key of the table, in order"
else
	echo "ok $((tap_n += 1)) # SKIP lmhuntd not built"
	echo "ok $((tap_n += 1)) # SKIP lmhuntd not built"
fi

# every exit status of lmhunt.h is listed under EXIT STATUS, and no other
want=$(sed -n 's/^#define LMH_EXIT_[A-Z_]*[	 ]*\([0-9][0-9]*\).*/\1/p' \
    "$top_srcdir/daemon/lmhunt.h" | sort -n | tr '\n' ' ')
got=$(awk '$1 == ".Sh" { inexit = ($2 == "EXIT" && $3 == "STATUS") }
    inexit && $1 == ".It" { print $2 }' "$man8" | sort -n | tr '\n' ' ')
[ -n "$want" ]
ok $? "exit codes read from lmhunt.h ($want)"
is "$got" "$want" "lmhuntd.8 EXIT STATUS lists every LMH_EXIT_* code"

# every long option of lmhuntd.c is documented, and every short one
missing=
for opt in $(sed -n 's/^	{ "\([a-z-]*\)",.*_argument.*/\1/p' \
    "$top_srcdir/daemon/lmhuntd.c"); do
	esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q "Fl \\\\-$esc" "$man8" || missing="$missing --$opt"
done
shortopts=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' \
    "$top_srcdir/daemon/lmhuntd.c" | tr -d ':')
[ -n "$shortopts" ]
ok $? "short options read from lmhuntd.c ($shortopts)"
for c in $(printf '%s' "$shortopts" | sed 's/./& /g'); do
	grep -q "^\.It Fl $c\( \|$\)" "$man8" || missing="$missing -$c"
done
is "$missing" "" "lmhuntd.8 documents every option of lmhuntd.c"

done_testing
