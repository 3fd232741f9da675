/*
 * webroot_cms.c — what each file of a benign web root holds: code that reads
 * like the real thing (functions, classes, includes, templates, HTML) and
 * small binary blobs for images, each from a stream of its own (the entry's
 * key and the seed; the WordPress core's from the path alone, so every site's
 * core is the same bytes). None holds an attack tell: no eval of decoded
 * input, no test of a search bot's user agent or of a referrer, no gambling
 * word, no hidden block of links.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ronda/buf.h"
#include "sim.h"
#include "vocab.h"
#include "webroot_int.h"

/* ---- code that reads like the real thing ----------------------------------- */

static const char *const code_verbs[] = { "get", "update", "delete", "add", "register",
	"sanitize", "validate", "render", "prepare", "filter", "maybe_update", "set",
	"load", "parse", "count", "check", "clean", "format", "build", "print", "enqueue",
	"flush", "normalize", "resolve", "map", "find", NULL };
static const char *const code_nouns[] = { "post", "term", "option", "user", "comment",
	"menu_item", "widget", "meta", "query_vars", "cache_group", "sidebar", "template",
	"attachment", "taxonomy", "role", "capability", "transient", "rewrite_rule",
	"shortcode", "block_type", "pattern", "theme_mod", "site_icon", "revision",
	"nav_menu", "feed", "locale", "script", "style", "image_size", "cron_event",
	"http_request", "plugin", "schema", "network", "bookmark", "embed", "permalink",
	"excerpt", "author", "category", "tag", "archive", "thumbnail", "editor_settings",
	"admin_notice", "screen_option", "list_table", "nonce", "session_token",
	"privacy_request", "upload_dir", "mime_type", "date_format", "timezone", NULL };
static const char *const code_params[] = { "$post_id", "$user_id", "$term_id", "$name",
	"$key", "$context", "$object_type", "$taxonomy", "$handle", "$blog_id", "$slug",
	"$type", "$id", "$path", "$url", NULL };
static const char *const code_keys[] = { "number", "orderby", "order", "fields",
	"post_type", "post_status", "hide_empty", "exclude", "include", "offset", "echo",
	"context", "limit", "cache_results", "update_meta_cache", "parent", "child_of",
	"depth", "format", "before", "after", NULL };
static const char *const code_values[] = { "10", "'date'", "'DESC'", "'ASC'", "'all'",
	"'post'", "'publish'", "true", "false", "array()", "''", "0", "-1", "'view'", "null",
	NULL };
static const char *const code_sentences[] = {
	"Retrieves the value for the given object, falling back to the default",
	"Updates the stored value and clears the related cache entries",
	"Prepares the item for output, escaping every field that reaches HTML",
	"Determines whether the current request may change the item",
	"Registers the handler so that later calls can look it up by name",
	"Normalizes the arguments passed by the caller",
	"Builds the list of items shown on the screen",
	"Removes the stale entries left behind by earlier versions",
	"Checks the submitted value against the allowed list",
	"Loads the translated strings of the current locale",
	"Formats the date according to the site settings",
	"Sends the headers before any output is printed",
	NULL
};
static const char *const code_tables[] = { "posts", "postmeta", "terms", "term_taxonomy",
	"options", "usermeta", "comments", "commentmeta", NULL };
static const char *const code_columns[] = { "ID", "post_parent", "term_id", "user_id",
	"comment_post_ID", "object_id", "meta_id", NULL };
static const char *const code_versions[] = { "2.5.0", "3.0.0", "3.3.0", "4.4.0", "4.7.0",
	"5.0.0", "5.3.0", "5.5.0", "5.9.0", "6.1.0", "6.2.0", "6.3.0", NULL };

/* A function name of the flavor: wp_get_post_cache, get_term_context, ... */
static void
code_name(struct wrng *r, int fl, char *out, size_t n)
{
	const char *v = WPICK(r, code_verbs), *o = WPICK(r, code_nouns);

	if (fl == FL_WP)
		snprintf(out, n, "%s%s_%s", wr_n(r, 3) ? "wp_" : "", v, o);
	else if (fl == FL_CI)
		snprintf(out, n, "%s_%s", v, o);
	else
		snprintf(out, n, "%s_%s", v, o);
}

/* One statement of a function body (tab-indented), with $p the parameter. */
static void
code_stmt(struct ronda_buf *b, struct wrng *r, int fl, const char *p, const char *noun)
{
	const char *k1 = WPICK(r, code_keys), *k2 = WPICK(r, code_keys);

	switch (wr_n(r, 14)) {
	case 0:
		P("\t$defaults = array(\n\t\t'%s' => %s,\n\t\t'%s' => %s,\n\t);\n", k1,
		    WPICK(r, code_values), k2, WPICK(r, code_values));
		P(fl == FL_WP ? "\t$args     = wp_parse_args( $args, $defaults );\n\n" :
		    "\t$args = array_merge($defaults, (array) $args);\n\n");
		break;
	case 1:
		P(fl == FL_WP ? "\tif ( empty( %s ) ) {\n\t\treturn false;\n\t}\n\n" :
		    "\tif (empty(%s))\n\t{\n\t\treturn FALSE;\n\t}\n\n", p);
		break;
	case 2:
		if (fl == FL_WP)
			P("\t$cache_key = '%s_' . md5( serialize( $args ) );\n\t$cached    = "
			    "wp_cache_get( $cache_key, '%ss' );\n\tif ( false !== $cached ) {\n"
			    "\t\treturn $cached;\n\t}\n\n", noun, noun);
		else
			P("\t$cached = $this->cache->get('%s_'.md5(serialize($args)));\n\tif "
			    "($cached !== FALSE)\n\t{\n\t\treturn $cached;\n\t}\n\n", noun);
		break;
	case 3:
		if (fl == FL_WP)
			P("\tglobal $wpdb;\n\n\t$results = $wpdb->get_results(\n\t\t$wpdb->prepare"
			    "( \"SELECT * FROM {$wpdb->%s} WHERE %s = %%d LIMIT %%d\", %s, %u )\n"
			    "\t);\n\n", WPICK(r, code_tables), WPICK(r, code_columns), p,
			    5 + wr_n(r, 95));
		else
			P("\t$results = $this->db->where('%s', %s)->limit(%u)->get('tb_%s')"
			    "->result();\n\n", WPICK(r, code_columns), p, 5 + wr_n(r, 95), noun);
		break;
	case 4:
		P(fl == FL_WP ? "\t$output = array();\n\tforeach ( (array) $results as $k => $item ) "
		    "{\n\t\tif ( ! is_object( $item ) ) {\n\t\t\tcontinue;\n\t\t}\n\t\t$output[ $k ] = "
		    "%s( $item );\n\t}\n\n" : "\t$output = array();\n\tforeach ((array) $results "
		    "as $k => $item)\n\t{\n\t\t$output[$k] = %s($item);\n\t}\n\n",
		    fl == FL_WP ? "sanitize_post" : "html_escape");
		break;
	case 5:
		if (fl == FL_WP)
			P("\t/**\n\t * Fires after the %s has been %sd.\n\t *\n\t * @since %s\n\t *\n"
			    "\t * @param int|string %s The object.\n\t * @param array      $args "
			    "Arguments passed to the function.\n\t */\n\tdo_action( '%s_%s', %s, "
			    "$args );\n\n", noun, WPICK(r, code_verbs), WPICK(r, code_versions), p,
			    WPICK(r, code_verbs), noun, p);
		else
			P("\tlog_message('debug', '%s processed: '.%s);\n\n", noun, p);
		break;
	case 6:
		if (fl == FL_WP)
			P("\t/**\n\t * Filters the %s before it is returned.\n\t *\n\t * @since %s\n"
			    "\t *\n\t * @param mixed $value The value.\n\t */\n\t$value = "
			    "apply_filters( '%s_%s', $value, %s );\n\n", noun,
			    WPICK(r, code_versions), noun, WPICK(r, code_keys), p);
		else
			P("\t$value = $this->config->item('%s_%s');\n\n", noun, WPICK(r, code_keys));
		break;
	case 7:
		P(fl == FL_WP ? "\tif ( is_wp_error( $value ) ) {\n\t\treturn $value;\n\t}\n\n" :
		    "\tif ($value === NULL)\n\t{\n\t\tshow_error('The %s could not be found.', "
		    "404);\n\t}\n\n", noun);
		break;
	case 8:
		if (fl == FL_WP)
			P("\tif ( ! current_user_can( 'edit_%ss' ) ) {\n\t\treturn new WP_Error(\n"
			    "\t\t\t'rest_cannot_edit',\n\t\t\t__( 'Sorry, you are not allowed to "
			    "edit this item.' ),\n\t\t\tarray( 'status' => rest_authorization_"
			    "required_code() )\n\t\t);\n\t}\n\n", noun);
		else
			P("\tif ( ! $this->session->userdata('logged_in'))\n\t{\n\t\tredirect("
			    "'auth/login');\n\t}\n\n");
		break;
	case 9:
		P(fl == FL_WP ? "\t$value = get_option( '%s_%s', array() );\n\n" :
		    "\t$value = $this->input->post('%s_%s', TRUE);\n\n", noun, k1);
		break;
	case 10:
		P(fl == FL_WP ? "\tupdate_option( '%s_%s', $value, false );\n\n" :
		    "\t$this->db->update('tb_%s', array('%s' => $value));\n\n", noun, k1);
		break;
	case 11:
		P(fl == FL_WP ? "\t%s = trim( (string) %s );\n\tif ( '' === %s ) {\n\t\treturn '';"
		    "\n\t}\n\n" : "\t%s = trim((string) %s);\n\tif (%s === '')\n\t{\n\t\t"
		    "return '';\n\t}\n\n", p, p, p);
		break;
	case 12:
		P(fl == FL_WP ? "\tswitch ( $args['%s'] ) {\n\t\tcase 'all':\n\t\t\t$value = "
		    "array_values( (array) $value );\n\t\t\tbreak;\n\t\tcase 'ids':\n\t\t\t"
		    "$value = wp_list_pluck( (array) $value, 'ID' );\n\t\t\tbreak;\n\t\tdefault:"
		    "\n\t\t\t$value = (array) $value;\n\t}\n\n" : "\tswitch ($args['%s'])\n\t{\n"
		    "\t\tcase 'all':\n\t\t\t$value = array_values((array) $value);\n\t\t\tbreak;"
		    "\n\t\tdefault:\n\t\t\t$value = (array) $value;\n\t}\n\n", k2);
		break;
	default:
		P(fl == FL_WP ? "\t$value = array_map( 'absint', (array) $value );\n\n" :
		    "\t$value = array_map('intval', (array) $value);\n\n");
		break;
	}
}

/* A docblock and a function of 3 to 9 statements. */
static void
code_function(struct ronda_buf *b, struct wrng *r, int fl, int method)
{
	char name[96];
	const char *p = WPICK(r, code_params), *noun = WPICK(r, code_nouns);
	const char *ind = method ? "\t" : "";
	unsigned n = 3 + wr_n(r, 7);

	code_name(r, fl, name, sizeof(name));
	P("%s/**\n%s * %s.\n%s *\n", ind, ind, WPICK(r, code_sentences), ind);
	if (fl == FL_WP)
		P("%s * @since %s\n%s *\n", ind, WPICK(r, code_versions), ind);
	P("%s * @param int|string %s Object identifier.\n%s * @param array      $args "
	    "Optional. Extra arguments. Default empty array.\n%s * @return mixed The "
	    "result, or false on failure.\n%s */\n", ind, p, ind, ind, ind);
	if (fl == FL_WP)
		P("%s%sfunction %s( %s, $args = array() ) {\n", ind, method ? "public " : "", name, p);
	else
		P("%s%sfunction %s(%s, $args = array())\n%s{\n", ind, method ? "public " : "", name,
		    p, ind);
	for (unsigned i = 0; i < n; i++) {
		size_t at = b->len;

		code_stmt(b, r, fl, p, noun);
		/* A method is indented once more: re-indent what was written. */
		if (method) {
			struct ronda_buf t;

			ronda_buf_init(&t, WR_CONTENT_MAX);
			for (size_t j = at; j < b->len; j++) {
				if (j == at || b->data[j - 1] == '\n')
					if (b->data[j] != '\n')
						ronda_buf_putc(&t, '\t');
				ronda_buf_putc(&t, b->data[j]);
			}
			b->len = at;
			ronda_buf_append(b, t.data, t.len);
			ronda_buf_release(&t);
		}
	}
	P("%s\treturn $value;\n%s}\n\n", ind, ind);
}

/* CamelCase of a noun: "menu_item" -> "Menu_Item" (WordPress) or "MenuItem". */
static void
camel(char *out, size_t n, const char *s, int keep_underscore)
{
	size_t o = 0;
	int up = 1;

	for (; *s != '\0' && o + 1 < n; s++) {
		if (*s == '_') {
			up = 1;
			if (keep_underscore)
				out[o++] = '_';
			continue;
		}
		out[o++] = up && *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
		up = 0;
	}
	out[o] = '\0';
}

/* The class a file name says: class-wp-http-proxy.php -> WP_Http_Proxy. */
static void
class_of(const char *path, int fl, char *out, size_t n)
{
	const char *f = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char stem[96], *dot;
	size_t o = 0;
	int up = 1;

	if (strncmp(f, "class-", 6) == 0)
		f += 6;
	snprintf(stem, sizeof(stem), "%s", f);
	if ((dot = strchr(stem, '.')) != NULL)
		*dot = '\0';
	if (fl == FL_CI) {
		snprintf(out, n, "CI_");
		o = 3;
	}
	for (const char *s = stem; *s != '\0' && o + 1 < n; s++) {
		if (*s == '-' || *s == '_') {
			out[o++] = fl == FL_RC ? '_' : '_';
			up = fl != FL_RC;
			continue;
		}
		if (fl == FL_WP && up && s == stem && strncmp(s, "wp", 2) == 0 &&
		    (s[2] == '-' || s[2] == '\0')) {
			out[o++] = 'W';
			out[o++] = 'P';
			s++;
			up = 0;
			continue;
		}
		out[o++] = up && fl != FL_RC && *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
		up = 0;
	}
	out[o] = '\0';
}

/* A PHP file of functions, or of one class when its name says class-/rcube_/CI. */
static void
gen_php(struct ronda_buf *b, struct wrng *r, int fl, const char *path, const char *pkg,
    int version)
{
	const char *f = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int is_class = strncmp(f, "class-", 6) == 0 || strncmp(f, "rcube", 5) == 0 ||
	    strncmp(f, "rcmail", 6) == 0 || fl == FL_CI;
	unsigned n = 2 + wr_n(r, 4);
	char cls[96], sub[64];

	camel(sub, sizeof(sub), WPICK(r, code_nouns), 0);
	P("<?php\n");
	if (fl == FL_CI)
		P("defined('BASEPATH') OR exit('No direct script access allowed');\n\n");
	P("/**\n * %s\n *\n", pkg);
	if (fl == FL_WP)
		P(" * @package WordPress\n * @subpackage %s\n * @since %s\n */\n\n", sub,
		    WPICK(r, code_versions));
	else if (fl == FL_CI)
		P(" * @package\tCodeIgniter\n * @author\tEllisLab Dev Team\n * @copyright\t"
		    "Copyright (c) 2014 - 2019, British Columbia Institute of Technology\n"
		    " * @license\thttps://opensource.org/licenses/MIT\tMIT License\n * @since\t"
		    "Version 3.%u.0\n */\n\n", wr_n(r, 2));
	else
		P(" * This file is part of the Roundcube Webmail client\n *\n * Copyright (C) "
		    "The Roundcube Dev Team\n *\n * Licensed under the GNU General Public "
		    "License version 3 or any later version with exceptions for skins & "
		    "plugins.\n */\n\n");
	if (fl == FL_WP && version > 0)
		P("/* This file was updated in WordPress %s. */\n\n", WP_VERSION_NEW);
	if (!is_class) {
		if (fl == FL_WP && wr_n(r, 2))
			P("require_once ABSPATH . WPINC . '/%s';\n\n", WPICK(r, code_nouns));
		for (unsigned i = 0; i < n; i++)
			code_function(b, r, fl, 0);
		return;
	}
	class_of(path, fl, cls, sizeof(cls));
	P("/**\n * Core class: %s.\n */\n", WPICK(r, code_sentences));
	if (fl == FL_WP)
		P("#[AllowDynamicProperties]\nclass %s {\n\n\t/**\n\t * Registered items.\n\t *\n"
		    "\t * @var array\n\t */\n\tprivate $registered = array();\n\n\t/**\n\t * "
		    "Constructor.\n\t *\n\t * @param array $args Optional. Arguments.\n\t */\n"
		    "\tpublic function __construct( $args = array() ) {\n\t\t$this->registered = "
		    "(array) $args;\n\t}\n\n", cls);
	else if (fl == FL_CI)
		P("class %s {\n\n\t/**\n\t * Reference to the CodeIgniter instance\n\t *\n\t * "
		    "@var object\n\t */\n\tprotected $CI;\n\n\tpublic function __construct()\n"
		    "\t{\n\t\t$this->CI =& get_instance();\n\t\tlog_message('info', '%s Class "
		    "Initialized');\n\t}\n\n", cls, cls);
	else
		P("class %s\n{\n\tprotected $rc;\n\n\tpublic function __construct($rc = null)\n"
		    "\t{\n\t\t$this->rc = $rc ?: rcube::get_instance();\n\t}\n\n", cls);
	for (unsigned i = 0; i < n; i++)
		code_function(b, r, fl, 1);
	P("}\n");
}

/* Minified-looking JavaScript of about n bytes. */
static void
gen_js(struct ronda_buf *b, struct wrng *r, unsigned n, const char *banner)
{
	static const char *const words[] = { "init", "toggle", "render", "update", "close",
		"open", "resize", "scroll", "submit", "load", "bind", "focus", NULL };
	static const char *const events[] = { "click", "keydown", "resize", "scroll",
		"submit", "change", "focus", NULL };
	size_t end = b->len + n;

	P("/*! %s | (c) contributors | MIT license */\n", banner);
	P("!function(e,t){\"use strict\";");
	while (b->len < end) {
		const char *w = WPICK(r, words);

		P("var %c%u=function(n,i){var o=e(n),s=t.extend({},%c%u.defaults,i);return o.on("
		    "\"%s.%s\",function(r){r.preventDefault(),o.toggleClass(\"is-%s\"),s.%s&&s.%s("
		    "o)}),o};%c%u.defaults={delay:%u,%s:null};", 'a' + wr_n(r, 26), wr_n(r, 99),
		    'a' + wr_n(r, 26), wr_n(r, 99), WPICK(r, events), w, w, w, w, 'a' + wr_n(r, 26),
		    wr_n(r, 99), 100 + wr_n(r, 400), w);
	}
	P("}(jQuery,jQuery);\n");
}

/* A stylesheet of about n bytes. */
static void
gen_css(struct ronda_buf *b, struct wrng *r, unsigned n, const char *banner)
{
	static const char *const sel[] = { ".site-header", ".site-footer", ".main-navigation",
		".entry-title", ".entry-content", ".widget", ".post-thumbnail", ".pagination",
		".btn-primary", ".card", ".breadcrumb", ".navbar", ".sidebar", ".berita-list",
		".pengumuman", ".layanan-grid", ".wp-block-image", ".screen-reader-text",
		".alignleft", ".alignright", ".gallery-item", ".search-form", ".menu-toggle",
		".hidden", NULL };
	static const char *const prop[] = { "margin:0 auto", "padding:1rem 1.5rem",
		"color:#1d2327", "background:#fff", "font-size:.875rem", "line-height:1.6",
		"border-radius:4px", "display:flex", "display:block", "display:none",
		"text-decoration:none", "font-weight:600", "max-width:100%", "width:100%",
		"border:1px solid #dcdcde", "box-shadow:0 1px 2px rgba(0,0,0,.08)", NULL };
	size_t end = b->len + n;

	P("/*! %s */\n", banner);
	while (b->len < end)
		P("%s%s{%s;%s}\n", WPICK(r, sel), wr_n(r, 3) ? "" : ":hover", WPICK(r, prop),
		    WPICK(r, prop));
}

/* Bytes of a binary blob: no '<', '?', '(', '$' (no accidental script in it). */
static void
gen_blob(struct ronda_buf *b, struct wrng *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned char c = (unsigned char)wr_next(r);

		if (c == '<' || c == '?' || c == '(' || c == '$')
			c ^= 0x80;
		ronda_buf_putc(b, (char)c);
	}
}

static void
gen_jpeg(struct ronda_buf *b, struct wrng *r, unsigned n)
{
	static const unsigned char head[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F',
		'I', 'F', 0x00, 0x01, 0x01, 0x01, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00, 0xff, 0xdb,
		0x00, 0x43, 0x00 };

	ronda_buf_append(b, head, sizeof(head));
	gen_blob(b, r, n);
	ronda_buf_append(b, "\xff\xd9", 2);
}

static void
gen_png(struct ronda_buf *b, struct wrng *r, unsigned n)
{
	static const unsigned char head[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a,
		0x00, 0x00, 0x00, 0x0d, 'I', 'H', 'D', 'R', 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0xb4, 0x08, 0x06, 0x00, 0x00, 0x00 };
	static const unsigned char tail[] = { 0x00, 0x00, 0x00, 0x00, 'I', 'E', 'N', 'D',
		0xae, 0x42, 0x60, 0x82 };

	ronda_buf_append(b, head, sizeof(head));
	gen_blob(b, r, n);
	ronda_buf_append(b, tail, sizeof(tail));
}

/* ---- one file's content ------------------------------------------------------- */

static const char *
site_name(const struct sim_site *s)
{
	return s->agency != NULL ? s->agency : s->id;
}

static void
gen_wp_index(struct ronda_buf *b)
{
	P("<?php\n/**\n * Front to the WordPress application. This file doesn't do anything, "
	    "but loads\n * wp-blog-header.php which does and tells WordPress to load the "
	    "theme.\n *\n * @package WordPress\n */\n\n/**\n * Tells WordPress to load the "
	    "WordPress theme and output it.\n *\n * @var bool\n */\ndefine( 'WP_USE_THEMES', "
	    "true );\n\n/** Loads the WordPress Environment and Template */\nrequire __DIR__ . "
	    "'/wp-blog-header.php';\n");
}

/* Salts and passwords: printable, never a character that could open code. */
static void
secret(struct ronda_buf *b, struct wrng *r, unsigned n)
{
	static const char cs[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789!#%&*+,-./:;=@[]^_{|}~";

	for (unsigned i = 0; i < n; i++)
		ronda_buf_putc(b, cs[wr_n(r, sizeof(cs) - 1)]);
}

static void
gen_wp_config(struct ronda_buf *b, struct wrng *r, const struct sim_site *s)
{
	static const char *const keys[] = { "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY",
		"NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT",
		NULL };
	char db[64];
	size_t o = 0;

	for (const char *p = s->id; *p != '\0' && *p != '.' && o + 1 < 40; p++)
		db[o++] = *p == '-' ? '_' : *p;
	db[o] = '\0';
	P("<?php\n/**\n * The base configuration for WordPress\n *\n * @link https://wordpress."
	    "org/documentation/article/editing-wp-config-php/\n *\n * @package WordPress\n */\n\n"
	    "// ** Database settings - You can get this info from your web host ** //\n"
	    "/** The name of the database for WordPress */\ndefine( 'DB_NAME', 'wp_%s' );\n\n"
	    "/** Database username */\ndefine( 'DB_USER', '%s_web' );\n\n/** Database password "
	    "*/\ndefine( 'DB_PASSWORD', '", db, db);
	secret(b, r, 20);
	P("' );\n\n/** Database hostname */\ndefine( 'DB_HOST', 'localhost' );\n\n/** Database "
	    "charset to use in creating database tables. */\ndefine( 'DB_CHARSET', 'utf8mb4' );"
	    "\n\n/** The database collate type. Don't change this if in doubt. */\ndefine( "
	    "'DB_COLLATE', '' );\n\n/**#@+\n * Authentication unique keys and salts.\n */\n");
	for (int i = 0; keys[i] != NULL; i++) {
		P("define( '%s',%*s'", keys[i], (int)(17 - strlen(keys[i])), "");
		secret(b, r, 64);
		P("' );\n");
	}
	P("\n/**#@-*/\n\n/**\n * WordPress database table prefix.\n */\n$table_prefix = "
	    "'wp%u_';\n\n/**\n * For developers: WordPress debugging mode.\n */\ndefine( "
	    "'WP_DEBUG', false );\ndefine( 'DISALLOW_FILE_EDIT', true );\ndefine( 'WP_MEMORY_"
	    "LIMIT', '256M' );\n\n/* That's all, stop editing! Happy publishing. */\n\n/** "
	    "Absolute path to the WordPress directory. */\nif ( ! defined( 'ABSPATH' ) ) {\n"
	    "\tdefine( 'ABSPATH', __DIR__ . '/' );\n}\n\n/** Sets up WordPress vars and "
	    "included files. */\nrequire_once ABSPATH . 'wp-settings.php';\n", 10 + wr_n(r, 80));
}

static void
gen_wp_settings(struct ronda_buf *b, int version)
{
	P("<?php\n/**\n * Used to set up and fix common variables and include\n * the WordPress "
	    "procedural and class library.\n *\n * Allows for some configuration in "
	    "wp-config.php (see default-constants.php)\n *\n * @package WordPress\n */\n\n"
	    "/**\n * Stores the location of the WordPress directory of functions, classes, and "
	    "core content.\n *\n * @since 1.0.0\n */\ndefine( 'WPINC', 'wp-includes' );\n\n"
	    "require ABSPATH . WPINC . '/version.php';\nrequire ABSPATH . WPINC . '/compat.php';"
	    "\nrequire ABSPATH . WPINC . '/load.php';\n\n// Check for the required PHP version "
	    "and for the MySQL extension or a database drop-in.\nwp_check_php_mysql_versions();"
	    "\n\n// Include files required for initialization.\nrequire ABSPATH . WPINC . "
	    "'/class-wp-error.php';\nrequire ABSPATH . WPINC . '/plugin.php';\n\n");
	for (size_t i = 0; wr_wp_includes_php[i] != NULL; i++) {
		if (version > 0 && wr_wp_includes_php[i + 1] == NULL)
			break;	/* removed in the update */
		P("require ABSPATH . WPINC . '/%s';\n", wr_wp_includes_php[i]);
	}
	if (version > 0)
		for (size_t i = 0; wr_wp_new_files[i] != NULL; i++)
			if (strncmp(wr_wp_new_files[i], "wp-includes/", 12) == 0)
				P("require ABSPATH . WPINC . '/%s';\n", wr_wp_new_files[i] + 12);
	P("\n$GLOBALS['wp_plugin_paths'] = array();\n\n// Load active plugins.\nforeach ( "
	    "wp_get_active_and_valid_plugins() as $plugin ) {\n\twp_register_plugin_realpath( "
	    "$plugin );\n\tinclude_once $plugin;\n}\nunset( $plugin );\n\n/**\n * Fires once "
	    "WordPress, all plugins, and the theme are fully loaded and instantiated.\n *\n * "
	    "@since 3.0.0\n */\ndo_action( 'wp_loaded' );\n");
}

static void
gen_wp_version(struct ronda_buf *b, int version)
{
	P("<?php\n/**\n * WordPress Version\n *\n * Contains version information for the "
	    "current WordPress release.\n *\n * @package WordPress\n * @since 1.2.0\n */\n\n"
	    "/**\n * The WordPress version string.\n *\n * Holds the current version number "
	    "for WordPress core. Used to bust caches\n * and to enable development mode for "
	    "scripts when running from the /src directory.\n *\n * @global string $wp_version"
	    "\n */\n$wp_version = '%s';\n\n/**\n * Holds the WordPress DB revision, increments "
	    "when changes are made to the WordPress DB schema.\n *\n * @global int "
	    "$wp_db_version\n */\n$wp_db_version = %s;\n\n/**\n * Holds the TinyMCE version."
	    "\n *\n * @global string $tinymce_version\n */\n$tinymce_version = '49110-20201110';"
	    "\n\n/**\n * Holds the required PHP version.\n *\n * @global string "
	    "$required_php_version\n */\n$required_php_version = '7.0.0';\n\n/**\n * Holds "
	    "the required MySQL version.\n *\n * @global string $required_mysql_version\n */\n"
	    "$required_mysql_version = '5.0';\n", version > 0 ? WP_VERSION_NEW : WP_VERSION_OLD,
	    version > 0 ? "57155" : "56657");
}

/* The browser tests of wp-includes/vars.php: a user agent tested, never for a bot. */
static void
gen_wp_vars(struct ronda_buf *b)
{
	P("<?php\n/**\n * Creates common globals for the rest of WordPress\n *\n * Sets $pagenow "
	    "global which is the filename of the current screen.\n * Checks for the browser to "
	    "set which one is currently being used.\n *\n * Detects which user environment "
	    "WordPress is being used on.\n * Only attempts to check for Apache, Nginx and IIS "
	    "-- three web\n * servers with known pretty permalink capability.\n *\n * @package "
	    "WordPress\n */\n\nglobal $pagenow,\n\t$is_lynx, $is_gecko, $is_winIE, $is_macIE, "
	    "$is_opera, $is_NS4, $is_safari, $is_chrome, $is_iphone, $is_IE, $is_edge,\n\t"
	    "$is_apache, $is_IIS, $is_iis7, $is_nginx, $is_caddy;\n\n// Simple browser "
	    "detection.\n$is_lynx   = false;\n$is_gecko  = false;\n$is_winIE = false;\n"
	    "$is_chrome = false;\n$is_safari = false;\n$is_edge   = false;\n\nif ( isset( "
	    "$_SERVER['HTTP_USER_AGENT'] ) ) {\n\tif ( str_contains( $_SERVER['HTTP_USER_AGENT']"
	    ", 'Lynx' ) ) {\n\t\t$is_lynx = true;\n\t} elseif ( str_contains( $_SERVER['HTTP_"
	    "USER_AGENT'], 'Edg' ) ) {\n\t\t$is_edge = true;\n\t} elseif ( str_contains( "
	    "$_SERVER['HTTP_USER_AGENT'], 'Chrome' ) ) {\n\t\t$is_chrome = true;\n\t} elseif "
	    "( str_contains( $_SERVER['HTTP_USER_AGENT'], 'Safari' ) ) {\n\t\t$is_safari = "
	    "true;\n\t} elseif ( str_contains( $_SERVER['HTTP_USER_AGENT'], 'Gecko' ) ) {\n\t\t"
	    "$is_gecko = true;\n\t}\n}\n\n$is_IE = ( $is_macIE || $is_winIE );\n\n// Server "
	    "detection.\n$is_apache = ( str_contains( $_SERVER['SERVER_SOFTWARE'], 'Apache' ) "
	    "|| str_contains( $_SERVER['SERVER_SOFTWARE'], 'LiteSpeed' ) );\n$is_nginx = "
	    "( str_contains( $_SERVER['SERVER_SOFTWARE'], 'nginx' ) );\n\n/**\n * Test if the "
	    "current browser runs on a mobile device (smart phone, tablet, etc.).\n *\n * "
	    "@since 3.4.0\n *\n * @return bool\n */\nfunction wp_is_mobile() {\n\tif ( isset( "
	    "$_SERVER['HTTP_SEC_CH_UA_MOBILE'] ) ) {\n\t\t$is_mobile = ( '?1' === $_SERVER["
	    "'HTTP_SEC_CH_UA_MOBILE'] );\n\t} elseif ( empty( $_SERVER['HTTP_USER_AGENT'] ) ) "
	    "{\n\t\t$is_mobile = false;\n\t} elseif ( str_contains( $_SERVER['HTTP_USER_AGENT'],"
	    " 'Mobile' ) || str_contains( $_SERVER['HTTP_USER_AGENT'], 'Android' ) ) {\n\t\t"
	    "$is_mobile = true;\n\t} else {\n\t\t$is_mobile = false;\n\t}\n\n\treturn "
	    "apply_filters( 'wp_is_mobile', $is_mobile );\n}\n");
}

static void
gen_htaccess(struct ronda_buf *b, int fl)
{
	if (fl == FL_WP)
		P("# BEGIN WordPress\n# The directives (lines) between \"BEGIN WordPress\" and "
		    "\"END WordPress\" are\n# dynamically generated, and should only be modified "
		    "via WordPress filters.\n# Any changes to the directives between these markers "
		    "will be overwritten.\n<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteRule "
		    ".* - [E=HTTP_AUTHORIZATION:%%{HTTP:Authorization}]\nRewriteBase /\nRewriteRule "
		    "^index\\.php$ - [L]\nRewriteCond %%{REQUEST_FILENAME} !-f\nRewriteCond "
		    "%%{REQUEST_FILENAME} !-d\nRewriteRule . /index.php [L]\n</IfModule>\n\n"
		    "# END WordPress\n");
	else if (fl == FL_CI)
		P("<IfModule mod_rewrite.c>\n\tRewriteEngine On\n\tRewriteBase /\n\tRewriteCond "
		    "%%{REQUEST_FILENAME} !-f\n\tRewriteCond %%{REQUEST_FILENAME} !-d\n\tRewriteRule "
		    "^(.*)$ index.php/$1 [L]\n</IfModule>\n\n<IfModule !mod_rewrite.c>\n\t"
		    "ErrorDocument 404 /index.php\n</IfModule>\n\nOptions -Indexes\n");
	else
		P("# AddDefaultCharset\tUTF-8\nAddType text/x-component .htc\n\n<IfModule "
		    "mod_php.c>\nphp_flag\tdisplay_errors\tOff\nphp_flag\tlog_errors\tOn\n"
		    "php_value\tupload_max_filesize\t5M\nphp_value\tpost_max_size\t6M\n"
		    "php_value\tmemory_limit\t64M\n</IfModule>\n\n<IfModule mod_rewrite.c>\n"
		    "Options +FollowSymLinks\nRewriteEngine On\nRewriteRule ^favicon\\.ico$ "
		    "skins/elastic/images/favicon.ico\nRewriteRule ^(?!installer|\\.well-known\\/|"
		    "[a-zA-Z0-9]{16})(\\.?[^\\.]+)$ - [F]\nRewriteRule ^/?(\\.git|\\.tx|SQL|bin|"
		    "config|logs|temp|tests|vendor|program\\/(include|lib|localization|steps)) - "
		    "[F]\nRewriteRule /?(README.*|meta\\.json|composer\\..*|jsdeps.json)$ - [F]\n"
		    "</IfModule>\n\nOptions -Indexes\n");
}

static void
gen_robots(struct ronda_buf *b, const struct sim_site *s, int fl)
{
	if (fl == FL_WP)
		P("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
		    "Sitemap: https://%s/sitemap.xml\n", s->id);
	else if (fl == FL_CI)
		P("User-agent: *\nDisallow: /application/\nDisallow: /system/\nDisallow: "
		    "/uploads/\n");
	else
		P("User-agent: *\nDisallow: /\n");
}

/* The sitemap the Google XML Sitemaps plugin wrote at its last rebuild. */
static void
gen_sitemap(struct ronda_buf *b, struct wrng *r, const struct sim_site *s, int64_t at)
{
	char ts[32];
	int64_t y;
	unsigned mo, d, h, mi;
	static const char *const mon[] = { "January", "February", "March", "April", "May",
		"June", "July", "August", "September", "October", "November", "December" };

	wr_civil(at, &y, &mo, &d, &h, &mi);
	wr_iso_time(ts, at);
	P("<?xml version=\"1.0\" encoding=\"UTF-8\"?><?xml-stylesheet type=\"text/xsl\" "
	    "href=\"https://%s/wp-content/plugins/google-sitemap-generator/sitemap.xsl\"?>\n"
	    "<!-- sitemap-generator-url=\"http://www.arnebrachhold.de\" sitemap-generator-"
	    "version=\"4.1.13\" -->\n<!-- generated-on=\"%s %u, %d %u:%02u %s\" -->\n"
	    "<urlset xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xsi:schemaLocation=\"http://www.sitemaps.org/schemas/sitemap/0.9 "
	    "http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd\" "
	    "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\t<url>\n\t\t<loc>https://"
	    "%s/</loc>\n\t\t<lastmod>%s</lastmod>\n\t\t<changefreq>daily</changefreq>\n\t\t"
	    "<priority>1.0</priority>\n\t</url>\n", s->id, mon[mo - 1], d, (int)y,
	    h % 12 ? h % 12 : 12, mi, h < 12 ? "am" : "pm", s->id, ts);
	for (size_t i = 0; vocab_berita[i] != NULL; i++) {
		if (wr_judol_word(vocab_berita[i]))
			continue;
		wr_iso_time(ts, at - (int64_t)(i + 1) * (DAY_MS + (int64_t)wr_n(r, 86400) * 1000));
		P("\t<url>\n\t\t<loc>https://%s/berita/%s/</loc>\n\t\t<lastmod>%s</lastmod>\n"
		    "\t\t<changefreq>monthly</changefreq>\n\t\t<priority>0.6</priority>\n"
		    "\t</url>\n", s->id, vocab_berita[i], ts);
	}
	for (size_t i = 0; vocab_pengumuman[i] != NULL; i++) {
		wr_iso_time(ts, at - (int64_t)(i + 2) * 3 * DAY_MS);
		P("\t<url>\n\t\t<loc>https://%s/pengumuman/%s/</loc>\n\t\t<lastmod>%s</lastmod>\n"
		    "\t\t<changefreq>monthly</changefreq>\n\t\t<priority>0.5</priority>\n"
		    "\t</url>\n", s->id, vocab_pengumuman[i], ts);
	}
	for (size_t i = 0; vocab_layanan[i] != NULL; i++) {
		if (wr_judol_word(vocab_layanan[i]))
			continue;
		P("\t<url>\n\t\t<loc>https://%s%s</loc>\n\t\t<changefreq>weekly</changefreq>\n"
		    "\t\t<priority>0.4</priority>\n\t</url>\n", s->id, vocab_layanan[i]);
	}
	P("</urlset>\n<!-- Request ID: %08x; Queries for sitemap: %u; Total queries: %u; "
	    "Seconds: 0.%02u; Memory for sitemap: 2MB; Total memory: 18MB -->\n",
	    (unsigned)wr_next(r), 20 + wr_n(r, 30), 40 + wr_n(r, 60), wr_n(r, 99));
}

static void
gen_theme_style(struct ronda_buf *b, struct wrng *r, const struct sim_site *s)
{
	P("/*\nTheme Name: Pemda\nTheme URI: https://%s/\nAuthor: Diskominfo\nDescription: "
	    "Tema portal resmi pemerintah daerah: berita, pengumuman, layanan publik dan PPID."
	    "\nVersion: 2.1\nRequires at least: 6.0\nRequires PHP: 7.4\nLicense: GNU General "
	    "Public License v2 or later\nText Domain: pemda\n*/\n\n", s->id);
	gen_css(b, r, 4000, "Pemda 2.1");
}

static void
gen_theme_header(struct ronda_buf *b, const struct sim_site *s)
{
	P("<?php\n/**\n * The header for our theme\n *\n * @package Pemda\n */\n\n?><!doctype "
	    "html>\n<html <?php language_attributes(); ?>>\n<head>\n\t<meta charset=\"<?php "
	    "bloginfo( 'charset' ); ?>\">\n\t<meta name=\"viewport\" content=\"width=device-"
	    "width, initial-scale=1\">\n\t<link rel=\"profile\" href=\"https://gmpg.org/xfn/11\">"
	    "\n\t<?php wp_head(); ?>\n</head>\n\n<body <?php body_class(); ?>>\n<?php "
	    "wp_body_open(); ?>\n<div id=\"page\" class=\"site\">\n\t<a class=\"skip-link "
	    "screen-reader-text\" href=\"#primary\"><?php esc_html_e( 'Langsung ke konten', "
	    "'pemda' ); ?></a>\n\n\t<header id=\"masthead\" class=\"site-header\">\n\t\t<div "
	    "class=\"site-branding\">\n\t\t\t<img src=\"<?php echo esc_url( get_template_"
	    "directory_uri() ); ?>/assets/img/logo-pemda.png\" alt=\"%s\">\n\t\t\t<p class="
	    "\"site-title\"><a href=\"<?php echo esc_url( home_url( '/' ) ); ?>\" rel=\"home\">"
	    "<?php bloginfo( 'name' ); ?></a></p>\n\t\t</div>\n\n\t\t<nav id=\"site-navigation\""
	    " class=\"main-navigation\">\n\t\t\t<?php\n\t\t\twp_nav_menu(\n\t\t\t\tarray(\n"
	    "\t\t\t\t\t'theme_location' => 'menu-1',\n\t\t\t\t\t'menu_id'        => 'primary-"
	    "menu',\n\t\t\t\t)\n\t\t\t);\n\t\t\t?>\n\t\t</nav>\n\t</header>\n", site_name(s));
}

static void
gen_theme_footer(struct ronda_buf *b, const struct sim_site *s)
{
	P("<?php\n/**\n * The template for displaying the footer\n *\n * Contains the closing "
	    "of the #content div and all content after.\n *\n * @package Pemda\n */\n\n?>\n\n"
	    "\t<footer id=\"colophon\" class=\"site-footer\">\n\t\t<div class=\"footer-widgets"
	    "\">\n\t\t\t<?php dynamic_sidebar( 'footer-1' ); ?>\n\t\t</div>\n\t\t<div class="
	    "\"site-info\">\n\t\t\t<p>&copy; <?php echo esc_html( gmdate( 'Y' ) ); ?> %s. "
	    "Hak cipta dilindungi.</p>\n\t\t\t<ul class=\"footer-links\">\n\t\t\t\t<li><a "
	    "href=\"<?php echo esc_url( home_url( '/ppid/' ) ); ?>\">PPID</a></li>\n\t\t\t\t"
	    "<li><a href=\"<?php echo esc_url( home_url( '/kontak' ) ); ?>\">Kontak</a></li>\n"
	    "\t\t\t\t<li><a href=\"https://www.lapor.go.id/\" rel=\"noopener\">SP4N-LAPOR!</a>"
	    "</li>\n\t\t\t\t<li><a href=\"https://www.komdigi.go.id/\" rel=\"noopener\">Komdigi"
	    "</a></li>\n\t\t\t</ul>\n\t\t</div>\n\t</footer>\n</div><!-- #page -->\n\n<?php "
	    "wp_footer(); ?>\n\n</body>\n</html>\n", site_name(s));
}

static void
gen_theme_tpl(struct ronda_buf *b, const char *path)
{
	const char *f = strrchr(path, '/') + 1;

	P("<?php\n/**\n * The template for displaying %s\n *\n * @package Pemda\n */\n\n"
	    "get_header();\n?>\n\n\t<main id=\"primary\" class=\"site-main\">\n\n\t\t<?php\n"
	    "\t\tif ( have_posts() ) :\n\n\t\t\twhile ( have_posts() ) :\n\t\t\t\tthe_post();\n"
	    "\t\t\t\tget_template_part( 'template-parts/content', get_post_type() );\n\t\t\t"
	    "endwhile;\n\n\t\t\tthe_posts_navigation();\n\n\t\telse :\n\n\t\t\tget_template_part"
	    "( 'template-parts/content', 'none' );\n\n\t\tendif;\n\t\t?>\n\n\t</main><!-- "
	    "#main -->\n\n<?php\n%sget_footer();\n", strcmp(f, "404.php") == 0 ? "404 pages" :
	    strcmp(f, "search.php") == 0 ? "search results pages" : "all posts and pages",
	    strcmp(f, "sidebar.php") == 0 ? "" : "get_sidebar();\n");
}

static void
gen_ci_index(struct ronda_buf *b)
{
	P("<?php\n/**\n * CodeIgniter\n *\n * An open source application development framework "
	    "for PHP\n *\n * @package\tCodeIgniter\n * @license\thttps://opensource.org/licenses/"
	    "MIT\tMIT License\n */\n\n/*\n *---------------------------------------------------"
	    "------------\n * APPLICATION ENVIRONMENT\n *----------------------------------------"
	    "-----------------------\n */\n\tdefine('ENVIRONMENT', isset($_SERVER['CI_ENV']) ? "
	    "$_SERVER['CI_ENV'] : 'production');\n\nswitch (ENVIRONMENT)\n{\n\tcase 'development'"
	    ":\n\t\terror_reporting(-1);\n\t\tini_set('display_errors', 1);\n\tbreak;\n\n\tcase "
	    "'production':\n\t\tini_set('display_errors', 0);\n\t\terror_reporting(E_ALL & "
	    "~E_NOTICE & ~E_DEPRECATED & ~E_STRICT & ~E_USER_NOTICE & ~E_USER_DEPRECATED);\n"
	    "\tbreak;\n}\n\n\t$system_path = 'system';\n\t$application_folder = 'application';"
	    "\n\t$view_folder = '';\n\n\tif (($_temp = realpath($system_path)) !== FALSE)\n\t{\n"
	    "\t\t$system_path = $_temp.DIRECTORY_SEPARATOR;\n\t}\n\n\tdefine('SELF', pathinfo("
	    "__FILE__, PATHINFO_BASENAME));\n\tdefine('BASEPATH', $system_path);\n\tdefine("
	    "'FCPATH', dirname(__FILE__).DIRECTORY_SEPARATOR);\n\tdefine('APPPATH', "
	    "$application_folder.DIRECTORY_SEPARATOR);\n\tdefine('VIEWPATH', APPPATH.'views'."
	    "DIRECTORY_SEPARATOR);\n\n/*\n * LOAD THE BOOTSTRAP FILE\n */\nrequire_once "
	    "BASEPATH.'core/CodeIgniter.php';\n");
}

static void
gen_ci_config(struct ronda_buf *b, struct wrng *r, const struct sim_site *s, const char *path)
{
	const char *f = strrchr(path, '/') + 1;

	P("<?php\ndefined('BASEPATH') OR exit('No direct script access allowed');\n\n");
	if (strcmp(f, "database.php") == 0) {
		P("$active_group = 'default';\n$query_builder = TRUE;\n\n$db['default'] = array(\n"
		    "\t'dsn'\t=> '',\n\t'hostname' => 'localhost',\n\t'username' => 'app_%u',\n"
		    "\t'password' => '", wr_n(r, 100));
		secret(b, r, 18);
		P("',\n\t'database' => 'db_%s',\n\t'dbdriver' => 'mysqli',\n\t'dbprefix' => 'tb_',"
		    "\n\t'pconnect' => FALSE,\n\t'db_debug' => (ENVIRONMENT !== 'production'),\n"
		    "\t'char_set' => 'utf8',\n\t'dbcollat' => 'utf8_general_ci',\n);\n",
		    s->kind == KIND_COMPLAINT ? "pengaduan" : "ekinerja");
	} else if (strcmp(f, "config.php") == 0) {
		P("$config['base_url'] = 'https://%s/';\n$config['index_page'] = '';\n"
		    "$config['uri_protocol']\t= 'REQUEST_URI';\n$config['language']\t= 'indonesian';"
		    "\n$config['charset'] = 'UTF-8';\n$config['enable_hooks'] = FALSE;\n"
		    "$config['encryption_key'] = '", s->id);
		secret(b, r, 32);
		P("';\n$config['sess_driver'] = 'database';\n$config['sess_cookie_name'] = "
		    "'ci_session';\n$config['sess_expiration'] = 7200;\n$config['csrf_protection'] = "
		    "TRUE;\n$config['csrf_token_name'] = 'csrf_token';\n$config['time_reference'] = "
		    "'%s';\n", s->timezone);
	} else if (strcmp(f, "routes.php") == 0) {
		P("$route['default_controller'] = '%s';\n$route['404_override'] = '';\n"
		    "$route['translate_uri_dashes'] = FALSE;\n$route['admin/login'] = 'auth/login';"
		    "\n$route['dashboard'] = 'dashboard/index';\n", s->kind == KIND_COMPLAINT ?
		    "pengaduan" : "dashboard");
	} else if (strcmp(f, "autoload.php") == 0) {
		P("$autoload['packages'] = array();\n$autoload['libraries'] = array('database', "
		    "'session', 'form_validation');\n$autoload['helper'] = array('url', 'form', "
		    "'html', 'tanggal');\n$autoload['config'] = array();\n$autoload['language'] = "
		    "array();\n$autoload['model'] = array();\n");
	} else {
		P("defined('SHOW_DEBUG_BACKTRACE') OR define('SHOW_DEBUG_BACKTRACE', TRUE);\n"
		    "defined('FILE_READ_MODE')  OR define('FILE_READ_MODE', 0644);\ndefined("
		    "'FILE_WRITE_MODE') OR define('FILE_WRITE_MODE', 0666);\ndefined('DIR_READ_MODE')"
		    "   OR define('DIR_READ_MODE', 0755);\ndefined('EXIT_SUCCESS')        OR define("
		    "'EXIT_SUCCESS', 0);\ndefined('EXIT_ERROR')          OR define('EXIT_ERROR', 1);"
		    "\n");
	}
}

static void
gen_ci_controller(struct ronda_buf *b, struct wrng *r, const char *path)
{
	char cls[48], low[48];
	const char *f = strrchr(path, '/') + 1;
	size_t n = strcspn(f, ".");

	snprintf(cls, sizeof(cls), "%.*s", (int)n, f);
	snprintf(low, sizeof(low), "%s", cls);
	low[0] = (char)(low[0] | 0x20);
	P("<?php\ndefined('BASEPATH') OR exit('No direct script access allowed');\n\nclass %s "
	    "extends CI_Controller {\n\n\tpublic function __construct()\n\t{\n\t\tparent::"
	    "__construct();\n\t\t$this->load->model('%s_model');\n\t\tif ($this->router->method "
	    "!== 'login' && ! $this->session->userdata('logged_in'))\n\t\t{\n\t\t\tredirect("
	    "'auth/login');\n\t\t}\n\t}\n\n\tpublic function index()\n\t{\n\t\t$data['title'] = "
	    "'%s';\n\t\t$data['items'] = $this->%s_model->get_all(20, (int) $this->input->get("
	    "'page'));\n\t\t$this->load->view('templates/header', $data);\n\t\t$this->load->"
	    "view('%s/index', $data);\n\t\t$this->load->view('templates/footer');\n\t}\n\n"
	    "\tpublic function detail($id = 0)\n\t{\n\t\t$data['item'] = $this->%s_model->"
	    "get_by_id((int) $id);\n\t\tif ($data['item'] === NULL)\n\t\t{\n\t\t\tshow_404();\n"
	    "\t\t}\n\t\t$this->load->view('templates/header', $data);\n\t\t$this->load->view('%s/"
	    "detail', $data);\n\t\t$this->load->view('templates/footer');\n\t}\n\n", cls, low,
	    cls, low, low, low, low);
	for (unsigned i = 0, m = 1 + wr_n(r, 3); i < m; i++)
		code_function(b, r, FL_CI, 1);
	P("}\n");
}

static void
gen_ci_model(struct ronda_buf *b, struct wrng *r, const char *path)
{
	const char *f = strrchr(path, '/') + 1;
	char cls[64], tbl[48];
	size_t n = strcspn(f, ".");

	snprintf(cls, sizeof(cls), "%.*s", (int)n, f);
	snprintf(tbl, sizeof(tbl), "%.*s", (int)strcspn(cls, "_"), cls);
	for (char *p = tbl; *p != '\0'; p++)
		*p = (char)(*p | 0x20);
	P("<?php\ndefined('BASEPATH') OR exit('No direct script access allowed');\n\nclass %s "
	    "extends CI_Model {\n\n\tprotected $table = 'tb_%s';\n\n\tpublic function get_all("
	    "$limit = 20, $offset = 0)\n\t{\n\t\treturn $this->db->order_by('created_at', "
	    "'DESC')\n\t\t\t->get($this->table, $limit, $offset)\n\t\t\t->result();\n\t}\n\n"
	    "\tpublic function get_by_id($id)\n\t{\n\t\treturn $this->db->get_where($this->"
	    "table, array('id' => $id))->row();\n\t}\n\n\tpublic function insert(array $data)\n"
	    "\t{\n\t\t$data['created_at'] = date('Y-m-d H:i:s');\n\t\t$this->db->insert($this->"
	    "table, $data);\n\t\treturn $this->db->insert_id();\n\t}\n\n", cls, tbl);
	code_function(b, r, FL_CI, 1);
	P("}\n");
}

static void
gen_ci_view(struct ronda_buf *b, const char *path)
{
	if (strstr(path, "templates/header.php") != NULL) {
		P("<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n\t<meta charset=\"utf-8\">\n\t"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\t"
		    "<title><?= html_escape($title ?? 'Beranda') ?></title>\n\t<link rel=\"stylesheet"
		    "\" href=\"<?= base_url('assets/css/bootstrap.min.css') ?>\">\n\t<link rel="
		    "\"stylesheet\" href=\"<?= base_url('assets/css/style.css') ?>\">\n</head>\n<body>"
		    "\n<nav class=\"navbar navbar-expand-lg\">\n\t<a class=\"navbar-brand\" href=\"<?= "
		    "site_url() ?>\"><img src=\"<?= base_url('assets/img/logo.png') ?>\" alt=\"logo\">"
		    "</a>\n</nav>\n<div class=\"container\">\n");
		return;
	}
	P("<div class=\"card\">\n\t<div class=\"card-header\"><h4><?= html_escape($title) ?>"
	    "</h4></div>\n\t<div class=\"card-body\">\n\t\t<table class=\"table table-striped\">"
	    "\n\t\t\t<thead><tr><th>No</th><th>Tanggal</th><th>Uraian</th><th>Status</th></tr>"
	    "</thead>\n\t\t\t<tbody>\n\t\t\t<?php $no = 1; foreach ($items as $row): ?>\n\t\t\t"
	    "<tr>\n\t\t\t\t<td><?= $no++ ?></td>\n\t\t\t\t<td><?= tanggal_indo($row->created_at)"
	    " ?></td>\n\t\t\t\t<td><a href=\"<?= site_url('%s/detail/'.$row->id) ?>\"><?= "
	    "html_escape($row->judul) ?></a></td>\n\t\t\t\t<td><span class=\"badge\"><?= "
	    "html_escape($row->status) ?></span></td>\n\t\t\t</tr>\n\t\t\t<?php endforeach; ?>"
	    "\n\t\t\t</tbody>\n\t\t</table>\n\t\t<?= $this->pagination->create_links() ?>\n\t"
	    "</div>\n</div>\n", strstr(path, "ekinerja") ? "skp" : "pengaduan");
}

static void
gen_ci_footer(struct ronda_buf *b, const struct sim_site *s)
{
	P("</div><!-- /.container -->\n<footer class=\"footer mt-auto py-3\">\n\t<div class="
	    "\"container text-center\">\n\t\t<small>&copy; <?= date('Y') ?> %s</small>\n\t</div>"
	    "\n</footer>\n<script src=\"<?= base_url('assets/js/jquery.min.js') ?>\"></script>\n"
	    "<script src=\"<?= base_url('assets/js/bootstrap.bundle.min.js') ?>\"></script>\n"
	    "<script src=\"<?= base_url('assets/js/app.js') ?>\"></script>\n</body>\n</html>\n",
	    site_name(s));
}

static void
gen_rc_index(struct ronda_buf *b)
{
	P("<?php\n/**\n +-------------------------------------------------------------------"
	    "------+\n | Roundcube Webmail IMAP Client                                           "
	    "|\n | Version 1.6.9                                                           |\n"
	    " |                                                                         |\n"
	    " | Copyright (C) The Roundcube Dev Team                                    |\n"
	    " |                                                                         |\n"
	    " | Licensed under the GNU General Public License version 3 or            |\n"
	    " | any later version with exceptions for skins & plugins.                  |\n"
	    " +-------------------------------------------------------------------------+\n"
	    " */\n\n// include environment\nrequire_once 'program/include/iniset.php';\n\n"
	    "// init application, start session, init output class, etc.\n$RCMAIL = rcmail::"
	    "get_instance(0, isset($GLOBALS['env']) ? $GLOBALS['env'] : null);\n\n// check if "
	    "config files had errors\nif ($err_str = $RCMAIL->config->get_error()) {\n    "
	    "rcmail::raise_error([\n            'code' => 601, 'file' => __FILE__, 'line' => "
	    "__LINE__,\n            'message' => $err_str\n        ], false, true\n    );\n}\n\n"
	    "$RCMAIL->action_handler();\n");
}

static void
gen_rc_config(struct ronda_buf *b, struct wrng *r, const struct sim_site *s)
{
	const char *dom = strncmp(s->id, "mail.", 5) == 0 ? s->id + 5 : s->id;

	P("<?php\n\n/* Local configuration for Roundcube Webmail */\n\n$config['db_dsnw'] = "
	    "'mysql://roundcube:");
	secret(b, r, 16);
	P("@localhost/roundcubemail';\n$config['imap_host'] = 'ssl://%s:993';\n"
	    "$config['smtp_host'] = 'tls://%s:587';\n$config['support_url'] = 'https://%s/';\n"
	    "$config['product_name'] = 'Webmail %s';\n$config['des_key'] = '", s->id, s->id, dom,
	    dom);
	secret(b, r, 24);
	P("';\n$config['plugins'] = ['archive', 'zipdownload', 'managesieve', 'markasjunk'];\n"
	    "$config['skin'] = 'elastic';\n$config['language'] = 'id_ID';\n$config['timezone'] ="
	    " '%s';\n$config['login_rate_limit'] = 3;\n$config['session_lifetime'] = 30;\n",
	    s->timezone);
}

static void
gen_rc_template(struct ronda_buf *b, const char *path, int footer)
{
	if (footer) {
		P("<roundcube:if condition=\"config:support_url\" />\n<div id=\"footer\" class="
		    "\"footer\">\n\t<a href=\"<roundcube:var name='config:support_url' />\" target="
		    "\"_blank\" class=\"support-link\"><roundcube:label name=\"support\" /></a>\n\t"
		    "<span class=\"version\">Roundcube Webmail <roundcube:var name='env:version' />"
		    "</span>\n</div>\n<roundcube:endif />\n<roundcube:object name=\"plugin.footer\" "
		    "/>\n</body>\n</html>\n");
		return;
	}
	P("<roundcube:include file=\"includes/layout.html\" />\n<roundcube:include file="
	    "\"includes/menu.html\" />\n\n<h1 class=\"voice\"><roundcube:object name=\"pagetitle"
	    "\" /></h1>\n\n<!-- %s -->\n<div id=\"layout-content\" class=\"selected\" role=\"main"
	    "\">\n\t<div class=\"header\">\n\t\t<a class=\"button icon back-list-button\" href="
	    "\"#back\"><span class=\"inner\"><roundcube:label name=\"back\" /></span></a>\n\t"
	    "</div>\n\t<div class=\"content\">\n\t\t<roundcube:container name=\"content\" id="
	    "\"content-container\" />\n\t</div>\n</div>\n\n<roundcube:include file=\"includes/"
	    "footer.html\" />\n", strrchr(path, '/') + 1);
}

static void
gen_static(struct ronda_buf *b, const struct sim_site *s, int err50x)
{
	if (err50x) {
		P("<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An "
		    "error occurred.</h1>\n<p>Sorry, the page you are looking for is currently "
		    "unavailable.<br/>\nPlease try again later.</p>\n</body>\n</html>\n");
		return;
	}
	P("<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>"
	    "\n</head>\n<body>\n<h1>%s</h1>\n<p>Server ini hanya untuk administrasi. Akses "
	    "tercatat.</p>\n</body>\n</html>\n", s->id, site_name(s));
}

static void
gen_text(struct ronda_buf *b, struct wrng *r, const char *path)
{
	if (strstr(path, "license") != NULL) {
		P("WordPress - Web publishing software\n\nCopyright 2011-2024 by the contributors"
		    "\n\nThis program is free software; you can redistribute it and/or modify\nit "
		    "under the terms of the GNU General Public License as published by\nthe Free "
		    "Software Foundation; either version 2 of the License, or\n(at your option) any"
		    " later version.\n\nThis program is distributed in the hope that it will be "
		    "useful,\nbut WITHOUT ANY WARRANTY; without even the implied warranty of\n"
		    "MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the\nGNU General "
		    "Public License for more details.\n");
		return;
	}
	P("=== %s ===\nContributors: developers\nTags: editor, sitemap, performance\n"
	    "Requires at least: 5.%u\nTested up to: 6.4\nStable tag: %u.%u.%u\nLicense: GPLv2 or "
	    "later\n\n== Description ==\n\nA plugin for the site's editors.\n\n== Changelog ==\n"
	    "\n= %u.%u =\n* Fix: compatibility with the block editor.\n* Tweak: translations.\n",
	    path, wr_n(r, 9), 1 + wr_n(r, 4), wr_n(r, 10), wr_n(r, 10), 1 + wr_n(r, 4),
	    wr_n(r, 10));
}

/* The content of entry e of site si (version 1: after a core update), into b. */
void
wr_gen_entry(struct ronda_buf *b, size_t si, const struct entry *e, int version)
{
	const struct sim_site *s = site_at(si);
	struct wrng r;

	r.s = e->key ^ (sim_seed * 0xd1342543de82ef95ULL) ^ (uint64_t)version * 0x94d049bbULL;
	wr_next(&r);
	ronda_buf_reset(b);
	switch (e->gen) {
	case G_PHP: {
		char pkg[WR_PATH + 32];

		snprintf(pkg, sizeof(pkg), "%s", e->path);
		gen_php(b, &r, e->fl, e->path, pkg, version);
		break;
	}
	case G_CSS: gen_css(b, &r, e->size, e->path); break;
	case G_JS: gen_js(b, &r, e->size, e->path); break;
	case G_JPEG: gen_jpeg(b, &r, e->size); break;
	case G_PNG: gen_png(b, &r, e->size); break;
	case G_ICO:
		ronda_buf_append(b, "\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00", 14);
		gen_blob(b, &r, e->size);
		break;
	case G_PDF:
		P("%%PDF-1.5\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
		    "endobj\n4 0 obj\n<< /Length %u /Filter /FlateDecode >>\nstream\n", e->size);
		gen_blob(b, &r, e->size);
		P("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n");
		break;
	case G_MO:
		ronda_buf_append(b, "\xde\x12\x04\x95\x00\x00\x00\x00", 8);
		gen_blob(b, &r, e->size);
		break;
	case G_PO:
		P("# Translation of WordPress - %s in Indonesian\nmsgid \"\"\nmsgstr \"\"\n"
		    "\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Language: id\\n\"\n\n"
		    "msgid \"Dashboard\"\nmsgstr \"Dasbor\"\n\nmsgid \"Posts\"\nmsgstr \"Pos\"\n\n"
		    "msgid \"Settings\"\nmsgstr \"Pengaturan\"\n\nmsgid \"Log Out\"\nmsgstr \"Keluar\""
		    "\n", WP_VERSION_OLD);
		break;
	case G_TEXT: gen_text(b, &r, e->path); break;
	case G_SILENCE: P("<?php\n// Silence is golden.\n"); break;
	case G_WP_INDEX: gen_wp_index(b); break;
	case G_WP_CONFIG: gen_wp_config(b, &r, s); break;
	case G_WP_SETTINGS: gen_wp_settings(b, version); break;
	case G_WP_VERSION: gen_wp_version(b, version); break;
	case G_WP_VARS: gen_wp_vars(b); break;
	case G_HTACCESS: gen_htaccess(b, e->fl); break;
	case G_ROBOTS: gen_robots(b, s, e->fl); break;
	case G_SITEMAP: gen_sitemap(b, &r, s, e->mtime); break;
	case G_THEME_STYLE: gen_theme_style(b, &r, s); break;
	case G_THEME_HEADER: gen_theme_header(b, s); break;
	case G_THEME_FOOTER: gen_theme_footer(b, s); break;
	case G_THEME_TPL: gen_theme_tpl(b, e->path); break;
	case G_README:
		P("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n\t<meta name=\"viewport\" content="
		    "\"width=device-width\" />\n\t<meta http-equiv=\"Content-Type\" content=\"text/"
		    "html; charset=utf-8\" />\n\t<title>WordPress &#8250; ReadMe</title>\n</head>\n"
		    "<body>\n<h1 id=\"logo\"><a href=\"https://wordpress.org/\">WordPress</a></h1>\n"
		    "<p style=\"text-align: center\">Semantic Personal Publishing Platform</p>\n"
		    "<h2>First Things First</h2>\n<p>Welcome. WordPress is a very special project to "
		    "me.</p>\n</body>\n</html>\n");
		break;
	case G_CI_INDEX: gen_ci_index(b); break;
	case G_CI_CONFIG: gen_ci_config(b, &r, s, e->path); break;
	case G_CI_CONTROLLER: gen_ci_controller(b, &r, e->path); break;
	case G_CI_MODEL: gen_ci_model(b, &r, e->path); break;
	case G_CI_VIEW: gen_ci_view(b, e->path); break;
	case G_CI_FOOTER: gen_ci_footer(b, s); break;
	case G_FORBIDDEN:
		P("<!DOCTYPE html>\n<html>\n<head>\n\t<title>403 Forbidden</title>\n</head>\n<body>"
		    "\n\n<p>Directory access is forbidden.</p>\n\n</body>\n</html>\n");
		break;
	case G_DENY:
		P("<IfModule authz_core_module>\n\tRequire all denied\n</IfModule>\n<IfModule "
		    "!authz_core_module>\n\tDeny from all\n</IfModule>\n");
		break;
	case G_RC_INDEX: gen_rc_index(b); break;
	case G_RC_CONFIG: gen_rc_config(b, &r, s); break;
	case G_RC_TEMPLATE: gen_rc_template(b, e->path, 0); break;
	case G_RC_FOOTER: gen_rc_template(b, e->path, 1); break;
	case G_STATIC_INDEX: gen_static(b, s, 0); break;
	case G_STATIC_50X: gen_static(b, s, 1); break;
	default:
		P("{\n    \"name\": \"pemda/%s\",\n    \"type\": \"project\",\n    \"license\": "
		    "\"proprietary\",\n    \"require\": {\n        \"php\": \">=7.4\"\n    }\n}\n",
		    e->fl == FL_RC ? "roundcube" : "aplikasi");
		break;
	}
}
