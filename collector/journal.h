/*
 * journal.h — read auth entries from the systemd journal (sd-journal,
 * libsystemd) in order, and track which ones Kafka has confirmed so the
 * checkpointed cursor never runs ahead: the journal's counterpart of tail.h.
 *
 * Model. Each `type: journal` input opens one journal (the system journal,
 * a folder, or explicit files) filtered by its match terms (OR-ed). Every
 * entry handed on gets a ticket and its cursor goes into a ring of entries
 * not yet confirmed; when Kafka confirms, the ring's head advances over
 * confirmed entries and the newest cursor before which everything is
 * confirmed is what the state DB stores (every second). A restart seeks that
 * cursor and skips the entry it names; when that entry is gone (vacuumed
 * while we were stopped) the read continues with the oldest entry after it
 * and the loss is counted. Duplicates after kill -9 carry the same event id:
 * it is derived from the entry's sequence number id and sequence number.
 *
 * Wake-ups: sd_journal_get_fd (inotify) on the event loop, a scan_interval
 * timer as backstop; both call sd_journal_process, which also notices
 * rotation and vacuum (SD_JOURNAL_INVALIDATE).
 */
#ifndef RONDA_JOURNAL_H
#define RONDA_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/event.h"

struct event_base;
struct ronda_ckpt;
struct ronda_collector_config;

struct ronda_journal;

/* Tickets of journal entries have this bit set; the tailer's never do. */
#define RONDA_JOURNAL_TICKET	(UINT64_C(1) << 63)
/*
 * What stands for a file's fingerprint in a journal entry's event id
 * ("journal" in ASCII; a file's is a hash of its first line).
 */
#define RONDA_JOURNAL_ID_TAG	UINT64_C(0x6a6f75726e616c)

/* What an entry callback answers (the values of tail.h's RONDA_TAIL_*). */
#define RONDA_JOURNAL_BUSY	(-1)	/* sink full: keep the entry, stop reading for now */
#define RONDA_JOURNAL_DONE	0	/* handled, nothing to confirm (filtered out) */
#define RONDA_JOURNAL_PENDING	1	/* handed to the sink: ronda_journal_ack(ticket) later */

/* ronda_journal_entry.flags */
#define RONDA_JOURNAL_TRUNCATED	0x1	/* cut at max_line */

/*
 * One entry, written as a syslog line for event.original:
 *   2026-11-20T23:04:05.123456+00:00 web01 sshd[812]: Failed password for ...
 * host, program and message are slices of that line; everything is borrowed
 * for the callback only. Bytes are as the journal holds them (NULs and
 * newlines included); host and program are cut at 64 bytes, the whole line
 * at max_line (flagged).
 */
struct ronda_journal_entry {
	const char *p;
	size_t n;
	unsigned flags;
	uint64_t ticket;	/* pass to ronda_journal_ack() once delivered */
	size_t input;		/* index of the config input it came from */
	const char *source;	/* the journal read (log.file.path) */
	/* Identity (event.id): sequence number id (128 bits) and number. */
	uint64_t seqnum_id_hi, seqnum_id_lo, seqnum;
	int64_t ts_ms;		/* __REALTIME_TIMESTAMP, UTC ms */
	struct ronda_str host;	/* _HOSTNAME */
	struct ronda_str program;	/* SYSLOG_IDENTIFIER, else _COMM */
	int64_t pid;		/* _PID, else SYSLOG_PID; -1 absent */
	struct ronda_str message;	/* MESSAGE */
};

struct ronda_journal_ops {
	/* Called for each entry; returns RONDA_JOURNAL_*. */
	int (*on_entry)(void *arg, const struct ronda_journal_entry *e);
	/* Called between batches of entries so the sink can serve callbacks. */
	void (*poll)(void *arg);
};

struct ronda_journal_stats {
	uint64_t entries;	/* entries handed to on_entry */
	uint64_t truncated;	/* entries cut at max_line */
	uint64_t cursor_saves;	/* cursors written to the state DB */
	uint64_t cursor_lost;	/* checkpointed entries gone at restart (vacuum) */
	uint64_t invalidations;	/* journal files added or removed (rotation, vacuum) */
	uint64_t read_errors;	/* failed reads (a corrupt file), retried */
	uint64_t ckpt_errors;	/* failed cursor writes */
	uint64_t inflight;	/* entries sent and not yet confirmed */
	size_t journals;	/* journal inputs open */
};

/* Number of journal inputs in cfg (none: the collector needs no reader). */
size_t ronda_journal_inputs(const struct ronda_collector_config *cfg);

/*
 * Open every journal input of cfg and attach to base; cursors come from ck
 * (borrowed; must outlive the reader). once: read each journal to its end
 * and report idle. Returns NULL with a message in err.
 */
struct ronda_journal *ronda_journal_new(struct event_base *base,
    const struct ronda_collector_config *cfg, struct ronda_ckpt *ck,
    const struct ronda_journal_ops *ops, void *arg, int once, char *err,
    size_t errlen);
/* Stop watching and free; writes final checkpoints first. NULL is a no-op. */
void ronda_journal_free(struct ronda_journal *j);

/* The sink confirmed the entry with this ticket. */
void ronda_journal_ack(struct ronda_journal *j, uint64_t ticket);
/* Wake the reader (after the sink drained, on a poll tick). */
void ronda_journal_kick(struct ronda_journal *j);
/* Write every cursor that moved. 0 / -1 (state DB error, counted). */
int ronda_journal_checkpoint(struct ronda_journal *j);
/* 1 when every journal was read to its end and every entry confirmed. */
int ronda_journal_idle(const struct ronda_journal *j);
/* Counters and gauges. */
void ronda_journal_stats(const struct ronda_journal *j, struct ronda_journal_stats *st);

#endif
