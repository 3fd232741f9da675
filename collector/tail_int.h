/*
 * tail_int.h — the tailer's insides, shared by tail.c (streams, files,
 * checkpoints, reading, the loop) and tail_scan.c (finding files: globbing,
 * rotation, copytruncate). Not for use outside collector/tail*.c.
 */
#ifndef RONDA_TAIL_INT_H
#define RONDA_TAIL_INT_H

#include "tail.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "conf.h"
#include "ronda/log.h"
#include "ronda/timeutil.h"

#define FP_MAX		1024	/* bytes a fingerprint covers at most */
#define READ_CHUNK	(256 * 1024)
#define PASS_BYTES	(1024 * 1024)	/* per file per read pass */
#define POLL_EVERY	2048	/* lines between sink polls */
#define MAX_STREAMS	65535
/*
 * A ticket is slot << SEQ_BITS | seq. Bit 63 stays clear (the stream table
 * grows to 32768 slots at most): journal.c's tickets set it.
 */
#define SEQ_BITS	48
#define SEQ_MASK	((UINT64_C(1) << SEQ_BITS) - 1)
#define COPY_CANDIDATES	64	/* files looked at when searching a truncated file's copy */

enum file_state { F_ACTIVE, F_ROTATED };

/* One logical file: identity, in-flight ring, checkpoint. */
struct stream {
	int slot;
	uint64_t dev, ino, fp;
	uint32_t fp_len;
	int fp_ready;
	char *path;		/* last path (checkpoint row) */
	uint64_t *ring_end;	/* end offset of each unconfirmed line, by seq */
	unsigned char *ring_acked;
	size_t ring_cap, ring_count, ring_head;
	uint64_t seq_head;	/* seq of ring_head */
	uint64_t committed;	/* all lines before this offset are confirmed */
	uint64_t saved;		/* offset last written to the state DB */
	int saved_once;
	int first_save_tried;	/* its row was written (or tried) before its first line */
	int detached;		/* no file feeds it any more */
	int finished;		/* read to its end: mark done once drained */
};

/* One open fd feeding a stream. */
struct tfile {
	struct tfile *next;
	struct stream *s;
	size_t input;
	char *path;
	int fd;
	int state;		/* enum file_state */
	uint64_t read_off;	/* file position of the next read() */
	char *buf;
	size_t buf_len, buf_cap;
	uint64_t buf_off;	/* file offset of buf[0] */
	int discarding;		/* dropping the tail of an overlong line */
	int eof;		/* the last read returned 0 */
	int64_t last_growth;	/* monotonic ms */
	uint64_t size;		/* size at the last fstat */
	/*
	 * Modification time at the last fstat (UTC ms, 0 unknown): a time that
	 * follows the log, not the reader, for lines that carry no year.
	 */
	int64_t mtime_ms;
	int seen;		/* matched in the current tail_rescan */
};

struct watch {
	int wd;
	char *dir;
};

struct ronda_tail {
	struct event_base *base;
	const struct ronda_collector_config *cfg;
	struct ronda_ckpt *ck;
	struct ronda_tail_ops ops;
	void *arg;
	int once;
	int initial;		/* in the first scan after start */

	struct tfile *files;
	struct stream **streams;	/* by slot */
	size_t nstreams_cap;
	size_t nstreams;

	struct ronda_ckpt_rec *recs;	/* checkpoint rows not yet matched */
	size_t nrecs;
	unsigned char *rec_used;
	unsigned char *first_start;	/* per input: never seen by an earlier run */

	int ifd;
	struct event *inotify_ev;
	struct event *scan_ev;
	struct event *work_ev;
	struct event *ckpt_ev;
	struct watch *watches;
	size_t nwatches;

	struct ronda_ratelimit ckpt_rl;	/* checkpoint write failures */
	uint64_t ckpt_failing;	/* failures in a row */
	struct { uint64_t dev, ino; } refused[16];	/* links already logged */
	size_t nrefused;
	int64_t since_ms;	/* files modified after this are ours to read (wall clock) */
	int rescan_pending;
	int blocked;
	int more;
	struct ronda_tail_stats st;
};



struct stream * tail_stream_new(struct ronda_tail *t, size_t ring_cap);
void tail_stream_free(struct ronda_tail *t, struct stream *s);
void tail_stream_set_path(struct stream *s, const char *path);
void tail_stream_advance(struct stream *s);
int tail_fp_compute(int fd, uint64_t *fp, uint32_t *fp_len);
int tail_fp_matches(int fd, uint64_t fp, uint32_t len);
int tail_fp_taken(const struct ronda_tail *t, uint64_t fp);
int tail_skip_name(const char *path);
void tail_refuse_link(struct ronda_tail *t, const char *path, const struct stat *lsb);
size_t tail_fixed_prefix(const char *pattern);
int tail_open_log(struct ronda_tail *t, const char *p, size_t fixed, struct stat *sb);
void tail_tfile_free(struct tfile *f);
int64_t tail_stat_mtime_ms(const struct stat *sb);
struct tfile * tail_tfile_new(struct ronda_tail *t, size_t input, const char *path, int fd);
void tail_tfile_update_path(struct tfile *f);
struct tfile * tail_find_by_inode(struct ronda_tail *t, uint64_t dev, uint64_t ino);
void tail_tfile_seek(struct tfile *f, uint64_t off);
uint64_t tail_end_line_start(int fd, uint64_t size);
struct tfile * tail_open_new(struct ronda_tail *t, size_t input, const char *path, int fd, const struct stat *sb, uint64_t offset);
int tail_read_file(struct ronda_tail *t, struct tfile *f);
int tail_maybe_retire(struct ronda_tail *t, struct tfile *f);
void tail_schedule_work(struct ronda_tail *t);
void tail_handle_truncation(struct ronda_tail *t, struct tfile *f);
int tail_was_truncated(struct tfile *f);
void tail_drop_watch(struct ronda_tail *t, int wd);
void tail_scan_input(struct ronda_tail *t, size_t idx, int missed);
void tail_resume_rotated(struct ronda_tail *t);
void tail_rescan(struct ronda_tail *t);
void tail_on_work(evutil_socket_t fd, short what, void *arg);
void tail_inotify_drain(struct ronda_tail *t);

#endif
