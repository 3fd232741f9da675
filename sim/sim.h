/*
 * sim.h — what the parts of ronda-sim share: the scenario as loaded, the
 * simulated clock, the per-minute line buffer and the line formats, and one
 * entry point per part. Internal to the program (the .c files of sim/); nothing else
 * includes it.
 *
 *   main.c      options, the main loop over one-minute slices
 *   scenario.c  the scenario's YAML keys, lookup by name, validation
 *   rand.c      the one deterministic PRNG
 *   addr.c      addresses: CIDRs, attacker and visitor addresses
 *   lines.c     the two log formats, the per-minute buffer, writing in time order
 *   traffic.c   every site's ordinary traffic
 *   attacks.c   planting the attacks: the plan, then their lines slice by slice
 *   output.c    log files, collector configs, truth.json, clock.json
 *   score.c     `ronda-sim score`: the correlator's store against truth.json
 *   vocab.h     the words the lines are made of (tables only)
 */
#ifndef RONDA_SIM_H
#define RONDA_SIM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ronda/config.h"
#include "ronda/tz.h"

#define SIM_DEFAULT_START "2026-11-16T00:00:00Z"	/* a Monday, 08:00 WITA */
#define SIM_MAX_SITES 1000
#define SIM_MAX_ATTACK_IPS 4096
#define SIM_SLICE_MS 60000
#define SIM_SLICE_MAX_BYTES (64u << 20)	/* one minute of lines, all sites */
#define SIM_SLICE_MAX_LINES (512u * 1024)
#define SIM_LINE_MAX 2048
#define SIM_LOG_BUF (16u << 10)	/* per log file: flushed by us, never by stdio */

/* ---- scenario ----------------------------------------------------------- */

enum site_kind { KIND_CMS, KIND_COMPLAINT, KIND_EKINERJA, KIND_MAIL, KIND_SSH };
extern const char *const site_kinds[];	/* names of enum site_kind, NULL-terminated */

enum attack_kind {
	ATK_GAMBLING, ATK_DEFACE, ATK_WEBSHELL, ATK_SQLI, ATK_BRUTE, ATK_CMS_LOGIN,
	ATK_SCANNER, ATK_DOS
};
/* Named with the rules' category vocabulary (attack_kinds[], NULL-terminated). */
extern const char *const attack_kinds[];

struct sim_background {
	int64_t web_rate;	/* requests per hour at the daily peak */
	int64_t crawler_pct;	/* share of requests from search-engine crawlers */
	int64_t notfound_pct;	/* share of benign 404s */
	int64_t admin_logins;	/* legitimate CMS / e-Kinerja admin logins per day */
	int64_t ssh_logins;	/* administrators' SSH sessions per day */
	int64_t ssh_noise;	/* stray Internet SSH probes per hour */
	char *soc_scanner;	/* the SOC's own vulnerability scanner (IP), or none */
	int64_t soc_scanner_at;	/* ms after the start */
};

/*
 * One log file. Its buffer is flushed by log_flush() only (before it would
 * fill, and before each pause with --speed), which then sets the file's
 * mtime to its last line: stdio never writes on its own, so the mtime is
 * the wall clock only between a write and the futimens() right after it.
 */
enum { F_WEB, F_AUTH, F_NLOGS };

struct sim_log {
	FILE *f;
	char *buf;		/* its stdio buffer, SIM_LOG_BUF bytes */
	size_t pending;		/* bytes written to f and not yet flushed */
	int64_t last_ms;	/* time of its last line written, 0 none */
};

struct sim_site {
	char *id;
	char *agency;
	char *region;
	char *timezone;
	char *host;
	int kind;
	int64_t web_rate;	/* 0: the background's */

	/* Resolved at run time. */
	struct ronda_tz *tz;
	struct sim_log log[F_NLOGS];	/* access.log, auth.log */
	int64_t db_broken_ms;	/* complaint DB destroyed at (0: never) */
	int64_t flood_from_ms, flood_to_ms;	/* 5xx while flooded */
	unsigned next_pid;
	unsigned session;
};

struct sim_attack {
	char *name;
	int kind;
	struct ronda_strlist sites;	/* ids, "all" or "kind:<site kind>" */
	int64_t start;		/* ms after the scenario start */
	int64_t duration;	/* per site */
	int64_t stagger;	/* each site starts within [start, start+stagger) */
	struct ronda_strlist networks;	/* CIDRs attackers come from */
	int64_t ips;		/* attacker IPs (shared) or per site */
	int shared;		/* the same IPs everywhere, or fresh ones per site */
	int64_t rate;		/* attack requests per minute per site */
	char *success_site;	/* brute-force / cms-login: where it finally works */

	/* Resolved plan. */
	size_t n;		/* sites hit */
	size_t *site;		/* index into the scenario's sites */
	int64_t *from, *to;	/* absolute ms per site */
	uint32_t *ip;		/* n * nip (per site) or nip (shared) */
	size_t nip;
	char token[16];		/* payload fingerprint: shell name, team */
};

struct sim_scenario {
	char *name;
	char *description;
	int64_t duration;
	struct sim_background bg;
	struct ronda_cfg_array sites;	/* struct sim_site */
	struct ronda_cfg_array attacks;	/* struct sim_attack */
};


/* ---- the run (main.c) ------------------------------------------------------ */

extern struct sim_scenario *scn;	/* the scenario being simulated */
extern int64_t sim_start_ms, sim_end_ms;	/* simulated [start, end), UTC ms */
extern int start_year;		/* the UTC year of --start (complaint tickets) */
extern char upload_dir[32];	/* "/wp-content/uploads/2026/11" of the start */
extern volatile sig_atomic_t stop_requested;	/* SIGINT / SIGTERM */

/* ---- scenario.c -------------------------------------------------------------- */

/* The scenario file's key table (ronda_cfg_load / ronda_cfg_free). */
extern const struct ronda_cfg_key scenario_keys[];
/* NAME -> tests/scenarios/NAME.yaml of the build's tree, or the installed one. 0 / -1. */
int find_scenario(const char *name, char *out, size_t outlen);
/* Checks across keys once loaded (site ids, the SOC scanner). 0 / -1 with err. */
int check_scenario(char *err, size_t errlen);

/* ---- rand.c ------------------------------------------------------------------ */

extern uint64_t rng_state;	/* seeded once from --seed */
/* The next 64 random bits (splitmix64). */
uint64_t rnd(void);
/* Uniform in [0, n); 0 when n is 0. */
unsigned rndn(unsigned n);
/* Uniform in [0, 1). */
double rndf(void);
/* A Poisson-distributed count of mean mean. */
unsigned poisson(double mean);
/* Entries of a NULL-terminated table. */
size_t vcount(const char *const *v);
#define PICK(v) ((v)[rndn((unsigned)vcount(v))])

/* ---- addr.c ------------------------------------------------------------------ */

/* "a.b.c.d/n" (n 8..32) or "a.b.c.d" into base (host bits cleared) and bits. 0 / -1. */
int parse_cidr(const char *s, uint32_t *base, unsigned *bits);
/* Dotted quad. */
void ip_str(uint32_t ip, char out[16]);
/* A random host address in one of nets, never .0 or .255. */
uint32_t ip_in(const struct ronda_strlist *nets);
/* A random citizen's address on an Indonesian access network. */
uint32_t ip_isp(void);

/* ---- lines.c ----------------------------------------------------------------- */

/* Site i of the scenario. */
struct sim_site *site_at(size_t i);
/* The site's local hour at UTC ms. */
unsigned local_hour(const struct sim_site *s, int64_t ms);
/* One nginx "combined" line into the slice (dropped outside the simulated span). */
void web(size_t site, int64_t ms, uint32_t ip, const char *method, const char *url,
    int status, unsigned bytes, const char *ref, const char *ua);
/* One RFC 3164 line of prog[pid] into the site's auth.log. */
void auth(size_t site, int64_t ms, const char *prog, unsigned pid, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The site's next process id. */
unsigned new_pid(struct sim_site *s);
/* tmpl with %u replaced by id and %d by a random number, into out. */
void subst(char *out, size_t n, const char *tmpl, unsigned id);
/* A browser user agent. */
const char *browser(void);
/*
 * Write the slice's lines dated before cutoff, in time order (with speed > 0
 * each waits for its time, paced from wall0 on the monotonic clock); later
 * ones stay for the next slice. Adds to *lines and *bytes. 0 / -1 (errno).
 */
int write_slice(int64_t cutoff, double speed, int64_t wall0, uint64_t *lines,
    uint64_t *bytes);
/* Lines the slice caps refused. */
uint64_t lines_dropped(void);
/* Free the slice buffer. */
void lines_free(void);
/* Sleep ms (at most a second). */
void sleep_ms(int64_t ms);

/* ---- traffic.c --------------------------------------------------------------- */

/* Site si's ordinary traffic for the minute starting at t0. */
void background(size_t si, int64_t t0);
/* The SOC's scheduled sweep of site si from ip, starting at ms. */
void soc_scan(size_t si, int64_t ms, uint32_t ip);
/* ok, or a 5xx while the site is flooded. */
int site_status(const struct sim_site *s, int64_t ms, int ok);
/* "https://<site><path>" in a static buffer (valid until the next call). */
const char *site_ref(const struct sim_site *s, const char *path);

/* ---- attacks.c --------------------------------------------------------------- */

/* Resolve an attack: its sites, windows, addresses and token. 0 / -1 with err. */
int plan_attack(struct sim_attack *a, char *err, size_t errlen);
/* The attack's lines for the minute starting at t0. */
void attack_slice(struct sim_attack *a, int64_t t0);

/* ---- output.c ---------------------------------------------------------------- */

/* mkdir -p. 0 / -1 (errno). */
int mkdir_p(const char *path);
/* Create site si's folder, its two logs and its collector.yaml. 0 / -1 with err. */
int open_site(size_t si, const char *dir, const char *state_dir, const char *brokers,
    char *err, size_t errlen);
/* Write out what a log buffers and date the file by its last line. 0 / -1. */
int log_flush(struct sim_log *g);
/* log_flush() every log. 0 / -1. */
int flush_dirty(void);
/* DIR/truth.json: what was planted. 0 / -1 with err. */
int write_truth(const char *dir, uint64_t seed, char *err, size_t errlen);
/* DIR/clock.json: where simulated time meets the wall clock. 0 / -1 with err. */
int write_clock(const char *dir, double speed, int64_t wall0, char *err, size_t errlen);

/* ---- score.c ----------------------------------------------------------------- */

/* `ronda-sim score ...` (argv[0] is "score"): the exit code. */
int score_main(int argc, char **argv);

#endif
