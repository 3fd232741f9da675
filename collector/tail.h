/*
 * tail.h — follow log files through rotation and restarts, line by line, and
 * track which lines Kafka has confirmed so checkpoints never run ahead.
 *
 * Model. A *stream* is one logical file: identity (device, inode, and a
 * fingerprint of its first line or first 1 KiB) plus the ring of lines handed
 * to the sink and not yet confirmed, plus its checkpoint row. An open *file*
 * is an fd with a read buffer that feeds one stream. Normally they pair 1:1;
 * after copytruncate the copy (access.log.1) continues the original stream
 * from where reading stopped while the truncated original starts a new one.
 *
 * Rotation. inotify on each input's directory wakes the reader; a periodic
 * stat() rescan (scan_interval) is the backstop and catches everything
 * inotify cannot (queue overflow, directories created later, NFS).
 *  - rename+create: the path now names another inode; the old fd is kept and
 *    read to its end, then closed rotate_wait after its last growth.
 *  - copytruncate: size < read offset, or the fingerprint no longer matches.
 *    The copy is looked for in the same folder (same fingerprint, at least as
 *    long) and read from the old offset, so nothing is lost when the copy was
 *    made before truncation. Lines written between the copy and the truncate
 *    by the application are lost by the mechanism itself (documented).
 *  - restart: rows of the state DB are matched to files by identity, also
 *    when a file was renamed meanwhile (access.log -> access.log.1).
 */
#ifndef RONDA_TAIL_H
#define RONDA_TAIL_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ronda_ckpt;
struct ronda_collector_config;

struct ronda_tail;

/* What a line callback answers. */
#define RONDA_TAIL_BUSY		(-1)	/* sink full: keep the line, stop reading for now */
#define RONDA_TAIL_DONE		0	/* handled, nothing to confirm (filtered out) */
#define RONDA_TAIL_PENDING	1	/* handed to the sink: ronda_tail_ack(ticket) later */

/* ronda_tail_line.flags */
#define RONDA_TAIL_TRUNCATED	0x1	/* cut at max_line */

/* One complete line (without its newline), borrowed for the callback only. */
struct ronda_tail_line {
	const char *p;
	size_t n;
	uint64_t offset;	/* byte offset of the line's start in the logical file */
	unsigned flags;
	uint64_t ticket;	/* pass to ronda_tail_ack() once delivered */
	size_t input;		/* index of the config input it came from */
	const char *path;	/* the path it is read from now */
	uint64_t dev, ino, fp;	/* identity of the logical file (for event ids) */
	int64_t mtime_ms;	/* the file's modification time at the last fstat (UTC ms) */
};

struct ronda_tail_ops {
	/* Called for each complete line; returns RONDA_TAIL_*. */
	int (*on_line)(void *arg, const struct ronda_tail_line *line);
	/* Called between batches of lines so the sink can serve callbacks. */
	void (*poll)(void *arg);
};

struct ronda_tail_stats {
	uint64_t lines;		/* lines handed to on_line */
	uint64_t bytes;		/* bytes read */
	uint64_t truncated;	/* lines cut at max_line */
	uint64_t rotations;	/* rename and copytruncate rotations seen */
	uint64_t truncations;	/* copytruncate seen */
	uint64_t copies_found;	/* truncations whose copy was found and read */
	uint64_t lost_files;	/* checkpointed files that could not be found again */
	uint64_t inflight;	/* lines sent and not yet confirmed */
	uint64_t behind;	/* bytes not yet read, over all open files */
	uint64_t ckpt_errors;	/* failed checkpoint writes */
	size_t files;		/* open files */
	size_t streams;
};

/*
 * Create a tailer for cfg's inputs, attached to base. It reads checkpoints
 * from ck (borrowed; must outlive the tailer). once: read every input to its
 * end and report idle, with no waiting for rotated files. Returns NULL with
 * a message in err.
 */
struct ronda_tail *ronda_tail_new(struct event_base *base,
    const struct ronda_collector_config *cfg, struct ronda_ckpt *ck,
    const struct ronda_tail_ops *ops, void *arg, int once, char *err, size_t errlen);
/* Stop watching and free; writes final checkpoints first. NULL is a no-op. */
void ronda_tail_free(struct ronda_tail *t);

/* The sink confirmed the line with this ticket. */
void ronda_tail_ack(struct ronda_tail *t, uint64_t ticket);
/* Wake the reader (after the sink drained, on a poll tick). */
void ronda_tail_kick(struct ronda_tail *t);
/* Write every checkpoint that moved. 0 / -1 (state DB error, counted). */
int ronda_tail_checkpoint(struct ronda_tail *t);
/* 1 when every input was read to its end and every line confirmed. */
int ronda_tail_idle(const struct ronda_tail *t);
/* Counters and gauges. */
void ronda_tail_stats(const struct ronda_tail *t, struct ronda_tail_stats *st);
/* Bytes read so far and total bytes of the open files (for --once progress). */
void ronda_tail_progress(const struct ronda_tail *t, uint64_t *done, uint64_t *total);
/* Log one info line per open file: path, offset, bytes behind, in flight. */
void ronda_tail_log_files(const struct ronda_tail *t);

#endif
