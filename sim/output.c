/*
 * output.c — what ronda-sim writes besides the lines and the truth: each
 * site's folder, logs (dated by the simulated clock) and collector.yaml, and
 * clock.json (simulated time against the wall clock).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ronda/timeutil.h"
#include "sim.h"

void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void
json_time(FILE *f, int64_t ms)
{
	char ts[RONDA_TS_LEN + 1];

	ronda_fmt_utc_ms(ts, ms - ms % 1000);
	/* RFC 3339 in whole seconds: "2026-11-16T00:00:00Z". */
	fprintf(f, "\"%.19sZ\"", ts);
}

/*
 * clock.json: where simulated time meets the wall clock, for `score`'s time
 * to alert. The lines are paced on the monotonic clock from wall0; the Unix
 * time read next to it anchors that pace to the alerts' `created` (the
 * correlator's wall clock, the same machine). A line is due at
 * wall_start + (t - sim_start) / speed and written then or (when the
 * machine lags) a little later, so a latency measured from it errs long.
 */
int
write_clock(const char *dir, double speed, int64_t wall0, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int64_t unix0 = ronda_now_ms() - (ronda_mono_ms() - wall0);
	FILE *f;

	snprintf(path, sizeof(path), "%s/clock.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"sim_start\":%" PRId64 ",\"wall_start\":%" PRId64 ",\"speed\":%.17g,"
	    "\"sim_start_utc\":", sim_start_ms, unix0, speed);
	json_time(f, sim_start_ms);
	fprintf(f, ",\"wall_start_utc\":");
	json_time(f, unix0);
	fprintf(f, "}\n");
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- output files -------------------------------------------------------------- */

static void
yaml_str(FILE *f, const char *s)
{
	json_str(f, s);	/* a JSON string is a valid YAML double-quoted scalar */
}

int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Set a log's modification (and access) time to simulated time ms. Every
 * write sets it to the wall clock, so this follows each flush; a reader
 * that stats the file between the write and this call sees the wall clock
 * for that moment (the lines stay the same: only an RFC 3164 year guessed
 * from it could differ, and only when the simulated year is not this one).
 */
static int
stamp_file(FILE *f, int64_t ms)
{
	struct timespec ts[2];

	ts[0].tv_sec = (time_t)(ms / 1000);
	ts[0].tv_nsec = (long)(ms % 1000) * 1000000L;
	ts[1] = ts[0];
	return futimens(fileno(f), ts);
}

/*
 * Create a log, dated the scenario start (a collector may stat it before
 * its first line). Returns 0, or -1 with errno set.
 */
static int
log_open(struct sim_log *g, const char *path)
{
	if ((g->buf = malloc(SIM_LOG_BUF)) == NULL || (g->f = fopen(path, "w")) == NULL)
		return -1;
	if (setvbuf(g->f, g->buf, _IOFBF, SIM_LOG_BUF) != 0) {
		errno = EINVAL;
		return -1;
	}
	return stamp_file(g->f, sim_start_ms);
}

/* Write out what g buffers and date the file by its last line. */
int
log_flush(struct sim_log *g)
{
	if (g->pending == 0)
		return 0;
	g->pending = 0;
	if (fflush(g->f) != 0 || stamp_file(g->f, g->last_ms) == -1)
		return -1;
	return 0;
}

int
open_site(size_t si, const char *dir, const char *state_dir, const char *brokers,
    char *err, size_t errlen)
{
	struct sim_site *s = site_at(si);
	char sd[PATH_MAX], p[PATH_MAX + 64];
	FILE *f;

	snprintf(sd, sizeof(sd), "%s/%s", dir, s->id);
	if (mkdir_p(sd) == -1) {
		snprintf(err, errlen, "%s: %s", sd, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof(p), "%s/access.log", sd);
	if (log_open(&s->log[F_WEB], p) == -1)
		goto fail;
	snprintf(p, sizeof(p), "%s/auth.log", sd);
	if (log_open(&s->log[F_AUTH], p) == -1)
		goto fail;
	snprintf(p, sizeof(p), "%s/collector.yaml", sd);
	if ((f = fopen(p, "w")) == NULL)
		goto fail;
	fprintf(f, "# Written by ronda-sim (scenario %s): tails this site's simulated "
	    "logs and watches its web root.\nsite: ", scn->name);
	yaml_str(f, s->id);
	if (s->agency != NULL) {
		fprintf(f, "\nagency: ");
		yaml_str(f, s->agency);
	}
	fprintf(f, "\nregion: ");
	yaml_str(f, s->region);
	fprintf(f, "\ntimezone: ");
	yaml_str(f, s->timezone);
	fprintf(f, "\nhost_name: ");
	yaml_str(f, s->host);
	if (state_dir != NULL)
		snprintf(p, sizeof(p), "%s/%s.db", state_dir, s->id);
	else
		snprintf(p, sizeof(p), "%s/collector.db", sd);
	fprintf(f, "\nstate_db: ");
	yaml_str(f, p);
	fprintf(f, "\nkafka:\n  brokers: ");
	yaml_str(f, brokers);
	fprintf(f, "\nforward: events\ninputs:\n  - path: ");
	snprintf(p, sizeof(p), "%s/access.log", sd);
	yaml_str(f, p);
	fprintf(f, "\n    type: web\n    format: combined\n    start_at: beginning\n"
	    "  - path: ");
	snprintf(p, sizeof(p), "%s/auth.log", sd);
	yaml_str(f, p);
	fprintf(f, "\n    type: auth\n    format: syslog\n    start_at: beginning\n");
	/* Its web root (webroot.c writes it before any collector can start). */
	fprintf(f, "webroots:\n  - path: ");
	snprintf(p, sizeof(p), "%s/www", sd);
	yaml_str(f, p);
	fputc('\n', f);
	if (fclose(f) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", p, strerror(errno));
	return -1;
}

/*
 * log_flush() every log with lines pending: before each pause with --speed
 * (so at most once per pause per file), and at the end. Returns -1 on a
 * write error.
 */
int
flush_dirty(void)
{
	int rc = 0;

	for (size_t i = 0; i < scn->sites.n; i++)
		for (int k = 0; k < F_NLOGS; k++)
			if (log_flush(&site_at(i)->log[k]) == -1)
				rc = -1;
	return rc;
}
