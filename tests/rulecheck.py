#!/usr/bin/env python3
"""rulecheck.py - compare rule hits (from tests/rulecheck) with ground truth.

usage: rulecheck.py RULES_DIR DATASET.hits DATASET.truth.json [...]

Each .hits file holds "EVENT_ID RULE_ID ROLE" lines for one dataset; the
truth file is the dataset's <name>.truth.json (labels: malicious,
malicious_other, ambiguous; unlisted ids are background).  Prints a per-rule
table as '#' comments and one "PASS text" / "FAIL text" line per check:

  - every rule of role exec, launch or transfer hits at least one malicious
    event in the datasets whose technique names one of its techniques;
  - no such rule hits any event of otrf_benign_background_* (full set or slice)
    nor a background event of the constructed set (tests/rules);
  - no launch rule hits a malicious_other event of the hard negatives for
    local PsExec and local wmic (the remote-only rules must stay quiet).
Standard library only.
"""
import glob
import json
import os
import re
import sys

FINDING_ROLES = ("exec", "launch", "transfer")
BENIGN_PREFIX = "otrf_benign_background"  # the full set and slices of it
HARDNEG_LAUNCH = ("otrf_local_psexec_lsa_secrets_hardneg",
                  "otrf_wmic_remote_xsl", "sigma_regression_wmic",
                  "rules_constructed")
CONSTRUCTED = "rules_constructed"  # tests/rules: its background is benign too
CATS = ("malicious", "malicious_other", "ambiguous", "background")


def read_rules(rules_dir):
    """Rule id -> (role, [techniques]) from the .rules files, in order."""
    rules = {}
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.rules"))):
        rid = None
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"\[rule\s+(\S+)\]", line)
                if m:
                    rid = m.group(1)
                    rules[rid] = ["exec", []]
                    continue
                m = re.match(r"(role|techniques)\s*=\s*(.*)", line)
                if m and rid:
                    if m.group(1) == "role":
                        rules[rid][0] = m.group(2).strip()
                    else:
                        rules[rid][1] = [t.strip() for t in
                                         m.group(2).split(",") if t.strip()]
    return rules


def main(argv):
    if len(argv) < 4 or (len(argv) - 2) % 2:
        sys.stderr.write(__doc__)
        return 2
    rules = read_rules(argv[1])
    # counts[rule][cat], per dataset too
    counts = {r: dict.fromkeys(CATS, 0) for r in rules}
    mal_hits = {r: 0 for r in rules}
    relevant = {r: False for r in rules}
    failures = []
    benign_seen = False
    datasets = []
    for hits_path, truth_path in zip(argv[2::2], argv[3::2]):
        with open(truth_path, encoding="utf-8") as f:
            truth = json.load(f)
        name = truth.get("dataset") or os.path.basename(
            truth_path).replace(".truth.json", "")
        datasets.append(name)
        labels = {l["id"]: l["category"] for l in truth.get("labels", [])}
        tech = truth.get("technique", "")
        for r, (_, techs) in rules.items():
            if any(t in tech for t in techs):
                relevant[r] = True
        seen = set()
        with open(hits_path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or parts[1] not in rules:
                    continue
                eid, rid, role = parts[0], parts[1], parts[2]
                if (eid, rid) in seen:
                    continue
                seen.add((eid, rid))
                cat = labels.get(eid, "background")
                counts[rid][cat] += 1
                if cat == "malicious":
                    mal_hits[rid] += 1
                if role not in FINDING_ROLES:
                    continue
                if name.startswith(BENIGN_PREFIX) or (name == CONSTRUCTED and
                                      cat == "background"):
                    failures.append((rid, "%s hits %s event %s" %
                                     (rid, name, eid)))
                if role == "launch" and name in HARDNEG_LAUNCH and \
                        cat == "malicious_other":
                    failures.append((rid, "%s hits hard negative %s "
                                     "event %s" % (rid, name, eid)))
        if name.startswith(BENIGN_PREFIX) or name == CONSTRUCTED:
            benign_seen = True

    print("# datasets: %s" % ", ".join(datasets))
    print("# %-34s %-8s %9s %9s %9s %10s" % ("rule", "role", "malicious",
          "mal_other", "ambiguous", "background"))
    for r, (role, _) in rules.items():
        c = counts[r]
        print("# %-34s %-8s %9d %9d %9d %10d" % (r, role, c["malicious"],
              c["malicious_other"], c["ambiguous"], c["background"]))

    for r, (role, techs) in rules.items():
        if role not in FINDING_ROLES:
            continue
        if not relevant[r]:
            print("PASS %s: no dataset names %s # SKIP" %
                  (r, ",".join(techs) or "its techniques"))
            continue
        if mal_hits[r] > 0:
            print("PASS %s hits %d malicious events" % (r, mal_hits[r]))
        else:
            print("FAIL %s hits no malicious event" % r)
        bad = [msg for rid, msg in failures if rid == r]
        if benign_seen or bad:
            if bad:
                print("FAIL %s: %s%s" % (r, bad[0], " (+%d more)" %
                      (len(bad) - 1) if len(bad) > 1 else ""))
            else:
                print("PASS %s hits no benign event and no local "
                      "hard negative" % r)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
