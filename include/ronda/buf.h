/*
 * buf.h — a growable byte buffer with a hard cap, and the JSON/terminal string
 * escapers that everything writing attacker-chosen bytes goes through.
 */
#ifndef RONDA_BUF_H
#define RONDA_BUF_H

#include <stddef.h>
#include <stdint.h>

struct ronda_buf {
	char *data;	/* always NUL-terminated when len > 0 or after any append */
	size_t len;
	size_t cap;
	size_t max;	/* hard cap on len (0 = 16 MiB); appends beyond it fail */
	int overflow;	/* set once an append was refused for the cap */
};

/* Initialise an empty buffer (no allocation yet) with a cap (0 = default). */
void ronda_buf_init(struct ronda_buf *b, size_t max);
/* Release the memory; the struct may be re-initialised. */
void ronda_buf_release(struct ronda_buf *b);
/* Empty it, keeping the allocation. */
void ronda_buf_reset(struct ronda_buf *b);
/* Make room for n more bytes. 0 / -1 (cap or ENOMEM; sets overflow). */
int ronda_buf_reserve(struct ronda_buf *b, size_t n);
int ronda_buf_append(struct ronda_buf *b, const void *p, size_t n);
int ronda_buf_puts(struct ronda_buf *b, const char *s);
int ronda_buf_putc(struct ronda_buf *b, char c);
int ronda_buf_printf(struct ronda_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ronda_buf_put_i64(struct ronda_buf *b, int64_t v);
int ronda_buf_put_u64(struct ronda_buf *b, uint64_t v);

/*
 * Append p[0..n) as a JSON string with its quotes. Valid UTF-8 passes through;
 * control characters, '"' and '\' are escaped (\n, \t, \u001b, ...); a byte
 * that is not part of valid UTF-8 becomes the literal text \xHH (written
 * "\\xHH" in the JSON; nginx logs non-printable bytes the same way), so the output is
 * always valid JSON and valid UTF-8 and nothing is silently dropped.
 */
int ronda_buf_json_str(struct ronda_buf *b, const char *p, size_t n);

/* Exact length of p[0..n) as ronda_buf_json_str writes it, quotes included. */
size_t ronda_json_str_len(const char *p, size_t n);

/*
 * Write p[0..n) as ronda_buf_json_str does, straight to o, which has room for
 * 6 * n + 2 bytes or ronda_json_str_len(p, n). Returns the end (no NUL).
 */
char *ronda_json_str_put(char *o, const char *p, size_t n);

/*
 * Append p[0..n) for display on a terminal: printable ASCII and valid UTF-8
 * pass; control characters (including ESC) become \xHH or \n, \t, \r; invalid
 * UTF-8 bytes become \xHH; a backslash stays a backslash.
 */
int ronda_buf_term_str(struct ronda_buf *b, const char *p, size_t n);

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if p starts an invalid one. */
size_t ronda_utf8_seq_len(const unsigned char *p, size_t n);

#endif
