/*
 * ronda — the analysts' command line: incidents, campaigns, sites and the
 * daily summary from the correlator's store, read-only (safe while the
 * correlator writes). The objects come from correlator/query.c, the same
 * code the HTTP API serves them with; this file only prints them.
 *
 *   ronda incidents --since 24h --severity high
 *   ronda campaign 3f9a1c
 *   ronda summary --since 2026-11-16 --format markdown >report.md
 *
 * Everything that came from a log line is attacker-controlled: it is
 * printed through esc_term() (control characters, escape sequences and
 * bidirectional overrides shown as \xHH / \u{HHHH}), through esc_md() in
 * markdown (also the characters markdown would act on), and through cJSON
 * in --json output.
 */
#include "cli.h"

static const char usage_text[] =
"usage: ronda [-d FILE] [--json] [--utc] [--now TIME] COMMAND [OPTIONS]\n"
"\n"
"Read the Ronda correlator's store (read-only; safe while it runs).\n"
"\n"
"Commands:\n"
"  incidents [--since T] [--until T] [--site S] [--kind K] [--severity SEV]\n"
"            [--status ST] [--limit N] [--offset N]\n"
"                       incidents, newest first (default limit 50)\n"
"  incident ID          one incident: indicators and evidence lines\n"
"  campaigns [--since T] [--until T] [--status ST] [--site S] [--kind K]\n"
"            [--severity SEV] [--limit N] [--offset N]\n"
"                       multi-site campaigns, newest first\n"
"  campaign ID          one campaign's timeline: sites, indicators, IPs, evidence\n"
"  sites [--site S]     every known site: last heard (the correlator's clock) and\n"
"                       newest event (the logs' time) apart, late events, open\n"
"                       incidents, SILENT or STALLED (on the wall clock)\n"
"  summary [--since T] [--until T] [--format text|markdown]\n"
"                       per agency: incidents by kind and severity, campaigns,\n"
"                       top attacker IPs and networks (default --since 24h)\n"
"\n"
"Triage (written through the correlator's API as an analyst; docs/cli.md):\n"
"  ack ID               acknowledge an incident or a campaign\n"
"  assign ID NAME       assign it to an analyst\n"
"  close ID --reason resolved|false_positive|accepted_risk [--note TEXT]\n"
"           [--suppress 30d]   (campaigns closed as false_positive: their\n"
"                       indicators stop linking for that long)\n"
"  reopen ID            open a closed one again\n"
"  note ID TEXT         add a note\n"
"  audit [ID] [--limit N]  who did what, newest first\n"
"  --api URL            the API (default $RONDA_API, else http://127.0.0.1:8470)\n"
"  --token-file FILE    an analyst token (default $RONDA_TOKEN, else the file\n"
"                       $RONDA_TOKEN_FILE); never on the command line\n"
"\n"
"Options:\n"
"  -d, --db FILE        the store (default $RONDA_DB, else " DEFAULT_DB ")\n"
"  --json               print the objects of schemas/*.schema.json\n"
"  --utc                times in UTC instead of each site's zone (WIB/WITA/WIT)\n"
"  --now TIME           what relative times count back from: the wall clock\n"
"                       (default), 'latest' (the newest event time in the store:\n"
"                       replayed, imported or simulated data), or a time\n"
"  --since/--until T    90m, 24h, 7d, 2w, now, 2026-11-16, 2026-11-16T08:00\n"
"                       (local zone, or UTC with --utc), or RFC 3339 with offset\n"
"  --severity SEV       low, medium, high, critical: that or worse\n"
"  --status ST          incidents: open, closed, reopened, active (not closed);\n"
"                       campaigns: candidate, active, quiet, closed, merged\n"
"  -h, --help           this text\n"
"\n"
"IDs may be cut short to a unique prefix (as the tables show them).\n"
"Exit status: 0 ok, 1 the store failed, 2 usage, 3 no store, 4 no such id,\n"
"5 the API could not be reached or failed.\n";

/* ---- options ------------------------------------------------------------- */

static int
parse_count(const char *name, const char *v, int64_t max)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0 || n > max)
		die(EXIT_USAGE, "--%s: want a number 0..%lld", name, (long long)max);
	return (int)n;
}

/* Which options each command takes (the others are refused, not ignored). */
static void
allowed(const struct opts *o)
{
	static const struct {
		enum cmd cmd;
		const char *name;
		/* since until site kind severity status limit offset format
		 * api token-file reason note suppress */
		unsigned mask;
	} table[] = {
		{ CMD_INCIDENTS, "incidents", 0xff }, { CMD_CAMPAIGNS, "campaigns", 0xff },
		{ CMD_INCIDENT, "incident", 0 }, { CMD_CAMPAIGN, "campaign", 0 },
		{ CMD_SITES, "sites", 0x04 }, { CMD_SUMMARY, "summary", 0x11f },
		{ CMD_TRIAGE, "triage", 0x600 }, { CMD_AUDIT, "audit", 0x640 },
	};
	const char *given[] = { o->since, o->until, o->site, o->kind, o->severity, o->status,
		o->limit, o->offset, o->format, o->api, o->token_file, o->reason, o->note,
		o->suppress };
	const char *names[] = { "since", "until", "site", "kind", "severity", "status", "limit",
		"offset", "format", "api", "token-file", "reason", "note", "suppress" };

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		unsigned mask = table[i].mask;
		if (table[i].cmd != o->cmd)
			continue;
		if (o->action != NULL && strcmp(o->action, "close") == 0)
			mask |= 0x3800;	/* reason note suppress */
		for (int k = 0; k < 14; k++)
			if (given[k] != NULL && !(mask & (1u << k)))
				die(EXIT_USAGE, "--%s: not an option of '%s'", names[k],
				    o->action != NULL ? o->action : table[i].name);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_JSON = 256, O_UTC, O_NOW, O_SINCE, O_UNTIL, O_SITE, O_KIND, O_SEV, O_STATUS,
		O_LIMIT, O_OFFSET, O_FORMAT, O_API, O_TOKEN_FILE, O_REASON, O_NOTE, O_SUPPRESS };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' }, { "json", no_argument, NULL, O_JSON },
		{ "utc", no_argument, NULL, O_UTC }, { "now", required_argument, NULL, O_NOW },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "site", required_argument, NULL, O_SITE },
		{ "kind", required_argument, NULL, O_KIND },
		{ "severity", required_argument, NULL, O_SEV },
		{ "status", required_argument, NULL, O_STATUS },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "offset", required_argument, NULL, O_OFFSET },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "api", required_argument, NULL, O_API },
		{ "token-file", required_argument, NULL, O_TOKEN_FILE },
		{ "reason", required_argument, NULL, O_REASON },
		{ "note", required_argument, NULL, O_NOTE },
		{ "suppress", required_argument, NULL, O_SUPPRESS },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	/* takes_id: 1 an ID, 2 an ID and an argument, 3 an optional ID */
	static const struct { const char *name; enum cmd cmd; int takes_id; } cmds[] = {
		{ "incidents", CMD_INCIDENTS, 0 }, { "incident", CMD_INCIDENT, 1 },
		{ "campaigns", CMD_CAMPAIGNS, 0 }, { "campaign", CMD_CAMPAIGN, 1 },
		{ "sites", CMD_SITES, 0 }, { "summary", CMD_SUMMARY, 0 },
		{ "ack", CMD_TRIAGE, 1 }, { "assign", CMD_TRIAGE, 2 }, { "close", CMD_TRIAGE, 1 },
		{ "reopen", CMD_TRIAGE, 1 }, { "note", CMD_TRIAGE, 2 }, { "audit", CMD_AUDIT, 3 },
	};
	int ch, takes_id = 0;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->db = optarg; break;
		case 'h': o->help = 1; break;
		case O_JSON: o->json = 1; break;
		case O_UTC: o->utc = 1; break;
		case O_NOW: o->now_arg = optarg; break;
		case O_SINCE: o->since = optarg; break;
		case O_UNTIL: o->until = optarg; break;
		case O_SITE: o->site = optarg; break;
		case O_KIND: o->kind = optarg; break;
		case O_SEV: o->severity = optarg; break;
		case O_STATUS: o->status = optarg; break;
		case O_LIMIT: o->limit = optarg; break;
		case O_OFFSET: o->offset = optarg; break;
		case O_FORMAT: o->format = optarg; break;
		case O_API: o->api = optarg; break;
		case O_TOKEN_FILE: o->token_file = optarg; break;
		case O_REASON: o->reason = optarg; break;
		case O_NOTE: o->note = optarg; break;
		case O_SUPPRESS: o->suppress = optarg; break;
		case ':':
			die(EXIT_USAGE, "%s: needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				die(EXIT_USAGE, "-%c: unknown option (ronda --help)", optopt);
			die(EXIT_USAGE, "%s: unknown option (ronda --help)", argv[optind - 1]);
		}
	}
	if (o->help)
		return;
	if (optind >= argc)
		die(EXIT_USAGE, "no command (ronda --help)");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			o->cmd = cmds[i].cmd;
			takes_id = cmds[i].takes_id;
			if (o->cmd == CMD_TRIAGE)
				o->action = cmds[i].name;
		}
	if (o->cmd == CMD_NONE) {
		char *shown = term_dup(argv[optind]);
		die(EXIT_USAGE, "%s: unknown command (incidents, incident, campaigns, campaign,"
		    " sites, summary, ack, assign, close, reopen, note, audit)", shown);
	}
	optind++;
	if (takes_id == 3) {
		if (optind < argc)
			o->id = argv[optind++];
	} else if (takes_id) {
		if (optind >= argc)
			die(EXIT_USAGE, "%s: needs an ID", argv[optind - 1]);
		o->id = argv[optind++];
		if (takes_id == 2) {
			if (optind >= argc)
				die(EXIT_USAGE, "%s: needs %s", argv[optind - 2],
				    strcmp(o->action, "assign") == 0 ? "a NAME" : "a TEXT");
			o->arg = argv[optind++];
		}
	}
	if (optind < argc) {
		char *shown = term_dup(argv[optind]);
		die(EXIT_USAGE, "%s: unexpected argument", shown);
	}
	allowed(o);
	if (o->format != NULL && strcmp(o->format, "text") != 0 &&
	    strcmp(o->format, "markdown") != 0)
		die(EXIT_USAGE, "--format: text or markdown");
}

/* The operator's zone: $TZ when it names one, else the system's. */
static const struct ronda_tz *
user_zone(void)
{
	const char *tz = getenv("TZ");
	char err[256];
	struct ronda_tz *z;

	if (tz != NULL && tz[0] == ':')
		tz++;
	if (tz != NULL && tz[0] != '\0') {
		if (strcmp(tz, "UTC") == 0 || strcmp(tz, "UTC0") == 0)
			return NULL;
		return zone_load(tz);
	}
	if (O.nzones == MAX_ZONES || (z = ronda_tz_new(NULL, err, sizeof(err))) == NULL)
		return NULL;
	O.zones[O.nzones++] = z;
	return z;
}

/*
 * The zone of times that belong to no one site (campaign lists, the
 * summary): the zone every configured site shares, else the operator's.
 */
static const struct ronda_tz *
report_zone(void)
{
	const cJSON *it;
	const char *z = NULL;

	if (O.utc)
		return NULL;
	cJSON_ArrayForEach(it, O.sites) {
		const char *x = jstr(it, "timezone");
		if (x[0] == '\0')
			continue;
		if (z == NULL)
			z = x;
		else if (strcmp(z, x) != 0)
			return O.user_zone;
	}
	return z != NULL ? zone_load(z) : O.user_zone;
}

static void
setup_output(int utc)
{
	const char *cols = getenv("COLUMNS"), *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	struct winsize ws;
	int tty = isatty(STDOUT_FILENO);

	setlocale(LC_CTYPE, "");
	O.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	O.utc = utc;
	O.width = 80;
	if (cols != NULL && atoi(cols) >= 20 && atoi(cols) <= 10000)
		O.width = atoi(cols);
	else if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		O.width = ws.ws_col;
	O.color = tty && (nc == NULL || nc[0] == '\0') && (term == NULL || strcmp(term, "dumb") != 0);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ronda_query_filter f;
	char err[1024], when[64];
	const char *db;
	int64_t now;
	const char *zone_name;

	parse_args(argc, argv, &o);
	if (o.help) {
		fputs(usage_text, stdout);
		return 0;
	}
	setup_output(o.utc);
	db = o.db != NULL ? o.db : getenv("RONDA_DB");
	if (db == NULL || db[0] == '\0')
		db = DEFAULT_DB;
	if ((Q = ronda_query_open(db, err, sizeof(err))) == NULL) {
		char *shown = term_dup(err);
		die(EXIT_NOSTORE, "%s", shown);
	}

	O.user_zone = o.utc ? NULL : user_zone();
	ronda_query_filter_init(&f);
	if (ronda_query_sites(Q, &f, ronda_now_ms(), &O.sites) != RONDA_QUERY_OK)
		check(RONDA_QUERY_ERROR);
	O.report_zone = report_zone();
	zone_name = O.user_zone != NULL ? ronda_tz_name(O.user_zone) : "UTC";
	if (strcmp(zone_name, "localtime") == 0)
		zone_name = NULL;	/* /etc/localtime: parse through the same file */

	now = ronda_now_ms();
	if (o.now_arg != NULL) {
		if (strcmp(o.now_arg, "latest") == 0) {
			if ((now = ronda_query_latest(Q)) == 0)
				now = ronda_now_ms();
		} else if (ronda_query_parse_time(o.now_arg, ronda_now_ms(), zone_name, &now, err,
		    sizeof(err)) == -1) {
			die(EXIT_USAGE, "--now: %s", err);
		}
	}
	if (o.cmd == CMD_SUMMARY && o.since == NULL)
		o.since = "24h";
	if (o.since != NULL && ronda_query_parse_time(o.since, now, zone_name, &f.since, err,
	    sizeof(err)) == -1)
		die(EXIT_USAGE, "--since: %s", err);
	if (o.until != NULL && ronda_query_parse_time(o.until, now, zone_name, &f.until, err,
	    sizeof(err)) == -1)
		die(EXIT_USAGE, "--until: %s", err);
	f.site = o.site;
	f.kind = o.kind;
	f.severity = o.severity;
	f.status = o.status;
	if (o.limit != NULL && (f.limit = parse_count("limit", o.limit,
	    RONDA_QUERY_LIMIT_MAX)) == 0)
		die(EXIT_USAGE, "--limit: want a number 1..%d", RONDA_QUERY_LIMIT_MAX);
	if (o.offset != NULL)
		f.offset = parse_count("offset", o.offset, INT_MAX);

	switch (o.cmd) {
	case CMD_INCIDENTS: cmd_incidents(&f, o.json); break;
	case CMD_INCIDENT: cmd_incident(o.id, o.json); break;
	case CMD_CAMPAIGNS: cmd_campaigns(&f, o.json); break;
	case CMD_CAMPAIGN: cmd_campaign(o.id, o.json); break;
	case CMD_SITES: cmd_sites(&f, o.json); break;
	case CMD_SUMMARY: cmd_summary(&f, o.format, o.json); break;
	case CMD_TRIAGE: cmd_triage(o.action, o.id, o.arg, &o); break;
	case CMD_AUDIT: cmd_audit(o.id, &o); break;
	default: break;
	}
	/*
	 * A relative --since on data older than the wall clock (a replay, the
	 * simulator) finds nothing; say why on stderr, once.
	 */
	if (o.since != NULL && o.now_arg == NULL && !o.json && f.since != INT64_MIN) {
		int64_t latest = ronda_query_latest(Q);
		if (latest > 0 && latest < f.since)
			fprintf(stderr, "ronda: note: the newest event in the store is %s, before"
			    " --since; add --now latest to count back from it\n",
			    fmt_time(when, sizeof(when), latest, O.report_zone, 0));
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_STOREFAIL, "writing the output: %s", strerror(errno));
	cJSON_Delete(O.sites);
	for (int i = 0; i < O.nzones; i++)
		ronda_tz_free(O.zones[i]);
	ronda_query_close(Q);
	return 0;
}
