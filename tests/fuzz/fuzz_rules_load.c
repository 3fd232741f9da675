/*
 * fuzz_rules_load.c — libFuzzer target for the rule loader: the input is one
 * rule file (YAML). Whatever it holds, loading must either fail with at least
 * one "file:line: ..." message or give a set whose rules all passed their own
 * tests; a set that loaded is then used once, matching its own input as a
 * request, so the compiled databases and the scratch are exercised too.
 * Inputs are capped: Hyperscan compile time grows with pattern size, and the
 * loader's own caps are tested by the unit tests.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/rules.h"

#define FUZZ_MAX 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs;
	struct ronda_event ev;
	char *text;

	if (size > FUZZ_MAX)
		return 0;
	/* Exact-size copy so ASan sees any read past the end. */
	text = malloc(size ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	rs = ronda_rules_load_string("fuzz.yaml", text, size, &errs);
	if (rs == NULL) {
		assert(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++)
			assert(strncmp(errs.v[i], "fuzz.yaml", 9) == 0 || strstr(errs.v[i], "rules:") != NULL);
	} else {
		assert(errs.n == 0);
		for (int type = RONDA_EVENT_WEB; type <= RONDA_EVENT_AUTH; type++) {
			ronda_event_reset(&ev);
			ev.type = type;
			ev.path = (struct ronda_str){ text, size };
			ev.query = ev.path;
			ev.url = ev.path;
			ev.user_agent = ev.path;
			ev.referrer = ev.path;
			ev.method = (struct ronda_str){ text, size < 8 ? size : 8 };
			ev.message = ev.path;
			ev.user_name = ev.path;
			ronda_rules_match(rs, &ev);
			assert(ev.nrules <= RONDA_EVENT_MAX_RULES);
		}
	}
	ronda_rules_free(rs);
	ronda_cfg_errors_free(&errs);
	free(text);
	return 0;
}
