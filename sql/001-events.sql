-- 001-events.sql: UDM events, poll cursors and the case-comment outbox.
--
-- events: one row per UDM event, unique on metadata.id (overlapping poll
-- windows deliver duplicates; INSERT OR IGNORE drops them).  The flat
-- columns are what rules and correlation read; raw keeps the event's JSON
-- as evidence.  ts is UTC microseconds.  The *_ip columns hold the first IP
-- of each side; every IP of every side is in event_ips for the joins.
CREATE TABLE events (
	rowid			INTEGER PRIMARY KEY,
	id			TEXT NOT NULL UNIQUE,
	ts			INTEGER NOT NULL,
	event_type		TEXT,
	product_event_type	TEXT,
	product_name		TEXT,
	host			TEXT COLLATE NOCASE,
	target_host		TEXT COLLATE NOCASE,
	src_host		TEXT COLLATE NOCASE,
	principal_ip		TEXT,
	target_ip		TEXT,
	src_ip			TEXT,
	principal_port		INTEGER,
	target_port		INTEGER,
	src_port		INTEGER,
	parent_path		TEXT,
	parent_cmdline		TEXT,
	path			TEXT,
	cmdline			TEXT,
	user			TEXT,
	target_user		TEXT,
	service			TEXT,
	resource		TEXT,
	file_path		TEXT,
	logon_type		TEXT,
	direction		TEXT,
	raw			TEXT NOT NULL
);

-- Correlation looks up what happened on a host around a time (remote
-- execution on T joins connections to T), and retention deletes by time.
-- Host names are stored as the event gives them; the host columns compare
-- without case (COLLATE NOCASE), so "host = ?" uses these indexes.
CREATE INDEX events_target_host_ts ON events (target_host, ts);
CREATE INDEX events_host_ts ON events (host, ts);
CREATE INDEX events_ts ON events (ts);

-- Every IP of every side of an event (side: 'p' principal, 't' target,
-- 's' src), with the event's port on that side and its time copied so a
-- join "connections to IP near t" is one index range scan.
CREATE TABLE event_ips (
	event			INTEGER NOT NULL REFERENCES events (rowid) ON DELETE CASCADE,
	side			TEXT NOT NULL CHECK (side IN ('p', 't', 's')),
	ip			TEXT NOT NULL,
	port			INTEGER,
	ts			INTEGER NOT NULL
);
CREATE INDEX event_ips_ip_ts ON event_ips (ip, ts);
CREATE INDEX event_ips_event ON event_ips (event);

-- Per source, the end of the last fully processed window (UTC µs).
CREATE TABLE cursors (
	source			TEXT PRIMARY KEY,
	ts			INTEGER NOT NULL
);

-- Case comments to post; a row is marked sent only after the SOAR API
-- accepted it.  dedupe keeps one comment per finding state.
CREATE TABLE outbox (
	id			INTEGER PRIMARY KEY,
	dedupe			TEXT NOT NULL UNIQUE,
	case_id			TEXT NOT NULL,
	body			TEXT NOT NULL,
	created			INTEGER NOT NULL,
	sent			INTEGER,
	attempts		INTEGER NOT NULL DEFAULT 0
);
