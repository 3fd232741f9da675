/*
 * tail_scan.c — finding the files of the inputs: globbing and the periodic
 * rescan, rename and copytruncate rotation (the copy looked for by its
 * fingerprint), resuming rotated files after a restart.
 */
#include "tail_int.h"

/* ---- copytruncate ----------------------------------------------------- */

static char *
dir_of(const char *path)
{
	char *tmp = strdup(path), *d;

	if (tmp == NULL)
		return NULL;
	d = strdup(dirname(tmp));
	free(tmp);
	return d;
}

/*
 * Find the copy a copytruncate made of stream s: a regular file in dir, not
 * open already, whose first bytes match s's fingerprint and which is at least
 * min_size long. Returns an open fd and its path in *pathp, or -1.
 */
static int
find_copy(struct ronda_tail *t, const char *dir, const struct stream *s,
    uint64_t min_size, char **pathp)
{
	DIR *d;
	struct dirent *de;
	int looked = 0, found = -1;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && looked < COPY_CANDIDATES && found < 0) {
		char full[PATH_MAX];
		struct stat sb;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (tail_skip_name(full) || lstat(full, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    (uint64_t)sb.st_size < min_size)
			continue;
		if (((uint64_t)sb.st_dev == s->dev && (uint64_t)sb.st_ino == s->ino) ||
		    tail_find_by_inode(t, (uint64_t)sb.st_dev, (uint64_t)sb.st_ino) != NULL)
			continue;
		looked++;
		if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		if (tail_fp_matches(fd, s->fp, s->fp_len)) {
			*pathp = strdup(full);
			found = fd;
		} else {
			close(fd);
		}
	}
	closedir(d);
	if (found >= 0 && *pathp == NULL) {
		close(found);
		found = -1;
	}
	return found;
}

/*
 * f was truncated in place. Hand its stream, buffer and offset to the copy
 * (when found) so the lines it had not read yet still arrive with their
 * original identity; f starts a new stream at 0.
 */
void
tail_handle_truncation(struct ronda_tail *t, struct tfile *f)
{
	struct stream *old = f->s, *ns;
	char *dir, *copy_path = NULL;
	int cfd = -1;

	t->st.truncations++;
	t->st.rotations++;
	if (old->fp_ready && (dir = dir_of(f->path)) != NULL) {
		cfd = find_copy(t, dir, old, f->read_off, &copy_path);
		free(dir);
	}
	if (cfd >= 0) {
		struct tfile *c = tail_tfile_new(t, f->input, copy_path, cfd);
		if (c != NULL) {
			char *tmpbuf = c->buf;
			size_t tmpcap = c->buf_cap;
			/* Move the read state and the stream over to the copy. */
			c->buf = f->buf;
			c->buf_cap = f->buf_cap;
			c->buf_len = f->buf_len;
			c->buf_off = f->buf_off;
			c->discarding = f->discarding;
			c->read_off = f->read_off;
			c->s = old;
			c->state = F_ROTATED;
			f->buf = tmpbuf;
			f->buf_cap = tmpcap;
			tail_stream_set_path(old, copy_path);
			t->st.copies_found++;
			log_info("%s was truncated (copytruncate); reading its copy %s "
			    "from offset %llu", f->path, copy_path,
			    (unsigned long long)c->read_off);
			free(copy_path);
			goto fresh;
		}
		close(cfd);
		free(copy_path);
	}
	log_warnx("%s was truncated at offset %llu and no copy was found: lines "
	    "written after the last read and before the truncation are lost",
	    f->path, (unsigned long long)f->read_off);
	old->detached = 1;
	old->finished = 1;
fresh:
	ns = tail_stream_new(t, (size_t)t->cfg->max_inflight);
	if (ns == NULL)
		fatalx("out of memory for a new stream");
	{
		struct stat sb;
		if (fstat(f->fd, &sb) == 0) {
			ns->dev = (uint64_t)sb.st_dev;
			ns->ino = (uint64_t)sb.st_ino;
		}
	}
	tail_stream_set_path(ns, f->path);
	f->s = ns;
	tail_tfile_seek(f, 0);
	if (tail_fp_compute(f->fd, &ns->fp, &ns->fp_len) == 1)
		ns->fp_ready = 1;
}

/* Did f shrink below what we read, or start with other bytes than it did? */
int
tail_was_truncated(struct tfile *f)
{
	struct stat sb;

	if (f->state != F_ACTIVE || fstat(f->fd, &sb) == -1)
		return 0;
	f->size = (uint64_t)sb.st_size;
	f->mtime_ms = tail_stat_mtime_ms(&sb);
	if ((uint64_t)sb.st_size < f->read_off)
		return 1;
	if (f->s->fp_ready && f->read_off > 0 && !tail_fp_matches(f->fd, f->s->fp,
	    f->s->fp_len))
		return 1;
	return 0;
}

/* ---- scanning --------------------------------------------------------- */

static void
add_watch(struct ronda_tail *t, const char *dir)
{
	struct watch *nw;
	int wd;

	if (t->ifd < 0)
		return;
	for (size_t i = 0; i < t->nwatches; i++)
		if (strcmp(t->watches[i].dir, dir) == 0)
			return;
	wd = inotify_add_watch(t->ifd, dir, IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
	    IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF |
	    IN_ATTRIB);
	if (wd == -1)
		return;	/* not there yet: the tail_rescan tries again */
	if ((nw = realloc(t->watches, (t->nwatches + 1) * sizeof(*nw))) == NULL)
		return;
	t->watches = nw;
	t->watches[t->nwatches].wd = wd;
	t->watches[t->nwatches].dir = strdup(dir);
	if (t->watches[t->nwatches].dir == NULL)
		return;
	t->nwatches++;
}

void
tail_drop_watch(struct ronda_tail *t, int wd)
{
	for (size_t i = 0; i < t->nwatches; i++) {
		if (t->watches[i].wd == wd) {
			free(t->watches[i].dir);
			t->watches[i] = t->watches[--t->nwatches];
			return;
		}
	}
}

/* Match a checkpoint row to an open fd of a file at path. */
static ssize_t
match_rec(struct ronda_tail *t, int fd, const struct stat *sb)
{
	for (size_t i = 0; i < t->nrecs; i++) {
		struct ronda_ckpt_rec *r = &t->recs[i];
		if (t->rec_used[i] || r->dev != (uint64_t)sb->st_dev ||
		    r->ino != (uint64_t)sb->st_ino)
			continue;
		if (tail_fp_matches(fd, r->fp, r->fp_len) && (uint64_t)sb->st_size >= r->offset)
			return (ssize_t)i;
	}
	return -1;
}

static struct tfile *
open_from_rec(struct ronda_tail *t, size_t input, const char *path, int fd,
    const struct stat *sb, size_t ri, int state)
{
	struct ronda_ckpt_rec *r = &t->recs[ri];
	struct tfile *f;

	if ((f = tail_open_new(t, input, path, fd, sb, r->offset)) == NULL)
		return NULL;
	/* Keep the stored identity: event ids of resent lines must not change. */
	f->s->dev = r->dev;
	f->s->ino = r->ino;
	f->s->fp = r->fp;
	f->s->fp_len = r->fp_len;
	f->s->fp_ready = 1;
	f->s->saved_once = 1;
	f->state = state;
	t->rec_used[ri] = 1;
	log_info("resuming %s at offset %llu%s", path, (unsigned long long)r->offset,
	    state == F_ROTATED ? " (rotated while stopped)" : "");
	return f;
}

static void scan_missed_generations(struct ronda_tail *t, size_t idx,
    const glob_t *g);

/*
 * Glob one input; open new files, mark known ones seen. With missed, also
 * look among the matches' rotated siblings for generations nobody read.
 */
void
tail_scan_input(struct ronda_tail *t, size_t idx, int missed)
{
	const struct ronda_collector_input *in =
	    &((const struct ronda_collector_input *)t->cfg->inputs.v)[idx];
	glob_t g;
	char *dir;
	int grc;

	if (in->type == RONDA_INPUT_JOURNAL)
		return;		/* journal.c reads it */
	if ((dir = dir_of(in->path)) != NULL) {
		add_watch(t, dir);
		free(dir);
	}
	memset(&g, 0, sizeof(g));
	grc = glob(in->path, GLOB_NOSORT, NULL, &g);
	if (grc != 0) {
		globfree(&g);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *p = g.gl_pathv[i];
		struct stat sb;
		struct tfile *f;
		ssize_t ri;
		int fd;

		if (tail_skip_name(p) || lstat(p, &sb) == -1)
			continue;
		if (S_ISLNK(sb.st_mode)) {
			tail_refuse_link(t, p, &sb);
			continue;
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		if ((f = tail_find_by_inode(t, (uint64_t)sb.st_dev, (uint64_t)sb.st_ino))
		    != NULL) {
			f->seen = 1;
			if (strcmp(f->path, p) != 0) {
				char *np = strdup(p);
				if (np != NULL) {
					free(f->path);
					f->path = np;
					tail_stream_set_path(f->s, p);
				}
			}
			continue;
		}
		if ((fd = tail_open_log(t, p, tail_fixed_prefix(in->path), &sb)) == -1)
			continue;
		if (tail_find_by_inode(t, (uint64_t)sb.st_dev, (uint64_t)sb.st_ino) != NULL) {
			close(fd);	/* replaced since the lstat by a file we read */
			continue;
		}
		if ((ri = match_rec(t, fd, &sb)) >= 0) {
			f = open_from_rec(t, idx, p, fd, &sb, (size_t)ri, F_ACTIVE);
		} else {
			uint64_t off = 0;
			if (t->initial && t->first_start[idx] &&
			    in->start_at == RONDA_START_END)
				off = tail_end_line_start(fd, (uint64_t)sb.st_size);
			f = tail_open_new(t, idx, p, fd, &sb, off);
			if (f != NULL)
				log_info("following %s from offset %llu", p,
				    (unsigned long long)off);
		}
		if (f == NULL) {
			close(fd);
			continue;
		}
		f->seen = 1;
	}
	if (missed)
		scan_missed_generations(t, idx, &g);
	globfree(&g);
}

/*
 * After a restart: checkpoint rows whose file is no longer at its path were
 * rotated while we were stopped. Look for them by identity in their folder
 * (or, after a copytruncate, for a copy with the same first bytes) and read
 * them to their end first.
 */
void
tail_resume_rotated(struct ronda_tail *t)
{
	for (size_t i = 0; i < t->nrecs; i++) {
		struct ronda_ckpt_rec *r = &t->recs[i];
		char *dir;
		DIR *d;
		struct dirent *de;
		int found = 0;

		if (t->rec_used[i])
			continue;
		if ((dir = dir_of(r->path)) == NULL || (d = opendir(dir)) == NULL) {
			free(dir);
			goto lost;
		}
		while (!found && (de = readdir(d)) != NULL) {
			char full[PATH_MAX];
			struct stat sb;
			int fd;
			size_t input = 0;

			if (de->d_name[0] == '.')
				continue;
			snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
			if (tail_skip_name(full) || lstat(full, &sb) == -1 ||
			    !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < r->offset)
				continue;
			if (tail_find_by_inode(t, (uint64_t)sb.st_dev, (uint64_t)sb.st_ino))
				continue;
			if ((fd = tail_open_log(t, full, strlen(dir), &sb)) == -1)
				continue;
			/* Same inode, or (copytruncate) a copy with the same start. */
			if (tail_fp_matches(fd, r->fp, r->fp_len)) {
				for (size_t k = 0; k < t->cfg->inputs.n; k++) {
					const struct ronda_collector_input *in =
					    &((const struct ronda_collector_input *)
					    t->cfg->inputs.v)[k];
					char *idir = in->path != NULL ?
					    dir_of(in->path) : NULL;
					if (idir != NULL && strcmp(idir, dir) == 0)
						input = k;
					free(idir);
				}
				if (open_from_rec(t, input, full, fd, &sb, i, F_ROTATED))
					found = 1;
				else
					close(fd);
			} else {
				close(fd);
			}
		}
		closedir(d);
		free(dir);
		if (found)
			continue;
lost:
		t->st.lost_files++;
		log_warnx("checkpointed file %s (offset %llu) is gone: lines after that "
		    "offset cannot be read", r->path, (unsigned long long)r->offset);
		t->rec_used[i] = 1;
		r->done = 1;
		if (ronda_ckpt_put(t->ck, r) == -1)
			log_warnx("checkpoint: %s", ronda_ckpt_errmsg(t->ck));
	}
}

/* Is name a rotated sibling of base: "base.1", "base-20261120", ...? */
static int
is_sibling(const char *name, const char *base)
{
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 && (name[n] == '.' || name[n] == '-') &&
	    name[n + 1] >= '0' && name[n + 1] <= '9';
}

/*
 * A generation created and rotated away between two looks (the collector
 * was down, or still starting, or a rotation storm outran the scan) never
 * matched the glob while we looked. Find it among the rotated siblings of
 * the input's files: modified since we last ran, open by nobody, and
 * unknown to the state DB by fingerprint (a copytruncate copy has the
 * fingerprint of a known file and is not a new generation). Not by inode: a
 * copytruncate keeps the inode for the next generation's lines, and file
 * systems give a deleted generation's number to a new file, so a known inode
 * with an unknown first line is new content. Read it from its beginning,
 * then let it go like any rotated file.
 */
static void
scan_missed_generations(struct ronda_tail *t, size_t idx, const glob_t *g)
{
	const struct ronda_collector_input *in =
	    &((const struct ronda_collector_input *)t->cfg->inputs.v)[idx];
	char *dir;
	DIR *d;
	struct dirent *de;
	int opened = 0;

	if (t->first_start[idx] || (dir = dir_of(in->path)) == NULL)
		return;
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL && opened < COPY_CANDIDATES) {
		char full[PATH_MAX];
		struct stat sb;
		uint64_t fp;
		uint32_t fp_len;
		int64_t mtime_ms;
		int sib = 0, fd;
		struct tfile *f;

		for (size_t i = 0; i < g->gl_pathc && !sib; i++) {
			const char *b = strrchr(g->gl_pathv[i], '/');
			sib = is_sibling(de->d_name, b ? b + 1 : g->gl_pathv[i]);
		}
		if (!sib)
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (tail_skip_name(full) || lstat(full, &sb) == -1)
			continue;
		if (S_ISLNK(sb.st_mode))
			tail_refuse_link(t, full, &sb);
		if (!S_ISREG(sb.st_mode))
			continue;
		mtime_ms = tail_stat_mtime_ms(&sb);
		if (mtime_ms < t->since_ms ||
		    tail_find_by_inode(t, (uint64_t)sb.st_dev, (uint64_t)sb.st_ino) != NULL)
			continue;
		if ((fd = tail_open_log(t, full, strlen(dir), &sb)) == -1)
			continue;
		if (tail_fp_compute(fd, &fp, &fp_len) != 1 ||
		    ronda_ckpt_known(t->ck, fp) != 0 ||
		    tail_fp_taken(t, fp)) {
			close(fd);
			continue;
		}
		if ((f = tail_open_new(t, idx, full, fd, &sb, 0)) == NULL) {
			close(fd);
			continue;
		}
		f->state = F_ROTATED;
		f->seen = 1;
		opened++;
		t->st.rotations++;
		log_warnx("%s was rotated before it could be followed; reading it from "
		    "its beginning", full);
	}
	closedir(d);
	free(dir);
}

void
tail_rescan(struct ronda_tail *t)
{
	struct tfile *f;

	for (f = t->files; f != NULL; f = f->next)
		f->seen = 0;
	for (size_t i = 0; i < t->cfg->inputs.n; i++)
		tail_scan_input(t, i, 1);
	for (f = t->files; f != NULL; f = f->next) {
		if (f->state == F_ACTIVE && !f->seen) {
			/* Renamed away or deleted: read what is left, then close. */
			tail_tfile_update_path(f);
			f->state = F_ROTATED;
			f->last_growth = ronda_mono_ms();
			t->st.rotations++;
			log_info("%s was rotated or removed; reading it to its end",
			    f->path);
		} else if (tail_was_truncated(f)) {
			tail_handle_truncation(t, f);
		}
	}
	t->rescan_pending = 0;
}
