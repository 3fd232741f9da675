#include "ronda/auth.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

/*
 * Auth-log classifier. Every field it sets is a slice of ev->message (or a
 * static string), so it allocates nothing and copies nothing.
 *
 * Much of a message is attacker-chosen: the user name an SSH client sends,
 * the banner of a scanner, the FTP USER argument, su's target. The rules
 * therefore anchor on the fixed text around those fields, and parse the
 * daemon's own tail from the right: in
 *   "Failed password for invalid user x from 6.6.6.6 port 1 from 1.2.3.4 port 22 ssh2"
 * the user is "x from 6.6.6.6 port 1" and the source is 1.2.3.4. An address
 * is only taken when inet_pton() accepts it (IPv4 or IPv6; "::ffff:a.b.c.d"
 * is reported as the IPv4 address), never a host name.
 *
 * event.action values (outcome in brackets: s = success, f = failure,
 * u = unknown):
 *
 *   action                   outcome  what
 *   ssh_login_failed         f   sshd "Failed <method> for [invalid user] U from IP port N ssh2";
 *                                dropbear "Bad password attempt for 'U' from IP:N"
 *   ssh_login_succeeded      s   sshd "Accepted <method> for U from IP port N ssh2[: key]";
 *                                dropbear "Password/Pubkey auth succeeded for 'U' ..."
 *   ssh_invalid_user         f   "Invalid user U from IP [port N]",
 *                                "input_userauth_request: invalid user U [preauth]",
 *                                dropbear "Login attempt for nonexistent user 'U' from IP:N"
 *   ssh_user_denied          f   "User U from IP not allowed because ...", "ROOT LOGIN REFUSED FROM IP"
 *   ssh_preauth_disconnect   f/u "Connection closed|reset by [authenticating|invalid user U] IP port N [preauth]",
 *                                "Disconnected from [authenticating|invalid user U] IP port N [preauth]",
 *                                "Received disconnect from IP [port N]:C: ... [preauth]",
 *                                "Disconnecting invalid user U IP port N: ... [preauth]",
 *                                "Timeout before authentication for IP port N",
 *                                dropbear "Exit before auth from <IP:N>: ...";
 *                                failure when a user was being authenticated or
 *                                the client gave up on authentication, else unknown
 *   ssh_logout               s   "Disconnected from user U IP port N" (a normal session end)
 *   ssh_max_auth_tries       f   "maximum authentication attempts exceeded for U from IP port N ssh2",
 *                                "Disconnecting [authenticating user U IP port N]: Too many authentication failures",
 *                                dropbear "Exit before auth ...: Max auth tries reached"
 *   ssh_scan_kex_error       f   "Unable to negotiate with IP port N: no matching ...",
 *                                "kex_exchange_identification: ...", "ssh_exchange_identification: ...",
 *                                "kex protocol error: ...",
 *                                "ssh_dispatch_run_fatal: Connection from IP port N: ..."
 *   ssh_scan_banner          f   "Bad protocol version identification '...' from IP port N",
 *                                "Did not receive identification string from IP [port N]",
 *                                "banner exchange: Connection from IP port N: invalid format",
 *                                "Protocol major versions differ for IP port N: ..."
 *   ssh_break_in_attempt     u   "... POSSIBLE BREAK-IN ATTEMPT!" (reverse DNS mismatch)
 *   ssh_connect_refused      f   tcp_wrappers "refused connect from HOST (IP)"
 *   pam_auth_failed          f   "pam_X(svc:auth): authentication failure; ... rhost=H  user=U"
 *                                (and the old "svc(pam_unix)[pid]: authentication failure; ...")
 *   pam_repeated_failures    f   "PAM N more authentication failures; ... rhost=H  user=U"
 *   sudo_command             s   "U : TTY=pts/0 ; PWD=... ; USER=root ; COMMAND=..."
 *   sudo_auth_failed         f   "U : N incorrect password attempts ; ..."
 *   sudo_not_in_sudoers      f   "U : user NOT in sudoers ; ..."
 *   sudo_command_denied      f   "U : command not allowed ; ...", "U : user NOT authorized on host ; ..."
 *   su_failed                f   "FAILED su for T by U", "FAILED SU (to T) U on TTY", "- TTY U:T"
 *   su_succeeded             s   "Successful su for T by U", "(to T) U on TTY", "+ TTY U:T"
 *   ftp_login_failed         f   vsftpd "[U] FAIL LOGIN: Client \"IP\"", proftpd "USER U (Login failed): ...",
 *                                pure-ftpd "(?@IP) [WARNING] Authentication failed for user [U]"
 *   ftp_login_succeeded      s   vsftpd "[U] OK LOGIN: ...", proftpd "USER U: Login successful.",
 *                                pure-ftpd "(?@IP) [INFO] U is now logged in"
 *   ftp_invalid_user         f   proftpd "USER U: no such user found from ..."
 *   ftp_max_auth_tries       f   proftpd "Maximum login attempts (N) exceeded"
 *
 * user.name is the account whose password was tried: the target for su,
 * the invoking user for sudo (sudo asks for the caller's own password).
 */

#define A_OK "success"
#define A_FAIL "failure"
#define A_UNKNOWN "unknown"

struct auth_res {
	const char *action;
	const char *outcome;
	const char *method;
	struct ronda_str user;
	struct ronda_str ip;
	int port;
};

/* Slice helpers: all bounded by the slice, none needs a NUL. */

static struct ronda_str
mk(const char *p, size_t n)
{
	struct ronda_str s = { p, n };

	return s;
}

static int
starts(struct ronda_str s, const char *lit)
{
	size_t l = strlen(lit);

	return s.n >= l && memcmp(s.p, lit, l) == 0;
}

/* Drop the prefix lit from *s when it is there. */
static int
eat(struct ronda_str *s, const char *lit)
{
	size_t l = strlen(lit);

	if (s->n < l || memcmp(s->p, lit, l) != 0)
		return 0;
	s->p += l;
	s->n -= l;
	return 1;
}

/* Drop the suffix lit from *s when it is there. */
static int
eat_tail(struct ronda_str *s, const char *lit)
{
	size_t l = strlen(lit);

	if (s->n < l || memcmp(s->p + s->n - l, lit, l) != 0)
		return 0;
	s->n -= l;
	return 1;
}

static void
trim(struct ronda_str *s)
{
	while (s->n > 0 && (s->p[0] == ' ' || s->p[0] == '\t')) {
		s->p++;
		s->n--;
	}
	while (s->n > 0 && (s->p[s->n - 1] == ' ' || s->p[s->n - 1] == '\t' ||
	    s->p[s->n - 1] == '\r' || s->p[s->n - 1] == '\n'))
		s->n--;
}

/* Offset of the first lit in s at or after from, or -1. */
static long
find(struct ronda_str s, size_t from, const char *lit)
{
	size_t l = strlen(lit);
	const char *hit;

	if (from > s.n || s.n - from < l)
		return -1;
	hit = memmem(s.p + from, s.n - from, lit, l);
	return hit == NULL ? -1 : (long)(hit - s.p);
}

/* Offset of the last lit that ends at or before end, or -1. */
static long
rfind(struct ronda_str s, size_t end, const char *lit)
{
	size_t l = strlen(lit);

	if (end > s.n)
		end = s.n;
	if (end < l)
		return -1;
	for (size_t i = end - l + 1; i-- > 0;)
		if (s.p[i] == lit[0] && memcmp(s.p + i, lit, l) == 0)
			return (long)i;
	return -1;
}

static struct ronda_str
sub(struct ronda_str s, size_t from, size_t to)
{
	return mk(s.p + from, to - from);
}

/* A decimal port (0..65535) filling all of s; -1 if it is not one. */
static int
port_of(struct ronda_str s)
{
	int v = 0;

	if (s.n == 0 || s.n > 5)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	return v <= 65535 ? v : -1;
}

/*
 * 1 when s is an IPv4 or IPv6 address; *ip is set to it ("::ffff:1.2.3.4"
 * becomes "1.2.3.4", "[::1]" becomes "::1").
 */
static int
ip_of(struct ronda_str s, struct ronda_str *ip)
{
	char tmp[INET6_ADDRSTRLEN];
	unsigned char bin[16];

	if (s.n >= 2 && s.p[0] == '[' && s.p[s.n - 1] == ']')
		s = mk(s.p + 1, s.n - 2);
	if (s.n == 0 || s.n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	if (inet_pton(AF_INET, tmp, bin) == 1) {
		*ip = s;
		return 1;
	}
	if (inet_pton(AF_INET6, tmp, bin) != 1)
		return 0;
	if (s.n > 7 && strncasecmp(tmp, "::ffff:", 7) == 0 &&
	    inet_pton(AF_INET, tmp + 7, bin) == 1)
		s = mk(s.p + 7, s.n - 7);
	*ip = s;
	return 1;
}

/* Strip a trailing " port N" from *s; the port, or 0 if there is none. */
static int
eat_port(struct ronda_str *s)
{
	long k = rfind(*s, s->n, " port ");
	int port;

	if (k < 0 || (port = port_of(sub(*s, (size_t)k + 6, s->n))) < 0)
		return 0;
	s->n = (size_t)k;
	return port;
}

/*
 * "HEAD from IP" or "HEAD from IP port N" filling s: the address is after
 * the last " from ". Sets *head and r->ip/port; 0 if the tail is not that.
 */
static int
from_ip_tail(struct ronda_str s, struct ronda_str *head, struct auth_res *r)
{
	int port = eat_port(&s);
	long k = rfind(s, s.n, " from ");

	if (k < 0 || !ip_of(sub(s, (size_t)k + 6, s.n), &r->ip))
		return 0;
	r->port = port;
	*head = sub(s, 0, (size_t)k);
	return 1;
}

/*
 * "HEAD IP port N" or "HEAD IP" (sshd's "user U 1.2.3.4 port 5"): the
 * address is the last word. HEAD may be empty.
 */
static int
ip_port_tail(struct ronda_str s, struct ronda_str *head, struct auth_res *r)
{
	int port = eat_port(&s);
	long k = rfind(s, s.n, " ");
	size_t start = k < 0 ? 0 : (size_t)k + 1;

	if (!ip_of(sub(s, start, s.n), &r->ip))
		return 0;
	r->port = port;
	*head = sub(s, 0, k < 0 ? 0 : (size_t)k);
	return 1;
}

/*
 * The address that starts s and ends at the first " port N", ": " or the
 * end ("1.2.3.4 port 5: ...", "1.2.3.4: 11: ...", "2001:db8::1 port 5").
 */
static int
lead_ip(struct ronda_str s, struct auth_res *r)
{
	long sp = find(s, 0, " "), co = find(s, 0, ": ");
	size_t end = s.n;

	if (sp >= 0)
		end = (size_t)sp;
	if (co >= 0 && (size_t)co < end)
		end = (size_t)co;
	if (!ip_of(sub(s, 0, end), &r->ip))
		return 0;
	s = sub(s, end, s.n);
	if (eat(&s, " port ")) {
		size_t d = 0;

		while (d < s.n && d < 6 && s.p[d] >= '0' && s.p[d] <= '9')
			d++;
		r->port = port_of(sub(s, 0, d));
		if (r->port < 0)
			r->port = 0;
	}
	return 1;
}

static const char *
method_of(struct ronda_str m)
{
	static const struct {
		const char *name;
		const char *method;
	} tab[] = {
		{ "password", "password" },
		{ "publickey", "publickey" },
		{ "keyboard-interactive", "keyboard-interactive" },
		{ "none", "none" },
		{ "hostbased", "hostbased" },
		{ "gssapi", "gssapi" },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (starts(m, tab[i].name))
			return tab[i].method;
	return "other";
}

/*
 * After "ssh2" in an Accepted/Failed line: nothing, or ": TYPE HASH:..."
 * (": RSA SHA256:...", ": ED25519-CERT SHA256:... ID ..."). Anything else
 * means this " port N ssh2" was inside an attacker-chosen field.
 */
static int
key_info_ok(struct ronda_str t)
{
	size_t i = 0;
	int cert;

	if (t.n == 0)
		return 1;
	if (!eat(&t, ": "))
		return 0;
	while (i < t.n && ((t.p[i] >= 'A' && t.p[i] <= 'Z') ||
	    (t.p[i] >= '0' && t.p[i] <= '9') || t.p[i] == '-'))
		i++;
	if (i == 0 || i >= t.n || t.p[i] != ' ')
		return 0;
	cert = i > 5 && memcmp(t.p + i - 5, "-CERT", 5) == 0;
	t = sub(t, i + 1, t.n);
	if (!eat(&t, "SHA256:") && !eat(&t, "MD5:"))
		return 0;
	if (cert)
		return 1;	/* " ID <key id> (serial N) CA ..." follows */
	/* A plain key: the fingerprint (base64 or hex pairs) ends the line. */
	for (i = 0; i < t.n; i++) {
		char c = t.p[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=' || c == ':'))
			return 0;
	}
	return 1;
}

/*
 * "U from IP port N ssh2[: key]" (what follows "Failed password for "):
 * the rightmost " port N ssh2" whose tail is sshd's own and whose address
 * is valid. Sets *user (without "invalid user ") and r->ip/port.
 * The " from " before each candidate is remembered between candidates, so
 * a message packed with fake tails is still scanned in linear time.
 */
static int
ssh_auth_tail(struct ronda_str s, struct ronda_str *user, struct auth_res *r)
{
	size_t end = s.n;
	long k, f = -1;
	int f_known = 0;

	while ((k = rfind(s, end, " port ")) >= 0) {
		struct ronda_str t = sub(s, (size_t)k + 6, s.n);
		size_t d = 0;
		int port;

		end = (size_t)k + 5;	/* next candidate ends before this one */
		while (d < t.n && d < 6 && t.p[d] >= '0' && t.p[d] <= '9')
			d++;
		if ((port = port_of(sub(t, 0, d))) < 0)
			continue;
		t = sub(t, d, t.n);
		if (!eat(&t, " ssh2") && !eat(&t, " ssh1"))
			continue;
		if (!key_info_ok(t))
			continue;
		/* The rightmost " from " ending at or before k. */
		if (!f_known || (f >= 0 && (size_t)f + 6 > (size_t)k)) {
			f = rfind(s, (size_t)k, " from ");
			f_known = 1;
		}
		if (f < 0)
			return 0;
		if (!ip_of(sub(s, (size_t)f + 6, (size_t)k), &r->ip))
			continue;
		r->port = port;
		*user = sub(s, 0, (size_t)f);
		eat(user, "invalid user ");
		return 1;
	}
	return 0;
}

static int
set(struct auth_res *r, const char *action, const char *outcome)
{
	r->action = action;
	r->outcome = outcome;
	return 1;
}

/* "authenticating user U " / "invalid user U " / "user U " prefixes. */
static int
eat_user_kind(struct ronda_str *s, int *valid_session)
{
	*valid_session = 0;
	if (eat(s, "authenticating user ") || eat(s, "invalid user "))
		return 1;
	if (eat(s, "user ")) {
		*valid_session = 1;
		return 1;
	}
	return 0;
}

static int
classify_sshd(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s, head;
	long k;
	int preauth, session;

	if (eat(&m, "error: ") == 0)
		eat(&m, "fatal: ");
	trim(&m);
	preauth = eat_tail(&m, " [preauth]");
	trim(&m);

	s = m;
	if (eat(&s, "Failed ") || eat(&s, "Accepted ")) {
		int ok = m.p[0] == 'A';

		if ((k = find(s, 0, " for ")) < 0 || find(sub(s, 0, (size_t)k), 0, " ") >= 0)
			return 0;
		r->method = method_of(sub(s, 0, (size_t)k));
		if (!ssh_auth_tail(sub(s, (size_t)k + 5, s.n), &r->user, r))
			return 0;
		return ok ? set(r, "ssh_login_succeeded", A_OK) :
		    set(r, "ssh_login_failed", A_FAIL);
	}
	if (eat(&s, "maximum authentication attempts exceeded for ")) {
		if (!ssh_auth_tail(s, &r->user, r))
			return 0;
		return set(r, "ssh_max_auth_tries", A_FAIL);
	}
	if (eat(&s, "Invalid user ")) {
		if (!from_ip_tail(s, &r->user, r))
			return 0;
		return set(r, "ssh_invalid_user", A_FAIL);
	}
	if (eat(&s, "input_userauth_request: invalid user ")) {
		r->user = s;
		return set(r, "ssh_invalid_user", A_FAIL);
	}
	if (eat(&s, "Connection closed by ") || eat(&s, "Connection reset by ") ||
	    eat(&s, "Disconnected from ")) {
		if (eat_user_kind(&s, &session)) {
			if (!ip_port_tail(s, &r->user, r))
				return 0;
			if (session && !preauth)
				return set(r, "ssh_logout", A_OK);
			return set(r, "ssh_preauth_disconnect", A_FAIL);
		}
		if (!preauth || !ip_port_tail(s, &head, r) || head.n != 0)
			return 0;
		return set(r, "ssh_preauth_disconnect", A_UNKNOWN);
	}
	if (eat(&s, "Received disconnect from ")) {
		if (!preauth || !lead_ip(s, r))
			return 0;
		if (find(s, 0, "No more user authentication methods") >= 0 ||
		    find(s, 0, "Auth fail") >= 0)
			return set(r, "ssh_preauth_disconnect", A_FAIL);
		return set(r, "ssh_preauth_disconnect", A_UNKNOWN);
	}
	if (eat(&s, "Disconnecting")) {
		if (eat(&s, ": Too many authentication failures")) {
			/* Old form: "...failures for root" or nothing. */
			if (eat(&s, " for ") || eat(&s, " for invalid user "))
				r->user = s;
			return set(r, "ssh_max_auth_tries", A_FAIL);
		}
		if (!eat(&s, " ") || !eat_user_kind(&s, &session))
			return 0;
		/* "U IP port N: reason": the reason is sshd's, the rightmost ": " after a port. */
		for (size_t end = s.n; (k = rfind(s, end, ": ")) >= 0; end = (size_t)k + 1) {
			struct ronda_str reason = sub(s, (size_t)k + 2, s.n);
			size_t d = (size_t)k;

			/* Only a ": " right after " port N" can be sshd's. */
			while (d > 0 && (size_t)k - d < 6 && s.p[d - 1] >= '0' && s.p[d - 1] <= '9')
				d--;
			if (d == (size_t)k || d < 6 || memcmp(s.p + d - 6, " port ", 6) != 0)
				continue;
			if (!ip_port_tail(sub(s, 0, (size_t)k), &r->user, r) || r->port == 0)
				continue;
			if (starts(reason, "Too many authentication failures"))
				return set(r, "ssh_max_auth_tries", A_FAIL);
			return set(r, "ssh_preauth_disconnect", A_FAIL);
		}
		return 0;
	}
	if (eat(&s, "Timeout before authentication for ")) {
		if (!lead_ip(s, r))
			return 0;
		return set(r, "ssh_preauth_disconnect", A_UNKNOWN);
	}
	if (eat(&s, "Unable to negotiate with ")) {
		if (!lead_ip(s, r))
			return 0;
		return set(r, "ssh_scan_kex_error", A_FAIL);
	}
	if (eat(&s, "ssh_dispatch_run_fatal: Connection from ")) {
		/* "...: Connection from IP port N: message authentication code incorrect" */
		if (!lead_ip(s, r))
			return 0;
		return set(r, "ssh_scan_kex_error", A_FAIL);
	}
	if (starts(s, "kex_exchange_identification: ") ||
	    starts(s, "ssh_exchange_identification: ") ||
	    starts(s, "kex protocol error: "))
		return set(r, "ssh_scan_kex_error", A_FAIL);
	if (eat(&s, "Bad protocol version identification ")) {
		if (!from_ip_tail(s, &head, r))
			return 0;
		return set(r, "ssh_scan_banner", A_FAIL);
	}
	if (eat(&s, "Did not receive identification string from ") ||
	    eat(&s, "banner exchange: Connection from ") ||
	    eat(&s, "Protocol major versions differ for ")) {
		if (!lead_ip(s, r))
			return 0;
		return set(r, "ssh_scan_banner", A_FAIL);
	}
	if (eat(&s, "User ")) {
		/* "User U from IP not allowed because not listed in AllowUsers" */
		if ((k = rfind(s, s.n, " not allowed because ")) < 0 ||
		    !from_ip_tail(sub(s, 0, (size_t)k), &r->user, r))
			return 0;
		return set(r, "ssh_user_denied", A_FAIL);
	}
	if (eat(&s, "ROOT LOGIN REFUSED FROM ")) {
		if (!lead_ip(s, r))
			return 0;
		r->user = RONDA_STR_LIT("root");
		return set(r, "ssh_user_denied", A_FAIL);
	}
	if (eat(&s, "refused connect from ")) {
		/* tcp_wrappers: "refused connect from HOST (IP)" */
		if (!eat_tail(&s, ")") || (k = rfind(s, s.n, "(")) < 0 ||
		    !ip_of(sub(s, (size_t)k + 1, s.n), &r->ip))
			return 0;
		return set(r, "ssh_connect_refused", A_FAIL);
	}
	if ((k = find(m, 0, "POSSIBLE BREAK-IN ATTEMPT")) >= 0) {
		long b, e;

		s = m;
		if (eat(&s, "Address ") && (e = find(s, 0, " ")) >= 0)
			ip_of(sub(s, 0, (size_t)e), &r->ip);
		else if ((e = rfind(m, (size_t)k, "] failed")) >= 0 &&
		    (b = rfind(m, (size_t)e, "[")) >= 0)
			ip_of(sub(m, (size_t)b + 1, (size_t)e), &r->ip);
		return set(r, "ssh_break_in_attempt", A_UNKNOWN);
	}
	return 0;
}

/*
 * PAM, from any program: "pam_unix(sshd:auth): authentication failure;
 * logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root" and
 * sshd's "PAM 2 more authentication failures; ...". The user is the last
 * field (parsed from the right); rhost the first rhost= after the fixed
 * fields. rhost may be a host name: then there is no source.ip.
 */
static int
classify_pam(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s = m;
	const char *action;
	long k;

	if (starts(s, "pam_")) {
		/* "pam_unix(sshd:auth): " */
		if ((k = find(s, 0, "): ")) < 0 || k > 64)
			return 0;
		s = sub(s, (size_t)k + 3, s.n);
	}
	if (starts(s, "authentication failure; "))
		action = "pam_auth_failed";
	else if (starts(s, "PAM ") && (k = find(s, 4, " more authentication failure")) >= 0 &&
	    k <= 14)
		action = "pam_repeated_failures";
	else
		return 0;
	trim(&s);
	if ((k = rfind(s, s.n, " user=")) >= 0) {
		r->user = sub(s, (size_t)k + 6, s.n);
		s.n = (size_t)k;
	}
	if ((k = find(s, 0, " rhost=")) >= 0) {
		struct ronda_str h = sub(s, (size_t)k + 7, s.n);
		long e = find(h, 0, " ");

		if (e >= 0)
			h.n = (size_t)e;
		ip_of(h, &r->ip);
	}
	r->method = "password";
	return set(r, action, A_FAIL);
}

static int
classify_sudo(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s;
	long k;

	trim(&m);
	if ((k = find(m, 0, " : ")) <= 0)
		return 0;
	r->user = sub(m, 0, (size_t)k);
	s = sub(m, (size_t)k + 3, m.n);
	r->method = "password";
	k = 0;
	while ((size_t)k < s.n && s.p[k] >= '0' && s.p[k] <= '9')
		k++;
	if (k > 0 && starts(sub(s, (size_t)k, s.n), " incorrect password attempt"))
		return set(r, "sudo_auth_failed", A_FAIL);
	if (starts(s, "user NOT in sudoers"))
		return set(r, "sudo_not_in_sudoers", A_FAIL);
	if (starts(s, "command not allowed") || starts(s, "user NOT authorized on host"))
		return set(r, "sudo_command_denied", A_FAIL);
	if ((starts(s, "TTY=") || starts(s, "HOST=") || starts(s, "PWD=")) &&
	    find(s, 0, "COMMAND=") >= 0) {
		r->method = NULL;
		return set(r, "sudo_command", A_OK);
	}
	return 0;
}

static int
classify_su(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s = m;
	long k;
	int ok;

	trim(&s);
	r->method = "password";
	ok = eat(&s, "Successful su for ") ? 1 : eat(&s, "FAILED su for ") ? 0 : -1;
	if (ok >= 0) {
		/* "FAILED su for T by U": T was typed by the caller, U was not. */
		if ((k = rfind(s, s.n, " by ")) < 0)
			return 0;
		r->user = sub(s, 0, (size_t)k);
		return ok ? set(r, "su_succeeded", A_OK) : set(r, "su_failed", A_FAIL);
	}
	ok = !eat(&s, "FAILED SU ");
	if (eat(&s, "(to ")) {
		/* "(to T) U on TTY" */
		if ((k = rfind(s, s.n, " on ")) < 0 ||
		    (k = rfind(s, (size_t)k, ") ")) < 0)
			return 0;
		r->user = sub(s, 0, (size_t)k);
		return ok ? set(r, "su_succeeded", A_OK) : set(r, "su_failed", A_FAIL);
	}
	if (!ok)
		return 0;
	if ((s.n > 2 && (s.p[0] == '+' || s.p[0] == '-') && s.p[1] == ' ')) {
		/* "+ pts/0 U:T": the tty has no space, U (from passwd) no ':' */
		ok = s.p[0] == '+';
		s = sub(s, 2, s.n);
		if ((k = find(s, 0, " ")) < 0)
			return 0;
		s = sub(s, (size_t)k + 1, s.n);
		if ((k = find(s, 0, ":")) < 0)
			return 0;
		r->user = sub(s, (size_t)k + 1, s.n);
		return ok ? set(r, "su_succeeded", A_OK) : set(r, "su_failed", A_FAIL);
	}
	return 0;
}

#define FAIL_TAG "] FAIL LOGIN: Client \""
#define OK_TAG "] OK LOGIN: Client \""

static int
classify_vsftpd(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s = m, q;
	long k, e;
	int ok;

	if (eat(&s, "[pid ")) {
		if ((k = find(s, 0, "] ")) < 0)
			return 0;
		s = sub(s, (size_t)k + 2, s.n);
	}
	if (!eat(&s, "["))
		return 0;
	/* The user is attacker-chosen and comes first: anchor on the last tag. */
	ok = 0;
	if ((k = rfind(s, s.n, FAIL_TAG)) < 0) {
		if ((k = rfind(s, s.n, OK_TAG)) < 0)
			return 0;
		ok = 1;
	}
	r->user = sub(s, 0, (size_t)k);
	q = sub(s, (size_t)k + (ok ? sizeof(OK_TAG) : sizeof(FAIL_TAG)) - 1, s.n);
	if ((e = find(q, 0, "\"")) >= 0)
		ip_of(sub(q, 0, (size_t)e), &r->ip);
	r->method = "password";
	return ok ? set(r, "ftp_login_succeeded", A_OK) : set(r, "ftp_login_failed", A_FAIL);
}

static int
classify_proftpd(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s;
	long k, b;

	/* "SERVER (NAME[IP]) - USER ...", older/other builds "...[IP]): USER" */
	if ((k = find(m, 0, "])")) < 0 || (b = rfind(m, (size_t)k, "[")) < 0)
		return 0;
	ip_of(sub(m, (size_t)b + 1, (size_t)k), &r->ip);
	s = sub(m, (size_t)k + 2, m.n);
	if (!eat(&s, " - ") && !eat(&s, ": "))
		return 0;
	trim(&s);
	r->method = "password";
	if (eat(&s, "USER ")) {
		if ((k = rfind(s, s.n, " (Login failed)")) >= 0) {
			r->user = sub(s, 0, (size_t)k);
			return set(r, "ftp_login_failed", A_FAIL);
		}
		if ((k = rfind(s, s.n, ": no such user found from ")) >= 0) {
			r->user = sub(s, 0, (size_t)k);
			return set(r, "ftp_invalid_user", A_FAIL);
		}
		if ((k = rfind(s, s.n, ": Login successful")) >= 0) {
			r->user = sub(s, 0, (size_t)k);
			return set(r, "ftp_login_succeeded", A_OK);
		}
		return 0;
	}
	if (starts(s, "Maximum login attempts ("))
		return set(r, "ftp_max_auth_tries", A_FAIL);
	return 0;
}

static int
classify_pureftpd(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s, who;
	long k, at;

	/* "(?@1.2.3.4) [WARNING] ...": user@host before the first ") [". */
	if (!eat(&m, "(") || (k = find(m, 0, ") [")) < 0)
		return 0;
	who = sub(m, 0, (size_t)k);
	if ((at = rfind(who, who.n, "@")) >= 0)
		ip_of(sub(who, (size_t)at + 1, who.n), &r->ip);
	s = sub(m, (size_t)k + 2, m.n);
	trim(&s);
	r->method = "password";
	if (eat(&s, "[WARNING] Authentication failed for user [")) {
		if (!eat_tail(&s, "]"))
			return 0;
		r->user = s;
		return set(r, "ftp_login_failed", A_FAIL);
	}
	if (eat(&s, "[INFO] ")) {
		if (!eat_tail(&s, " is now logged in"))
			return 0;
		r->user = s;
		return set(r, "ftp_login_succeeded", A_OK);
	}
	return 0;
}

/* dropbear's "from IP:PORT" (or "[v6]:PORT") filling s. */
static int
dropbear_addr(struct ronda_str s, struct auth_res *r)
{
	long c = rfind(s, s.n, ":");
	int port;

	if (c < 0 || (port = port_of(sub(s, (size_t)c + 1, s.n))) < 0)
		return 0;
	if (!ip_of(sub(s, 0, (size_t)c), &r->ip))
		return 0;
	r->port = port;
	return 1;
}

static int
classify_dropbear(struct ronda_str m, struct auth_res *r)
{
	struct ronda_str s = m, q;
	long k;
	int ok = -1;

	trim(&s);

	if (eat(&s, "Password auth succeeded for '"))
		ok = 1;
	else if (eat(&s, "Bad password attempt for '") ||
	    eat(&s, "Bad PAM password attempt for '"))
		ok = 0;
	if (ok >= 0) {

		if ((k = rfind(s, s.n, "' from ")) < 0 ||
		    !dropbear_addr(sub(s, (size_t)k + 7, s.n), r))
			return 0;
		r->user = sub(s, 0, (size_t)k);
		r->method = "password";
		return ok ? set(r, "ssh_login_succeeded", A_OK) :
		    set(r, "ssh_login_failed", A_FAIL);
	}
	if (eat(&s, "Pubkey auth succeeded for '")) {
		long w = find(s, 0, "' with ");

		if (w < 0 || (k = rfind(s, s.n, " from ")) < 0 || k < w ||
		    !dropbear_addr(sub(s, (size_t)k + 6, s.n), r))
			return 0;
		r->user = sub(s, 0, (size_t)w);
		r->method = "publickey";
		return set(r, "ssh_login_succeeded", A_OK);
	}
	if (eat(&s, "Login attempt for nonexistent user")) {
		if ((k = rfind(s, s.n, " from ")) < 0 ||
		    !dropbear_addr(sub(s, (size_t)k + 6, s.n), r))
			return 0;
		q = sub(s, 0, (size_t)k);
		if (eat(&q, " '") && eat_tail(&q, "'"))
			r->user = q;
		return set(r, "ssh_invalid_user", A_FAIL);
	}
	if (eat(&s, "Exit before auth")) {
		long e;

		/* "Exit before auth from <IP:N>: (user 'U', 3 fails): Max auth tries reached - user 'U'" */
		if (eat(&s, " from <") && (e = find(s, 0, ">")) >= 0) {
			dropbear_addr(sub(s, 0, (size_t)e), r);
			s = sub(s, (size_t)e + 1, s.n);
		}
		if ((k = find(s, 0, "(user '")) >= 0) {
			q = sub(s, (size_t)k + 7, s.n);
			if ((e = rfind(q, q.n, "', ")) >= 0)
				r->user = sub(q, 0, (size_t)e);
		}
		if (find(s, 0, "Max auth tries reached") >= 0)
			return set(r, "ssh_max_auth_tries", A_FAIL);
		return set(r, "ssh_preauth_disconnect",
		    r->user.n > 0 ? A_FAIL : A_UNKNOWN);
	}
	return 0;
}

static int
prog_is(struct ronda_str p, const char *name)
{
	size_t l = strlen(name);

	return p.n == l && memcmp(p.p, name, l) == 0;
}

/*
 * The tag of an old pam_unix line when the syslog parser left it in the
 * message ("sshd(pam_unix)[19939]: authentication failure; ..."): skipped.
 */
static void
skip_paren_tag(struct ronda_str *m)
{
	long k = find(*m, 0, "(pam_");
	long e;

	if (k <= 0 || k > 64 || find(sub(*m, 0, (size_t)k), 0, " ") >= 0)
		return;
	if ((e = find(*m, (size_t)k, ": ")) < 0 || e > 128)
		return;
	*m = sub(*m, (size_t)e + 2, m->n);
}

int
ronda_auth_classify(struct ronda_event *ev)
{
	struct auth_res r;
	struct ronda_str m = ev->message, p = ev->program;
	long k;
	int hit = 0;

	if (m.p == NULL || m.n == 0)
		return 0;
	memset(&r, 0, sizeof(r));
	/* rsyslog: "message repeated 5 times: [ Failed password for ...]" */
	if (starts(m, "message repeated ") && (k = find(m, 0, " times: [ ")) >= 0 &&
	    k < 40) {
		m = sub(m, (size_t)k + 10, m.n);
		trim(&m);
		eat_tail(&m, "]");
	}
	if (p.n == 0)
		skip_paren_tag(&m);
	if (classify_pam(m, &r)) {
		hit = 1;
	} else if (p.n >= 4 && memcmp(p.p, "sshd", 4) == 0) {
		/* sshd, sshd-session (OpenSSH 9.8+), sshd-auth, sshd(pam_unix) */
		hit = classify_sshd(m, &r);
	} else if (prog_is(p, "sudo")) {
		hit = classify_sudo(m, &r);
	} else if (prog_is(p, "su")) {
		hit = classify_su(m, &r);
	} else if (prog_is(p, "vsftpd")) {
		hit = classify_vsftpd(m, &r);
	} else if (prog_is(p, "proftpd")) {
		hit = classify_proftpd(m, &r);
	} else if (prog_is(p, "pure-ftpd")) {
		hit = classify_pureftpd(m, &r);
	} else if (prog_is(p, "dropbear")) {
		hit = classify_dropbear(m, &r);
	}
	if (!hit)
		return 0;
	ev->action = r.action;
	ev->outcome = r.outcome;
	ev->user_name = r.user;
	ev->source_ip = r.ip;
	ev->source_port = r.port;
	ev->auth_method = r.method;
	return 1;
}
