/*
 * fuzz_geo_text.c — libFuzzer target for ronda_geo_clean_text (geo.h): the
 * input is an AS organisation name as a database file holds it (hostile
 * bytes). Whatever they are, the output fits, is valid UTF-8 without control
 * characters, starts and ends with no space, and cleaning it again changes
 * nothing. The first input byte picks the buffer size (1..256).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"

/* Valid UTF-8 (shortest form, no surrogates, <= U+10FFFF), no C0/DEL/C1. */
static void
check_printable(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
		    c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		uint32_t cp;

		assert(len > 0 && i + len <= n);
		assert(len > 1 || (c >= 0x20 && c != 0x7f));
		cp = len == 1 ? c : (uint32_t)(c & (0x7f >> len));
		for (size_t k = 1; k < len; k++) {
			assert((p[i + k] & 0xc0) == 0x80);
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		assert(len < 3 || cp >= (len == 3 ? 0x800u : 0x10000u));
		assert(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff));
		assert(cp < 0x80 || cp >= 0xa0);
		i += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[257], again[257];
	size_t cap, n, m;

	if (size == 0)
		return 0;
	cap = (size_t)data[0] + 1;
	n = ronda_geo_clean_text(out, cap, (const char *)data + 1, size - 1);
	assert(n < cap && out[n] == '\0' && strlen(out) == n);
	check_printable((const unsigned char *)out, n);
	assert(n == 0 || (out[0] != ' ' && out[n - 1] != ' '));
	assert(strstr(out, "  ") == NULL);
	m = ronda_geo_clean_text(again, sizeof(again), out, n);
	assert(m == n && memcmp(again, out, n) == 0);
	return 0;
}
