/*
 * actors.h — addresses that guessed logins, remembered for a day or more.
 *
 * A pool that guesses a minute at a time on many sites logs in, hours
 * later, where a password finally works: long after the per-site windows
 * (minutes to an hour) forgot it. The detectors note every address that
 * joins a brute-force incident, per site (its first and last guess there);
 * a successful login of an address that guessed on detectors.fleet_sites
 * sites within detectors.fleet_window is a compromise.
 *
 * State outlives the windows' replay horizon (a day of events is not
 * replayed at a restart), so it is kept in the store: dirty entries are
 * written with each batch (table guessers, the batch's transaction) and read
 * back at startup. Each address keeps its RONDA_ACTORS_SITES most recent
 * sites.
 */
#ifndef RONDA_ACTORS_H
#define RONDA_ACTORS_H

#include <stddef.h>
#include <stdint.h>

#define RONDA_ACTORS_SITES 4

struct ronda_actor_site {
	uint64_t site;			/* hash of the site id */
	int64_t first, last;		/* its first and last guess there (event time ms) */
};

struct ronda_actors;

struct ronda_actors *ronda_actors_new(void);
void ronda_actors_free(struct ronda_actors *a);

/* ip guessed on site (hash, non-zero) at ts. */
void ronda_actors_note(struct ronda_actors *a, const char *ip, uint64_t site, int64_t ts);

/*
 * Sites on which ip guessed within [since, until] (by first..last), at most
 * RONDA_ACTORS_SITES.
 */
int ronda_actors_sites(const struct ronda_actors *a, const char *ip, int64_t since,
    int64_t until);

/*
 * Hand every entry changed since the last flush to put (its newest guess in
 * last): 0, or -1 when put failed (the entries stay dirty). The caller
 * commits; ronda_actors_flushed() then marks them clean.
 */
int ronda_actors_flush(struct ronda_actors *a, int (*put)(void *arg, const char *ip,
    const struct ronda_actor_site *sites, int n, int64_t last), void *arg);
void ronda_actors_flushed(struct ronda_actors *a);

/* An entry read back from the store. */
void ronda_actors_restore(struct ronda_actors *a, const char *ip,
    const struct ronda_actor_site *sites, int n);

/* Forget addresses whose newest guess is before `before`; how many. */
size_t ronda_actors_prune(struct ronda_actors *a, int64_t before);

size_t ronda_actors_count(const struct ronda_actors *a);

/* The sites as text "hash:first:last,..." (hex hash) and back; for the store. */
size_t ronda_actors_format(char *out, size_t n, const struct ronda_actor_site *sites, int ns);
int ronda_actors_parse(const char *s, struct ronda_actor_site *sites, int max);

#endif
