/*
 * alert_format.h — what the sinks send, rendered from the outbox: one
 * alert's JSON as stored (schemas/alert.schema.json), or a digest of several
 * (ronda_alert_digest_json), in the sink's language and format:
 *
 *   json      the stored JSON (title and text rendered again when the sink's
 *             language is not the one the alert was raised in)
 *   telegram  Bot API sendMessage: {"chat_id", "text", "parse_mode": "HTML",
 *             "disable_web_page_preview": true}; every string HTML-escaped
 *   slack     an incoming webhook (Slack, Mattermost): {"text"} with & < >
 *             escaped as Slack asks
 *   email     an RFC 5322 message: Date, From, To, Subject (RFC 2047 when
 *             not ASCII), Message-ID from the alert id, text/plain UTF-8,
 *             base64, CRLF lines
 *
 * The text is built again from the alert's fields by alert.c (so a sink in
 * English gets English whatever alerts.language says), with every string
 * from the stream through the terminal escaper, then escaped for the
 * format. Local times are in the site's zone (WIB, WITA, WIT). Messages are
 * capped (Telegram takes 4096 characters): what does not fit is counted
 * ("+3 lainnya").
 *
 * Pure functions of their input: no clock, no I/O (unit-tested).
 */
#ifndef RONDA_ALERT_FORMAT_H
#define RONDA_ALERT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

struct ronda_buf;
struct ronda_alert_msg;

enum ronda_alert_format {
	RONDA_FORMAT_JSON = 0,
	RONDA_FORMAT_TELEGRAM,
	RONDA_FORMAT_SLACK,
	RONDA_FORMAT_EMAIL,
};

/* Most alerts merged into one digest (the rest go into the next one). */
#define RONDA_DIGEST_MAX 50

/*
 * Parse an alert or digest document (NUL-terminated json). NULL with err
 * when it is not one.
 */
struct ronda_alert_msg *ronda_alert_msg_parse(const char *json, char *err, size_t errlen);
void ronda_alert_msg_free(struct ronda_alert_msg *m);
/* The message's idempotency key: the alert id, or the digest's. Borrowed. */
const char *ronda_alert_msg_id(const struct ronda_alert_msg *m);

/* Renderers: append to out; 0, or -1 when out overflowed or memory ran out. */
int ronda_alert_render_json(struct ronda_buf *out, struct ronda_alert_msg *m, int lang);
int ronda_alert_render_telegram(struct ronda_buf *out, const struct ronda_alert_msg *m,
    const char *chat_id, int lang);
int ronda_alert_render_slack(struct ronda_buf *out, const struct ronda_alert_msg *m,
    int lang);
/* The plain text a person reads (the e-mail body, LF lines). */
int ronda_alert_render_text(struct ronda_buf *out, const struct ronda_alert_msg *m,
    int lang);
/* The subject line: "[Ronda] [KRITIS] Gelombang ..." (UTF-8, not encoded). */
int ronda_alert_render_subject(struct ronda_buf *out, const struct ronda_alert_msg *m,
    int lang);

struct ronda_alert_mail {
	const char *from;		/* addr@domain */
	const char *const *to;		/* addr@domain each */
	size_t nto;
};
/* The whole e-mail message, headers and body, CRLF lines. */
int ronda_alert_render_email(struct ronda_buf *out, const struct ronda_alert_msg *m,
    const struct ronda_alert_mail *mail, int lang);

/*
 * An RFC 5322 header line "Name: value\r\n", value as RFC 2047 encoded
 * words (UTF-8, base64) when it is not printable ASCII or too long, folded
 * so no line passes 78 characters.
 */
int ronda_alert_mime_header(struct ronda_buf *out, const char *name, const char *value);

/* An e-mail address as the config takes it: local@domain, printable, no <>,()"; */
int ronda_alert_addr_ok(const char *addr);

/*
 * The digest's key: a hash of the campaign id ("" for alerts without one),
 * the interval start (wall clock ms) and the first member's alert id.
 */
void ronda_alert_digest_id(char out[33], const char *campaign_id, int64_t start,
    const char *first_id);
/*
 * The digest document: {"id", "type": "digest", "created" (interval end),
 * "campaign_id" (when one), "interval_start", "interval_end", "severity" (the
 * highest), "alert_count", "alerts": [the members' JSON, in outbox order]}.
 * members[i] are NUL-terminated outbox JSON. Malloc'd, NULL on error.
 */
char *ronda_alert_digest_json(const char *id, const char *campaign_id, int64_t start,
    int64_t span, const char *const *members, size_t n);

#endif
