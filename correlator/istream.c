#include "istream.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static int
finish(cJSON *o, char **out, size_t *len)
{
	char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (s == NULL)
		return -1;
	*out = s;
	*len = strlen(s);
	return 0;
}

static cJSON *
rec_new(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "v", RONDA_ISTREAM_VERSION);
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

static void
add_set(cJSON *o, const char *name, const char *v, size_t stride, int n)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);

	for (int i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v + (size_t)i * stride));
}

int
ronda_istream_share(const struct ronda_incident *inc, int64_t version, int64_t clock,
    char **out, size_t *len, char *key, size_t keylen)
{
	cJSON *o = rec_new("share"), *a;
	char id[33];

	if (o == NULL)
		return -1;
	ronda_incident_make_id(id, inc->site, inc->kind, inc->key);
	/* The key of a compacted topic: each partition's share is kept. */
	snprintf(key, keylen, "%s", inc->id);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "share", inc->id);
	cJSON_AddNumberToObject(o, "part", inc->part);
	cJSON_AddNumberToObject(o, "version", (double)version);
	cJSON_AddNumberToObject(o, "clock", (double)clock);
	cJSON_AddStringToObject(o, "site", inc->site);
	cJSON_AddStringToObject(o, "kind", inc->kind);
	cJSON_AddStringToObject(o, "key", inc->key);
	cJSON_AddNumberToObject(o, "severity", inc->severity);
	cJSON_AddNumberToObject(o, "status", inc->status);
	cJSON_AddNumberToObject(o, "first_seen", (double)inc->first_seen);
	cJSON_AddNumberToObject(o, "last_seen", (double)inc->last_seen);
	cJSON_AddNumberToObject(o, "events", (double)inc->event_count);
	cJSON_AddNumberToObject(o, "reopens", (double)inc->reopen_count);
	cJSON_AddNumberToObject(o, "new_from", (double)inc->new_from);
	cJSON_AddBoolToObject(o, "site_known", inc->site_known);
	cJSON_AddNumberToObject(o, "nevidence", inc->nevidence);
	cJSON_AddNumberToObject(o, "nind", inc->nind);
	add_set(o, "ips", &inc->ips[0][0], sizeof(inc->ips[0]), inc->nips);
	add_set(o, "users", &inc->users[0][0], sizeof(inc->users[0]), inc->nusers);
	add_set(o, "rules", &inc->rules[0][0], sizeof(inc->rules[0]), inc->nrules);
	if ((a = cJSON_AddArrayToObject(o, "evidence")) != NULL)
		for (const struct ronda_incident_evidence *e = inc->ev_pending; e != NULL;
		    e = e->next) {
			cJSON *x = cJSON_CreateObject();
			char *line = malloc((size_t)e->len + 1);
			if (x == NULL || line == NULL) {
				cJSON_Delete(x);
				free(line);
				cJSON_Delete(o);
				return -1;
			}
			memcpy(line, e->line, (size_t)e->len);
			line[e->len] = '\0';
			cJSON_AddNumberToObject(x, "seq", e->seq);
			cJSON_AddNumberToObject(x, "ts", (double)e->ts);
			cJSON_AddStringToObject(x, "line", line);
			free(line);
			cJSON_AddItemToArray(a, x);
		}
	if ((a = cJSON_AddArrayToObject(o, "indicators")) != NULL)
		for (const struct ronda_incident_ind *i = inc->ind_pending; i != NULL;
		    i = i->next) {
			cJSON *x = cJSON_CreateObject();
			if (x == NULL)
				break;
			cJSON_AddStringToObject(x, "type", i->type);
			cJSON_AddStringToObject(x, "value", i->value);
			cJSON_AddNumberToObject(x, "ts", (double)i->ts);
			cJSON_AddItemToArray(a, x);
		}
	return finish(o, out, len);
}

int
ronda_istream_position(const char *topic, const struct ronda_store_offset *off,
    char **out, size_t *len, char *key, size_t keylen)
{
	cJSON *o = rec_new("position");

	if (o == NULL)
		return -1;
	snprintf(key, keylen, "position/%.200s/%d", topic, (int)off->part);
	cJSON_AddStringToObject(o, "topic", topic);
	cJSON_AddNumberToObject(o, "part", off->part);
	cJSON_AddNumberToObject(o, "next", (double)off->next_offset);
	cJSON_AddNumberToObject(o, "watermark", (double)off->watermark);
	cJSON_AddNumberToObject(o, "replay", (double)off->replay_offset);
	cJSON_AddNumberToObject(o, "replay_wm", (double)off->replay_wm);
	return finish(o, out, len);
}

int
ronda_istream_site(const struct ronda_store_site *s, int32_t part, char **out, size_t *len,
    char *key, size_t keylen)
{
	cJSON *o = rec_new("site");

	if (o == NULL)
		return -1;
	snprintf(key, keylen, "site/%d/%.200s", (int)part, s->id);
	cJSON_AddStringToObject(o, "site", s->id);
	cJSON_AddNumberToObject(o, "part", part);
	cJSON_AddBoolToObject(o, "known", s->known);
	cJSON_AddNumberToObject(o, "last_event", (double)s->last_event);
	cJSON_AddNumberToObject(o, "last_heard", (double)s->last_heard);
	cJSON_AddNumberToObject(o, "events_heard", (double)s->events_heard);
	cJSON_AddNumberToObject(o, "late", (double)s->late);
	return finish(o, out, len);
}

int
ronda_istream_guesser(const char *ip, const char *sites, int64_t last, char **out,
    size_t *len, char *key, size_t keylen)
{
	cJSON *o = rec_new("guesser");

	if (o == NULL)
		return -1;
	snprintf(key, keylen, "guesser/%s", ip);
	cJSON_AddStringToObject(o, "ip", ip);
	cJSON_AddStringToObject(o, "sites", sites);
	cJSON_AddNumberToObject(o, "last", (double)last);
	return finish(o, out, len);
}

/* ---- decoding ----------------------------------------------------------- */

static int
num(const cJSON *o, const char *name, int64_t *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);

	/* Only what an int64_t holds (-2^63 is "none"): a larger double is no number of ours. */
	if (!cJSON_IsNumber(x) || !(x->valuedouble >= -9223372036854775808.0 &&
	    x->valuedouble < 9223372036854775808.0))
		return -1;
	*v = (int64_t)x->valuedouble;
	return 0;
}

static int
str(const cJSON *o, const char *name, char *out, size_t n)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(x) || x->valuestring == NULL || strlen(x->valuestring) >= n)
		return -1;
	memcpy(out, x->valuestring, strlen(x->valuestring) + 1);
	return 0;
}

static void
get_set(const cJSON *o, const char *name, char *v, size_t stride, int *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name), *x;

	*n = 0;
	cJSON_ArrayForEach(x, a) {
		if (*n >= RONDA_INCIDENT_SET)
			break;
		if (cJSON_IsString(x) && strlen(x->valuestring) < stride)
			memcpy(v + (size_t)(*n)++ * stride, x->valuestring,
			    strlen(x->valuestring) + 1);
	}
}

static int
decode_share(const cJSON *o, struct ronda_istream_rec *r, char *err, size_t errlen)
{
	struct ronda_incident *inc = &r->inc;
	struct ronda_incident_evidence **tail = &inc->ev_pending;
	struct ronda_incident_ind **itail = &inc->ind_pending;
	const cJSON *a, *x;
	int64_t part, sev, status, known, nev, nind;

	if (str(o, "id", r->id, sizeof(r->id)) == -1 ||
	    str(o, "share", inc->id, sizeof(inc->id)) == -1 ||
	    str(o, "site", inc->site, sizeof(inc->site)) == -1 ||
	    str(o, "kind", inc->kind, sizeof(inc->kind)) == -1 ||
	    str(o, "key", inc->key, sizeof(inc->key)) == -1 ||
	    num(o, "part", &part) == -1 || num(o, "version", &r->version) == -1 ||
	    num(o, "clock", &r->clock) == -1 || num(o, "severity", &sev) == -1 ||
	    num(o, "status", &status) == -1 || num(o, "first_seen", &inc->first_seen) == -1 ||
	    num(o, "last_seen", &inc->last_seen) == -1 ||
	    num(o, "events", &inc->event_count) == -1 ||
	    num(o, "reopens", &inc->reopen_count) == -1 ||
	    num(o, "new_from", &inc->new_from) == -1 || num(o, "nevidence", &nev) == -1 ||
	    num(o, "nind", &nind) == -1) {
		snprintf(err, errlen, "share: a field missing or out of range");
		return -1;
	}
	if (part < 0 || part > 65535 || sev < 0 || sev > 4 || status < 0 || status > 2 ||
	    nev < 0 || nev > 1000000 || nind < 0 || nind > RONDA_INCIDENT_IND) {
		snprintf(err, errlen, "share: a number out of range");
		return -1;
	}
	known = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "site_known"));
	inc->part = (int32_t)part;
	inc->severity = (int)sev;
	inc->status = (int)status;
	inc->site_known = (int)known;
	inc->nevidence = (int)nev;
	inc->nind = (int)nind;
	get_set(o, "ips", &inc->ips[0][0], sizeof(inc->ips[0]), &inc->nips);
	get_set(o, "users", &inc->users[0][0], sizeof(inc->users[0]), &inc->nusers);
	get_set(o, "rules", &inc->rules[0][0], sizeof(inc->rules[0]), &inc->nrules);
	a = cJSON_GetObjectItemCaseSensitive(o, "evidence");
	cJSON_ArrayForEach(x, a) {
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(x, "line");
		struct ronda_incident_evidence *e;
		int64_t seq, ts;
		size_t l;
		if (!cJSON_IsString(line) || num(x, "seq", &seq) == -1 || num(x, "ts", &ts) == -1 ||
		    seq < 0 || seq > INT32_MAX)
			continue;
		l = strlen(line->valuestring);
		if (l > 65536 || (e = calloc(1, sizeof(*e) + l + 1)) == NULL)
			continue;
		e->line = (char *)(e + 1);
		memcpy(e->line, line->valuestring, l + 1);
		e->len = (int)l;
		e->seq = (int)seq;
		e->ts = ts;
		*tail = e;
		tail = &e->next;
	}
	a = cJSON_GetObjectItemCaseSensitive(o, "indicators");
	cJSON_ArrayForEach(x, a) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(x, "type");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, "value");
		struct ronda_incident_ind *i;
		int64_t ts;
		size_t vl;
		if (!cJSON_IsString(t) || !cJSON_IsString(v) || num(x, "ts", &ts) == -1 ||
		    strlen(t->valuestring) >= sizeof(i->type))
			continue;
		vl = strlen(v->valuestring);
		if (vl >= sizeof(i->value))
			vl = sizeof(i->value) - 1;
		if ((i = calloc(1, offsetof(struct ronda_incident_ind, value) + vl + 1)) == NULL)
			continue;
		memcpy(i->type, t->valuestring, strlen(t->valuestring) + 1);
		memcpy(i->value, v->valuestring, vl);
		i->value[vl] = '\0';
		i->ts = ts;
		*itail = i;
		itail = &i->next;
	}
	return 0;
}

int
ronda_istream_decode(const char *payload, size_t len, struct ronda_istream_rec *r,
    char *err, size_t errlen)
{
	cJSON *o = cJSON_ParseWithLength(payload, len);
	char type[16];
	int64_t v, x;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (o == NULL) {
		snprintf(err, errlen, "not JSON");
		return -1;
	}
	if (num(o, "v", &v) == -1 || v != RONDA_ISTREAM_VERSION ||
	    str(o, "type", type, sizeof(type)) == -1) {
		snprintf(err, errlen, "not an incident stream record of version %d",
		    RONDA_ISTREAM_VERSION);
		goto out;
	}
	if (strcmp(type, "share") == 0) {
		r->type = RONDA_ISTREAM_SHARE;
		rc = decode_share(o, r, err, errlen);
		if (rc == -1)
			ronda_istream_rec_clear(r);
	} else if (strcmp(type, "position") == 0) {
		r->type = RONDA_ISTREAM_POSITION;
		if (str(o, "topic", r->topic, sizeof(r->topic)) == -1 || num(o, "part", &x) == -1 ||
		    x < 0 || x > 65535 || num(o, "next", &r->off.next_offset) == -1 ||
		    num(o, "watermark", &r->off.watermark) == -1 ||
		    num(o, "replay", &r->off.replay_offset) == -1 ||
		    num(o, "replay_wm", &r->off.replay_wm) == -1) {
			snprintf(err, errlen, "position: a field missing or out of range");
			goto out;
		}
		r->off.part = (int32_t)x;
		r->part = (int32_t)x;
		rc = 0;
	} else if (strcmp(type, "site") == 0) {
		r->type = RONDA_ISTREAM_SITE;
		if (str(o, "site", r->site_id, sizeof(r->site_id)) == -1 ||
		    num(o, "part", &x) == -1 || x < 0 || x > 65535 ||
		    num(o, "last_event", &r->site.last_event) == -1 ||
		    num(o, "last_heard", &r->site.last_heard) == -1 ||
		    num(o, "events_heard", &r->site.events_heard) == -1 ||
		    num(o, "late", &r->site.late) == -1) {
			snprintf(err, errlen, "site: a field missing or out of range");
			goto out;
		}
		r->part = (int32_t)x;
		r->site.id = r->site_id;
		r->site.known = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "known"));
		rc = 0;
	} else if (strcmp(type, "guesser") == 0) {
		r->type = RONDA_ISTREAM_GUESSER;
		if (str(o, "ip", r->ip, sizeof(r->ip)) == -1 ||
		    str(o, "sites", r->sites, sizeof(r->sites)) == -1 ||
		    num(o, "last", &r->last) == -1) {
			snprintf(err, errlen, "guesser: a field missing or out of range");
			goto out;
		}
		rc = 0;
	} else {
		snprintf(err, errlen, "unknown record type");
	}
out:
	cJSON_Delete(o);
	return rc;
}

void
ronda_istream_rec_clear(struct ronda_istream_rec *r)
{
	struct ronda_incident_evidence *e, *en;
	struct ronda_incident_ind *i, *in;

	for (e = r->inc.ev_pending; e != NULL; e = en) {
		en = e->next;
		free(e);
	}
	for (i = r->inc.ind_pending; i != NULL; i = in) {
		in = i->next;
		free(i);
	}
	r->inc.ev_pending = NULL;
	r->inc.ind_pending = NULL;
}
