/*
 * fuzz_query_string.c — libFuzzer target for the HTTP API's query-string
 * parser (correlator/api_qs.c): the input is the part of a request URI after
 * '?', attacker-controlled. Whatever it is, the parser must stay inside its
 * fixed buffers, and what it accepts must hold its promises: names of
 * [a-z0-9_], no name twice, values of valid UTF-8 without control
 * characters, each within its cap; an error message is one printable line.
 * Every accepted value must also survive percent-encoding and parsing again.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_qs.h"
#include "ronda/buf.h"

static void
check_value(const char *v)
{
	size_t n = strlen(v);

	assert(n <= RONDA_API_QS_MAX_VALUE);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)v[i];
		size_t l;
		assert(c >= 0x20 && c != 0x7f);
		if (c < 0x80) {
			i++;
			continue;
		}
		l = ronda_utf8_seq_len((const unsigned char *)v + i, n - i);
		assert(l > 0);
		i += l;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ronda_api_qs q, again;
	static char err[400], enc[8192];
	const char *const allowed[] = { "since", "until", "site", "limit", NULL };

	memset(err, 0x55, sizeof(err));
	if (ronda_api_qs_parse((const char *)data, size, &q, err, sizeof(err)) == -1) {
		size_t n = strnlen(err, sizeof(err));
		assert(n > 0 && n < sizeof(err));
		for (size_t i = 0; i < n; i++)
			assert((unsigned char)err[i] >= 0x20 && (unsigned char)err[i] < 0x7f);
		return 0;
	}
	assert(q.n <= RONDA_API_QS_MAX_PARAMS);
	enc[0] = '\0';
	for (size_t i = 0; i < q.n; i++) {
		const char *nm = q.p[i].name;
		assert(nm[0] != '\0' && strlen(nm) <= RONDA_API_QS_MAX_NAME);
		for (const char *p = nm; *p != '\0'; p++)
			assert((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
		for (size_t j = 0; j < i; j++)
			assert(strcmp(q.p[j].name, nm) != 0);
		assert(ronda_api_qs_get(&q, nm) == q.p[i].value);
		check_value(q.p[i].value);
		/* name=value, encoded, parses back to the same pair. */
		snprintf(enc + strlen(enc), sizeof(enc) - strlen(enc), "%s%s=", i ? "&" : "", nm);
		assert(ronda_api_qs_encode(enc, sizeof(enc), q.p[i].value) == 0);
	}
	assert(ronda_api_qs_parse(enc, strlen(enc), &again, err, sizeof(err)) == 0);
	assert(again.n == q.n);
	for (size_t i = 0; i < q.n; i++) {
		assert(strcmp(again.p[i].name, q.p[i].name) == 0);
		assert(strcmp(again.p[i].value, q.p[i].value) == 0);
	}
	if (ronda_api_qs_check(&q, allowed, err, sizeof(err)) == -1)
		assert(strnlen(err, sizeof(err)) < sizeof(err));
	return 0;
}
