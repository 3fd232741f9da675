#include "ronda/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_prog = "ronda";
static int log_lvl = RONDA_LOG_INFO;

void
ronda_log_init(const char *progname, int level)
{
	if (progname != NULL)
		log_prog = progname;
	log_lvl = level;
}

int
ronda_log_level(void)
{
	return log_lvl;
}

/* One line: "2026-11-20T23:42:47Z prog[level]: message[: strerror]". */
static void
vlog(int level, const char *tag, const char *errstr, const char *fmt, va_list ap)
{
	char msg[2048], ts[32];
	struct tm tm;
	time_t now;

	if (level > log_lvl)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errstr != NULL)
		fprintf(stderr, "%s %s %s: %s: %s\n", ts, log_prog, tag, msg, errstr);
	else
		fprintf(stderr, "%s %s %s: %s\n", ts, log_prog, tag, msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog(RONDA_LOG_WARN, "warning", e, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(RONDA_LOG_WARN, "warning", NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(RONDA_LOG_INFO, "info", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(RONDA_LOG_DEBUG, "debug", NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog(RONDA_LOG_ERROR, "fatal", e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(RONDA_LOG_ERROR, "fatal", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

int
ronda_ratelimit_ok(struct ronda_ratelimit *rl, long now, long interval)
{
	if (rl->last != 0 && now - rl->last < interval) {
		rl->suppressed++;
		return 0;
	}
	rl->last = now;
	return 1;
}
