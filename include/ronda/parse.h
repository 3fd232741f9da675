/*
 * parse.h — log line parsers: web access logs and auth lines (syslog, audit,
 * vsftpd, xferlog).
 *
 * Parsers read an attacker-controlled line of exactly `len` bytes (no NUL
 * needed, none assumed, embedded NULs allowed), fill the borrowed slices of a
 * struct ronda_event that point into that line (or, for a name the line does
 * not carry, to a static string), and never read outside it.
 * A line that does not parse still yields an event: the parser sets
 * RONDA_EVENT_PARSE_ERROR, fills what it could, and returns -1.
 * Each parser sets ev->type and first clears only the fields it fills (and
 * the PARSE_ERROR flag): what the collector set (site, file, offset,
 * original) is kept. ts_ms stays 0 when the line has no usable time. A
 * trailing '\r' (CRLF logs) is ignored. A field logged as "-" is absent.
 */
#ifndef RONDA_PARSE_H
#define RONDA_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/event.h"

struct ronda_tz;

enum ronda_web_format {
	RONDA_WEB_COMBINED = 0,	/* nginx/Apache "combined" (+ extra trailing fields) */
	RONDA_WEB_COMMON,	/* Common Log Format */
	RONDA_WEB_VHOST_COMBINED,	/* Apache "vhost_combined": "host:port " + combined */
};

/* Format name ("combined", "common", "vhost_combined") to enum; -1 if unknown. */
int ronda_web_format_parse(const char *name);

/*
 * Parse one access-log line (without its newline) into ev: client_ip,
 * remote_user, ts_ms (from the line's own zone), method, url, path, query,
 * http_version, status, bytes, referrer, user_agent, vhost/vhost_port.
 * Apache's \" and nginx's \x22 escapes inside quoted fields are tolerated; a
 * request with stray unescaped quotes is still split at the `" NNN ` that
 * follows it. Returns 0, or -1 with RONDA_EVENT_PARSE_ERROR set.
 */
int ronda_parse_web(struct ronda_event *ev, const char *line, size_t len,
    enum ronda_web_format fmt);

/*
 * Parse one auth-log line, its shape recognised from its first bytes:
 * - RFC 3164 ("Nov 20 23:04:05 host sshd[123]: msg", no year and no zone:
 *   the year is the one that puts the line closest before year_ref_ms,
 *   handling the December->January turn, and the zone is tz), also without a
 *   host ("Nov 20 23:04:05 sshd[123]: msg"), with macOS's level
 *   ("sshd[123] <Error>: msg") or Solaris's "[ID 800047 auth.info] " before
 *   the message (both dropped);
 * - ISO 8601 as rsyslog and journald exports write it
 *   ("2026-11-20T23:04:05.123456+08:00 host sshd[123]: msg"), and RFC 5424;
 * - raw auditd records ("[node=N ]type=USER_AUTH msg=audit(1370851204.393:13549):
 *   pid=..."): ts_ms exact (UTC), program "audit", pid from a leading pid=,
 *   log_host the node, message from "type=" to the end. Records forwarded
 *   through syslog ("audispd: type=...") get program "audit" and that pid;
 * - vsftpd.log ("Mon Nov 20 03:11:42 2026 [pid 1234] [budi] FAIL LOGIN: ...":
 *   program "vsftpd", pid, the message after "[pid N] ") and xferlog
 *   ("Mon Nov 20 03:11:42 2026 1 1.2.3.4 ...": program "xferlog", the
 *   message after the date), their dates local time in tz.
 * year_ref_ms is a time the line was written before, taken from the log (the
 * file's modification time), not today's date. An optional "<PRI>" prefix is
 * skipped. Fills ts_ms, log_host, program, pid, message. tz may be NULL (UTC).
 * The slices point into the line, except program for vsftpd.log and xferlog
 * lines, which names no program: it points to a static string there.
 * Returns 0, or -1 with RONDA_EVENT_PARSE_ERROR set.
 */
int ronda_parse_syslog(struct ronda_event *ev, const char *line, size_t len,
    const struct ronda_tz *tz, int64_t year_ref_ms);

#endif
