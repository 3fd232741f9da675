/*
 * fuzz_bots_load.c — libFuzzer target for ronda_bots_load (bots.h): the
 * input is a crawlers' ranges file (an operator's file, but built from
 * downloaded lists). It loads or is refused with "path:line: ..."; a loaded
 * set answers ronda_bots_verify for a few agents and addresses without
 * reading past anything.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static const char *const agents[] = {
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0)", "curl/8.0", "",
	};
	unsigned char a[16];
	char err[512];
	struct ronda_bots *b;
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz-bots-%d.txt", (int)getpid());
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	b = ronda_bots_load(path, err, sizeof(err));
	if (b == NULL) {
		assert(strncmp(err, path, strlen(path)) == 0 || strcmp(err, "out of memory") == 0);
		return 0;
	}
	for (size_t i = 0; i < sizeof(agents) / sizeof(agents[0]); i++) {
		memset(a, 0, sizeof(a));
		for (size_t k = 0; k < sizeof(a) && k < size; k++)
			a[k] = data[size - 1 - k];
		int v4 = ronda_bots_verify(b, agents[i], 4, a);
		int v6 = ronda_bots_verify(b, agents[i], 6, a);
		assert(v4 >= -1 && v4 <= 1 && v6 >= -1 && v6 <= 1);
	}
	ronda_bots_free(b);
	return 0;
}
