/*
 * marker_cache.c — the markers' compiled Hyperscan databases kept on disk
 * between runs (as rules_cache.c keeps the web rules').
 *
 * Compiling the shipped markers takes about a second (bounded gaps and
 * alternations are what Hyperscan spends its time on); a restart or a
 * SIGHUP with unchanged markers should not. The compiled form
 * (hs_serialize_database) is kept in a file named after a hash of
 * everything that goes into it: Hyperscan's version, the flags, and every
 * pattern with its kind and its index. Any change to a marker gives another
 * name. The file is written only after the markers passed their own tests,
 * into a folder only the collector may write (checked: a cache an attacker
 * could replace would blind the watch).
 */
#include "marker_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ronda/timeutil.h"

#define CACHE_MAGIC	"RONDAMK1"
#define CACHE_DB_MAX	(256u << 20)

uint64_t
mk_cache_key(const struct ronda_markers *ms)
{
	uint64_t flags[3] = { MK_CONTENT_FLAGS, MK_VETO_FLAGS, MK_PATH_FLAGS };
	uint64_t h = ronda_hash64(hs_version(), strlen(hs_version()), 0x6d61726b);

	h = ronda_hash64(flags, sizeof(flags), h);
	for (size_t i = 0; i < ms->npats; i++) {
		const struct mk_pat *p = &ms->pats[i];
		uint64_t v[2] = { (uint64_t)p->kind, i };
		h = ronda_hash64(p->expr, strlen(p->expr), h);
		h = ronda_hash64(v, sizeof(v), h);
	}
	return h;
}

static int
cache_dir_safe(const char *dir)
{
	struct stat sb;

	return dir != NULL && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0 && sb.st_uid == geteuid();
}

static void
cache_path(char *buf, size_t len, const char *dir, uint64_t key)
{
	snprintf(buf, len, "%s/markers-%016llx.hsdb", dir, (unsigned long long)key);
}

/* One length-prefixed database (length 0: none). 0, or -1. */
static int
read_db(FILE *fp, hs_database_t **db)
{
	uint64_t len;
	char *b;
	int rc = -1;

	*db = NULL;
	if (fread(&len, sizeof(len), 1, fp) != 1 || len > CACHE_DB_MAX)
		return -1;
	if (len == 0)
		return 0;
	if ((b = malloc(len)) == NULL)
		return -1;
	if (fread(b, 1, len, fp) == len && hs_deserialize_database(b, len, db) == HS_SUCCESS)
		rc = 0;
	free(b);
	return rc;
}

int
mk_cache_load(struct ronda_markers *ms, const char *dir, uint64_t key)
{
	char path[PATH_MAX], magic[8];
	FILE *fp;
	int ok = 0;

	if (!cache_dir_safe(dir))
		return -1;
	cache_path(path, sizeof(path), dir, key);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fread(magic, 1, 8, fp) == 8 && memcmp(magic, CACHE_MAGIC, 8) == 0 &&
	    read_db(fp, &ms->cdb) == 0 && read_db(fp, &ms->pdb) == 0 &&
	    (ms->cdb == NULL || hs_alloc_scratch(ms->cdb, &ms->scratch) == HS_SUCCESS) &&
	    (ms->pdb == NULL || hs_alloc_scratch(ms->pdb, &ms->scratch) == HS_SUCCESS))
		ok = 1;
	fclose(fp);
	if (!ok) {
		hs_free_database(ms->cdb);
		hs_free_database(ms->pdb);
		ms->cdb = ms->pdb = NULL;
		return -1;
	}
	return 0;
}

static int
write_db(FILE *fp, const hs_database_t *db)
{
	char *b = NULL;
	size_t n = 0;
	uint64_t len;
	int ok;

	if (db != NULL && hs_serialize_database(db, &b, &n) != HS_SUCCESS)
		return -1;
	len = n;
	ok = fwrite(&len, sizeof(len), 1, fp) == 1 && (n == 0 || fwrite(b, 1, n, fp) == n);
	free(b);
	return ok ? 0 : -1;
}

void
mk_cache_store(const struct ronda_markers *ms, const char *dir, uint64_t key)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], name[64];
	FILE *fp;
	int fd, ok;
	DIR *d;
	struct dirent *de;

	if (!cache_dir_safe(dir))
		return;
	cache_path(path, sizeof(path), dir, key);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		return;
	if ((fp = fdopen(fd, "wb")) == NULL) {
		close(fd);
		unlink(tmp);
		return;
	}
	ok = fwrite(CACHE_MAGIC, 1, 8, fp) == 8 && write_db(fp, ms->cdb) == 0 &&
	    write_db(fp, ms->pdb) == 0;
	if (fclose(fp) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return;
	}
	/* Older compilations of other marker sets are of no further use. */
	snprintf(name, sizeof(name), "markers-%016llx.hsdb", (unsigned long long)key);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (strncmp(de->d_name, "markers-", 8) == 0 && n > 5 &&
		    strcmp(de->d_name + n - 5, ".hsdb") == 0 && strcmp(de->d_name, name) != 0) {
			char old[PATH_MAX];
			snprintf(old, sizeof(old), "%s/%s", dir, de->d_name);
			unlink(old);
		}
	}
	closedir(d);
}
