/*
 * fuzz_marker_load.c — libFuzzer target for the web-root marker loader: the
 * input is one marker file (YAML). Whatever it holds, loading must either
 * fail with at least one message naming the file (or the set), or give a
 * set whose markers all passed their own tests; a set that loaded is then
 * used on its own input, as content and as a path, so the compiled
 * databases, the excerpt re-run and the link scanner are exercised too.
 * Inputs are capped: Hyperscan compile time grows with pattern size, and
 * the loader's own caps are tested by the unit tests.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "marker.h"

#define FUZZ_MAX 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_markers *m;
	char *text;

	if (size > FUZZ_MAX)
		return 0;
	/* Exact-size copy so ASan sees any read past the end. */
	text = malloc(size ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	m = ronda_markers_load_string("fuzz.yaml", text, size, &errs);
	if (m == NULL) {
		assert(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++)
			assert(strncmp(errs.v[i], "fuzz.yaml", 9) == 0 ||
			    strncmp(errs.v[i], "markers:", 8) == 0);
	} else {
		struct ronda_marker_result r;
		char path[256], err[256];
		size_t pl = size < sizeof(path) - 1 ? size : sizeof(path) - 1;
		int rc;

		assert(errs.n == 0);
		assert(ronda_markers_count(m) > 0);
		memcpy(path, text, pl);
		path[pl] = '\0';
		rc = ronda_markers_scan(m, path, (const unsigned char *)text, size, size,
		    "example.go.id", &r, err, sizeof(err));
		assert(rc >= 0 && rc == r.nhits + r.nmore);
		assert(r.nhits <= RONDA_MARKER_HITS && r.ndomains <= RONDA_MARKER_DOMAINS);
		for (int i = 0; i < r.nhits; i++)
			assert(r.hits[i].excerpt_len <= RONDA_MARKER_EXCERPT);
	}
	ronda_markers_free(m);
	ronda_cfg_errors_free(&errs);
	free(text);
	return 0;
}
