/*
 * fuzz_tz.c — libFuzzer target for the TZif reader: the input is a zone
 * file (hostile $TZDIR). A file that loads must answer every query for any
 * time without crashing, with offsets inside the range the loader accepts.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/tz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t probes[] = {
		INT64_MIN, -4000000000000LL, -2208988800LL, -1, 0, 1, 1783000000,
		2147483647, 4102444800LL, 7258118400LL, 4000000000000LL, INT64_MAX,
	};
	char err[256];
	struct ronda_tz *tz = ronda_tz_new_from_tzif("Fuzz/Zone", data, size, err,
	    sizeof(err));

	if (tz == NULL) {
		assert(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
		int32_t off = ronda_tz_offset_at(tz, probes[k]);
		const char *a = ronda_tz_abbr_at(tz, probes[k]);
		assert(off >= -168 * 3600 && off <= 168 * 3600);
		assert(a != NULL && strlen(a) < 4096);
		(void)ronda_tz_local_to_utc(tz, probes[k]);
	}
	ronda_tz_free(tz);
	return 0;
}
