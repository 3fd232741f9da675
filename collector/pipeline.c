#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "cloak.h"
#include "conf.h"
#include "ronda/auth.h"
#include "ronda/parse.h"
#include "ronda/rules.h"
#include "ronda/tz.h"

/*
 * The time of the last timed line of the files an input read most
 * recently, most recent first. A glob input reads several files at once
 * (access.log.1 and access.log in a backlog, 1 MiB of each in turn), so a
 * line without a time looks up its own file: the previous line of the input
 * may be another file's, days apart.
 */
#define LAST_FILES	4

struct last_time {
	uint64_t dev, ino, fp;
	int64_t ts;		/* 0: the slot is free */
	int64_t newest;		/* the newest time of the file so far (year reference) */
};

struct ronda_pipeline {
	const struct ronda_collector_config *cfg;
	struct ronda_ruleset *rules;
	struct ronda_agg *agg;
	struct ronda_cloak *cloak;	/* browser answers per site, for search-bot lines */
	struct ronda_event ev;
	struct ronda_pipeline_stats st;
	uint64_t *id_seed;	/* per input: ronda_event_id_seed() of its site */
	struct last_time *last;	/* per input: LAST_FILES slots */
	size_t *site_of;	/* per input: the first input of its site */
	int64_t *dated;		/* per site (its first input): newest web line time */
	size_t event_max;	/* largest JSON + key the sink takes, 0 = no limit */
};

struct ronda_pipeline *
ronda_pipeline_new(const struct ronda_collector_config *cfg,
    struct ronda_ruleset *rules, struct ronda_agg *agg)
{
	const struct ronda_collector_input *in = cfg->inputs.v;
	struct ronda_pipeline *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->cfg = cfg;
	p->rules = rules;
	p->agg = agg;
	if ((p->id_seed = calloc(cfg->inputs.n + 1, sizeof(*p->id_seed))) == NULL ||
	    (p->last = calloc((cfg->inputs.n + 1) * LAST_FILES, sizeof(*p->last))) == NULL ||
	    (p->site_of = calloc(cfg->inputs.n + 1, sizeof(*p->site_of))) == NULL ||
	    (p->dated = calloc(cfg->inputs.n + 1, sizeof(*p->dated))) == NULL ||
	    (p->cloak = ronda_cloak_new(cfg->inputs.n, 0, 0)) == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->inputs.n; i++) {
		p->id_seed[i] = ronda_event_id_seed(in[i].site_id);
		for (p->site_of[i] = 0; p->site_of[i] < i &&
		    strcmp(in[p->site_of[i]].site_id, in[i].site_id) != 0; p->site_of[i]++)
			;
	}
	return p;
fail:
	ronda_pipeline_free(p);
	return NULL;
}

void
ronda_pipeline_free(struct ronda_pipeline *p)
{
	if (p == NULL)
		return;
	free(p->id_seed);
	free(p->last);
	free(p->site_of);
	free(p->dated);
	ronda_cloak_free(p->cloak);
	free(p);
}

static int
same_file(const struct last_time *t, const struct ronda_pipeline_line *l)
{
	return t->ts != 0 && t->dev == l->dev && t->ino == l->ino && t->fp == l->fp;
}

/* Remember ts as the time of l's file (its slot moves to the front). */
static void
last_time_put(struct last_time *v, const struct ronda_pipeline_line *l, int64_t ts)
{
	struct last_time t = { l->dev, l->ino, l->fp, ts, ts };
	size_t k;

	for (k = 0; k < LAST_FILES - 1 && !same_file(&v[k], l); k++)
		;
	/* k is l's slot, or the last one, whose file is forgotten. */
	if (same_file(&v[k], l) && v[k].newest > ts)
		t.newest = v[k].newest;
	memmove(&v[1], &v[0], k * sizeof(*v));
	v[0] = t;
}

/* The time of the last timed line of l's file, 0 when none is known. */
static int64_t
last_time_get(const struct last_time *v, const struct ronda_pipeline_line *l)
{
	for (size_t k = 0; k < LAST_FILES; k++)
		if (same_file(&v[k], l))
			return v[k].ts;
	return 0;
}

void
ronda_pipeline_set_event_max(struct ronda_pipeline *p, size_t max)
{
	p->event_max = max;
}

/*
 * The event in out (with key) is larger than the sink takes: Kafka refuses
 * a message over message.max.bytes (1 MB by default) for good, and a line of
 * max_line bytes can encode to several times that (escapes, and the URL,
 * path, query and their normalised forms repeat parts of it). Ship the line
 * cut instead: the fields taken from it dropped, event.original cut to
 * what fits, flagged truncated, the same id. A hostile line must not stop
 * the collector, and is never dropped.
 */
/* Drop what was appended to b after start (an event that did not fit). */
static void
buf_cut(struct ronda_buf *b, size_t start)
{
	b->len = start;
	b->overflow = 0;
	if (b->data != NULL)
		b->data[start] = '\0';
}

static int
shrink_event(struct ronda_pipeline *p, struct ronda_buf *out, size_t start,
    size_t keylen)
{
	struct ronda_event *ev = &p->ev;
	size_t room, fixed;

	ev->vhost = ev->remote_user = ev->method = ev->url = ev->path = RONDA_STR_NULL;
	ev->query = ev->http_version = ev->referrer = ev->user_agent = RONDA_STR_NULL;
	ev->log_host = ev->program = ev->message = ev->user_name = RONDA_STR_NULL;
	ev->norm_path = ev->norm_query = RONDA_STR_NULL;
	if (ev->source_ip.n > 64)
		ev->source_ip = RONDA_STR_NULL;
	if (ev->client_ip.n > 64)
		ev->client_ip = RONDA_STR_NULL;
	ev->flags |= RONDA_EVENT_TRUNCATED;
	/* What the event takes without event.original, then six bytes a byte of it. */
	{
		struct ronda_str orig = ev->original;
		ev->original = RONDA_STR_NULL;
		buf_cut(out, start);
		if (ronda_event_to_json(ev, out) == -1)
			return -1;
		fixed = out->len - start + keylen + 64;
		ev->original = orig;
	}
	if (fixed >= p->event_max)
		return -1;
	room = (p->event_max - fixed) / 6;
	if (ev->original.n > room)
		ev->original.n = room;
	buf_cut(out, start);
	if (ronda_event_to_json(ev, out) == -1 || out->len - start + keylen > p->event_max)
		return -1;
	return 0;
}

const struct ronda_event *
ronda_pipeline_event(const struct ronda_pipeline *p)
{
	return &p->ev;
}

const struct ronda_pipeline_stats *
ronda_pipeline_stats(const struct ronda_pipeline *p)
{
	return &p->st;
}

/* Every rule ev matched is a crawler tag (rules/web-cloaking.yaml, search-bot). */
static int
only_search_bot(const struct ronda_event *ev)
{
	for (int i = 0; i < ev->nrules; i++)
		if (strcmp(ev->rules[i].category, "search-bot") != 0)
			return 0;
	return ev->nrules > 0;
}

const struct ronda_cloak_stats *
ronda_pipeline_cloak_stats(const struct ronda_pipeline *p)
{
	return p != NULL ? ronda_cloak_stats(p->cloak) : NULL;
}

/*
 * The reference an RFC 3164 line's year is inferred from:
 * 1. the newest time of its own file so far: a line is never far from
 *    those before it (the newest rather than the previous: one forged line
 *    of another month cannot drag the rest of the file into another year);
 * 2. for a file's first line, its modification time: a file not written
 *    for a while (an import, a rotated generation) keeps its own year;
 * 3. but when that mtime is now (the file is being written as it is read),
 *    it says nothing the wall clock does not, and the newest time of the
 *    site's web logs (which carry their year, written by the same server's
 *    clock) says more: a replay or a skewed server writes another year
 *    than ours, and a replay that stamps its file with the log's time after
 *    each write leaves a moment when the write's own stamp, today, shows;
 * 4. now.
 */
#define MTIME_FRESH_MS	60000

static int64_t
year_ref(struct ronda_pipeline *p, size_t idx, const struct ronda_pipeline_line *l,
    int64_t now_ms)
{
	const struct last_time *v = &p->last[idx * LAST_FILES];
	int64_t dated = p->dated[p->site_of[idx]];

	for (size_t k = 0; k < LAST_FILES; k++)
		if (same_file(&v[k], l))
			return v[k].newest;
	if (l->mtime_ms != 0 && (dated == 0 || l->mtime_ms < now_ms - MTIME_FRESH_MS ||
	    l->mtime_ms > now_ms + MTIME_FRESH_MS))
		return l->mtime_ms;
	return dated != 0 ? dated : now_ms;
}

/*
 * An entry already split by its source (the journal) fills what the syslog
 * parser would: nothing to parse, so nothing fails to parse, and its time
 * is exact (no year to infer, no zone to assume).
 */
static int
fields_apply(struct ronda_event *ev, const struct ronda_pipeline_fields *f)
{
	ev->dataset = f->dataset;
	ev->ts_ms = f->ts_ms;
	ev->log_host = f->log_host;
	ev->program = f->program;
	ev->message = f->message;
	ev->pid = f->pid;
	return 0;
}

int
ronda_pipeline_line(struct ronda_pipeline *p, size_t idx,
    const struct ronda_pipeline_line *l, int64_t now_ms, int force,
    struct ronda_buf *out, struct ronda_str *key)
{
	const struct ronda_collector_config *cfg = p->cfg;
	const struct ronda_collector_input *in =
	    &((const struct ronda_collector_input *)cfg->inputs.v)[idx];
	struct ronda_event *ev = &p->ev;
	struct ronda_str src;
	size_t start;
	int rc, forward;

	ronda_event_reset(ev);
	ev->site = in->site_id;
	ev->agency = in->agency_name;
	ev->region = cfg->region;
	ev->timezone = in->tz_name;
	ev->host_name = cfg->host_name;
	ev->file_path = l->path;
	ev->offset = l->offset;
	ev->original.p = l->p;
	ev->original.n = l->n;
	p->st.lines++;
	if (l->truncated) {
		ev->flags |= RONDA_EVENT_TRUNCATED;
		p->st.truncated++;
	}

	if (in->type == RONDA_INPUT_WEB) {
		ev->type = RONDA_EVENT_WEB;
		ev->dataset = "web.access";
		rc = ronda_parse_web(ev, l->p, l->n, in->web_format);
	} else {
		ev->type = RONDA_EVENT_AUTH;
		if (l->fields != NULL) {
			rc = fields_apply(ev, l->fields);
		} else {
			ev->dataset = "auth.syslog";
			rc = ronda_parse_syslog(ev, l->p, l->n, in->tz ? in->tz : cfg->tz,
			    year_ref(p, idx, l, now_ms));
		}
		if (rc == 0 && ronda_auth_classify(ronda_rules_decoders(p->rules), ev))
			p->st.auth_actions++;
	}
	if (rc != 0) {
		ev->flags |= RONDA_EVENT_PARSE_ERROR;
		p->st.parse_errors++;
	}
	/*
	 * A line without a time must not move time (windows, aggregates and
	 * watermarks follow event time): it was written right after the line
	 * before it in its file, so it takes that line's time. With no such
	 * line there is no honest time to give it: set it aside, counted.
	 */
	if (ev->ts_ms != 0) {
		last_time_put(&p->last[idx * LAST_FILES], l, ev->ts_ms);
		if (in->type == RONDA_INPUT_WEB && ev->ts_ms > p->dated[p->site_of[idx]])
			p->dated[p->site_of[idx]] = ev->ts_ms;
	} else {
		ev->flags |= RONDA_EVENT_TS_GUESSED;
		ev->ts_ms = last_time_get(&p->last[idx * LAST_FILES], l);
		if (ev->ts_ms == 0) {
			p->st.untimed++;
			if (!force)
				return 0;
		}
	}
	if (p->rules != NULL && rc == 0 && ronda_rules_match(p->rules, ev) > 0)
		p->st.rule_hits++;
	/* After the rules: a search-bot rule's hit is what makes a line a bot's. */
	if (rc == 0 && in->type == RONDA_INPUT_WEB)
		ronda_cloak_line(p->cloak, p->site_of[idx], ev);
	if (p->agg != NULL && ev->ts_ms != 0)
		ronda_agg_add(p->agg, idx, ev);

	/*
	 * forward: events ships what the correlator needs line by line: rule
	 * hits, auth actions (successes too: success after failures), and
	 * lines that did not parse (never dropped silently; malformed lines are
	 * often exploits). Everything else is summarised by the aggregates.
	 */
	forward = force || cfg->forward == RONDA_FORWARD_ALL || ev->nrules > 0 ||
	    ev->action != NULL || (ev->flags & RONDA_EVENT_PARSE_ERROR);
	/*
	 * A crawler's line tagged only to be compared with a browser's goes
	 * when the answers could be a cloak's: a third of a site's lines are
	 * crawlers', and forwarding them all tripled the collector's CPU.
	 */
	if (forward && !force && cfg->forward != RONDA_FORWARD_ALL && ev->action == NULL &&
	    !(ev->flags & RONDA_EVENT_PARSE_ERROR) && only_search_bot(ev) &&
	    !ronda_cloak_worth_sending(ev))
		forward = 0;
	if (!forward) {
		p->st.filtered++;
		return 0;
	}
	ronda_event_make_id_seeded(ev->id, p->id_seed[idx], l->dev, l->ino, l->fp,
	    l->offset);
	src = ev->source_ip.n > 0 ? ev->source_ip : ev->client_ip;
	if (src.n > 0 && src.n <= 64 && !(ev->flags & RONDA_EVENT_PARSE_ERROR)) {
		*key = src;
	} else {
		key->p = in->site_id;
		key->n = strlen(in->site_id);
	}
	start = out->len;
	rc = ronda_event_to_json(ev, out);
	if (p->event_max > 0 && (rc == -1 || out->len - start + key->n > p->event_max)) {
		/* Too large for the sink (or for out): the line, cut. */
		if (!(ev->flags & RONDA_EVENT_TRUNCATED))
			p->st.truncated++;
		p->st.shrunk++;
		rc = shrink_event(p, out, start, key->n);
	}
	if (rc == -1) {
		buf_cut(out, start);
		p->st.encode_errors++;
		return -1;
	}
	p->st.forwarded++;
	return 1;
}
