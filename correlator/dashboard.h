/*
 * dashboard.h — the analysts' web dashboard (docs/dashboard.md): the files
 * of web/ built into the program and served by the API listener at / and
 * /dashboard/<file>, without a token (the page carries no data: it asks
 * for the API token and reads /api/v1/ as any client does).
 */
#ifndef RONDA_DASHBOARD_H
#define RONDA_DASHBOARD_H

struct evhttp_request;

/*
 * Answer req (a GET) when path is the dashboard's: "/" (the page) or
 * "/dashboard/<file>", with the strict headers of a page that must run
 * only its own script (Content-Security-Policy, nosniff, no referrer, no
 * framing). Returns the HTTP status sent (200, 304, 404), or 0 when path is
 * not the dashboard's and nothing was sent.
 */
int ronda_dashboard_serve(struct evhttp_request *req, const char *path);

#endif
