/*
 * summary.c — `ronda summary`: the daily report per agency, as text or markdown.
 */
#include "cli.h"

/* ---- summary -------------------------------------------------------------- */

static const char *const kind_order[] = {
	"compromise", "webshell", "webshell_file", "defacement", "gambling_injection", "cloaking",
	"sqli", "rce", "lfi", "gambling",
	"ssh_bruteforce", "ftp_bruteforce", "mail_bruteforce", "smtp_bruteforce",
	"sudo_bruteforce", "su_bruteforce", "password_spray", "cms_bruteforce", "scan", "flood", "http_5xx_surge", "silent_site",
	"bulk_change", NULL
};

/* Plain words for the incident kinds, for a report read by leadership. */
static const char *
kind_words(const char *k)
{
	static const struct { const char *k, *w; } words[] = {
		{ "compromise", "account compromise" }, { "webshell", "web shell" },
		{ "defacement", "defacement" }, { "sqli", "SQL injection" },
		{ "rce", "remote code execution" }, { "lfi", "file inclusion" },
		{ "gambling", "gambling spam" }, { "ssh_bruteforce", "SSH brute force" },
		{ "ftp_bruteforce", "FTP brute force" }, { "sudo_bruteforce", "sudo guessing" },
		{ "mail_bruteforce", "mail login brute force" },
		{ "smtp_bruteforce", "SMTP AUTH brute force" },
		{ "su_bruteforce", "su guessing" }, { "password_spray", "password spraying" },
		{ "cms_bruteforce", "CMS login brute force" }, { "scan", "scanning" },
		{ "flood", "HTTP flood" }, { "http_5xx_surge", "server errors (5xx)" },
		{ "silent_site", "site went silent" },
		{ "webshell_file", "web shell file planted" },
		{ "gambling_injection", "gambling content injected" },
		{ "cloaking", "cloaking (search engines served other content)" },
		{ "bulk_change", "many web files changed" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].k, k) == 0)
			return words[i].w;
	return k;
}

/* "critical 3, high 12, low 1" (zero counts left out) into b. */
static void
sev_counts(struct ronda_buf *b, const cJSON *bysev)
{
	static const char *const order[] = { "critical", "high", "medium", "low" };
	int first = 1;

	for (int i = 0; i < 4; i++) {
		int64_t n = jint(bysev, order[i]);
		if (n == 0)
			continue;
		ronda_buf_printf(b, "%s%lld %s", first ? "" : ", ", (long long)n, order[i]);
		first = 0;
	}
	if (first)
		ronda_buf_puts(b, "none");
}

/* "gambling spam 264, SSH brute force 20" in kind_order into b. */
static void
kind_counts(struct ronda_buf *b, const cJSON *bykind)
{
	const cJSON *it;
	int first = 1;

	for (int i = 0; kind_order[i] != NULL; i++) {
		int64_t n = jint(bykind, kind_order[i]);
		if (n == 0)
			continue;
		ronda_buf_printf(b, "%s%s %lld", first ? "" : ", ", kind_words(kind_order[i]),
		    (long long)n);
		first = 0;
	}
	/* Kinds this build does not know of yet, as they are. */
	cJSON_ArrayForEach(it, bykind) {
		int known = 0;
		for (int i = 0; kind_order[i] != NULL; i++)
			known |= strcmp(it->string, kind_order[i]) == 0;
		if (!known && cJSON_IsNumber(it)) {
			ronda_buf_printf(b, "%s%s %lld", first ? "" : ", ", it->string,
			    (long long)it->valuedouble);
			first = 0;
		}
	}
}

/* The region all agencies share, or "" (the report's title). */
static const char *
common_region(const cJSON *sum)
{
	const cJSON *it;
	const char *r = NULL;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "agencies")) {
		const char *x = jstr(it, "region");
		if (x[0] == '\0')
			continue;
		if (r == NULL)
			r = x;
		else if (strcmp(r, x) != 0)
			return "";
	}
	return r != NULL ? r : "";
}

static void
period(struct ronda_buf *b, const cJSON *sum)
{
	char a[64], z[64];
	int64_t since = jtime(sum, "since"), until = jtime(sum, "until");
	int64_t latest = jtime(sum, "latest_event");

	if (until == 0 || (latest > 0 && until > latest && until - latest < 86400000LL * 365))
		until = 0;
	ronda_buf_printf(b, "%s to %s", since > 0 ? fmt_time(a, sizeof(a), since, O.report_zone, 0) :
	    "the first event", until > 0 ? fmt_time(z, sizeof(z), until, O.report_zone, 0) :
	    latest > 0 ? fmt_time(z, sizeof(z), latest, O.report_zone, 0) : "now");
}

#define MD_AGENCY_TOP 5	/* IPs and networks per agency in the report */

/*
 * An address of the agencies' own networks (RFC 1918, CGNAT, loopback, link
 * local, IPv6 ULA): the report marks it, as it is often the SOC's own
 * scanner or a misconfigured host rather than an attacker.
 */
static int
is_internal(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		    (a[0] == 169 && a[1] == 254);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		    memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	return 0;
}

static void
md_row_start(void)
{
	fputs("|", stdout);
}

static void
md_cell(const char *s)
{
	fputc(' ', stdout);
	put_md(s);
	fputs(" |", stdout);
}

static void
md_cellf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
md_cellf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	md_cell(buf);
}

static void
summary_markdown(const cJSON *sum)
{
	const cJSON *tot = cJSON_GetObjectItemCaseSensitive(sum, "totals");
	const cJSON *camps = cJSON_GetObjectItemCaseSensitive(sum, "campaigns");
	const cJSON *it, *x;
	const char *region = common_region(sum);
	struct ronda_buf b;
	char ts[64], ts2[64];

	ronda_buf_init(&b, 0);
	fputs("# Ronda security summary", stdout);
	if (region[0] != '\0') {
		fputs(": ", stdout);
		put_md(region);
	}
	fputs("\n\n", stdout);
	period(&b, sum);
	fputs("**Period:** ", stdout);
	put_md(b.data);
	printf("  \n**Generated:** %s by `ronda summary` from the correlator's store",
	    fmt_time(ts, sizeof(ts), jtime(sum, "generated"), O.report_zone, 0));
	if (!jnull(sum, "latest_event"))
		printf(" (newest event %s)", fmt_time(ts, sizeof(ts), jtime(sum, "latest_event"),
		    O.report_zone, 0));
	fputs(".\n\n## Overview\n\n", stdout);
	ronda_buf_reset(&b);
	sev_counts(&b, cJSON_GetObjectItemCaseSensitive(tot, "by_severity"));
	printf("- **%lld incident%s** (%s) on **%lld of %lld monitored sites**, from %lld"
	    " security events.\n", (long long)jint(tot, "incidents"),
	    jint(tot, "incidents") == 1 ? "" : "s", b.data,
	    (long long)jint(tot, "sites_hit"), (long long)jint(tot, "sites_known"),
	    (long long)jint(tot, "events"));
	printf("- **%d campaign%s**: attacks that hit several sites at once and are handled as"
	    " one.\n", cJSON_GetArraySize(camps), cJSON_GetArraySize(camps) == 1 ? "" : "s");
	if (jint(tot, "allowlisted_ips") > 0)
		printf("- %lld allowlisted address%s (the correlator's `campaigns.allowlist`, such as"
		    " the SOC's own scanner) took part in %lld incident%s; %s left out of the"
		    " attacker rankings.\n", (long long)jint(tot, "allowlisted_ips"),
		    jint(tot, "allowlisted_ips") == 1 ? "" : "es",
		    (long long)jint(tot, "allowlisted_incidents"),
		    jint(tot, "allowlisted_incidents") == 1 ? "" : "s",
		    jint(tot, "allowlisted_ips") == 1 ? "it is" : "they are");
	if (jint(tot, "abroad_incidents") > 0) {
		const cJSON *c;
		int n = 0;
		printf("- **%lld incident%s from abroad** (luar negeri, by GeoIP): ",
		    (long long)jint(tot, "abroad_incidents"),
		    jint(tot, "abroad_incidents") == 1 ? "" : "s");
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(sum, "abroad")) {
			if (n++ >= 8)
				break;
			if (n > 1)
				fputs(", ", stdout);
			put_md(jstr(c, "country"));
			printf(" %lld", (long long)jint(c, "incidents"));
		}
		fputs(".\n", stdout);
	}
	ronda_buf_reset(&b);
	kind_counts(&b, cJSON_GetObjectItemCaseSensitive(tot, "by_kind"));
	if (b.len > 0) {
		fputs("- By kind: ", stdout);
		put_md(b.data);
		fputs(".\n", stdout);
	}

	fputs("\n## Campaigns\n\n", stdout);
	if (cJSON_GetArraySize(camps) == 0) {
		fputs("No multi-site campaign in this period.\n", stdout);
	} else {
		fputs("Attacks that reached several sites, each handled as one case.\n\n"
		    "| Campaign | Kind | Severity | Status | Sites | Agencies | First seen |"
		    " Last seen |\n|---|---|---|---|--:|--:|---|---|\n", stdout);
		cJSON_ArrayForEach(it, camps) {
			md_row_start();
			md_cell(jstr(it, "title"));
			md_cell(jstr(it, "kind"));
			md_cell(jstr(it, "severity"));
			md_cell(jstr(it, "status"));
			md_cellf("%lld", (long long)jint(it, "site_count"));
			md_cellf("%lld", (long long)jint(it, "agencies"));
			md_cell(fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), O.report_zone, 0));
			md_cell(fmt_time(ts2, sizeof(ts2), jtime(it, "last_seen"), O.report_zone, 0));
			fputc('\n', stdout);
		}
		cJSON_ArrayForEach(it, camps) {
			const cJSON *s;
			char day[16];
			int first = 1;

			fputs("\n### ", stdout);
			put_md(jstr(it, "title"));
			fputs("\n\n", stdout);
			/* Site times as HH:MM on the campaign's first day, with the date after. */
			fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), O.report_zone, 0);
			snprintf(day, sizeof(day), "%.10s", ts);
			fputs("- Sites in the order they were hit: ", stdout);
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "sites")) {
				const char *site = jstr(s, "site");
				fmt_time(ts2, sizeof(ts2), jtime(s, "first_seen"), site_zone(site), 0);
				ronda_buf_reset(&b);
				ronda_buf_printf(&b, "%s (%s)", site, strncmp(ts2, day, 10) == 0 ?
				    ts2 + 11 : ts2);
				fputs(first ? "" : ", ", stdout);
				put_md(b.data);
				first = 0;
			}
			fputs(".\n", stdout);
			ronda_buf_reset(&b);
			join_strings(&b, cJSON_GetObjectItemCaseSensitive(it, "attacker_ips"), ", ");
			if (b.len > 0) {
				fputs("- Most active attacker IPs: ", stdout);
				put_md(b.data);
				fputs(".\n", stdout);
			}
			printf("- Details: `ronda campaign %.*s`.\n", SHORT_ID, jstr(it, "id"));
		}
	}

	x = cJSON_GetObjectItemCaseSensitive(sum, "notable");
	fputs("\n## Other serious incidents\n\n", stdout);
	{
		int n = 0;
		cJSON_ArrayForEach(it, x) {
			char sid[SHORT_ID + 1];
			const cJSON *sl = cJSON_GetObjectItemCaseSensitive(it, "site_list");

			if (!jnull(it, "campaign_id"))
				continue;
			if (n++ == 0)
				fputs("High and critical incidents outside the campaigns, by attacker"
				    " and kind, worst first.\n\n| First seen | Kind | Severity |"
				    " Attacker or account | Sites | Example |\n"
				    "|---|---|---|---|---|---|\n", stdout);
			ronda_buf_reset(&b);
			join_strings(&b, sl, ", ");
			if (jint(it, "sites") > cJSON_GetArraySize(sl))
				ronda_buf_printf(&b, " and %lld more", (long long)(jint(it, "sites") -
				    cJSON_GetArraySize(sl)));
			md_row_start();
			md_cell(fmt_time(ts, sizeof(ts), jtime(it, "first_seen"),
			    cJSON_IsString(cJSON_GetArrayItem(sl, 0)) ?
			    site_zone(cJSON_GetArrayItem(sl, 0)->valuestring) : O.report_zone, 0));
			md_cell(kind_words(jstr(it, "kind")));
			md_cell(jstr(it, "severity"));
			if (is_internal(jstr(it, "key"))) {
				char k[96];
				snprintf(k, sizeof(k), "%s (internal address)", jstr(it, "key"));
				md_cell(k);
			} else {
				md_cell(jstr(it, "key"));
			}
			md_cell(b.data);
			md_cell(short_id(sid, sizeof(sid), jstr(it, "incident_id")));
			fputc('\n', stdout);
		}
		if (n == 0)
			fputs("No high or critical incident outside the campaigns above.\n", stdout);
		else
			fputs("\nDetails: `ronda incident ID`; all of them:"
			    " `ronda incidents --severity high`.\n", stdout);
	}

	fputs("\n## By agency\n", stdout);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "agencies")) {
		const cJSON *s;
		int first;

		fputs("\n### ", stdout);
		put_md(jstr(it, "agency")[0] != '\0' ? jstr(it, "agency") : "Sites not configured");
		fputs("\n\n", stdout);
		ronda_buf_reset(&b);
		sev_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_severity"));
		printf("- **%lld incident%s** (%s), %lld events.\n", (long long)jint(it, "incidents"),
		    jint(it, "incidents") == 1 ? "" : "s", b.data, (long long)jint(it, "events"));
		fputs("- Sites: ", stdout);
		first = 1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "sites")) {
			ronda_buf_reset(&b);
			ronda_buf_printf(&b, "%s (%lld incidents, %lld open, worst %s)", jstr(s, "site"),
			    (long long)jint(s, "incidents"), (long long)jint(s, "open"),
			    jstr(s, "max_severity"));
			fputs(first ? "" : "; ", stdout);
			put_md(b.data);
			first = 0;
		}
		fputs(".\n", stdout);
		ronda_buf_reset(&b);
		kind_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_kind"));
		fputs("- By kind: ", stdout);
		put_md(b.data);
		fputs(".\n", stdout);
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "campaigns")) > 0) {
			fputs("- Part of campaigns: ", stdout);
			first = 1;
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "campaigns")) {
				const cJSON *c;
				const char *title = "";
				cJSON_ArrayForEach(c, camps)
					if (cJSON_IsString(s) && strcmp(jstr(c, "id"), s->valuestring) == 0)
						title = jstr(c, "title");
				fputs(first ? "" : "; ", stdout);
				put_md(title[0] != '\0' ? title : cJSON_IsString(s) ? s->valuestring : "");
				first = 0;
			}
			fputs(".\n", stdout);
		}
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "top_ips")) > 0) {
			fputs("- Top attacker IPs (incidents): ", stdout);
			first = 1;
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_ips")) {
				if (first >= 1 + MD_AGENCY_TOP)
					break;
				if (first > 1)
					fputs(", ", stdout);
				put_md(jstr(s, "ip"));
				printf(" (%lld%s)", (long long)jint(s, "incidents"),
				    is_internal(jstr(s, "ip")) ? ", internal address" : "");
				first++;
			}
			fputs(".\n", stdout);
		}
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "top_networks")) > 0) {
			fputs("- Top attacker networks: ", stdout);
			first = 1;
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_networks")) {
				if (first >= 1 + MD_AGENCY_TOP)
					break;
				if (first > 1)
					fputs(", ", stdout);
				put_md(jstr(s, "network"));
				printf(" (%lld IP%s)", (long long)jint(s, "ips"),
				    jint(s, "ips") == 1 ? "" : "s");
				first++;
			}
			fputs(".\n", stdout);
		}
	}

	x = cJSON_GetObjectItemCaseSensitive(sum, "top_ips");
	if (cJSON_GetArraySize(x) > 0) {
		fputs("\n## Top attacker IPs, all agencies\n\n| IP | Sites | Agencies | Incidents |\n"
		    "|---|--:|--:|--:|\n", stdout);
		cJSON_ArrayForEach(it, x) {
			md_row_start();
			ronda_buf_reset(&b);
			ronda_buf_printf(&b, "%s%s", jstr(it, "ip"), is_internal(jstr(it, "ip")) ?
			    " (internal address)" : "");
			md_cell(b.data);
			md_cellf("%lld", (long long)jint(it, "sites"));
			md_cellf("%lld", (long long)jint(it, "agencies"));
			md_cellf("%lld", (long long)jint(it, "incidents"));
			fputc('\n', stdout);
		}
	}
	x = cJSON_GetObjectItemCaseSensitive(sum, "top_networks");
	if (cJSON_GetArraySize(x) > 0) {
		fputs("\n## Top attacker networks, all agencies\n\n| Network | IPs | Sites |"
		    " Agencies | Incidents |\n|---|--:|--:|--:|--:|\n", stdout);
		cJSON_ArrayForEach(it, x) {
			md_row_start();
			md_cell(jstr(it, "network"));
			md_cellf("%lld", (long long)jint(it, "ips"));
			md_cellf("%lld", (long long)jint(it, "sites"));
			md_cellf("%lld", (long long)jint(it, "agencies"));
			md_cellf("%lld", (long long)jint(it, "incidents"));
			fputc('\n', stdout);
		}
	}
	printf("\n---\nTimes are %s. Every value that came from a log is shown escaped.\n",
	    O.report_zone != NULL ? "local to each site (WIB/WITA/WIT)" : "UTC");
	ronda_buf_release(&b);
}

static void
summary_text(const cJSON *sum)
{
	const cJSON *tot = cJSON_GetObjectItemCaseSensitive(sum, "totals");
	const cJSON *camps = cJSON_GetObjectItemCaseSensitive(sum, "campaigns");
	const cJSON *it, *s;
	struct ronda_buf b;
	struct table t;
	char ts[64], sid[SHORT_ID + 1];

	ronda_buf_init(&b, 0);
	period(&b, sum);
	color_on("\033[1m");
	fputs("Summary ", stdout);
	put_term(b.data);
	color_off("\033[1m");
	fputc('\n', stdout);
	ronda_buf_reset(&b);
	sev_counts(&b, cJSON_GetObjectItemCaseSensitive(tot, "by_severity"));
	printf("  %lld incidents (%s) on %lld of %lld sites, %lld events, %d campaigns\n",
	    (long long)jint(tot, "incidents"), b.data, (long long)jint(tot, "sites_hit"),
	    (long long)jint(tot, "sites_known"), (long long)jint(tot, "events"),
	    cJSON_GetArraySize(camps));
	if (jint(tot, "allowlisted_ips") > 0)
		printf("  allowlisted: %lld IPs in %lld incidents, not ranked\n",
		    (long long)jint(tot, "allowlisted_ips"),
		    (long long)jint(tot, "allowlisted_incidents"));
	if (jint(tot, "abroad_incidents") > 0) {
		int n = 0;
		printf("  from abroad: %lld incidents (", (long long)jint(tot, "abroad_incidents"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "abroad")) {
			if (n++ >= 6)
				break;
			if (n > 1)
				fputs(", ", stdout);
			put_term(jstr(it, "country"));
			printf(" %lld", (long long)jint(it, "incidents"));
		}
		fputs(")\n", stdout);
	}

	if (cJSON_GetArraySize(camps) > 0) {
		struct col cols[] = {
			{ "CAMPAIGN", 0, 1, 30, 9, 0, 0 }, { "SEVERITY", 0, 0, 0, 8, 0, 0 },
			{ "STATUS", 0, 0, 0, 3, 0, 0 }, { "SITES", 1, 0, 0, 8, 0, 0 },
			{ "FIRST SEEN", 0, 0, 0, 4, 0, 0 }, { "ID", 0, 0, 0, 9, 0, 0 },
		};
		fputc('\n', stdout);
		table_init(&t, cols, 6);
		cJSON_ArrayForEach(it, camps) {
			const char *sev = jstr(it, "severity");
			table_row(&t);
			cell(&t, 0, jstr(it, "title"), NULL);
			cell(&t, 1, sev, sev_color(sev));
			cell(&t, 2, jstr(it, "status"), NULL);
			cellf(&t, 3, NULL, "%lld", (long long)jint(it, "site_count"));
			cell(&t, 4, fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), O.report_zone, 0),
			    NULL);
			cell(&t, 5, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
		}
		table_print(&t);
		table_free(&t);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "agencies")) {
		int first;

		fputc('\n', stdout);
		color_on("\033[1m");
		put_term(jstr(it, "agency")[0] != '\0' ? jstr(it, "agency") : "(sites not configured)");
		color_off("\033[1m");
		ronda_buf_reset(&b);
		sev_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_severity"));
		printf(": %lld incidents (%s)\n", (long long)jint(it, "incidents"), b.data);
		ronda_buf_reset(&b);
		kind_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_kind"));
		kv("kinds", b.data, NULL);
		ronda_buf_reset(&b);
		first = 1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "sites")) {
			ronda_buf_printf(&b, "%s%s (%lld, %lld open)", first ? "" : ", ",
			    jstr(s, "site"), (long long)jint(s, "incidents"), (long long)jint(s, "open"));
			first = 0;
		}
		kv("sites", b.data, NULL);
		ronda_buf_reset(&b);
		first = 1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "campaigns")) {
			if (cJSON_IsString(s))
				ronda_buf_printf(&b, "%s%.*s", first ? "" : ", ", SHORT_ID, s->valuestring);
			first = 0;
		}
		if (b.len > 0)
			kv("campaigns", b.data, NULL);
		ronda_buf_reset(&b);
		first = 0;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_ips")) {
			if (first++ >= MD_AGENCY_TOP)
				break;
			ronda_buf_printf(&b, "%s%s (%lld%s)", first == 1 ? "" : ", ", jstr(s, "ip"),
			    (long long)jint(s, "incidents"), is_internal(jstr(s, "ip")) ?
			    ", internal" : "");
		}
		if (b.len > 0)
			kv("top IPs", b.data, NULL);
		ronda_buf_reset(&b);
		first = 0;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_networks")) {
			if (first++ >= MD_AGENCY_TOP)
				break;
			ronda_buf_printf(&b, "%s%s (%lld IP%s)", first == 1 ? "" : ", ",
			    jstr(s, "network"), (long long)jint(s, "ips"), jint(s, "ips") == 1 ? "" : "s");
		}
		if (b.len > 0)
			kv("networks", b.data, NULL);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sum, "top_ips")) > 0) {
		struct col cols[] = {
			{ "TOP ATTACKER IP", 0, 1, 15, 9, 0, 0 }, { "SITES", 1, 0, 0, 9, 0, 0 },
			{ "AGENCIES", 1, 0, 0, 8, 0, 0 }, { "INCIDENTS", 1, 0, 0, 9, 0, 0 },
		};
		fputc('\n', stdout);
		table_init(&t, cols, 4);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "top_ips")) {
			table_row(&t);
			cell(&t, 0, jstr(it, "ip"), NULL);
			cellf(&t, 1, NULL, "%lld", (long long)jint(it, "sites"));
			cellf(&t, 2, NULL, "%lld", (long long)jint(it, "agencies"));
			cellf(&t, 3, NULL, "%lld", (long long)jint(it, "incidents"));
		}
		table_print(&t);
		table_free(&t);
	}
	ronda_buf_release(&b);
}

void
cmd_summary(const struct ronda_query_filter *f, const char *format, int json)
{
	cJSON *o = NULL;

	check(ronda_query_summary(Q, f, &o));
	if (json)
		print_json(o);
	else if (format != NULL && strcmp(format, "markdown") == 0)
		summary_markdown(o);
	else
		summary_text(o);
	cJSON_Delete(o);
}
