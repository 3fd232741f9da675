/*
 * timeutil.h — calendar arithmetic without the C library's time zone state:
 * civil date <-> epoch days, RFC 3339 formatting, month names, and a hash.
 */
#ifndef RONDA_TIMEUTIL_H
#define RONDA_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define RONDA_TS_LEN 24	/* "2026-11-20T23:42:47.123Z" */

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12). */
int64_t ronda_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of ronda_days_from_civil. */
void ronda_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Seconds since the epoch of a UTC civil time (no range checks beyond the types). */
int64_t ronda_timegm(int64_t y, unsigned mon, unsigned d, unsigned h, unsigned mi,
    unsigned s);
/* Write "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL into out (RONDA_TS_LEN + 1 bytes). */
void ronda_fmt_utc_ms(char out[RONDA_TS_LEN + 1], int64_t ms);
/* Month number 1..12 from a 3-letter English abbreviation ("Jan"), 0 if none. */
unsigned ronda_month_from_abbr(const char *p);
/* Current wall-clock time in UTC milliseconds. */
int64_t ronda_now_ms(void);
/* Monotonic clock in milliseconds (for timers and rates, never for event time). */
int64_t ronda_mono_ms(void);
/* Parse an RFC 3339 timestamp ("2026-11-20T23:42:47.123+07:00" or "...Z") to UTC ms. 0/-1. */
int ronda_parse_rfc3339(const char *p, size_t n, int64_t *ms);

/* 64-bit hash of n bytes with a seed (not cryptographic; stable across builds). */
uint64_t ronda_hash64(const void *p, size_t n, uint64_t seed);

#endif
