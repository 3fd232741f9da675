/*
 * dashboard.c — serves the dashboard's files (web/), embedded at build time
 * by scripts/embed_web.py, on the API thread. See dashboard.h.
 *
 * The headers make the browser run nothing but the page's own script file:
 * no inline script, no eval, no framing, no plugins, and (Chromium's
 * Trusted Types) no string ever assigned to innerHTML or an event handler,
 * so an attacker's User-Agent that reached a log line, and from it the
 * API's JSON, can only ever be shown as text (the script uses textContent).
 */
#include "dashboard.h"

#include <stddef.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

struct dashboard_file {
	const char *name;		/* "app.js": served at /dashboard/app.js */
	const char *type;		/* Content-Type */
	const char *etag;		/* "\"<hash>\"", quotes included */
	const unsigned char *data;
	size_t len;
};

/*
 * The Makefile makes build/gen/web_assets.inc before this file and adds its
 * folder to the include path. Builds that compile the sources on their own
 * (tests/fuzz/run.sh) have no such file: they get a server without pages.
 */
#if defined(__has_include)
#if __has_include("web_assets.inc")
#include "web_assets.inc"
#define DASHBOARD_BUILT_IN 1
#endif
#endif
#ifndef DASHBOARD_BUILT_IN
static const char no_dashboard[] = "this ronda-correlator was built without its dashboard\n";
static const struct dashboard_file dashboard_files[] = {
	{ "index.html", "text/plain; charset=utf-8", "\"none\"",
	  (const unsigned char *)no_dashboard, sizeof(no_dashboard) - 1 },
};
#endif

#define NFILES (sizeof(dashboard_files) / sizeof(dashboard_files[0]))

/*
 * default-src 'self' with nothing inline and nothing evaluated; the page
 * talks only to this server (connect-src 'self': the API). Trusted Types
 * with no policy: a string assigned to innerHTML throws in Chromium.
 */
#define DASHBOARD_CSP \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " \
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; " \
	"frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

static const struct dashboard_file *
find_file(const char *name)
{
	for (size_t i = 0; i < NFILES; i++)
		if (strcmp(dashboard_files[i].name, name) == 0)
			return &dashboard_files[i];
	return NULL;
}

static void
strict_headers(struct evkeyvalq *h)
{
	evhttp_add_header(h, "Content-Security-Policy", DASHBOARD_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
}

int
ronda_dashboard_serve(struct evhttp_request *req, const char *path)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const struct dashboard_file *f;
	const char *inm;

	if (strcmp(path, "/") == 0)
		f = find_file("index.html");
	else if (strncmp(path, "/dashboard/", 11) == 0)
		f = find_file(path + 11);	/* a name from the table: no '/' ever matches */
	else
		return 0;
	strict_headers(h);
	if (f == NULL) {
		evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
		evhttp_add_header(h, "Cache-Control", "no-store");
		evbuffer_add(evhttp_request_get_output_buffer(req), "not found\n", 10);
		evhttp_send_reply(req, 404, "Not Found", NULL);
		return 404;
	}
	/* Revalidated on every load: a new build's files show at once. */
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "ETag", f->etag);
	inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
	if (inm != NULL && strstr(inm, f->etag) != NULL) {
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return 304;
	}
	evhttp_add_header(h, "Content-Type", f->type);
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), f->data, f->len, NULL,
	    NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
	return 200;
}
