#include "cconfig.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "alert_format.h"
#include "alertd.h"
#include "bots.h"
#include "geo.h"
#include "indicator.h"
#include "ronda/listen.h"
#include "triage.h"
#include "ronda/tz.h"

/* Key tables list only the fields each key uses; the rest are zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define O(f) offsetof(struct ronda_correlator_config, f)
#define D(f) offsetof(struct ronda_detect_config, f)

static const struct ronda_cfg_key kafka_keys[] = {
	{ "brokers", RONDA_CFG_STR, "127.0.0.1:9092", 0, 0, O(kafka.brokers) - O(kafka),
	    "bootstrap servers" },
	{ "topic", RONDA_CFG_STR, "ronda.events", 0, 0, O(kafka.topic) - O(kafka),
	    "topic the collectors write" },
	{ "group", RONDA_CFG_STR, "ronda-correlator", 0, 0, O(kafka.group) - O(kafka),
	    "consumer group" },
	{ "dlq_topic", RONDA_CFG_STR, "ronda.events.dlq", 0, 0,
	    O(kafka.dlq_topic) - O(kafka), "where bad messages are copied" },
	{ "incidents_topic", RONDA_CFG_STR, "ronda.incidents", 0, 0,
	    O(kafka.incidents_topic) - O(kafka),
	    "the incident stream between the stages (stage: detect/campaigns; partition 0)" },
	{ "campaigns_group", RONDA_CFG_STR, "ronda-campaigns", 0, 0,
	    O(kafka.campaigns_group) - O(kafka),
	    "consumer group of the campaign stage (stage: campaigns)" },
	{ "properties", RONDA_CFG_MAP, NULL, 0, 0, O(kafka.properties) - O(kafka),
	    "librdkafka properties" },
	{ "max_message", RONDA_CFG_SIZE, "1M", 1024, 64 << 20,
	    O(kafka.max_message) - O(kafka), "largest message decoded" },
	{ "poll_max", RONDA_CFG_INT, "2000", 1, 1000000, O(kafka.poll_max) - O(kafka),
	    "messages handled per loop tick" },
	{ "instance_id", RONDA_CFG_STR, "", 0, 0, O(kafka.instance_id) - O(kafka),
	    "static group membership (group.instance.id), unique per member; \"\": dynamic" },
	{ NULL }
};

static const struct ronda_cfg_key site_keys[] = {
	{ "id", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct ronda_site_cfg, id),
	    "organization.id the collector sends", RONDA_CFG_REQUIRED },
	{ "agency", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct ronda_site_cfg, agency),
	    "agency name" },
	{ "region", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct ronda_site_cfg, region),
	    "province/region" },
	{ "timezone", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct ronda_site_cfg, timezone),
	    "IANA time zone", .check = ronda_tz_cfg_check },
	{ "hosts", RONDA_CFG_STRLIST, NULL, 0, 0, offsetof(struct ronda_site_cfg, hosts),
	    "host.name of the collectors that send for it (others: counted, flagged)" },
	{ NULL }
};

#define DUR(name, def, field, help) \
	{ name, RONDA_CFG_DURATION, def, 1000, INT64_C(7) * 86400 * 1000, D(field), help }
#define CNT(name, def, field, help) \
	{ name, RONDA_CFG_INT, def, 1, 4096, D(field), help }

static const struct ronda_cfg_key detector_keys[] = {
	CNT("bruteforce_failures", "10", bf_failures, "failures from one IP"),
	DUR("bruteforce_window", "5m", bf_window, "within this span"),
	CNT("spray_users", "5", spray_users, "distinct user names from one IP"),
	DUR("spray_window", "10m", spray_window, "within this span"),
	CNT("compromise_failures", "5", compromise_failures,
	    "failures before a success that make it a compromise"),
	DUR("compromise_window", "30m", compromise_window, "looking back this far"),
	CNT("cms_attempts", "20", cms_attempts, "CMS login POSTs from one IP"),
	DUR("cms_window", "5m", cms_window, "within this span"),
	CNT("slow_attempts", "5", slow_attempts,
	    "failures or CMS login POSTs from one IP: a low brute force"),
	DUR("slow_window", "1h", slow_window, "within this span"),
	{ "fleet_sites", RONDA_CFG_INT, "2", 0, 4, D(fleet_sites),
	    "a login of an address that guessed on this many sites (0: off) ..." },
	DUR("fleet_window", "24h", fleet_window, "... within this span is a compromise"),
	CNT("scan_paths", "30", scan_paths, "distinct 404 paths from one IP"),
	DUR("scan_window", "5m", scan_window, "within this span"),
	{ "flood_factor", RONDA_CFG_INT, "5", 2, 1000, D(flood_factor),
	    "requests per minute >= factor x baseline" },
	{ "flood_min_requests", RONDA_CFG_INT, "1000", 1, INT64_C(1) << 40,
	    D(flood_min_requests), "and at least this many" },
	DUR("flood_baseline", "30m", flood_baseline, "trailing baseline span"),
	{ "surge_5xx_percent", RONDA_CFG_INT, "50", 1, 100, D(surge_5xx_pct),
	    "share of 5xx in a minute" },
	{ "surge_5xx_min", RONDA_CFG_INT, "50", 1, INT64_C(1) << 40, D(surge_5xx_min),
	    "and at least this many 5xx" },
	DUR("silent_after", "15m", silent_after, "no heartbeat for this long"),
	DUR("quiet", "30m", quiet, "an incident closes after this quiet period"),
	CNT("file_bulk", "20", file_bulk,
	    "web-root files changed without a marker nor acceptance: a low bulk_change"),
	DUR("file_bulk_window", "10m", file_bulk_window, "within this span"),
	CNT("cloak_answers", "2", cloak_answers,
	    "search-bot answers unlike a browser's for the same URL: cloaking"),
	CNT("cloak_referrals", "3", cloak_referrals,
	    "or addresses sent from a search result to a redirect: cloaking"),
	DUR("cloak_window", "1h", cloak_window, "within this span"),
	{ NULL }
};

#define W(f) (O(windows.f) - O(windows))
static const struct ronda_cfg_key window_keys[] = {
	{ "max_entries", RONDA_CFG_INT, "2000000", 1000, INT64_C(1) << 32, W(max_entries),
	    "window keys kept" },
	{ "max_bytes", RONDA_CFG_SIZE, "384M", 1 << 20, INT64_C(1) << 40, W(max_bytes),
	    "memory for window state" },
	{ "allowed_lateness", RONDA_CFG_DURATION, "10m", 0, INT64_C(86400) * 1000,
	    W(allowed_lateness), "events older than the watermark by this are late" },
	{ "max_future", RONDA_CFG_DURATION, "1h", 1000, INT64_C(30) * 86400 * 1000,
	    W(max_future), "events further ahead of the watermark are clamped" },
	{ NULL }
};

static const struct ronda_cfg_key dedupe_keys[] = {
	{ "max_ids", RONDA_CFG_INT, "1000000", 1000, INT64_C(1) << 30,
	    O(dedupe.max_ids) - O(dedupe), "event ids remembered" },
	{ "horizon", RONDA_CFG_DURATION, "24h", 60000, INT64_C(30) * 86400 * 1000,
	    O(dedupe.horizon) - O(dedupe), "how long (event time) ids are remembered" },
	{ NULL }
};

static const struct ronda_cfg_key incident_keys[] = {
	{ "max_evidence", RONDA_CFG_INT, "20", 0, 10000,
	    O(incidents.max_evidence) - O(incidents), "evidence lines per incident" },
	{ "max_evidence_len", RONDA_CFG_SIZE, "1024", 64, 1024,
	    O(incidents.max_evidence_len) - O(incidents), "bytes per evidence line" },
	{ "max_memory", RONDA_CFG_INT, "30000", 100, 10000000,
	    O(incidents.max_memory) - O(incidents), "incidents cached in memory" },
	{ NULL }
};

static const struct ronda_cfg_key batch_keys[] = {
	{ "max_events", RONDA_CFG_INT, "200000", 1, 10000000,
	    O(batch.max_events) - O(batch), "commit after this many events" },
	{ "interval", RONDA_CFG_DURATION, "1s", 10, 60000,
	    O(batch.interval) - O(batch), "or after this long" },
	{ NULL }
};

#define C(f) (O(campaigns.f) - O(campaigns))
static const struct ronda_cfg_key allow_keys[] = {
	{ "type", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct ronda_allow_cfg, type),
	    "indicator type", RONDA_CFG_REQUIRED },
	{ "value", RONDA_CFG_STR, NULL, 0, 0, offsetof(struct ronda_allow_cfg, value),
	    "indicator value", RONDA_CFG_REQUIRED },
	{ NULL }
};

static const struct ronda_cfg_key campaign_keys[] = {
	{ "min_sites", RONDA_CFG_INT, "3", 2, 10000, C(min_sites),
	    "sites before a campaign is reported" },
	{ "window", RONDA_CFG_DURATION, "1h", 60000, INT64_C(30) * 86400 * 1000, C(window),
	    "those sites within this span (event time)" },
	{ "link_window", RONDA_CFG_DURATION, "48h", 60000, INT64_C(30) * 86400 * 1000,
	    C(link_window), "incidents sharing an indicator within this span link" },
	{ "dormancy", RONDA_CFG_DURATION, "4d", 60000, INT64_C(90) * 86400 * 1000,
	    C(dormancy), "a campaign takes sites sharing its fingerprints this long after" },
	{ "quiet", RONDA_CFG_DURATION, "2h", 60000, INT64_C(30) * 86400 * 1000, C(quiet),
	    "no new incident for this long: quiet" },
	{ "close", RONDA_CFG_DURATION, "24h", 60000, INT64_C(90) * 86400 * 1000, C(close),
	    "no new incident for this long: closed" },
	{ "common_share", RONDA_CFG_INT, "50", 1, 100, C(common_share),
	    "an indicator on more than this % of sites does not link" },
	{ "wave_floor", RONDA_CFG_INT, "5", 2, 10000, C(wave_floor),
	    "sites with one kind of incident in a window make a wave (no history yet)" },
	{ "wave_factor", RONDA_CFG_INT, "3", 1, 1000, C(wave_factor),
	    "and at least this many times the learned baseline" },
	{ "max_incidents", RONDA_CFG_INT, "200000", 1000, 100000000, C(max_incidents),
	    "incidents held in memory for linking" },
	{ "allowlist", RONDA_CFG_LIST, NULL, 0, 0, C(allowlist),
	    "indicators that never link", .sub = allow_keys,
	    .elem_size = sizeof(struct ronda_allow_cfg) },
	{ NULL }
};

static const char *const languages[] = { "id", "en", NULL };

#define A(f) (O(alerts.f) - O(alerts))
#define WH(f) (O(alerts.webhook.f) - O(alerts.webhook))

/*
 * Webhook headers: names are RFC 9110 tokens, values carry no control
 * characters (no header injection), and the headers the sink sets itself
 * are not overridden.
 */
static void
headers_check(struct ronda_cfg_ctx *ctx, const struct ronda_kvlist *h, int line,
    const char *path)
{
	static const char *const own[] = { "Host", "Content-Type", "Content-Length",
		"Idempotency-Key", "Transfer-Encoding", "Connection", "Expect", NULL };
	char kp[300];

	for (size_t i = 0; i < h->n; i++) {
		const unsigned char *k = (const unsigned char *)h->k[i];
		const unsigned char *v = (const unsigned char *)h->v[i];
		int bad = k[0] == '\0';
		snprintf(kp, sizeof(kp), "%s.headers.%s", path, h->k[i]);
		for (; *k != '\0' && !bad; k++)
			bad = strchr("!#$%&'*+-.^_`|~", *k) == NULL && !(*k >= '0' && *k <= '9') &&
			    !((*k | 0x20) >= 'a' && (*k | 0x20) <= 'z');
		if (bad)
			ronda_cfg_error(ctx, line, kp, "not a header name");
		for (size_t j = 0; own[j] != NULL && !bad; j++)
			if (strcasecmp(h->k[i], own[j]) == 0)
				ronda_cfg_error(ctx, line, kp, "set by the webhook sink itself");
		for (bad = 0; *v != '\0' && !bad; v++)
			bad = (*v < 0x20 && *v != '\t') || *v == 0x7f;
		if (bad)
			ronda_cfg_error(ctx, line, kp, "control characters in the value");
	}
}

/* ca_file / ca_dir: must be there and readable now, not at the first alert. */
static void
ca_check(struct ronda_cfg_ctx *ctx, int line, const char *path, const char *key,
    const char *file)
{
	char kp[300];

	if (file == NULL || file[0] == '\0' || access(file, R_OK) == 0)
		return;
	snprintf(kp, sizeof(kp), "%s.%s", path, key);
	ronda_cfg_error(ctx, line, kp, "%s: %s", file, strerror(errno));
}
/*
 * alerts.webhook: the URL must be http(s)://HOST[:PORT][/PATH] (alertd.h),
 * the headers as headers_check says, the CA files readable.
 */
static void
webhook_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	const struct ronda_correlator_config *c = (const void *)((char *)obj -
	    O(alerts.webhook));
	const struct ronda_kvlist *h = &c->alerts.webhook.headers;
	const char *url = *(char **)((char *)obj + WH(url));
	char host[256], upath[2048], err[160], kp[300];
	int port;

	snprintf(kp, sizeof(kp), "%s.url", path);
	if (url != NULL && url[0] != '\0' && ronda_alert_parse_url(url, host, sizeof(host),
	    &port, upath, sizeof(upath), err, sizeof(err)) == -1)
		ronda_cfg_error(ctx, line, kp, "%s", err);
	headers_check(ctx, h, line, path);
	ca_check(ctx, line, path, "ca_file", c->alerts.webhook.ca_file);
	ca_check(ctx, line, path, "ca_dir", c->alerts.webhook.ca_dir);
}

static const struct ronda_cfg_key webhook_keys[] = {
	{ "url", RONDA_CFG_STR, NULL, 0, 0, WH(url), "http:// URL the alerts are POSTed to" },
	{ "timeout", RONDA_CFG_DURATION, "5s", 100, 300000, WH(timeout),
	    "per request" },
	{ "max_backoff", RONDA_CFG_DURATION, "5m", 1000, INT64_C(86400) * 1000,
	    WH(max_backoff), "longest wait between retries" },
	{ "headers", RONDA_CFG_MAP, NULL, 0, 0, WH(headers), "extra request headers" },
	{ "ca_file", RONDA_CFG_STR, NULL, 0, 0, WH(ca_file),
	    "PEM file of the CAs that verify an https server (default: the system's)" },
	{ "ca_dir", RONDA_CFG_STR, NULL, 0, 0, WH(ca_dir), "folder of CA certificates" },
	{ "proxy", RONDA_CFG_STR, NULL, 0, 0, WH(proxy),
	    "proxy URL (default none; http_proxy in the environment is ignored)" },
	{ NULL }
};

static const char *const sink_types[] = { "webhook", "email", NULL };
static const char *const sink_formats[] = { "json", "telegram", "slack", NULL };

#define SK(f) offsetof(struct ronda_alert_sink_cfg, f)
#define SINK(p) ((struct ronda_alert_sink_cfg *)(void *)((char *)(p) - SK(url)))

/* Remember where url was set: errors about it point there. */
static void
sink_url_line(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	(void)ctx;
	(void)path;
	SINK(field)->url_line = line;
}

/* Names of sinks: the alert_deliveries.sink value, so short and plain. */
static int
sink_name_ok(const char *n)
{
	size_t l = strlen(n);

	return l > 0 && l < 32 && strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-") == l;
}

/*
 * alerts.sinks[i]: the keys its type needs, URLs of the right scheme,
 * addresses that are addresses, one source per secret, files there.
 */
static void
sink_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	const struct ronda_alert_sink_cfg *c = obj;
	struct ronda_alert_url u;
	int uline = c->url_line > 0 ? c->url_line : line;
	char err[160], kp[300];

#define E(key, ...) do { \
	snprintf(kp, sizeof(kp), "%s.%s", path, key); \
	ronda_cfg_error(ctx, line, kp, __VA_ARGS__); \
} while (0)
	if (c->name != NULL && !sink_name_ok(c->name))
		E("name", "1..31 of a-z 0-9 _ -");
	else if (c->name != NULL && (strcmp(c->name, "kafka") == 0 ||
	    strcmp(c->name, "webhook") == 0 || strcmp(c->name, "file") == 0))
		E("name", "%s is the name of the alerts.%s sink", c->name,
		    strcmp(c->name, "kafka") == 0 ? "kafka_topic" : c->name);
	if (c->language != NULL && strcmp(c->language, "id") != 0 &&
	    strcmp(c->language, "en") != 0)
		E("language", "id or en");
	if (c->digest > 0 && c->digest < 1000)
		E("digest", "at least 1s (0 for none)");
	snprintf(kp, sizeof(kp), "%s.url", path);
	if (c->type == RONDA_SINKCFG_EMAIL) {
		if (c->url == NULL || c->url[0] == '\0')
			E("url", "required: smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT]");
		else if (ronda_alert_url_parse(c->url, "smtp,smtps", &u, err, sizeof(err)) == -1)
			ronda_cfg_error(ctx, uline, kp, "%s", err);
		if (c->from == NULL || !ronda_alert_addr_ok(c->from))
			E("from", c->from == NULL ? "required: the sender's address" :
			    "not an address (local@domain)");
		if (c->to.n == 0)
			E("to", "required: one address or a list");
		for (size_t i = 0; i < c->to.n; i++)
			if (!ronda_alert_addr_ok(c->to.v[i]))
				E("to", "%s is not an address (local@domain)", c->to.v[i]);
		if ((c->password != NULL) + (c->password_file != NULL) +
		    (c->password_env != NULL) > 1)
			E("password", "give one of password, password_file, password_env");
		else if ((c->password != NULL || c->password_file != NULL ||
		    c->password_env != NULL) && c->username == NULL)
			E("username", "required with a password");
		ca_check(ctx, line, path, "password_file", c->password_file);
		if (c->format != RONDA_FORMAT_JSON || c->headers.n > 0 || c->chat_id != NULL ||
		    c->bot_token != NULL || c->bot_token_file != NULL)
			E("type", "format, headers, chat_id and bot_token are for webhooks");
	} else {
		if ((c->url == NULL || c->url[0] == '\0') && c->format != RONDA_FORMAT_TELEGRAM)
			E("url", "required: http(s)://HOST[:PORT][/PATH]");
		else if (c->url != NULL && c->url[0] != '\0' &&
		    ronda_alert_url_parse(c->url, "http,https", &u, err, sizeof(err)) == -1)
			ronda_cfg_error(ctx, uline, kp, "%s", err);
		if (c->format == RONDA_FORMAT_TELEGRAM) {
			if (c->chat_id == NULL || c->chat_id[0] == '\0')
				E("chat_id", "required for format telegram (a chat id or @channel)");
			else if (strpbrk(c->chat_id, "\r\n\t\"\\") != NULL)
				E("chat_id", "control characters or quotes");
			if ((c->bot_token != NULL) == (c->bot_token_file != NULL))
				E("bot_token", "give one of bot_token, bot_token_file");
			else if (c->bot_token != NULL &&
			    strspn(c->bot_token, "0123456789:abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-") != strlen(c->bot_token))
				E("bot_token", "not a bot token (digits:letters)");
			ca_check(ctx, line, path, "bot_token_file", c->bot_token_file);
		} else if (c->chat_id != NULL || c->bot_token != NULL || c->bot_token_file != NULL) {
			E("chat_id", "chat_id and bot_token are for format telegram");
		}
		headers_check(ctx, &c->headers, line, path);
		if (c->from != NULL || c->to.n > 0 || c->username != NULL || c->password != NULL ||
		    c->password_file != NULL || c->password_env != NULL)
			E("type", "from, to, username and password are for type email");
	}
	ca_check(ctx, line, path, "ca_file", c->ca_file);
	ca_check(ctx, line, path, "ca_dir", c->ca_dir);
#undef E
}

static const struct ronda_cfg_key sink_keys[] = {
	{ "name", RONDA_CFG_STR, NULL, 0, 0, SK(name),
	    "the sink's name (alert_deliveries.sink, metrics)", RONDA_CFG_REQUIRED },
	{ "type", RONDA_CFG_ENUM, "webhook", 0, 0, SK(type), "webhook or email",
	    .enums = sink_types },
	{ "format", RONDA_CFG_ENUM, "json", 0, 0, SK(format),
	    "webhook body: json, telegram or slack", .enums = sink_formats },
	{ "language", RONDA_CFG_STR, NULL, 0, 0, SK(language),
	    "id or en (default: alerts.language)" },
	{ "url", RONDA_CFG_STR, NULL, 0, 0, SK(url),
	    "http(s)://... (webhook; telegram: the Bot API server) or smtp(s)://HOST:PORT",
	    .check = sink_url_line },
	{ "timeout", RONDA_CFG_DURATION, "10s", 100, 300000, SK(timeout),
	    "the whole request or mail" },
	{ "digest", RONDA_CFG_DURATION, "0", 0, INT64_C(86400) * 1000, SK(digest),
	    "one message per campaign per this interval (0: each alert at once)" },
	{ "headers", RONDA_CFG_MAP, NULL, 0, 0, SK(headers), "extra request headers" },
	{ "ca_file", RONDA_CFG_STR, NULL, 0, 0, SK(ca_file),
	    "PEM file of the CAs that verify the server (default: the system's)" },
	{ "ca_dir", RONDA_CFG_STR, NULL, 0, 0, SK(ca_dir), "folder of CA certificates" },
	{ "proxy", RONDA_CFG_STR, NULL, 0, 0, SK(proxy),
	    "proxy URL (default none; the environment is ignored)" },
	{ "bot_token", RONDA_CFG_STR, NULL, 0, 0, SK(bot_token), "telegram bot token" },
	{ "bot_token_file", RONDA_CFG_STR, NULL, 0, 0, SK(bot_token_file),
	    "file holding the bot token" },
	{ "chat_id", RONDA_CFG_STR, NULL, 0, 0, SK(chat_id), "telegram chat id or @channel" },
	{ "from", RONDA_CFG_STR, NULL, 0, 0, SK(from), "email: sender address" },
	{ "to", RONDA_CFG_STRLIST, NULL, 0, 0, SK(to), "email: recipient addresses" },
	{ "username", RONDA_CFG_STR, NULL, 0, 0, SK(username), "email: SMTP AUTH user" },
	{ "password", RONDA_CFG_STR, NULL, 0, 0, SK(password), "email: SMTP AUTH password" },
	{ "password_file", RONDA_CFG_STR, NULL, 0, 0, SK(password_file),
	    "email: file holding the password" },
	{ "password_env", RONDA_CFG_STR, NULL, 0, 0, SK(password_env),
	    "email: environment variable holding the password" },
	{ NULL }
};

/* Sink names are unique; the sinks fit the dispatcher. */
static void
alerts_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	const struct ronda_correlator_config *c = (const void *)((char *)obj - O(alerts));
	const struct ronda_alert_sink_cfg *v = c->alerts.sinks.v;
	char kp[300];

	snprintf(kp, sizeof(kp), "%s.sinks", path);
	if (c->alerts.sinks.n + 3 > RONDA_ALERTD_MAX_SINKS)
		ronda_cfg_error(ctx, line, kp, "at most %d sinks", RONDA_ALERTD_MAX_SINKS - 3);
	for (size_t i = 0; i < c->alerts.sinks.n; i++)
		for (size_t j = 0; j < i; j++)
			if (v[i].name != NULL && v[j].name != NULL &&
			    strcmp(v[i].name, v[j].name) == 0)
				ronda_cfg_error(ctx, line, kp, "the name %s is given twice",
				    v[i].name);
}

static const struct ronda_cfg_key alert_keys[] = {
	{ "language", RONDA_CFG_ENUM, "id", 0, 0, A(language), "alert text: id or en",
	    .enums = languages },
	{ "interval", RONDA_CFG_DURATION, "15m", 0, INT64_C(86400) * 1000, A(interval),
	    "at most one growth alert per campaign in this span" },
	{ "kafka_topic", RONDA_CFG_STR, "ronda.alerts", 0, 0, A(kafka_topic),
	    "Kafka topic for alerts (\"\" for none)" },
	{ "webhook", RONDA_CFG_SECTION, NULL, 0, 0, A(webhook), "webhook sink",
	    .sub = webhook_keys, .check = webhook_check },
	{ "file", RONDA_CFG_STR, NULL, 0, 0, A(file), "append alerts to this file (JSON lines)" },
	{ "sinks", RONDA_CFG_LIST, NULL, 0, 0, A(sinks),
	    "more sinks: webhooks (json, telegram, slack) and e-mail", .sub = sink_keys,
	    .elem_size = sizeof(struct ronda_alert_sink_cfg), .check = sink_check },
	{ NULL }
};

/* api.listen must be HOST:PORT ([::1]:PORT for IPv6); "" turns the API off. */
static void
api_listen_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const char *s = *(char **)field;
	struct ronda_listen_addr a;
	char err[160];

	if (s != NULL && s[0] != '\0' && ronda_listen_parse(s, &a, err, sizeof(err)) == -1)
		ronda_cfg_error(ctx, line, path, "%s", err);
}

/*
 * A token is an RFC 6750 b64token (letters, digits, -._~+/ and trailing =)
 * of 16..256 characters: long enough not to be guessed, and nothing a
 * header could not carry. Off loopback the API needs at least one.
 */
static int
api_token_ok(const char *t)
{
	size_t n = strlen(t), eq = n;

	if (n < 16 || n > 256)
		return 0;
	while (eq > 0 && t[eq - 1] == '=')
		eq--;
	for (size_t i = 0; i < eq; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-._~+/", t[i]) == NULL)
			return 0;
	return eq > 0;
}

#define AN(f) offsetof(struct ronda_analyst_cfg, f)

/* Remember where an analyst's name was set: duplicate errors point there. */
static void
analyst_name_line(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	struct ronda_analyst_cfg *an = (void *)((char *)field - AN(name));

	an->line = line;
	if (an->name != NULL && !ronda_triage_name_ok(an->name))
		ronda_cfg_error(ctx, line, path, "1..%d characters of UTF-8 text without control "
		    "characters", RONDA_TRIAGE_NAME_MAX);
}

static void
analyst_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	const struct ronda_analyst_cfg *an = obj;
	char kp[300];

	snprintf(kp, sizeof(kp), "%s.token", path);
	if (an->token != NULL && !api_token_ok(an->token))
		ronda_cfg_error(ctx, line, kp, "not 16..256 characters of A-Z a-z 0-9 -._~+/ "
		    "(generate one with: openssl rand -hex 24)");
}

static const struct ronda_cfg_key analyst_keys[] = {
	{ "name", RONDA_CFG_STR, NULL, 0, 0, AN(name), "the analyst, as the audit names them",
	    RONDA_CFG_REQUIRED, .check = analyst_name_line },
	{ "token", RONDA_CFG_STR, NULL, 0, 0, AN(token), "bearer token that may also write",
	    RONDA_CFG_REQUIRED },
	{ NULL }
};

/* Names and tokens of analysts are unique, and no analyst token is also a read-only one. */
static void
analysts_check(struct ronda_cfg_ctx *ctx, const struct ronda_correlator_config *c,
    const char *path)
{
	const struct ronda_analyst_cfg *v = c->api.analysts.v;
	char kp[300];

	for (size_t i = 0; i < c->api.analysts.n; i++) {
		snprintf(kp, sizeof(kp), "%s.analysts[%zu]", path, i);
		for (size_t j = 0; j < i; j++) {
			if (v[i].name != NULL && v[j].name != NULL &&
			    strcmp(v[i].name, v[j].name) == 0)
				ronda_cfg_error(ctx, v[i].line, kp, "the name %s is given twice",
				    v[i].name);
			if (v[i].token != NULL && v[j].token != NULL &&
			    strcmp(v[i].token, v[j].token) == 0)
				ronda_cfg_error(ctx, v[i].line, kp, "the same token as %s",
				    v[j].name != NULL ? v[j].name : "another analyst");
		}
		for (size_t j = 0; j < c->api.tokens.n && v[i].token != NULL; j++)
			if (strcmp(v[i].token, c->api.tokens.v[j]) == 0)
				ronda_cfg_error(ctx, v[i].line, kp, "the token is also in api.tokens "
				    "(read-only): give each token one role");
	}
}

static void
api_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	const struct ronda_correlator_config *c = (const void *)((char *)obj - O(api));
	struct ronda_listen_addr a;
	char err[160], kp[300];

	analysts_check(ctx, c, path);

	snprintf(kp, sizeof(kp), "%s.tokens", path);
	for (size_t i = 0; i < c->api.tokens.n; i++)
		if (!api_token_ok(c->api.tokens.v[i]))
			ronda_cfg_error(ctx, line, kp, "token %zu is not 16..256 characters of "
			    "A-Z a-z 0-9 -._~+/ (generate one with: openssl rand -hex 24)",
			    i + 1);
	if (c->api.listen == NULL || c->api.listen[0] == '\0' ||
	    ronda_listen_parse(c->api.listen, &a, err, sizeof(err)) == -1)
		return;
	snprintf(kp, sizeof(kp), "%s.listen", path);
	if (!ronda_listen_is_loopback(&a) && c->api.tokens.n == 0 && c->api.analysts.n == 0)
		ronda_cfg_error(ctx, line, kp, "%s is not a loopback address: refusing to "
		    "serve it without api.tokens", c->api.listen);
}

#define P(f) (O(api.f) - O(api))
static const struct ronda_cfg_key api_keys[] = {
	{ "listen", RONDA_CFG_STR, "", 0, 0, P(listen),
	    "HOST:PORT of the HTTP API (\"\" for none)", .check = api_listen_check },
	{ "tokens", RONDA_CFG_STRLIST, NULL, 0, 0, P(tokens), "bearer tokens for /api/" },
	{ "analysts", RONDA_CFG_LIST, NULL, 0, 0, P(analysts),
	    "analysts: {name, token}; their tokens may also triage (POST)", .sub = analyst_keys,
	    .elem_size = sizeof(struct ronda_analyst_cfg), .check = analyst_check },
	{ "max_request", RONDA_CFG_SIZE, "16k", 1024, 1 << 20, P(max_request),
	    "largest request accepted" },
	{ "timeout", RONDA_CFG_DURATION, "10s", 100, 600000, P(timeout),
	    "per connection" },
	{ "max_connections", RONDA_CFG_INT, "256", 1, 65536, P(max_connections),
	    "connections served at once (more wait in the accept queue)" },
	{ NULL }
};

/*
 * geoip.asn / geoip.country: the file opens as a MaxMind DB and its records
 * carry the fields (geo.h), now rather than as "no ASN" for every attacker.
 */
static void
geoip_db_check(struct ronda_cfg_ctx *ctx, const char *file, int kind, int line,
    const char *path)
{
	char err[512];

	if (file != NULL && file[0] != '\0' && ronda_geo_check_file(file, kind, err,
	    sizeof(err)) == -1)
		ronda_cfg_error(ctx, line, path, "%s", err);
}

static void
geoip_asn_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	geoip_db_check(ctx, *(char **)field, RONDA_GEO_ASN, line, path);
}

static void
geoip_country_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	geoip_db_check(ctx, *(char **)field, RONDA_GEO_COUNTRY, line, path);
}

/* ISO 3166-1 alpha-2, kept in capitals ("id" is taken as ID). */
static void
geoip_home_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	char *s = *(char **)field;

	if (s == NULL || strlen(s) != 2 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz") != 2) {
		ronda_cfg_error(ctx, line, path, "not a country code: two letters (ISO 3166-1, "
		    "e.g. ID)");
		return;
	}
	s[0] = (char)(s[0] & ~0x20);
	s[1] = (char)(s[1] & ~0x20);
}

/* bots.ranges: the file reads (every line) now, not at the first crawler. */
static void
bots_ranges_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const char *file = *(char **)field;
	struct ronda_bots *b;
	char err[512];

	if (file == NULL || file[0] == '\0')
		return;
	if ((b = ronda_bots_load(file, err, sizeof(err))) == NULL)
		ronda_cfg_error(ctx, line, path, "%s", err);
	ronda_bots_free(b);
}

static const struct ronda_cfg_key bots_keys[] = {
	{ "ranges", RONDA_CFG_STR, NULL, 0, 0, O(bots.ranges) - O(bots),
	    "file of crawlers' published address ranges (NAME CIDR per line); none: "
	    "crawler names are not checked", .check = bots_ranges_check },
	{ NULL }
};

#define G(f) (O(geoip.f) - O(geoip))
static const struct ronda_cfg_key geoip_keys[] = {
	{ "asn", RONDA_CFG_STR, NULL, 0, 0, G(asn),
	    "GeoLite2-ASN or DB-IP ASN lite database (.mmdb); none: no ASN",
	    .check = geoip_asn_check },
	{ "country", RONDA_CFG_STR, NULL, 0, 0, G(country),
	    "GeoLite2-Country/City or DB-IP Country/City lite database (.mmdb; may be the "
	    "asn file); none: no country", .check = geoip_country_check },
	{ "home_country", RONDA_CFG_STR, "ID", 0, 0, G(home_country),
	    "ISO 3166 code of home: an address of another country is foreign (luar negeri)",
	    .check = geoip_home_check },
	{ NULL }
};

static const char *const stage_names[] = { "all", "detect", "campaigns", NULL };

const struct ronda_cfg_key ronda_correlator_config_keys[] = {
	{ "stage", RONDA_CFG_ENUM, "all", 0, 0, O(stage),
	    "all (one process), detect (a member of the detection group) or campaigns "
	    "(the campaign stage and the analysts' store)", .enums = stage_names },
	{ "standby", RONDA_CFG_BOOL, "false", 0, 0, O(standby),
	    "wait for the store's lock and take over when its holder stops" },
	{ "kafka", RONDA_CFG_SECTION, NULL, 0, 0, O(kafka), "Kafka", .sub = kafka_keys },
	{ "store", RONDA_CFG_STR, "/var/lib/ronda/ronda.db", 0, 0, O(store),
	    "SQLite store" },
	{ "store_max_size", RONDA_CFG_SIZE, "0", 0, INT64_C(1) << 50, O(store_max_size),
	    "largest the store may grow (0: no cap); past it, as on a full disk" },
	{ "sites", RONDA_CFG_LIST, NULL, 0, 0, O(sites), "known sites", .sub = site_keys,
	    .elem_size = sizeof(struct ronda_site_cfg) },
	{ "detectors", RONDA_CFG_SECTION, NULL, 0, 0, O(detectors), "thresholds",
	    .sub = detector_keys },
	{ "windows", RONDA_CFG_SECTION, NULL, 0, 0, O(windows), "window state",
	    .sub = window_keys },
	{ "dedupe", RONDA_CFG_SECTION, NULL, 0, 0, O(dedupe), "duplicate ids",
	    .sub = dedupe_keys },
	{ "incidents", RONDA_CFG_SECTION, NULL, 0, 0, O(incidents), "incidents",
	    .sub = incident_keys },
	{ "batch", RONDA_CFG_SECTION, NULL, 0, 0, O(batch), "commit batches",
	    .sub = batch_keys },
	{ "campaigns", RONDA_CFG_SECTION, NULL, 0, 0, O(campaigns), "campaigns and waves",
	    .sub = campaign_keys },
	{ "alerts", RONDA_CFG_SECTION, NULL, 0, 0, O(alerts), "alerts and their sinks",
	    .sub = alert_keys, .check = alerts_check },
	{ "api", RONDA_CFG_SECTION, NULL, 0, 0, O(api), "HTTP API", .sub = api_keys,
	    .check = api_check },
	{ "geoip", RONDA_CFG_SECTION, NULL, 0, 0, O(geoip),
	    "ASN and country of attackers (MaxMind DB files)", .sub = geoip_keys },
	{ "bots", RONDA_CFG_SECTION, NULL, 0, 0, O(bots),
	    "search engines' crawler ranges (cloaking)", .sub = bots_keys },
	{ NULL }
};

const char *
ronda_stage_name(int stage)
{
	return stage >= 0 && stage <= RONDA_STAGE_CAMPAIGNS ? stage_names[stage] : "?";
}

const char *
ronda_correlator_group(const struct ronda_correlator_config *cfg)
{
	return cfg->stage == RONDA_STAGE_CAMPAIGNS ? cfg->kafka.campaigns_group :
	    cfg->kafka.group;
}

int
ronda_correlator_config_load(const char *path, struct ronda_correlator_config *cfg,
    struct ronda_cfg_errors *errs)
{
	return ronda_cfg_load(path, ronda_correlator_config_keys, cfg, errs);
}

int
ronda_correlator_config_load_string(const char *name, const char *text,
    struct ronda_correlator_config *cfg, struct ronda_cfg_errors *errs)
{
	return ronda_cfg_load_string(name, text, strlen(text), ronda_correlator_config_keys,
	    cfg, errs);
}

void
ronda_correlator_config_free(struct ronda_correlator_config *cfg)
{
	ronda_cfg_free(ronda_correlator_config_keys, cfg);
}

int
ronda_allow_has_ip(const struct ronda_allow_cfg *list, size_t n, const char *ip)
{
	for (size_t i = 0; i < n; i++) {
		const struct ronda_allow_cfg *a = &list[i];
		if (a->type != NULL && a->value != NULL && (strcmp(a->type, "ip") == 0 ||
		    strcmp(a->type, "net") == 0) && ronda_indicator_ip_in(ip, a->value))
			return 1;
	}
	return 0;
}
