/*
 * shares.h — the campaign stage's incidents, added up from the shares that
 * detection members write to the incident stream (istream.h).
 *
 * An incident of a pool takes hits from many partitions, so from several
 * members: each partition's share is kept (table incident_shares, by share
 * id, with the version it was written at) and the incident is their sum:
 * events added, first and last seen the extremes, the highest severity,
 * open while any share is open. A share older than the one kept (a member
 * replaying after a takeover) changes nothing.
 */
#ifndef RONDA_SHARES_H
#define RONDA_SHARES_H

#include <stddef.h>

#include "istream.h"

struct sqlite3;
struct ronda_shares;

/* On db (borrowed; the table made when missing). NULL with err. */
struct ronda_shares *ronda_shares_new(struct sqlite3 *db, char *err, size_t errlen);
void ronda_shares_free(struct ronda_shares *sh);

/*
 * Keep the share r and sum the incident: 1 with *out the incident (its
 * pending evidence and indicators moved from r: free them with
 * ronda_shares_out_clear), 0 when r is older than the share kept (nothing
 * done), -1 with err. Runs inside the caller's transaction.
 */
int ronda_shares_apply(struct ronda_shares *sh, struct ronda_istream_rec *r,
    struct ronda_incident *out, char *err, size_t errlen);
void ronda_shares_out_clear(struct ronda_incident *out);

#endif
