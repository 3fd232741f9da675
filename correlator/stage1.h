/*
 * stage1.h — a detection member's side of the incident stream (stage:
 * detect): the idempotent producer the engine's commits write to, and the
 * reader that rebuilds an assigned partition's state from the stream (its
 * last position and the shares written before it). See docs/scaling.md.
 */
#ifndef RONDA_STAGE1_H
#define RONDA_STAGE1_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"
#include "engine.h"

struct ronda_stage1;

struct ronda_stage1 *ronda_stage1_new(const struct ronda_correlator_config *cfg,
    struct ronda_engine *eng, char *err, size_t errlen);
/*
 * The consumer whose offsets each batch's transaction commits (Kafka's
 * consume-transform-produce: the group coordinator refuses a member that
 * lost its partitions, so a zombie's batch never becomes visible).
 */
struct ronda_consumer;
void ronda_stage1_set_consumer(struct ronda_stage1 *s, struct ronda_consumer *c);
/* Aborts an open transaction, then frees. */
void ronda_stage1_free(struct ronda_stage1 *s);

/*
 * Partitions assigned: read the stream to its end and hand each partition's
 * state to the engine (ronda_engine_assign_from). from[i] gets the offset
 * to read parts[i] from (-1: the beginning). 0, or -1 with err when the
 * stream could not be read (the caller must not start those partitions).
 */
int ronda_stage1_assign(struct ronda_stage1 *s, const int32_t *parts, size_t n,
    int64_t *from, char *err, size_t errlen);

#endif
