/*
 * tz.h — IANA time zones read from the system's TZif files, without touching
 * the process-wide TZ state (one collector may serve sites in WIB, WITA, WIT).
 */
#ifndef RONDA_TZ_H
#define RONDA_TZ_H

#include <stddef.h>
#include <stdint.h>

struct ronda_tz;

/*
 * Load a zone by IANA name ("Asia/Jakarta", "UTC") from /usr/share/zoneinfo
 * (or $TZDIR). NULL or "" loads the system zone (/etc/localtime). Returns
 * NULL and a message in err when the zone is unknown or the file is bad.
 */
struct ronda_tz *ronda_tz_new(const char *name, char *err, size_t errlen);
/*
 * The same from the bytes of a TZif file already in memory (tests, fuzzing,
 * zones shipped with a config). name is copied; data is not kept.
 */
struct ronda_tz *ronda_tz_new_from_tzif(const char *name, const void *data,
    size_t len, char *err, size_t errlen);
/* Free; NULL is a no-op. */
void ronda_tz_free(struct ronda_tz *tz);
/* The name it was loaded with ("Asia/Makassar"), or "localtime". */
const char *ronda_tz_name(const struct ronda_tz *tz);
/* UTC offset in seconds in effect at UTC time t (seconds since the epoch). */
int32_t ronda_tz_offset_at(const struct ronda_tz *tz, int64_t t);
/* Abbreviation in effect at UTC time t ("WIB", "WITA", "WIT", "UTC"); borrowed. */
const char *ronda_tz_abbr_at(const struct ronda_tz *tz, int64_t t);
/*
 * Convert a local wall-clock time (seconds since the epoch as if local were
 * UTC) to UTC seconds. Ambiguous or skipped times (DST changes) resolve to
 * the earlier offset.
 */
int64_t ronda_tz_local_to_utc(const struct ronda_tz *tz, int64_t local);

/*
 * A configuration check (struct ronda_cfg_key .check) for a string field
 * naming an IANA zone: the zone must load ("Asia/Makasar" is refused with
 * the loader's reason). An absent field passes.
 */
struct ronda_cfg_ctx;
void ronda_tz_cfg_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path);

#endif
