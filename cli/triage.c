/*
 * triage.c — `ronda ack|assign|close|reopen|note ID` and `ronda audit`: the
 * analysts' actions on incidents and campaigns. They are written through the
 * correlator's HTTP API (POST /api/v1/{incidents,campaigns}/ID/actions,
 * docs/api.md), never into the store: the API checks the analyst's token,
 * records who did what in the audit table, and is the one writer the store
 * has besides the correlator. The store is only read here, to turn a short
 * ID into the full one (as every other command does).
 *
 * The token comes from $RONDA_TOKEN or a file (--token-file, or
 * $RONDA_TOKEN_FILE): never from the command line, where `ps` shows it.
 * libcurl does the HTTP (and HTTPS, when the API sits behind a TLS proxy).
 */
#include "cli.h"

#include <curl/curl.h>

#define DEFAULT_API "http://127.0.0.1:8470"
#define REPLY_MAX (4 << 20)
#define TOKEN_MAX 256

struct reply {
	struct ronda_buf b;
	int over;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	if (ronda_buf_append(&r->b, p, size * n) == -1) {
		r->over = 1;
		return 0;	/* stops the transfer */
	}
	return size * n;
}

/* The analyst's token: $RONDA_TOKEN, else the first line of the token file. */
static void
load_token(const char *file, char *out, size_t outlen)
{
	const char *env = getenv("RONDA_TOKEN");
	FILE *fp;
	size_t n;

	if (file == NULL && env != NULL && env[0] != '\0') {
		if (strlen(env) >= outlen)
			die(EXIT_USAGE, "$RONDA_TOKEN: longer than %d characters", TOKEN_MAX);
		snprintf(out, outlen, "%s", env);
		return;
	}
	if (file == NULL)
		file = getenv("RONDA_TOKEN_FILE");
	if (file == NULL || file[0] == '\0')
		die(EXIT_USAGE, "no API token: set $RONDA_TOKEN or give --token-file FILE "
		    "(an analyst token of the correlator's api.analysts)");
	if ((fp = fopen(file, "r")) == NULL)
		die(EXIT_USAGE, "--token-file %s: %s", file, strerror(errno));
	if (fgets(out, (int)outlen, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n == 0 || n > TOKEN_MAX)
		die(EXIT_USAGE, "--token-file %s: no token on its first line", file);
}

/*
 * One request to the API; the reply body in r (NUL-terminated), the HTTP
 * status returned. A transport failure (no API there) ends the program.
 */
static long
api_call(const char *api, const char *token, const char *method, const char *path,
    const char *body, struct reply *r)
{
	CURL *c;
	struct curl_slist *h = NULL;
	char url[2048], auth[TOKEN_MAX + 32], cerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;

	if (snprintf(url, sizeof(url), "%s%s", api, path) >= (int)sizeof(url))
		die(EXIT_USAGE, "--api: too long");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	if ((c = curl_easy_init()) == NULL)
		die(EXIT_API, "cannot start an HTTP client");
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Accept: application/json");
	if (body != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ronda/" RONDA_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	(void)method;
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (r->over)
		die(EXIT_API, "%s: the reply is larger than %d bytes", url, REPLY_MAX);
	if (rc != CURLE_OK) {
		char *shown = term_dup(cerr[0] ? cerr : curl_easy_strerror(rc));
		die(EXIT_API, "cannot reach the API at %s: %s (set --api or $RONDA_API)", api,
		    shown);
	}
	if (ronda_buf_append(&r->b, "", 1) == -1)
		die(EXIT_API, "out of memory");
	return status;
}

/* The API's refusal, in words, then exit. */
static void
refused(long status, struct reply *r, const char *what)
{
	cJSON *j = cJSON_Parse(r->b.data != NULL ? r->b.data : "");
	/* The API's errors: {"error": "forbidden", "status": 403, "message": "..."} */
	const char *msg = j == NULL ? "" : jstr(j, "message")[0] != '\0' ? jstr(j, "message") :
	    jstr(j, "error");
	char *shown = term_dup(msg[0] != '\0' ? msg : "(no message)");

	cJSON_Delete(j);
	switch (status) {
	case 401:
		die(EXIT_API, "the API refused the token (401): is it one of api.analysts?");
	case 403:
		die(EXIT_API, "%s: %s (403): this token may only read", what, shown);
	case 404:
		die(EXIT_NOTFOUND, "%s: %s (404)", what, shown);
	default:
		die(status >= 400 && status < 500 ? EXIT_USAGE : EXIT_API, "%s: %s (%ld)", what,
		    shown, status);
	}
}

/* The API's base URL: --api, else $RONDA_API, else the default. */
static const char *
api_base(const struct opts *o)
{
	const char *api = o->api != NULL ? o->api : getenv("RONDA_API");

	return api != NULL && api[0] != '\0' ? api : DEFAULT_API;
}

/* The full ID of an incident or a campaign from a unique prefix; *camp set. */
static void
resolve_either(const char *given, char *out, size_t outlen, int *camp)
{
	char a[80], b[80];
	int ri = ronda_query_resolve(Q, RONDA_QUERY_INCIDENT, given, a, sizeof(a));
	int rc = ronda_query_resolve(Q, RONDA_QUERY_CAMPAIGN, given, b, sizeof(b));

	if (ri == RONDA_QUERY_OK && rc == RONDA_QUERY_OK) {
		char *shown = term_dup(given);
		die(EXIT_NOTFOUND, "%s: both an incident and a campaign: give more of the ID",
		    shown);
	}
	if (ri == RONDA_QUERY_OK || rc == RONDA_QUERY_OK) {
		*camp = rc == RONDA_QUERY_OK;
		snprintf(out, outlen, "%s", *camp ? b : a);
		return;
	}
	resolve_id(RONDA_QUERY_INCIDENT, given, out, outlen);	/* says why, exits */
}

static void
print_triage(const char *what, const char *id, const cJSON *t)
{
	char sid[SHORT_ID + 1], when[64];
	const char *state = jstr(t, "state"), *who = jstr(t, "updated_by");

	printf("%s %s: ", what, short_id(sid, sizeof(sid), id));
	put_term(state[0] != '\0' ? state : "?");
	if (!jnull(t, "assignee")) {
		fputs(", assigned to ", stdout);
		put_term(jstr(t, "assignee"));
	}
	if (!jnull(t, "reason")) {
		fputs(", ", stdout);
		put_term(jstr(t, "reason"));
	}
	if (who[0] != '\0') {
		fputs(" (", stdout);
		put_term(who);
		if (jtime(t, "updated_at") > 0)
			printf(", %s", fmt_time(when, sizeof(when), jtime(t, "updated_at"),
			    O.user_zone, 1));
		fputc(')', stdout);
	}
	fputc('\n', stdout);
}

void
cmd_triage(const char *action, const char *given, const char *arg, const struct opts *o)
{
	char id[80], token[TOKEN_MAX + 2], path[256];
	const char *api = api_base(o);
	cJSON *body = cJSON_CreateObject(), *rep;
	struct reply r;
	char *text;
	int camp = 0;
	long status;

	if (strcmp(action, "close") == 0 && o->reason == NULL)
		die(EXIT_USAGE, "close: needs --reason resolved|false_positive|accepted_risk");
	if (o->suppress != NULL && (strcmp(action, "close") != 0 || o->reason == NULL ||
	    strcmp(o->reason, "false_positive") != 0))
		die(EXIT_USAGE, "--suppress: only with close --reason false_positive");
	load_token(o->token_file, token, sizeof(token));
	resolve_either(given, id, sizeof(id), &camp);
	if (o->suppress != NULL && !camp)
		die(EXIT_USAGE, "--suppress: only for a campaign");
	if (body == NULL)
		die(EXIT_API, "out of memory");
	cJSON_AddStringToObject(body, "action", action);
	if (strcmp(action, "assign") == 0)
		cJSON_AddStringToObject(body, "assignee", arg);
	if (strcmp(action, "note") == 0)
		cJSON_AddStringToObject(body, "note", arg);
	if (o->note != NULL)
		cJSON_AddStringToObject(body, "note", o->note);
	if (o->reason != NULL)
		cJSON_AddStringToObject(body, "reason", o->reason);
	if (o->suppress != NULL)
		cJSON_AddStringToObject(body, "suppress", o->suppress);
	if ((text = cJSON_PrintUnformatted(body)) == NULL)
		die(EXIT_API, "out of memory");
	cJSON_Delete(body);
	snprintf(path, sizeof(path), "/api/v1/%s/%s/actions", camp ? "campaigns" : "incidents",
	    id);
	ronda_buf_init(&r.b, REPLY_MAX);
	r.over = 0;
	status = api_call(api, token, "POST", path, text, &r);
	free(text);
	if (status != 200)
		refused(status, &r, action);
	if ((rep = cJSON_Parse(r.b.data)) == NULL)
		die(EXIT_API, "%s: the API's reply is not JSON", action);
	if (o->json)
		print_json(rep);
	else
		print_triage(camp ? "campaign" : "incident", id,
		    cJSON_GetObjectItemCaseSensitive(rep, "triage"));
	cJSON_Delete(rep);
	ronda_buf_release(&r.b);
}

void
cmd_audit(const char *given, const struct opts *o)
{
	char id[80], token[TOKEN_MAX + 2], path[256], when[64], sid[SHORT_ID + 1];
	const char *api = api_base(o);
	struct reply r;
	cJSON *rep, *it;
	long status;
	int camp = 0;

	load_token(o->token_file, token, sizeof(token));
	snprintf(path, sizeof(path), "/api/v1/audit?limit=%s", o->limit ? o->limit : "50");
	if (given != NULL) {
		resolve_either(given, id, sizeof(id), &camp);
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "&object_id=%s", id);
	}
	ronda_buf_init(&r.b, REPLY_MAX);
	r.over = 0;
	status = api_call(api, token, "GET", path, NULL, &r);
	if (status != 200)
		refused(status, &r, "audit");
	if ((rep = cJSON_Parse(r.b.data)) == NULL)
		die(EXIT_API, "audit: the API's reply is not JSON");
	if (o->json) {
		print_json(rep);
	} else {
		struct col cols[] = {
			{ "WHEN", 0, 0, 0, 9, 0, 0 }, { "WHO", 0, 1, 8, 8, 0, 0 },
			{ "OBJECT", 0, 0, 0, 7, 0, 0 }, { "ID", 0, 0, 0, 7, 0, 0 },
			{ "ACTION", 0, 0, 0, 9, 0, 0 }, { "NOTE", 0, 1, 10, 1, 0, 0 },
		};
		struct table t;

		table_init(&t, cols, 6);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rep, "audit")) {
			const cJSON *after = cJSON_GetObjectItemCaseSensitive(it, "after");
			char act[128];
			table_row(&t);
			cell(&t, 0, fmt_time(when, sizeof(when), jtime(it, "at"), O.user_zone, 0),
			    NULL);
			cell(&t, 1, jstr(it, "who"), NULL);
			cell(&t, 2, jstr(it, "object"), NULL);
			cell(&t, 3, short_id(sid, sizeof(sid), jstr(it, "object_id")), NULL);
			snprintf(act, sizeof(act), "%s%s%s", jstr(it, "action"),
			    jnull(after, "reason") ? "" : " ", jstr(after, "reason"));
			cell(&t, 4, act, NULL);
			cell(&t, 5, jstr(it, "note"), NULL);
		}
		table_fit(&t);
		table_print(&t);
		table_free(&t);
	}
	cJSON_Delete(rep);
	ronda_buf_release(&r.b);
}
