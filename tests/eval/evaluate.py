#!/usr/bin/env python3
"""evaluate.py - score lmhuntd's one-shot hunt against labelled datasets.

For every NAME.ndjson in the directories given (tests/data by default) that
has a NAME.truth.json sidecar, run

    lmhuntd --once --json -f CONF --source NAME.ndjson

and compare the findings with the ground truth:

  * scenarios detected / present: a scenario is present when at least one
    `malicious` label carries its index; it is detected when some finding's
    evidence holds one of those events;
  * false positives: findings whose evidence holds only background (not
    labelled) or `malicious_other` events (`ambiguous` evidence is scored
    neither way, so a finding with ambiguous evidence is not counted).  A
    run the daemon itself classifies as local execution (PsExec -s on one
    host) is not a finding at all: the report lists it apart, under
    "local_execution", and it is counted here as "local" (the datasets'
    README asks a precise detector to "stay quiet or classify it
    differently"); it never trips a case;
  * source and target: for each finding with malicious evidence, the
    scenario it mostly points at (most evidence events) gives the expected
    hosts (see expected_sides), and the finding's source and target are
    checked against them when the truth names them.

Python 3 standard library only.  Exit status: 0, or 1 when a check asked
for on the command line fails (--min-recall, --no-fp), 2 on a usage or
run error.
"""

import argparse
import json
import os
import re
import subprocess
import sys

IP_RE = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*$")
# words that look like host names but name programs or Windows parts
NOT_HOSTS = {"rundll32", "system32", "syswow64", "win32", "wow64", "x64",
             "x86", "ntlmv2", "sha256", "base64"}
EXE_RE = re.compile(r"\.(exe|dll|bat|ps1|xml|xsl|sys|tmp)$", re.I)


def short_host(name):
    """Host name without domain suffix, lower case."""
    return name.strip().lower().split(".")[0] if name else ""


def strip_parens(text):
    """Text with every (...) group removed (nested groups too)."""
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r"\([^()]*\)", " ", text)
    return text


def host_tokens(text):
    """Host names and IPs named in a piece of scenario text.

    Returns (hosts, ips): hosts are short, lower-case names of tokens that
    look like Windows host names (letters with digits, e.g. IEWIN7,
    WORKSTATION6, PC01.example.corp, LAPTOP-JU4M3I0E); IPs are taken from
    the text with its parentheses ("IEWIN7 (10.0.2.18)").
    """
    ips = set(IP_RE.findall(text))
    hosts = set()
    for tok in strip_parens(text).replace("/", " ").split():
        tok = tok.strip(",;:'\"\\")
        if not tok or IP_RE.fullmatch(tok) or not HOST_RE.match(tok):
            continue
        has_digit = any(c.isdigit() for c in tok)
        has_alpha = any(c.isalpha() for c in tok)
        if has_digit and has_alpha and not EXE_RE.search(tok) and \
                short_host(tok) not in NOT_HOSTS:
            hosts.add(short_host(tok))
    return hosts, ips


def cut_left(text):
    """The clause just before an arrow: after the last ':', ';', ' on ', ' from '."""
    cut = 0
    for d in (":", ";", " on ", " from ", ". "):
        i = text.rfind(d)
        if i >= 0 and i + len(d) > cut:
            cut = i + len(d)
    return text[cut:]


def cut_right(text):
    """The clause just after an arrow: up to ':', ';', ',', ' at ', '. '."""
    end = len(text)
    for d in (":", ";", ",", " at ", ". "):
        i = text.find(d)
        if 0 <= i < end:
            end = i
    return text[:end]


def arrow_sides(text):
    """(left, right) clause texts of a scenario's 'A -> B', or None.

    Arrows inside parentheses ("(user01 -> administrator)") and arrows
    with no host or IP on both sides (process chains) are ignored; 'from A
    to B' is used when there is no such arrow.
    """
    flat = re.sub(r"\([^()]*\)", lambda m: "\0" * len(m.group(0)), text)
    for m in re.finditer("->", flat):
        i = m.start()
        left, right = cut_left(text[:i]), cut_right(text[i + 2:])
        # process chains ("services.exe -> cmd.exe") name no host
        if any(host_tokens(right)) and any(host_tokens(left)):
            return left, right
    m = re.search(r"\bfrom\s+(\S+)\s+to\s+(\S+)", strip_parens(text))
    if m:
        return m.group(1), m.group(2)
    return None


def expected_sides(text, label_hosts, technique=""):
    """Expected (source, target) of a scenario, each a (hosts, ips) pair.

    Source: the hosts/IPs left of the scenario's "A -> B" (or 'from A to
    B', or a bare 'from <IP>'); None when the text names no source.
    Target: the hosts/IPs right of the arrow; without an arrow, the
    reporting hosts of the scenario's malicious events (they are logged on
    the target) minus the source hosts.  When the scenario (or the
    dataset's technique line) says it shows the "source side" and names
    no arrow, the reporting hosts are the source and the target is not
    known.  None when nothing is known.
    """
    src = tgt = None
    hosts = {short_host(h) for h in label_hosts if h}
    sides = arrow_sides(text)
    if sides is not None:
        s_hosts, s_ips = host_tokens(sides[0])
        t_hosts, t_ips = host_tokens(sides[1])
        if s_hosts or s_ips:
            src = (s_hosts, s_ips)
        if t_hosts or t_ips:
            tgt = (t_hosts, t_ips)
    elif re.search(r"source[ -]side", text + " " + technique, re.I):
        return ((hosts, set()) if hosts else None), None
    else:
        m = re.search(r"\bfrom\s+((?:\d{1,3}\.){3}\d{1,3})\b", text)
        if m:
            src = (set(), {m.group(1)})
    if tgt is None:
        if src is not None:
            hosts -= src[0]
        if hosts:
            tgt = (hosts, set())
    return src, tgt


def side_matches(side, expected):
    """Does a finding side {"ip":..,"host":..} name an expected host or IP?"""
    if not side:
        return False
    host = short_host(side.get("host") or "")
    ip = side.get("ip") or ""
    return (host != "" and host in expected[0]) or (ip != "" and ip in expected[1])


def load_truth(path):
    """Ground truth: (labels by id, scenario texts, hard-negative flag)."""
    with open(path, encoding="utf-8") as fp:
        truth = json.load(fp)
    labels = {lab["id"]: lab for lab in truth.get("labels", [])}
    return truth, labels


def run_hunt(lmhuntd, conf, source):
    """Run the one-shot hunt over SOURCE; (exit code, report or None, stderr)."""
    cmd = [lmhuntd, "--once", "--json", "-f", conf, "--source", source]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    report = None
    if proc.returncode in (0, 3):
        try:
            report = json.loads(proc.stdout.decode("utf-8", "replace"))
        except ValueError as exc:
            return proc.returncode, None, "report is not JSON: %s" % exc
    return proc.returncode, report, proc.stderr.decode("utf-8", "replace")


def score_dataset(report, truth, labels, verbose):
    """Score one report against its truth; returns a dict of counts."""
    scen_text = truth.get("scenarios", [])
    present = {}
    for lab in labels.values():
        if lab["category"] == "malicious" and lab.get("scenario") is not None:
            present.setdefault(lab["scenario"], set()).add(lab.get("hostname") or "")
    detected = set()
    res = {"scenarios": len(present), "detected": 0, "findings": 0, "fp": 0, "local": 0,
           "src_ok": 0, "src_checked": 0, "tgt_ok": 0, "tgt_checked": 0,
           "hard_negative": not present, "missed": [], "details": []}
    for f in report.get("local_execution", []):
        res["local"] += 1
        res["details"].append("local execution %s %s %s (not a finding)" % (
            f.get("id"), f.get("kind"), f.get("technique")))
    for f in report.get("findings", []):
        res["findings"] += 1
        ev = f.get("evidence", [])
        cats = [labels[i]["category"] if i in labels else "background" for i in ev]
        scen_votes = {}
        for i in ev:
            lab = labels.get(i)
            if lab and lab["category"] == "malicious" and lab.get("scenario") is not None:
                scen_votes[lab["scenario"]] = scen_votes.get(lab["scenario"], 0) + 1
        detected.update(scen_votes)
        line = "finding %s %s %s: " % (f.get("id"), f.get("kind"), f.get("technique"))
        if "malicious" not in cats and "ambiguous" not in cats and f.get("local"):
            res["local"] += 1
            res["details"].append(line + "classified local (evidence: %s)" %
                                  ", ".join(sorted(set(cats)) or ["none"]))
            continue
        if "malicious" not in cats and "ambiguous" not in cats:
            res["fp"] += 1
            res["details"].append(line + "FALSE POSITIVE (evidence: %s)" %
                                  ", ".join(sorted(set(cats)) or ["none"]))
            continue
        if not scen_votes:
            res["details"].append(line + "ambiguous evidence only (not scored)")
            continue
        scen = max(sorted(scen_votes), key=lambda s: scen_votes[s])
        text = scen_text[scen] if scen < len(scen_text) else ""
        src, tgt = expected_sides(text, present.get(scen, set()),
                                  truth.get("technique", ""))
        verdict = ["scenario %d" % scen]
        if src is not None:
            res["src_checked"] += 1
            if side_matches(f.get("source"), src):
                res["src_ok"] += 1
                verdict.append("source ok")
            else:
                verdict.append("source WRONG (%s, want %s)" % (
                    json.dumps(f.get("source")), sorted(src[0] | src[1])))
        if tgt is not None and not f.get("fanout"):
            res["tgt_checked"] += 1
            if side_matches(f.get("target"), tgt):
                res["tgt_ok"] += 1
                verdict.append("target ok")
            else:
                verdict.append("target WRONG (%s, want %s)" % (
                    json.dumps(f.get("target")), sorted(tgt[0] | tgt[1])))
        res["details"].append(line + ", ".join(verdict))
    res["detected"] = len(detected & set(present))
    res["missed"] = sorted(set(present) - detected)
    if verbose:
        for scen in res["missed"]:
            text = scen_text[scen] if scen < len(scen_text) else "?"
            res["details"].append("MISSED scenario %d: %s" % (scen, text[:100]))
    return res


def frac(ok, total):
    """'ok/total' text."""
    return "%d/%d" % (ok, total)


def main():
    """Evaluate every dataset in the directories given."""
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="*", default=[os.path.join(top, "tests", "data")])
    ap.add_argument("--lmhuntd", default=os.environ.get("LMHUNTD", "lmhuntd"))
    ap.add_argument("--conf", default=os.path.join(top, "etc", "lmhuntd.conf"))
    ap.add_argument("--summary", help="write the results as JSON to this file")
    ap.add_argument("--min-recall", type=float,
                    help="fail when total recall is below this (0..1)")
    ap.add_argument("--no-fp", action="append", default=[],
                    help="fail on a false positive in datasets whose name contains "
                    "this; 'hard-negatives' = datasets without malicious labels")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print the verdict on every finding")
    args = ap.parse_args()

    files = []
    for d in args.dirs:
        if not os.path.isdir(d):
            print("evaluate.py: %s: not a directory" % d, file=sys.stderr)
            return 2
        for name in sorted(os.listdir(d)):
            if name.endswith(".ndjson"):
                files.append(os.path.join(d, name))
    rows = []
    failed = []
    for path in files:
        name = os.path.basename(path)[:-len(".ndjson")]
        tpath = path[:-len(".ndjson")] + ".truth.json"
        if not os.path.exists(tpath):
            print("# %s: no truth sidecar, skipped" % name)
            continue
        truth, labels = load_truth(tpath)
        rc, report, err = run_hunt(args.lmhuntd, args.conf, path)
        if report is None:
            print("evaluate.py: %s: lmhuntd exited %d: %s" % (name, rc, err.strip()[-500:]),
                  file=sys.stderr)
            failed.append("%s: lmhuntd exited %d" % (name, rc))
            continue
        res = score_dataset(report, truth, labels, args.verbose)
        res["name"] = name
        res["exit"] = rc
        res["events"] = report.get("statistics", {}).get("events_stored", 0)
        rows.append(res)
        if args.verbose:
            for line in res["details"]:
                print("# %s: %s" % (name, line))

    hdr = "%-40s %7s %9s %8s %4s %5s %9s %9s" % (
        "dataset", "events", "scenarios", "findings", "FP", "local", "source", "target")
    print(hdr)
    print("-" * len(hdr))
    tot = {k: 0 for k in ("events", "scenarios", "detected", "findings", "fp", "local",
                          "src_ok", "src_checked", "tgt_ok", "tgt_checked")}
    for r in rows:
        print("%-40s %7d %9s %8d %4d %5d %9s %9s%s" % (
            r["name"][:40], r["events"], frac(r["detected"], r["scenarios"]),
            r["findings"], r["fp"], r["local"], frac(r["src_ok"], r["src_checked"]),
            frac(r["tgt_ok"], r["tgt_checked"]),
            "  (hard negative)" if r["hard_negative"] else ""))
        for k in tot:
            tot[k] += r[k]
    print("-" * len(hdr))
    print("%-40s %7d %9s %8d %4d %5d %9s %9s" % (
        "TOTAL", tot["events"], frac(tot["detected"], tot["scenarios"]),
        tot["findings"], tot["fp"], tot["local"], frac(tot["src_ok"], tot["src_checked"]),
        frac(tot["tgt_ok"], tot["tgt_checked"])))
    recall = tot["detected"] / tot["scenarios"] if tot["scenarios"] else 1.0
    print("recall %.3f (%d/%d scenarios), %d false-positive finding(s)" % (
        recall, tot["detected"], tot["scenarios"], tot["fp"]))

    if args.min_recall is not None and recall + 1e-9 < args.min_recall:
        failed.append("recall %.3f below the floor %.3f" % (recall, args.min_recall))
    for pat in args.no_fp:
        for r in rows:
            hit = r["hard_negative"] if pat == "hard-negatives" else pat in r["name"]
            if hit and r["fp"] > 0:
                failed.append("%s: %d false-positive finding(s)" % (r["name"], r["fp"]))
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as fp:
            json.dump({"datasets": [{k: v for k, v in r.items() if k != "details"}
                                    for r in rows],
                       "total": dict(tot, recall=recall), "failed": failed}, fp, indent=1)
    for msg in failed:
        print("FAIL: %s" % msg)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
