/*
 * webroot_event.c — one file event as JSON (the contract's shape, ECS
 * file.* names), and its deterministic id.
 *
 * Every string that comes from the disk (paths, names, excerpts of content)
 * goes through ronda_buf_json_str: valid UTF-8 passes, control characters
 * and quotes are escaped, and a byte that is not UTF-8 becomes the text
 * \xHH — the escaping of every other Ronda event, so a file name with a
 * 0xff byte reads "a\\xffb.php" in the JSON, never invalid JSON.
 */
#include "webroot_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "ronda/event.h"
#include "ronda/timeutil.h"

static const char *const type_names[] = { "creation", "change", "deletion", "change",
    "info" };
static const char *const scan_names[] = { "watch", "scan", "baseline" };

/* Feed one length-prefixed field to the digest (no two fields run together). */
static void
id_field(EVP_MD_CTX *md, const void *p, size_t n)
{
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (8 * i));
	EVP_DigestUpdate(md, len, sizeof(len));
	if (n > 0)
		EVP_DigestUpdate(md, p, n);
}

void
wr_event_id(const struct wr_event *e, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char num[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const char *an = wr_action_names[e->action];
	int n;

	memset(d, 0, sizeof(d));
	if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
		id_field(md, "ronda.file.1", 12);
		id_field(md, e->site, strlen(e->site));
		id_field(md, e->root, strlen(e->root));
		id_field(md, e->rel, strlen(e->rel));
		id_field(md, an, strlen(an));
		if (e->row->has_hash) {
			id_field(md, e->row->sha256, 32);
		} else {
			n = snprintf(num, sizeof(num), "%llu",
			    (unsigned long long)e->row->size);
			id_field(md, num, (size_t)n);
		}
		n = snprintf(num, sizeof(num), "%lld", (long long)e->row->mtime_ns);
		id_field(md, num, (size_t)n);
		if (e->prev_rel != NULL)
			id_field(md, e->prev_rel, strlen(e->prev_rel));
		EVP_DigestFinal_ex(md, d, &dlen);
	}
	EVP_MD_CTX_free(md);
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[32] = '\0';
}

static void
put_str(struct ronda_buf *b, const char *s)
{
	ronda_buf_json_str(b, s, strlen(s));
}

static void
put_hex(struct ronda_buf *b, const unsigned char *h, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	ronda_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		ronda_buf_putc(b, hex[h[i] >> 4]);
		ronda_buf_putc(b, hex[h[i] & 15]);
	}
	ronda_buf_putc(b, '"');
}

static void
put_time_ns(struct ronda_buf *b, int64_t ns)
{
	char ts[RONDA_TS_LEN + 1];
	int64_t ms = ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);

	ronda_fmt_utc_ms(ts, ms);
	ronda_buf_printf(b, "\"%s\"", ts);
}

/* A JSON array of strings from field of each hit, skipping NULL and repeats. */
static void
put_hit_strings(struct ronda_buf *b, const struct ronda_marker_result *mk, int which,
    int dedupe)
{
	int first = 1;

	ronda_buf_putc(b, '[');
	for (int i = 0; i < mk->nhits; i++) {
		const struct ronda_marker_hit *h = &mk->hits[i];
		const char *s = which == 0 ? h->id : which == 1 ? h->name :
		    which == 2 ? h->category : h->family;
		int seen = 0;
		if (s == NULL)
			continue;
		for (int k = 0; dedupe && k < i; k++) {
			const struct ronda_marker_hit *o = &mk->hits[k];
			const char *t = which == 0 ? o->id : which == 1 ? o->name :
			    which == 2 ? o->category : o->family;
			if (t != NULL && strcmp(s, t) == 0)
				seen = 1;
		}
		if (seen)
			continue;
		if (!first)
			ronda_buf_putc(b, ',');
		first = 0;
		put_str(b, s);
	}
	ronda_buf_putc(b, ']');
}

static int
has_family(const struct ronda_marker_result *mk)
{
	for (int i = 0; i < mk->nhits; i++)
		if (mk->hits[i].family != NULL)
			return 1;
	return 0;
}

int
wr_event_json(const struct wr_event *e, struct ronda_buf *b)
{
	const struct ronda_marker_result *mk = e->mk != NULL && e->mk->nhits > 0 ? e->mk :
	    NULL;
	const struct ronda_wr_row *r = e->row;
	const char *rel = e->rel, *name = strrchr(rel, '/'), *dot;
	size_t rootlen = strlen(e->root), folderlen;
	char ts[RONDA_TS_LEN + 1], id[33];

	name = name != NULL ? name + 1 : rel;
	folderlen = name > rel ? (size_t)(name - rel - 1) : 0;
	wr_event_id(e, id);
	ronda_fmt_utc_ms(ts, e->ts_ms);

	ronda_buf_printf(b, "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"kind\":\"%s\","
	    "\"category\":[\"file\"],\"type\":[\"%s\"],\"action\":\"%s\","
	    "\"dataset\":\"file.integrity\"", ts, id, mk != NULL ? "alert" : "event",
	    type_names[e->action], wr_action_names[e->action]);
	if (mk != NULL)
		ronda_buf_printf(b, ",\"severity\":%d", mk->severity);
	ronda_buf_puts(b, "},\"organization\":{\"id\":");
	put_str(b, e->site);
	if (e->agency != NULL) {
		ronda_buf_puts(b, ",\"name\":");
		put_str(b, e->agency);
	}
	ronda_buf_puts(b, "},\"host\":{\"name\":");
	put_str(b, e->host);

	/* file.*: path, name, directory as the server names them. */
	ronda_buf_puts(b, "},\"file\":{\"path\":");
	{
		/* root + "/" + rel, then root + "/" + folder: escaped as whole strings. */
		struct ronda_buf tmp;
		ronda_buf_init(&tmp, 2 * WR_PATH_MAX + 64);
		ronda_buf_append(&tmp, e->root, rootlen);
		ronda_buf_putc(&tmp, '/');
		ronda_buf_append(&tmp, rel, strlen(rel));
		ronda_buf_json_str(b, tmp.data != NULL ? tmp.data : "", tmp.len);
		ronda_buf_puts(b, ",\"directory\":");
		tmp.len = rootlen;
		if (folderlen > 0) {
			ronda_buf_putc(&tmp, '/');
			ronda_buf_append(&tmp, rel, folderlen);
		}
		ronda_buf_json_str(b, tmp.data != NULL ? tmp.data : "", tmp.len);
		ronda_buf_release(&tmp);
	}
	ronda_buf_puts(b, ",\"name\":");
	put_str(b, name);
	if ((dot = strrchr(name, '.')) != NULL && dot > name && dot[1] != '\0' &&
	    strlen(dot + 1) <= 16) {
		ronda_buf_puts(b, ",\"extension\":");
		put_str(b, dot + 1);
	}
	ronda_buf_printf(b, ",\"size\":%llu,\"mtime\":", (unsigned long long)r->size);
	put_time_ns(b, r->mtime_ns);
	ronda_buf_puts(b, ",\"ctime\":");
	put_time_ns(b, r->ctime_ns);
	ronda_buf_printf(b, ",\"inode\":\"%llu\",\"mode\":\"%04o\",\"uid\":%u,"
	    "\"type\":\"file\"", (unsigned long long)r->inode, (unsigned)(r->mode & 07777),
	    (unsigned)r->uid);
	if (r->has_hash && e->action != WR_DELETED) {
		ronda_buf_puts(b, ",\"hash\":{\"sha256\":");
		put_hex(b, r->sha256, 32);
		ronda_buf_putc(b, '}');
	}
	ronda_buf_putc(b, '}');

	if (mk != NULL) {
		ronda_buf_puts(b, ",\"rule\":{\"id\":");
		put_hit_strings(b, mk, 0, 0);
		ronda_buf_puts(b, ",\"name\":");
		put_hit_strings(b, mk, 1, 0);
		ronda_buf_puts(b, ",\"category\":");
		put_hit_strings(b, mk, 2, 0);
		ronda_buf_putc(b, '}');
	}

	ronda_buf_puts(b, ",\"ronda\":{\"schema\":1,\"site\":");
	put_str(b, e->site);
	if (e->region != NULL) {
		ronda_buf_puts(b, ",\"region\":");
		put_str(b, e->region);
	}
	if (e->timezone != NULL && e->timezone[0] != '\0') {
		ronda_buf_puts(b, ",\"timezone\":");
		put_str(b, e->timezone);
	}
	if (mk != NULL)
		ronda_buf_printf(b, ",\"severity\":\"%s\"", ronda_severity_name(mk->severity));
	ronda_buf_puts(b, ",\"file\":{\"root\":");
	ronda_buf_json_str(b, e->root, rootlen);
	ronda_buf_puts(b, ",\"relpath\":");
	put_str(b, rel);
	if (e->prev != NULL && e->action != WR_FOUND && e->action != WR_CREATED) {
		int first = 1;
		ronda_buf_puts(b, ",\"previous\":{");
		if (e->prev_rel != NULL) {
			ronda_buf_puts(b, "\"relpath\":");
			put_str(b, e->prev_rel);
			first = 0;
		}
		if (e->prev->has_hash) {
			ronda_buf_puts(b, first ? "\"sha256\":" : ",\"sha256\":");
			put_hex(b, e->prev->sha256, 32);
			first = 0;
		}
		ronda_buf_printf(b, "%s\"size\":%llu}", first ? "" : ",",
		    (unsigned long long)e->prev->size);
	}
	if (e->accepted)
		ronda_buf_puts(b, ",\"accepted\":true");
	ronda_buf_printf(b, ",\"scan\":\"%s\"", scan_names[e->scan]);
	if (mk != NULL) {
		if (has_family(mk)) {
			ronda_buf_puts(b, ",\"families\":");
			put_hit_strings(b, mk, 3, 1);
		}
		ronda_buf_puts(b, ",\"excerpts\":[");
		for (int i = 0; i < mk->nhits; i++) {
			const struct ronda_marker_hit *h = &mk->hits[i];
			size_t n = h->excerpt_len <= RONDA_MARKER_EXCERPT ? h->excerpt_len :
			    RONDA_MARKER_EXCERPT;
			ronda_buf_puts(b, i > 0 ? ",{\"rule\":" : "{\"rule\":");
			put_str(b, h->id);
			ronda_buf_puts(b, ",\"text\":");
			ronda_buf_json_str(b, h->excerpt, n);
			ronda_buf_putc(b, '}');
		}
		ronda_buf_putc(b, ']');
		if (mk->ndomains > 0) {
			ronda_buf_puts(b, ",\"domains\":[");
			for (int i = 0; i < mk->ndomains && i < RONDA_MARKER_DOMAINS; i++) {
				if (i > 0)
					ronda_buf_putc(b, ',');
				ronda_buf_json_str(b, mk->domains[i], strnlen(mk->domains[i],
				    RONDA_MARKER_DOMAIN_MAX));
			}
			ronda_buf_putc(b, ']');
		}
		if (mk->nmore > 0)
			ronda_buf_printf(b, ",\"markers_more\":%d", mk->nmore);
	}
	if (e->content_cut)
		ronda_buf_puts(b, ",\"content_cut\":true");
	ronda_buf_puts(b, "}}}");
	return b->overflow ? -1 : 0;
}
