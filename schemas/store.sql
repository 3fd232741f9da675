-- Ronda correlator store, schema version 3 (PRAGMA user_version).
-- Version 2: incidents WITHOUT ROWID keyed by id alone (the id is a hash of
-- site, kind and key), so a new incident costs two B-tree inserts, not four.
-- Version 3: dedupe ids stored as one packed row per batch, not one per event.
-- Times are UTC milliseconds since the epoch; JSON columns are arrays.
CREATE TABLE IF NOT EXISTS offsets (
    topic         TEXT NOT NULL,
    part          INTEGER NOT NULL,
    next_offset   INTEGER NOT NULL,  -- first offset not yet applied
    watermark     INTEGER NOT NULL,  -- highest event time seen in the partition
    replay_offset INTEGER NOT NULL,  -- replay from here to rebuild windows
    replay_wm     INTEGER NOT NULL,  -- the watermark at replay_offset
    PRIMARY KEY (topic, part)
);
-- The dedupe FIFO, one row per batch: each entry is 44 bytes, little-endian
-- seq, id_hi, id_lo (the 128-bit hash of event.id), ts, off (8 bytes each)
-- and part (4): where the id was first delivered.
CREATE TABLE IF NOT EXISTS dedupe (
    first_seq INTEGER PRIMARY KEY,   -- FIFO position of the first entry
    last_seq  INTEGER NOT NULL,      -- and of the last
    entries   BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
    id           TEXT PRIMARY KEY NOT NULL,  -- hex hash of (site, kind, key)
    site         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL,
    severity     TEXT NOT NULL,
    status       TEXT NOT NULL,      -- open, closed, reopened
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    event_count  INTEGER NOT NULL,
    reopen_count INTEGER NOT NULL,
    part         INTEGER NOT NULL,
    site_known   INTEGER NOT NULL,
    attacker_ips TEXT NOT NULL,      -- JSON array
    users        TEXT NOT NULL,      -- JSON array
    rule_ids     TEXT NOT NULL       -- JSON array
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS incidents_last_seen ON incidents (last_seen);
CREATE TABLE IF NOT EXISTS indicators (
    incident_id TEXT NOT NULL,
    type        TEXT NOT NULL,       -- ip, net, user, user_agent, path, rule
    value       TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (incident_id, type, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS indicators_value ON indicators (type, value);
CREATE TABLE IF NOT EXISTS evidence (
    incident_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    line        TEXT NOT NULL,       -- the original log line, capped
    PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sites (
    id             TEXT PRIMARY KEY,
    known          INTEGER NOT NULL,
    last_event     INTEGER NOT NULL,
    last_heartbeat INTEGER NOT NULL
);
