-- 002-findings.sql: what correlation learns and concludes.
--
-- Host names are kept twice: *_host is the display form as an event first
-- gave it ("WORKSTATION6.theshire.local"), *_key the matching form (lower
-- case, domain suffix stripped: "workstation6").  Times are UTC µs.
-- None of these tables references events (rowid), so retention can delete
-- events without touching what was concluded from them.

-- Host <-> IP, learned from events that carry a host and its own IP.  One
-- row per (host, ip) with the span it was seen in; DHCP gives one IP to
-- several hosts over time, so lookups choose the row nearest in time.
CREATE TABLE assets (
	host_key		TEXT NOT NULL,
	host			TEXT NOT NULL,
	ip			TEXT NOT NULL,
	first_us		INTEGER NOT NULL,
	last_us			INTEGER NOT NULL,
	PRIMARY KEY (host_key, ip)
);
CREATE INDEX assets_ip ON assets (ip, last_us);

-- Every rule hit (and the few markers correlation derives itself: PsExec
-- pipe names, local PsExec clients), with the target and source it names.
-- Joins look these up by target and time, fan-out by source and time; so
-- each new event costs a few index range scans, never a scan of history.
-- role: 0 EXEC, 1 LAUNCH, 2 TRANSFER, 3 ACCESS, 4 NETWORK, 10 PIPE, 11 LOCAL.
CREATE TABLE corr_hits (
	id			INTEGER PRIMARY KEY,
	event_id		TEXT NOT NULL,
	ts			INTEGER NOT NULL,
	role			INTEGER NOT NULL,
	rule			TEXT NOT NULL DEFAULT '',
	technique		TEXT NOT NULL DEFAULT '',
	target_key		TEXT NOT NULL DEFAULT '',
	target_ip		TEXT NOT NULL DEFAULT '',
	source_key		TEXT NOT NULL DEFAULT '',
	source_host		TEXT NOT NULL DEFAULT '',
	source_ip		TEXT NOT NULL DEFAULT '',
	user			TEXT NOT NULL DEFAULT '',
	fanout			INTEGER NOT NULL DEFAULT 0,	-- counts toward fan-out
	detail			TEXT NOT NULL DEFAULT '',	-- file or pipe name
	finding			INTEGER				-- finding it fed
);
CREATE INDEX corr_hits_target ON corr_hits (target_key, ts);
CREATE INDEX corr_hits_target_ip ON corr_hits (target_ip, ts);
-- (no partial index on target_key: a bound key would force SQLite to
-- re-prepare every lookup by key to check whether that index applies)
CREATE INDEX corr_hits_target_ip_key ON corr_hits (target_ip, target_key, ts);
CREATE INDEX corr_hits_fanout ON corr_hits (source_ip, ts) WHERE fanout = 1;
CREATE INDEX corr_hits_fanout_host ON corr_hits (source_key, ts) WHERE fanout = 1;
CREATE INDEX corr_hits_ts ON corr_hits (ts);

-- One finding per (kind, technique, source, target, user); updated in
-- place.  flags: bits of chains and classes found (see correlate.c).
CREATE TABLE findings (
	id			INTEGER PRIMARY KEY,
	kind			TEXT NOT NULL,
	technique		TEXT NOT NULL DEFAULT '',
	techniques		TEXT NOT NULL DEFAULT '',
	title			TEXT NOT NULL DEFAULT '',
	severity		INTEGER NOT NULL DEFAULT 1,
	source_key		TEXT NOT NULL DEFAULT '',
	source_ip		TEXT NOT NULL DEFAULT '',
	source_host		TEXT NOT NULL DEFAULT '',
	target_key		TEXT NOT NULL DEFAULT '',
	target_ip		TEXT NOT NULL DEFAULT '',
	target_host		TEXT NOT NULL DEFAULT '',
	user			TEXT NOT NULL DEFAULT '',
	first_us		INTEGER NOT NULL,
	last_us			INTEGER NOT NULL,
	count			INTEGER NOT NULL DEFAULT 0,
	score			INTEGER NOT NULL DEFAULT 0,
	flags			INTEGER NOT NULL DEFAULT 0,
	tripped			INTEGER NOT NULL DEFAULT 0,
	tripped_us		INTEGER,
	suppressed		INTEGER NOT NULL DEFAULT 0,
	chain			TEXT NOT NULL DEFAULT '',
	explanation		TEXT NOT NULL DEFAULT '',
	UNIQUE (kind, technique, source_key, target_key, user)
);
CREATE INDEX findings_target ON findings (target_key, last_us);

-- Evidence of a finding (at most LMH_EVIDENCE_MAX per finding), by
-- metadata.id so that it outlives event retention.
CREATE TABLE finding_events (
	finding			INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
	event_id		TEXT NOT NULL,
	ts			INTEGER NOT NULL,
	PRIMARY KEY (finding, event_id)
);

-- Suppressions: NULL in a key field matches anything.  A suppressed
-- finding is still recorded and marked, and never trips.
CREATE TABLE suppressions (
	id			INTEGER PRIMARY KEY,
	kind			TEXT,
	source			TEXT,
	target			TEXT,
	user			TEXT,
	reason			TEXT NOT NULL DEFAULT '',
	owner			TEXT NOT NULL DEFAULT '',
	created_us		INTEGER NOT NULL,
	expires_us		INTEGER		-- NULL: never
);
