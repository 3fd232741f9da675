/*
 * cli.h — what the parts of the analysts' command line (`ronda`) share:
 * the output (escaping, colour, tables, times in each site's zone), the
 * read-only store handle, and one entry point per command.
 */
#ifndef RONDA_CLI_H
#define RONDA_CLI_H

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "query.h"
#include "ronda/buf.h"
#include "ronda/timeutil.h"
#include "ronda/tz.h"
#include <cJSON.h>



/* Exit codes (docs/cli.md). */
#define EXIT_STOREFAIL	1	/* the store failed while reading (I/O, busy, corrupt) */
#define EXIT_USAGE	2	/* bad command line: option, --since value, filter */
#define EXIT_NOSTORE	3	/* no store at the path, or not a Ronda store */
#define EXIT_NOTFOUND	4	/* no incident, campaign or site with that id */
#define EXIT_API	5	/* triage: the API could not be reached or failed */

#define DEFAULT_DB "/var/lib/ronda/ronda.db"
#define SHORT_ID 10		/* hex digits of an id shown in tables */
#define MAX_ZONES 32

enum cmd { CMD_NONE, CMD_INCIDENTS, CMD_INCIDENT, CMD_CAMPAIGNS, CMD_CAMPAIGN, CMD_SITES,
	CMD_SUMMARY, CMD_TRIAGE, CMD_AUDIT };

struct opts {
	const char *db, *now_arg, *since, *until, *site, *kind, *severity, *status, *format;
	const char *limit, *offset;
	const char *api, *token_file, *reason, *note, *suppress;	/* triage */
	int json, utc, help;
	enum cmd cmd;
	const char *action;	/* triage: ack, assign, close, reopen, note */
	const char *id;
	const char *arg;	/* assign NAME, note TEXT */
};

/* Output settings and the zones of the sites. */
struct out {
	int color;		/* ANSI colours: a terminal, NO_COLOR unset, TERM not dumb */
	int width;		/* columns */
	int utf8;		/* the locale is UTF-8 (for the ellipsis) */
	int utc;
	struct ronda_tz *zones[MAX_ZONES];
	int nzones;
	cJSON *sites;		/* site.schema.json objects, for zones and agencies */
	const struct ronda_tz *report_zone;	/* cross-site times; NULL = UTC */
	const struct ronda_tz *user_zone;	/* the operator's zone; NULL = UTC */
};


struct col {
	const char *head;
	int right;	/* numbers */
	int flex;	/* may be cut down to min */
	int min;
	int prio;	/* dropped lowest first when the terminal is too narrow */
	int w, hidden;
};

struct table {
	struct col *cols;
	int ncols;
	char **cells;		/* nrows * ncols, escaped, owned */
	const char **colors;	/* per cell, static strings or NULL */
	int nrows, cap;
};

extern struct out O;
extern struct ronda_query *Q;

void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
int is_hidden_format(uint32_t cp);
uint32_t utf8_decode(const unsigned char *p, size_t l);
void esc_term(struct ronda_buf *b, const char *s);
char * term_dup(const char *s);
void esc_md(struct ronda_buf *b, const char *s);
void put_term(const char *s);
void put_md(const char *s);
const char * jstr(const cJSON *o, const char *name);
int64_t jint(const cJSON *o, const char *name);
int jnull(const cJSON *o, const char *name);
int64_t jtime(const cJSON *o, const char *name);
const struct ronda_tz * zone_load(const char *name);
const cJSON * site_obj(const char *site);
const struct ronda_tz * site_zone(const char *site);
const char * fmt_time(char *out, size_t n, int64_t ms, const struct ronda_tz *tz, int secs);
const char * fmt_dur(char *out, size_t n, int64_t ms);
const char * sev_color(const char *sev);
void color_on(const char *c);
void color_off(const char *c);
int cp_width(uint32_t cp);
int dwidth(const char *s);
void put_cell(const char *s, int w, int right);
void table_init(struct table *t, struct col *cols, int ncols);
int table_row(struct table *t);
void cell(struct table *t, int c, const char *raw, const char *color);
void cellf(struct table *t, int c, const char *color, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void table_fit(struct table *t);
void table_print(struct table *t);
void table_free(struct table *t);
void check(int rc);
void resolve_id(enum ronda_query_what what, const char *given, char *out, size_t outlen);
void print_json(cJSON *o);
const char * short_id(char *out, size_t n, const char *id);
void join_strings(struct ronda_buf *b, const cJSON *arr, const char *sep);
void kv(const char *label, const char *value, const char *color);
void heading(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_incidents(const struct ronda_query_filter *f, int json);
void cmd_incident(const char *given, int json);
void cmd_campaigns(const struct ronda_query_filter *f, int json);
void cmd_campaign(const char *given, int json);
void cmd_sites(const struct ronda_query_filter *f, int json);
void cmd_summary(const struct ronda_query_filter *f, const char *format, int json);
void cmd_triage(const char *action, const char *given, const char *arg, const struct opts *o);
void cmd_audit(const char *given, const struct opts *o);

#endif
