-- Ronda correlator store, schema version 9 (PRAGMA user_version).
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
CREATE TABLE IF NOT EXISTS evidence (
    incident_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    line        TEXT NOT NULL,       -- the original log line, capped
    PRIMARY KEY (incident_id, seq)   -- rows append; the key is a small index
);
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
-- Version 6: two clocks apart. last_event is event time (the newest time
-- the site's logs wrote); last_heartbeat and events_heard are processing
-- time (the correlator's clock when it last heard the site's collector and
-- the site's events); late counts the site's events too late for windows.
CREATE TABLE IF NOT EXISTS sites (
    id             TEXT PRIMARY KEY,
    known          INTEGER NOT NULL,
    last_event     INTEGER NOT NULL,  -- event time
    last_heartbeat INTEGER NOT NULL,  -- processing time, 0 never
    late           INTEGER NOT NULL DEFAULT 0,
    events_heard   INTEGER NOT NULL DEFAULT 0  -- processing time, 0 never
);
-- Settings the readers need (silent_after_ms), written at each start.
CREATE TABLE IF NOT EXISTS settings (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
-- Version 4: site names and zones, campaigns, and the alert outbox.
-- The campaign allowlist of the configuration (written at each start):
-- summaries leave its addresses (the SOC's own scanners) out of rankings.
CREATE TABLE IF NOT EXISTS allowlist (
    type  TEXT NOT NULL,              -- ip, net, user_agent, ...
    value TEXT NOT NULL,              -- an address or CIDR for ip and net
    PRIMARY KEY (type, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_info (
    id       TEXT PRIMARY KEY NOT NULL,  -- organization.id
    agency   TEXT NOT NULL,              -- as the operators write it
    region   TEXT NOT NULL,
    timezone TEXT NOT NULL               -- IANA name ('' = UTC)
) WITHOUT ROWID;
-- A campaign: incidents on several sites linked by a shared indicator
-- (link 'indicator') or one kind of attack far above its baseline on many
-- sites at once (link 'wave'). The id is kept while it grows.
CREATE TABLE IF NOT EXISTS campaigns (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,     -- the incident kind family (gambling, webshell, ...)
    link           TEXT NOT NULL,     -- indicator or wave
    title          TEXT NOT NULL,
    severity       TEXT NOT NULL,
    status         TEXT NOT NULL,     -- candidate, active, quiet, closed, merged
    merged_into    TEXT NOT NULL,     -- the surviving id when status = merged
    first_seen     INTEGER NOT NULL,  -- event time
    last_seen      INTEGER NOT NULL,
    reported       INTEGER NOT NULL,  -- event time it reached min_sites, 0 not yet
    site_count     INTEGER NOT NULL,
    incident_count INTEGER NOT NULL,
    attacker_ips   TEXT NOT NULL      -- JSON array, most active first
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS campaigns_last_seen ON campaigns (last_seen);
CREATE TABLE IF NOT EXISTS campaign_sites (
    campaign_id TEXT NOT NULL,
    site        TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    incidents   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, site)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS campaign_incidents (
    campaign_id TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    site        TEXT NOT NULL,
    joined      INTEGER NOT NULL,     -- event time
    -- Version 9: why it is a member: the indicator that linked it (type,
    -- value, its rarity weight then), or via_type 'wave' (value: the family)
    -- or 'founder' (the first incident of a campaign found by a link).
    via_type    TEXT NOT NULL DEFAULT '',
    via_value   TEXT NOT NULL DEFAULT '',
    via_weight  REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, incident_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS campaign_incidents_incident ON campaign_incidents (incident_id);
CREATE TABLE IF NOT EXISTS campaign_indicators (
    campaign_id TEXT NOT NULL,
    type        TEXT NOT NULL,        -- ip, net, payload, webshell, gambling, user_agent, user
    value       TEXT NOT NULL,
    sites       INTEGER NOT NULL,     -- the campaign's sites that showed it
    weight      REAL NOT NULL,        -- its rarity weight when it linked
    PRIMARY KEY (campaign_id, type, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS campaign_merges (
    from_id TEXT PRIMARY KEY NOT NULL,
    into_id TEXT NOT NULL,
    at      INTEGER NOT NULL,         -- event time
    type    TEXT NOT NULL,            -- the indicator they turned out to share
    value   TEXT NOT NULL
) WITHOUT ROWID;
-- The alert outbox, written in the transaction of the change that raised
-- the alert; each sink delivers from it and records its confirmation.
CREATE TABLE IF NOT EXISTS alerts (
    seq         INTEGER PRIMARY KEY,  -- delivery order
    id          TEXT UNIQUE NOT NULL, -- hex; the idempotency key
    created     INTEGER NOT NULL,     -- wall clock
    type        TEXT NOT NULL,        -- campaign_new, campaign_grew, campaign_severity, incident_critical
    campaign_id TEXT NOT NULL,        -- '' when none
    incident_id TEXT NOT NULL,        -- '' when none
    severity    TEXT NOT NULL,
    json        TEXT NOT NULL         -- schemas/alert.schema.json
);
-- One row per (sink, alert) tried. Each sink delivers in seq order, so its
-- cursor is its highest alert_seq with delivered <> 0 and every alert above
-- it is pending. delivered -1 marks where a newly configured sink starts.
CREATE TABLE IF NOT EXISTS alert_deliveries (
    sink       TEXT NOT NULL,         -- kafka, webhook, file
    alert_seq  INTEGER NOT NULL,
    attempts   INTEGER NOT NULL,
    next_try   INTEGER NOT NULL,      -- wall clock
    last_error TEXT NOT NULL,
    delivered  INTEGER NOT NULL,      -- wall clock, 0 not yet, -1 start marker
    PRIMARY KEY (sink, alert_seq)
) WITHOUT ROWID;
-- Version 7: digest sinks (alerts.sinks[].digest). Which alerts went into
-- which digest, fixed when the digest is first tried, so every retry (and
-- the first try after a restart) sends the same message under the same key.
-- A member below the digest's head is delivered with it.
CREATE TABLE IF NOT EXISTS alert_digests (
    sink       TEXT NOT NULL,
    alert_seq  INTEGER NOT NULL,      -- a member
    digest_seq INTEGER NOT NULL,      -- the digest's first member (its head)
    start      INTEGER NOT NULL,      -- interval start, wall clock
    span       INTEGER NOT NULL,      -- interval length, ms
    PRIMARY KEY (sink, alert_seq)
) WITHOUT ROWID;
-- The campaign engine's own bookkeeping (correlator/campaign.c), restored at
-- startup: per campaign open (or closed but still rejoinable) what the
-- alerts have said so far; the stream
-- clock; and which sites saw each incident family on each day (event time,
-- UTC days since the epoch), the history a wave is measured against.
CREATE TABLE IF NOT EXISTS campaign_state (
    campaign_id      TEXT PRIMARY KEY NOT NULL,
    max_severity     INTEGER NOT NULL,  -- worst member incident (RONDA_SEV_*)
    success          INTEGER NOT NULL,  -- a member succeeded (login, live shell, ...)
    alerted_severity INTEGER NOT NULL,  -- severity the last alert gave, 0 none yet
    alerted_at       INTEGER NOT NULL,  -- event time of the last new/grew alert
    alerted_sites    TEXT NOT NULL      -- JSON array: sites named in alerts so far
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS campaign_meta (
    name  TEXT PRIMARY KEY NOT NULL,    -- clock, history_start, evicted, dropped
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS campaign_wave_days (
    family TEXT NOT NULL,
    day    INTEGER NOT NULL,
    site   TEXT NOT NULL,
    PRIMARY KEY (family, day, site)
) WITHOUT ROWID;
-- Version 8: triage, the analysts' layer over detection (correlator/triage.c,
-- written through the API). An object without a triage row is 'new'. Every
-- write is one audit row in the same transaction; before and after are the
-- JSON {"state","assignee","reason"} of the object's triage around it.
CREATE TABLE IF NOT EXISTS triage (
    object     TEXT NOT NULL,         -- incident or campaign
    object_id  TEXT NOT NULL,
    state      TEXT NOT NULL,         -- acknowledged, assigned, closed
    assignee   TEXT,
    reason     TEXT,                  -- resolved, false_positive, accepted_risk
    updated_at INTEGER NOT NULL,      -- wall clock
    updated_by TEXT NOT NULL,         -- api.analysts[].name
    PRIMARY KEY (object, object_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS triage_notes (
    id        INTEGER PRIMARY KEY,
    object    TEXT NOT NULL,
    object_id TEXT NOT NULL,
    at        INTEGER NOT NULL,       -- wall clock
    who       TEXT NOT NULL,
    text      TEXT NOT NULL           -- UTF-8 as given
);
CREATE INDEX IF NOT EXISTS triage_notes_object ON triage_notes (object, object_id, id);
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,       -- wall clock
    who       TEXT NOT NULL,
    object    TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action    TEXT NOT NULL,          -- ack, assign, close, reopen, note
    before    TEXT NOT NULL,          -- JSON
    after     TEXT NOT NULL,          -- JSON
    note      TEXT                    -- the note given with the action, NULL none
);
CREATE INDEX IF NOT EXISTS audit_object ON audit (object_id, id);
-- Indicators of a campaign closed as a false positive: the campaign stage
-- treats them as allowlisted until `until` (wall clock).
CREATE TABLE IF NOT EXISTS suppressions (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,        -- ip, net, payload, webshell, gambling, user_agent, host
    value       TEXT NOT NULL,
    until       INTEGER NOT NULL,     -- wall clock
    campaign_id TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS suppressions_until ON suppressions (until);
-- Version 9: addresses that guessed logins (correlator/actors.c), per site
-- their first and last guess ("hash:first:last,..."), kept for
-- detectors.fleet_window: a login of one of them on any site is a compromise.
CREATE TABLE IF NOT EXISTS guessers (
    ip    TEXT PRIMARY KEY NOT NULL,
    sites TEXT NOT NULL,
    last  INTEGER NOT NULL            -- event time of its newest guess
) WITHOUT ROWID;
