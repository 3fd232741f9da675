#include "api_qs.h"

#include <stdio.h>
#include <string.h>

#include "ronda/buf.h"

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

/* p[0..n) for an error message: printable ASCII, the rest as \xHH, at most ~40 bytes. */
static void
quote(char *out, size_t outlen, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)p[i];
		if (i == 40) {
			o += (size_t)snprintf(out + o, outlen - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

/*
 * Decode p[0..n) into out (room for cap bytes + NUL). Returns the decoded
 * length, -1 bad escape, -2 too long, -3 a control character or bad UTF-8.
 */
static int
decode(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 > n - 1 || (hi = hexval((unsigned char)p[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)p[i + 2])) < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o >= cap)
			return -2;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	for (size_t i = 0; i < o;) {
		unsigned char c = (unsigned char)out[i];
		size_t l;
		if (c < 0x20 || c == 0x7f)
			return -3;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((l = ronda_utf8_seq_len((const unsigned char *)out + i, o - i)) == 0)
			return -3;
		i += l;
	}
	return (int)o;
}

static int
name_ok(const char *s)
{
	if (s[0] == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

int
ronda_api_qs_parse(const char *qs, size_t len, struct ronda_api_qs *q, char *err,
    size_t errlen)
{
	size_t i = 0;
	char shown[200];

	q->n = 0;
	while (i < len) {
		const char *piece = qs + i, *amp = memchr(piece, '&', len - i), *eq;
		size_t plen = amp != NULL ? (size_t)(amp - piece) : len - i;
		int r;

		i += plen + 1;
		if (plen == 0)
			continue;
		quote(shown, sizeof(shown), piece, plen);
		if (q->n == RONDA_API_QS_MAX_PARAMS) {
			snprintf(err, errlen, "more than %d query parameters",
			    RONDA_API_QS_MAX_PARAMS);
			return -1;
		}
		if ((eq = memchr(piece, '=', plen)) == NULL) {
			snprintf(err, errlen, "query parameter '%s' has no value (NAME=VALUE)",
			    shown);
			return -1;
		}
		r = decode(piece, (size_t)(eq - piece), q->p[q->n].name, RONDA_API_QS_MAX_NAME);
		if (r == -1) {
			snprintf(err, errlen, "bad percent-encoding in '%s'", shown);
			return -1;
		}
		if (r < 0 || !name_ok(q->p[q->n].name)) {
			snprintf(err, errlen, "bad query parameter name in '%s'", shown);
			return -1;
		}
		r = decode(eq + 1, plen - (size_t)(eq + 1 - piece), q->p[q->n].value,
		    RONDA_API_QS_MAX_VALUE);
		if (r == -1) {
			snprintf(err, errlen, "bad percent-encoding in '%s'", shown);
			return -1;
		}
		if (r == -2) {
			snprintf(err, errlen, "%s: value longer than %d bytes", q->p[q->n].name,
			    RONDA_API_QS_MAX_VALUE);
			return -1;
		}
		if (r == -3) {
			snprintf(err, errlen, "%s: value with a control character or invalid "
			    "UTF-8", q->p[q->n].name);
			return -1;
		}
		if (ronda_api_qs_get(q, q->p[q->n].name) != NULL) {
			snprintf(err, errlen, "query parameter '%s' given twice", q->p[q->n].name);
			return -1;
		}
		q->n++;
	}
	return 0;
}

const char *
ronda_api_qs_get(const struct ronda_api_qs *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return q->p[i].value;
	return NULL;
}

int
ronda_api_qs_check(const struct ronda_api_qs *q, const char *const *allowed, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < q->n; i++) {
		size_t j, o;
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(allowed[j], q->p[i].name) == 0)
				break;
		if (allowed[j] != NULL)
			continue;
		if (allowed[0] == NULL) {
			snprintf(err, errlen, "unknown parameter '%s' (this path takes none)",
			    q->p[i].name);
			return -1;
		}
		o = (size_t)snprintf(err, errlen, "unknown parameter '%s' (expected:",
		    q->p[i].name);
		for (j = 0; allowed[j] != NULL && o < errlen; j++)
			o += (size_t)snprintf(err + o, errlen - o, "%s %s", j ? "," : "",
			    allowed[j]);
		if (o < errlen)
			snprintf(err + o, errlen - o, ")");
		return -1;
	}
	return 0;
}

int
ronda_api_qs_encode(char *out, size_t outlen, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = strlen(out), o = start;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
		if (o + (plain ? 1 : 3) >= outlen) {
			out[start] = '\0';	/* all or nothing */
			return -1;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}
