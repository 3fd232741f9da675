/*
 * fuzz_auth.c — libFuzzer target for the auth-message classifier. The first
 * byte picks the program (low 4 bits) or, with 0x80 set, feeds the rest as a
 * whole syslog line through ronda_parse_syslog first. The message is a
 * buffer of its exact size so ASan sees any read past the end. Every slice
 * set must lie inside the message (user.name may also be a static literal),
 * a source.ip must be an address inet_pton accepts, and a line that is not
 * classified leaves the auth fields untouched.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/auth.h"
#include "ronda/event.h"
#include "ronda/parse.h"

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
	rc = ronda_auth_classify(&ev);
	if (rc == 0) {
		assert(ev.action == NULL && ev.outcome == NULL && ev.auth_method == NULL);
		assert(ev.user_name.n == 0 && ev.source_ip.n == 0 && ev.source_port == 0);
	} else {
		assert(rc == 1 && ev.action != NULL && ev.outcome != NULL);
		assert(strcmp(ev.outcome, "success") == 0 || strcmp(ev.outcome, "failure") == 0 ||
		    strcmp(ev.outcome, "unknown") == 0);
		if (!(ev.user_name.n == 4 && memcmp(ev.user_name.p, "root", 4) == 0))
			check_inside(ev.user_name, buf, n);
		check_inside(ev.source_ip, buf, n);
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
