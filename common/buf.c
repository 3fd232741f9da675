#include "ronda/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BUF_DEFAULT_MAX (16u * 1024 * 1024)

void
ronda_buf_init(struct ronda_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : BUF_DEFAULT_MAX;
}

void
ronda_buf_release(struct ronda_buf *b)
{
	size_t max = b->max;

	free(b->data);
	ronda_buf_init(b, max);
}

void
ronda_buf_reset(struct ronda_buf *b)
{
	b->len = 0;
	b->overflow = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
ronda_buf_reserve(struct ronda_buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (n > b->max || b->len > b->max - n) {
		b->overflow = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->overflow = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
ronda_buf_append(struct ronda_buf *b, const void *p, size_t n)
{
	/* Fast path: room already there (the cap was checked when it was made). */
	if (b->cap > 0 && n < b->cap - b->len && b->len + n <= b->max) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	if (ronda_buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
ronda_buf_puts(struct ronda_buf *b, const char *s)
{
	return ronda_buf_append(b, s, strlen(s));
}

int
ronda_buf_putc(struct ronda_buf *b, char c)
{
	/* Fast path only when both the allocation and the hard cap have room. */
	if (b->len + 1 < b->cap && b->len < b->max) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return ronda_buf_append(b, &c, 1);
}

int
ronda_buf_printf(struct ronda_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || ronda_buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int
ronda_buf_put_u64(struct ronda_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return ronda_buf_append(b, tmp + i, sizeof(tmp) - i);
}

int
ronda_buf_put_i64(struct ronda_buf *b, int64_t v)
{
	if (v < 0) {
		if (ronda_buf_putc(b, '-') == -1)
			return -1;
		return ronda_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	}
	return ronda_buf_put_u64(b, (uint64_t)v);
}

size_t
ronda_utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		if (n >= 2 && (p[1] & 0xc0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0;	/* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && p[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

static const char hexd[] = "0123456789abcdef";

/* Does the byte pass through a JSON string unchanged (printable ASCII but '"', '\\')? */
static inline int
json_plain(unsigned c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/*
 * The same test for eight bytes at once (SWAR): 1 when none of them is a
 * control byte, DEL or above, '"' or '\\'. Each term is the exact "any byte"
 * test of the classic bit tricks (a borrow or carry can only spill out of a
 * byte that is itself a hit), so the answer is exact, not just a hint.
 */
static inline int
json_plain8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
	uint64_t hit = ((x - ones * 0x20) & ~x) |	/* a byte below 0x20 */
	    ((x + ones) | x) |				/* a byte of 0x7f or above */
	    ((q - ones) & ~q) |				/* a '"' */
	    ((bs - ones) & ~bs);			/* a '\\' */

	return (hit & high) == 0;
}

size_t
ronda_json_str_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 2, i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t l;
		if (json_plain(c)) {
			out++;
			i++;
		} else if (c >= 0x80) {
			l = ronda_utf8_seq_len(p + i, n - i);
			out += l > 0 ? l : 5;
			i += l > 0 ? l : 1;
		} else {
			out += (c == '"' || c == '\\' || c == '\n' || c == '\r' ||
			    c == '\t') ? 2 : 6;
			i++;
		}
	}
	return out;
}

/*
 * Write the byte (or the UTF-8 sequence) at p[*i] the way a JSON string
 * needs it, advancing *i past it. The hot loops below call this only for
 * what their word-at-a-time tests did not pass through.
 */
static inline __attribute__((always_inline)) char *
json_put_one(char *o, const unsigned char *p, size_t *i, size_t n)
{
	unsigned c = p[*i];

	if (json_plain(c)) {
		*o++ = (char)c;
		(*i)++;
		return o;
	}
	if (c >= 0x80) {
		size_t l = ronda_utf8_seq_len(p + *i, n - *i);
		if (l > 0) {
			memcpy(o, p + *i, l);
			*i += l;
			return o + l;
		}
		/* Not UTF-8: the literal text \xHH, as nginx writes it. */
		*o++ = '\\'; *o++ = '\\'; *o++ = 'x';
		*o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
		(*i)++;
		return o;
	}
	*o++ = '\\';
	switch (c) {
	case '"':  *o++ = '"'; break;
	case '\\': *o++ = '\\'; break;
	case '\n': *o++ = 'n'; break;
	case '\r': *o++ = 'r'; break;
	case '\t': *o++ = 't'; break;
	default:
		*o++ = 'u'; *o++ = '0'; *o++ = '0';
		*o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
	}
	(*i)++;
	return o;
}

/*
 * Copy r (1..15) bytes when all are plain, with two overlapping loads and
 * stores of 8 (or 4) bytes instead of a copy of variable length: no byte
 * outside p[0..r) is read, none outside o[0..r) written. 0 when some byte
 * needs care (then one of p[0..r) surely does, and nothing was written).
 */
static inline __attribute__((always_inline)) int
json_tail_plain(char *o, const unsigned char *p, size_t r)
{
	uint64_t a, b;
	uint32_t c, d;

	if (r >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + r - 8, 8);
		if (!json_plain8(a) || !json_plain8(b))
			return 0;
		memcpy(o, &a, 8);
		memcpy(o + r - 8, &b, 8);
		return 1;
	}
	if (r >= 4) {
		memcpy(&c, p, 4);
		memcpy(&d, p + r - 4, 4);
		if (!json_plain8((uint64_t)c << 32 | d))
			return 0;
		memcpy(o, &c, 4);
		memcpy(o + r - 4, &d, 4);
		return 1;
	}
	for (size_t k = 0; k < r; k++)
		if (!json_plain(p[k]))
			return 0;
	for (size_t k = 0; k < r; k++)
		o[k] = (char)p[k];
	return 1;
}

char *
ronda_json_str_put(char *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	*o++ = '"';
#ifdef __SSE2__
	/*
	 * Sixteen bytes at a time: a byte needs care when it is below 0x20 or
	 * 0x80 and above (one signed compare catches both), '"', '\' or DEL.
	 * The plain prefix of a word is stored with the whole word: the room
	 * the caller made covers it (at least one output byte for each of the
	 * sixteen input bytes still to come, plus the closing quote).
	 */
	{
		const __m128i sp = _mm_set1_epi8(0x20), qu = _mm_set1_epi8('"');
		const __m128i bs = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);

		while (n - i >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i bad = _mm_or_si128(
			    _mm_or_si128(_mm_cmplt_epi8(x, sp), _mm_cmpeq_epi8(x, qu)),
			    _mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, del)));
			unsigned m = (unsigned)_mm_movemask_epi8(bad);

			_mm_storeu_si128((__m128i *)(void *)o, x);
			if (m == 0) {
				o += 16;
				i += 16;
				continue;
			}
			o += __builtin_ctz(m);
			i += (size_t)__builtin_ctz(m);
			o = json_put_one(o, p, &i, n);
		}
		/* The last 0..15 bytes (most fields are that short), when plain. */
		if (i < n && json_tail_plain(o, p + i, n - i)) {
			o += n - i;
			i = n;
		}
	}
#endif
	while (i < n) {
		if (n - i >= 16) {
			uint64_t x;
			memcpy(&x, p + i, 8);
			if (json_plain8(x)) {
				memcpy(o, p + i, 8);
				o += 8;
				i += 8;
				continue;
			}
		} else if (json_tail_plain(o, p + i, n - i)) {
			o += n - i;
			break;
		} else {
			/* Some byte of the tail needs care: copy up to it. */
			while (json_plain(p[i]))
				*o++ = (char)p[i++];
		}
		o = json_put_one(o, p, &i, n);
	}
	*o++ = '"';
	return o;
}

int
ronda_buf_json_str(struct ronda_buf *b, const char *s, size_t n)
{
	/*
	 * Reserve the worst case once (every byte six characters, plus the
	 * quotes) and write through a pointer: this runs for every field of
	 * every event. Near the cap only the exact size counts.
	 */
	if (n <= (b->max - 2) / 6 && b->len <= b->max - (n * 6 + 2)) {
		if (ronda_buf_reserve(b, n * 6 + 2) == -1)
			return -1;
	} else if (ronda_buf_reserve(b, ronda_json_str_len(s, n)) == -1) {
		return -1;
	}
	b->len = (size_t)(ronda_json_str_put(b->data + b->len, s, n) - b->data);
	b->data[b->len] = '\0';
	return 0;
}

int
ronda_buf_term_str(struct ronda_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	char esc[4];

	while (i < n) {
		unsigned c = p[i];
		if (c >= 0x20 && c < 0x7f) {
			if (ronda_buf_putc(b, (char)c) == -1)
				return -1;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = ronda_utf8_seq_len(p + i, n - i);
			/* C1 controls (U+0080..U+009F) act as escapes on some terminals. */
			if (l == 2 && c == 0xc2 && p[i + 1] < 0xa0)
				l = 0;
			if (l > 0) {
				if (ronda_buf_append(b, p + i, l) == -1)
					return -1;
				i += l;
				continue;
			}
		}
		if (c == '\n' || c == '\t' || c == '\r') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			if (ronda_buf_append(b, esc, 2) == -1)
				return -1;
		} else {
			esc[0] = '\\'; esc[1] = 'x';
			esc[2] = hexd[c >> 4]; esc[3] = hexd[c & 15];
			if (ronda_buf_append(b, esc, 4) == -1)
				return -1;
		}
		i++;
	}
	return 0;
}
