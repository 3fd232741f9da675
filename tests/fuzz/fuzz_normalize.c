/*
 * fuzz_normalize.c — libFuzzer target for the request normaliser. The first
 * byte picks the flags (low 3 bits) and whether a small output cap is used;
 * the rest is the field, copied into a buffer of its exact size so ASan sees
 * any read past the end. The output must keep the normaliser's promises:
 * never longer than the input (or the cap), no control bytes, no runs of
 * spaces, no upper case when folding, and for absolute paths no "//",
 * "/./", "/../" or backslash.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/buf.h"
#include "ronda/normalize.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_buf out;
	unsigned flags;
	size_t n, cap;
	char *in;
	int rc;

	if (size < 1)
		return 0;
	flags = data[0] & 7;
	cap = (data[0] & 0x08) ? 1 + (data[0] >> 4) : 0;
	n = size - 1;
	if ((in = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(in, data + 1, n);
	ronda_buf_init(&out, cap);
	rc = ronda_normalize(in, n, flags, &out);
	assert(out.len <= n);
	if (cap == 0)
		assert(rc == 0);
	else
		assert(out.len <= cap && (rc == 0 || out.overflow));
	if (out.len > 0) {
		assert(out.data[out.len] == '\0');
		for (size_t i = 0; i < out.len; i++) {
			unsigned char c = (unsigned char)out.data[i];

			assert(c >= 0x20 && c != 0x7f);
			assert(!(i > 0 && c == ' ' && out.data[i - 1] == ' '));
			if (flags & RONDA_NORM_LOWER)
				assert(!(c >= 'A' && c <= 'Z'));
			if (flags & RONDA_NORM_PATH)
				assert(c != '\\');
		}
		if ((flags & RONDA_NORM_PATH) && out.data[0] == '/') {
			assert(memmem(out.data, out.len, "//", 2) == NULL);
			assert(memmem(out.data, out.len, "/./", 3) == NULL);
			assert(memmem(out.data, out.len, "/../", 4) == NULL);
		}
	}
	ronda_buf_release(&out);
	free(in);
	return 0;
}
