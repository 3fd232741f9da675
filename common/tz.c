/*
 * tz.c — IANA zones from TZif files (RFC 8536), independent of the process's
 * TZ and of localtime_r(), so one collector can serve WIB, WITA and WIT sites.
 *
 * A TZif file is: a 44-byte header ("TZif", version, six big-endian counts),
 * a v1 data block with 32-bit times; for version 2 and later a second header
 * and data block with 64-bit times, then a footer "\n<POSIX TZ string>\n"
 * that describes every time after the last transition. We read the 64-bit
 * block when there is one. Files may be hostile (a $TZDIR pointing anywhere):
 * every count is checked against the bytes that are really there, every type
 * index against the type count, every abbreviation against the character
 * table, before anything is used.
 *
 * After the last transition the footer rules apply. We parse the footer's
 * standard offset and, when present, its DST rules in the "Mm.w.d", "Jn" and
 * "n" forms (what tzdata writes: "WIB-7", "CET-1CEST,M3.5.0,M10.5.0/3"). A
 * footer we cannot parse falls back to the last transition's type, which is
 * exact for zones without DST (all of Indonesia) and for "fat" files that
 * list transitions up to 2037.
 */
#include "ronda/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ronda/config.h"
#include "ronda/timeutil.h"

#define TZ_FILE_MAX	(1024 * 1024)	/* real files are < 100 KB */
#define TZ_NAME_MAX	255
#define TZ_ABBR_MAX	16
/* Times are clamped to +-2^40 s (35,000 years) so no arithmetic can overflow. */
#define TZ_T_LIMIT	((int64_t)1 << 40)

static int64_t
clamp_t(int64_t t)
{
	return t < -TZ_T_LIMIT ? -TZ_T_LIMIT : t > TZ_T_LIMIT ? TZ_T_LIMIT : t;
}

struct tz_type {
	int32_t off;
	uint8_t isdst;
	uint32_t abbr;		/* index into chars */
};

/* A POSIX rule date: kind 'M' (month.week.day), 'J' (1..365, no Feb 29), 'n' (0..365). */
struct tz_rule {
	char kind;
	int m, w, d;		/* M form; d is also the day for J and n */
	int32_t secs;		/* local time of day of the change, may be <0 or >24h */
};

struct tz_footer {
	int valid;
	int has_dst;
	int32_t std_off, dst_off;	/* seconds east of UTC */
	char std_abbr[TZ_ABBR_MAX], dst_abbr[TZ_ABBR_MAX];
	struct tz_rule start, end;
};

struct ronda_tz {
	char *name;
	size_t ntrans;
	int64_t *trans;		/* ascending UTC seconds */
	uint8_t *idx;		/* type index of each transition */
	size_t ntypes;
	struct tz_type *types;
	char *chars;		/* abbreviations, NUL-terminated (we append one) */
	size_t nchars;
	struct tz_footer ft;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* --- POSIX TZ footer ------------------------------------------------------ */

/* An abbreviation: 3+ letters, or "<...>" of letters, digits, '+', '-'. */
static int
ft_abbr(const char **sp, const char *e, char out[TZ_ABBR_MAX])
{
	const char *s = *sp;
	size_t n = 0;

	if (s < e && *s == '<') {
		s++;
		while (s < e && *s != '>') {
			if (n + 1 >= TZ_ABBR_MAX)
				return -1;
			out[n++] = *s++;
		}
		if (s >= e)
			return -1;
		s++;
	} else {
		while (s < e && ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) {
			if (n + 1 >= TZ_ABBR_MAX)
				return -1;
			out[n++] = *s++;
		}
	}
	if (n < 3)
		return -1;
	out[n] = '\0';
	*sp = s;
	return 0;
}

/* [+-]hh[:mm[:ss]] with hh up to 167 (RFC 8536 extension). */
static int
ft_time(const char **sp, const char *e, int32_t *out)
{
	const char *s = *sp;
	int sign = 1, part = 0;
	int32_t v[3] = { 0, 0, 0 };

	if (s < e && (*s == '+' || *s == '-'))
		sign = *s++ == '-' ? -1 : 1;
	for (;;) {
		int nd = 0;
		while (s < e && *s >= '0' && *s <= '9' && nd < 3) {
			v[part] = v[part] * 10 + (*s++ - '0');
			nd++;
		}
		if (nd == 0)
			return -1;
		if (part == 2 || s >= e || *s != ':')
			break;
		s++;
		part++;
	}
	if (v[0] > 167 || v[1] > 59 || v[2] > 59)
		return -1;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	*sp = s;
	return 0;
}

static int
ft_num(const char **sp, const char *e, int *out, int lo, int hi)
{
	const char *s = *sp;
	int v = 0, nd = 0;

	while (s < e && *s >= '0' && *s <= '9' && nd < 4) {
		v = v * 10 + (*s++ - '0');
		nd++;
	}
	if (nd == 0 || v < lo || v > hi)
		return -1;
	*out = v;
	*sp = s;
	return 0;
}

static int
ft_rule(const char **sp, const char *e, struct tz_rule *r)
{
	const char *s = *sp;

	if (s < e && *s == 'M') {
		s++;
		r->kind = 'M';
		if (ft_num(&s, e, &r->m, 1, 12) || s >= e || *s++ != '.' ||
		    ft_num(&s, e, &r->w, 1, 5) || s >= e || *s++ != '.' ||
		    ft_num(&s, e, &r->d, 0, 6))
			return -1;
	} else if (s < e && *s == 'J') {
		s++;
		r->kind = 'J';
		if (ft_num(&s, e, &r->d, 1, 365))
			return -1;
	} else {
		r->kind = 'n';
		if (ft_num(&s, e, &r->d, 0, 365))
			return -1;
	}
	r->secs = 7200;		/* default 02:00 */
	if (s < e && *s == '/') {
		s++;
		if (ft_time(&s, e, &r->secs))
			return -1;
	}
	*sp = s;
	return 0;
}

static int
parse_footer(const char *s, const char *e, struct tz_footer *f)
{
	int32_t t;

	memset(f, 0, sizeof(*f));
	if (ft_abbr(&s, e, f->std_abbr) || ft_time(&s, e, &t))
		return -1;
	f->std_off = -t;	/* POSIX offsets count west */
	if (s == e) {
		f->valid = 1;
		return 0;
	}
	if (ft_abbr(&s, e, f->dst_abbr))
		return -1;
	f->dst_off = f->std_off + 3600;
	if (s < e && *s != ',') {
		if (ft_time(&s, e, &t))
			return -1;
		f->dst_off = -t;
	}
	if (s >= e || *s++ != ',' || ft_rule(&s, e, &f->start) || s >= e ||
	    *s++ != ',' || ft_rule(&s, e, &f->end) || s != e)
		return -1;
	f->has_dst = 1;
	f->valid = 1;
	return 0;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Local seconds (as if UTC) at which rule r fires in year y, before adding r->secs. */
static int64_t
rule_day(const struct tz_rule *r, int64_t y)
{
	int64_t day;

	if (r->kind == 'J') {
		day = ronda_days_from_civil(y, 1, 1) + r->d - 1;
		if (is_leap(y) && r->d >= 60)
			day++;
	} else if (r->kind == 'n') {
		day = ronda_days_from_civil(y, 1, 1) + r->d;
	} else {
		static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int64_t first = ronda_days_from_civil(y, (unsigned)r->m, 1);
		int wd = (int)(((first % 7) + 7 + 4) % 7);	/* 1970-01-01 was a Thursday */
		int dim = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
		int dom = 1 + (r->d - wd + 7) % 7 + (r->w - 1) * 7;
		while (dom > dim)
			dom -= 7;
		day = first + dom - 1;
	}
	return day * 86400;
}

static int
footer_isdst(const struct tz_footer *f, int64_t t)
{
	int64_t y, lo, hi;
	unsigned m, d;
	int64_t lt = t + f->std_off, days;

	if (!f->has_dst)
		return 0;
	days = lt >= 0 ? lt / 86400 : -((-lt + 86399) / 86400);
	ronda_civil_from_days(days, &y, &m, &d);
	/* the change times are in local time of the rule being left */
	lo = rule_day(&f->start, y) + f->start.secs - f->std_off;
	hi = rule_day(&f->end, y) + f->end.secs - f->dst_off;
	if (lo < hi)
		return t >= lo && t < hi;
	return !(t >= hi && t < lo);	/* southern hemisphere */
}

/* --- loading -------------------------------------------------------------- */

static int
read_file(const char *path, unsigned char **out, size_t *outlen, int *missing,
    char *err, size_t errlen)
{
	struct stat st;
	unsigned char *b = NULL;
	size_t got = 0;
	int fd;

	*missing = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*missing = errno == ENOENT || errno == ENOTDIR;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    st.st_size > TZ_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
		    TZ_FILE_MAX);
		goto fail;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: read failed", path);
			goto fail;
		}
		got += (size_t)r;
	}
	close(fd);
	*out = b;
	*outlen = got;
	return 0;
fail:
	free(b);
	close(fd);
	return -1;
}

/* Size of one data block from its header's counts (64-bit: cannot overflow). */
static void
block_size(const unsigned char *h, int tsz, uint64_t *size)
{
	uint64_t isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28),
	    timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);

	*size = timecnt * (uint64_t)tsz + timecnt + typecnt * 6 + charcnt +
	    leap * (uint64_t)(tsz + 4) + isstd + isut;
}

static int
parse_tzif(struct ronda_tz *tz, const unsigned char *b, size_t n, char *err,
    size_t errlen)
{
	const unsigned char *h = b, *p;
	uint64_t sz1, sz2;
	uint32_t timecnt, typecnt, charcnt;
	int tsz = 4;
	size_t i;

	if (n < 44 || memcmp(b, "TZif", 4) != 0) {
		snprintf(err, errlen, "not a TZif file");
		return -1;
	}
	block_size(h, 4, &sz1);
	if (sz1 > n - 44) {
		snprintf(err, errlen, "truncated TZif data");
		return -1;
	}
	if (b[4] >= '2') {
		/* skip the v1 block; the second header starts after it */
		if (n - 44 - sz1 < 44 || memcmp(b + 44 + sz1, "TZif", 4) != 0) {
			snprintf(err, errlen, "bad TZif v2 header");
			return -1;
		}
		h = b + 44 + sz1;
		tsz = 8;
	}
	block_size(h, tsz, &sz2);
	if (sz2 > n - (size_t)(h + 44 - b)) {
		snprintf(err, errlen, "truncated TZif data");
		return -1;
	}
	timecnt = be32(h + 32);
	typecnt = be32(h + 36);
	charcnt = be32(h + 40);
	if (typecnt == 0 || typecnt > 256 || charcnt == 0) {
		snprintf(err, errlen, "bad TZif counts");
		return -1;
	}
	tz->ntrans = timecnt;
	tz->ntypes = typecnt;
	tz->nchars = charcnt;
	tz->trans = calloc(timecnt ? timecnt : 1, sizeof(*tz->trans));
	tz->idx = calloc(timecnt ? timecnt : 1, 1);
	tz->types = calloc(typecnt, sizeof(*tz->types));
	tz->chars = calloc((size_t)charcnt + 1, 1);
	if (!tz->trans || !tz->idx || !tz->types || !tz->chars) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p = h + 44;
	for (i = 0; i < timecnt; i++, p += tsz) {
		tz->trans[i] = tsz == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
		if (i > 0 && tz->trans[i] <= tz->trans[i - 1]) {
			snprintf(err, errlen, "TZif transitions not ascending");
			return -1;
		}
	}
	for (i = 0; i < timecnt; i++, p++) {
		if (*p >= typecnt) {
			snprintf(err, errlen, "TZif type index out of range");
			return -1;
		}
		tz->idx[i] = *p;
	}
	for (i = 0; i < typecnt; i++, p += 6) {
		int32_t off = (int32_t)be32(p);
		if (off < -25 * 3600 || off > 26 * 3600 || p[4] > 1 || p[5] >= charcnt) {
			snprintf(err, errlen, "bad TZif time type");
			return -1;
		}
		tz->types[i].off = off;
		tz->types[i].isdst = p[4];
		tz->types[i].abbr = p[5];
	}
	memcpy(tz->chars, p, charcnt);	/* chars[charcnt] stays NUL */
	p += charcnt;
	/* leap seconds, isstd, isut: not needed for wall-clock offsets */
	p += (uint64_t)be32(h + 28) * (uint64_t)(tsz + 4) + be32(h + 24) + be32(h + 20);

	if (tsz == 8) {
		const unsigned char *e = b + n;
		if (e - p >= 2 && *p == '\n') {
			const unsigned char *nl = memchr(p + 1, '\n', (size_t)(e - p - 1));
			if (nl != NULL && nl > p + 1)
				parse_footer((const char *)p + 1, (const char *)nl, &tz->ft);
		}
	}
	return 0;
}

struct ronda_tz *
ronda_tz_new_from_tzif(const char *name, const void *data, size_t len, char *err,
    size_t errlen)
{
	struct ronda_tz *tz;
	char ebuf[256];

	if ((tz = calloc(1, sizeof(*tz))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((tz->name = strdup(name ? name : "localtime")) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (parse_tzif(tz, data, len, ebuf, sizeof(ebuf)) != 0) {
		snprintf(err, errlen, "%s", ebuf);
		goto fail;
	}
	return tz;
fail:
	ronda_tz_free(tz);
	return NULL;
}

struct ronda_tz *
ronda_tz_new(const char *name, char *err, size_t errlen)
{
	struct ronda_tz *tz;
	unsigned char *data = NULL;
	size_t n = 0;
	char path[4096], ebuf[256];
	const char *dir;
	int missing = 0;

	if (name == NULL || name[0] == '\0') {
		snprintf(path, sizeof(path), "/etc/localtime");
		name = NULL;
	} else {
		size_t nl = strlen(name);
		if (nl > TZ_NAME_MAX || name[0] == '/' || strstr(name, "..") != NULL) {
			snprintf(err, errlen, "invalid time zone name \"%.64s\"", name);
			return NULL;
		}
		for (size_t k = 0; k < nl; k++) {
			unsigned char c = (unsigned char)name[k];
			if (c < 0x21 || c > 0x7e) {
				snprintf(err, errlen, "invalid time zone name");
				return NULL;
			}
		}
		dir = getenv("TZDIR");
		if (dir == NULL || dir[0] == '\0')
			dir = "/usr/share/zoneinfo";
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
			snprintf(err, errlen, "time zone path too long");
			return NULL;
		}
	}
	if (read_file(path, &data, &n, &missing, ebuf, sizeof(ebuf)) != 0) {
		if (name != NULL && missing)
			snprintf(err, errlen, "unknown time zone \"%s\"", name);
		else
			snprintf(err, errlen, "%s", ebuf);
		return NULL;
	}
	tz = ronda_tz_new_from_tzif(name, data, n, ebuf, sizeof(ebuf));
	if (tz == NULL)
		snprintf(err, errlen, "%s: %s", path, ebuf);
	free(data);
	return tz;
}

void
ronda_tz_free(struct ronda_tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz->idx);
	free(tz->types);
	free(tz->chars);
	free(tz);
}

const char *
ronda_tz_name(const struct ronda_tz *tz)
{
	return tz ? tz->name : "UTC";
}

/*
 * The type in effect at t, or NULL when the footer governs t (after the
 * last transition with a usable footer).
 */
static const struct tz_type *
type_at(const struct ronda_tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->ntrans;

	if (tz->ntrans == 0 || t < tz->trans[0]) {
		/* RFC 8536: before the first transition, type 0 ... unless only a footer */
		if (tz->ntrans == 0 && tz->ft.valid)
			return NULL;
		return &tz->types[0];
	}
	if (t >= tz->trans[tz->ntrans - 1] && tz->ft.valid)
		return NULL;
	/* last transition <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &tz->types[tz->idx[lo]];
}

int32_t
ronda_tz_offset_at(const struct ronda_tz *tz, int64_t t)
{
	const struct tz_type *ty;

	if (tz == NULL)
		return 0;
	t = clamp_t(t);
	if ((ty = type_at(tz, t)) != NULL)
		return ty->off;
	return footer_isdst(&tz->ft, t) ? tz->ft.dst_off : tz->ft.std_off;
}

const char *
ronda_tz_abbr_at(const struct ronda_tz *tz, int64_t t)
{
	const struct tz_type *ty;

	if (tz == NULL)
		return "UTC";
	t = clamp_t(t);
	if ((ty = type_at(tz, t)) != NULL)
		return tz->chars + ty->abbr;
	return footer_isdst(&tz->ft, t) ? tz->ft.dst_abbr : tz->ft.std_abbr;
}

/*
 * Try the offset in effect a day before and a day after (transitions are
 * further apart than that in every real zone): a candidate is right when the
 * zone really has that offset at the resulting instant. When both are
 * (ambiguous hour) or neither is (skipped hour), the earlier offset wins.
 */
int64_t
ronda_tz_local_to_utc(const struct ronda_tz *tz, int64_t local)
{
	int32_t oa, ob;
	int64_t guess;

	if (tz == NULL)
		return local;
	local = clamp_t(local);
	guess = local - ronda_tz_offset_at(tz, local);
	oa = ronda_tz_offset_at(tz, guess - 86400);
	ob = ronda_tz_offset_at(tz, guess + 86400);
	if (oa != ob && ronda_tz_offset_at(tz, local - oa) != oa &&
	    ronda_tz_offset_at(tz, local - ob) == ob)
		return local - ob;
	return local - oa;
}

void
ronda_tz_cfg_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const char *name = *(char **)field;
	struct ronda_tz *tz;
	char err[256];

	if (name == NULL || (tz = ronda_tz_new(name, err, sizeof(err))) != NULL) {
		ronda_tz_free(name == NULL ? NULL : tz);
		return;
	}
	ronda_cfg_error(ctx, line, path, "%s", err);
}
