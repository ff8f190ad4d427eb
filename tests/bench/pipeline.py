#!/usr/bin/env python3
"""pipeline.py - the one-shot hunt's ingest path in Python 3 (stdlib only).

The baseline the C pipeline is measured against in bench_once.sh: read
NDJSON UDM events, decode the same flat fields as udm.c (json), store them
in SQLite with the same table, unique key and transaction size as
store.c (sqlite3: WAL, synchronous=NORMAL, INSERT OR IGNORE in batches
of --batch events), match every newly stored event against a port of the
default rule pack's main rules (the same regular expressions, case-
insensitive where the pack says nocase, with the same event-type gate),
and record every hit in a hits table as correlation does.  It prints the
events read, stored, duplicates, bad lines, rule hits per rule and the
events per second.

usage: pipeline.py [--db PATH] [--batch N] [--lists DIR] FILE.ndjson|-
"""

import argparse
import json
import os
import re
import sqlite3
import sys
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL,
    event_type TEXT, product_event_type TEXT, product_name TEXT,
    host TEXT COLLATE NOCASE, target_host TEXT COLLATE NOCASE,
    src_host TEXT COLLATE NOCASE, principal_ip TEXT, target_ip TEXT,
    src_ip TEXT, principal_port INTEGER, target_port INTEGER,
    src_port INTEGER, parent_path TEXT, parent_cmdline TEXT, path TEXT,
    cmdline TEXT, user TEXT, target_user TEXT, service TEXT,
    resource TEXT, file_path TEXT, logon_type TEXT, direction TEXT,
    raw TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS events_ts_id ON events (ts, id);
CREATE TABLE IF NOT EXISTS hits (
    id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, ts INTEGER NOT NULL,
    rule TEXT NOT NULL, target_key TEXT, source_ip TEXT);
CREATE INDEX IF NOT EXISTS hits_target ON hits (target_key, ts);
"""

COLUMNS = ("id", "ts", "event_type", "product_event_type", "product_name",
           "host", "target_host", "src_host", "principal_ip", "target_ip",
           "src_ip", "principal_port", "target_port", "src_port",
           "parent_path", "parent_cmdline", "path", "cmdline", "user",
           "target_user", "service", "resource", "file_path", "logon_type",
           "direction", "raw")
INSERT = "INSERT OR IGNORE INTO events (%s) VALUES (%s)" % (
    ", ".join(COLUMNS), ", ".join("?" * len(COLUMNS)))

TS_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$")


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_ts(s):
    """RFC 3339 text to UTC microseconds, or None."""
    m = TS_RE.match(s) if isinstance(s, str) else None
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    us = ((days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss) * 1000000
          + int(frac or 0))
    tz = m.group(8)
    if tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        us -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60) * 1000000
    return us


def get(obj, *path):
    """obj[path[0]][path[1]]... or None."""
    for k in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def sval(v):
    """A string field, or None when absent or not a string."""
    return v if isinstance(v, str) else None


def ips(side):
    """The IPs of a side as one text (first LMH_IPS_MAX = 8)."""
    v = get(side, "ip")
    if isinstance(v, list):
        return ",".join(x for x in v[:8] if isinstance(x, str)) or None
    return sval(v)


def port(side):
    """The port of a side, or None."""
    v = get(side, "port")
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return None


def decode(line):
    """One NDJSON line to the flat event dict, or (None, reason)."""
    try:
        doc = json.loads(line)
    except ValueError:
        return None, "not JSON"
    if not isinstance(doc, dict):
        return None, "not a JSON object"
    udm = doc.get("udm", doc)
    if not isinstance(udm, dict):
        return None, "udm: not an object"
    md = udm.get("metadata")
    eid = sval(get(md, "id"))
    if not eid:
        return None, "no metadata.id"
    ts = parse_ts(get(md, "eventTimestamp"))
    if ts is None:
        return None, "metadata.eventTimestamp: not RFC 3339"
    p, t, s = udm.get("principal") or {}, udm.get("target") or {}, udm.get("src") or {}
    sr = udm.get("securityResult")
    desc = None
    if isinstance(sr, list) and sr and isinstance(sr[0], dict):
        desc = sval(sr[0].get("description"))
    ev = {
        "id": eid, "ts": ts,
        "event_type": sval(get(md, "eventType")),
        "product_event_type": sval(get(md, "productEventType")),
        "product_name": sval(get(md, "productName")),
        "host": sval(get(p, "hostname")) or sval(get(p, "asset", "hostname")),
        "target_host": sval(get(t, "hostname")) or sval(get(t, "asset", "hostname")),
        "src_host": sval(get(s, "hostname")),
        "principal_ip": ips(p), "target_ip": ips(t), "src_ip": ips(s),
        "principal_port": port(p), "target_port": port(t), "src_port": port(s),
        "parent_path": sval(get(p, "process", "file", "fullPath")),
        "parent_cmdline": sval(get(p, "process", "commandLine")),
        "path": sval(get(t, "process", "file", "fullPath")),
        "cmdline": sval(get(t, "process", "commandLine")),
        "user": sval(get(p, "user", "userid")),
        "target_user": sval(get(t, "user", "userid")),
        "service": sval(get(t, "application")),
        "resource": sval(get(t, "resource", "name")),
        "file_path": sval(get(t, "file", "fullPath")),
        "logon_type": sval(get(udm, "extensions", "auth", "mechanism")),
        "direction": sval(get(udm, "network", "direction")),
        "raw": line,
        # fields only the rules read (not stored as columns)
        "_pid": sval(get(p, "process", "pid")),
        "_names": [x for x in (get(t, "process", "file", "names") or [])
                   if isinstance(x, str)] if isinstance(get(t, "process", "file", "names"), list) else [],
        "_desc": desc,
        "_logontype": sval(get(udm, "additional", "LogonType")),
        "_access": sval(get(udm, "additional", "AccessList")),
        "_mask": sval(get(udm, "additional", "AccessMask")),
        "_regkey": sval(get(t, "registry", "registryKey")),
        "_regval": sval(get(t, "registry", "registryValueData")),
    }
    return ev, None


def load_list(path):
    """A list file: one value a line, // comments, \\\\ for a backslash."""
    items = set()
    try:
        with open(path, encoding="utf-8") as fp:
            for line in fp:
                line = line.strip()
                if not line or line.startswith("//") or line.startswith("#"):
                    continue
                items.add(line.replace("\\\\", "\\").lower())
    except OSError:
        pass
    return items


def rx(pattern, nocase=True):
    """Compile a rule regex (the pack's syntax is the Python subset)."""
    return re.compile(pattern, re.I if nocase else 0).search


# the regular expressions of the default rule pack (etc/rules.d)
SHELLY = rx(r'%+comspec%+|\bcmd(\.exe)?"?\s+\/[a-z]|powershell|pwsh|mshta|rundll32|regsvr32|wscript|cscript|\\\\127\.0\.0\.1\\|\\\\localhost\\|admin\$|\\__output|\.bat\s*&\s*del\b|\bstart\s+\/b\b')
PIPE_ECHO = rx(r'echo\s.*>\s*\\\\\.\\pipe\\')
PSX_NAME = rx(r'psexesvc|paexec|remcom|csexecsvc|winexesvc|btobto')
PSX_BIN = rx(r'(^|[\\"%])(psexesvc|paexec[^\\]*|remcomsvc|csexecsvc|winexesvc)\.exe')
RAND8 = rx(r'^"?(%+systemroot%+|%+windir%+|c:\\windows)\\[a-z]{8}\.exe"?$')
UPPER20 = rx(r'^[A-Z]{20}$', False)
MIXED16 = rx(r'^[A-Za-z]{16}$', False)
MIXED16B = rx(r'[a-z][A-Z].*[a-z][A-Z].*[a-z][A-Z]', False)
NOT_RAND = rx(r'\\(explorer|helppane|psexesvc)\.exe"?$')
EXE = rx(r'\.exe"?(\s|$)')
PROGFILES = rx(r'^"?(c:\\program files( \(x86\))?\\|%+programfiles)')
SVCHOST_K = rx(r'\\svchost\.exe"?\s+-k\s')
DEFENDER = rx(r'^"?c:\\programdata\\microsoft\\windows defender\\')
DRIVERSTORE = rx(r'\\system32\\driverstore\\filerepository\\')
AZURE = rx(r'^"?c:\\(windowsazure|packages\\plugins)\\')
BARE_SHELL = rx(r'^"?([a-z]:\\windows\\system32\\|%+systemroot%+\\system32\\)?(cmd|powershell|pwsh)(\.exe)?"?$')
SERVICES_EXE = rx(r'\\services\.exe$')
ANY = rx(r'.')
PROGFILES2 = rx(r'^c:\\program files( \(x86\))?\\')
DEFENDER2 = rx(r'^c:\\programdata\\microsoft\\windows defender\\platform\\[^\\]+\\[a-z]+\.exe$')
PSX_PROC = rx(r'\\(psexesvc|remcomsvc|csexecsvc|winexesvc|paexec-[^\\]*)\.exe$')
WINROOT8 = rx(r'^c:\\windows\\[a-z]{8}\.exe$')
NOT_ROOT8 = rx(r'\\(explorer|helppane|psexesvc)\.exe$')
WMIPRVSE = rx(r'\\wmiprvse\.exe$')
WMI_CHILD = rx(r'\\(cmd|powershell|powershell_ise|pwsh|rundll32|regsvr32|mshta|msbuild|installutil|regasm|regsvcs|cmstp|msxsl|wscript|cscript|net|net1|sc|schtasks|at|reg|certutil|bitsadmin|wmic|whoami|bash|wsl|forfiles|csc|vbc|calc|notepad|mspaint)\.exe$')
WMI_SYSDIRS = rx(r'^c:\\windows\\(system32|syswow64|ccm|microsoft\.net)\\')
IMPACKET = [rx(p) for p in (
    r'cmd(\.exe)?"?\s+\/q\s+\/c\s.*(>|&gt;)\s*\\\\(127\.0\.0\.1|localhost)\\([a-z]|admin)\$\\',
    r'\\\\(127\.0\.0\.1|localhost)\\([a-z]|admin)\$\\__(\d+\.\d+|output)',
    r'echo\s.*(\^?>|&gt;)\s*\\\\[^\\]+\\[a-z]\$\\__output',
    r'cmd(\.exe)?"?\s+\/c\s.*(>|&gt;)\s*%windir%\\temp\\[a-z]{8}\.tmp\s+2(>|&gt;)(&|&amp;)1',
    r'powershell(\.exe)?"?\s+-exec\s+bypass\s+-noni\s+-nop\s+-w\s+1\s+-c',
    r'\/b\s+\/c\s+start\s+\/b\s+\/min\s+powershell')]
PIPE_RES = rx(r'^\\?(psexesvc|remcom_?(communicat|stdin|stdout|stderr)|paexec|csexecsvc)|^\\?[^\\]+-[^\\-]+-\d+-(stdin|stdout|stderr)$')
PIPE_FILE = rx(r'^(\\\\\.\\pipe)?\\?(psexesvc|remcom_?(communicat|stdin|stdout|stderr)|paexec|csexecsvc)|^(\\\\\.\\pipe)?\\?[^\\]+-[^\\-]+-\d+-(stdin|stdout|stderr)$')
TASK_PS = rx(r'register-scheduledtask|set-scheduledtask|start-scheduledtask')
TASK_REMOTE_LOG = rx(r'cimsession|computername')
TASK_REMOTE_CMD = rx(r'-cimsession\b|-computername\b|new-cimsession')
WMI_PS = [rx(r'invoke-(wmi|cim)method|\[wmiclass\]|\biwmi\b|\bicim\b'), rx(r'win32_process'),
          rx(r'create'), rx(r'-computer(name)?\b|-cn\b|-cimsession\b|\\\\[^\\\s]+\\root\\')]
WMI_LOG = [WMI_PS[0], WMI_PS[1], rx(r'\bcreate\b'),
           rx(r'computername|-cn\b|cimsession|\\\\[^\\\s]+\\root\\')]
PSX_CLIENT = rx(r'\\(psexec|psexec64|paexec|remcom|csexec)\.exe$')
PSX_CLIENT_NAMES = rx(r'^(psexec\.c|psexec\.exe|paexec\.exe|remcom\.exe)$')
PSX_CLIENT_CMD = rx(r'(^|[\\\s"])(psexec|psexec64|paexec)(\.exe)?"?\s.*-accepteula')
UNC_HOST = rx(r'(^|\s)"?\\\\[a-z0-9_.*@\-]+')
UNC_LOCAL = rx(r'(^|\s)"?\\\\(localhost|127\.0\.0\.1|\.)"?(\s|$)')
SCHT = [rx(r'schtasks|\bat(\.exe)?"?\s+\\\\'), rx(r'(^|[\\\s"])schtasks(\.exe)?"?\s'),
        rx(r'\s[\/-]s\s+"?[^\s\/"]+'), rx(r'\s[\/-](create|run|change)\b'),
        rx(r'\s[\/-]s\s+"?(localhost|127\.0\.0\.1|\.)"?(\s|$)'),
        rx(r'(^|[\\\s"])at(\.exe)?"?\s+\\\\[^\s\\]+\s')]
COPY = [rx(r'\\\\[^\\\s"]+\\([a-z]|admin)\$'),
        rx(r'\b(copy|xcopy|move|copy-item|cpi|move-item|cp|mv)\b.*\s("\\\\[^\\\s"]+\\([a-z]|admin)\$(\\[^"]*)?"|\\\\[^\\\s"]+\\([a-z]|admin)\$(\\[^\s"]*)?)\s*$'),
        rx(r'-destination\s+"?\\\\[^\\\s"]+\\([a-z]|admin)\$'),
        rx(r'\brobocopy(\.exe)?"?\s+("[^"]*"|\S+)\s+"?\\\\[^\\\s"]+\\([a-z]|admin)\$'),
        rx(r'\\\\(localhost|127\.0\.0\.1|\.)\\')]
AUTOSTART = rx(r'\\currentversion\\(run|runonce|runservices|policies\\explorer\\run)(\\|$)|\\shell\\[^\\]+\\command(\\|$)|\\image file execution options\\|\\winlogon\\(userinit|shell|notify)|\\services\\[^\\]+\\(imagepath|parameters\\servicedll)$|\\environment\\(cor_profiler|cor_enable_profiling)')
WMIC = rx(r'wmic')
NODE = rx(r'(^|\s)[\/-]node:')
CALLCREATE = rx(r'\bcall\s+create\b')
NODE_LOCAL = rx(r'[\/-]node:\s*"?(localhost|127\.0\.0\.1|\.|::1)"?(\s|$)')
PS_LAT = rx(r'\binvoke-(psexec|smbexec|wmiexec|dcomexec|dcom|executemsbuild|thehash|smbclient|scshell)\b')
PS_LAT_CMD = rx(r'\binvoke-(psexec|smbexec|wmiexec|dcomexec|dcom|executemsbuild|thehash|scshell)\b')
SC_REMOTE = rx(r'(^|[\\\s"])sc(\.exe)?"?\s+\\\\[^\s\\]+\s+(create|config|start)\b')
SC_LOCAL = rx(r'\\\\(localhost|127\.0\.0\.1|\.)\s')
ADMIN_SHARE = rx(r'\\([a-z]|admin)\$$')
EXEC_EXT = rx(r'\.(exe|dll|sys|bat|cmd|ps1|psm1|vbs|vbe|js|jse|wsf|wsh|hta|msi|xml|scr|cpl|ocx|com|csproj|sct)$')
WRITE_ACCESS = rx(r'%%4417|%%4418|writedata|appenddata')
WRITE_MASK = rx(r'[2367abef]$')
SYS_EXT = rx(r'\.(exe|dll|sys|bat|cmd|ps1|vbs|js|hta|msi|scr|cpl|xml)$')
SYS_DIRS = rx(r'^c:\\windows\\(softwaredistribution|winsxs|servicing|system32\\driverstore)\\')
DOLLAR = rx(r'\$$', False)
ANON = rx(r'^anonymous logon$')
IPC = rx(r'\\ipc\$$')
SVCPIPE = rx(r'^\\?(svcctl|atsvc|ntsvcs)$')
REGKEY = rx(r'\\services\\[^\\]+\\imagepath$')
REGVAL = [rx(r'%+comspec%+|\bcmd(\.exe)?"?\s+\/[a-z]|powershell|pwsh|mshta|rundll32|regsvr32|\\\\127\.0\.0\.1\\|admin\$|\\__output|\bstart\s+\/b\b'),
          PSX_BIN, RAND8]
EXPLICIT = rx(r'\\(wmic|psexec|psexec64|paexec|sc|schtasks|winrs)\.exe$')
ATEXEC = rx(r'cmd(\.exe)?"?\s+\/c\s.*(>|&gt;)\s*%windir%\\temp\\[^\\\s]+\.tmp')
DCOM_PARENT = rx(r'\\(mmc|mshta)\.exe$')
EMBEDDING = rx(r'-embedding')
DCOM_CHILD = rx(r'\\(cmd|powershell|pwsh|rundll32|regsvr32|mshta|wscript|cscript)\.exe$')
MSHTA = rx(r'\\mshta\.exe$')
SVCHOST = rx(r'\\svchost\.exe$')


def m(f, v):
    """Does regex search F match the string V (absent fields never match)?"""
    return v is not None and f(v) is not None


def build_rules(known):
    """The ported rules, grouped by the event type each requires."""
    def svc_shell(e):
        return ((m(SHELLY, e["path"]) or m(SHELLY, e["cmdline"]))
                and not m(PIPE_ECHO, e["cmdline"]) and not m(PIPE_ECHO, e["path"]))

    def svc_psexec(e):
        return (m(PSX_NAME, e["service"]) or m(PSX_NAME, e["resource"])
                or m(PSX_BIN, e["path"]) or m(PSX_BIN, e["cmdline"]))

    def svc_random(e):
        return ((m(RAND8, e["path"]) or m(UPPER20, e["service"])
                 or (m(MIXED16, e["service"]) and m(MIXED16B, e["service"])))
                and not m(NOT_RAND, e["path"]))

    def svc_uncommon(e):
        p = e["path"]
        return (m(EXE, p) and not m(PROGFILES, p) and not m(SVCHOST_K, p)
                and not m(DEFENDER, p) and not m(DRIVERSTORE, p)
                and not m(AZURE, p) and not m(BARE_SHELL, p)
                and (p or "").lower() not in known)

    def services_child(e):
        p = e["path"]
        return (m(SERVICES_EXE, e["parent_path"]) and m(ANY, p)
                and (p or "").lower() not in known and not m(PROGFILES2, p)
                and not m(DEFENDER2, p))

    def psexesvc_proc(e):
        return m(PSX_PROC, e["path"]) or m(PSX_PROC, e["parent_path"])

    def root8(e):
        return m(WINROOT8, e["path"]) and not m(NOT_ROOT8, e["path"])

    def wmi_shell(e):
        return m(WMIPRVSE, e["parent_path"]) and m(WMI_CHILD, e["path"])

    def wmi_unusual(e):
        return (m(WMIPRVSE, e["parent_path"]) and m(ANY, e["path"])
                and not m(WMI_SYSDIRS, e["path"]) and not m(PROGFILES2, e["path"]))

    def impacket(e):
        return (any(m(f, e["cmdline"]) for f in IMPACKET)
                or m(IMPACKET[0], e["parent_cmdline"]))

    def wmic_remote(e):
        for c in (e["cmdline"], e["parent_cmdline"]):
            if m(WMIC, c) and m(NODE, c) and m(CALLCREATE, c) and not m(NODE_LOCAL, c):
                return True
        return False

    def ps_lateral_log(e):
        return m(PS_LAT, e["_desc"])

    def ps_lateral_cmd(e):
        return m(PS_LAT_CMD, e["cmdline"])

    def sc_remote(e):
        return m(SC_REMOTE, e["cmdline"]) and not m(SC_LOCAL, e["cmdline"])

    def pipe(e):
        return m(PIPE_RES, e["resource"]) or m(PIPE_FILE, e["file_path"])

    def pipe_share(e):
        return m(PIPE_RES, e["file_path"])

    def task_log(e):
        return m(TASK_PS, e["_desc"]) and m(TASK_REMOTE_LOG, e["_desc"])

    def task_cmd(e):
        return m(TASK_PS, e["cmdline"]) and m(TASK_REMOTE_CMD, e["cmdline"])

    def wmi_ps_cmd(e):
        return any(all(m(f, c) for f in WMI_PS) for c in (e["cmdline"], e["parent_cmdline"]))

    def wmi_ps_log(e):
        return all(m(f, e["_desc"]) for f in WMI_LOG)

    def psexec_client(e):
        c = e["cmdline"]
        return ((m(PSX_CLIENT, e["path"]) or any(m(PSX_CLIENT_NAMES, x) for x in e["_names"])
                 or m(PSX_CLIENT_CMD, c)) and m(UNC_HOST, c) and not m(UNC_LOCAL, c))

    def svc_mde(e):
        return (e["product_event_type"] == "ServiceInstalled"
                and (m(PSX_NAME, e["service"]) or m(PSX_NAME, e["resource"])
                     or m(PSX_BIN, e["path"]) or m(PSX_BIN, e["file_path"])
                     or m(PSX_BIN, e["cmdline"])))

    def schtasks(e):
        c = e["cmdline"]
        return m(SCHT[0], c) and ((m(SCHT[1], c) and m(SCHT[2], c) and m(SCHT[3], c)
                                   and not m(SCHT[4], c)) or m(SCHT[5], c))

    def copy(e):
        c = e["cmdline"]
        return (m(COPY[0], c) and (m(COPY[1], c) or m(COPY[2], c) or m(COPY[3], c))
                and not m(COPY[4], c))

    def autostart(e):
        return m(WMIPRVSE, e["parent_path"]) and m(AUTOSTART, e["_regkey"])

    def share_write(e):
        return (m(ADMIN_SHARE, e["resource"]) and m(EXEC_EXT, e["file_path"])
                and (m(WRITE_ACCESS, e["_access"]) or m(WRITE_MASK, e["_mask"])))

    def by_system(e):
        return ((e["_pid"] == "4" or e["parent_path"] == "System")
                and m(SYS_EXT, e["file_path"]) and not m(SYS_DIRS, e["file_path"]))

    def logon(e):
        return (e["product_event_type"] == "4624"
                and (e["logon_type"] == "NETWORK" or e["_logontype"] == "3")
                and not m(DOLLAR, e["target_user"]) and not m(ANON, e["target_user"]))

    def registry(e):
        return (m(REGKEY, e["_regkey"]) and any(m(f, e["_regval"]) for f in REGVAL)
                and not m(PIPE_ECHO, e["_regval"]))

    def explicit(e):
        return e["product_event_type"] == "4648" and m(EXPLICIT, e["parent_path"])

    def dcom(e):
        return ((m(DCOM_PARENT, e["parent_path"]) and m(EMBEDDING, e["parent_cmdline"])
                 and m(DCOM_CHILD, e["path"]))
                or (m(MSHTA, e["path"]) and m(EMBEDDING, e["cmdline"])
                    and m(SVCHOST, e["parent_path"])))

    def svc_started(e):
        return (m(PSX_NAME, e["service"]) or m(UPPER20, e["service"])
                or (m(MIXED16, e["service"]) and m(MIXED16B, e["service"])))

    def svcpipe(e):
        return m(IPC, e["resource"]) and m(SVCPIPE, e["file_path"])

    rules = {
        "SERVICE_CREATION": [("psexec-service-installed", svc_psexec),
                             ("service-shell-imagepath", svc_shell),
                             ("service-random-name", svc_random),
                             ("service-uncommon-binary", svc_uncommon),
                             ("service-installed", lambda e: True)],
        "PROCESS_LAUNCH": [("services-unknown-child", services_child),
                           ("psexesvc-process", psexesvc_proc),
                           ("windows-root-random-binary", root8),
                           ("wmiprvse-shell-child", wmi_shell),
                           ("wmiprvse-unusual-child", wmi_unusual),
                           ("impacket-exec-cmdline", impacket),
                           ("wmic-remote-process-create", wmic_remote),
                           ("powershell-lateral-module-cmdline", ps_lateral_cmd),
                           ("powershell-remote-task-cmdline", task_cmd),
                           ("powershell-wmi-remote-cmdline", wmi_ps_cmd),
                           ("psexec-client-remote", psexec_client),
                           ("schtasks-remote", schtasks),
                           ("admin-share-copy-cmdline", copy),
                           ("sc-remote-service", sc_remote),
                           ("dcom-shell-child", dcom)],
        "SERVICE_START": [("remote-exec-service-started", svc_started)],
        "REGISTRY_MODIFICATION": [("service-imagepath-registry", registry),
                                  ("wmiprvse-registry-autostart", autostart)],
        "SCHEDULED_TASK_CREATION": [("atexec-task", lambda e: m(ATEXEC, e["cmdline"]))],
        "STATUS_UPDATE": [("powershell-lateral-module", ps_lateral_log),
                          ("powershell-remote-task", task_log),
                          ("powershell-wmi-remote-scriptlog", wmi_ps_log)],
        "FILE_CREATION": [("psexec-pipe", pipe), ("smb-executable-by-system", by_system)],
        "FILE_OPEN": [("psexec-pipe-connected", pipe)],
        "USER_RESOURCE_ACCESS": [("psexec-pipe-share", pipe_share),
                                 ("admin-share-executable-write", share_write),
                                 ("svcctl-atsvc-pipe", svcpipe),
                                 ("admin-share-access", lambda e: m(ADMIN_SHARE, e["resource"]))],
        "NETWORK_CONNECTION": [("smb-connection", lambda e: e["target_port"] == 445),
                               ("rpc-connection", lambda e: e["target_port"] == 135),
                               ("rpc-dynamic-services",
                                lambda e: m(SERVICES_EXE, e["parent_path"])
                                and (e["target_port"] or 0) >= 49152)],
        "USER_LOGIN": [("network-logon", logon),
                       ("remote-exec-explicit-credentials", explicit)],
        # rules not pinned to an event type run on every event
        "*": [("psexec-service-installed-mde", svc_mde)],
    }
    # every type's list carries the unpinned rules; "*" serves other types
    for etype in rules:
        if etype != "*":
            rules[etype] = rules[etype] + rules["*"]
    return rules


def main():
    """Run the pipeline over one file."""
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source")
    ap.add_argument("--db", default=":memory:")
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--lists", default=os.path.join(top, "etc", "lists.d"))
    args = ap.parse_args()

    t0 = time.monotonic()
    rules = build_rules(load_list(os.path.join(args.lists, "known_services.txt")))
    db = sqlite3.connect(args.db, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    counts = {"lines": 0, "events": 0, "bad": 0, "stored": 0, "duplicates": 0}
    hits = {}
    batch = []

    def flush():
        db.execute("BEGIN IMMEDIATE")
        for ev in batch:
            cur = db.execute(INSERT, tuple(ev[c] for c in COLUMNS))
            if cur.rowcount != 1:
                counts["duplicates"] += 1
                continue
            counts["stored"] += 1
            for name, fn in rules.get(ev["event_type"], rules["*"]):
                if fn(ev):
                    hits[name] = hits.get(name, 0) + 1
                    db.execute("INSERT INTO hits (event_id, ts, rule, target_key, source_ip) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (ev["id"], ev["ts"], name,
                                (ev["host"] or "").split(".")[0].lower(),
                                ev["src_ip"] or ev["principal_ip"]))
        db.execute("COMMIT")
        batch.clear()

    fp = sys.stdin if args.source == "-" else open(args.source, encoding="utf-8", errors="replace")
    for n, line in enumerate(fp, 1):
        counts["lines"] += 1
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        ev, why = decode(line)
        if ev is None:
            counts["bad"] += 1
            print("%s:%d: %s" % (args.source, n, why), file=sys.stderr)
            continue
        counts["events"] += 1
        batch.append(ev)
        if len(batch) >= args.batch:
            flush()
    if batch:
        flush()
    db.close()
    dt = time.monotonic() - t0
    print("pipeline.py: %(lines)d lines, %(events)d events, %(stored)d stored, "
          "%(duplicates)d duplicates, %(bad)d bad" % counts)
    for name in sorted(hits):
        print("  %-32s %d" % (name, hits[name]))
    print("pipeline.py: %.2f s, %.0f events/s" % (dt, counts["events"] / dt if dt > 0 else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
