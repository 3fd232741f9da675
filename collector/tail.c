#include "tail_int.h"

/* ---- streams ---------------------------------------------------------- */

struct stream *
tail_stream_new(struct ronda_tail *t, size_t ring_cap)
{
	struct stream *s;
	size_t slot;

	for (slot = 0; slot < t->nstreams_cap; slot++)
		if (t->streams[slot] == NULL)
			break;
	if (slot == t->nstreams_cap) {
		size_t ncap = t->nstreams_cap ? t->nstreams_cap * 2 : 16;
		struct stream **ns;
		if (ncap > MAX_STREAMS || (ns = realloc(t->streams,
		    ncap * sizeof(*ns))) == NULL)
			return NULL;
		memset(ns + t->nstreams_cap, 0, (ncap - t->nstreams_cap) * sizeof(*ns));
		t->streams = ns;
		t->nstreams_cap = ncap;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ring_cap = ring_cap;
	s->ring_end = calloc(ring_cap, sizeof(*s->ring_end));
	s->ring_acked = calloc(ring_cap, 1);
	if (s->ring_end == NULL || s->ring_acked == NULL) {
		free(s->ring_end);
		free(s->ring_acked);
		free(s);
		return NULL;
	}
	s->slot = (int)slot;
	t->streams[slot] = s;
	t->nstreams++;
	return s;
}

void
tail_stream_free(struct ronda_tail *t, struct stream *s)
{
	t->streams[s->slot] = NULL;
	t->nstreams--;
	free(s->ring_end);
	free(s->ring_acked);
	free(s->path);
	free(s);
}

void
tail_stream_set_path(struct stream *s, const char *path)
{
	char *p;

	if (s->path != NULL && strcmp(s->path, path) == 0)
		return;
	if ((p = strdup(path)) != NULL) {
		free(s->path);
		s->path = p;
	}
}

/* Pop confirmed lines off the head of the ring, advancing the checkpoint. */
void
tail_stream_advance(struct stream *s)
{
	while (s->ring_count > 0 && s->ring_acked[s->ring_head]) {
		s->committed = s->ring_end[s->ring_head];
		s->ring_acked[s->ring_head] = 0;
		s->ring_head = (s->ring_head + 1) % s->ring_cap;
		s->ring_count--;
		s->seq_head++;
	}
}

/* The ticket the next line pushed on s will have: its slot and its seq. */
static uint64_t
stream_next_ticket(const struct stream *s)
{
	return ((uint64_t)s->slot << SEQ_BITS) |
	    ((s->seq_head + s->ring_count) & SEQ_MASK);
}

/*
 * Append a line ending at end; its ticket is what stream_next_ticket() said
 * before the push. The caller checked there is room.
 */
static void
stream_push(struct stream *s, uint64_t end, int acked)
{
	size_t idx = (s->ring_head + s->ring_count) % s->ring_cap;

	s->ring_end[idx] = end;
	s->ring_acked[idx] = (unsigned char)acked;
	s->ring_count++;
	if (acked && s->ring_count == 1)
		tail_stream_advance(s);
}

/* ---- fingerprints ----------------------------------------------------- */

/*
 * Fingerprint = hash of the bytes up to and including the first newline, or
 * of the first FP_MAX bytes when the first line is longer. Those bytes never
 * change in an append-only file once they exist, so the identity (and every
 * event id derived from it) is stable from the first complete line on.
 * Returns 1 when established, 0 when the file has no complete first line
 * yet, -1 on a read error.
 */
int
tail_fp_compute(int fd, uint64_t *fp, uint32_t *fp_len)
{
	char b[FP_MAX];
	ssize_t n;
	char *nl;
	size_t len;

	n = pread(fd, b, sizeof(b), 0);
	if (n < 0)
		return -1;
	if ((nl = memchr(b, '\n', (size_t)n)) != NULL)
		len = (size_t)(nl - b) + 1;
	else if ((size_t)n == sizeof(b))
		len = sizeof(b);
	else
		return 0;
	*fp = ronda_hash64(b, len, 0x66696c65);
	*fp_len = (uint32_t)len;
	return 1;
}

/* Does the file at fd start with the bytes whose fingerprint is (fp, len)? */
int
tail_fp_matches(int fd, uint64_t fp, uint32_t len)
{
	char b[FP_MAX];

	if (len == 0 || len > FP_MAX)
		return 0;
	if (pread(fd, b, len, 0) != (ssize_t)len)
		return 0;
	return ronda_hash64(b, len, 0x66696c65) == fp;
}

/* Does a live stream already have this fingerprint (e.g. a copy being read)? */
int
tail_fp_taken(const struct ronda_tail *t, uint64_t fp)
{
	for (size_t i = 0; i < t->nstreams_cap; i++)
		if (t->streams[i] != NULL && t->streams[i]->fp_ready &&
		    t->streams[i]->fp == fp)
			return 1;
	return 0;
}

/* ---- files ------------------------------------------------------------ */

int
tail_skip_name(const char *path)
{
	static const char *const ext[] = { ".gz", ".bz2", ".xz", ".zst", ".lz4",
	    ".zip", NULL };
	size_t n = strlen(path);

	for (int i = 0; ext[i] != NULL; i++) {
		size_t e = strlen(ext[i]);
		if (n > e && strcmp(path + n - e, ext[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * Symbolic links are never followed where a log file is found: whoever can
 * write to a log folder (a web application's own log directory) could
 * otherwise plant access.log -> /etc/shadow and have it shipped to the SOC.
 * Links in the part of an input's path the admin wrote without wildcards
 * (/var/log -> /data/log) are the admin's and followed; every component
 * after it must not be a link. Each refused link is logged once.
 */
void
tail_refuse_link(struct ronda_tail *t, const char *path, const struct stat *lsb)
{
	for (size_t i = 0; i < t->nrefused && i < 16; i++)
		if (t->refused[i].dev == (uint64_t)lsb->st_dev &&
		    t->refused[i].ino == (uint64_t)lsb->st_ino)
			return;
	t->refused[t->nrefused % 16].dev = (uint64_t)lsb->st_dev;
	t->refused[t->nrefused % 16].ino = (uint64_t)lsb->st_ino;
	t->nrefused++;
	log_warnx("%s is a symbolic link: not followed (a log file must be a "
	    "regular file; name its target in the input's path)", path);
}

/* Length of the part of pattern before the folder holding its first wildcard. */
size_t
tail_fixed_prefix(const char *pattern)
{
	size_t w = strcspn(pattern, "*?[");
	size_t n = 0;

	for (size_t i = 0; i < w; i++)
		if (pattern[i] == '/')
			n = i;
	return n;
}

/*
 * Open a log file found at p for reading, refusing links after p's first
 * fixed bytes (see tail_refuse_link) and anything but a regular file (O_NONBLOCK:
 * a FIFO swapped in after the lstat cannot block the loop). Returns the fd
 * with *sb describing it, or -1.
 */
int
tail_open_log(struct ronda_tail *t, const char *p, size_t fixed, struct stat *sb)
{
	char part[PATH_MAX];
	struct stat lsb;
	size_t n = strlen(p);
	int fd;

	if (n >= sizeof(part))
		return -1;
	for (size_t i = fixed + 1; i < n; i++) {
		if (p[i] != '/')
			continue;
		memcpy(part, p, i);
		part[i] = '\0';
		if (lstat(part, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
			tail_refuse_link(t, part, &lsb);
			return -1;
		}
	}
	if (lstat(p, &lsb) == -1)
		return -1;
	if (S_ISLNK(lsb.st_mode)) {
		tail_refuse_link(t, p, &lsb);
		return -1;
	}
	if (!S_ISREG(lsb.st_mode))
		return -1;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) == -1) {
		if (errno != ELOOP && errno != ENOENT)
			log_warn("open %s", p);
		return -1;
	}
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

void
tail_tfile_free(struct tfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f->path);
	free(f);
}

int64_t
tail_stat_mtime_ms(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000 + sb->st_mtim.tv_nsec / 1000000;
}

struct tfile *
tail_tfile_new(struct ronda_tail *t, size_t input, const char *path, int fd)
{
	struct tfile *f;
	struct stat sb;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->input = input;
	f->fd = fd;
	if (fstat(fd, &sb) == 0)
		f->mtime_ms = tail_stat_mtime_ms(&sb);
	f->buf_cap = (size_t)t->cfg->max_line + READ_CHUNK;
	if ((f->path = strdup(path)) == NULL ||
	    (f->buf = malloc(f->buf_cap)) == NULL) {
		f->fd = -1;
		tail_tfile_free(f);
		return NULL;
	}
	f->last_growth = ronda_mono_ms();
	f->next = t->files;
	t->files = f;
	return f;
}

static void
tfile_unlink(struct ronda_tail *t, struct tfile *f)
{
	struct tfile **pp;

	for (pp = &t->files; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			return;
		}
	}
}

/*
 * A rotated file's new name (access.log.1), from the kernel: for the logs
 * and for the checkpoint row, so a restart looks for it where it is.
 */
void
tail_tfile_update_path(struct tfile *f)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	char *p;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", f->fd);
	if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
		return;
	target[n] = '\0';
	if (target[0] != '/' || strstr(target, " (deleted)") != NULL)
		return;
	if ((p = strdup(target)) == NULL)
		return;
	free(f->path);
	f->path = p;
	tail_stream_set_path(f->s, p);
}

struct tfile *
tail_find_by_inode(struct ronda_tail *t, uint64_t dev, uint64_t ino)
{
	for (struct tfile *f = t->files; f != NULL; f = f->next) {
		struct stat sb;
		if (fstat(f->fd, &sb) == 0 && (uint64_t)sb.st_dev == dev &&
		    (uint64_t)sb.st_ino == ino)
			return f;
	}
	return NULL;
}

/* Position f at offset (a line start) for reading. */
void
tail_tfile_seek(struct tfile *f, uint64_t off)
{
	f->read_off = off;
	f->buf_off = off;
	f->buf_len = 0;
	f->discarding = 0;
	f->eof = 0;
}

/*
 * Where a file seen at the very first start begins with start_at: end: after
 * the last complete line, so a partly written line is not cut in two.
 */
uint64_t
tail_end_line_start(int fd, uint64_t size)
{
	char b[4096];
	uint64_t pos = size;

	while (pos > 0) {
		size_t chunk = pos > sizeof(b) ? sizeof(b) : (size_t)pos;
		ssize_t n = pread(fd, b, chunk, (off_t)(pos - chunk));
		if (n != (ssize_t)chunk)
			return size;
		for (size_t i = chunk; i > 0; i--)
			if (b[i - 1] == '\n')
				return pos - chunk + i;
		pos -= chunk;
		if (size - pos > 1024 * 1024)
			return size;	/* no newline near the end: start at the end */
	}
	return 0;
}

/* Open a file for an input, pairing it with a new stream at offset. */
struct tfile *
tail_open_new(struct ronda_tail *t, size_t input, const char *path, int fd,
    const struct stat *sb, uint64_t offset)
{
	struct tfile *f;
	struct stream *s;

	if ((s = tail_stream_new(t, (size_t)t->cfg->max_inflight)) == NULL)
		return NULL;
	if ((f = tail_tfile_new(t, input, path, fd)) == NULL) {
		tail_stream_free(t, s);
		return NULL;
	}
	f->s = s;
	s->dev = (uint64_t)sb->st_dev;
	s->ino = (uint64_t)sb->st_ino;
	tail_stream_set_path(s, path);
	if (tail_fp_compute(fd, &s->fp, &s->fp_len) == 1)
		s->fp_ready = 1;
	s->committed = s->saved = offset;
	f->size = (uint64_t)sb->st_size;
	tail_tfile_seek(f, offset);
	return f;
}

/* ---- checkpoints ------------------------------------------------------ */

static void
rec_from_stream(struct ronda_ckpt_rec *r, const struct stream *s)
{
	memset(r, 0, sizeof(*r));
	r->dev = s->dev;
	r->ino = s->ino;
	r->fp = s->fp;
	r->fp_len = s->fp_len;
	r->path = s->path;
	r->offset = s->committed;
	r->done = s->finished && s->ring_count == 0;
}

/*
 * Write a new stream's row now, before its first line goes to the sink.
 * Without it a collector killed before the next checkpoint leaves lines in
 * Kafka that no row describes; if the file is then copied and truncated
 * (copytruncate) while the collector is down, the copy looks like a new file
 * and its lines are sent again under another identity: another event.id for
 * the same line (a bug test_fault_rotation_storm exposed). With the row, the
 * copy is found by its fingerprint and read under the stored identity. A
 * failed write (full disk) is left to the periodic checkpoint, which retries
 * and reports it; the lines flow meanwhile.
 */
static void
stream_save_first(struct ronda_tail *t, struct stream *s)
{
	struct ronda_ckpt_rec r;

	s->first_save_tried = 1;
	rec_from_stream(&r, s);
	if (ronda_ckpt_begin(t->ck) == -1)
		return;
	if (ronda_ckpt_put(t->ck, &r) == -1) {
		ronda_ckpt_rollback(t->ck);
		return;
	}
	if (ronda_ckpt_commit(t->ck) == -1)
		return;
	s->saved = r.offset;
	s->saved_once = 1;
}

int
ronda_tail_checkpoint(struct ronda_tail *t)
{
	struct ronda_ckpt_rec r;
	int any = 0, rc = 0;

	for (size_t i = 0; i < t->nstreams_cap; i++) {
		struct stream *s = t->streams[i];
		if (s == NULL || !s->fp_ready)
			continue;
		if (s->saved_once && s->committed == s->saved &&
		    !(s->finished && s->ring_count == 0))
			continue;
		any = 1;
	}
	if (!any)
		goto reap;
	if (ronda_ckpt_begin(t->ck) == -1)
		goto fail;
	for (size_t i = 0; i < t->nstreams_cap; i++) {
		struct stream *s = t->streams[i];
		if (s == NULL || !s->fp_ready)
			continue;
		if (s->saved_once && s->committed == s->saved &&
		    !(s->finished && s->ring_count == 0))
			continue;
		rec_from_stream(&r, s);
		if (ronda_ckpt_put(t->ck, &r) == -1) {
			ronda_ckpt_rollback(t->ck);
			goto fail;
		}
	}
	if (ronda_ckpt_commit(t->ck) == -1)
		goto fail;
	if (t->ckpt_failing > 0) {
		log_info("checkpoint: %s written again after %llu failed attempts",
		    t->cfg->state_db, (unsigned long long)t->ckpt_failing);
		t->ckpt_failing = 0;
		t->ckpt_rl.last = 0;
		t->ckpt_rl.suppressed = 0;
	}
	for (size_t i = 0; i < t->nstreams_cap; i++) {
		struct stream *s = t->streams[i];
		if (s != NULL && s->fp_ready) {
			s->saved = s->committed;
			s->saved_once = 1;
		}
	}
reap:
	/* Streams no file feeds and nothing is in flight for are finished. */
	for (size_t i = 0; i < t->nstreams_cap; i++) {
		struct stream *s = t->streams[i];
		if (s != NULL && s->detached && s->ring_count == 0 &&
		    (s->saved_once || !s->fp_ready))
			tail_stream_free(t, s);
	}
	return rc;
fail:
	/*
	 * A full disk or a read-only state DB: the lines still flow to Kafka,
	 * only their confirmation is not recorded (a restart resends them).
	 * Tried every second; said once a minute.
	 */
	t->st.ckpt_errors++;
	t->ckpt_failing++;
	if (ronda_ratelimit_ok(&t->ckpt_rl, (long)(ronda_mono_ms() / 1000), 60)) {
		log_warnx("checkpoint: %s: %s (lines keep flowing to Kafka; a restart "
		    "before this is fixed sends again what followed the last checkpoint; "
		    "retrying every second, %llu failed so far)", t->cfg->state_db,
		    ronda_ckpt_errmsg(t->ck), (unsigned long long)t->ckpt_failing);
	}
	return -1;
}

static void
tail_on_ckpt_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ronda_tail_checkpoint(arg);
}

/* ---- reading ---------------------------------------------------------- */

enum { R_IDLE, R_MORE, R_BLOCKED, R_TRUNCATED };

/* Hand one line to the callback; returns 0, or -1 when the sink is busy. */
static int
emit(struct ronda_tail *t, struct tfile *f, const char *p, size_t n, uint64_t off,
    uint64_t end, unsigned flags)
{
	struct stream *s = f->s;
	struct ronda_tail_line l;
	int rc;

	if (s->ring_count == s->ring_cap)
		return -1;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	l.p = p;
	l.n = n;
	l.offset = off;
	l.flags = flags;
	l.ticket = stream_next_ticket(s);
	l.input = f->input;
	l.path = f->path;
	l.dev = s->dev;
	l.ino = s->ino;
	l.fp = s->fp;
	l.mtime_ms = f->mtime_ms;
	rc = t->ops.on_line(t->arg, &l);
	if (rc == RONDA_TAIL_BUSY)
		return -1;
	stream_push(s, end, rc == RONDA_TAIL_DONE);
	t->st.lines++;
	if (flags & RONDA_TAIL_TRUNCATED)
		t->st.truncated++;
	if (t->st.lines % POLL_EVERY == 0) {
		if (t->ops.poll != NULL)
			t->ops.poll(t->arg);
		/*
		 * A file created now may be renamed away before this pass ends
		 * (fast rotation under load): open it at once; once its fd is
		 * held, later renames do not matter.
		 */
		tail_inotify_drain(t);
	}
	return 0;
}

/*
 * Consume complete lines from f's buffer. Returns R_BLOCKED when the sink or
 * the ring is full, else R_IDLE (the buffer holds at most a partial line).
 */
static int
drain_buffer(struct ronda_tail *t, struct tfile *f, int final)
{
	size_t pos = 0, max_line = (size_t)t->cfg->max_line;
	int rc = R_IDLE;

	if (!f->s->fp_ready && f->buf_len > 0) {
		if (tail_fp_compute(f->fd, &f->s->fp, &f->s->fp_len) == 1)
			f->s->fp_ready = 1;
		else if (memchr(f->buf, '\n', f->buf_len) != NULL ||
		    f->buf_len >= FP_MAX)
			return R_BLOCKED;	/* read error: retry on the next pass */
		else
			return R_IDLE;	/* no complete first line yet */
	}
	if (f->s->fp_ready && !f->s->saved_once && !f->s->first_save_tried)
		stream_save_first(t, f->s);
	while (pos < f->buf_len) {
		char *start = f->buf + pos;
		size_t avail = f->buf_len - pos;
		char *nl = memchr(start, '\n', avail > max_line + 1 ? max_line + 1 : avail);
		uint64_t off = f->buf_off + pos;

		if (f->discarding) {
			nl = memchr(start, '\n', avail);
			if (nl == NULL) {
				pos = f->buf_len;
				break;
			}
			/* The rest of a cut line: confirmed as soon as skipped. */
			if (f->s->ring_count == f->s->ring_cap) {
				rc = R_BLOCKED;
				break;
			}
			pos += (size_t)(nl - start) + 1;
			stream_push(f->s, f->buf_off + pos, 1);
			f->discarding = 0;
			continue;
		}
		if (nl != NULL) {
			size_t n = (size_t)(nl - start);
			if (emit(t, f, start, n, off, off + n + 1, 0) == -1) {
				rc = R_BLOCKED;
				break;
			}
			pos += n + 1;
		} else if (avail > max_line) {
			/* Cut: send the first max_line bytes, skip to the newline. */
			if (emit(t, f, start, max_line, off, off + max_line,
			    RONDA_TAIL_TRUNCATED) == -1) {
				rc = R_BLOCKED;
				break;
			}
			pos += max_line;
			f->discarding = 1;
		} else if (final && avail > 0) {
			/* A rotated file's unterminated last line: it will not grow. */
			if (emit(t, f, start, avail, off, off + avail, 0) == -1) {
				rc = R_BLOCKED;
				break;
			}
			pos += avail;
		} else {
			break;
		}
	}
	if (pos > 0) {
		memmove(f->buf, f->buf + pos, f->buf_len - pos);
		f->buf_len -= pos;
		f->buf_off += pos;
	}
	return rc;
}

/*
 * Read and dispatch f for up to PASS_BYTES. Before each chunk an active file
 * is checked for truncation, so bytes of a new generation of the file are
 * never read at the old offset under the old identity.
 */
int
tail_read_file(struct ronda_tail *t, struct tfile *f)
{
	size_t budget = PASS_BYTES;
	ssize_t n;
	int rc;

	for (;;) {
		if ((rc = drain_buffer(t, f, 0)) != R_IDLE)
			return rc;
		if (budget == 0)
			return R_MORE;
		if (f->state == F_ACTIVE && tail_was_truncated(f))
			return R_TRUNCATED;
		n = pread(f->fd, f->buf + f->buf_len, f->buf_cap - f->buf_len,
		    (off_t)f->read_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("read %s", f->path);
			return R_IDLE;
		}
		if (n == 0) {
			f->eof = 1;
			return R_IDLE;
		}
		/*
		 * copytruncate may have happened between the check above and
		 * this read: then these bytes may belong to the new generation.
		 * The fingerprint tells (it is checked after the read, so bytes
		 * read before a truncation are never mistaken): drop them and
		 * let the truncation handler read the copy from read_off.
		 */
		if (f->state == F_ACTIVE && f->s->fp_ready &&
		    !tail_fp_matches(f->fd, f->s->fp, f->s->fp_len))
			return R_TRUNCATED;
		f->eof = 0;
		f->buf_len += (size_t)n;
		f->read_off += (uint64_t)n;
		f->last_growth = ronda_mono_ms();
		t->st.bytes += (uint64_t)n;
		budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
	}
}

/* A rotated file that is fully read and quiet: flush its last line and close. */
int
tail_maybe_retire(struct ronda_tail *t, struct tfile *f)
{
	int64_t quiet = ronda_mono_ms() - f->last_growth;

	if (f->state != F_ROTATED || !f->eof)
		return 0;
	if (!t->once && quiet < t->cfg->rotate_wait)
		return 0;
	if (drain_buffer(t, f, 1) != R_IDLE)
		return 0;
	log_info("done with rotated file %s at offset %llu", f->path,
	    (unsigned long long)f->read_off);
	f->s->detached = 1;
	f->s->finished = 1;
	tfile_unlink(t, f);
	tail_tfile_free(f);
	return 1;
}

void
tail_schedule_work(struct ronda_tail *t)
{
	if (!event_pending(t->work_ev, EV_TIMEOUT, NULL))
		event_active(t->work_ev, EV_TIMEOUT, 0);
}

/* ---- the loop --------------------------------------------------------- */

void
tail_on_work(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_tail *t = arg;
	struct tfile *f, *next;
	int more = 0, blocked = 0;

	(void)fd;
	(void)what;
	if (t->rescan_pending)
		tail_rescan(t);
	for (f = t->files; f != NULL; f = next) {
		int rc;
		next = f->next;
		rc = tail_read_file(t, f);
		if (rc == R_TRUNCATED) {
			tail_handle_truncation(t, f);
			rc = tail_read_file(t, f);
			more = 1;	/* the copy, if any, was put at the list head */
		}
		if (rc == R_MORE)
			more = 1;
		else if (rc == R_BLOCKED)
			blocked = 1;
		else
			tail_maybe_retire(t, f);
	}
	if (t->ops.poll != NULL)
		t->ops.poll(t->arg);
	t->blocked = blocked;
	t->more = more;
	if (more && !blocked)
		tail_schedule_work(t);
}

static void
tail_on_scan(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_tail *t = arg;

	(void)fd;
	(void)what;
	t->rescan_pending = 1;
	tail_on_work(-1, 0, t);
}

/*
 * Read pending inotify events (the fd is non-blocking). New files are opened
 * right away (tail_scan_input only adds files; it never touches one being read);
 * everything else marks a full tail_rescan for the next pass.
 */
void
tail_inotify_drain(struct ronda_tail *t)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	int created = 0;

	if (t->ifd < 0)
		return;
	while ((n = read(t->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ie = (struct inotify_event *)p;
			if (ie->mask & IN_Q_OVERFLOW)
				t->rescan_pending = 1;
			if (ie->mask & (IN_CREATE | IN_MOVED_TO))
				created = 1;
			if (ie->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
			    IN_DELETE | IN_ATTRIB))
				t->rescan_pending = 1;
			if (ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				t->rescan_pending = 1;
				if (ie->mask & IN_IGNORED)
					tail_drop_watch(t, ie->wd);
			}
			p += sizeof(struct inotify_event) + ie->len;
		}
	}
	if (created)
		for (size_t i = 0; i < t->cfg->inputs.n; i++)
			tail_scan_input(t, i, 0);
}

static void
tail_on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_tail *t = arg;

	(void)fd;
	(void)what;
	tail_inotify_drain(t);
	tail_schedule_work(t);
}

void
ronda_tail_kick(struct ronda_tail *t)
{
	if (t->blocked || t->more)
		tail_schedule_work(t);
}

void
ronda_tail_ack(struct ronda_tail *t, uint64_t ticket)
{
	size_t slot = (size_t)(ticket >> SEQ_BITS);
	uint64_t seq = ticket & SEQ_MASK, off;
	struct stream *s;

	if (slot >= t->nstreams_cap || (s = t->streams[slot]) == NULL)
		return;
	off = (seq - (s->seq_head & SEQ_MASK)) & SEQ_MASK;
	if (off >= s->ring_count)
		return;	/* not in flight: a stale or repeated confirmation */
	s->ring_acked[(s->ring_head + off) % s->ring_cap] = 1;
	if (off == 0)
		tail_stream_advance(s);
}

int
ronda_tail_idle(const struct ronda_tail *t)
{
	if (t->more || t->blocked || t->rescan_pending)
		return 0;
	for (const struct tfile *f = t->files; f != NULL; f = f->next) {
		if (!f->eof || f->read_off < f->size)
			return 0;
		if (f->state == F_ROTATED)
			return 0;
	}
	for (size_t i = 0; i < t->nstreams_cap; i++)
		if (t->streams[i] != NULL && t->streams[i]->ring_count > 0)
			return 0;
	return 1;
}

void
ronda_tail_stats(const struct ronda_tail *t, struct ronda_tail_stats *st)
{
	*st = t->st;
	st->inflight = 0;
	st->behind = 0;
	st->files = 0;
	st->streams = t->nstreams;
	for (size_t i = 0; i < t->nstreams_cap; i++)
		if (t->streams[i] != NULL)
			st->inflight += t->streams[i]->ring_count;
	for (const struct tfile *f = t->files; f != NULL; f = f->next) {
		struct stat sb;
		st->files++;
		if (fstat(f->fd, &sb) == 0 && (uint64_t)sb.st_size > f->read_off)
			st->behind += (uint64_t)sb.st_size - f->read_off;
	}
}

void
ronda_tail_progress(const struct ronda_tail *t, uint64_t *done, uint64_t *total)
{
	*done = *total = 0;
	for (const struct tfile *f = t->files; f != NULL; f = f->next) {
		struct stat sb;
		*done += f->s->committed;
		if (fstat(f->fd, &sb) == 0)
			*total += (uint64_t)sb.st_size;
	}
}

void
ronda_tail_log_files(const struct ronda_tail *t)
{
	for (const struct tfile *f = t->files; f != NULL; f = f->next) {
		struct stat sb;
		uint64_t behind = 0;
		if (fstat(f->fd, &sb) == 0 && (uint64_t)sb.st_size > f->read_off)
			behind = (uint64_t)sb.st_size - f->read_off;
		log_info("file %s: offset %llu, confirmed %llu, %llu bytes behind, "
		    "%zu in flight%s", f->path, (unsigned long long)f->read_off,
		    (unsigned long long)f->s->committed, (unsigned long long)behind,
		    f->s->ring_count, f->state == F_ROTATED ? ", rotated" : "");
	}
}

struct ronda_tail *
ronda_tail_new(struct event_base *base, const struct ronda_collector_config *cfg,
    struct ronda_ckpt *ck, const struct ronda_tail_ops *ops, void *arg, int once,
    char *err, size_t errlen)
{
	struct ronda_tail *t;
	struct timeval tv;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->base = base;
	t->cfg = cfg;
	t->ck = ck;
	t->ops = *ops;
	t->arg = arg;
	t->once = once;
	t->ifd = -1;

	if (ronda_ckpt_load(ck, &t->recs, &t->nrecs) == -1) {
		snprintf(err, errlen, "%s", ronda_ckpt_errmsg(ck));
		goto fail;
	}
	t->rec_used = calloc(t->nrecs + 1, 1);
	t->first_start = calloc(cfg->inputs.n + 1, 1);
	if (t->rec_used == NULL || t->first_start == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < cfg->inputs.n; i++) {
		const struct ronda_collector_input *in =
		    &((const struct ronda_collector_input *)cfg->inputs.v)[i];
		int seen;
		if (in->type == RONDA_INPUT_JOURNAL)
			continue;
		if ((seen = ronda_ckpt_input_seen(ck, in->path)) == -1) {
			snprintf(err, errlen, "%s", ronda_ckpt_errmsg(ck));
			goto fail;
		}
		t->first_start[i] = seen == 0;
	}

	if (!once) {
		t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (t->ifd == -1)
			log_warn("inotify (falling back to the stat() tail_rescan)");
	}
	t->work_ev = event_new(base, -1, 0, tail_on_work, t);
	t->scan_ev = event_new(base, -1, EV_PERSIST, tail_on_scan, t);
	t->ckpt_ev = event_new(base, -1, EV_PERSIST, tail_on_ckpt_timer, t);
	if (t->work_ev == NULL || t->scan_ev == NULL || t->ckpt_ev == NULL) {
		snprintf(err, errlen, "cannot create events");
		goto fail;
	}
	if (t->ifd >= 0) {
		t->inotify_ev = event_new(base, t->ifd, EV_READ | EV_PERSIST,
		    tail_on_inotify, t);
		if (t->inotify_ev == NULL || event_add(t->inotify_ev, NULL) == -1) {
			snprintf(err, errlen, "cannot watch inotify");
			goto fail;
		}
	}

	/*
	 * Files modified after the last checkpoint of the previous run may hold
	 * lines it never saw (kill -9 stops writing checkpoints up to a second
	 * early: allow slack). On a first start nothing older is ours.
	 */
	t->since_ms = ronda_ckpt_last_update(ck);
	if (t->since_ms > ronda_now_ms() + 60000) {
		/*
		 * Written by a clock that was ahead and has been set back since:
		 * the files rotated while we were stopped look older than our
		 * last checkpoint. Losing them is worse than reading once the
		 * few rotated files nobody ever read (they are then known).
		 */
		log_warnx("%s: the last checkpoint is %lld s in the future (the clock "
		    "was set back): reading every rotated file not read yet",
		    cfg->state_db, (long long)((t->since_ms - ronda_now_ms()) / 1000));
		t->since_ms = 0;
	} else {
		t->since_ms = t->since_ms > 0 ? t->since_ms - 5000 : ronda_now_ms();
	}

	/* The first scan: resume checkpointed files, start new ones. */
	t->initial = 1;
	for (size_t i = 0; i < cfg->inputs.n; i++)
		tail_scan_input(t, i, 1);
	tail_resume_rotated(t);
	t->initial = 0;
	if (t->since_ms == 0)	/* the clock was set back: looked at once */
		t->since_ms = ronda_now_ms() - 5000;
	/* From now on every input is followed live: new files start at 0. */
	memset(t->first_start, 0, cfg->inputs.n);
	ronda_ckpt_recs_free(t->recs, t->nrecs);
	t->recs = NULL;
	t->nrecs = 0;

	tv.tv_sec = cfg->scan_interval / 1000;
	tv.tv_usec = (cfg->scan_interval % 1000) * 1000;
	event_add(t->scan_ev, &tv);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	event_add(t->ckpt_ev, &tv);
	tail_schedule_work(t);
	return t;
fail:
	ronda_tail_free(t);
	return NULL;
}

void
ronda_tail_free(struct ronda_tail *t)
{
	struct tfile *f, *next;

	if (t == NULL)
		return;
	if (t->ck != NULL && t->streams != NULL)
		ronda_tail_checkpoint(t);
	if (t->inotify_ev != NULL)
		event_free(t->inotify_ev);
	if (t->work_ev != NULL)
		event_free(t->work_ev);
	if (t->scan_ev != NULL)
		event_free(t->scan_ev);
	if (t->ckpt_ev != NULL)
		event_free(t->ckpt_ev);
	if (t->ifd >= 0)
		close(t->ifd);
	for (f = t->files; f != NULL; f = next) {
		next = f->next;
		tail_tfile_free(f);
	}
	for (size_t i = 0; i < t->nstreams_cap; i++)
		if (t->streams[i] != NULL)
			tail_stream_free(t, t->streams[i]);
	free(t->streams);
	for (size_t i = 0; i < t->nwatches; i++)
		free(t->watches[i].dir);
	free(t->watches);
	ronda_ckpt_recs_free(t->recs, t->nrecs);
	free(t->rec_used);
	free(t->first_start);
	free(t);
}
