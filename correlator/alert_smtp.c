/*
 * The e-mail sink: each message (an alert, or a digest) sent over SMTP with
 * libcurl on the correlator's event loop (curlev.h). smtp://HOST[:PORT]
 * must upgrade with STARTTLS (CURLUSESSL_ALL: a server that does not offer
 * it is a failed try, never a plain-text fallback); smtps:// is TLS from
 * the first byte. The server's certificate and name are verified against
 * ca_file/ca_dir or the system's CAs. AUTH when a username is given (the
 * password from the config, a file or the environment).
 *
 * The message (alert_format.h): Date (the alert's creation), From, To,
 * Subject (RFC 2047 when not ASCII), Message-ID <id@from-domain>
 * from the alert id or digest key, so a repeat after a lost "250" is
 * recognisably the same mail; text/plain UTF-8 in base64, CRLF lines.
 * libcurl does the dot-stuffing and the final ".".
 *
 * The server's 250 after the data confirms; anything else is a failed try
 * the dispatcher retries with backoff. A 5xx (or refused credentials) is
 * logged as a refusal and retried like the webhook's 4xx: a fixed config
 * cures it for every alert. A refused recipient fails the whole try, so the
 * message goes to all recipients or to none (but for a lost 250, which the
 * Message-ID makes recognisable).
 */
#include "alertd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "alert_format.h"
#include "curlev.h"
#include "ronda/buf.h"

#define MAX_MESSAGE (1 << 20)

struct smtp {
	struct ronda_curlev *cv;
	CURL *easy;
	struct curl_slist *rcpt;
	char *from;			/* addr */
	char *mail_from;		/* "<addr>" */
	char **to;
	size_t nto;
	char *username, *password;
	char where[300];
	int lang;
	struct ronda_buf msg;		/* the message, kept until done */
	size_t off;			/* read so far by libcurl */
	char errbuf[CURL_ERROR_SIZE];
	ronda_alert_done_fn done;
	void *ctx;
	char why[320];
};

static size_t
smtp_on_read(char *p, size_t size, size_t n, void *arg)
{
	struct smtp *s = arg;
	size_t want = size * n, left = s->msg.len - s->off;

	if (want > left)
		want = left;
	memcpy(p, s->msg.data + s->off, want);
	s->off += want;
	return want;
}

static void
smtp_on_done(void *arg, CURL *easy, CURLcode rc)
{
	struct smtp *s = arg;
	struct ronda_alert_result r = { 0 };
	long code = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		r.ok = 1;
	} else {
		/* The server's code says more than libcurl's words for it. */
		if (code >= 400)
			snprintf(s->why, sizeof(s->why), "SMTP %ld from %s", code, s->where);
		else
			snprintf(s->why, sizeof(s->why), "%s: %s", s->where,
			    s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc));
		r.permanent = code >= 500 || rc == CURLE_LOGIN_DENIED;
	}
	r.err = r.ok ? NULL : s->why;
	ronda_buf_release(&s->msg);
	s->done(s->ctx, &r);
}

static int
smtp_send(void *arg, const char *id, const char *json, size_t len,
    ronda_alert_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct smtp *s = arg;
	struct ronda_alert_mail mail = { s->from, (const char *const *)s->to, s->nto };
	struct ronda_alert_msg *m;
	int rc;

	(void)id;
	(void)len;
	if ((m = ronda_alert_msg_parse(json, err, errlen)) == NULL)
		return RONDA_SINK_FAILED;
	ronda_buf_init(&s->msg, MAX_MESSAGE);
	rc = ronda_alert_render_email(&s->msg, m, &mail, s->lang);
	ronda_alert_msg_free(m);
	if (rc == -1) {
		snprintf(err, errlen, "the message does not fit in %d bytes", MAX_MESSAGE);
		ronda_buf_release(&s->msg);
		return RONDA_SINK_FAILED;
	}
	s->off = 0;
	s->errbuf[0] = '\0';
	s->done = done;
	s->ctx = ctx;
	if (ronda_curlev_start(s->cv, s->easy, smtp_on_done, s, err, errlen) == -1) {
		ronda_buf_release(&s->msg);
		return RONDA_SINK_FAILED;
	}
	return RONDA_SINK_STARTED;
}

static void
smtp_free(void *arg)
{
	struct smtp *s = arg;

	if (s == NULL)
		return;
	ronda_curlev_cancel(s->cv);
	if (s->easy != NULL)
		curl_easy_cleanup(s->easy);
	ronda_curlev_free(s->cv);
	curl_slist_free_all(s->rcpt);
	for (size_t i = 0; i < s->nto; i++)
		free(s->to[i]);
	free(s->to);
	free(s->from);
	free(s->mail_from);
	free(s->username);
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	ronda_buf_release(&s->msg);
	free(s);
}

int
ronda_alert_smtp_new(struct ronda_alert_sink *out, struct event_base *base,
    const struct ronda_alert_sink_cfg *c, int lang, char *err, size_t errlen)
{
	struct smtp *s = calloc(1, sizeof(*s));
	struct ronda_alert_url u;
	char why[160], buf[300];

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->lang = lang;
	if (ronda_alert_url_parse(c->url != NULL ? c->url : "", "smtp,smtps", &u, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: url: %s", c->name, why);
		goto fail;
	}
	snprintf(s->where, sizeof(s->where), strchr(u.host, ':') != NULL ? "[%s]:%d" : "%s:%d",
	    u.host, u.port);
	if (!ronda_alert_addr_ok(c->from) || c->to.n == 0) {
		snprintf(err, errlen, "%s: from and to must be addresses", c->name);
		goto fail;
	}
	if ((s->from = strdup(c->from)) == NULL ||
	    (s->to = calloc(c->to.n, sizeof(*s->to))) == NULL)
		goto oom;
	snprintf(buf, sizeof(buf), "<%s>", c->from);
	if ((s->mail_from = strdup(buf)) == NULL)
		goto oom;
	for (size_t i = 0; i < c->to.n; i++) {
		struct curl_slist *n;
		if ((s->to[i] = strdup(c->to.v[i])) == NULL)
			goto oom;
		s->nto++;
		snprintf(buf, sizeof(buf), "<%s>", c->to.v[i]);
		if ((n = curl_slist_append(s->rcpt, buf)) == NULL)
			goto oom;
		s->rcpt = n;
	}
	if (c->username != NULL && c->username[0] != '\0') {
		if ((s->username = strdup(c->username)) == NULL)
			goto oom;
		if (ronda_alert_secret(c->password, c->password_file, c->password_env,
		    &s->password, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: password: %s", c->name, why);
			goto fail;
		}
	}
	if ((s->cv = ronda_curlev_new(base, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", c->name, why);
		goto fail;
	}
	if ((s->easy = curl_easy_init()) == NULL)
		goto oom;
	/* The URL without a path: libcurl would take it for the EHLO name. */
	snprintf(buf, sizeof(buf), strchr(u.host, ':') != NULL ? "%s://[%s]:%d" :
	    "%s://%s:%d", u.scheme, u.host, u.port);
	curl_easy_setopt(s->easy, CURLOPT_URL, buf);
	curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(s->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(s->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(s->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(s->easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->ca_file != NULL && c->ca_file[0] != '\0')
		curl_easy_setopt(s->easy, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_dir != NULL && c->ca_dir[0] != '\0')
		curl_easy_setopt(s->easy, CURLOPT_CAPATH, c->ca_dir);
	curl_easy_setopt(s->easy, CURLOPT_PROXY, c->proxy != NULL ? c->proxy : "");
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, (long)c->timeout);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout);
	curl_easy_setopt(s->easy, CURLOPT_MAIL_FROM, s->mail_from);
	curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, s->rcpt);
	curl_easy_setopt(s->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->easy, CURLOPT_READFUNCTION, smtp_on_read);
	curl_easy_setopt(s->easy, CURLOPT_READDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
	if (s->username != NULL) {
		curl_easy_setopt(s->easy, CURLOPT_USERNAME, s->username);
		curl_easy_setopt(s->easy, CURLOPT_PASSWORD, s->password);
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->digest = c->digest;
	out->arg = s;
	out->send = smtp_send;
	out->free = smtp_free;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", c->name);
fail:
	smtp_free(s);
	return -1;
}
