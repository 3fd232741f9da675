/*
 * fuzz_istream.c — libFuzzer target for the incident stream's records
 * (istream.h): what a stage-1 member (or anyone who can write the topic)
 * put on ronda.incidents. A record decodes or is refused with a reason; a
 * decoded share is re-encoded (its strings are bounded by the struct) and
 * decodes again to the same numbers.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "istream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_istream_rec r, r2;
	char err[256], key[512], *out = NULL;
	size_t len = 0;

	err[0] = '\0';
	if (ronda_istream_decode((const char *)data, size, &r, err, sizeof(err)) == -1) {
		assert(err[0] != '\0');
		return 0;
	}
	if (r.type == RONDA_ISTREAM_SHARE) {
		/* The share's id is taken as sent; the encoder recomputes the incident's. */
		if (ronda_istream_share(&r.inc, r.version, r.clock, &out, &len, key,
		    sizeof(key)) == 0) {
			assert(ronda_istream_decode(out, len, &r2, err, sizeof(err)) == 0);
			assert(r2.inc.event_count == r.inc.event_count);
			assert(r2.inc.part == r.inc.part);
			assert(r2.version == r.version);
			ronda_istream_rec_clear(&r2);
			free(out);
		}
	} else if (r.type == RONDA_ISTREAM_POSITION) {
		if (ronda_istream_position(r.topic, &r.off, &out, &len, key, sizeof(key)) == 0) {
			assert(ronda_istream_decode(out, len, &r2, err, sizeof(err)) == 0);
			assert(r2.off.next_offset == r.off.next_offset);
			free(out);
		}
	}
	ronda_istream_rec_clear(&r);
	return 0;
}
