/*
 * webroot_tree.c — which files each site's benign web root holds, and when
 * each was written: a WordPress (core, the "pemda" theme, plugins, languages,
 * half a year of uploads), a CodeIgniter application (complaint, ekinerja),
 * Roundcube (mail) or nginx's static page (ssh). Dates are offsets from the
 * start: the install, the core's last update, then the rest. What each file
 * holds is webroot_cms.c's.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "webroot_int.h"

/* Folders and files of the WordPress core besides the root's. */
static const char *const wp_admin_php[] = { "admin.php", "admin-ajax.php",
	"admin-footer.php", "admin-header.php", "admin-post.php", "async-upload.php",
	"comment.php", "customize.php", "edit.php", "edit-comments.php", "edit-tags.php",
	"export.php", "import.php", "index.php", "media.php", "media-new.php", "menu.php",
	"nav-menus.php", "options.php", "options-general.php", "options-permalink.php",
	"options-reading.php", "plugins.php", "plugin-install.php", "post.php",
	"post-new.php", "profile.php", "themes.php", "tools.php", "update.php",
	"update-core.php", "upgrade.php", "upload.php", "user-new.php", "users.php",
	"widgets.php", "about.php", "site-health.php", "includes/admin.php",
	"includes/ajax-actions.php", "includes/class-wp-list-table.php",
	"includes/class-wp-posts-list-table.php", "includes/class-wp-upgrader.php",
	"includes/class-wp-filesystem-base.php", "includes/dashboard.php", "includes/file.php",
	"includes/image.php", "includes/media.php", "includes/misc.php", "includes/plugin.php",
	"includes/post.php", "includes/schema.php", "includes/template.php",
	"includes/theme.php", "includes/update.php", "includes/update-core.php",
	"includes/upgrade.php", "includes/user.php", "includes/ms-deprecated.php", NULL };
const char *const wr_wp_includes_php[] = { "load.php", "functions.php", "plugin.php",
	"formatting.php", "general-template.php", "link-template.php", "post.php",
	"post-template.php", "query.php", "class-wp-query.php", "class-wp-post.php",
	"taxonomy.php", "user.php", "pluggable.php", "option.php", "meta.php", "cache.php",
	"class-wp-object-cache.php", "capabilities.php", "class-wp-roles.php", "comment.php",
	"default-filters.php", "default-constants.php", "kses.php", "l10n.php", "media.php",
	"nav-menu.php", "rewrite.php", "class-wp-rewrite.php", "script-loader.php",
	"shortcodes.php", "theme.php", "template.php", "template-loader.php", "widgets.php",
	"class-wp-widget.php", "rest-api.php", "class-wp-hook.php", "cron.php", "http.php",
	"class-wp-http.php", "blocks.php", "class-wp-block.php", "author-template.php",
	"category.php", "feed.php", "sitemaps.php", "embed.php", "revision.php", "update.php",
	"class-wp-error.php", "class-wpdb.php", "compat.php", "bookmark.php", "canonical.php",
	"admin-bar.php", "registration-functions.php", NULL };
/* Files a 6.5 update adds (and those it removes are the last of each list above). */
const char *const wr_wp_new_files[] = { "wp-includes/class-wp-plugin-dependencies.php",
	"wp-includes/class-wp-script-modules.php", "wp-includes/interactivity-api/"
	"class-wp-interactivity-api.php", "wp-admin/includes/class-wp-plugin-install-list-"
	"table.php", NULL };
static const char *const wp_root_core[] = { "wp-activate.php", "wp-blog-header.php",
	"wp-comments-post.php", "wp-cron.php", "wp-links-opml.php", "wp-load.php",
	"wp-login.php", "wp-mail.php", "wp-signup.php", "wp-trackback.php", "xmlrpc.php",
	"wp-config-sample.php", NULL };
static const char *const wp_theme_tpl[] = { "single.php", "page.php", "archive.php",
	"search.php", "404.php", "sidebar.php", "comments.php", NULL };
static const char *const photo_names[] = { "foto-kegiatan", "rapat-koordinasi",
	"kunjungan-kerja", "apel-pagi", "penyerahan-bantuan", "sosialisasi", "pelantikan",
	"musrenbang", "banner-layanan", "infografis", "peresmian", "lomba", NULL };

static const char *const ci_system[] = { "core/CodeIgniter.php", "core/Common.php",
	"core/Config.php", "core/Controller.php", "core/Exceptions.php", "core/Hooks.php",
	"core/Input.php", "core/Lang.php", "core/Loader.php", "core/Log.php", "core/Model.php",
	"core/Output.php", "core/Router.php", "core/Security.php", "core/URI.php",
	"core/Utf8.php", "core/Benchmark.php", "database/DB.php", "database/DB_driver.php",
	"database/DB_query_builder.php", "database/DB_result.php", "database/DB_utility.php",
	"database/drivers/mysqli/mysqli_driver.php", "database/drivers/mysqli/mysqli_result.php",
	"libraries/Session/Session.php", "libraries/Form_validation.php", "libraries/Upload.php",
	"libraries/Pagination.php", "libraries/Email.php", "libraries/Encryption.php",
	"libraries/Table.php", "libraries/User_agent.php", "libraries/Zip.php",
	"helpers/url_helper.php", "helpers/form_helper.php", "helpers/html_helper.php",
	"helpers/date_helper.php", "helpers/file_helper.php", "helpers/security_helper.php",
	"helpers/string_helper.php", "helpers/text_helper.php", NULL };
static const char *const ci_complaint[] = { "Pengaduan", "Auth", "Dashboard", "Laporan",
	"Kategori", "Tiket", "Admin", "Statistik", NULL };
static const char *const ci_ekinerja[] = { "Skp", "Aktivitas", "Laporan", "Auth",
	"Dashboard", "Pegawai", "Penilaian", "Api", NULL };

static const char *const rc_files[] = { "program/include/rcmail.php",
	"program/include/rcmail_action.php", "program/include/rcmail_oauth.php",
	"program/include/rcmail_output.php", "program/include/rcmail_output_html.php",
	"program/include/rcmail_sendmail.php", "program/include/rcmail_utils.php",
	"program/include/iniset.php", "program/lib/Roundcube/rcube.php",
	"program/lib/Roundcube/rcube_config.php", "program/lib/Roundcube/rcube_db.php",
	"program/lib/Roundcube/rcube_imap.php", "program/lib/Roundcube/rcube_imap_generic.php",
	"program/lib/Roundcube/rcube_message.php", "program/lib/Roundcube/rcube_mime.php",
	"program/lib/Roundcube/rcube_plugin.php", "program/lib/Roundcube/rcube_plugin_api.php",
	"program/lib/Roundcube/rcube_session.php", "program/lib/Roundcube/rcube_smtp.php",
	"program/lib/Roundcube/rcube_user.php", "program/lib/Roundcube/rcube_utils.php",
	"program/lib/Roundcube/rcube_vcard.php", "program/lib/Roundcube/rcube_washtml.php",
	"program/lib/Roundcube/rcube_charset.php", "program/lib/Roundcube/rcube_cache.php",
	"program/lib/Roundcube/bootstrap.php", "program/actions/mail/index.php",
	"program/actions/mail/show.php", "program/actions/mail/compose.php",
	"program/actions/mail/send.php", "program/actions/mail/list.php",
	"program/actions/mail/search.php", "program/actions/settings/index.php",
	"program/actions/settings/folders.php", "program/actions/settings/identities.php",
	"plugins/archive/archive.php", "plugins/managesieve/managesieve.php",
	"plugins/zipdownload/zipdownload.php", "plugins/markasjunk/markasjunk.php",
	"config/defaults.inc.php", NULL };
static const char *const rc_templates[] = { "login.html", "mail.html", "message.html",
	"compose.html", "settings.html", "addressbook.html", "error.html",
	"includes/layout.html", "includes/menu.html", NULL };

static struct entry *
add(struct tree *t, uint8_t gen, uint8_t fl, int core, const char *path, int64_t mtime,
    uint32_t size)
{
	struct entry *e;

	if (t->n >= WR_MAX_ENTRIES)
		return NULL;
	e = &t->e[t->n++];
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->gen = gen;
	e->fl = fl;
	e->core = (uint8_t)core;
	e->size = size;
	e->mtime = mtime;
	/* The core is the same bytes on every site; the rest is the site's own. */
	e->key = fnv(path, core ? 0x5bd1e995ULL : fnv(site_at(t->si)->id, 0x27d4eb2dULL));
	return e;
}

static void
addf(struct tree *t, uint8_t gen, uint8_t fl, int core, int64_t mtime, uint32_t size,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void
addf(struct tree *t, uint8_t gen, uint8_t fl, int core, int64_t mtime, uint32_t size,
    const char *fmt, ...)
{
	char path[WR_PATH];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	add(t, gen, fl, core, path, mtime, size);
}

/*
 * Half a year of uploads under prefix/YYYY/MM, each in the folder of its
 * month (WordPress files an upload by the month it came in). Their times
 * are offsets from the start, so another --start dates them alike (folder
 * names aside); the upload folder of plants is the start's month's, made
 * when first needed if nothing was uploaded in it yet.
 */
static void
add_uploads(struct tree *t, struct wrng *r, const char *prefix, int docs)
{
	/* The files the access log's pages load (vocab.h), days before a November start. */
	static const struct {
		const char *name;
		unsigned days;
		uint8_t gen;
	} fixed[] = { { "infografis-apbd.png", 5, G_PNG },
		{ "foto-kegiatan-rapat-koordinasi.jpg", 30, G_JPEG },
		{ "banner-hari-jadi.jpg", 60, G_JPEG } };
	int64_t y;
	unsigned mo, d, h, mi, n = 18 + wr_n(r, 14);

	wr_civil(sim_start_ms, &y, &mo, &d, &h, &mi);
	snprintf(t->upload, sizeof(t->upload), "%s/%04d/%02u", prefix, (int)y, mo);
	for (unsigned i = 0; i < n; i++) {
		int64_t at = sim_start_ms - (int64_t)(2 + wr_n(r, 180 * 24)) * 3600000 -
		    (int64_t)wr_n(r, 3600) * 1000;
		const char *name = WPICK(r, photo_names);
		unsigned id = 100 + wr_n(r, 900);

		wr_civil(at, &y, &mo, &d, &h, &mi);
		if (docs && wr_n(r, 3) == 0) {
			addf(t, G_PDF, 0, 0, at, 3000 + wr_n(r, 9000), "%s/%04d/%02u/surat-%u-%s.pdf",
			    prefix, (int)y, mo, id, name);
			continue;
		}
		addf(t, G_JPEG, 0, 0, at, 2000 + wr_n(r, 6000), "%s/%04d/%02u/%s-%u.jpg", prefix,
		    (int)y, mo, name, id);
		if (!docs)
			addf(t, G_JPEG, 0, 0, at + 2000, 600 + wr_n(r, 900), "%s/%04d/%02u/"
			    "%s-%u-150x150.jpg", prefix, (int)y, mo, name, id);
	}
	for (size_t i = 0; !docs && i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		int64_t at = sim_start_ms - (int64_t)fixed[i].days * DAY_MS - 3 * 3600000;

		wr_civil(at, &y, &mo, &d, &h, &mi);
		addf(t, fixed[i].gen, 0, 0, at, 4000, "%s/%04d/%02u/%s", prefix, (int)y, mo,
		    fixed[i].name);
	}
}

/* A time of day within day d before the start, whole seconds. */
static int64_t
before(struct wrng *r, unsigned days)
{
	int64_t t = sim_start_ms - (int64_t)days * DAY_MS - (int64_t)wr_n(r, 86400) * 1000;

	return t - t % 1000;
}

static void
tree_wp(struct tree *t, struct wrng *r)
{
	int64_t core = t->core_time, inst = t->install, theme = before(r, 120 + wr_n(r, 200));
	int64_t cfg = inst + 600000;
	char p[WR_PATH];

	snprintf(t->theme, sizeof(t->theme), "pemda");
	snprintf(t->footer, sizeof(t->footer), "wp-content/themes/pemda/footer.php");
	add(t, G_WP_INDEX, FL_WP, 0, "index.php", inst, 0);
	add(t, G_WP_CONFIG, FL_WP, 0, "wp-config.php", cfg, 0);
	add(t, G_WP_SETTINGS, FL_WP, 1, "wp-settings.php", core, 0);
	for (size_t i = 0; wp_root_core[i] != NULL; i++)
		add(t, G_PHP, FL_WP, 1, wp_root_core[i], core + (int64_t)i * 1000, 0);
	add(t, G_TEXT, 0, 1, "license.txt", core, 0);
	add(t, G_README, FL_WP, 1, "readme.html", core, 0);
	add(t, G_HTACCESS, FL_WP, 0, ".htaccess", cfg + 3600000, 0);
	add(t, G_ROBOTS, FL_WP, 0, "robots.txt", cfg + 3660000, 0);
	/* Rebuilt at the last post, hours before the start. */
	add(t, G_SITEMAP, FL_WP, 0, "sitemap.xml", sim_start_ms - (1 + (int64_t)wr_n(r, 40)) *
	    3600000 - (int64_t)wr_n(r, 3600) * 1000, 0);
	add(t, G_ICO, 0, 0, "favicon.ico", inst, 1100);
	for (size_t i = 0; wp_admin_php[i] != NULL; i++)
		addf(t, G_PHP, FL_WP, 1, core + (int64_t)i * 1000, 0, "wp-admin/%s",
		    wp_admin_php[i]);
	addf(t, G_CSS, 0, 1, core, 9000, "wp-admin/css/common.min.css");
	addf(t, G_CSS, 0, 1, core, 5000, "wp-admin/css/forms.min.css");
	addf(t, G_CSS, 0, 1, core, 4000, "wp-admin/css/list-tables.min.css");
	addf(t, G_CSS, 0, 1, core, 3000, "wp-admin/css/login.min.css");
	addf(t, G_JS, 0, 1, core, 7000, "wp-admin/js/common.min.js");
	addf(t, G_JS, 0, 1, core, 5000, "wp-admin/js/post.min.js");
	addf(t, G_JS, 0, 1, core, 4000, "wp-admin/js/updates.min.js");
	addf(t, G_PNG, 0, 1, core, 2500, "wp-admin/images/wordpress-logo.png");
	addf(t, G_PNG, 0, 1, core, 1200, "wp-admin/images/spinner.png");
	for (size_t i = 0; wr_wp_includes_php[i] != NULL; i++)
		addf(t, G_PHP, FL_WP, 1, core + (int64_t)i * 1000, 0, "wp-includes/%s",
		    wr_wp_includes_php[i]);
	add(t, G_WP_VERSION, FL_WP, 1, "wp-includes/version.php", core, 0);
	add(t, G_WP_VARS, FL_WP, 1, "wp-includes/vars.php", core, 0);
	addf(t, G_JS, 0, 1, core, 9000, "wp-includes/js/jquery/jquery.min.js");
	addf(t, G_JS, 0, 1, core, 3000, "wp-includes/js/jquery/jquery-migrate.min.js");
	addf(t, G_JS, 0, 1, core, 2500, "wp-includes/js/wp-emoji-release.min.js");
	addf(t, G_JS, 0, 1, core, 1500, "wp-includes/js/comment-reply.min.js");
	addf(t, G_JS, 0, 1, core, 1800, "wp-includes/js/admin-bar.min.js");
	addf(t, G_CSS, 0, 1, core, 6000, "wp-includes/css/dashicons.min.css");
	addf(t, G_CSS, 0, 1, core, 2500, "wp-includes/css/admin-bar.min.css");
	addf(t, G_CSS, 0, 1, core, 2000, "wp-includes/css/buttons.min.css");
	addf(t, G_CSS, 0, 1, core, 8000, "wp-includes/css/dist/block-library/style.min.css");
	addf(t, G_PNG, 0, 1, core, 1500, "wp-includes/images/w-logo-blue-white-bg.png");
	addf(t, G_PNG, 0, 1, core, 900, "wp-includes/images/smilies/icon_smile.png");
	/* wp-content: the WordPress package's placeholders, the theme, plugins. */
	add(t, G_SILENCE, 0, 0, "wp-content/index.php", inst, 0);
	add(t, G_SILENCE, 0, 0, "wp-content/themes/index.php", inst, 0);
	add(t, G_SILENCE, 0, 0, "wp-content/plugins/index.php", inst, 0);
	snprintf(p, sizeof(p), "wp-content/themes/%s", t->theme);
	addf(t, G_THEME_STYLE, FL_WP, 0, theme, 0, "%s/style.css", p);
	addf(t, G_PHP, FL_WP, 0, theme, 0, "%s/functions.php", p);
	addf(t, G_THEME_HEADER, FL_WP, 0, theme, 0, "%s/header.php", p);
	addf(t, G_THEME_FOOTER, FL_WP, 0, theme, 0, "%s/footer.php", p);
	addf(t, G_THEME_TPL, FL_WP, 0, theme, 0, "%s/index.php", p);
	for (size_t i = 0; wp_theme_tpl[i] != NULL; i++)
		addf(t, G_THEME_TPL, FL_WP, 0, theme, 0, "%s/%s", p, wp_theme_tpl[i]);
	addf(t, G_PHP, FL_WP, 0, theme, 0, "%s/inc/template-tags.php", p);
	addf(t, G_PHP, FL_WP, 0, theme, 0, "%s/inc/customizer.php", p);
	addf(t, G_PNG, 0, 0, theme, 6000, "%s/screenshot.png", p);
	addf(t, G_PNG, 0, 0, theme, 3000, "%s/assets/img/logo-pemda.png", p);
	addf(t, G_JS, 0, 0, theme, 3000, "%s/assets/js/main.js", p);
	addf(t, G_CSS, 0, 0, theme, 2500, "%s/assets/css/responsive.css", p);
	{
		int64_t pl = before(r, 20 + wr_n(r, 150));

		add(t, G_PHP, FL_WP, 0, "wp-content/plugins/elementor/elementor.php", pl, 0);
		add(t, G_PHP, FL_WP, 0, "wp-content/plugins/elementor/includes/plugin.php", pl, 0);
		add(t, G_PHP, FL_WP, 0, "wp-content/plugins/elementor/includes/frontend.php", pl, 0);
		add(t, G_CSS, 0, 0, "wp-content/plugins/elementor/assets/css/frontend.min.css", pl,
		    7000);
		add(t, G_JS, 0, 0, "wp-content/plugins/elementor/assets/js/frontend.min.js", pl,
		    6000);
		add(t, G_TEXT, 0, 0, "wp-content/plugins/elementor/readme.txt", pl, 0);
		pl = before(r, 20 + wr_n(r, 300));
		add(t, G_PHP, FL_WP, 0, "wp-content/plugins/classic-editor/classic-editor.php", pl,
		    0);
		add(t, G_TEXT, 0, 0, "wp-content/plugins/classic-editor/readme.txt", pl, 0);
		pl = before(r, 20 + wr_n(r, 300));
		add(t, G_PHP, FL_WP, 0, "wp-content/plugins/google-sitemap-generator/sitemap.php",
		    pl, 0);
		add(t, G_PHP, FL_WP, 0, "wp-content/plugins/google-sitemap-generator/"
		    "sitemap-core.php", pl, 0);
		add(t, G_TEXT, 0, 0, "wp-content/plugins/google-sitemap-generator/readme.txt", pl,
		    0);
		/* The file manager whose hole the webshell attacks use, on half of them. */
		if (wr_n(r, 2)) {
			pl = before(r, 200 + wr_n(r, 600));
			add(t, G_PHP, FL_WP, 0, "wp-content/plugins/wp-file-manager/"
			    "file_folder_manager.php", pl, 0);
			add(t, G_PHP, FL_WP, 0, "wp-content/plugins/wp-file-manager/lib/php/"
			    "connector.minimal.php", pl, 0);
			add(t, G_TEXT, 0, 0, "wp-content/plugins/wp-file-manager/readme.txt", pl, 0);
		}
	}
	add(t, G_MO, 0, 0, "wp-content/languages/id_ID.mo", core, 9000);
	add(t, G_PO, 0, 0, "wp-content/languages/id_ID.po", core, 0);
	add(t, G_MO, 0, 0, "wp-content/languages/admin-id_ID.mo", core, 7000);
	add_uploads(t, r, "wp-content/uploads", 0);
}

static void
tree_ci(struct tree *t, struct wrng *r)
{
	const struct sim_site *s = site_at(t->si);
	const char *const *ctl = s->kind == KIND_COMPLAINT ? ci_complaint : ci_ekinerja;
	const char *area = s->kind == KIND_COMPLAINT ? "pengaduan" : "ekinerja";
	int64_t fw = t->core_time, app = before(r, 30 + wr_n(r, 200)), inst = t->install;

	snprintf(t->footer, sizeof(t->footer), "application/views/templates/footer.php");
	add(t, G_CI_INDEX, FL_CI, 0, "index.php", inst, 0);
	add(t, G_HTACCESS, FL_CI, 0, ".htaccess", inst, 0);
	add(t, G_ROBOTS, FL_CI, 0, "robots.txt", inst, 0);
	add(t, G_ICO, 0, 0, "favicon.ico", inst, 1100);
	add(t, G_JSON, 0, 0, "composer.json", inst, 0);
	add(t, G_TEXT, 0, 0, "license.txt", fw, 0);
	add(t, G_FORBIDDEN, 0, 0, "application/index.html", inst, 0);
	add(t, G_DENY, 0, 0, "application/.htaccess", inst, 0);
	add(t, G_CI_CONFIG, FL_CI, 0, "application/config/config.php", inst, 0);
	add(t, G_CI_CONFIG, FL_CI, 0, "application/config/database.php", inst, 0);
	add(t, G_CI_CONFIG, FL_CI, 0, "application/config/routes.php", app, 0);
	add(t, G_CI_CONFIG, FL_CI, 0, "application/config/autoload.php", inst, 0);
	add(t, G_CI_CONFIG, FL_CI, 0, "application/config/constants.php", inst, 0);
	for (size_t i = 0; ctl[i] != NULL; i++) {
		char low[32];

		snprintf(low, sizeof(low), "%s", ctl[i]);
		low[0] = (char)(low[0] + 32);
		addf(t, G_CI_CONTROLLER, FL_CI, 0, app - (int64_t)i * 86400000, 0,
		    "application/controllers/%s.php", ctl[i]);
		if (i < 6)
			addf(t, G_CI_MODEL, FL_CI, 0, app - (int64_t)i * 86400000, 0,
			    "application/models/%s_model.php", ctl[i]);
		if (i < 5)
			addf(t, G_CI_VIEW, FL_CI, 0, app, 0, "application/views/%s/%s.php", area,
			    low);
	}
	add(t, G_CI_VIEW, FL_CI, 0, "application/views/templates/header.php", app, 0);
	add(t, G_CI_FOOTER, FL_CI, 0, "application/views/templates/footer.php", app, 0);
	add(t, G_PHP, FL_CI, 0, "application/helpers/tanggal_helper.php", app, 0);
	add(t, G_PHP, FL_CI, 0, "application/libraries/Template.php", app, 0);
	add(t, G_FORBIDDEN, 0, 0, "application/logs/index.html", inst, 0);
	add(t, G_FORBIDDEN, 0, 0, "application/cache/index.html", inst, 0);
	add(t, G_FORBIDDEN, 0, 0, "system/index.html", fw, 0);
	for (size_t i = 0; ci_system[i] != NULL; i++)
		addf(t, G_PHP, FL_CI, 0, fw + (int64_t)i * 1000, 0, "system/%s", ci_system[i]);
	add(t, G_CSS, 0, 0, "assets/css/bootstrap.min.css", inst, 12000);
	add(t, G_CSS, 0, 0, "assets/css/style.css", app, 3000);
	add(t, G_CSS, 0, 0, "assets/css/datatables.min.css", inst, 4000);
	add(t, G_JS, 0, 0, "assets/js/jquery.min.js", inst, 9000);
	add(t, G_JS, 0, 0, "assets/js/bootstrap.bundle.min.js", inst, 8000);
	add(t, G_JS, 0, 0, "assets/js/app.js", app, 2500);
	add(t, G_PNG, 0, 0, "assets/img/logo.png", inst, 3000);
	add(t, G_JPEG, 0, 0, "assets/img/bg-login.jpg", inst, 7000);
	add_uploads(t, r, s->kind == KIND_COMPLAINT ? "uploads/lampiran" : "uploads/dokumen", 1);
}

static void
tree_rc(struct tree *t, struct wrng *r)
{
	int64_t rc = t->core_time, inst = t->install;

	snprintf(t->footer, sizeof(t->footer), "skins/elastic/templates/includes/footer.html");
	snprintf(t->upload, sizeof(t->upload), "temp");
	add(t, G_RC_INDEX, FL_RC, 0, "index.php", rc, 0);
	add(t, G_HTACCESS, FL_RC, 0, ".htaccess", rc, 0);
	add(t, G_ROBOTS, FL_RC, 0, "robots.txt", rc, 0);
	add(t, G_JSON, 0, 0, "composer.json", rc, 0);
	add(t, G_RC_CONFIG, FL_RC, 0, "config/config.inc.php", inst + 900000, 0);
	for (size_t i = 0; rc_files[i] != NULL; i++)
		add(t, G_PHP, FL_RC, 0, rc_files[i], rc + (int64_t)i * 1000, 0);
	add(t, G_JS, 0, 0, "program/js/app.min.js", rc, 9000);
	add(t, G_JS, 0, 0, "program/js/common.min.js", rc, 3000);
	add(t, G_JS, 0, 0, "program/js/list.min.js", rc, 4000);
	add(t, G_CSS, 0, 0, "skins/elastic/styles/styles.min.css", rc, 9000);
	add(t, G_CSS, 0, 0, "skins/elastic/styles/print.min.css", rc, 1500);
	add(t, G_JS, 0, 0, "skins/elastic/ui.min.js", rc, 5000);
	add(t, G_PNG, 0, 0, "skins/elastic/images/logo.png", rc, 2500);
	add(t, G_ICO, 0, 0, "skins/elastic/images/favicon.ico", rc, 1100);
	for (size_t i = 0; rc_templates[i] != NULL; i++)
		addf(t, G_RC_TEMPLATE, FL_RC, 0, rc, 0, "skins/elastic/templates/%s",
		    rc_templates[i]);
	add(t, G_RC_FOOTER, FL_RC, 0, "skins/elastic/templates/includes/footer.html", rc, 0);
	add(t, G_DENY, 0, 0, "temp/.htaccess", rc, 0);
	add(t, G_DENY, 0, 0, "logs/.htaccess", rc, 0);
	add(t, G_DENY, 0, 0, "config/.htaccess", rc, 0);
	(void)r;
}

static void
tree_static(struct tree *t, struct wrng *r)
{
	add(t, G_STATIC_INDEX, 0, 0, "index.html", t->install, 0);
	add(t, G_STATIC_50X, 0, 0, "50x.html", t->install, 0);
	add(t, G_ROBOTS, 0, 0, "robots.txt", t->install + 60000, 0);
	add(t, G_ICO, 0, 0, "favicon.ico", t->install, 1100);
	snprintf(t->upload, sizeof(t->upload), "%s", ".");
	(void)r;
}

/* Site si's base tree (t->e: WR_MAX_ENTRIES, the caller's). */
void
wr_tree_build(size_t si, struct tree *t)
{
	const struct sim_site *s = site_at(si);
	struct wrng r = wr_seed(s->id, "tree");

	t->si = si;
	t->n = 0;
	t->upload[0] = t->footer[0] = t->theme[0] = '\0';
	t->install = before(&r, 400 + wr_n(&r, 900));
	t->core_time = before(&r, 35 + wr_n(&r, 80));
	switch (s->kind) {
	case KIND_CMS:
		t->kind = TREE_WP;
		tree_wp(t, &r);
		break;
	case KIND_COMPLAINT:
	case KIND_EKINERJA:
		t->kind = TREE_CI;
		tree_ci(t, &r);
		break;
	case KIND_MAIL:
		t->kind = TREE_RC;
		tree_rc(t, &r);
		break;
	default:
		t->kind = TREE_STATIC;
		tree_static(t, &r);
		break;
	}
}
