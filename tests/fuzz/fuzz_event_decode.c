/* libFuzzer target: the correlator's event decoder on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ronda_cevent ev;
	char err[160];
	int rc = ronda_cevent_decode((const char *)data, size, 1 << 20, &ev, err, sizeof(err));

	/* Whatever the input: every kept string is terminated within its buffer. */
	if (rc == RONDA_CEVENT_OK) {
		if (memchr(ev.site, '\0', sizeof(ev.site)) == NULL ||
		    memchr(ev.host, '\0', sizeof(ev.host)) == NULL ||
		    ev.host_unlisted != 0 ||
		    memchr(ev.original, '\0', sizeof(ev.original)) == NULL ||
		    ev.nrules > RONDA_CEVENT_RULES)
			__builtin_trap();
	}
	if (memchr(err, '\0', sizeof(err)) == NULL)
		__builtin_trap();
	return 0;
}
