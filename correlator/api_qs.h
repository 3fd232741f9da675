/*
 * api_qs.h — the HTTP API's query-string parser. Strict on purpose: a
 * request the API does not understand gets 400 with a message, never a
 * guess.
 *
 *   since=24h&site=bontangkota.go.id&severity=high&limit=100
 *
 * Pieces are separated by '&' (empty pieces are skipped); each is NAME=VALUE
 * with %XX escapes and '+' for a space. NAME is 1..31 of [a-z0-9_]; VALUE
 * decodes to at most RONDA_API_QS_MAX_VALUE bytes of valid UTF-8 without
 * control characters; a name given twice, a '%' not followed by two hex
 * digits, or more than RONDA_API_QS_MAX_PARAMS pieces is an error.
 */
#ifndef RONDA_API_QS_H
#define RONDA_API_QS_H

#include <stddef.h>

#define RONDA_API_QS_MAX_PARAMS 16
#define RONDA_API_QS_MAX_NAME 31
#define RONDA_API_QS_MAX_VALUE 256

struct ronda_api_qs {
	struct {
		char name[RONDA_API_QS_MAX_NAME + 1];
		char value[RONDA_API_QS_MAX_VALUE + 1];
	} p[RONDA_API_QS_MAX_PARAMS];
	size_t n;
};

/*
 * Parse qs[0..len) (the part after '?'; may be empty) into q. 0, or -1 with
 * a one-line message in err that quotes the input only as printable ASCII.
 */
int ronda_api_qs_parse(const char *qs, size_t len, struct ronda_api_qs *q, char *err,
    size_t errlen);
/* The value of name, or NULL when absent (borrowed from q). */
const char *ronda_api_qs_get(const struct ronda_api_qs *q, const char *name);
/* -1 with "unknown parameter 'x' (expected: a, b)" unless every name is in allowed. */
int ronda_api_qs_check(const struct ronda_api_qs *q, const char *const *allowed,
    char *err, size_t errlen);
/*
 * Append s percent-encoded for a query value to out (a string in outlen
 * bytes). 0, or -1 when it does not fit (out is left as it was).
 */
int ronda_api_qs_encode(char *out, size_t outlen, const char *s);

#endif
