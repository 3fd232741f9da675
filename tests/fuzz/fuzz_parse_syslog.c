/*
 * fuzz_parse_syslog.c — libFuzzer target for the syslog parser. The first
 * byte picks the zone (none, Asia/Jakarta, Europe/Berlin, Australia/Sydney)
 * and the "now" used for year inference (mid-year, New Year's Day, New
 * Year's Eve, 1970); the rest is the line, in a buffer of its exact size.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/event.h"
#include "ronda/parse.h"
#include "ronda/tz.h"

static struct ronda_tz *zones[4];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *names[4] = { NULL, "Asia/Jakarta", "Europe/Berlin",
	    "Australia/Sydney" };
	char err[256];

	(void)argc;
	(void)argv;
	for (int k = 1; k < 4; k++)
		zones[k] = ronda_tz_new(names[k], err, sizeof(err));
	return 0;
}

static void
check_slice(struct ronda_str s, const char *l, size_t n)
{
	if (s.n == 0)
		return;
	assert(s.p >= l && s.p + s.n <= l + n);
}

/*
 * The program is in the line, or the static name of a shape whose lines
 * carry none (vsftpd.log, xferlog).
 */
static void
check_program(struct ronda_str s, const char *l, size_t n)
{
	if ((s.n == 6 && memcmp(s.p, "vsftpd", 6) == 0) ||
	    (s.n == 7 && memcmp(s.p, "xferlog", 7) == 0))
		return;
	check_slice(s, l, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t nows[4] = {
		1783000000000LL,	/* 2026-07-02 */
		1798848000000LL,	/* 2027-01-01 00:00 UTC */
		1798761599000LL,	/* 2026-12-31 23:59:59 UTC */
		0,
	};
	struct ronda_event ev;
	char *line;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	n = size - 1;
	line = malloc(n ? n : 1);
	if (line == NULL)
		return 0;
	memcpy(line, data + 1, n);
	ronda_event_reset(&ev);
	rc = ronda_parse_syslog(&ev, line, n, zones[data[0] & 3], nows[(data[0] >> 2) & 3]);
	assert(rc == 0 || rc == -1);
	assert((rc == -1) == ((ev.flags & RONDA_EVENT_PARSE_ERROR) != 0));
	check_slice(ev.log_host, line, n);
	check_program(ev.program, line, n);
	check_slice(ev.message, line, n);
	assert(ev.pid >= -1);
	free(line);
	return 0;
}
