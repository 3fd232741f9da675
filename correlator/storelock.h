/*
 * storelock.h — one writer per store: an exclusive flock() on a side file
 * `<store>.lock` (created 0640 next to the store), held from before the
 * store is opened until the correlator exits. Two correlators given one
 * store (a copied config, a second unit started by hand) would interleave
 * their batches and offsets; the second is refused instead, naming the
 * holder the file records after locking:
 *
 *   4242 soc1
 *
 * (pid, then host name). The kernel drops the lock when its holder exits,
 * however it exits (kill -9 included), so a stale file never blocks a
 * restart. The file is never removed: unlinking it while another process
 * waits on it would let two processes lock two different files. Readers
 * (the CLI, the API's read connections) do not take it.
 */
#ifndef RONDA_STORELOCK_H
#define RONDA_STORELOCK_H

#include <signal.h>
#include <stddef.h>

#define RONDA_STORELOCK_NOWAIT 0	/* wait_ms: refuse at once when held */
#define RONDA_STORELOCK_FOREVER (-1)	/* wait_ms: until free or *stop */

struct ronda_storelock;

/*
 * Lock store's side file. wait_ms RONDA_STORELOCK_NOWAIT fails at once when
 * another process (or another take in this one) holds it; > 0 or
 * RONDA_STORELOCK_FOREVER polls every 200 ms for that long (a standby),
 * logging once who holds it and once when it took over; a non-zero *stop
 * (stop may be NULL) ends the wait. Returns the lock (the caller releases
 * it) or NULL with err: "store X is in use by another ronda-correlator (pid N
 * on host H); ...", an open error, or "stopped while waiting ..." after *stop.
 */
struct ronda_storelock *ronda_storelock_take(const char *store, int wait_ms,
    volatile sig_atomic_t *stop, char *err, size_t errlen);
/* Unlock and free (the file stays, emptied). NULL is a no-op. */
void ronda_storelock_release(struct ronda_storelock *lk);

#endif
