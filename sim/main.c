/*
 * ronda-sim — web and auth logs of many government sites, with attack waves
 * planted in them, and the ground truth of what was planted.
 *
 *   ronda-sim                                  kaltim-wave into ./sim-out, at once
 *   ronda-sim --scenario quiet-day --out /tmp/q --seed 7 --fast
 *   ronda-sim --out /tmp/demo --speed 360      6 simulated hours in one minute
 *
 * A scenario (YAML, tests/scenarios/NAME.yaml) names the sites, their
 * background traffic and the attacks. For each site the tool writes
 * OUT/<site>/access.log (nginx combined, the site's UTC offset),
 * OUT/<site>/auth.log (RFC 3164 syslog in the site's local time, as rsyslog
 * writes it: no year, no zone), OUT/<site>/www/ (its web root: a small
 * WordPress or regional application, dated before the start) and
 * OUT/<site>/collector.yaml (a config that tails both logs from the
 * beginning and watches the web root); OUT/bots.txt (the search engines'
 * crawler ranges); and OUT/truth.json: every planted campaign (one attack on
 * two sites or more) and single-site incident, and every file planted.
 *
 * Web roots are written whole before truth.json (so before --hold lets the
 * clock start: a collector started on the configs baselines them); the files
 * an attack plants, or a core update changes, are written when their time
 * comes, between the lines, and dated then (mtime of the file and, for a new
 * or removed file, of its folder).
 *
 * Time runs in one-minute slices: every site's background and every active
 * attack add their lines for the minute into one buffer, which is sorted by
 * time and written out (at once with --fast, or each line when its time
 * comes, scaled by --speed). Memory is one minute of lines, capped.
 *
 * Determinism: one PRNG seeded from --seed, consumed in a fixed order (slice,
 * site, source), and every file written in time order: the same scenario,
 * seed and start give the same bytes. Nothing depends on the wall clock:
 * another --start (at the same UTC time of day) gives the same lines with
 * other dates.
 *
 * Each log's modification time follows the simulated clock, as a real
 * server's would: the scenario start when the file is created, then the
 * time of the last line written (after each write with --speed, at the end
 * with --fast). A collector takes the year of an RFC 3164 line (which has
 * none) from its file's mtime, so logs simulated at another date than today
 * read with their own year.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ronda/config.h"
#include "ronda/timeutil.h"
#include "ronda/tz.h"
#include "sim.h"

struct sim_scenario *scn;
uint64_t sim_seed;
int64_t sim_start_ms, sim_end_ms;
int start_year;
char upload_dir[32];
volatile sig_atomic_t stop_requested;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ronda-sim score --truth DIR/truth.json --store ronda.db [...]   (score --help)\n"
	    "       ronda-sim [--scenario NAME|FILE] [--out DIR] [--seed N] [--fast | --speed X]\n"
	    "                 [--start RFC3339] [--kafka BROKERS] [--state-dir DIR] [--hold FILE]\n"
	    "  --scenario S   kaltim-wave (default), quiet-day, slow-wave, single-site, low-slow,\n"
	    "                 fingerprint, drip, busy-day, defaced, or a YAML file\n"
	    "  --out DIR      output folder (default ./sim-out): DIR/<site>/{access,auth}.log,\n"
	    "                 DIR/<site>/www/ (web root), DIR/<site>/collector.yaml,\n"
	    "                 DIR/truth.json, DIR/geo.tsv, DIR/bots.txt\n"
	    "  --seed N       the same seed writes the same bytes (default 1)\n"
	    "  --fast         write everything at once (default)\n"
	    "  --speed X      write each line when its time comes, X times faster than real time\n"
	    "  --start T      simulated start, RFC 3339 (default: the scenario's start:, else\n"
	    "                 " SIM_DEFAULT_START "); the logs' modification times follow the\n"
	    "                 simulated clock\n"
	    "  --kafka B      brokers for the collector configs (default 127.0.0.1:9092)\n"
	    "  --state-dir D  the collectors' state DBs go to D/<site>.db (default DIR/<site>/)\n"
	    "  --hold FILE    after the web roots, truth.json and the configs, wait until FILE\n"
	    "                 exists before the first line or planted file (lets a pipeline\n"
	    "                 start on the configs first)\n"
	    "\n"
	    "With --speed, DIR/clock.json maps simulated time to the wall clock:\n"
	    "{\"sim_start\": ms, \"wall_start\": ms, \"speed\": X}: a line dated t is due at\n"
	    "wall_start + (t - sim_start) / speed (Unix ms; written when the clock starts).\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 'S' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "fast", no_argument, NULL, 'f' },
		{ "speed", required_argument, NULL, 'x' },
		{ "start", required_argument, NULL, 't' },
		{ "kafka", required_argument, NULL, 'k' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *scenario = "kaltim-wave", *out = "sim-out", *start = NULL;
	const char *brokers = "127.0.0.1:9092", *state_dir_arg = NULL, *hold = NULL;
	char path[PATH_MAX], dir[PATH_MAX], state_dir[PATH_MAX], err[PATH_MAX + 512], *end;
	struct ronda_cfg_errors errs = { 0 };
	struct sim_scenario sc;
	uint64_t seed = 1, lines = 0, bytes = 0;
	double speed = 0;
	int ch, rc = 1, fast = 0;
	int64_t wall0, t0_mono = ronda_mono_ms();

	if (argc > 1 && strcmp(argv[1], "score") == 0)
		return score_main(argc - 1, argv + 1);
	memset(&sc, 0, sizeof(sc));
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'S': scenario = optarg; break;
		case 'o': out = optarg; break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg) {
				fprintf(stderr, "ronda-sim: --seed: \"%s\" is not a number\n", optarg);
				return 2;
			}
			break;
		case 'f': fast = 1; break;
		case 'x':
			speed = strtod(optarg, &end);
			if (*end != '\0' || !(speed > 0) || speed > 1e9) {
				fprintf(stderr, "ronda-sim: --speed: \"%s\" is not a positive factor\n",
				    optarg);
				return 2;
			}
			break;
		case 't': start = optarg; break;
		case 'k': brokers = optarg; break;
		case 'd': state_dir_arg = optarg; break;
		case 'H': hold = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (fast && speed > 0)) {
		usage(stderr);
		return 2;
	}
	if (start != NULL && ronda_parse_rfc3339(start, strlen(start), &sim_start_ms) == -1) {
		fprintf(stderr, "ronda-sim: --start: \"%s\" is not an RFC 3339 time\n", start);
		return 2;
	}
	if (find_scenario(scenario, path, sizeof(path)) == -1) {
		fprintf(stderr, "ronda-sim: scenario \"%s\" not found (tests/scenarios/ of the "
		    "source tree, or " RONDA_DATADIR "/scenarios)\n", scenario);
		return 2;
	}
	scn = &sc;
	if (ronda_cfg_load(path, scenario_keys, &sc, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		rc = 2;
		goto done;
	}
	if (check_scenario(path, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		rc = 2;
		goto done;
	}
	/* --start, else the scenario's start:, else the default (all checked). */
	if (start == NULL) {
		start = sc.start != NULL ? sc.start : SIM_DEFAULT_START;
		ronda_parse_rfc3339(start, strlen(start), &sim_start_ms);
	}
	sim_start_ms -= sim_start_ms % 60000;
	sim_end_ms = sim_start_ms + sc.duration.ms;
	for (size_t i = 0; i < sc.sites.n; i++) {
		struct sim_site *s = site_at(i);

		if (s->blank_at.text == NULL)
			continue;
		s->blank_from = sim_start_ms + s->blank_at.ms;
		s->blank_to = s->blank_for.text != NULL ? s->blank_from + s->blank_for.ms :
		    INT64_MAX;
	}
	sim_seed = seed;
	rng_state = seed * 0x2545f4914f6cdd1dULL + 0x5851f42d4c957f2dULL;
	{
		int64_t y;
		unsigned mo, d;

		ronda_civil_from_days(sim_start_ms / 86400000, &y, &mo, &d);
		snprintf(upload_dir, sizeof(upload_dir), "/wp-content/uploads/%04d/%02u",
		    (int)y, mo);
		start_year = (int)y;
	}
	for (size_t i = 0; i < sc.attacks.n; i++)
		if (plan_attack(&((struct sim_attack *)sc.attacks.v)[i], path, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "%s\n", err);
			rc = 2;
			goto done;
		}
	if (mkdir_p(out) == -1 || realpath(out, dir) == NULL) {
		fprintf(stderr, "ronda-sim: %s: %s\n", out, strerror(errno));
		goto done;
	}
	if (state_dir_arg != NULL && (mkdir_p(state_dir_arg) == -1 ||
	    realpath(state_dir_arg, state_dir) == NULL)) {
		fprintf(stderr, "ronda-sim: %s: %s\n", state_dir_arg, strerror(errno));
		goto done;
	}
	for (size_t i = 0; i < sc.sites.n; i++) {
		struct sim_site *s = site_at(i);

		if ((s->tz = ronda_tz_new(s->timezone, err, sizeof(err))) == NULL ||
		    open_site(i, dir, state_dir_arg ? state_dir : NULL, brokers, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "ronda-sim: %s\n", err);
			goto done;
		}
		s->next_pid = 1000 + rndn(20000);
		s->session = rndn(900);
	}
	if (webroot_base(dir, err, sizeof(err)) == -1 ||
	    write_truth(dir, seed, err, sizeof(err)) == -1 ||
	    write_geo(dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim: %s\n", err);
		goto done;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (hold != NULL) {
		struct stat hsb;

		while (!stop_requested && stat(hold, &hsb) == -1)
			sleep_ms(20);
	}
	wall0 = ronda_mono_ms();
	if (speed > 0 && write_clock(dir, speed, wall0, err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim: %s\n", err);
		goto done;
	}
	for (int64_t t = sim_start_ms; t < sim_end_ms && !stop_requested; t += SIM_SLICE_MS) {
		for (size_t i = 0; i < sc.sites.n; i++) {
			background(i, t);
			if (sc.bg.soc_scanner != NULL &&
			    t == sim_start_ms + sc.bg.soc_scanner_at.ms -
			    sc.bg.soc_scanner_at.ms % SIM_SLICE_MS) {
				uint32_t ip;
				unsigned bits;

				parse_cidr(sc.bg.soc_scanner, &ip, &bits);
				soc_scan(i, t + (int64_t)i * 300, ip);
			}
		}
		for (size_t a = 0; a < sc.attacks.n; a++)
			attack_slice(&((struct sim_attack *)sc.attacks.v)[a], t);
		/* Web-root changes in their place among the lines, each when due. */
		for (int64_t at; !stop_requested &&
		    (at = webroot_next(t + SIM_SLICE_MS)) != INT64_MAX;) {
			if (write_slice(at, speed, wall0, &lines, &bytes) == -1 ||
			    pace_until(at, speed, wall0) == -1) {
				fprintf(stderr, "ronda-sim: write: %s\n", strerror(errno));
				goto done;
			}
			if (stop_requested)
				break;
			if (webroot_apply_next(err, sizeof(err)) == -1) {
				fprintf(stderr, "ronda-sim: %s\n", err);
				goto done;
			}
		}
		if (write_slice(t + SIM_SLICE_MS, speed, wall0, &lines, &bytes) == -1) {
			fprintf(stderr, "ronda-sim: write: %s\n", strerror(errno));
			goto done;
		}
	}
	if (flush_dirty() == -1) {
		fprintf(stderr, "ronda-sim: write: %s\n", strerror(errno));
		goto done;
	}
	rc = 0;
	fprintf(stderr, "ronda-sim: %s: %zu sites, %" PRIu64 " lines, %" PRIu64 " bytes in "
	    "%.1f s%s\n", sc.name, sc.sites.n, lines, bytes,
	    (double)(ronda_mono_ms() - t0_mono) / 1000.0,
	    stop_requested ? " (interrupted)" : "");
	if (lines_dropped() > 0)
		fprintf(stderr, "ronda-sim: %" PRIu64 " lines over the per-minute cap were "
		    "dropped\n", lines_dropped());
done:
	for (size_t i = 0; i < sc.sites.n && sc.sites.v != NULL; i++) {
		struct sim_site *s = site_at(i);

		for (int k = 0; k < F_NLOGS; k++) {
			if (s->log[k].f != NULL && fclose(s->log[k].f) != 0)
				rc = 1;
			free(s->log[k].buf);
		}
		ronda_tz_free(s->tz);
	}
	for (size_t i = 0; i < sc.attacks.n; i++)
		attack_free(&((struct sim_attack *)sc.attacks.v)[i]);
	webroot_free();
	ronda_cfg_free(scenario_keys, &sc);
	ronda_cfg_errors_free(&errs);
	lines_free();
	return rc;
}

