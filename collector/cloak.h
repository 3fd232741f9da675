/*
 * cloak.h — what a site answered browsers, for the search-bot lines.
 *
 * Judi cloakers serve their gambling page only to search-engine crawlers
 * (User-Agent Googlebot, bingbot, ...) and the site's own page, or a 302 to
 * a landing page, to everyone else. One access-log line cannot show that;
 * two can: the same URL answered 200 / 38 KB to Googlebot and 200 / 9 KB (or
 * 302) to browsers. This module remembers, per site, the last answer to a
 * browser for each URL (path and query) and, when a line matched a rule of
 * category search-bot, puts that answer on the event (ronda.cloak) for the
 * correlator to compare with the bot's own (http.response.*).
 *
 * Event time only: ages are line time minus line time, never the wall
 * clock. Memory is capped: at most `cap` URLs per site, the least recently
 * seen pushed out first (counted). URLs are keyed by a keyed 64-bit hash
 * (a per-process seed: a hostile path cannot choose its collisions), never
 * stored, so a 64 KB path costs what a short one does. The state lives in
 * memory only: after a restart the comparisons start afresh.
 */
#ifndef RONDA_CLOAK_H
#define RONDA_CLOAK_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/event.h"

struct ronda_cloak;

#define RONDA_CLOAK_CAP		4096	/* URLs remembered per site */
#define RONDA_CLOAK_MAX_AGE_MS	(24LL * 3600 * 1000)	/* older answers are not compared */
#define RONDA_CLOAK_CATEGORY	"search-bot"	/* the rule category that marks a bot line */

struct ronda_cloak_stats {
	uint64_t browser;	/* browser answers recorded */
	uint64_t bot;		/* search-bot answers recorded */
	uint64_t attached;	/* search-bot lines given a browser answer (ronda.cloak) */
	uint64_t evictions;	/* URLs pushed out by the per-site cap */
	uint64_t sites;		/* per-site tables in use */
	uint64_t nomem;		/* lines not looked at: a table could not be allocated */
};

/*
 * A memory of nsites sites (slots 0 .. nsites - 1; a table is allocated
 * for a slot only when its first line is recorded), at most cap URLs each
 * (0: RONDA_CLOAK_CAP). seed keys the URL hash; 0 picks a random one.
 * Results never depend on the seed. NULL when out of memory.
 */
struct ronda_cloak *ronda_cloak_new(size_t nsites, size_t cap, uint64_t seed);
/* Free; NULL is a no-op. */
void ronda_cloak_free(struct ronda_cloak *c);

/*
 * Look at web event ev of site slot `site`, after rule matching:
 *  - a line with a rule of category search-bot is a bot line: when a
 *    browser answer for the same URL is known within RONDA_CLOAK_MAX_AGE_MS
 *    of the line's time, ev->cloak is filled with it (and with the previous
 *    search-bot answer for the URL, when one is known within that age);
 *    then the line's own answer becomes the URL's last bot answer
 *    (an answer later in event time than the bot line is not compared;
 *    sizes compare GET with GET: a HEAD answer, the browser's or the bot
 *    line's own, leaves the sizes out);
 *  - a line whose User-Agent reads as a browser's (starts "Mozilla/",
 *    names no bot, spider, crawler or URL) becomes the URL's last browser
 *    answer;
 *  - only GET and HEAD lines with a time and a status, and never answers
 *    304 (Not Modified) or 206 (Partial Content), which say nothing of the
 *    page; nor requests for static assets (.css, .js, images, fonts);
 *  - an answer replaces the one kept only when its time is not older
 *    (files of one site read out of order keep the newest).
 * Everything else is left alone. ev's slices are not kept.
 */
void ronda_cloak_line(struct ronda_cloak *c, size_t site, struct ronda_event *ev);

/*
 * Whether search-bot line ev (after ronda_cloak_line) is worth sending: its
 * answer could be a cloak's — the page to the bot and a redirect to people
 * (2xx against 3xx), a redirect to the bot only (3xx but 301/308 against
 * 2xx), or another page (both 2xx, GET sizes 2x and 8 KB apart). Answers a
 * crawler sees every day (5xx, 4xx, alike pages) are not: most lines of a
 * site are crawlers', and the aggregates count them. The correlator judges
 * again (correlator/detect_file.c), this only spares the network.
 */
int ronda_cloak_worth_sending(const struct ronda_event *ev);

/* Counters (borrowed, live). */
const struct ronda_cloak_stats *ronda_cloak_stats(const struct ronda_cloak *c);

#endif
