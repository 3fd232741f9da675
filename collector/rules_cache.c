/*
 * rules_cache.c — the compiled Hyperscan databases kept on disk between runs.
 */
#include "rules_int.h"

/* ---------------------------------------------------- database cache */

/*
 * Compiling the databases takes seconds; a restart should not. The compiled
 * form (hs_serialize_database) is kept in a file named after a hash of
 * everything that goes into it: Hyperscan's version, the flags, and every
 * pattern with its rule's fields and its id. Any change to a rule gives
 * another name. The file is written only after the rules passed their own
 * tests, into a folder only the collector may write (checked: a cache an
 * attacker could replace would blind detection).
 */
#define CACHE_MAGIC "RONDAHS2"	/* 2: the auth decoders' prefilter after the fields */

uint64_t
rules_cache_key(const struct ronda_ruleset *rs)
{
	uint64_t h = ronda_hash64(hs_version(), strlen(hs_version()), PATTERN_FLAGS);

	for (size_t i = 0; i < rs->npats; i++) {
		const struct pat *p = &rs->pats[i];
		uint64_t v[3] = { rs->rules[p->rule].fields, (uint64_t)p->neg, i };
		h = ronda_hash64(p->expr, strlen(p->expr), h);
		h = ronda_hash64(v, sizeof(v), h);
	}
	return ronda_decoders_hash(rs->dec, h);
}

static int
cache_dir_safe(const char *dir)
{
	struct stat sb;

	return dir != NULL && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0 && sb.st_uid == geteuid();
}

/* Load every field's database from the cache. 0, or -1 (nothing loaded). */
int
rules_cache_load(struct ronda_ruleset *rs, uint64_t key)
{
	char path[PATH_MAX], magic[8];
	FILE *fp;
	int ok = 0;

	if (!cache_dir_safe(rs->cache_dir))
		return -1;
	snprintf(path, sizeof(path), "%s/rules-%016llx.hsdb", rs->cache_dir,
	    (unsigned long long)key);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, CACHE_MAGIC, 8) != 0)
		goto done;
	for (int f = 0; f < F_NFIELDS; f++) {
		uint64_t len;
		char *b;
		if (fread(&len, sizeof(len), 1, fp) != 1 || len > (256u << 20))
			goto done;
		if (len == 0)
			continue;
		if ((b = malloc(len)) == NULL)
			goto done;
		if (fread(b, 1, len, fp) != len ||
		    hs_deserialize_database(b, len, &rs->db[f]) != HS_SUCCESS ||
		    hs_alloc_scratch(rs->db[f], &rs->scratch) != HS_SUCCESS) {
			free(b);
			goto done;
		}
		free(b);
	}
	{
		/* The decoders' prefilter, handed to the set before it is finished. */
		uint64_t len;
		char *b;
		if (fread(&len, sizeof(len), 1, fp) != 1 || len > (256u << 20) ||
		    (b = malloc(len ? len : 1)) == NULL)
			goto done;
		if (fread(b, 1, len, fp) != len ||
		    ronda_decoders_prefilter_load(rs->dec, b, len) != 0) {
			free(b);
			goto done;
		}
		free(b);
	}
	ok = 1;
done:
	fclose(fp);
	if (!ok) {
		for (int f = 0; f < F_NFIELDS; f++) {
			hs_free_database(rs->db[f]);
			rs->db[f] = NULL;
		}
		return -1;
	}
	return 0;
}

/* Write the compiled databases (atomically) and drop older cache files. */
void
rules_cache_store(struct ronda_ruleset *rs, uint64_t key)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], name[64];
	FILE *fp;
	int ok = 1;
	DIR *d;
	struct dirent *de;

	if (!cache_dir_safe(rs->cache_dir))
		return;
	snprintf(path, sizeof(path), "%s/rules-%016llx.hsdb", rs->cache_dir,
	    (unsigned long long)key);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	{
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd == -1)
			return;
		if ((fp = fdopen(fd, "wb")) == NULL) {
			close(fd);
			unlink(tmp);
			return;
		}
	}
	fwrite(CACHE_MAGIC, 1, 8, fp);
	for (int f = 0; f < F_NFIELDS && ok; f++) {
		char *b = NULL;
		size_t n = 0;
		uint64_t len = 0;
		if (rs->db[f] != NULL &&
		    hs_serialize_database(rs->db[f], &b, &n) != HS_SUCCESS) {
			ok = 0;
			break;
		}
		len = n;
		ok = fwrite(&len, sizeof(len), 1, fp) == 1 && (n == 0 ||
		    fwrite(b, 1, n, fp) == n);
		free(b);
	}
	if (ok) {
		char *b = NULL;
		size_t n = 0;
		uint64_t len;
		ok = ronda_decoders_prefilter_save(rs->dec, &b, &n) == 0;
		len = n;
		ok = ok && fwrite(&len, sizeof(len), 1, fp) == 1 && fwrite(b, 1, n, fp) == n;
		free(b);
	}
	if (fclose(fp) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return;
	}
	snprintf(name, sizeof(name), "rules-%016llx.hsdb", (unsigned long long)key);
	if ((d = opendir(rs->cache_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "rules-", 6) == 0 && strcmp(de->d_name, name) != 0 &&
		    strstr(de->d_name, ".hsdb") != NULL) {
			char old[PATH_MAX];
			snprintf(old, sizeof(old), "%s/%s", rs->cache_dir, de->d_name);
			unlink(old);
		}
	}
	closedir(d);
}
