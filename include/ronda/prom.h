/*
 * prom.h — the Prometheus text exposition format (version 0.0.4), written
 * into a ronda_buf by the daemons' /metrics handlers:
 *
 *   # HELP ronda_events_consumed_total Events applied to the store.
 *   # TYPE ronda_events_consumed_total counter
 *   ronda_events_consumed_total 1234
 *   ronda_alerts_pending{sink="webhook"} 2
 */
#ifndef RONDA_PROM_H
#define RONDA_PROM_H

#include <stdint.h>

#include "ronda/buf.h"

#define RONDA_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The HELP and TYPE lines of a family (type: counter or gauge). 0 / -1 (cap). */
int ronda_prom_family(struct ronda_buf *b, const char *name, const char *type,
    const char *help);
/*
 * One sample: name, an optional label (label NULL for none; its value is
 * escaped: backslash, double quote, newline) and an integer value.
 */
int ronda_prom_sample(struct ronda_buf *b, const char *name, const char *label,
    const char *value, int64_t v);
/* The same with a floating value (seconds, ratios). */
int ronda_prom_sample_f(struct ronda_buf *b, const char *name, const char *label,
    const char *value, double v);
/* A family with a single unlabelled integer sample. */
int ronda_prom_one(struct ronda_buf *b, const char *name, const char *type,
    const char *help, int64_t v);

#endif
