-- 001-events.sql: UDM events, poll cursors and the case-comment outbox.
--
-- events: one row per UDM event, unique on (eventTimestamp, metadata.id):
-- overlapping poll windows and replays deliver the same event again, with
-- the same ID and time, and INSERT OR IGNORE drops it.  The flat columns
-- are what rules and correlation read; raw keeps the event's JSON as
-- evidence.  ts is UTC microseconds.  The *_ip columns hold the first IP
-- of each side (the raw JSON has them all).
CREATE TABLE events (
	rowid			INTEGER PRIMARY KEY,
	id			TEXT NOT NULL,
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

-- The only index events has: time first, then ID.  New events are recent,
-- so each batch adds to the end of this index and the cost of an insert
-- does not grow with the history kept (an index on the random ID alone
-- would touch one random page per insert).  It finds duplicates, serves
-- retention (ts < horizon) and evidence lookups by (time, ID).
-- Correlation keeps its own small, indexed tables of rule hits and
-- host <-> IP pairs (002-findings.sql) and never scans events.
CREATE UNIQUE INDEX events_ts_id ON events (ts, id);

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
