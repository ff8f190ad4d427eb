#!/usr/bin/env python3
"""gen_udm.py - a deterministic mixed stream of UDM events for benchmarks.

Writes N events (NDJSON, one UDM event per line, lowerCamelCase keys as
udmSearch returns them) to stdout: process launches (Sysmon 1), network
connections (Sysmon 3 / 5156), network and interactive logons (4624),
share and pipe access (5145), service installs (7045) and PowerShell
module logs (4103), on a few hundred hosts, in time order, --rate events per second of event time.  Every
--attack-every events it plants a lateral-movement chain: PsExec (SMB
445, network logon, IPC$ svcctl, PSEXESVC installed, PSEXESVC -> cmd),
WMI (RPC 135, network logon, WmiPrvSE -> powershell) or a tool transfer
(ADMIN$ write of an .exe, then the binary started by services.exe).

The same --seed always gives the same bytes (Python 3 stdlib only).
"""

import argparse
import json
import random
import sys
import uuid

BASE_US = 1717200000 * 1000000  # 2024-06-01T00:00:00Z
NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")

PARENTS = [r"C:\Windows\explorer.exe", r"C:\Windows\System32\svchost.exe",
           r"C:\Windows\System32\services.exe", r"C:\Windows\System32\cmd.exe",
           r"C:\Program Files\Google\Chrome\Application\chrome.exe"]
CHILDREN = [
    (r"C:\Windows\System32\svchost.exe", r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule"),
    (r"C:\Windows\System32\conhost.exe", r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1"),
    (r"C:\Program Files\Google\Chrome\Application\chrome.exe",
     r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --field-trial-handle=1234'),
    (r"C:\Windows\System32\taskhostw.exe", r"taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}"),
    (r"C:\Windows\System32\backgroundTaskHost.exe",
     r'"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca'),
    (r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
     r"powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\ProgramData\Agent\inventory.ps1"),
    (r"C:\Windows\System32\cmd.exe", r'cmd.exe /c "ipconfig /all"'),
    (r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
     r'"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" /recycle'),
    (r"C:\Windows\System32\SearchProtocolHost.exe",
     r'"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe1_ Global\UsGthrCtrlFltPipeMssGthrPipe1'),
]
SERVICES = [("Windows Update Medic Service", r"%SystemRoot%\System32\svchost.exe -k wusvcs -p"),
            ("Google Update Service (gupdate)", r'"C:\Program Files (x86)\Google\Update\GoogleUpdate.exe" /svc'),
            ("Microsoft Edge Elevation Service", r'"C:\Program Files (x86)\Microsoft\Edge\Application\elevation_service.exe"')]
PORTS = [443, 443, 443, 80, 53, 389, 88, 445, 135, 3389, 5985, 8080]


class Gen:
    """State of the stream: the random source, the clock and the hosts."""

    def __init__(self, seed, nhosts, rate):
        self.r = random.Random(seed)
        self.gap = max(2, int(2000000 / rate))  # µs; mean gap 1/rate
        self.t = BASE_US
        self.n = 0
        self.hosts = ["WS%04d.corp.example" % i for i in range(1, nhosts + 1)]
        self.hosts += ["SRV%02d.corp.example" % i for i in range(1, 11)]
        self.ips = {h: "10.%d.%d.%d" % (20 + i // 60000, (i // 250) % 240, i % 250 + 1)
                    for i, h in enumerate(self.hosts)}
        self.users = ["user%04d" % i for i in range(1, nhosts + 1)]

    def meta(self, etype, pet, product):
        """The metadata block of the next event (advances the clock)."""
        self.t += self.r.randint(1, self.gap)
        self.n += 1
        sec, us = divmod(self.t, 1000000)
        ts = "%s.%06dZ" % (_fmt(sec), us)
        eid = str(uuid.uuid5(NS, "bench-%d" % self.n))
        return {"id": eid, "eventTimestamp": ts, "eventType": etype,
                "productEventType": pet, "productName": product,
                "vendorName": "Microsoft", "logType": "WINEVTLOG",
                "productLogId": str(100000 + self.n)}

    def host(self):
        """A random host and its IP."""
        h = self.r.choice(self.hosts)
        return h, self.ips[h]

    def process(self, host=None, parent=None, child=None, user=None):
        """A Sysmon 1 process launch."""
        h = host or self.host()[0]
        ppath = parent or self.r.choice(PARENTS)
        cpath, cmd = child or self.r.choice(CHILDREN)
        if parent is None and ppath.endswith("services.exe"):
            # services.exe starts service hosts, nothing else, in the background
            cpath, cmd = CHILDREN[0]
        return {"metadata": self.meta("PROCESS_LAUNCH", "1", "Microsoft-Windows-Sysmon"),
                "principal": {"hostname": h, "process": {
                    "pid": str(self.r.randint(400, 9000)),
                    "file": {"fullPath": ppath}, "commandLine": ppath},
                    "user": {"userid": user or self.r.choice(self.users)}},
                "target": {"process": {"pid": str(self.r.randint(400, 9000)),
                                       "file": {"fullPath": cpath}, "commandLine": cmd}},
                "additional": {"IntegrityLevel": "Medium", "LogonId": "0x%x" % self.r.randint(1, 1 << 30)}}

    def network(self, src=None, dst_ip=None, port=None, path=None):
        """A Sysmon 3 network connection."""
        h, ip = src or self.host()
        port = port or self.r.choice(PORTS)
        if dst_ip is None:
            dst_ip = (self.ips[self.r.choice(self.hosts)] if port in (445, 135, 389, 88)
                      else "52.%d.%d.%d" % (self.r.randint(0, 255), self.r.randint(0, 255),
                                            self.r.randint(1, 254)))
        return {"metadata": self.meta("NETWORK_CONNECTION", "3", "Microsoft-Windows-Sysmon"),
                "principal": {"hostname": h, "ip": [ip], "port": self.r.randint(49152, 65000),
                              "process": {"pid": str(self.r.randint(400, 9000)),
                                          "file": {"fullPath": path or self.r.choice(CHILDREN)[0]}}},
                "target": {"ip": [dst_ip], "port": port},
                "network": {"ipProtocol": "TCP", "direction": "OUTBOUND"}}

    def logon(self, host=None, src=None, user=None, ltype="3"):
        """A 4624 logon on HOST from SRC."""
        h = host or self.host()[0]
        sh, sip = src or self.host()
        user = user or self.r.choice(self.users)
        return {"metadata": self.meta("USER_LOGIN", "4624", "Microsoft-Windows-Security-Auditing"),
                "principal": {"hostname": h, "ip": [self.ips.get(h, "10.0.0.1")]},
                "src": {"hostname": sh.split(".")[0], "ip": [sip]},
                "target": {"user": {"userid": user}},
                "extensions": {"auth": {"mechanism": "NETWORK" if ltype == "3" else "INTERACTIVE"}},
                "additional": {"LogonType": ltype, "LogonProcessName": "NtLmSsp",
                               "AuthenticationPackageName": "NTLM"}}

    def share(self, host=None, src=None, share="\\\\*\\IPC$", path="srvsvc", access="%%4416"):
        """A 5145 share object access."""
        h = host or self.host()[0]
        sh, sip = src or self.host()
        return {"metadata": self.meta("USER_RESOURCE_ACCESS", "5145", "Microsoft-Windows-Security-Auditing"),
                "principal": {"hostname": h, "user": {"userid": self.r.choice(self.users)}},
                "src": {"ip": [sip], "port": self.r.randint(49152, 65000)},
                "target": {"resource": {"name": share}, "file": {"fullPath": path}},
                "additional": {"AccessList": access, "AccessMask": "0x1"}}

    def service(self, host=None, name=None, path=None, user="SYSTEM"):
        """A 7045 service install."""
        h = host or self.host()[0]
        if name is None:
            name, path = self.r.choice(SERVICES)
        return {"metadata": self.meta("SERVICE_CREATION", "7045", "Service Control Manager"),
                "principal": {"hostname": h, "user": {"userid": user}},
                "target": {"application": name, "resource": {"name": name},
                           "process": {"file": {"fullPath": path}}},
                "additional": {"ServiceType": "user mode service", "StartType": "demand start"}}

    def pslog(self, host=None):
        """A 4103 PowerShell module log of an admin script."""
        h = host or self.host()[0]
        return {"metadata": self.meta("STATUS_UPDATE", "4103", "Microsoft-Windows-PowerShell"),
                "principal": {"hostname": h, "user": {"userid": self.r.choice(self.users)}},
                "securityResult": [{"description": "CommandInvocation(Get-Service): \"Get-Service\"\n"
                                    "ParameterBinding(Get-Service): name=\"Name\"; value=\"Spooler\""}]}

    def background(self):
        """One background event, by the mix of a Windows estate."""
        x = self.r.random()
        if x < 0.45:
            return self.process()
        if x < 0.75:
            return self.network()
        if x < 0.85:
            h = self.host()
            return self.logon(src=h, host=self.r.choice(self.hosts[-10:]))
        if x < 0.93:
            return self.share(host=self.r.choice(self.hosts[-10:]))
        if x < 0.95:
            return self.service()
        return self.pslog()

    def attack(self, kind):
        """The events of one planted lateral movement."""
        src = self.host()
        dst = self.r.choice(self.hosts)
        dip = self.ips[dst]
        user = self.r.choice(self.users)
        if kind == 0:  # PsExec
            return [self.network(src, dip, 445, "System"),
                    self.logon(dst, src, user),
                    self.share(dst, src, "\\\\*\\IPC$", "svcctl", "%%4417"),
                    self.service(dst, "PSEXESVC", r"%SystemRoot%\PSEXESVC.exe", user),
                    self.process(dst, r"C:\Windows\PSEXESVC.exe",
                                 (r"C:\Windows\System32\cmd.exe", "cmd.exe /c whoami /all"), user)]
        if kind == 1:  # WMI
            return [self.network(src, dip, 135, r"C:\Windows\System32\svchost.exe"),
                    self.logon(dst, src, user),
                    self.process(dst, r"C:\Windows\System32\wbem\WmiPrvSE.exe",
                                 (r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                                  "powershell.exe -noP -sta -w 1 -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="),
                                 user)]
        name = "".join(self.r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
        return [self.network(src, dip, 445, "System"),
                self.logon(dst, src, user),
                self.share(dst, src, "\\\\*\\ADMIN$", name + ".exe", "%%4417"),
                self.process(dst, r"C:\Windows\System32\services.exe",
                             ("C:\\Windows\\%s.exe" % name, "C:\\Windows\\%s.exe" % name), "SYSTEM")]


def _fmt(sec):
    """RFC 3339 date and time (no fraction) of SEC since the epoch, UTC."""
    days, rem = divmod(sec, 86400)
    # civil from days (Howard Hinnant's algorithm)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y += m <= 2
    return "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, rem // 3600, rem // 60 % 60, rem % 60)


def main():
    """Write the stream."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--events", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hosts", type=int, default=300)
    ap.add_argument("--attack-every", type=int, default=5000)
    ap.add_argument("--rate", type=float, default=3.0,
                    help="mean events per second of event time (3: 200,000 "
                    "events span about 18 hours of a 72-hour hunt)")
    args = ap.parse_args()
    if args.rate <= 0:
        ap.error("--rate must be positive")
    g = Gen(args.seed, args.hosts, args.rate)
    out = sys.stdout
    written = attacks = 0
    while written < args.events:
        if args.attack_every > 0 and written and written % args.attack_every == 0:
            evs = g.attack(attacks % 3)
            attacks += 1
        else:
            evs = [g.background()]
        for ev in evs[:args.events - written]:
            out.write(json.dumps(ev, separators=(",", ":")))
            out.write("\n")
            written += 1
    print("gen_udm: %d events, %d planted attacks, seed %d" % (written, attacks, args.seed),
          file=sys.stderr)


if __name__ == "__main__":
    main()
