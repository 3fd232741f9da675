/*
 * cconfig.h — ronda-correlator's configuration (YAML, strict key tables).
 *
 *   kafka: {brokers, topic, group, dlq_topic, properties, max_message, poll_max,
 *           instance_id}
 *   store: /var/lib/ronda/ronda.db
 *   store_max_size: 0 (no cap)
 *   sites: [{id, agency, region, timezone, hosts}]
 *   detectors: {...thresholds and windows, see detect.h}
 *   windows: {max_entries, max_bytes, allowed_lateness, max_future}
 *   dedupe: {max_ids, horizon}
 *   incidents: {max_evidence, max_evidence_len, max_memory}
 *   batch: {max_events, interval}
 *   campaigns: {min_sites, window, link_window, quiet, close, common_share,
 *               wave_floor, wave_factor, max_incidents, allowlist: [{type, value}]}
 *   alerts: {language, interval, kafka_topic, webhook: {url, timeout, headers,
 *            max_backoff, ca_file, ca_dir, proxy}, file,
 *            sinks: [{name, type, format, url, language, digest, ...}]}
 *   api: {listen, tokens, analysts: [{name, token}], max_request, timeout,
 *         max_connections}
 *   geoip: {asn, country, home_country}
 *   bots: {ranges}
 */
#ifndef RONDA_CCONFIG_H
#define RONDA_CCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/config.h"
#include "detect.h"
#include "geo.h"

struct ronda_site_cfg {
	char *id;
	char *agency;
	char *region;
	char *timezone;
	struct ronda_strlist hosts;	/* collector hosts that send for it; empty = any */
};

/*
 * alerts.sinks[]: one more place alerts go (alertd.h). type webhook: POST
 * to url in format json, telegram or slack; type email: SMTP to url.
 */
enum { RONDA_SINKCFG_WEBHOOK = 0, RONDA_SINKCFG_EMAIL };
struct ronda_alert_sink_cfg {
	char *name;			/* alert_deliveries.sink */
	int type;			/* RONDA_SINKCFG_* */
	int format;			/* RONDA_FORMAT_* of alert_format.h (webhook) */
	char *language;			/* id or en; NULL: alerts.language */
	char *url;
	int url_line;			/* the line url was set on (for errors) */
	int64_t timeout;		/* ms, the whole request */
	int64_t digest;			/* ms; 0: every alert on its own */
	struct ronda_kvlist headers;	/* webhook: extra request headers */
	char *ca_file;			/* PEM bundle to verify the server; NULL: system */
	char *ca_dir;			/* c_rehash'ed folder of CAs */
	char *proxy;			/* NULL or "": none (the environment is ignored) */
	char *bot_token;		/* telegram */
	char *bot_token_file;
	char *chat_id;
	char *from;			/* email */
	struct ronda_strlist to;
	char *username;
	char *password;
	char *password_file;
	char *password_env;
};

/* api.analysts[]: a token that may triage; name is what the audit records. */
struct ronda_analyst_cfg {
	char *name;
	char *token;
	int line;			/* where name was set (for errors) */
};

/* An indicator never used to link incidents (the SOC's scanner, a crawler). */
struct ronda_allow_cfg {
	char *type;			/* ip, net, payload, webshell, gambling, user_agent, user */
	char *value;
};

/* 1 when an ip or net entry of list[0..n) covers address ip (CIDR). */
int ronda_allow_has_ip(const struct ronda_allow_cfg *list, size_t n, const char *ip);

/* What a correlator runs (config key `stage`). */
enum ronda_stage {
	RONDA_STAGE_ALL = 0,		/* detection and campaigns in one process */
	RONDA_STAGE_DETECT,		/* stage 1: ronda.events -> ronda.incidents */
	RONDA_STAGE_CAMPAIGNS,		/* stage 2: ronda.incidents -> the store */
};

struct ronda_correlator_config {
	struct {
		char *brokers;
		char *topic;
		char *group;
		char *dlq_topic;
		char *incidents_topic;	/* stage 1 -> stage 2 (istream.h) */
		char *campaigns_group;	/* stage 2's consumer group */
		struct ronda_kvlist properties;
		int64_t max_message;	/* bytes */
		int64_t poll_max;	/* messages per loop tick */
		char *instance_id;	/* group.instance.id; "" = dynamic membership */
	} kafka;
	int stage;			/* enum ronda_stage */
	int standby;			/* wait for the store lock (stage 2's standby) */
	char *store;
	int64_t store_max_size;		/* bytes, 0 = no cap */
	struct ronda_cfg_array sites;	/* struct ronda_site_cfg */
	struct ronda_detect_config detectors;
	struct {
		int64_t max_entries;
		int64_t max_bytes;
		int64_t allowed_lateness;	/* ms */
		int64_t max_future;		/* ms ahead of the watermark */
	} windows;
	struct {
		int64_t max_ids;
		int64_t horizon;		/* ms */
	} dedupe;
	struct {
		int64_t max_evidence;
		int64_t max_evidence_len;
		int64_t max_memory;
	} incidents;
	struct {
		int64_t max_events;
		int64_t interval;		/* ms */
	} batch;
	struct {
		int64_t min_sites;		/* sites before a campaign is reported */
		int64_t window;			/* ms: those sites within this span */
		int64_t link_window;		/* ms: incidents sharing an indicator link */
		int64_t dormancy;		/* ms: fingerprint links to a campaign after its activity */
		int64_t quiet;			/* ms without new incidents: active -> quiet */
		int64_t close;			/* ms without new incidents: -> closed */
		int64_t common_share;		/* % of sites: an indicator seen on more is common */
		int64_t wave_floor;		/* sites of one kind in a window (no history yet) */
		int64_t wave_factor;		/* x the learned baseline */
		int64_t max_incidents;		/* incidents held for linking */
		struct ronda_cfg_array allowlist;	/* struct ronda_allow_cfg */
	} campaigns;
	struct {
		int language;			/* 0 id, 1 en */
		int64_t interval;		/* ms: at most one growth alert per campaign */
		char *kafka_topic;		/* "" = no Kafka sink */
		struct {
			char *url;		/* NULL = no webhook sink */
			int64_t timeout;	/* ms */
			int64_t max_backoff;	/* ms */
			struct ronda_kvlist headers;
			char *ca_file;		/* NULL: the system's CAs */
			char *ca_dir;
			char *proxy;
		} webhook;
		struct ronda_cfg_array sinks;	/* struct ronda_alert_sink_cfg */
		char *file;			/* NULL = no file sink */
	} alerts;
	struct {
		char *listen;			/* "" = no API */
		struct ronda_strlist tokens;	/* read-only */
		struct ronda_cfg_array analysts;	/* struct ronda_analyst_cfg: may also write */
		int64_t max_request;		/* bytes */
		int64_t timeout;		/* ms */
		int64_t max_connections;
	} api;
	struct ronda_geo_config geoip;	/* no asn, no country: no GeoIP */
	struct {
		char *ranges;		/* crawlers' published ranges (bots.h); NULL: none */
	} bots;
};

enum { RONDA_LANG_ID = 0, RONDA_LANG_EN = 1 };

extern const struct ronda_cfg_key ronda_correlator_config_keys[];

/* Load and validate path into cfg (zeroed by the caller). 0 / -1 with errs. */
int ronda_correlator_config_load(const char *path, struct ronda_correlator_config *cfg,
    struct ronda_cfg_errors *errs);
/* The same from text (tests). */
int ronda_correlator_config_load_string(const char *name, const char *text,
    struct ronda_correlator_config *cfg, struct ronda_cfg_errors *errs);
/* Free what the loader allocated (not cfg itself). */
void ronda_correlator_config_free(struct ronda_correlator_config *cfg);

/* "all", "detect" or "campaigns". */
const char *ronda_stage_name(int stage);
/* The consumer group the process joins: kafka.group, or campaigns_group for stage 2. */
const char *ronda_correlator_group(const struct ronda_correlator_config *cfg);

#endif
