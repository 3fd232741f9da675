#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

/* Kept identical to schemas/store.sql (a unit test compares them). */
static const char ddl[] =
	"-- Ronda correlator store, schema version 9 (PRAGMA user_version).\n"
	"-- Version 2: incidents WITHOUT ROWID keyed by id alone (the id is a hash of\n"
	"-- site, kind and key), so a new incident costs two B-tree inserts, not four.\n"
	"-- Version 3: dedupe ids stored as one packed row per batch, not one per event.\n"
	"-- Times are UTC milliseconds since the epoch; JSON columns are arrays.\n"
	"CREATE TABLE IF NOT EXISTS offsets (\n"
	"    topic         TEXT NOT NULL,\n"
	"    part          INTEGER NOT NULL,\n"
	"    next_offset   INTEGER NOT NULL,  -- first offset not yet applied\n"
	"    watermark     INTEGER NOT NULL,  -- highest event time seen in the partition\n"
	"    replay_offset INTEGER NOT NULL,  -- replay from here to rebuild windows\n"
	"    replay_wm     INTEGER NOT NULL,  -- the watermark at replay_offset\n"
	"    PRIMARY KEY (topic, part)\n"
	");\n"
	"-- The dedupe FIFO, one row per batch: each entry is 44 bytes, little-endian\n"
	"-- seq, id_hi, id_lo (the 128-bit hash of event.id), ts, off (8 bytes each)\n"
	"-- and part (4): where the id was first delivered.\n"
	"CREATE TABLE IF NOT EXISTS dedupe (\n"
	"    first_seq INTEGER PRIMARY KEY,   -- FIFO position of the first entry\n"
	"    last_seq  INTEGER NOT NULL,      -- and of the last\n"
	"    entries   BLOB NOT NULL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS incidents (\n"
	"    id           TEXT PRIMARY KEY NOT NULL,  -- hex hash of (site, kind, key)\n"
	"    site         TEXT NOT NULL,\n"
	"    kind         TEXT NOT NULL,\n"
	"    key          TEXT NOT NULL,\n"
	"    severity     TEXT NOT NULL,\n"
	"    status       TEXT NOT NULL,      -- open, closed, reopened\n"
	"    first_seen   INTEGER NOT NULL,\n"
	"    last_seen    INTEGER NOT NULL,\n"
	"    event_count  INTEGER NOT NULL,\n"
	"    reopen_count INTEGER NOT NULL,\n"
	"    part         INTEGER NOT NULL,\n"
	"    site_known   INTEGER NOT NULL,\n"
	"    attacker_ips TEXT NOT NULL,      -- JSON array\n"
	"    users        TEXT NOT NULL,      -- JSON array\n"
	"    rule_ids     TEXT NOT NULL       -- JSON array\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS incidents_last_seen ON incidents (last_seen);\n"
	"CREATE TABLE IF NOT EXISTS indicators (\n"
	"    incident_id TEXT NOT NULL,\n"
	"    type        TEXT NOT NULL,       -- ip, net, user, user_agent, path, rule\n"
	"    value       TEXT NOT NULL,\n"
	"    first_seen  INTEGER NOT NULL,\n"
	"    PRIMARY KEY (incident_id, type, value)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS evidence (\n"
	"    incident_id TEXT NOT NULL,\n"
	"    seq         INTEGER NOT NULL,\n"
	"    ts          INTEGER NOT NULL,\n"
	"    line        TEXT NOT NULL,       -- the original log line, capped\n"
	"    PRIMARY KEY (incident_id, seq)   -- rows append; the key is a small index\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS counters (\n"
	"    name  TEXT PRIMARY KEY,\n"
	"    value INTEGER NOT NULL\n"
	");\n"
	"-- Version 6: two clocks apart. last_event is event time (the newest time\n"
	"-- the site's logs wrote); last_heartbeat and events_heard are processing\n"
	"-- time (the correlator's clock when it last heard the site's collector and\n"
	"-- the site's events); late counts the site's events too late for windows.\n"
	"CREATE TABLE IF NOT EXISTS sites (\n"
	"    id             TEXT PRIMARY KEY,\n"
	"    known          INTEGER NOT NULL,\n"
	"    last_event     INTEGER NOT NULL,  -- event time\n"
	"    last_heartbeat INTEGER NOT NULL,  -- processing time, 0 never\n"
	"    late           INTEGER NOT NULL DEFAULT 0,\n"
	"    events_heard   INTEGER NOT NULL DEFAULT 0  -- processing time, 0 never\n"
	");\n"
	"-- Settings the readers need (silent_after_ms), written at each start.\n"
	"CREATE TABLE IF NOT EXISTS settings (\n"
	"    name  TEXT PRIMARY KEY,\n"
	"    value INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"-- Version 4: site names and zones, campaigns, and the alert outbox.\n"
	"-- The campaign allowlist of the configuration (written at each start):\n"
	"-- summaries leave its addresses (the SOC's own scanners) out of rankings.\n"
	"CREATE TABLE IF NOT EXISTS allowlist (\n"
	"    type  TEXT NOT NULL,              -- ip, net, user_agent, ...\n"
	"    value TEXT NOT NULL,              -- an address or CIDR for ip and net\n"
	"    PRIMARY KEY (type, value)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS site_info (\n"
	"    id       TEXT PRIMARY KEY NOT NULL,  -- organization.id\n"
	"    agency   TEXT NOT NULL,              -- as the operators write it\n"
	"    region   TEXT NOT NULL,\n"
	"    timezone TEXT NOT NULL               -- IANA name ('' = UTC)\n"
	") WITHOUT ROWID;\n"
	"-- A campaign: incidents on several sites linked by a shared indicator\n"
	"-- (link 'indicator') or one kind of attack far above its baseline on many\n"
	"-- sites at once (link 'wave'). The id is kept while it grows.\n"
	"CREATE TABLE IF NOT EXISTS campaigns (\n"
	"    id             TEXT PRIMARY KEY NOT NULL,\n"
	"    kind           TEXT NOT NULL,     -- the incident kind family (gambling, webshell, ...)\n"
	"    link           TEXT NOT NULL,     -- indicator or wave\n"
	"    title          TEXT NOT NULL,\n"
	"    severity       TEXT NOT NULL,\n"
	"    status         TEXT NOT NULL,     -- candidate, active, quiet, closed, merged\n"
	"    merged_into    TEXT NOT NULL,     -- the surviving id when status = merged\n"
	"    first_seen     INTEGER NOT NULL,  -- event time\n"
	"    last_seen      INTEGER NOT NULL,\n"
	"    reported       INTEGER NOT NULL,  -- event time it reached min_sites, 0 not yet\n"
	"    site_count     INTEGER NOT NULL,\n"
	"    incident_count INTEGER NOT NULL,\n"
	"    attacker_ips   TEXT NOT NULL      -- JSON array, most active first\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS campaigns_last_seen ON campaigns (last_seen);\n"
	"CREATE TABLE IF NOT EXISTS campaign_sites (\n"
	"    campaign_id TEXT NOT NULL,\n"
	"    site        TEXT NOT NULL,\n"
	"    first_seen  INTEGER NOT NULL,\n"
	"    last_seen   INTEGER NOT NULL,\n"
	"    incidents   INTEGER NOT NULL,\n"
	"    PRIMARY KEY (campaign_id, site)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS campaign_incidents (\n"
	"    campaign_id TEXT NOT NULL,\n"
	"    incident_id TEXT NOT NULL,\n"
	"    site        TEXT NOT NULL,\n"
	"    joined      INTEGER NOT NULL,     -- event time\n"
	"    -- Version 9: why it is a member: the indicator that linked it (type,\n"
	"    -- value, its rarity weight then), or via_type 'wave' (value: the family)\n"
	"    -- or 'founder' (the first incident of a campaign found by a link).\n"
	"    via_type    TEXT NOT NULL DEFAULT '',\n"
	"    via_value   TEXT NOT NULL DEFAULT '',\n"
	"    via_weight  REAL NOT NULL DEFAULT 0,\n"
	"    PRIMARY KEY (campaign_id, incident_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS campaign_incidents_incident ON campaign_incidents (incident_id);\n"
	"CREATE TABLE IF NOT EXISTS campaign_indicators (\n"
	"    campaign_id TEXT NOT NULL,\n"
	"    type        TEXT NOT NULL,        -- ip, net, payload, webshell, gambling, user_agent, user\n"
	"    value       TEXT NOT NULL,\n"
	"    sites       INTEGER NOT NULL,     -- the campaign's sites that showed it\n"
	"    weight      REAL NOT NULL,        -- its rarity weight when it linked\n"
	"    PRIMARY KEY (campaign_id, type, value)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS campaign_merges (\n"
	"    from_id TEXT PRIMARY KEY NOT NULL,\n"
	"    into_id TEXT NOT NULL,\n"
	"    at      INTEGER NOT NULL,         -- event time\n"
	"    type    TEXT NOT NULL,            -- the indicator they turned out to share\n"
	"    value   TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"-- The alert outbox, written in the transaction of the change that raised\n"
	"-- the alert; each sink delivers from it and records its confirmation.\n"
	"CREATE TABLE IF NOT EXISTS alerts (\n"
	"    seq         INTEGER PRIMARY KEY,  -- delivery order\n"
	"    id          TEXT UNIQUE NOT NULL, -- hex; the idempotency key\n"
	"    created     INTEGER NOT NULL,     -- wall clock\n"
	"    type        TEXT NOT NULL,        -- campaign_new, campaign_grew, campaign_severity, incident_critical\n"
	"    campaign_id TEXT NOT NULL,        -- '' when none\n"
	"    incident_id TEXT NOT NULL,        -- '' when none\n"
	"    severity    TEXT NOT NULL,\n"
	"    json        TEXT NOT NULL         -- schemas/alert.schema.json\n"
	");\n"
	"-- One row per (sink, alert) tried. Each sink delivers in seq order, so its\n"
	"-- cursor is its highest alert_seq with delivered <> 0 and every alert above\n"
	"-- it is pending. delivered -1 marks where a newly configured sink starts.\n"
	"CREATE TABLE IF NOT EXISTS alert_deliveries (\n"
	"    sink       TEXT NOT NULL,         -- kafka, webhook, file\n"
	"    alert_seq  INTEGER NOT NULL,\n"
	"    attempts   INTEGER NOT NULL,\n"
	"    next_try   INTEGER NOT NULL,      -- wall clock\n"
	"    last_error TEXT NOT NULL,\n"
	"    delivered  INTEGER NOT NULL,      -- wall clock, 0 not yet, -1 start marker\n"
	"    PRIMARY KEY (sink, alert_seq)\n"
	") WITHOUT ROWID;\n"
	"-- Version 7: digest sinks (alerts.sinks[].digest). Which alerts went into\n"
	"-- which digest, fixed when the digest is first tried, so every retry (and\n"
	"-- the first try after a restart) sends the same message under the same key.\n"
	"-- A member below the digest's head is delivered with it.\n"
	"CREATE TABLE IF NOT EXISTS alert_digests (\n"
	"    sink       TEXT NOT NULL,\n"
	"    alert_seq  INTEGER NOT NULL,      -- a member\n"
	"    digest_seq INTEGER NOT NULL,      -- the digest's first member (its head)\n"
	"    start      INTEGER NOT NULL,      -- interval start, wall clock\n"
	"    span       INTEGER NOT NULL,      -- interval length, ms\n"
	"    PRIMARY KEY (sink, alert_seq)\n"
	") WITHOUT ROWID;\n"
	"-- The campaign engine's own bookkeeping (correlator/campaign.c), restored at\n"
	"-- startup: per campaign open (or closed but still rejoinable) what the\n"
	"-- alerts have said so far; the stream\n"
	"-- clock; and which sites saw each incident family on each day (event time,\n"
	"-- UTC days since the epoch), the history a wave is measured against.\n"
	"CREATE TABLE IF NOT EXISTS campaign_state (\n"
	"    campaign_id      TEXT PRIMARY KEY NOT NULL,\n"
	"    max_severity     INTEGER NOT NULL,  -- worst member incident (RONDA_SEV_*)\n"
	"    success          INTEGER NOT NULL,  -- a member succeeded (login, live shell, ...)\n"
	"    alerted_severity INTEGER NOT NULL,  -- severity the last alert gave, 0 none yet\n"
	"    alerted_at       INTEGER NOT NULL,  -- event time of the last new/grew alert\n"
	"    alerted_sites    TEXT NOT NULL      -- JSON array: sites named in alerts so far\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS campaign_meta (\n"
	"    name  TEXT PRIMARY KEY NOT NULL,    -- clock, history_start, evicted, dropped\n"
	"    value INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS campaign_wave_days (\n"
	"    family TEXT NOT NULL,\n"
	"    day    INTEGER NOT NULL,\n"
	"    site   TEXT NOT NULL,\n"
	"    PRIMARY KEY (family, day, site)\n"
	") WITHOUT ROWID;\n"
	"-- Version 8: triage, the analysts' layer over detection (correlator/triage.c,\n"
	"-- written through the API). An object without a triage row is 'new'. Every\n"
	"-- write is one audit row in the same transaction; before and after are the\n"
	"-- JSON {\"state\",\"assignee\",\"reason\"} of the object's triage around it.\n"
	"CREATE TABLE IF NOT EXISTS triage (\n"
	"    object     TEXT NOT NULL,         -- incident or campaign\n"
	"    object_id  TEXT NOT NULL,\n"
	"    state      TEXT NOT NULL,         -- acknowledged, assigned, closed\n"
	"    assignee   TEXT,\n"
	"    reason     TEXT,                  -- resolved, false_positive, accepted_risk\n"
	"    updated_at INTEGER NOT NULL,      -- wall clock\n"
	"    updated_by TEXT NOT NULL,         -- api.analysts[].name\n"
	"    PRIMARY KEY (object, object_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS triage_notes (\n"
	"    id        INTEGER PRIMARY KEY,\n"
	"    object    TEXT NOT NULL,\n"
	"    object_id TEXT NOT NULL,\n"
	"    at        INTEGER NOT NULL,       -- wall clock\n"
	"    who       TEXT NOT NULL,\n"
	"    text      TEXT NOT NULL           -- UTF-8 as given\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS triage_notes_object ON triage_notes (object, object_id, id);\n"
	"CREATE TABLE IF NOT EXISTS audit (\n"
	"    id        INTEGER PRIMARY KEY,\n"
	"    at        INTEGER NOT NULL,       -- wall clock\n"
	"    who       TEXT NOT NULL,\n"
	"    object    TEXT NOT NULL,\n"
	"    object_id TEXT NOT NULL,\n"
	"    action    TEXT NOT NULL,          -- ack, assign, close, reopen, note\n"
	"    before    TEXT NOT NULL,          -- JSON\n"
	"    after     TEXT NOT NULL,          -- JSON\n"
	"    note      TEXT                    -- the note given with the action, NULL none\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS audit_object ON audit (object_id, id);\n"
	"-- Indicators of a campaign closed as a false positive: the campaign stage\n"
	"-- treats them as allowlisted until `until` (wall clock).\n"
	"CREATE TABLE IF NOT EXISTS suppressions (\n"
	"    id          INTEGER PRIMARY KEY,\n"
	"    type        TEXT NOT NULL,        -- ip, net, payload, webshell, gambling, user_agent, host\n"
	"    value       TEXT NOT NULL,\n"
	"    until       INTEGER NOT NULL,     -- wall clock\n"
	"    campaign_id TEXT NOT NULL,\n"
	"    created_by  TEXT NOT NULL,\n"
	"    created_at  INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS suppressions_until ON suppressions (until);\n"
	"-- Version 9: addresses that guessed logins (correlator/actors.c), per site\n"
	"-- their first and last guess (\"hash:first:last,...\"), kept for\n"
	"-- detectors.fleet_window: a login of one of them on any site is a compromise.\n"
	"CREATE TABLE IF NOT EXISTS guessers (\n"
	"    ip    TEXT PRIMARY KEY NOT NULL,\n"
	"    sites TEXT NOT NULL,\n"
	"    last  INTEGER NOT NULL            -- event time of its newest guess\n"
	") WITHOUT ROWID;\n";

/*
 * Version 1 -> 2: incidents becomes WITHOUT ROWID with id as its only key
 * (the UNIQUE (site, kind, key) index duplicated the id, which is their
 * hash). Rows are copied as they are.
 */
static const char migrate_v5_evidence[] =
	"ALTER TABLE evidence RENAME TO evidence_v4;\n"
	"CREATE TABLE evidence (\n"
	"    incident_id TEXT NOT NULL,\n"
	"    seq         INTEGER NOT NULL,\n"
	"    ts          INTEGER NOT NULL,\n"
	"    line        TEXT NOT NULL,\n"
	"    PRIMARY KEY (incident_id, seq)\n"
	");\n"
	"INSERT INTO evidence SELECT incident_id, seq, ts, line FROM evidence_v4\n"
	"    ORDER BY incident_id, seq;\n"
	"DROP TABLE evidence_v4;\n";

static const char migrate_v2[] =
	"CREATE TABLE incidents_v2 (\n"
	"    id TEXT PRIMARY KEY NOT NULL, site TEXT NOT NULL, kind TEXT NOT NULL,\n"
	"    key TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL,\n"
	"    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,\n"
	"    event_count INTEGER NOT NULL, reopen_count INTEGER NOT NULL,\n"
	"    part INTEGER NOT NULL, site_known INTEGER NOT NULL,\n"
	"    attacker_ips TEXT NOT NULL, users TEXT NOT NULL, rule_ids TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO incidents_v2 SELECT id, site, kind, key, severity, status,"
	" first_seen, last_seen, event_count, reopen_count, part, site_known,"
	" attacker_ips, users, rule_ids FROM incidents;\n"
	"DROP TABLE incidents;\n"
	"ALTER TABLE incidents_v2 RENAME TO incidents;\n"
	"CREATE INDEX IF NOT EXISTS incidents_last_seen ON incidents (last_seen);\n";

enum {
	Q_OFF_GET, Q_OFF_PUT, Q_DD_PUT, Q_DD_PRUNE, Q_DD_LOAD, Q_INC_PUT, Q_INC_GET,
	Q_IND_PUT, Q_IND_GET, Q_EV_PUT, Q_EV_COUNT, Q_CNT_PUT, Q_CNT_GET, Q_SITE_PUT,
	Q_INC_ACTIVE, Q_INC_IDS, Q_SITE_INFO_PUT, Q_ALLOW_CLEAR, Q_ALLOW_PUT, Q_SITE_EACH,
	Q_SETTING_PUT, Q_GUESS_PUT, Q_GUESS_EACH, Q_GUESS_PRUNE, NQ
};

static const char *const sql[NQ] = {
	[Q_OFF_GET] = "SELECT next_offset, watermark, replay_offset, replay_wm FROM offsets"
	    " WHERE topic = ? AND part = ?",
	[Q_OFF_PUT] = "INSERT OR REPLACE INTO offsets VALUES (?, ?, ?, ?, ?, ?)",
	[Q_DD_PUT] = "INSERT OR REPLACE INTO dedupe VALUES (?, ?, ?)",
	/* A row goes when its last entry has left the set. */
	[Q_DD_PRUNE] = "DELETE FROM dedupe WHERE last_seq <= ?",
	[Q_DD_LOAD] = "SELECT entries FROM dedupe WHERE last_seq >"
	    " (SELECT coalesce(max(last_seq), 0) FROM dedupe) - ? ORDER BY first_seq",
	/* An upsert: an update rewrites the row but leaves the id key alone. */
	[Q_INC_PUT] = "INSERT INTO incidents VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (id) DO UPDATE SET severity = excluded.severity,"
	    " status = excluded.status, first_seen = excluded.first_seen,"
	    " last_seen = excluded.last_seen, event_count = excluded.event_count,"
	    " reopen_count = excluded.reopen_count, part = excluded.part,"
	    " attacker_ips = excluded.attacker_ips, users = excluded.users,"
	    " rule_ids = excluded.rule_ids",
	[Q_INC_GET] = "SELECT id, site, kind, key, severity, status, first_seen, last_seen,"
	    " event_count, reopen_count, part, site_known FROM incidents WHERE id = ?",
	/* first_seen: the earliest hit that carried it, whatever order hits came in. */
	[Q_IND_PUT] = "INSERT INTO indicators VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE"
	    " SET first_seen = excluded.first_seen WHERE excluded.first_seen < first_seen",
	[Q_IND_GET] = "SELECT type, value, first_seen FROM indicators WHERE incident_id = ?",
	[Q_EV_PUT] = "INSERT OR IGNORE INTO evidence VALUES (?, ?, ?, ?)",
	[Q_EV_COUNT] = "SELECT count(*) FROM evidence WHERE incident_id = ?",
	[Q_CNT_PUT] = "INSERT OR REPLACE INTO counters VALUES (?, ?)",
	[Q_CNT_GET] = "SELECT value FROM counters WHERE name = ?",
	[Q_SITE_PUT] = "INSERT OR REPLACE INTO sites (id, known, last_event, last_heartbeat, late,"
	    " events_heard) VALUES (?, ?, ?, ?, ?, ?)",
	[Q_SITE_EACH] = "SELECT id, last_event, last_heartbeat, late, events_heard FROM sites",
	[Q_SETTING_PUT] = "INSERT OR REPLACE INTO settings VALUES (?, ?)",
	[Q_GUESS_PUT] = "INSERT OR REPLACE INTO guessers VALUES (?, ?, ?)",
	[Q_GUESS_EACH] = "SELECT ip, sites FROM guessers",
	[Q_GUESS_PRUNE] = "DELETE FROM guessers WHERE last < ?",
	[Q_INC_ACTIVE] = "SELECT id FROM incidents WHERE status != 'closed'",
	[Q_INC_IDS] = "SELECT id FROM incidents",
	[Q_SITE_INFO_PUT] = "INSERT OR REPLACE INTO site_info VALUES (?, ?, ?, ?)",
	[Q_ALLOW_CLEAR] = "DELETE FROM allowlist",
	[Q_ALLOW_PUT] = "INSERT OR IGNORE INTO allowlist VALUES (?, ?)",
};

/*
 * The WAL checkpointer: a thread with its own connection copies the WAL
 * into the database (and fsyncs both) while the main thread goes on with
 * the next batch. SQLite's automatic checkpoint ran inside a commit, so the
 * loop stood still for the fsync of up to 64 MiB: 5-20% of the wall clock
 * of a backlog on a disk, none on a tmpfs. A passive checkpoint never
 * blocks the writer; should the thread fall behind (the WAL at four times
 * the threshold), the writer checkpoints itself as before.
 */
struct ckpt {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	sqlite3 *db;
	int running, want, stop;
	int frames;		/* WAL frames that call for a checkpoint */
};

struct ronda_store {
	sqlite3 *db;
	sqlite3_stmt *q[NQ];
	char err[256];
	struct ronda_buf ips, users, rules;	/* incident put's JSON, reused */
	struct ckpt ck;
};

static void *
ckpt_main(void *arg)
{
	struct ckpt *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->want && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->want = 0;
		pthread_mutex_unlock(&c->mu);
		/* Busy (the writer checkpointing) or a full disk: the next commit asks again. */
		(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* After each commit of the writer (SQLite's wal hook), with the WAL's size in frames. */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct ckpt *c = arg;

	if (frames >= 4 * c->frames) {
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= c->frames) {
		pthread_mutex_lock(&c->mu);
		c->want = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

/* 0 when the thread runs (the writer's automatic checkpoint is then off), -1 when not. */
static int
ckpt_start(struct ronda_store *s, const char *path, int frames)
{
	struct ckpt *c = &s->ck;

	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_db;
	c->frames = frames > 0 ? frames : 1;
	if (pthread_mutex_init(&c->mu, NULL) != 0)
		goto fail_db;
	if (pthread_cond_init(&c->cv, NULL) != 0)
		goto fail_mu;
	if (pthread_create(&c->th, NULL, ckpt_main, c) != 0)
		goto fail_cv;
	c->running = 1;
	sqlite3_wal_hook(s->db, ckpt_hook, c);
	return 0;
fail_cv:
	pthread_cond_destroy(&c->cv);
fail_mu:
	pthread_mutex_destroy(&c->mu);
fail_db:
	sqlite3_close(c->db);
	c->db = NULL;
	return -1;
}

static void
ckpt_stop(struct ronda_store *s)
{
	struct ckpt *c = &s->ck;

	if (!c->running)
		return;
	sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	sqlite3_close(c->db);
	c->db = NULL;
	c->running = 0;
}

const char *
ronda_store_ddl(void)
{
	return ddl;
}

const char *
ronda_store_errmsg(const struct ronda_store *s)
{
	return s->err;
}

static int
fail(struct ronda_store *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int
exec(struct ronda_store *s, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, q, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->err, sizeof(s->err), "%s", msg != NULL ? msg : "sqlite error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int64_t
pragma_int(struct ronda_store *s, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Add a column unless the table has it (a store written by this DDL has). */
static int
add_column(struct ronda_store *s, const char *table, const char *col, const char *decl)
{
	char q[256];

	snprintf(q, sizeof(q), "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
	    table, col);
	if (pragma_int(s, q) > 0)
		return 0;
	snprintf(q, sizeof(q), "ALTER TABLE %s ADD COLUMN %s %s", table, col, decl);
	return exec(s, q);
}

#define DD_ENTRY 44		/* bytes of one packed dedupe entry */
#define DD_ROW_MAX 65536	/* entries per row when migrating */

static void
put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
dd_pack(unsigned char *p, const struct ronda_dedupe_entry *e)
{
	put64(p, (uint64_t)e->seq);
	put64(p + 8, e->hi);
	put64(p + 16, e->lo);
	put64(p + 24, (uint64_t)e->ts);
	put64(p + 32, (uint64_t)e->off);
	for (int i = 0; i < 4; i++)
		p[40 + i] = (unsigned char)((uint32_t)e->part >> (8 * i));
}

static void
dd_unpack(const unsigned char *p, struct ronda_dedupe_entry *e)
{
	uint32_t part = 0;

	e->seq = (int64_t)get64(p);
	e->hi = get64(p + 8);
	e->lo = get64(p + 16);
	e->ts = (int64_t)get64(p + 24);
	e->off = (int64_t)get64(p + 32);
	for (int i = 3; i >= 0; i--)
		part = part << 8 | p[40 + i];
	e->part = (int32_t)part;
}

/* Insert one dedupe row of n packed entries (n >= 1). */
static int
dd_row(struct ronda_store *s, sqlite3_stmt *st, const unsigned char *buf, size_t n)
{
	int rc;

	sqlite3_bind_int64(st, 1, (int64_t)get64(buf));
	sqlite3_bind_int64(st, 2, (int64_t)get64(buf + (n - 1) * DD_ENTRY));
	sqlite3_bind_blob(st, 3, buf, (int)(n * DD_ENTRY), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "dedupe put");
}

/*
 * Version 2 -> 3: the dedupe rows (one per id) are packed into rows of up to
 * DD_ROW_MAX entries, in seq order. Runs inside the caller's transaction.
 */
static int
migrate_v3(struct ronda_store *s)
{
	sqlite3_stmt *rd = NULL, *wr = NULL;
	unsigned char *buf = malloc((size_t)DD_ROW_MAX * DD_ENTRY);
	size_t n = 0;
	int rc = -1, r;

	if (buf == NULL) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return -1;
	}
	if (exec(s, "ALTER TABLE dedupe RENAME TO dedupe_v2;"
	    "CREATE TABLE dedupe (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL,"
	    " entries BLOB NOT NULL);") == -1)
		goto out;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, id_hi, id_lo, ts, part, off FROM dedupe_v2"
	    " ORDER BY seq", -1, &rd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO dedupe VALUES (?, ?, ?)", -1, &wr,
	    NULL) != SQLITE_OK) {
		fail(s, "migrate dedupe");
		goto out;
	}
	while ((r = sqlite3_step(rd)) == SQLITE_ROW) {
		struct ronda_dedupe_entry e = {
			.seq = sqlite3_column_int64(rd, 0),
			.hi = (uint64_t)sqlite3_column_int64(rd, 1),
			.lo = (uint64_t)sqlite3_column_int64(rd, 2),
			.ts = sqlite3_column_int64(rd, 3),
			.part = sqlite3_column_int(rd, 4),
			.off = sqlite3_column_int64(rd, 5),
		};
		dd_pack(buf + n * DD_ENTRY, &e);
		if (++n == DD_ROW_MAX) {
			if (dd_row(s, wr, buf, n) == -1)
				goto out;
			n = 0;
		}
	}
	if (r != SQLITE_DONE) {
		fail(s, "migrate dedupe");
		goto out;
	}
	if (n > 0 && dd_row(s, wr, buf, n) == -1)
		goto out;
	sqlite3_finalize(rd);
	rd = NULL;
	rc = exec(s, "DROP TABLE dedupe_v2");
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
	free(buf);
	return rc;
}

struct ronda_store *
ronda_store_open(const char *path, char *err, size_t errlen)
{
	struct ronda_store *s = calloc(1, sizeof(*s));
	int64_t ver;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ronda_buf_init(&s->ips, 0);
	ronda_buf_init(&s->users, 0);
	ronda_buf_init(&s->rules, 0);
	/*
	 * SQLite's memory statistics take a global mutex on every allocation it
	 * makes (thousands per batch); nothing here reads them. Only possible
	 * before SQLite initializes: later calls fail harmlessly (SQLITE_MISUSE).
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) :
		    "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/*
	 * A new store gets 16 KiB pages (SQLite's default is 4 KiB): a batch
	 * rewrites the pages under every incident it touched, and fewer, larger
	 * pages cost less per row (B-trees a level shallower, a quarter of the
	 * page headers, WAL frames and syscalls): 9% less CPU on 1M events into
	 * a fresh store, 10% into one already holding 175k incidents. The pragma
	 * only acts on an empty database; an existing store keeps its size.
	 * Page size has no bearing on durability.
	 */
	if (exec(s, "PRAGMA page_size=16384") == -1)
		goto failmsg;
	/*
	 * WAL with synchronous=NORMAL: a commit survives a process crash
	 * (kill -9) but may be lost with the last transactions on power loss;
	 * those are replayed from Kafka because the offsets went with them.
	 */
	if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    " PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;") == -1)
		goto failmsg;
	/* A checkpoint every 64 MiB of WAL, whatever the page size. */
	{
		int64_t psz = pragma_int(s, "PRAGMA page_size");
		char q[64];
		snprintf(q, sizeof(q), "PRAGMA wal_autocheckpoint=%lld",
		    (long long)((int64_t)64 * 1048576 / (psz > 0 ? psz : 4096)));
		if (exec(s, q) == -1)
			goto failmsg;
	}
	ver = pragma_int(s, "PRAGMA user_version");
	if (ver < 0 || ver > RONDA_STORE_VERSION) {
		snprintf(s->err, sizeof(s->err), "schema version %lld is newer than %d",
		    (long long)ver, RONDA_STORE_VERSION);
		goto failmsg;
	}
	/* Each step and its new version in one transaction: all or nothing. */
	if (ver < 1) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 || exec(s, ddl) == -1 ||
		    exec(s, "PRAGMA user_version = 9") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
		ver = 9;
	}
	if (ver < 2) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 || exec(s, migrate_v2) == -1 ||
		    exec(s, "PRAGMA user_version = 2") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	if (ver < 3) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 || migrate_v3(s) == -1 ||
		    exec(s, "PRAGMA user_version = 3") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	/* Version 4 only adds tables: the whole DDL (IF NOT EXISTS) adds them. */
	if (ver < 4) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 || exec(s, ddl) == -1 ||
		    exec(s, "PRAGMA user_version = 4") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	/*
	 * Version 5 drops the (type, value) index of indicators: no query
	 * used it (every read is by incident_id, the primary key), and it
	 * was a second B-tree insert for each of the most numerous rows.
	 * Evidence becomes a rowid table: its lines (the bulk of the store)
	 * append at the end of the table instead of splitting pages in the
	 * middle of a B-tree keyed by incident, and its key is a small index.
	 * The allowlist table is new (the DDL adds it).
	 */
	if (ver < 5) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 ||
		    exec(s, "DROP INDEX IF EXISTS indicators_value") == -1 ||
		    exec(s, migrate_v5_evidence) == -1 || exec(s, ddl) == -1 ||
		    exec(s, "PRAGMA user_version = 5") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	/*
	 * Version 6 keeps the clocks apart in sites: late and events_heard
	 * are new; last_heartbeat, written by the correlator's own clock from
	 * now on, held the collector's (its first write replaces it); and
	 * last_event, which heartbeats stamped with collectors' wall clocks
	 * moved, starts again from the events (it would pin the site clock).
	 */
	if (ver < 6) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 ||
		    add_column(s, "sites", "late", "INTEGER NOT NULL DEFAULT 0") == -1 ||
		    add_column(s, "sites", "events_heard", "INTEGER NOT NULL DEFAULT 0") == -1 ||
		    exec(s, "UPDATE sites SET last_event = 0") == -1 || exec(s, ddl) == -1 ||
		    exec(s, "PRAGMA user_version = 6") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	/* Version 7 only adds alert_digests: the DDL (IF NOT EXISTS) adds it. */
	if (ver < 7) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 || exec(s, ddl) == -1 ||
		    exec(s, "PRAGMA user_version = 7") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	/* Version 8 only adds the triage tables: the DDL (IF NOT EXISTS) adds them. */
	if (ver < 8) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 || exec(s, ddl) == -1 ||
		    exec(s, "PRAGMA user_version = 8") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	/* Version 9: campaign members say why they are members (older rows: ''). */
	if (ver < 9) {
		if (exec(s, "BEGIN IMMEDIATE") == -1 ||
		    add_column(s, "campaign_incidents", "via_type", "TEXT NOT NULL DEFAULT ''") == -1 ||
		    add_column(s, "campaign_incidents", "via_value", "TEXT NOT NULL DEFAULT ''") == -1 ||
		    add_column(s, "campaign_incidents", "via_weight", "REAL NOT NULL DEFAULT 0") == -1 ||
		    exec(s, ddl) == -1 ||
		    exec(s, "PRAGMA user_version = 9") == -1 || exec(s, "COMMIT") == -1)
			goto failtx;
	}
	for (int i = 0; i < NQ; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i],
		    NULL) != SQLITE_OK) {
			fail(s, sql[i]);
			goto failmsg;
		}
	/* Without the thread, SQLite's automatic checkpoint (set above) stays. */
	(void)ckpt_start(s, path, (int)pragma_int(s, "PRAGMA wal_autocheckpoint"));
	return s;
failtx:
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
failmsg:
	snprintf(err, errlen, "%s: %s", path, s->err);
fail:
	ronda_store_close(s);
	return NULL;
}

void
ronda_store_close(struct ronda_store *s)
{
	if (s == NULL)
		return;
	/* The thread's connection first: the writer's close, the last, checkpoints. */
	ckpt_stop(s);
	for (int i = 0; i < NQ; i++)
		sqlite3_finalize(s->q[i]);
	sqlite3_close(s->db);
	ronda_buf_release(&s->ips);
	ronda_buf_release(&s->users);
	ronda_buf_release(&s->rules);
	free(s);
}

int64_t
ronda_store_set_max_pages(struct ronda_store *s, int64_t pages)
{
	char q[64];

	snprintf(q, sizeof(q), "PRAGMA max_page_count = %lld", (long long)pages);
	return pragma_int(s, q);
}

int64_t
ronda_store_page_size(struct ronda_store *s)
{
	return pragma_int(s, "PRAGMA page_size");
}

int
ronda_store_begin(struct ronda_store *s)
{
	return exec(s, "BEGIN IMMEDIATE");
}

int
ronda_store_commit(struct ronda_store *s)
{
	return exec(s, "COMMIT");
}

void
ronda_store_rollback(struct ronda_store *s)
{
	(void)exec(s, "ROLLBACK");
}

/* Step a write statement to completion and reset it. */
static int
run(struct ronda_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(s, what);
	return 0;
}

int
ronda_store_offset_get(struct ronda_store *s, const char *topic, int32_t part,
    struct ronda_store_offset *out)
{
	sqlite3_stmt *st = s->q[Q_OFF_GET];
	int rc, found = 0;

	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, part);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->part = part;
		out->next_offset = sqlite3_column_int64(st, 0);
		out->watermark = sqlite3_column_int64(st, 1);
		out->replay_offset = sqlite3_column_int64(st, 2);
		out->replay_wm = sqlite3_column_int64(st, 3);
		found = 1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "offset get");
	return found;
}

int
ronda_store_offset_put(struct ronda_store *s, const char *topic,
    const struct ronda_store_offset *o)
{
	sqlite3_stmt *st = s->q[Q_OFF_PUT];

	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, o->part);
	sqlite3_bind_int64(st, 3, o->next_offset);
	sqlite3_bind_int64(st, 4, o->watermark);
	sqlite3_bind_int64(st, 5, o->replay_offset);
	sqlite3_bind_int64(st, 6, o->replay_wm);
	return run(s, st, "offset put");
}

struct dd_buf {
	unsigned char *p;
	size_t n, cap;
	int oom;
};

static void
dd_collect(void *arg, const struct ronda_dedupe_entry *e)
{
	struct dd_buf *b = arg;

	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 4096;
		unsigned char *np = realloc(b->p, nc * DD_ENTRY);
		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	if (!b->oom)
		dd_pack(b->p + b->n++ * DD_ENTRY, e);
}

int
ronda_store_dedupe_append(struct ronda_store *s, const struct ronda_dedupe *d,
    int64_t from)
{
	struct dd_buf b = { 0 };
	int rc = 0;

	ronda_dedupe_each_since(d, from, dd_collect, &b);
	if (b.oom) {
		snprintf(s->err, sizeof(s->err), "dedupe put: out of memory");
		rc = -1;
	} else if (b.n > 0) {
		rc = dd_row(s, s->q[Q_DD_PUT], b.p, b.n);
	}
	free(b.p);
	return rc;
}

int
ronda_store_dedupe_prune(struct ronda_store *s, int64_t upto)
{
	sqlite3_stmt *st = s->q[Q_DD_PRUNE];

	sqlite3_bind_int64(st, 1, upto);
	return run(s, st, "dedupe prune");
}

int
ronda_store_dedupe_load(struct ronda_store *s, struct ronda_dedupe *d, size_t cap)
{
	sqlite3_stmt *st = s->q[Q_DD_LOAD];
	int64_t last = 0, lo;
	int rc;

	/* The newest cap entries: seq > (newest seq) - cap, oldest first. */
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(last_seq), 0) FROM dedupe", -1,
	    &st, NULL) != SQLITE_OK)
		return fail(s, "dedupe load");
	if (sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	lo = last - (int64_t)cap;
	st = s->q[Q_DD_LOAD];
	sqlite3_bind_int64(st, 1, (int64_t)cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0) / DD_ENTRY;
		for (size_t i = 0; p != NULL && i < n; i++) {
			struct ronda_dedupe_entry e;
			dd_unpack(p + i * DD_ENTRY, &e);
			if (e.seq > lo)
				ronda_dedupe_restore(d, &e);
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "dedupe load");
}

static void
json_set(struct ronda_buf *b, const char (*v)[48], int n, size_t stride)
{
	ronda_buf_reset(b);
	ronda_buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		const char *x = (const char *)v + (size_t)i * stride;
		if (i > 0)
			ronda_buf_putc(b, ',');
		ronda_buf_json_str(b, x, strlen(x));
	}
	ronda_buf_putc(b, ']');
}

int
ronda_store_incident_put(struct ronda_store *s, const struct ronda_incident *inc)
{
	sqlite3_stmt *st = s->q[Q_INC_PUT];
	struct ronda_buf *ips = &s->ips, *users = &s->users, *rules = &s->rules;
	int rc;

	json_set(ips, inc->ips, inc->nips, sizeof(inc->ips[0]));
	json_set(users, (const char (*)[48])inc->users, inc->nusers, sizeof(inc->users[0]));
	json_set(rules, (const char (*)[48])inc->rules, inc->nrules, sizeof(inc->rules[0]));
	sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, inc->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, inc->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, inc->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ronda_severity_name(inc->severity), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ronda_incident_status_name(inc->status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, inc->first_seen);
	sqlite3_bind_int64(st, 8, inc->last_seen);
	sqlite3_bind_int64(st, 9, inc->event_count);
	sqlite3_bind_int64(st, 10, inc->reopen_count);
	sqlite3_bind_int(st, 11, inc->part);
	sqlite3_bind_int(st, 12, inc->site_known);
	sqlite3_bind_text(st, 13, ips->data, (int)ips->len, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, users->data, (int)users->len, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, rules->data, (int)rules->len, SQLITE_STATIC);
	rc = run(s, st, "incident put");
	if (rc == -1)
		return -1;
	for (const struct ronda_incident_ind *i = inc->ind_pending; i != NULL; i = i->next) {
		st = s->q[Q_IND_PUT];
		sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, i->type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, i->value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, i->ts);
		if (run(s, st, "indicator put") == -1)
			return -1;
	}
	for (const struct ronda_incident_evidence *e = inc->ev_pending; e != NULL;
	    e = e->next) {
		st = s->q[Q_EV_PUT];
		sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, e->seq);
		sqlite3_bind_int64(st, 3, e->ts);
		sqlite3_bind_text(st, 4, e->line, e->len, SQLITE_STATIC);
		if (run(s, st, "evidence put") == -1)
			return -1;
	}
	return 0;
}

static void
col_text(sqlite3_stmt *st, int c, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, c);

	snprintf(out, n, "%s", t != NULL ? (const char *)t : "");
}

int
ronda_store_incident_get(struct ronda_store *s, const char *id, struct ronda_incident *o)
{
	sqlite3_stmt *st = s->q[Q_INC_GET];
	char tmp[32];
	int rc;

	memset(o, 0, sizeof(*o));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return rc == SQLITE_DONE ? 0 : fail(s, "incident get");
	}
	col_text(st, 0, o->id, sizeof(o->id));
	col_text(st, 1, o->site, sizeof(o->site));
	col_text(st, 2, o->kind, sizeof(o->kind));
	col_text(st, 3, o->key, sizeof(o->key));
	col_text(st, 4, tmp, sizeof(tmp));
	o->severity = ronda_severity_parse(tmp);
	if (o->severity < 0)
		o->severity = 0;
	col_text(st, 5, tmp, sizeof(tmp));
	o->status = ronda_incident_status_parse(tmp);
	if (o->status < 0)
		o->status = RONDA_INCIDENT_OPEN;
	o->first_seen = sqlite3_column_int64(st, 6);
	o->last_seen = sqlite3_column_int64(st, 7);
	o->event_count = sqlite3_column_int64(st, 8);
	o->reopen_count = sqlite3_column_int64(st, 9);
	o->part = sqlite3_column_int(st, 10);
	o->site_known = sqlite3_column_int(st, 11);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);

	/* The sets and the indicator hashes come back from the indicators table. */
	st = s->q[Q_IND_GET];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (t == NULL || v == NULL)
			continue;
		if (o->nind < RONDA_INCIDENT_IND) {
			o->indts[o->nind] = sqlite3_column_int64(st, 2);
			o->indh[o->nind++] = ronda_hash64(v, strlen(v),
			    ronda_hash64(t, strlen(t), 7));
		}
		ronda_incident_set_add(o, t, v);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(s, "indicators get");
	st = s->q[Q_EV_COUNT];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		o->nevidence = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 1;
}

int
ronda_store_incident_each_active(struct ronda_store *s,
    void (*fn)(void *arg, const struct ronda_incident *inc), void *arg)
{
	sqlite3_stmt *st = s->q[Q_INC_ACTIVE];
	struct ronda_incident *inc = malloc(sizeof(*inc));
	char **ids = NULL;
	size_t n = 0;
	int rc;

	if (inc == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = realloc(ids, (n + 1) * sizeof(*ids));
		if (nv == NULL)
			break;
		ids = nv;
		ids[n++] = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		if (ids[i] != NULL && ronda_store_incident_get(s, ids[i], inc) == 1)
			fn(arg, inc);
		free(ids[i]);
	}
	free(ids);
	free(inc);
	return rc == SQLITE_DONE ? 0 : fail(s, "incidents load");
}

int
ronda_store_incident_each_id(struct ronda_store *s,
    void (*fn)(void *arg, const char *id), void *arg)
{
	sqlite3_stmt *st = s->q[Q_INC_IDS];
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 0);
		if (id != NULL)
			fn(arg, (const char *)id);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "incident ids");
}

int
ronda_store_counter_put(struct ronda_store *s, const char *name, int64_t v)
{
	sqlite3_stmt *st = s->q[Q_CNT_PUT];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return run(s, st, "counter put");
}

int64_t
ronda_store_counter_get(struct ronda_store *s, const char *name)
{
	sqlite3_stmt *st = s->q[Q_CNT_GET];
	int64_t v = 0;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return v;
}

int
ronda_store_site_put(struct ronda_store *s, const struct ronda_store_site *site)
{
	sqlite3_stmt *st = s->q[Q_SITE_PUT];

	sqlite3_bind_text(st, 1, site->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, site->known);
	sqlite3_bind_int64(st, 3, site->last_event);
	sqlite3_bind_int64(st, 4, site->last_heard);
	sqlite3_bind_int64(st, 5, site->late);
	sqlite3_bind_int64(st, 6, site->events_heard);
	return run(s, st, "site put");
}

int
ronda_store_site_each(struct ronda_store *s,
    void (*fn)(void *arg, const struct ronda_store_site *site), void *arg)
{
	sqlite3_stmt *st = s->q[Q_SITE_EACH];
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 0);
		struct ronda_store_site site = {
			.id = id != NULL ? (const char *)id : "",
			.last_event = sqlite3_column_int64(st, 1),
			.last_heard = sqlite3_column_int64(st, 2),
			.late = sqlite3_column_int64(st, 3),
			.events_heard = sqlite3_column_int64(st, 4),
		};
		fn(arg, &site);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail(s, "site each");
		return -1;
	}
	return 0;
}

int
ronda_store_guesser_put(struct ronda_store *s, const char *ip, const char *sites, int64_t last)
{
	sqlite3_stmt *st = s->q[Q_GUESS_PUT];

	sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sites, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, last);
	return run(s, st, "guesser put");
}

int
ronda_store_guesser_prune(struct ronda_store *s, int64_t before)
{
	sqlite3_stmt *st = s->q[Q_GUESS_PRUNE];

	sqlite3_bind_int64(st, 1, before);
	return run(s, st, "guesser prune");
}

int
ronda_store_guesser_each(struct ronda_store *s,
    void (*fn)(void *arg, const char *ip, const char *sites), void *arg)
{
	sqlite3_stmt *st = s->q[Q_GUESS_EACH];
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ip = (const char *)sqlite3_column_text(st, 0);
		const char *sites = (const char *)sqlite3_column_text(st, 1);
		if (ip != NULL && sites != NULL)
			fn(arg, ip, sites);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fail(s, "guesser each");
		return -1;
	}
	return 0;
}

int
ronda_store_setting_put(struct ronda_store *s, const char *name, int64_t v)
{
	sqlite3_stmt *st = s->q[Q_SETTING_PUT];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return run(s, st, "setting put");
}

int
ronda_store_site_info_put(struct ronda_store *s, const char *id, const char *agency,
    const char *region, const char *timezone)
{
	sqlite3_stmt *st = s->q[Q_SITE_INFO_PUT];

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, agency != NULL ? agency : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, region != NULL ? region : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, timezone != NULL ? timezone : "", -1, SQLITE_STATIC);
	return run(s, st, "site info put");
}

int
ronda_store_allowlist_clear(struct ronda_store *s)
{
	return run(s, s->q[Q_ALLOW_CLEAR], "allowlist clear");
}

int
ronda_store_allowlist_put(struct ronda_store *s, const char *type, const char *value)
{
	sqlite3_stmt *st = s->q[Q_ALLOW_PUT];

	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return run(s, st, "allowlist put");
}

sqlite3 *
ronda_store_db(struct ronda_store *s)
{
	return s->db;
}
