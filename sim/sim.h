/*
 * sim.h — what the parts of ronda-sim share: the scenario as loaded, the
 * simulated clock, the per-minute line buffer and the line formats, and one
 * entry point per part. Internal to the program (the .c files of sim/); nothing else
 * includes it.
 *
 *   main.c      options, the main loop over one-minute slices
 *   scenario.c  the scenario's YAML keys, lookup by name, validation
 *   rand.c      the one deterministic PRNG
 *   addr.c      addresses: IPv4 and IPv6 networks, attacker and visitor addresses
 *   geo.c       who owns them: OUT/geo.tsv for GeoIP tests
 *   lines.c     the two log formats, the per-minute buffer, writing in time order
 *   traffic.c   every site's ordinary traffic
 *   attacks.c   planting the attacks: the plan, then their lines slice by slice
 *   output.c    log files, collector configs, clock.json
 *   webroot.c   every site's web root, the files attacks plant in it, core updates,
 *               and the cloaking those plants make the access log show; its parts
 *               webroot_tree.c (which files a CMS tree holds), webroot_cms.c
 *               (what they hold), webroot_plant.c (what attacks plant), webroot_int.h
 *   truth.c     truth.json: the planted campaigns, incidents and attacks
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
#define SIM_MAX_ATTACK_IPS 65536	/* per attack, every site's together */
#define SIM_MAX_SESSIONS 1000
#define SIM_ACCOUNTS 8		/* accounts a login attack tries per site */
#define SIM_SLICE_MS 60000
#define SIM_SLICE_MAX_BYTES (64u << 20)	/* one minute of lines, all sites */
#define SIM_SLICE_MAX_LINES (512u * 1024)
#define SIM_LINE_MAX 2048
#define SIM_LOG_BUF (16u << 10)	/* per log file: flushed by us, never by stdio */
#define SIM_IP_STR 46		/* INET6_ADDRSTRLEN */

struct wr_plan;

/* ---- addresses --------------------------------------------------------------- */

/* An address: IPv6, or IPv4 as ::ffff:a.b.c.d (hi 0, lo 0xffff'a.b.c.d). */
struct sim_ip {
	uint64_t hi, lo;
};

/* A network as written in a scenario: a.b.c.d/8..32 or an IPv6 prefix /16..128. */
struct sim_net {
	struct sim_ip base;	/* host bits cleared */
	unsigned bits;		/* prefix length (IPv4: 8..32, counted on the IPv4 address) */
	int v6;
};

static inline struct sim_ip
ip4(uint32_t v)
{
	struct sim_ip ip = { 0, 0xffff00000000ULL | v };

	return ip;
}

static inline int
ip_is4(struct sim_ip ip)
{
	return ip.hi == 0 && (ip.lo >> 32) == 0xffff;
}

/* ---- scenario ----------------------------------------------------------- */

enum site_kind { KIND_CMS, KIND_COMPLAINT, KIND_EKINERJA, KIND_MAIL, KIND_SSH };
extern const char *const site_kinds[];	/* names of enum site_kind, NULL-terminated */

enum attack_kind {
	ATK_GAMBLING, ATK_DEFACE, ATK_WEBSHELL, ATK_SQLI, ATK_BRUTE, ATK_CMS_LOGIN,
	ATK_SCANNER, ATK_DOS,
	/* Kinds that change a web root (webroot.c): each its own randomness. */
	ATK_WEBSHELL_FILE, ATK_GAMBLING_INJECT, ATK_DEFACE_FILE, ATK_CMS_UPDATE
};
/* Named with the rules' category vocabulary (attack_kinds[], NULL-terminated). */
extern const char *const attack_kinds[];

/* The attack changes a web root (and draws from a stream of its own). */
static inline int
atk_is_file(int kind)
{
	return kind >= ATK_WEBSHELL_FILE;
}

enum pace { PACE_RANDOM, PACE_STEADY };
extern const char *const paces[];

/* webshell-file: obfuscation of the shell's body. */
enum obfuscation { OBF_RANDOM, OBF_PLAIN, OBF_OBFUSCATED };
extern const char *const obfuscations[];

/* gambling-injection: what is planted (inject:). */
enum inject { INJ_CLOAKER, INJ_LINKS, INJ_HTACCESS, INJ_SITEMAP, INJ_N };
extern const char *const injects[];

/*
 * A duration key as written ("90m", "18h30m", "2d6h") and its value. The
 * key's offset points at text (the first member), so the loader owns it and
 * the key's check parses it into ms when the file gives it; resolve_scenario()
 * parses the defaults.
 */
struct sim_dur {
	char *text;
	int64_t ms;
};

/* A rate key as written ("6", "0.5", "1/5m") and its value per minute. */
struct sim_rate {
	char *text;
	double per_min;
	int set;		/* given in the file (not the default) */
};

/* An integer a site may set to override the background's; set when given. */
struct sim_opt {
	int64_t v;		/* first: the key's offset points here */
	int set;
};

struct sim_background {
	int64_t web_rate;	/* requests per hour at the daily peak */
	int64_t crawler_pct;	/* share of requests from search-engine crawlers */
	int64_t notfound_pct;	/* share of benign 404s */
	int64_t admin_logins;	/* legitimate CMS / e-Kinerja admin logins per day */
	int64_t ssh_logins;	/* administrators' SSH sessions per day */
	int64_t ssh_noise;	/* stray Internet SSH probes per hour */
	char *soc_scanner;	/* the SOC's own vulnerability scanner (IP), or none */
	struct sim_dur soc_scanner_at;	/* after the start */
	int64_t admin_typos;	/* percent of admin logins after 1-3 mistyped passwords */
	struct sim_dur cms_update_at;	/* every CMS updates WordPress within the hour after */
};

/* sites[].background: the keys of struct sim_background a site overrides. */
struct sim_site_background {
	struct sim_opt web_rate, crawler_pct, notfound_pct, admin_logins, ssh_logins,
	    ssh_noise, admin_typos;
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
	struct sim_site_background bgo;	/* sites[].background */
	struct sim_dur blank_at;	/* the site stops logging this long after the start */
	struct sim_dur blank_for;	/* ... for this long (none: to the end) */
	int line;		/* of its entry in the file */

	/* Resolved at run time. */
	struct sim_background bg;	/* the background with the site's overrides */
	int64_t blank_from, blank_to;	/* absolute ms; blank_from 0: never blank */
	struct ronda_tz *tz;
	struct sim_log log[F_NLOGS];	/* access.log, auth.log */
	int64_t db_broken_ms;	/* complaint DB destroyed at (0: never) */
	int64_t flood_from_ms, flood_to_ms;	/* 5xx while flooded */
	unsigned next_pid;
	unsigned session;
};

/* attacks[].geo: who a network belongs to (geo.tsv). */
struct sim_geo {
	char *net;
	int64_t asn;
	char *org;
	char *country;
};

struct sim_attack {
	char *name;
	int kind;
	struct ronda_strlist sites;	/* ids, "all" or "kind:<site kind>" */
	struct sim_dur start;	/* after the scenario start */
	struct sim_dur duration;	/* per site and session */
	struct sim_dur stagger;	/* each site starts within [start, start+stagger) */
	struct ronda_strlist starts;	/* or: each site's start, in site order */
	int64_t sessions;	/* windows per site */
	struct sim_dur every;	/* between the starts of a site's sessions */
	struct sim_dur jitter;	/* each later session starts up to this much later */
	struct sim_dur turn;	/* each address works a site at most this long at a time */
	int64_t users;		/* login attacks: accounts an address tries per turn */
	int pace;		/* random (Poisson) or steady (evenly spaced) */
	struct ronda_strlist networks;	/* CIDRs attackers come from */
	int64_t ips;		/* attacker IPs (shared) or per site */
	int shared;		/* the same IPs everywhere, or fresh ones per site */
	int64_t spread;		/* shared: false: each site's in its own /N (0: any) */
	struct sim_rate rate;	/* attack requests per minute per site */
	char *success_site;	/* brute-force / cms-login: where it finally works */
	char *campaign;		/* the planted campaign it is part of (default: its name) */
	int distractor;		/* an unrelated single-site attack no campaign may absorb */
	char *user_agent;	/* the attacker's fixed agent (default: the tool's) */
	char *payload;		/* sqli: the request target, the same on every site */
	char *shell;		/* webshell: the shell's file name */
	char *domain;		/* gambling-spam / -injection: the domain the pages promote */
	struct ronda_strlist inject;	/* gambling-injection: cloaker, links, htaccess, sitemap */
	int obfuscation;	/* webshell-file: random, plain, obfuscated */
	char *family;		/* webshell-file: wso, alfa, b374k (default: drawn) */
	int64_t asn;		/* geo of every network (0: a default per network) */
	char *org, *country;
	struct ronda_cfg_array geo;	/* struct sim_geo: per network */
	int line;		/* of its entry in the file */

	/* Resolved plan. */
	size_t n;		/* sites hit */
	size_t *site;		/* index into the scenario's sites */
	size_t nsess;		/* sessions per site */
	int64_t *from, *to;	/* absolute ms, n * nsess: site k's session j at k * nsess + j */
	struct sim_ip *ip;	/* n * nip (per site) or nip (shared) */
	size_t nip;
	size_t *turn_order;	/* turn: the addresses' order (nip) */
	int64_t *turn_phase;	/* turn: each site's turns start this late (n) */
	char (*acct)[48];	/* login attacks on mail sites: n * SIM_ACCOUNTS names */
	uint64_t salt;		/* steady pace: each site's own jitter */
	char token[16];		/* payload fingerprint: shell name, team */
	uint64_t rng;		/* file kinds: their own stream (rng_state while they draw) */
	struct wr_plan *wr;	/* file kinds: what is planted where (webroot.c) */
};

struct sim_scenario {
	char *name;
	char *description;
	char *start;		/* RFC 3339; --start wins */
	struct sim_dur duration;
	struct sim_background bg;
	struct ronda_cfg_array sites;	/* struct sim_site */
	struct ronda_cfg_array attacks;	/* struct sim_attack */
};

/* ---- the run (main.c) ------------------------------------------------------ */

extern struct sim_scenario *scn;	/* the scenario being simulated */
extern uint64_t sim_seed;	/* --seed */
extern int64_t sim_start_ms, sim_end_ms;	/* simulated [start, end), UTC ms */
extern int start_year;		/* the UTC year of --start (complaint tickets) */
extern char upload_dir[32];	/* "/wp-content/uploads/2026/11" of the start */
extern volatile sig_atomic_t stop_requested;	/* SIGINT / SIGTERM */

/* ---- scenario.c -------------------------------------------------------------- */

/* The scenario file's key table (ronda_cfg_load / ronda_cfg_free). */
extern const struct ronda_cfg_key scenario_keys[];
/* NAME -> tests/scenarios/NAME.yaml of the build's tree, or the installed one. 0 / -1. */
int find_scenario(const char *name, char *out, size_t outlen);
/*
 * Once scn is loaded from file: resolve its durations and each site's
 * background, and check what spans keys and entries; each problem is
 * appended to errs as "file:line: key: message". 0 / -1.
 */
int check_scenario(const char *file, struct ronda_cfg_errors *errs);
/* "90m", "18h30m", "2d6h", "1h30m15s", "500ms" or seconds. 0 / -1. */
int sim_parse_duration(const char *s, int64_t *ms);
/* "6" (per minute), "0.5", "1/5m", "2/h" into requests per minute. 0 / -1. */
int sim_parse_rate(const char *s, double *per_min);

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
/* An IPv4 CIDR (as parse_cidr) or an IPv6 prefix "2001:db8:10::/48" (/16../128). 0 / -1. */
int parse_net(const char *s, struct sim_net *net);
/* "a.b.c.d" or RFC 5952 IPv6, as nginx and sshd write them. */
void ip_str(struct sim_ip ip, char out[SIM_IP_STR]);
/* "base/bits" into out; snprintf's return. */
int net_str(const struct sim_net *net, char *out, size_t n);
/* ip is in net. */
int net_contains(const struct sim_net *net, struct sim_ip ip);
/* A random host address in one of nets (IPv4: never .0 or .255). */
struct sim_ip ip_in(const struct ronda_strlist *nets);
/* A random citizen's address on an Indonesian access network. */
uint32_t ip_isp(void);
/*
 * groups * per addresses from nets into out (group g's at g * per): distinct
 * (a small pool is dealt, a large one drawn), and with spread > 0 no two
 * groups share a /spread (IPv6: /spread+32). 0, or -1 with err ("key: why").
 */
int draw_addresses(const struct ronda_strlist *nets, size_t groups, size_t per,
    unsigned spread, struct sim_ip *out, char *err, size_t errlen);

/* ---- geo.c ------------------------------------------------------------------- */

/*
 * Who owns network net of attack a: 1 as the attack says (geo:, or asn, org,
 * country), 0 a default (the strings are static or the attack's), -1 not a CIDR.
 */
int attack_geo(const struct sim_attack *a, const char *net, struct sim_geo *out);
/* DIR/geo.tsv: every attacker network and background range. 0 / -1 with err. */
int write_geo(const char *dir, char *err, size_t errlen);

/* ---- lines.c ----------------------------------------------------------------- */

/* Site i of the scenario. */
struct sim_site *site_at(size_t i);
/* The site's local hour at UTC ms. */
unsigned local_hour(const struct sim_site *s, int64_t ms);
/*
 * One nginx "combined" line into the slice (dropped outside the simulated
 * span, and while the site is blank).
 */
void web_ip(size_t site, int64_t ms, struct sim_ip ip, const char *method,
    const char *url, int status, unsigned bytes, const char *ref, const char *ua);
/* The same from an IPv4 address. */
void web(size_t site, int64_t ms, uint32_t ip, const char *method, const char *url,
    int status, unsigned bytes, const char *ref, const char *ua);
/* One RFC 3164 line of prog[pid] (pid 0: prog alone) into the site's auth.log. */
void auth(size_t site, int64_t ms, const char *prog, unsigned pid, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The site's next process id. */
unsigned new_pid(struct sim_site *s);
/* tmpl with %u replaced by id and %d by a random number, into out. */
void subst(char *out, size_t n, const char *tmpl, unsigned id);
/* A browser user agent. */
const char *browser(void);
/* A dovecot session id: 16 base64 characters and a NUL. */
void dovecot_session(char out[17]);
/*
 * Write the slice's lines dated before cutoff, in time order (with speed > 0
 * each waits for its time, paced from wall0 on the monotonic clock); later
 * ones stay for the next slice. Adds to *lines and *bytes. 0 / -1 (errno).
 */
int write_slice(int64_t cutoff, double speed, int64_t wall0, uint64_t *lines,
    uint64_t *bytes);
/*
 * With speed > 0, wait (flushing the logs first) until simulated time ms is
 * due on the wall clock paced from wall0; at once otherwise. 0 / -1.
 */
int pace_until(int64_t ms, double speed, int64_t wall0);
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
/*
 * The admin updates WordPress on site si from ms: login, update-core, the
 * plugins. Returns the time of the core upgrade's POST.
 */
int64_t cms_update(size_t si, int64_t ms);

/* ---- attacks.c --------------------------------------------------------------- */

/*
 * Resolve an attack of file: its sites, sessions, addresses, turns and
 * token. 0, or -1 with err ("file:line: attack NAME: key: why").
 */
int plan_attack(struct sim_attack *a, const char *file, char *err, size_t errlen);
/* The attack's lines for the minute starting at t0. */
void attack_slice(struct sim_attack *a, int64_t t0);
/* Free the plan (not the keys: ronda_cfg_free). */
void attack_free(struct sim_attack *a);

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
/* A JSON string (also a YAML double-quoted scalar). */
void json_str(FILE *f, const char *s);
/* "2026-11-16T00:00:00Z": RFC 3339 in whole seconds. */
void json_time(FILE *f, int64_t ms);
/* DIR/clock.json: where simulated time meets the wall clock. 0 / -1 with err. */
int write_clock(const char *dir, double speed, int64_t wall0, char *err, size_t errlen);

/* ---- webroot.c ---------------------------------------------------------------- */

/*
 * Every site's web root as it stands at the start, DIR/<site>/www/ (a
 * WordPress, a CodeIgniter application, Roundcube or a static page, by the
 * site's kind), dated before the start; and DIR/bots.txt, the search
 * engines' crawler ranges. Deterministic from the seed, drawing nothing from
 * rng_state. 0, or -1 with err.
 */
int webroot_base(const char *dir, char *err, size_t errlen);
/*
 * Plan what file attack a plants at each of its sites (called by
 * plan_attack() with the attack's stream in rng_state): the content, and a
 * change queued at each site's start. 0, or -1 with err.
 */
int webroot_plan(struct sim_attack *a, char *err, size_t errlen);
/* Queue a WordPress core update of site si at ms (cms_update_at). */
void webroot_update_at(size_t si, int64_t ms);
/* Time of the first queued change dated before cutoff, or INT64_MAX. */
int64_t webroot_next(int64_t cutoff);
/* Write the first queued change into its web root. 0, or -1 with err. */
int webroot_apply_next(char *err, size_t errlen);
/*
 * A cloaked site answers a search bot (by its user agent) otherwise than a
 * browser: change *status and *bytes of a request to url of site si at ms
 * accordingly (nothing when no cloak is planted there then).
 */
void cloak_answer(size_t si, int64_t ms, const char *url, const char *ua, int *status,
    unsigned *bytes);
/* A gambling-injection attack's cloaking traffic for the minute from t0. */
void cloak_slice(struct sim_attack *a, int64_t t0);
/*
 * truth.json's "webroots", "files" (every plant) or the updates of "benign":
 * entries, each after a comma unless *first (then cleared).
 */
void webroot_truth(FILE *f, int what, int *first);
/* A file attack's link across sites: {"domain": ...}, {"sha256": ..., "family": ...}. */
void webroot_truth_link(FILE *f, const struct sim_attack *a);
#define WR_TRUTH_ROOTS 0
#define WR_TRUTH_FILES 1
#define WR_TRUTH_UPDATES 2
/* Free the plans of a (attack_free()). */
void webroot_plan_free(struct sim_attack *a);
/* Free the queue and the paths. */
void webroot_free(void);

/* ---- truth.c ----------------------------------------------------------------- */

/* DIR/truth.json: what was planted. 0 / -1 with err. */
int write_truth(const char *dir, uint64_t seed, char *err, size_t errlen);

/* ---- score.c ----------------------------------------------------------------- */

/* `ronda-sim score ...` (argv[0] is "score"): the exit code. */
int score_main(int argc, char **argv);

#endif
