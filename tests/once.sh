#!/bin/sh
# once.sh - the one-shot hunt end to end over small crafted UDM events:
# exit codes (0 nothing found, 3 findings, 4 input missing, 5 database
# unusable), idempotent re-runs on the same database, bad lines counted
# with their line numbers, stdin and udmSearch response bodies as sources,
# the JSON report, and the report's sections and negative results.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

: "${PYTHON3:=python3}"
conf=$top_srcdir/etc/lmhuntd.conf
T=$TMPDIR_T

if ! "$LMHUNTD" --version >/dev/null 2>&1; then
	echo "1..0 # SKIP $LMHUNTD does not run"
	exit 0
fi

# hunt ARGS...: run the one-shot hunt; stdout in $T/out, stderr in $T/err,
# exit status in $rc.
hunt() {
	"$LMHUNTD" --once -f "$conf" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# has FILE TEXT DESC: pass when FILE contains the fixed string TEXT.
has() {
	if grep -qF -- "$2" "$1"; then ok 0 "$3"; else
		ok 1 "$3"
		diag "no '$2' in $1:"
		sed -n '1,20s/^/#   /p' "$1"
	fi
}

# One benign event: an outbound HTTPS connection.
cat >"$T/benign.ndjson" <<'EOF'
{"metadata":{"id":"b-0001","eventTimestamp":"2020-09-20T06:50:00Z","eventType":"NETWORK_CONNECTION","productEventType":"3"},"principal":{"hostname":"WS5.corp.local","ip":["10.1.1.5"],"port":51000,"process":{"file":{"fullPath":"C:\\Program Files\\Browser\\browser.exe"}}},"target":{"ip":["93.184.216.34"],"port":443},"network":{"direction":"OUTBOUND"}}
EOF

# PsExec from WS5 to WS6: SMB connection, network logon, PSEXESVC service
# installed, then PSEXESVC.exe starting cmd.exe.
cat >"$T/psexec.ndjson" <<'EOF'
{"metadata":{"id":"p-0001","eventTimestamp":"2020-09-20T06:57:40Z","eventType":"NETWORK_CONNECTION","productEventType":"3"},"principal":{"hostname":"WS5.corp.local","ip":["10.1.1.5"],"port":50123},"target":{"hostname":"WS6.corp.local","ip":["10.1.1.6"],"port":445},"network":{"direction":"OUTBOUND"}}
{"metadata":{"id":"p-0002","eventTimestamp":"2020-09-20T06:57:41Z","eventType":"USER_LOGIN","productEventType":"4624"},"principal":{"hostname":"WS6.corp.local","ip":["10.1.1.6"]},"src":{"hostname":"WS5","ip":["10.1.1.5"]},"target":{"user":{"userid":"alice"}},"extensions":{"auth":{"mechanism":"NETWORK"}},"additional":{"LogonType":"3"}}
{"metadata":{"id":"p-0003","eventTimestamp":"2020-09-20T06:57:42Z","eventType":"SERVICE_CREATION","productEventType":"7045"},"principal":{"hostname":"WS6.corp.local","user":{"userid":"alice"}},"target":{"application":"PSEXESVC","resource":{"name":"PSEXESVC"},"process":{"file":{"fullPath":"%SystemRoot%\\PSEXESVC.exe"}}}}
{"metadata":{"id":"p-0004","eventTimestamp":"2020-09-20T06:57:43Z","eventType":"PROCESS_LAUNCH","productEventType":"1"},"principal":{"hostname":"WS6.corp.local","process":{"file":{"fullPath":"C:\\Windows\\PSEXESVC.exe"},"commandLine":"C:\\Windows\\PSEXESVC.exe"},"user":{"userid":"alice"}},"target":{"process":{"file":{"fullPath":"C:\\Windows\\System32\\cmd.exe"},"commandLine":"cmd.exe /c whoami"}}}
EOF

# --- exit codes ---------------------------------------------------------
hunt --source "$T/benign.ndjson"
is "$rc" 0 "nothing found: exit 0"
has "$T/out" "0 findings" "nothing found: the report says 0 findings"

hunt --source "$T/psexec.ndjson"
is "$rc" 3 "PsExec over SMB: exit 3 (findings)"
has "$T/out" "T1569.002" "PsExec over SMB: T1569.002 reported"
has "$T/out" "WS6" "PsExec over SMB: target WS6 named"

hunt --source "$T/does-not-exist.ndjson"
is "$rc" 4 "missing input file: exit 4"
has "$T/err" "does-not-exist.ndjson" "missing input file: named on stderr"

hunt --source "$T/psexec.ndjson" --db "$T/no/such/dir/x.db"
is "$rc" 5 "database in a missing directory: exit 5"
has "$T/err" "$T/no/such/dir/x.db" "unusable database: path named on stderr"

if "$PYTHON3" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=9999"); c.commit()' "$T/newer.db" 2>/dev/null; then
	hunt --source "$T/psexec.ndjson" --db "$T/newer.db"
	is "$rc" 5 "database from a newer schema version: exit 5"
	if [ -s "$T/err" ]; then ok 0 "newer schema: an error message"; else ok 1 "newer schema: an error message"; fi
else
	ok 0 "# SKIP python3 sqlite3 not available (newer schema)"
	ok 0 "# SKIP python3 sqlite3 not available (newer schema message)"
fi

# --- idempotent re-runs -------------------------------------------------
# findings KEY FILE: the findings of a JSON report as sorted one-line keys.
findings() {
	"$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))
for f in sorted(r["findings"], key=lambda f: (f["kind"], f["technique"] or "")):
    print(f["kind"], f["technique"], (f["source"] or {}).get("host"), (f["source"] or {}).get("ip"),
          (f["target"] or {}).get("host"), (f["target"] or {}).get("ip"), f["user"], f["count"],
          sorted(f["evidence"]))
' "$1"
}
# stat KEY FILE: one statistics value of a JSON report.
stat() {
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[2]))["statistics"][sys.argv[1]])' "$1" "$2"
}

hunt --json --source "$T/psexec.ndjson" --db "$T/hunt.db"
is "$rc" 3 "first run on a database: exit 3"
cp "$T/out" "$T/run1.json"
hunt --json --source "$T/psexec.ndjson" --db "$T/hunt.db"
is "$rc" 3 "second run on the same database: exit 3"
cp "$T/out" "$T/run2.json"
is "$(stat events_stored "$T/run1.json")" 4 "first run stores the 4 events"
is "$(stat events_stored "$T/run2.json")" 0 "second run stores nothing new"
is "$(stat duplicates "$T/run2.json")" 4 "second run counts 4 duplicates"
f1=$(findings "$T/run1.json")
f2=$(findings "$T/run2.json")
is "$f2" "$f1" "second run reports the same findings"
if [ -n "$f1" ]; then ok 0 "the findings are not empty"; else ok 1 "the findings are not empty"; fi

# --- bad input ----------------------------------------------------------
{
	sed -n 1p "$T/psexec.ndjson"
	echo 'this is not JSON'
	echo '{"metadata":{"eventTimestamp":"2020-09-20T06:57:40Z","eventType":"PROCESS_LAUNCH"}}'
	sed -n 3p "$T/psexec.ndjson"
	echo '{"metadata":{"id":"bad-ts","eventTimestamp":"yesterday","eventType":"PROCESS_LAUNCH"}}'
	printf '%s' '{"metadata":{"id":"trunc","eventTimestamp":"2020-09-20T06:5'
} >"$T/bad.ndjson"
hunt --source "$T/bad.ndjson"
is "$rc" 3 "bad lines are skipped and the valid events still hunted: exit 3"
has "$T/err" "bad.ndjson:2:" "not JSON: line 2 named"
has "$T/err" "bad.ndjson:3:" "no metadata.id: line 3 named"
has "$T/err" "bad.ndjson:5:" "bad timestamp: line 5 named"
has "$T/err" "bad.ndjson:6:" "truncated last line: line 6 named"
has "$T/out" "bad events skipped:  4" "the report counts 4 bad events"
has "$T/out" "events stored:       2" "the 2 valid events are stored"

# --- sources: stdin and udmSearch response bodies ------------------------
"$LMHUNTD" --once -f "$conf" --source - <"$T/psexec.ndjson" >"$T/out" 2>"$T/err"
is "$?" 3 "--source - reads stdin"
has "$T/out" "events stored:       4" "stdin: 4 events stored"
"$LMHUNTD" --once -f "$conf" <"$T/psexec.ndjson" >"$T/out" 2>"$T/err"
is "$?" 3 "no --source reads stdin"

"$PYTHON3" -c '
import json, sys
evs = [{"udm": json.loads(l)} for l in open(sys.argv[1])]
print(json.dumps({"events": evs, "moreDataAvailable": False}, indent=2))
' "$T/psexec.ndjson" >"$T/response.json"
hunt --source "$T/response.json"
is "$rc" 3 "udmSearch response body: exit 3"
has "$T/out" "events stored:       4" "udmSearch response body: 4 events stored"

# --- scope: only matching events are hunted --------------------------------
hunt --source "$T/psexec.ndjson" --scope 'principal.hostname = "WS5.corp.local"'
is "$rc" 0 "--scope leaving the target out: nothing found, exit 0"
has "$T/out" "out of scope:        3" "--scope: 3 events out of scope counted"
has "$T/out" "scope:       principal.hostname = \"WS5.corp.local\"" "--scope shown in the header"
hunt --source "$T/psexec.ndjson" --scope 'principal.hostname = /^ws6\./ nocase'
is "$rc" 3 "--scope naming the target: exit 3"
hunt --source "$T/psexec.ndjson" --scope 'principal.hostname ='
is "$rc" 1 "--scope that does not parse: exit 1"
has "$T/err" "scope:1:" "--scope error names line and column"

# --- fan-out: one source, PsExec to three targets within minutes ----------
"$PYTHON3" -c '
import json
for i, t in enumerate(("WS6", "WS7", "WS8")):
    ip = "10.1.1.%d" % (6 + i)
    ts = "2020-09-20T07:0%d:%02dZ" % (i, 10)
    def ev(n, etype, pet, **kw):
        e = {"metadata": {"id": "f-%s-%d" % (t, n), "eventTimestamp": ts,
                          "eventType": etype, "productEventType": pet}}
        e.update(kw)
        print(json.dumps(e))
    ev(1, "NETWORK_CONNECTION", "3",
       principal={"hostname": "WS5.corp.local", "ip": ["10.1.1.5"], "port": 50000 + i},
       target={"hostname": t + ".corp.local", "ip": [ip], "port": 445},
       network={"direction": "OUTBOUND"})
    ev(2, "USER_LOGIN", "4624", principal={"hostname": t + ".corp.local", "ip": [ip]},
       src={"hostname": "WS5", "ip": ["10.1.1.5"]}, target={"user": {"userid": "mallory"}},
       extensions={"auth": {"mechanism": "NETWORK"}}, additional={"LogonType": "3"})
    ev(3, "SERVICE_CREATION", "7045",
       principal={"hostname": t + ".corp.local", "user": {"userid": "mallory"}},
       target={"application": "PSEXESVC", "resource": {"name": "PSEXESVC"},
               "process": {"file": {"fullPath": "%SystemRoot%\\PSEXESVC.exe"}}})
' >"$T/fanout.ndjson"
hunt --json --source "$T/fanout.ndjson"
is "$rc" 3 "fan-out to three targets: exit 3"
fan=$("$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))
fo = [f for f in r["findings"] if f.get("fanout")]
roles = {h["host"].split(".")[0].upper(): h["role"] for h in r["affected_hosts"]}
print(len(fo), (fo[0]["source"]["host"] or "").split(".")[0].upper() if fo else "-",
      roles.get("WS5"), roles.get("WS6"), roles.get("WS7"), roles.get("WS8"),
      ",".join(sorted(h.split(".")[0] for h in fo[0].get("fanout_targets", []))) if fo else "-")
' "$T/out")
is "$fan" "1 WS5 source target target target WS6,WS7,WS8" \
    "fan-out: one fan-out finding from WS5 naming WS6-8; WS5 source, WS6-8 targets"

# --- JSON report ----------------------------------------------------------
hunt --json --source "$T/psexec.ndjson" --hypothesis "PsExec from WS5" --case-id 77 --lookback 24h
is "$rc" 3 "--json: exit 3"
"$PYTHON3" -m json.tool "$T/out" >/dev/null 2>&1
ok $? "--json output parses (python3 -m json.tool)"
keys=$("$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))
want = ["hypothesis", "time_frame", "scope", "case_id", "techniques_hunted", "queries",
        "findings", "detected_techniques", "affected_hosts", "negative_results",
        "statistics", "follow_on_actions"]
print(" ".join(k for k in want if k not in r) or "all")
print(r["hypothesis"], r["case_id"], r["time_frame"])
' "$T/out")
is "$keys" "all
PsExec from WS5 77 24h" "--json: every documented key, options echoed"
has "$T/out" '"evidence":["p-' "--json: findings carry evidence event ids"

# bytes that are not UTF-8 in an event still give a document that parses
printf '{"metadata":{"id":"u-1","eventTimestamp":"2020-09-20T06:57:42Z","eventType":"SERVICE_CREATION","productEventType":"7045"},"principal":{"hostname":"WS\3776","user":{"userid":"al\376ice"}},"target":{"application":"PSEXESVC","process":{"file":{"fullPath":"%%SystemRoot%%\\\\PSEXESVC.exe"}}}}\n' >"$T/utf8.ndjson"
hunt --json --source "$T/utf8.ndjson"
is "$rc" 3 "--json with invalid UTF-8 in an event: exit 3"
"$PYTHON3" -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$T/out" 2>/dev/null
ok $? "--json with invalid UTF-8 in an event is valid UTF-8 JSON"

hunt --json --source "$T/benign.ndjson"
is "$rc" 0 "--json with nothing found: exit 0"
"$PYTHON3" -m json.tool "$T/out" >/dev/null 2>&1
ok $? "--json with nothing found parses"

# --- text report: sections and negative results ---------------------------
hunt --source "$T/psexec.ndjson" --hypothesis "PsExec from WS5" --case-id 77
for s in "TECHNIQUES HUNTED" QUERIES FINDINGS DETECTED_TECHNIQUES AFFECTED_HOSTS \
    "NEGATIVE RESULTS" STATISTICS "FOLLOW-ON ACTIONS"; do
	if grep -qx "$s" "$T/out"; then ok 0 "report section $s"; else ok 1 "report section $s"; fi
done
has "$T/out" "hypothesis:  PsExec from WS5" "hypothesis in the header"
has "$T/out" "case:        77" "case id in the header"
has "$T/out" "data seen:   2020-09-20T06:57:40.000000Z .. 2020-09-20T06:57:43.000000Z" \
    "data range seen in the header"
has "$T/out" "no T1047 (Windows Management Instrumentation) found" \
    "negative result: no WMI technique found"
has "$T/out" "no T1570 (Lateral Tool Transfer) found" \
    "negative result: no lateral tool transfer found"
has "$T/out" "process-tree analysis on WS6" "follow-on: process tree on the target"

hunt --source "$T/benign.ndjson"
n=$(sed -n '/^NEGATIVE RESULTS/,/^STATISTICS/p' "$T/out" | grep -c '^  - no ')
if [ "$n" -ge 4 ]; then ok 0 "nothing found: a negative result per technique and rule ($n)"; else
	ok 1 "nothing found: a negative result per technique and rule ($n)"; fi

# --- process lineage ------------------------------------------------------
# 4688 events without the parent's image (older Windows): the shell's
# parent pid 2792 is the WmiPrvSE.exe launched just before on that host.
# The child comes first in the file: the order within a batch is free.
cat >"$T/lineage.ndjson" <<'EOF'
{"metadata":{"id":"l-0002","eventTimestamp":"2019-03-18T22:15:49.676Z","eventType":"PROCESS_LAUNCH","productEventType":"4688"},"principal":{"hostname":"SRV1.corp.local","process":{"pid":"2792"}},"target":{"process":{"pid":"1060","parentPid":"2792","file":{"fullPath":"C:\\Windows\\System32\\cmd.exe"}}}}
{"metadata":{"id":"l-0001","eventTimestamp":"2019-03-18T22:15:49.645Z","eventType":"PROCESS_LAUNCH","productEventType":"4688"},"principal":{"hostname":"SRV1.corp.local","process":{"pid":"584"}},"target":{"process":{"pid":"2792","parentPid":"584","file":{"fullPath":"C:\\Windows\\System32\\wbem\\WmiPrvSE.exe"}}}}
EOF
hunt --json --source "$T/lineage.ndjson"
is "$rc" 3 "lineage: WmiPrvSE child known only by parent pid is found: exit 3"
is "$(stat parents_inferred "$T/out")" 1 "lineage: one parent image inferred"
has "$T/out" "wmiprvse-shell-child" "lineage: the WmiPrvSE shell rule fires"
sed -n 2p "$T/lineage.ndjson" | sed 's/"2792"/"2793"/g' >"$T/lineage-other.ndjson"
sed -n 1p "$T/lineage.ndjson" >>"$T/lineage-other.ndjson"
hunt --json --source "$T/lineage-other.ndjson"
is "$(stat parents_inferred "$T/out")" 0 "lineage: another pid gives no parent"

# --- the bundled data (the README's main job) ------------------------------
set --
for f in "$top_srcdir"/tests/data/*.ndjson; do set -- "$@" --source "$f"; done
hunt "$@"
is "$rc" 3 "the hunt over the bundled data finds something: exit 3"
has "$T/out" "AFFECTED_HOSTS" "the hunt over the bundled data prints the report"

done_testing
