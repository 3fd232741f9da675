#include "ronda/prom.h"

#include <string.h>

int
ronda_prom_family(struct ronda_buf *b, const char *name, const char *type,
    const char *help)
{
	return ronda_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int
labels(struct ronda_buf *b, const char *name, const char *label, const char *value)
{
	int rc = ronda_buf_puts(b, name);

	if (label == NULL)
		return rc;
	rc |= ronda_buf_printf(b, "{%s=\"", label);
	for (const char *p = value; p != NULL && *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			rc |= ronda_buf_putc(b, '\\') | ronda_buf_putc(b, *p);
		else if (*p == '\n')
			rc |= ronda_buf_puts(b, "\\n");
		else
			rc |= ronda_buf_putc(b, *p);
	}
	return rc | ronda_buf_puts(b, "\"}");
}

int
ronda_prom_sample(struct ronda_buf *b, const char *name, const char *label,
    const char *value, int64_t v)
{
	int rc = labels(b, name, label, value);

	rc |= ronda_buf_putc(b, ' ');
	rc |= ronda_buf_put_i64(b, v);
	return rc | ronda_buf_putc(b, '\n') ? -1 : 0;
}

int
ronda_prom_sample_f(struct ronda_buf *b, const char *name, const char *label,
    const char *value, double v)
{
	int rc = labels(b, name, label, value);

	return rc | ronda_buf_printf(b, " %.17g\n", v) ? -1 : 0;
}

int
ronda_prom_one(struct ronda_buf *b, const char *name, const char *type, const char *help,
    int64_t v)
{
	int rc = ronda_prom_family(b, name, type, help);

	return rc | ronda_prom_sample(b, name, NULL, NULL, v) ? -1 : 0;
}
