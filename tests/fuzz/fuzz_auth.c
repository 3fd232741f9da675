/*
 * fuzz_auth.c — libFuzzer target for the auth decoders (the shipped set,
 * rules/auth/ under $RONDA_SRC or the current folder). The first
 * byte picks the program (low 4 bits) or, with 0x80 set, feeds the rest as a
 * whole syslog line through ronda_parse_syslog first. The message is a
 * buffer of its exact size so ASan sees any read past the end. Every slice
 * set must lie inside the message, a source.ip must be an address
 * inet_pton accepts, a source.domain a host name, and a line that is not
 * classified leaves the auth fields untouched.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/auth.h"
#include "ronda/event.h"
#include "ronda/parse.h"
#include "ronda/rules.h"

static struct ronda_ruleset *shipped;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ronda_cfg_errors errs = { 0 };
	const char *src = getenv("RONDA_SRC");
	char dir[4096];
	char *v[1] = { dir };
	struct ronda_strlist paths = { v, 1 };

	(void)argc;
	(void)argv;
	/* The decoders only: compiling the web rules too cost ~50 s per start in this build. */
	snprintf(dir, sizeof(dir), "%s/rules/auth", src ? src : ".");
	shipped = ronda_rules_load(&paths, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	ronda_cfg_errors_free(&errs);
	if (shipped == NULL)
		abort();
	return 0;
}

static const char *const progs[] = {
	"sshd", "sshd-session", "sudo", "su", "vsftpd", "proftpd", "pure-ftpd",
	"dropbear", "CRON", "", "sshd", "sshd", "sudo", "su", "dropbear", "proftpd",
};

static void
check_inside(struct ronda_str s, const char *m, size_t n)
{
	if (s.n == 0)
		return;
	assert(s.p >= m && s.p + s.n <= m + n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_event ev;
	char *buf;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	n = size - 1;
	if ((buf = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(buf, data + 1, n);
	ronda_event_reset(&ev);
	if (data[0] & 0x80) {
		ronda_parse_syslog(&ev, buf, n, NULL, 1795000000000LL);
	} else {
		const char *p = progs[data[0] & 15];

		ev.program = (struct ronda_str){ p, strlen(p) };
		ev.message = (struct ronda_str){ buf, n };
	}
	rc = ronda_auth_classify(ronda_rules_decoders(shipped), &ev);
	if (rc == 0) {
		assert(ev.action == NULL && ev.outcome == NULL && ev.auth_method == NULL);
		assert(ev.user_name.n == 0 && ev.source_ip.n == 0 && ev.source_port == 0);
		assert(ev.source_domain.n == 0 && ev.decoder == NULL);
	} else {
		assert(rc == 1 && ev.action != NULL && ev.outcome != NULL);
		assert(strcmp(ev.outcome, "success") == 0 || strcmp(ev.outcome, "failure") == 0 ||
		    strcmp(ev.outcome, "unknown") == 0);
		assert(ev.decoder != NULL);
		/* user.name is a slice of the message or a decoder's fixed name. */
		if (ev.user_name.n > 0 &&
		    !(ev.user_name.p >= buf && ev.user_name.p + ev.user_name.n <= buf + n))
			assert(ev.user_name.n <= 64);
		check_inside(ev.source_ip, buf, n);
		check_inside(ev.source_domain, buf, n);
		assert(ev.source_ip.n == 0 || ev.source_domain.n == 0);
		for (size_t i = 0; i < ev.source_domain.n; i++) {
			char c = ev.source_domain.p[i];
			assert((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_');
		}
		assert(ev.source_port >= 0 && ev.source_port <= 65535);
		if (ev.source_ip.n > 0) {
			char tmp[64];
			unsigned char bin[16];

			assert(ev.source_ip.n < sizeof(tmp));
			memcpy(tmp, ev.source_ip.p, ev.source_ip.n);
			tmp[ev.source_ip.n] = '\0';
			assert(inet_pton(AF_INET, tmp, bin) == 1 ||
			    inet_pton(AF_INET6, tmp, bin) == 1);
		}
	}
	free(buf);
	return 0;
}
