#include "journal.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "ckpt.h"
#include "conf.h"
#include "ronda/log.h"
#include "ronda/timeutil.h"

#define FIELD_MAX	64	/* bytes of _HOSTNAME and SYSLOG_IDENTIFIER kept */
#define PASS_ENTRIES	4096	/* per journal per read pass */
#define POLL_EVERY	2048	/* entries between sink polls */
#define SLOT_MAX	1024	/* journal inputs (ticket bits 48..62 hold the slot) */
#define SEQ_BITS	48
#define SEQ_MASK	((UINT64_C(1) << SEQ_BITS) - 1)
#define TS_MAX_USEC	UINT64_C(253402300799999999)	/* 9999-12-31T23:59:59.999999Z */

enum { R_IDLE, R_MORE, R_BLOCKED };

/* One journal input: the open journal, its in-flight ring, its cursor. */
struct jin {
	size_t input;		/* index of the config input */
	size_t slot;		/* index in ronda_journal.v (ticket bits) */
	const struct ronda_collector_input *in;
	struct ronda_journal *owner;
	sd_journal *sj;
	struct event *fd_ev;
	char *source;		/* what events say they were read from (log.file.path) */
	char *name;		/* what the log says: "journal /var/log/journal" */
	/* The cursor of each entry handed on and not yet confirmed, by seq. */
	char **ring_cursor;
	unsigned char *ring_acked;
	size_t ring_cap, ring_count, ring_head;
	uint64_t seq_head;	/* seq of ring_head */
	char *committed;	/* every entry up to this cursor is confirmed (owned) */
	int dirty;		/* committed moved since it was last written */
	char *skip;		/* the checkpointed cursor: its entry was delivered */
	int held;		/* the current entry was not taken (busy): offer it again */
	int at_end;		/* the last sd_journal_next found nothing */
	char *line;		/* max_line bytes: the entry as a syslog line */
	struct ronda_ratelimit err_rl;
};

struct ronda_journal {
	struct event_base *base;
	const struct ronda_collector_config *cfg;
	struct ronda_ckpt *ck;
	struct ronda_journal_ops ops;
	void *arg;
	int once;
	struct jin *v;
	size_t n;
	struct event *work_ev;
	struct event *scan_ev;
	struct event *ckpt_ev;
	int blocked;
	int more;
	struct ronda_ratelimit ckpt_rl;
	uint64_t ckpt_failing;
	struct ronda_journal_stats st;
};

static const struct ronda_collector_input *
input_at(const struct ronda_collector_config *cfg, size_t i)
{
	return &((const struct ronda_collector_input *)cfg->inputs.v)[i];
}

size_t
ronda_journal_inputs(const struct ronda_collector_config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->inputs.n; i++)
		if (input_at(cfg, i)->type == RONDA_INPUT_JOURNAL)
			n++;
	return n;
}

/* ---- the in-flight ring ----------------------------------------------- */

/* Pop confirmed entries off the head of the ring, moving the cursor. */
static void
ring_advance(struct jin *ji)
{
	while (ji->ring_count > 0 && ji->ring_acked[ji->ring_head]) {
		free(ji->committed);
		ji->committed = ji->ring_cursor[ji->ring_head];
		ji->ring_cursor[ji->ring_head] = NULL;
		ji->ring_acked[ji->ring_head] = 0;
		ji->ring_head = (ji->ring_head + 1) % ji->ring_cap;
		ji->ring_count--;
		ji->seq_head++;
		ji->dirty = 1;
	}
}

static uint64_t
ring_next_ticket(const struct jin *ji)
{
	return RONDA_JOURNAL_TICKET | ((uint64_t)ji->slot << SEQ_BITS) |
	    ((ji->seq_head + ji->ring_count) & SEQ_MASK);
}

/* Append an entry's cursor (ownership taken); the caller checked there is room. */
static void
ring_push(struct jin *ji, char *cursor, int acked)
{
	size_t idx = (ji->ring_head + ji->ring_count) % ji->ring_cap;

	ji->ring_cursor[idx] = cursor;
	ji->ring_acked[idx] = (unsigned char)acked;
	ji->ring_count++;
	if (acked && ji->ring_count == 1)
		ring_advance(ji);
}

void
ronda_journal_ack(struct ronda_journal *j, uint64_t ticket)
{
	size_t slot = (size_t)((ticket & ~RONDA_JOURNAL_TICKET) >> SEQ_BITS);
	uint64_t seq = ticket & SEQ_MASK, off;
	struct jin *ji;

	if (!(ticket & RONDA_JOURNAL_TICKET) || slot >= j->n)
		return;
	ji = &j->v[slot];
	off = (seq - (ji->seq_head & SEQ_MASK)) & SEQ_MASK;
	if (off >= ji->ring_count)
		return;	/* not in flight: a stale or repeated confirmation */
	ji->ring_acked[(ji->ring_head + off) % ji->ring_cap] = 1;
	if (off == 0)
		ring_advance(ji);
}

/* ---- reading an entry ------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value of key k ("s", "i") in a cursor "s=…;i=…;b=…", or NULL. */
static const char *
cursor_field(const char *cursor, char k, size_t *len)
{
	for (const char *p = cursor; *p != '\0';) {
		const char *end = strchr(p, ';');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n >= 2 && p[0] == k && p[1] == '=') {
			*len = n - 2;
			return p + 2;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return NULL;
}

/*
 * An entry's identity: its sequence number id (128 bits, the same for every
 * file one journald instance writes) and sequence number, read from the
 * cursor (libsystemd 252 has no sd_journal_get_seqnum). Both are stored in
 * the entry, so every read of it, before or after a restart, gives the same
 * event id. A cursor without them (a future format) is hashed whole, which
 * is as stable, only less readable in log.offset.
 */
static void
entry_identity(const char *cursor, uint64_t *hi, uint64_t *lo, uint64_t *seq)
{
	const char *s, *i;
	size_t sn = 0, in = 0;
	uint64_t w[2] = { 0, 0 }, q = 0;
	int ok;

	s = cursor_field(cursor, 's', &sn);
	i = cursor_field(cursor, 'i', &in);
	ok = s != NULL && sn == 32 && i != NULL && in > 0 && in <= 16;
	for (size_t k = 0; ok && k < 32; k++) {
		int v = hexval(s[k]);
		if (v < 0)
			ok = 0;
		else
			w[k / 16] = (w[k / 16] << 4) | (uint64_t)v;
	}
	for (size_t k = 0; ok && k < in; k++) {
		int v = hexval(i[k]);
		if (v < 0)
			ok = 0;
		else
			q = (q << 4) | (uint64_t)v;
	}
	if (!ok) {
		w[0] = ronda_hash64(cursor, strlen(cursor), 0x6a31);
		w[1] = ronda_hash64(cursor, strlen(cursor), 0x6a32);
		q = 0;
	}
	*hi = w[0];
	*lo = w[1];
	*seq = q;
}

/*
 * The value of field name of the current entry, or NULL (absent, or not
 * readable). Borrowed from sd-journal until its next call: copy at once.
 */
static const char *
field_get(sd_journal *sj, const char *name, size_t *len)
{
	const void *d;
	size_t n, nl = strlen(name);

	if (sd_journal_get_data(sj, name, &d, &n) < 0 || n <= nl ||
	    ((const char *)d)[nl] != '=')
		return NULL;
	*len = n - nl - 1;
	return (const char *)d + nl + 1;
}

/* Copy at most cap bytes of field name into out; its length, 0 absent. Sets *cut. */
static size_t
field_copy(sd_journal *sj, const char *name, char *out, size_t cap, int *cut)
{
	size_t n = 0;
	const char *v = field_get(sj, name, &n);

	if (v == NULL)
		return 0;
	if (n > cap) {
		n = cap;
		*cut = 1;
	}
	memcpy(out, v, n);
	return n;
}

/* A decimal pid of at most 10 digits, or -1. */
static int64_t
field_pid(sd_journal *sj, const char *name)
{
	size_t n = 0;
	const char *v = field_get(sj, name, &n);
	int64_t pid = 0;

	if (v == NULL || n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		pid = pid * 10 + (v[i] - '0');
	}
	return pid;
}

/*
 * Read the current entry into e, written as a syslog line in ji->line:
 *   2026-11-20T23:04:05.123456+00:00 web01 sshd[812]: Failed password ...
 * with *cursor its cursor (new string, the caller owns it). The fields are
 * attacker-influenced (MESSAGE above all: user names) and handled as bytes:
 * copied with their lengths, cut to fit, never read past. 0, or a negative
 * errno (the entry cannot be read).
 */
static int
entry_read(struct ronda_journal *j, struct jin *ji, struct ronda_journal_entry *e,
    char **cursor)
{
	size_t cap = (size_t)j->cfg->max_line, pos, hn, pn, mn = 0;
	char host[FIELD_MAX], prog[FIELD_MAX];
	const char *msg;
	uint64_t usec;
	struct tm tm;
	time_t sec;
	int cut = 0, r, w;

	*cursor = NULL;
	memset(e, 0, sizeof(*e));
	if ((r = sd_journal_get_realtime_usec(ji->sj, &usec)) < 0 ||
	    (r = sd_journal_get_cursor(ji->sj, cursor)) < 0)
		return r;
	entry_identity(*cursor, &e->seqnum_id_hi, &e->seqnum_id_lo, &e->seqnum);

	hn = field_copy(ji->sj, "_HOSTNAME", host, sizeof(host), &cut);
	pn = field_copy(ji->sj, "SYSLOG_IDENTIFIER", prog, sizeof(prog), &cut);
	if (pn == 0)
		pn = field_copy(ji->sj, "_COMM", prog, sizeof(prog), &cut);
	if ((e->pid = field_pid(ji->sj, "_PID")) < 0)
		e->pid = field_pid(ji->sj, "SYSLOG_PID");

	/*
	 * The header is at most 32 + 1 + 64 + 1 + 64 + 12 + 2 bytes, less than
	 * the smallest max_line (256): the message gets what is left.
	 */
	sec = (time_t)(usec / 1000000);
	if (usec > TS_MAX_USEC || gmtime_r(&sec, &tm) == NULL) {
		e->ts_ms = 0;	/* no honest time: the pipeline treats it as untimed */
		pos = (size_t)snprintf(ji->line, cap, "-");
	} else {
		e->ts_ms = (int64_t)(usec / 1000);
		pos = (size_t)snprintf(ji->line, cap,
		    "%04d-%02d-%02dT%02d:%02d:%02d.%06u+00:00", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (unsigned)(usec % 1000000));
	}
	ji->line[pos++] = ' ';
	if (hn > 0) {
		memcpy(ji->line + pos, host, hn);
		e->host.p = ji->line + pos;
		e->host.n = hn;
		pos += hn;
	} else {
		ji->line[pos++] = '-';
	}
	ji->line[pos++] = ' ';
	if (pn > 0) {
		memcpy(ji->line + pos, prog, pn);
		e->program.p = ji->line + pos;
		e->program.n = pn;
		pos += pn;
	} else {
		ji->line[pos++] = '-';
	}
	if (e->pid >= 0) {
		w = snprintf(ji->line + pos, cap - pos, "[%lld]", (long long)e->pid);
		pos += (size_t)w;
	}
	ji->line[pos++] = ':';
	ji->line[pos++] = ' ';

	if ((msg = field_get(ji->sj, "MESSAGE", &mn)) != NULL) {
		if (mn > cap - pos) {
			mn = cap - pos;
			cut = 1;
		}
		memcpy(ji->line + pos, msg, mn);
		e->message.p = ji->line + pos;
		e->message.n = mn;
		pos += mn;
	}
	e->p = ji->line;
	e->n = pos;
	e->flags = cut ? RONDA_JOURNAL_TRUNCATED : 0;
	e->input = ji->input;
	e->source = ji->source;
	return 0;
}

/* ---- reading ---------------------------------------------------------- */

/* Hand the current entry on; 0, or -1 when the sink or the ring is full. */
static int
emit(struct ronda_journal *j, struct jin *ji)
{
	struct ronda_journal_entry e;
	char *cursor;
	int rc;

	if (ji->ring_count == ji->ring_cap)
		return -1;
	if ((rc = entry_read(j, ji, &e, &cursor)) < 0) {
		/*
		 * A corrupt entry, or (after a busy sink held it) one whose file
		 * was removed meanwhile: it cannot be read, so it cannot be
		 * sent; the reading goes on after it.
		 */
		free(cursor);
		j->st.read_errors++;
		if (ronda_ratelimit_ok(&ji->err_rl, (long)(ronda_mono_ms() / 1000), 60))
			log_warnx("%s: an entry cannot be read (%s); skipped",
			    ji->name, strerror(-rc));
		return 0;
	}
	e.ticket = ring_next_ticket(ji);
	rc = j->ops.on_entry(j->arg, &e);
	if (rc == RONDA_JOURNAL_BUSY) {
		free(cursor);
		return -1;
	}
	ring_push(ji, cursor, rc == RONDA_JOURNAL_DONE);
	j->st.entries++;
	if (e.flags & RONDA_JOURNAL_TRUNCATED)
		j->st.truncated++;
	if (j->st.entries % POLL_EVERY == 0 && j->ops.poll != NULL)
		j->ops.poll(j->arg);
	return 0;
}

/* The first entry after a restart: is it the checkpointed one (delivered)? */
static int
skip_checkpointed(struct ronda_journal *j, struct jin *ji, int found)
{
	int same = found && sd_journal_test_cursor(ji->sj, ji->skip) > 0;

	if (!same) {
		/*
		 * The checkpointed entry is gone: vacuumed or rotated away while
		 * we were stopped (or the match list changed and it no longer
		 * matches). sd_journal_seek_cursor put us where it was: what
		 * follows is read; what was between it and the oldest entry
		 * left cannot be.
		 */
		j->st.cursor_lost++;
		log_warnx("%s: the checkpointed entry is gone (vacuumed or "
		    "rotated away while the collector was stopped); reading on from "
		    "the oldest entry after it", ji->name);
	}
	free(ji->skip);
	ji->skip = NULL;
	return same;
}

/* Read up to PASS_ENTRIES entries of ji. */
static int
jin_read(struct ronda_journal *j, struct jin *ji)
{
	int r;

	for (size_t k = 0; k < PASS_ENTRIES; k++) {
		if (!ji->held) {
			r = sd_journal_next(ji->sj);
			if (r < 0) {
				j->st.read_errors++;
				if (ronda_ratelimit_ok(&ji->err_rl,
				    (long)(ronda_mono_ms() / 1000), 60))
					log_warnx("%s: %s (retried every %lld ms)",
					    ji->name, strerror(-r),
					    (long long)j->cfg->scan_interval);
				return R_IDLE;
			}
			if (ji->skip != NULL && skip_checkpointed(j, ji, r > 0))
				continue;
			if (r == 0) {
				ji->at_end = 1;
				return R_IDLE;
			}
			ji->at_end = 0;
		}
		if (emit(j, ji) == -1) {
			ji->held = 1;
			return R_BLOCKED;
		}
		ji->held = 0;
	}
	return R_MORE;
}

static void
schedule_work(struct ronda_journal *j)
{
	if (!event_pending(j->work_ev, EV_TIMEOUT, NULL))
		event_active(j->work_ev, EV_TIMEOUT, 0);
}

static void
journal_on_work(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_journal *j = arg;
	int more = 0, blocked = 0;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < j->n; i++) {
		int rc = jin_read(j, &j->v[i]);
		if (rc == R_MORE)
			more = 1;
		else if (rc == R_BLOCKED)
			blocked = 1;
	}
	if (j->ops.poll != NULL)
		j->ops.poll(j->arg);
	j->blocked = blocked;
	j->more = more;
	if (more && !blocked)
		schedule_work(j);
}

/* Let sd-journal see what changed: appended entries, files added or removed. */
static void
jin_process(struct ronda_journal *j, struct jin *ji)
{
	int r = sd_journal_process(ji->sj);

	if (r == SD_JOURNAL_INVALIDATE) {
		/* Rotation or vacuum: sd-journal re-reads its file list itself. */
		j->st.invalidations++;
		log_debug("%s: files added or removed", ji->name);
	} else if (r < 0 && ronda_ratelimit_ok(&ji->err_rl,
	    (long)(ronda_mono_ms() / 1000), 60)) {
		log_warnx("%s: %s", ji->name, strerror(-r));
	}
}

static void
journal_on_fd(evutil_socket_t fd, short what, void *arg)
{
	struct jin *ji = arg;

	(void)fd;
	(void)what;
	jin_process(ji->owner, ji);
	schedule_work(ji->owner);
}

/* The backstop: whatever inotify missed (or could not watch) is seen here. */
static void
journal_on_scan(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_journal *j = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < j->n && !j->once; i++)
		jin_process(j, &j->v[i]);	/* --once reads what is there: no watch */
	schedule_work(j);
}

void
ronda_journal_kick(struct ronda_journal *j)
{
	if (j->blocked || j->more)
		schedule_work(j);
}

/* ---- checkpoints ------------------------------------------------------ */

int
ronda_journal_checkpoint(struct ronda_journal *j)
{
	int any = 0;

	for (size_t i = 0; i < j->n; i++)
		if (j->v[i].dirty && j->v[i].committed != NULL)
			any = 1;
	if (!any)
		return 0;
	if (ronda_ckpt_begin(j->ck) == -1)
		goto fail;
	for (size_t i = 0; i < j->n; i++) {
		struct jin *ji = &j->v[i];
		if (!ji->dirty || ji->committed == NULL)
			continue;
		if (ronda_ckpt_journal_put(j->ck, ji->in->journal_key, ji->committed) == -1) {
			ronda_ckpt_rollback(j->ck);
			goto fail;
		}
	}
	if (ronda_ckpt_commit(j->ck) == -1)
		goto fail;
	for (size_t i = 0; i < j->n; i++) {
		if (j->v[i].dirty && j->v[i].committed != NULL) {
			j->v[i].dirty = 0;
			j->st.cursor_saves++;
		}
	}
	if (j->ckpt_failing > 0) {
		log_info("checkpoint: journal cursors written to %s again after %llu "
		    "failed attempts", j->cfg->state_db, (unsigned long long)j->ckpt_failing);
		j->ckpt_failing = 0;
	}
	return 0;
fail:
	/* As for files: entries still flow; a restart resends what followed. */
	j->st.ckpt_errors++;
	j->ckpt_failing++;
	if (ronda_ratelimit_ok(&j->ckpt_rl, (long)(ronda_mono_ms() / 1000), 60))
		log_warnx("checkpoint: journal cursors: %s: %s (entries keep flowing to "
		    "Kafka; retrying every second, %llu failed so far)", j->cfg->state_db,
		    ronda_ckpt_errmsg(j->ck), (unsigned long long)j->ckpt_failing);
	return -1;
}

static void
journal_on_ckpt_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ronda_journal_checkpoint(arg);
}

/* ---- opening ---------------------------------------------------------- */

/*
 * Open the journal in names: a folder, explicit files (those that exist:
 * one vacuumed away while we were stopped must not stop the others), or
 * the local system journal.
 */
static int
jin_open(struct jin *ji, char *err, size_t errlen)
{
	const struct ronda_collector_input *in = ji->in;
	const char **paths = NULL;
	size_t np = 0;
	int r;

	if (in->directory != NULL) {
		r = sd_journal_open_directory(&ji->sj, in->directory, 0);
		ji->source = strdup(in->directory);
		if (asprintf(&ji->name, "journal %s", in->directory) == -1)
			ji->name = NULL;
	} else if (in->files.n > 0) {
		struct stat sb;
		if ((paths = calloc(in->files.n + 1, sizeof(*paths))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < in->files.n; i++) {
			if (stat(in->files.v[i], &sb) == 0)
				paths[np++] = in->files.v[i];
			else
				log_warnx("journal file %s: %s; reading the others",
				    in->files.v[i], strerror(errno));
		}
		if (np == 0) {
			snprintf(err, errlen, "%s:%d: inputs[%zu].files: none of the "
			    "journal files exists", ji->owner->cfg->path, in->line, ji->input);
			free(paths);
			return -1;
		}
		r = sd_journal_open_files(&ji->sj, paths, 0);
		ji->source = strdup(in->files.v[0]);
		if (asprintf(&ji->name, "journal file %s%s", in->files.v[0],
		    in->files.n > 1 ? " (and others)" : "") == -1)
			ji->name = NULL;
		free(paths);
	} else {
		r = sd_journal_open(&ji->sj, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
		ji->source = strdup("journal");
		ji->name = strdup("system journal");
	}
	if (r < 0) {
		snprintf(err, errlen, "%s:%d: inputs[%zu]: cannot open the journal%s%s: "
		    "%s", ji->owner->cfg->path, in->line, ji->input,
		    in->directory ? " in " : "", in->directory ? in->directory : "",
		    strerror(-r));
		ji->sj = NULL;
		return -1;
	}
	if (ji->source == NULL || ji->name == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Fields longer than a line are never decompressed whole. */
	sd_journal_set_data_threshold(ji->sj, (size_t)ji->owner->cfg->max_line + 64);
	for (size_t i = 0; i < in->match.n; i++) {
		if ((r = sd_journal_add_match(ji->sj, in->match.v[i], 0)) < 0 ||
		    (r = sd_journal_add_disjunction(ji->sj)) < 0) {
			snprintf(err, errlen, "%s:%d: inputs[%zu].match[%zu]: \"%s\": %s",
			    ji->owner->cfg->path, in->line, ji->input, i, in->match.v[i],
			    strerror(-r));
			return -1;
		}
	}
	return 0;
}

/*
 * Where reading starts. With a checkpoint: at its cursor, skipping the
 * entry it names. At the very first start of the input: where start_at
 * says, like a file; `end` is the newest entry there is, taken as seen
 * and checkpointed at once, so a collector killed before its first
 * confirmation does not start over from the oldest entry of the journal.
 * Seen before but nothing checkpointed (the journal was empty, or nothing
 * was confirmed): from the oldest entry, since all of it came since.
 */
static int
jin_position(struct ronda_journal *j, struct jin *ji, char *err, size_t errlen)
{
	char *cursor = NULL;
	int seen, r;

	if ((seen = ronda_ckpt_input_seen(j->ck, ji->in->journal_key)) == -1 ||
	    ronda_ckpt_journal_get(j->ck, ji->in->journal_key, &cursor) == -1) {
		snprintf(err, errlen, "%s", ronda_ckpt_errmsg(j->ck));
		return -1;
	}
	if (cursor != NULL) {
		if ((r = sd_journal_seek_cursor(ji->sj, cursor)) < 0) {
			j->st.cursor_lost++;
			log_warnx("%s: the checkpointed cursor cannot be used (%s); "
			    "reading from the oldest entry", ji->name, strerror(-r));
			free(cursor);
			sd_journal_seek_head(ji->sj);
			return 0;
		}
		ji->skip = cursor;
		ji->committed = strdup(cursor);
		log_info("%s: resuming after the checkpointed entry", ji->name);
		return 0;
	}
	if (seen == 0 && ji->in->start_at == RONDA_START_END) {
		sd_journal_seek_tail(ji->sj);
		if (sd_journal_previous(ji->sj) > 0 &&
		    sd_journal_get_cursor(ji->sj, &ji->committed) >= 0) {
			ji->dirty = 1;
			log_info("%s: first start: following new entries",
			    ji->name);
			ronda_journal_checkpoint(j);	/* a failure is retried each second */
			return 0;
		}
		ji->committed = NULL;
	}
	sd_journal_seek_head(ji->sj);
	log_info("%s: reading from the oldest entry", ji->name);
	return 0;
}

static void
jin_close(struct jin *ji)
{
	if (ji->fd_ev != NULL)
		event_free(ji->fd_ev);
	if (ji->sj != NULL)
		sd_journal_close(ji->sj);
	for (size_t k = 0; ji->ring_cursor != NULL && k < ji->ring_cap; k++)
		free(ji->ring_cursor[k]);
	free(ji->ring_cursor);
	free(ji->ring_acked);
	free(ji->committed);
	free(ji->skip);
	free(ji->line);
	free(ji->source);
	free(ji->name);
}

struct ronda_journal *
ronda_journal_new(struct event_base *base, const struct ronda_collector_config *cfg,
    struct ronda_ckpt *ck, const struct ronda_journal_ops *ops, void *arg, int once,
    char *err, size_t errlen)
{
	struct ronda_journal *j;
	struct timeval tv;
	size_t n = ronda_journal_inputs(cfg);

	if (n > SLOT_MAX) {
		snprintf(err, errlen, "%s: inputs: at most %d journal inputs", cfg->path,
		    SLOT_MAX);
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->v = calloc(n + 1, sizeof(*j->v))) == NULL) {
		free(j);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->base = base;
	j->cfg = cfg;
	j->ck = ck;
	j->ops = *ops;
	j->arg = arg;
	j->once = once;

	for (size_t i = 0; i < cfg->inputs.n; i++) {
		struct jin *ji;
		if (input_at(cfg, i)->type != RONDA_INPUT_JOURNAL)
			continue;
		ji = &j->v[j->n];
		ji->slot = j->n++;
		ji->input = i;
		ji->in = input_at(cfg, i);
		ji->owner = j;
		ji->ring_cap = (size_t)cfg->max_inflight;
		ji->ring_cursor = calloc(ji->ring_cap, sizeof(*ji->ring_cursor));
		ji->ring_acked = calloc(ji->ring_cap, 1);
		ji->line = malloc((size_t)cfg->max_line);
		if (ji->ring_cursor == NULL || ji->ring_acked == NULL || ji->line == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (jin_open(ji, err, errlen) == -1)
			goto fail;
		/*
		 * The inotify fd is made before the first read, so nothing
		 * written between the read and the watch is missed.
		 */
		if (!once) {
			int fd = sd_journal_get_fd(ji->sj);
			if (fd < 0) {
				log_warnx("%s: no inotify (%s); looking every %lld ms",
				    ji->name, strerror(-fd), (long long)cfg->scan_interval);
			} else if ((ji->fd_ev = event_new(base, fd, EV_READ | EV_PERSIST,
			    journal_on_fd, ji)) == NULL || event_add(ji->fd_ev, NULL) == -1) {
				snprintf(err, errlen, "cannot watch the journal");
				goto fail;
			}
		}
		if (jin_position(j, ji, err, errlen) == -1)
			goto fail;
	}

	j->work_ev = event_new(base, -1, 0, journal_on_work, j);
	j->scan_ev = event_new(base, -1, EV_PERSIST, journal_on_scan, j);
	j->ckpt_ev = event_new(base, -1, EV_PERSIST, journal_on_ckpt_timer, j);
	if (j->work_ev == NULL || j->scan_ev == NULL || j->ckpt_ev == NULL) {
		snprintf(err, errlen, "cannot create events");
		goto fail;
	}
	tv.tv_sec = cfg->scan_interval / 1000;
	tv.tv_usec = (cfg->scan_interval % 1000) * 1000;
	event_add(j->scan_ev, &tv);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	event_add(j->ckpt_ev, &tv);
	schedule_work(j);
	return j;
fail:
	ronda_journal_free(j);
	return NULL;
}

void
ronda_journal_free(struct ronda_journal *j)
{
	if (j == NULL)
		return;
	if (j->ck != NULL)
		ronda_journal_checkpoint(j);
	if (j->work_ev != NULL)
		event_free(j->work_ev);
	if (j->scan_ev != NULL)
		event_free(j->scan_ev);
	if (j->ckpt_ev != NULL)
		event_free(j->ckpt_ev);
	for (size_t i = 0; i < j->n; i++)
		jin_close(&j->v[i]);
	free(j->v);
	free(j);
}

int
ronda_journal_idle(const struct ronda_journal *j)
{
	if (j->more || j->blocked)
		return 0;
	for (size_t i = 0; i < j->n; i++) {
		const struct jin *ji = &j->v[i];
		if (!ji->at_end || ji->held || ji->ring_count > 0)
			return 0;
	}
	return 1;
}

void
ronda_journal_stats(const struct ronda_journal *j, struct ronda_journal_stats *st)
{
	*st = j->st;
	st->inflight = 0;
	st->journals = j->n;
	for (size_t i = 0; i < j->n; i++)
		st->inflight += j->v[i].ring_count;
}
