#include "ronda/timeutil.h"

#include <endian.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil, valid for the whole int64 year range we use. */
int64_t
ronda_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
ronda_civil_from_days(int64_t z, int64_t *yp, unsigned *mp, unsigned *dp)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp0, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp0 = (5 * doy + 2) / 153;
	d = doy - (153 * mp0 + 2) / 5 + 1;
	m = mp0 < 10 ? mp0 + 3 : mp0 - 9;
	*yp = y + (m <= 2);
	*mp = m;
	*dp = d;
}

int64_t
ronda_timegm(int64_t y, unsigned mon, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	return ronda_days_from_civil(y, mon, d) * 86400 + (int64_t)h * 3600 +
	    (int64_t)mi * 60 + s;
}

static void
put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
}

void
ronda_fmt_utc_ms(char out[RONDA_TS_LEN + 1], int64_t ms)
{
	int64_t secs, days, y;
	unsigned m, d, rem, msr;

	secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	msr = (unsigned)(ms - secs * 1000);
	days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	rem = (unsigned)(secs - days * 86400);
	ronda_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		memcpy(out, "1970-01-01T00:00:00.000Z", RONDA_TS_LEN + 1);
		return;
	}
	put2(out, (unsigned)(y / 100));
	put2(out + 2, (unsigned)(y % 100));
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, rem / 3600);
	out[13] = ':';
	put2(out + 14, rem / 60 % 60);
	out[16] = ':';
	put2(out + 17, rem % 60);
	out[19] = '.';
	out[20] = (char)('0' + msr / 100);
	put2(out + 21, msr % 100);
	out[23] = 'Z';
	out[24] = '\0';
}

unsigned
ronda_month_from_abbr(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (unsigned i = 0; i < 12; i++)
		if (memcmp(p, names + i * 3, 3) == 0)
			return i + 1;
	return 0;
}

int64_t
ronda_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ronda_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
digits(const char *p, size_t n, unsigned *v)
{
	unsigned r = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		r = r * 10 + (unsigned)(p[i] - '0');
	}
	*v = r;
	return 0;
}

int
ronda_parse_rfc3339(const char *p, size_t n, int64_t *ms)
{
	unsigned y, mo, d, h, mi, s, frac = 0, oh, om;
	size_t i = 19, fd = 0;
	int64_t t;
	int sign;

	if (n < 20 || digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) ||
	    p[7] != '-' || digits(p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't' &&
	    p[10] != ' ') || digits(p + 11, 2, &h) || p[13] != ':' ||
	    digits(p + 14, 2, &mi) || p[16] != ':' || digits(p + 17, 2, &s))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	if (i < n && p[i] == '.') {
		i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			if (fd < 3)
				frac = frac * 10 + (unsigned)(p[i] - '0');
			fd++;
			i++;
		}
		if (fd == 0)
			return -1;
		for (size_t k = fd; k < 3; k++)
			frac *= 10;
	}
	if (s == 60)
		s = 59;
	t = ronda_timegm(y, mo, d, h, mi, s);
	if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
		i++;
	} else if (i + 6 <= n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
		sign = p[i] == '-' ? -1 : 1;
		if (digits(p + i + 1, 2, &oh) || digits(p + i + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		t -= sign * (int64_t)(oh * 3600 + om * 60);
		i += 6;
	} else {
		return -1;
	}
	if (i != n)
		return -1;
	*ms = t * 1000 + frac;
	return 0;
}

/*
 * A small 64-bit hash: 8-byte lanes folded with multiply-xorshift rounds and a
 * murmur-style finaliser. Stable across builds and platforms (little-endian
 * reads are done byte by byte), which event ids depend on.
 */
static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
ronda_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t k;
		memcpy(&k, p + i, 8);
		k = le64toh(k);	/* the same value on every platform */
		h ^= mix(k + 0x9e3779b97f4a7c15ULL);
		h = (h << 27 | h >> 37) * 5 + 0x52dce729;
	}
	if (i < n) {
		uint64_t k = 0;
		for (size_t j = n; j > i; j--)
			k = (k << 8) | p[j - 1];
		h ^= mix(k ^ 0x2545f4914f6cdd1dULL);
	}
	return mix(h);
}
