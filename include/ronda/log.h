/*
 * log.h — daemon logging to stderr (or syslog-friendly lines), printf-checked.
 *
 * Low-level modules never log: they return errors to a caller that decides.
 */
#ifndef RONDA_LOG_H
#define RONDA_LOG_H

#include <stdarg.h>

enum ronda_log_level {
	RONDA_LOG_ERROR = 0,
	RONDA_LOG_WARN = 1,
	RONDA_LOG_INFO = 2,
	RONDA_LOG_DEBUG = 3,
};

/* Set the program name shown in each line and the most verbose level printed. */
void ronda_log_init(const char *progname, int level);
/* Current level (for callers that skip work when debug is off). */
int ronda_log_level(void);

/* Warning with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log with strerror(errno) and exit(1); only before the loop or on a broken invariant. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Log and exit(1). */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Rate limiter for repeated warnings: returns 1 when a message of this kind may
 * be logged now (at most once per `interval` seconds), 0 otherwise, and counts
 * the suppressed ones in *suppressed.
 */
struct ronda_ratelimit {
	long last;
	unsigned long suppressed;
};
int ronda_ratelimit_ok(struct ronda_ratelimit *rl, long now, long interval);

#endif
