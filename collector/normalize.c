#include "ronda/normalize.h"

#include <string.h>

/*
 * The normaliser works in place in the caller's buffer: every step below
 * (percent and entity decoding, overlong UTF-8, comment removal, white-space
 * folding, path resolution) writes no more bytes than it reads, so one copy
 * of the input is all the memory it needs and the output never grows beyond
 * the input. Each step is a single left-to-right pass, and the number of
 * decoding rounds is bounded, so the whole thing is linear in the input.
 *
 * Order matters and follows what a server does with the bytes:
 *   1. decoding rounds (at most NORM_ROUNDS, stop early when nothing
 *      changed): %XX, %uXXXX, HTML entities, then overlong UTF-8 of ASCII.
 *      Round one also turns '+' into a space for queries, as the server's own
 *      single decode would; a '+' that only appears after decoding "%2B" is
 *      a literal plus to the application and stays one.
 *   2. one mapping pass: control bytes to a space, '\' to '/' for paths,
 *      SQL /comments/ to a space for queries, case folding, runs of white
 *      space folded to one space.
 *   3. for paths, "//", "/./" and "/../" resolved without going above the
 *      root. This runs after decoding, so "/%2e%2e/" is resolved too.
 */

/* Enough for triple encoding plus one (%25252e needs three). */
#define NORM_ROUNDS 4

/* Byte classes for the fast path (norm_class[]). */
#define C_ALWAYS	0x01	/* '%', '&', controls, non-ASCII: always slow */
#define C_BSLASH	0x02	/* '\': slow for paths */
#define C_PLUS		0x04	/* '+': slow for queries */
#define C_UPPER		0x08	/* A-Z: slow when folding case */
#define C_SLASH		0x10	/* '/': depends on the next byte */
#define C_SPACE		0x20	/* ' ': slow when another space follows */
#define C_STAR		0x40	/* '*': may close a comment (map_pass) */
#define C_CTRL		0x80	/* control bytes: become a space (map_pass) */

/* C_* class of each byte (generated from the definitions above). */
static const unsigned char norm_class[256] = {
	0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
	0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
	0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x40, 0x04, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x81,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
};

/*
 * 1 when p[0..n) may change under flags, 0 when it is already canonical
 * (the common case: a plain ASCII path), so it can be copied as is.
 */
static int
needs_work(const unsigned char *p, size_t n, unsigned flags)
{
	unsigned mask = C_ALWAYS | C_SLASH | C_SPACE;

	if (flags & RONDA_NORM_PATH)
		mask |= C_BSLASH;
	if (flags & RONDA_NORM_QUERY)
		mask |= C_PLUS;
	if (flags & RONDA_NORM_LOWER)
		mask |= C_UPPER;
	/* A relative path that starts with "./" or "../" is resolved too. */
	if ((flags & RONDA_NORM_PATH) && n > 0 && p[0] == '.')
		return 1;
	for (size_t i = 0; i < n; i++) {
		unsigned k = norm_class[p[i]] & mask;

		if (k == 0)
			continue;
		if (k & (C_ALWAYS | C_BSLASH | C_PLUS | C_UPPER))
			return 1;
		if (i + 1 >= n) {
			/* A trailing "/" is fine; a trailing " " is not folded away. */
			continue;
		}
		if (k & C_SPACE) {
			if (p[i + 1] == ' ')
				return 1;
			continue;
		}
		/* '/' */
		if ((flags & RONDA_NORM_PATH) &&
		    (p[i + 1] == '/' || p[i + 1] == '.'))
			return 1;
		if ((flags & RONDA_NORM_QUERY) && p[i + 1] == '*')
			return 1;
	}
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* UTF-8 encode a valid scalar value; returns the length (1..4). */
static size_t
utf8_put(unsigned char *d, unsigned long cp)
{
	if (cp < 0x80) {
		d[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (unsigned char)(0xc0 | (cp >> 6));
		d[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (unsigned char)(0xe0 | (cp >> 12));
		d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (unsigned char)(0xf0 | (cp >> 18));
	d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * %uXXXX (IIS). IIS maps the full-width forms U+FF01..U+FF5E to their ASCII
 * twins ("best fit"), which is how %uff0e%uff0e%uff0f becomes "../"; we do
 * the same. Surrogates are not scalar values: left as is.
 * Returns the bytes written (the 6 input bytes always cover them), 0 if
 * the code point is not decodable.
 */
static size_t
put_iis_unicode(unsigned char *d, unsigned long cp)
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp -= 0xfee0;
	return utf8_put(d, cp);
}

static int
ascii_ieq(const unsigned char *p, size_t n, const char *lit, size_t ln)
{
	if (n < ln)
		return 0;
	for (size_t i = 0; i < ln; i++) {
		unsigned char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (c != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

/*
 * An HTML entity at s[i] == '&' (s has n bytes): &lt; &gt; &quot; &apos;
 * &amp; and &#DDD; / &#xHHH; with or without the ';' (browsers accept both,
 * and leading zeros such as &#0000060;). Writes the decoded bytes to d and
 * returns how many input bytes were consumed, 0 if there is no entity.
 * The decoded form is never longer than the entity.
 */
static size_t
entity(const unsigned char *s, size_t i, size_t n, unsigned char *d, size_t *dn)
{
	static const struct {
		const char *name;
		size_t len;
		char c;
	} named[] = {
		{ "lt", 2, '<' }, { "gt", 2, '>' }, { "quot", 4, '"' },
		{ "apos", 4, '\'' }, { "amp", 3, '&' },
	};
	size_t j = i + 1;

	if (j >= n)
		return 0;
	if (s[j] == '#') {
		unsigned long cp = 0;
		int hex = 0, big = 0;
		size_t start;

		j++;
		if (j < n && (s[j] == 'x' || s[j] == 'X')) {
			hex = 1;
			j++;
		}
		start = j;
		for (; j < n; j++) {
			int v = hex ? hexval(s[j]) : (s[j] >= '0' && s[j] <= '9' ?
			    s[j] - '0' : -1);

			if (v < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
			if (cp > 0x10ffff) {
				big = 1;
				cp = 0x110000;	/* keep it bounded */
			}
		}
		if (j == start || big || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (j < n && s[j] == ';')
			j++;
		*dn = utf8_put(d, cp);
		return j - i;
	}
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		if (!ascii_ieq(s + j, n - j, named[k].name, named[k].len))
			continue;
		j += named[k].len;
		if (j < n && s[j] == ';')
			j++;
		d[0] = (unsigned char)named[k].c;
		*dn = 1;
		return j - i;
	}
	return 0;
}

/*
 * One decoding pass from src[0..n) to dst (dst may equal src: it never
 * overtakes the read position). Returns the output length; *changed is set
 * when anything was decoded.
 */
static size_t
decode_pass(const unsigned char *src, size_t n, unsigned char *dst, int plus,
    int *changed)
{
	size_t i = 0, o = 0;
	unsigned char tmp[4];
	int chg = 0;	/* local: stores through dst may alias *changed */

	if (src == dst) {
		/*
		 * A later round: skip, without writing, to the first place
		 * where anything could still be decoded.
		 */
		while (i < n && !(src[i] == '%' && i + 2 < n) &&
		    !(src[i] == '&' && i + 1 < n))
			i++;
		o = i;
	}
	while (i < n) {
		unsigned char c = src[i];

		if (c == '%') {
			int h, l;

			if (i + 2 < n && (h = hexval(src[i + 1])) >= 0 &&
			    (l = hexval(src[i + 2])) >= 0) {
				dst[o++] = (unsigned char)(h << 4 | l);
				i += 3;
				chg = 1;
				continue;
			}
			if (i + 5 < n && (src[i + 1] == 'u' || src[i + 1] == 'U')) {
				unsigned long cp = 0;
				int ok = 1;
				size_t w;

				for (int k = 2; k < 6; k++) {
					int v = hexval(src[i + (size_t)k]);

					if (v < 0) {
						ok = 0;
						break;
					}
					cp = cp << 4 | (unsigned long)v;
				}
				if (ok && (w = put_iis_unicode(tmp, cp)) > 0) {
					memcpy(dst + o, tmp, w);
					o += w;
					i += 6;
					chg = 1;
					continue;
				}
			}
		} else if (c == '&') {
			size_t used, w = 0;

			if ((used = entity(src, i, n, tmp, &w)) > 0) {
				memcpy(dst + o, tmp, w);
				o += w;
				i += used;
				chg = 1;
				continue;
			}
		} else if (c == '+' && plus) {
			dst[o++] = ' ';
			i++;
			chg = 1;
			continue;
		}
		dst[o++] = c;
		i++;
	}
	*changed = chg;
	return o;
}

/*
 * Overlong UTF-8 forms of ASCII ("\xc0\xae" for '.', "\xe0\x80\xae", up to
 * the old 6-byte forms) become the ASCII byte, in place. Also IIS's lax
 * two-byte decoder, which took any second byte below 0x40: "%c1%1c" is '\'.
 * A valid (shortest) UTF-8 sequence never decodes below 0x80, so real text
 * is untouched.
 */
static size_t
overlong_pass(unsigned char *s, size_t n, int *changed)
{
	size_t i = 0, o = 0;
	int chg = 0;

	/* Nothing to do before the first possible lead byte. */
	while (i < n && s[i] < 0xc0)
		i++;
	o = i;
	while (i < n) {
		unsigned char c = s[i];
		size_t len = 0;

		if (c < 0xc0) {
			s[o++] = c;
			i++;
			continue;
		}
		if (c >= 0xc0 && c <= 0xc1)
			len = 2;
		else if (c == 0xe0)
			len = 3;
		else if (c == 0xf0)
			len = 4;
		else if (c == 0xf8)
			len = 5;
		else if (c == 0xfc)
			len = 6;
		if (len != 0 && i + len <= n) {
			unsigned long v = c & (0x7f >> len);
			int ok = 1;

			for (size_t k = 1; k < len; k++) {
				unsigned char t = s[i + k];

				if ((t & 0xc0) != 0x80 &&
				    !(len == 2 && t < 0x40)) {
					ok = 0;
					break;
				}
				v = v << 6 | (t & 0x3f);
			}
			if (ok && v < 0x80) {
				s[o++] = (unsigned char)v;
				i += len;
				chg = 1;
				continue;
			}
		}
		s[o++] = c;
		i++;
	}
	if (chg)
		*changed = 1;
	return o;
}

/*
 * Mapping pass, in place: controls to a space, '\' to '/' (paths), SQL
 * comments to a space (queries: "UNION" + "/" "**" "/" + "SELECT" becomes
 * "UNION SELECT"; MySQL's executable comment, slash-star-bang-version,
 * keeps its body), ASCII case folding, and runs of spaces folded. The search
 * for a comment's end remembers where the next star-slash is, so a line of
 * unclosed comment openers stays linear.
 */
static size_t
map_pass(unsigned char *s, size_t n, unsigned flags)
{
	size_t i = 0, o = 0, next_close = 0;
	size_t versioned = 0;
	int close_known = 0;
	unsigned mask = C_CTRL | C_SPACE | C_STAR;

	if (flags & RONDA_NORM_PATH)
		mask |= C_BSLASH;
	if (flags & RONDA_NORM_QUERY)
		mask |= C_SLASH;
	if (flags & RONDA_NORM_LOWER)
		mask |= C_UPPER;
	while (i < n) {
		unsigned char c = s[i];

		if ((norm_class[c] & mask) == 0) {
			/* The common byte: nothing to map. */
			s[o++] = c;
			i++;
			continue;
		}
		if ((flags & RONDA_NORM_QUERY) && c == '/' && i + 1 < n &&
		    s[i + 1] == '*') {
			if (i + 2 < n && s[i + 2] == '!') {
				size_t j = i + 3;

				while (j < n && j < i + 8 && s[j] >= '0' && s[j] <= '9')
					j++;
				versioned++;
				i = j;
				c = ' ';
				goto emit;
			}
			if (!close_known || next_close < i + 2) {
				size_t j = i + 2;

				while (j + 1 < n && !(s[j] == '*' && s[j + 1] == '/'))
					j++;
				next_close = j + 1 < n ? j : n;
				close_known = 1;
			}
			if (next_close < n) {
				i = next_close + 2;
				c = ' ';
				goto emit;
			}
		} else if (versioned > 0 && c == '*' && i + 1 < n &&
		    s[i + 1] == '/') {
			versioned--;
			i += 2;
			c = ' ';
			goto emit;
		}
		i++;
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (c == '\\' && (flags & RONDA_NORM_PATH))
			c = '/';
		else if (c >= 'A' && c <= 'Z' && (flags & RONDA_NORM_LOWER))
			c = (unsigned char)(c + 32);
emit:
		if (c == ' ' && o > 0 && s[o - 1] == ' ')
			continue;
		s[o++] = c;
	}
	return o;
}

/*
 * Resolve "//", "/./" and "/../" in place. A ".." never climbs above the
 * root of an absolute path; in a relative one, leading ".." segments are
 * kept (there is nothing to pop). A trailing "/." or "/.." leaves the
 * trailing slash, as a server resolves "/a/b/.." to "/a/".
 */
static size_t
path_pass(unsigned char *s, size_t n)
{
	size_t i = 0, o = 0, floor = 0;
	int abs = n > 0 && s[0] == '/';

	if (abs) {
		o = 1;
		i = 1;
		floor = 1;
	}
	while (i < n) {
		size_t j = i, seg;

		while (j < n && s[j] != '/')
			j++;
		seg = j - i;
		if (seg == 0) {
			/* An empty segment: "//". */
			i = j + 1;
			continue;
		}
		if (seg == 1 && s[i] == '.') {
			i = j + 1;
			continue;
		}
		if (seg == 2 && s[i] == '.' && s[i + 1] == '.') {
			if (o > floor) {
				/* Pop the last segment: o points after its '/'. */
				size_t k = o - 1;

				while (k > floor && s[k - 1] != '/')
					k--;
				o = k;
			} else if (!abs) {
				s[o++] = '.';
				s[o++] = '.';
				if (j < n)
					s[o++] = '/';
				floor = o;
			}
			i = j + 1;
			continue;
		}
		memmove(s + o, s + i, seg);
		o += seg;
		if (j < n)
			s[o++] = '/';
		i = j + 1;
	}
	return o;
}

int
ronda_normalize(const char *p, size_t n, unsigned flags, struct ronda_buf *out)
{
	const unsigned char *in = (const unsigned char *)p;
	unsigned char *s;
	size_t len;
	int ret = 0, changed;

	ronda_buf_reset(out);
	if (ronda_buf_reserve(out, n) == -1) {
		/* Over the cap: normalise the prefix that fits. */
		ret = -1;
		if (out->max <= out->len || ronda_buf_reserve(out, out->max) == -1)
			return -1;
		n = out->max;
		out->overflow = 1;
	}
	s = (unsigned char *)out->data;
	if (!needs_work(in, n, flags)) {
		if (n > 0)
			memcpy(s, in, n);
		out->len = n;
		s[n] = '\0';
		return ret;
	}

	len = decode_pass(in, n, s, (flags & RONDA_NORM_QUERY) != 0, &changed);
	len = overlong_pass(s, len, &changed);
	for (int r = 1; changed && r < NORM_ROUNDS; r++) {
		len = decode_pass(s, len, s, 0, &changed);
		len = overlong_pass(s, len, &changed);
	}
	len = map_pass(s, len, flags);
	if (flags & RONDA_NORM_PATH)
		len = path_pass(s, len);
	out->len = len;
	s[len] = '\0';
	return ret;
}
