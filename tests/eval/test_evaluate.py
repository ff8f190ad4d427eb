#!/usr/bin/env python3
"""test_evaluate.py - unit tests of evaluate.py's scoring (stdlib unittest).

Run by tests/eval.sh; on its own: python3 tests/eval/test_evaluate.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as E  # noqa: E402


class ExpectedSides(unittest.TestCase):
    """Source and target read from scenario texts."""

    def test_arrow_with_ips(self):
        src, tgt = E.expected_sides(
            "Metasploit psexec: 10.0.2.19 -> IEWIN7 (10.0.2.18); service 'hello', "
            "services.exe -> cmd.exe", set())
        self.assertEqual(src, (set(), {"10.0.2.19"}))
        self.assertEqual(tgt, ({"iewin7"}, {"10.0.2.18"}))

    def test_host_and_ip_left_domain_dropped(self):
        src, tgt = E.expected_sides(
            "PsExec -r blabla: NLLT108334 / 10.0.2.16 (user IEUser) -> PC01.example.corp; 5145",
            set())
        self.assertEqual(src, ({"nllt108334"}, {"10.0.2.16"}))
        self.assertEqual(tgt, ({"pc01"}, set()))

    def test_process_chain_is_not_a_host_arrow(self):
        src, tgt = E.expected_sides(
            "WMI handler poisoning on MSEDGEWIN10: WmiPrvSE -> rundll32/cmd/explorer -> cmd",
            {"MSEDGEWIN10"})
        self.assertIsNone(src)
        self.assertEqual(tgt, ({"msedgewin10"}, set()))

    def test_arrow_in_parentheses_and_from_to(self):
        src, tgt = E.expected_sides(
            "wmic /node from PC01 (user01 -> administrator) to WIN-77LTAPHIQ1R: 4688",
            {"PC01.example.corp"})
        self.assertEqual(src, ({"pc01"}, set()))
        self.assertEqual(tgt, ({"win-77ltaphiq1r"}, set()))

    def test_from_ip_without_arrow(self):
        src, tgt = E.expected_sides(
            "Matching target side WIN-77: 4624 type 3 from 10.0.2.17, svchost -> WmiPrvSE.exe",
            {"WIN-77.example.corp"})
        self.assertEqual(src, (set(), {"10.0.2.17"}))
        self.assertEqual(tgt, ({"win-77"}, set()))

    def test_source_side_scenario(self):
        src, tgt = E.expected_sides("One Sysmon 1 event per file", {"swachchhanda"},
                                    "T1047 source side (wmic /node: ...)")
        self.assertEqual(src, ({"swachchhanda"}, set()))
        self.assertIsNone(tgt)


def finding(fid, evidence, src=None, tgt=None, local=False, fanout=False):
    """A finding as lmhuntd --json writes it."""
    return {"id": fid, "kind": "k", "technique": "T1047", "evidence": evidence,
            "source": src or {"ip": None, "host": None},
            "target": tgt or {"ip": None, "host": None},
            "local": local, "fanout": fanout}


class Score(unittest.TestCase):
    """Recall, false positives, local findings and sides."""

    truth = {"scenarios": ["WS5 172.18.39.5 -> WS6 172.18.39.6 at noon", "second scenario"],
             "technique": ""}
    labels = {
        "m1": {"id": "m1", "category": "malicious", "scenario": 0, "hostname": "WS6.corp"},
        "m2": {"id": "m2", "category": "malicious", "scenario": 1, "hostname": "WS7.corp"},
        "o1": {"id": "o1", "category": "malicious_other", "hostname": "WS6.corp"},
        "a1": {"id": "a1", "category": "ambiguous", "hostname": "WS6.corp"},
    }

    def score(self, findings):
        """Score FINDINGS against the fixture truth."""
        return E.score_dataset({"findings": findings}, self.truth, self.labels, False)

    def test_detection_and_sides(self):
        r = self.score([finding(1, ["m1", "bg"], {"ip": "172.18.39.5", "host": None},
                                {"ip": None, "host": "ws6.corp.example"})])
        self.assertEqual((r["scenarios"], r["detected"], r["fp"]), (2, 1, 0))
        self.assertEqual((r["src_ok"], r["src_checked"], r["tgt_ok"], r["tgt_checked"]),
                         (1, 1, 1, 1))
        self.assertEqual(r["missed"], [1])

    def test_wrong_or_unknown_source(self):
        r = self.score([finding(1, ["m1"], {"ip": "10.9.9.9", "host": "WS9"},
                                {"ip": "172.18.39.6", "host": None}),
                        finding(2, ["m1"])])
        self.assertEqual((r["src_ok"], r["src_checked"]), (0, 2))
        self.assertEqual((r["tgt_ok"], r["tgt_checked"]), (1, 2))

    def test_false_positives_and_local(self):
        r = self.score([finding(1, ["o1", "bg"]), finding(2, ["bg"]),
                        finding(3, ["o1"], local=True), finding(4, ["a1"]),
                        finding(5, [])])
        self.assertEqual(r["fp"], 3)       # 1, 2 and 5 (no evidence at all)
        self.assertEqual(r["local"], 1)    # 3: classified local, not a FP
        self.assertEqual(r["detected"], 0)  # 4: ambiguous evidence scores nothing

    def test_fanout_target_not_checked(self):
        r = self.score([finding(1, ["m1"], {"ip": "172.18.39.5", "host": None},
                                None, fanout=True)])
        self.assertEqual((r["src_ok"], r["tgt_checked"]), (1, 0))

    def test_hard_negative(self):
        r = E.score_dataset({"findings": []}, {"scenarios": ["x"]},
                            {"o1": self.labels["o1"]}, False)
        self.assertTrue(r["hard_negative"])
        self.assertEqual(r["scenarios"], 0)


if __name__ == "__main__":
    unittest.main()
