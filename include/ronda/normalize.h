/*
 * normalize.h — canonical forms of attacker-controlled request fields, so a
 * rule matches the attack and not its spelling. The original is never
 * modified: output goes to a caller-owned scratch buffer.
 */
#ifndef RONDA_NORMALIZE_H
#define RONDA_NORMALIZE_H

#include <stddef.h>

#include "ronda/buf.h"

/* Flags for ronda_normalize(). */
#define RONDA_NORM_PATH		0x01	/* resolve //, /./, /../ and \ as / */
#define RONDA_NORM_QUERY	0x02	/* '+' is a space */
#define RONDA_NORM_LOWER	0x04	/* ASCII case folding */

/*
 * Normalise p[0..n) into out (reset first): percent-decoding repeated until
 * stable (bounded rounds), %uXXXX forms, overlong UTF-8 for ASCII, HTML entity
 * forms (&lt; &#60; &#x3c;), NUL and other control bytes to a space, runs of
 * white space folded to one, and by flags path resolution, '+' as space, and
 * case folding. Returns 0, or -1 when out's cap was hit (out holds a prefix).
 */
int ronda_normalize(const char *p, size_t n, unsigned flags, struct ronda_buf *out);

#endif
