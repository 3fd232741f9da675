/*
 * fuzz_decoders_load.c — libFuzzer target for the auth decoder loader: the
 * input is a decoder file (YAML; "decoders:" is put in front when the input
 * does not start with it, so the fuzzer spends its time inside decoders).
 * Loading must either fail with at least one "file:line: ..." message or
 * give a set whose decoders all passed their own tests; a set that loaded
 * then decodes the input itself as a message from a few programs, so the
 * prefilter database, the PCRE2 patterns and the captures are exercised.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/auth.h"
#include "ronda/rules.h"

#define FUZZ_MAX 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "decoders:\n";
	static const char *const progs[] = { "sshd", "demod", "", "x" };
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs;
	char *text;
	size_t n = size, off = 0;

	if (size > FUZZ_MAX)
		return 0;
	if (size < sizeof(head) - 1 || memcmp(data, head, sizeof(head) - 1) != 0)
		off = sizeof(head) - 1;
	n = off + size;
	/* Exact-size copy so ASan sees any read past the end. */
	if ((text = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(text, head, off);
	memcpy(text + off, data, size);
	rs = ronda_rules_load_string("fuzz.yaml", text, n, &errs);
	if (rs == NULL) {
		assert(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++)
			assert(strncmp(errs.v[i], "fuzz.yaml", 9) == 0);
	} else {
		struct ronda_decoders *d = ronda_rules_decoders(rs);

		assert(errs.n == 0);
		for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
			struct ronda_event ev;

			ronda_event_reset(&ev);
			ev.type = RONDA_EVENT_AUTH;
			ev.program = (struct ronda_str){ progs[p], strlen(progs[p]) };
			ev.message = (struct ronda_str){ text, n };
			if (ronda_auth_classify(d, &ev)) {
				assert(ev.action != NULL && ev.outcome != NULL && ev.decoder != NULL);
				assert(ev.source_ip.n == 0 || (ev.source_ip.p >= text &&
				    ev.source_ip.p + ev.source_ip.n <= text + n));
				assert(ev.source_domain.n == 0 || (ev.source_domain.p >= text &&
				    ev.source_domain.p + ev.source_domain.n <= text + n));
			}
		}
	}
	ronda_rules_free(rs);
	ronda_cfg_errors_free(&errs);
	free(text);
	return 0;
}
