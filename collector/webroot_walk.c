/*
 * webroot_walk.c — the web-root walk and the file reader: never follow a
 * symlink, never leave the root, hold one open folder per level and
 * nothing per file, read a file in bounded chunks.
 *
 * SHA-256 comes from OpenSSL's libcrypto (EVP interface): a well-kept
 * library with CPU-specific code (SHA-NI, AVX2), the same digest that
 * sha256sum prints and that campaign linking compares across sites.
 */
#include "webroot_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define READ_CHUNK	(256 * 1024)

const char *const wr_action_names[] = { "file_created", "file_modified", "file_deleted",
    "file_renamed", "file_found", NULL };

/* ---- folders ------------------------------------------------------------ */

int
wr_open_folder(int rootfd, const char *rel, size_t n)
{
	char comp[256];
	size_t i = 0;
	int fd, next;

	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (fd >= 0 && i < n) {
		size_t j = i;
		while (j < n && rel[j] != '/')
			j++;
		if (j == i || j - i >= sizeof(comp) || (j - i == 2 && rel[i] == '.' &&
		    rel[i + 1] == '.') || (j - i == 1 && rel[i] == '.')) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		memcpy(comp, rel + i, j - i);
		comp[j - i] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
		close(fd);
		fd = next;
		i = j + 1;
	}
	return fd;
}

int
wr_excluded(const struct ronda_strlist *ex, const char *rel, size_t n, int whole)
{
	char buf[WR_PATH_MAX + 1];

	if (ex == NULL || ex->n == 0)
		return 0;
	if (n > WR_PATH_MAX)
		n = WR_PATH_MAX;
	memcpy(buf, rel, n);
	buf[n] = '\0';
	for (size_t end = whole ? n : 1; end <= n; end++) {
		char save;
		if (end < n && buf[end] != '/')
			continue;
		save = buf[end];
		buf[end] = '\0';
		for (size_t i = 0; i < ex->n; i++) {
			if (fnmatch(ex->v[i], buf, FNM_PATHNAME) == 0) {
				buf[end] = save;
				return 1;
			}
		}
		buf[end] = save;
	}
	return 0;
}

/* ---- the walk ----------------------------------------------------------- */

struct frame {
	DIR *d;
	char *rel;
	size_t len;
	int entered;	/* ENTER was given */
	int left;	/* LEAVE was given: pop at the next call */
};

struct wr_walk {
	int rootfd;
	struct frame f[WR_DEPTH_MAX + 1];
	int depth;
	const char *last;	/* name of the last ENTRY (readdir's buffer) */
	size_t lastlen;
	uint64_t skipped;
};

static int
push(struct wr_walk *wk, int fd, const char *rel, size_t n)
{
	struct frame *f = &wk->f[wk->depth];
	DIR *d;

	if ((f->rel = malloc(n + 1)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	if ((d = fdopendir(fd)) == NULL) {
		int e = errno;
		close(fd);
		free(f->rel);
		f->rel = NULL;
		errno = e;
		return -1;
	}
	memcpy(f->rel, rel, n);
	f->rel[n] = '\0';
	f->len = n;
	f->d = d;
	f->entered = 0;
	f->left = 0;
	wk->depth++;
	return 0;
}

static void
pop(struct wr_walk *wk)
{
	struct frame *f = &wk->f[--wk->depth];

	closedir(f->d);
	free(f->rel);
	memset(f, 0, sizeof(*f));
}

struct wr_walk *
wr_walk_new(int rootfd, const char *start, size_t n)
{
	struct wr_walk *wk;
	int fd;

	if (n > WR_PATH_MAX) {
		errno = E2BIG;
		return NULL;
	}
	if ((wk = calloc(1, sizeof(*wk))) == NULL)
		return NULL;
	wk->rootfd = rootfd;
	if ((fd = wr_open_folder(rootfd, start, n)) == -1 || push(wk, fd, start, n) == -1) {
		int e = errno;
		free(wk);
		errno = e;
		return NULL;
	}
	return wk;
}

void
wr_walk_free(struct wr_walk *wk)
{
	if (wk == NULL)
		return;
	while (wk->depth > 0)
		pop(wk);
	free(wk);
}

uint64_t
wr_walk_skipped(const struct wr_walk *wk)
{
	return wk->skipped;
}

int
wr_walk_next(struct wr_walk *wk, struct wr_walk_item *it)
{
	struct frame *f;
	struct dirent *de;

	memset(it, 0, sizeof(*it));
	wk->last = NULL;
	for (;;) {
		if (wk->depth == 0) {
			it->kind = WR_WALK_END;
			it->dirfd = -1;
			return 0;
		}
		f = &wk->f[wk->depth - 1];
		if (!f->left)
			break;
		pop(wk);
	}
	it->dirfd = dirfd(f->d);
	it->folder = f->rel;
	it->folderlen = f->len;
	if (!f->entered) {
		f->entered = 1;
		it->kind = WR_WALK_ENTER;
		return 0;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(f->d)) == NULL) {
			f->left = 1;
			it->kind = WR_WALK_LEAVE;
			return errno != 0 ? -1 : 0;
		}
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		break;
	}
	it->kind = WR_WALK_ENTRY;
	it->name = de->d_name;
	it->namelen = strlen(de->d_name);
	it->d_type = de->d_type;
	wk->last = de->d_name;
	wk->lastlen = it->namelen;
	return 0;
}

int
wr_walk_descend(struct wr_walk *wk)
{
	struct frame *f;
	char *rel;
	size_t n;
	int fd, rc;

	if (wk->depth == 0 || wk->last == NULL) {
		errno = EINVAL;
		return -1;
	}
	f = &wk->f[wk->depth - 1];
	n = f->len + (f->len > 0) + wk->lastlen;
	if (wk->depth > WR_DEPTH_MAX || n > WR_PATH_MAX) {
		wk->skipped++;
		errno = E2BIG;
		return -1;
	}
	if ((fd = openat(dirfd(f->d), wk->last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	if ((rel = malloc(n + 1)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	memcpy(rel, f->rel, f->len);
	if (f->len > 0)
		rel[f->len] = '/';
	memcpy(rel + f->len + (f->len > 0), wk->last, wk->lastlen);
	rel[n] = '\0';
	rc = push(wk, fd, rel, n);
	free(rel);
	wk->last = NULL;
	return rc;
}

/* ---- the reader --------------------------------------------------------- */

struct wr_reader {
	size_t max_scan;
	unsigned char *head;	/* max_scan bytes */
	size_t headn;
	unsigned char *chunk;	/* READ_CHUNK bytes */
	int fd;
	int hash;
	EVP_MD_CTX *md;
	struct stat st;
	uint64_t off;
};

struct wr_reader *
wr_reader_new(size_t max_scan)
{
	struct wr_reader *rd;

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return NULL;
	rd->fd = -1;
	rd->max_scan = max_scan;
	rd->head = malloc(max_scan > 0 ? max_scan : 1);
	rd->chunk = malloc(READ_CHUNK);
	rd->md = EVP_MD_CTX_new();
	if (rd->head == NULL || rd->chunk == NULL || rd->md == NULL) {
		wr_reader_free(rd);
		return NULL;
	}
	return rd;
}

void
wr_reader_free(struct wr_reader *rd)
{
	if (rd == NULL)
		return;
	wr_reader_close(rd);
	EVP_MD_CTX_free(rd->md);
	free(rd->head);
	free(rd->chunk);
	free(rd);
}

void
wr_reader_close(struct wr_reader *rd)
{
	if (rd->fd == -1)
		return;
	/*
	 * A large file read once for its digest need not push the web
	 * server's pages out of the cache.
	 */
	if (rd->off > READ_CHUNK)
		posix_fadvise(rd->fd, 0, 0, POSIX_FADV_DONTNEED);
	close(rd->fd);
	rd->fd = -1;
}

int
wr_reader_open(struct wr_reader *rd, int dirfd, const char *name, uint64_t ino, int hash)
{
	int fl = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

	wr_reader_close(rd);
	/* O_NOATIME where allowed (the file's owner or CAP_FOWNER): reading leaves no trace. */
	rd->fd = openat(dirfd, name, fl | O_NOATIME);
	if (rd->fd == -1 && errno == EPERM)
		rd->fd = openat(dirfd, name, fl);
	if (rd->fd == -1)
		return -1;
	if (fstat(rd->fd, &rd->st) == -1 || !S_ISREG(rd->st.st_mode) ||
	    (uint64_t)rd->st.st_ino != ino) {
		wr_reader_close(rd);
		errno = ESTALE;
		return -1;
	}
	rd->hash = hash;
	rd->off = 0;
	rd->headn = 0;
	if (hash && EVP_DigestInit_ex(rd->md, EVP_sha256(), NULL) != 1) {
		wr_reader_close(rd);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
wr_reader_step(struct wr_reader *rd, size_t budget, uint64_t *done_bytes)
{
	uint64_t done = 0;

	*done_bytes = 0;
	while (done < budget) {
		unsigned char *dst;
		size_t want;
		ssize_t n;

		if (rd->headn < rd->max_scan) {
			dst = rd->head + rd->headn;
			want = rd->max_scan - rd->headn;
		} else if (!rd->hash) {
			*done_bytes = done;
			return 1;
		} else {
			dst = rd->chunk;
			want = READ_CHUNK;
		}
		if (want > READ_CHUNK)
			want = READ_CHUNK;
		n = read(rd->fd, dst, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*done_bytes = done;
			return -1;
		}
		if (n == 0) {
			*done_bytes = done;
			return 1;
		}
		if (dst != rd->chunk)
			rd->headn += (size_t)n;
		if (rd->hash && EVP_DigestUpdate(rd->md, dst, (size_t)n) != 1) {
			errno = EIO;
			*done_bytes = done;
			return -1;
		}
		rd->off += (uint64_t)n;
		done += (uint64_t)n;
	}
	*done_bytes = done;
	return 0;
}

void
wr_reader_finish(struct wr_reader *rd, unsigned char sha256[32], struct stat *after)
{
	unsigned int len = 0;

	if (rd->hash) {
		unsigned char md[EVP_MAX_MD_SIZE];
		if (EVP_DigestFinal_ex(rd->md, md, &len) == 1 && len == 32)
			memcpy(sha256, md, 32);
		else
			memset(sha256, 0, 32);
	}
	if (fstat(rd->fd, after) == -1)
		*after = rd->st;
}

const struct stat *
wr_reader_stat(const struct wr_reader *rd)
{
	return &rd->st;
}

const unsigned char *
wr_reader_head(const struct wr_reader *rd, size_t *n)
{
	*n = rd->headn;
	return rd->head;
}

/* ---- rows --------------------------------------------------------------- */

void
wr_row_from_stat(struct ronda_wr_row *row, const struct stat *st)
{
	memset(row, 0, sizeof(*row));
	row->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
	row->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	row->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	row->inode = (uint64_t)st->st_ino;
	row->mode = (uint32_t)st->st_mode;
	row->uid = (uint32_t)st->st_uid;
}

int
wr_row_same_meta(const struct ronda_wr_row *a, const struct ronda_wr_row *b)
{
	return a->size == b->size && a->mtime_ns == b->mtime_ns &&
	    a->ctime_ns == b->ctime_ns && a->inode == b->inode;
}
