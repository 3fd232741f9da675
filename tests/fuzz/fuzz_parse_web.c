/*
 * fuzz_parse_web.c — libFuzzer target for the access-log parser. The first
 * byte picks the format; the rest is the line, copied into a buffer of its
 * exact size so ASan sees any read past the end (the parser gets no NUL).
 * Every slice the parser returns must lie inside the line. The event is then
 * encoded to JSON twice, with room to spare (the encoder's fast layout) and
 * in a buffer capped at exactly that length (its checked layout): the same
 * bytes, and one byte less of cap is refused.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/parse.h"

static void
check_slice(struct ronda_str s, const char *l, size_t n)
{
	if (s.n == 0)
		return;
	assert(s.p >= l && s.p + s.n <= l + n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_event ev;
	char *line;
	size_t n;
	int fmt, rc;

	if (size < 1)
		return 0;
	fmt = data[0] % 3;
	n = size - 1;
	line = malloc(n ? n : 1);
	if (line == NULL)
		return 0;
	memcpy(line, data + 1, n);
	ronda_event_reset(&ev);
	rc = ronda_parse_web(&ev, line, n, (enum ronda_web_format)fmt);
	assert(rc == 0 || rc == -1);
	assert((rc == -1) == ((ev.flags & RONDA_EVENT_PARSE_ERROR) != 0));
	check_slice(ev.vhost, line, n);
	check_slice(ev.client_ip, line, n);
	check_slice(ev.remote_user, line, n);
	check_slice(ev.method, line, n);
	check_slice(ev.url, line, n);
	check_slice(ev.path, line, n);
	check_slice(ev.query, line, n);
	check_slice(ev.http_version, line, n);
	check_slice(ev.referrer, line, n);
	check_slice(ev.user_agent, line, n);
	assert(ev.status >= 0 && ev.status <= 999);
	assert(ev.bytes >= -1);
	assert(ev.vhost_port >= 0 && ev.vhost_port <= 65535);
	/* path and query are inside url when there is one */
	if (ev.url.n > 0 && ev.path.n > 0)
		assert(ev.path.p >= ev.url.p && ev.path.p + ev.path.n <= ev.url.p + ev.url.n);
	if (ev.method.n == 0)
		assert(ev.url.n == 0);

	ev.original = (struct ronda_str){ line, n };
	ev.site = "fuzz.go.id";
	ev.file_path = "/var/log/fuzz.log";
	ev.offset = size;
	{
		struct ronda_buf a, c;
		ronda_buf_init(&a, 0);
		if (ronda_event_to_json(&ev, &a) == 0) {
			assert(strlen(a.data) == a.len);
			ronda_buf_init(&c, a.len);
			assert(ronda_event_to_json(&ev, &c) == 0);
			assert(c.len == a.len && memcmp(c.data, a.data, a.len) == 0);
			ronda_buf_release(&c);
			ronda_buf_init(&c, a.len - 1);
			assert(ronda_event_to_json(&ev, &c) == -1);
			ronda_buf_release(&c);
		}
		ronda_buf_release(&a);
	}
	free(line);
	return 0;
}
