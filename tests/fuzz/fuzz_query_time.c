/*
 * fuzz_query_time.c — libFuzzer target for ronda_query_parse_time(), the
 * parser of `ronda --since/--until/--now` and the API's ?since=/?until=:
 * any bytes, with and without a zone. It must never crash, and its error
 * message must be one printable line (it is shown on terminals and in JSON
 * errors): the rejected value appears escaped in it.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = { NULL, "Asia/Makassar" };
	const int64_t now = 1794830400000LL;
	char *s = malloc(size + 1), err[256];
	int64_t v;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		memset(err, 'x', sizeof(err));
		err[sizeof(err) - 1] = '\0';
		if (ronda_query_parse_time(s, now, zones[z], &v, err, sizeof(err)) == 0)
			continue;
		for (const char *p = err; *p != '\0'; p++)
			assert((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
	free(s);
	return 0;
}
