/*
 * marker.h — web-root content markers: rules (YAML data under rules/webroot/,
 * with their own test cases) that say what a planted file looks like —
 * webshell families and techniques, cloaking code, Indonesian gambling
 * vocabulary, hidden-link HTML, injected .htaccess redirects, sitemaps the
 * CMS never wrote, a script in an upload folder, defacement pages — compiled
 * into one Hyperscan database and run over the first max_scan bytes of a
 * changed file.
 *
 * Only capped excerpts of a match leave this module (and the server), never
 * the file. Every byte of the file and of its path is hostile.
 */
#ifndef RONDA_MARKER_H
#define RONDA_MARKER_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/config.h"

struct ronda_markers;

#define RONDA_MARKER_HITS	8	/* marker hits kept per file (more are counted) */
#define RONDA_MARKER_EXCERPT	96	/* bytes of content kept around one hit */
#define RONDA_MARKER_DOMAINS	8	/* link / redirect target hosts kept per file */
#define RONDA_MARKER_DOMAIN_MAX	253
#define RONDA_MARKER_ID_MAX	64

/* One marker that matched a file. Strings are NUL-terminated copies. */
struct ronda_marker_hit {
	const char *id;		/* borrowed from the set: "file.webshell.eval-decoded" */
	const char *name;	/* borrowed: human name */
	const char *category;	/* borrowed: webshell, cloaking, gambling, hidden-link,
				   htaccess-redirect, sitemap, upload-script, defacement */
	const char *family;	/* borrowed, may be NULL: shell family ("wso", "alfa") */
	int severity;		/* enum ronda_severity */
	/*
	 * Up to RONDA_MARKER_EXCERPT raw bytes of the content around the match
	 * (binary possible; the JSON writer escapes it), excerpt_len of them.
	 */
	char excerpt[RONDA_MARKER_EXCERPT + 1];
	size_t excerpt_len;
};

/* What the scan of one file found. */
struct ronda_marker_result {
	struct ronda_marker_hit hits[RONDA_MARKER_HITS];
	int nhits;
	int nmore;		/* hits past RONDA_MARKER_HITS (counted, not kept) */
	int severity;		/* highest severity of the hits, 0 none */
	/*
	 * Hosts that links, redirects or fetches in the file point at (href,
	 * src, Location, RewriteRule targets, file_get_contents/curl URLs),
	 * lower-cased, deduplicated, in order of appearance; only filled when
	 * a gambling, hidden-link, cloaking, htaccess-redirect, sitemap or
	 * defacement marker hit. Hosts equal to or under own_domain are left out.
	 */
	char domains[RONDA_MARKER_DOMAINS][RONDA_MARKER_DOMAIN_MAX + 1];
	int ndomains;
	int ndomains_more;	/* other distinct hosts past RONDA_MARKER_DOMAINS (counted) */
	int content_cut;	/* the file was longer than the bytes scanned */
};

/*
 * Load every marker file in paths (files, or folders whose *.yaml are read in
 * name order), validate (unknown keys, bad category/severity, duplicate ids,
 * patterns that do not compile), compile, and run each marker's own tests.
 * Every problem is appended to errs as "file:line: marker <id>: message".
 * Returns the set, or NULL when anything was wrong. An empty paths list
 * loads the shipped markers (RONDA_DATADIR/rules/webroot, or rules/webroot
 * in a source tree).
 */
struct ronda_markers *ronda_markers_load(const struct ronda_strlist *paths,
    struct ronda_cfg_errors *errs);
/*
 * The same, keeping the compiled databases in cache_dir (a folder only this
 * user may write; NULL or an unsafe folder: no cache) so that a restart
 * with unchanged markers does not compile them again (about a second).
 */
struct ronda_markers *ronda_markers_load_cached(const struct ronda_strlist *paths,
    const char *cache_dir, struct ronda_cfg_errors *errs);
/*
 * The same from one marker file held in memory (tests, fuzzing); name is
 * used in messages.
 */
struct ronda_markers *ronda_markers_load_string(const char *name, const char *text,
    size_t len, struct ronda_cfg_errors *errs);
/* Free; NULL is a no-op. */
void ronda_markers_free(struct ronda_markers *m);
/* Number of markers loaded. */
size_t ronda_markers_count(const struct ronda_markers *m);

/*
 * Scan one file: relpath is its path below the web root ("wp-content/uploads/
 * 2026/11/x.php", no leading '/'), buf[0..n) its first bytes (n <= the
 * caller's max_scan), full_size its size on disk. own_domain (may be NULL)
 * is the site's own DNS name. Fills *out (overwritten). Returns the number
 * of hits (0 none), or -1 on a scanner error (message in err). Not
 * thread-safe: one scratch per set.
 */
int ronda_markers_scan(struct ronda_markers *m, const char *relpath,
    const unsigned char *buf, size_t n, uint64_t full_size, const char *own_domain,
    struct ronda_marker_result *out, char *err, size_t errlen);

#endif
