/*
 * webroot.h — the web-root watch: the baseline of every file of each
 * configured web root (size, times, inode, mode, SHA-256) in the state DB,
 * inotify (one watch per folder) with a periodic full scan as backstop, and
 * one event per created, modified, deleted or renamed file, with the
 * content markers of what it holds now (marker.h).
 *
 * Delivery: an event's baseline row is written only after Kafka confirmed
 * the event (ronda_webroot_ack with its ticket). A kill -9 in between
 * leaves the old row: the next scan finds the same difference and sends the
 * same event again, with the same deterministic id. The first scan of a
 * root records the baseline silently (file_found events only for files with
 * markers) and marks the root baselined only when it finished and its
 * events were confirmed; killed before, it starts again.
 *
 * Memory does not grow with the tree: a walk holds one open folder per
 * level, compares each entry with its row by primary key and each row with
 * the disk by fstatat. What grows with activity is capped: pending checks
 * (CHECKS_MAX, past it a rescan), events in flight (INFLIGHT_MAX, past it
 * the watch waits for Kafka), watches (max_watches, past it scan-only).
 */
#ifndef RONDA_WEBROOT_H
#define RONDA_WEBROOT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ronda_collector_config;
struct ronda_markers;
struct ronda_webroot;

/*
 * Tickets of web-root events have both top bits set: the tailer's never
 * set bit 63, the journal's set bit 63 and (with fewer than 16384 journal
 * inputs) never bit 62.
 */
#define RONDA_WEBROOT_TICKET	(UINT64_C(3) << 62)
#define RONDA_WEBROOT_IS_TICKET(t) (((t) & RONDA_WEBROOT_TICKET) == RONDA_WEBROOT_TICKET)

struct ronda_webroot_ops {
	/*
	 * Queue one event (key = the site id; both copied). 0, or -1 when the
	 * sink is full: the same message is offered again later, and nothing
	 * new is produced meanwhile.
	 */
	int (*emit)(void *arg, const char *key, size_t keylen, const char *json,
	    size_t len, uint64_t ticket);
	/* Wall clock, UTC ms (acceptance windows, some @timestamps); NULL: the real one. */
	int64_t (*now_ms)(void *arg);
};

struct ronda_webroot_stats {
	uint64_t files_baselined;	/* rows written by first scans */
	uint64_t files_hashed;
	uint64_t bytes_hashed;
	uint64_t changes_sent;		/* events produced (file_found included) */
	uint64_t changes_confirmed;	/* ... and confirmed (their rows written) */
	uint64_t found_sent;		/* file_found events of first scans */
	uint64_t marker_hits;		/* events that carried markers */
	uint64_t unreadable;		/* files or folders that could not be read */
	uint64_t symlinks_skipped;	/* symbolic links met (never followed) */
	uint64_t special_skipped;	/* FIFOs, sockets, devices met */
	uint64_t too_deep;		/* folders past the depth or path length cap */
	uint64_t watch_limit_hits;	/* folders not watched: max_watches or ENOSPC */
	uint64_t overflows;		/* inotify queue overflows (each forces a rescan) */
	uint64_t checks_dropped;	/* pending checks past the cap (a rescan instead) */
	uint64_t scans;			/* full walks finished (first scans included) */
	uint64_t scan_ms_last;		/* duration of the last full walk */
	uint64_t scan_ms_total;
	uint64_t db_errors;		/* state DB writes that failed */
	uint64_t marker_errors;		/* scanner errors */
	uint64_t sink_busy;		/* times the sink refused an event (retried) */
	uint64_t too_large;		/* events past the JSON cap: not sent (cannot happen
					   with WR_PATH_MAX paths; counted all the same) */
	/* gauges */
	uint64_t watches;		/* inotify watches held */
	uint64_t folders_unwatched;	/* folders of the last walks without a watch */
	uint64_t inflight;		/* events sent, not yet confirmed */
	uint64_t checks_pending;
	uint64_t roots;
	uint64_t roots_baselined;
};

/*
 * Watch every web root of cfg (borrowed, must outlive the watcher) from
 * base, matching changed files against markers (borrowed). once: no
 * inotify; scan each root once (first scan or comparison) and report idle.
 * Returns NULL with a message in err.
 */
struct ronda_webroot *ronda_webroot_new(struct event_base *base,
    const struct ronda_collector_config *cfg, struct ronda_markers *markers,
    const struct ronda_webroot_ops *ops, void *arg, int once, char *err,
    size_t errlen);
/*
 * Stop watching, write the rows of what Kafka confirmed, free; unconfirmed
 * events are found again after a restart. NULL is a no-op.
 */
void ronda_webroot_free(struct ronda_webroot *w);
/* Kafka confirmed the event with this ticket: its baseline row is written. */
void ronda_webroot_ack(struct ronda_webroot *w, uint64_t ticket);
/* The sink may have room again: offer what waits. */
void ronda_webroot_kick(struct ronda_webroot *w);
/* --once: every root was scanned once and every event confirmed. */
int ronda_webroot_idle(const struct ronda_webroot *w);
void ronda_webroot_stats(const struct ronda_webroot *w, struct ronda_webroot_stats *st);

/*
 * Do the work that is due now (checks, walks, confirmed rows) within one
 * time slice; the loop calls it through its timer. Returns 1 when more work
 * is ready at once. Exposed for tests, which drive it with their own clock.
 */
int ronda_webroot_run(struct ronda_webroot *w);
/* Start a full scan of every root now (tests; SIGHUP does it through a restart). */
void ronda_webroot_rescan(struct ronda_webroot *w);

/*
 * --accept: record that changes under path (a web root of cfg or a file or
 * folder inside one) are the operator's for for_ms from now_ms on; for_ms 0
 * re-baselines path at once (no events for marker-less differences). The
 * running collector sees it without a restart. 0 with one line for the
 * operator in msg, or -1 with the reason in msg (2: path is in no web root).
 */
int ronda_webroot_accept(const struct ronda_collector_config *cfg, const char *path,
    int64_t for_ms, int64_t now_ms, char *msg, size_t msglen);

#endif
