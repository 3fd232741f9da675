/*
 * campaigns.c — `ronda campaigns` and `ronda campaign ID` (the timeline).
 */
#include "cli.h"

/* ---- campaigns ------------------------------------------------------------ */

/* A campaign's times: in its first site's zone. */
static const struct ronda_tz *
campaign_zone(const cJSON *c)
{
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "sites"), 0);

	if (O.utc)
		return NULL;
	if (first != NULL && jstr(first, "timezone")[0] != '\0')
		return zone_load(jstr(first, "timezone"));
	return O.report_zone;
}

void
cmd_campaigns(const struct ronda_query_filter *f, int json)
{
	struct ronda_query_page page;
	cJSON *arr = NULL, *it;
	struct col cols[] = {
		{ "LAST SEEN", 0, 0, 0, 9, 0, 0 }, { "SEVERITY", 0, 0, 0, 6, 0, 0 },
		{ "STATUS", 0, 0, 0, 4, 0, 0 }, { "SITES", 1, 0, 0, 8, 0, 0 },
		{ "INCIDENTS", 1, 0, 0, 3, 0, 0 }, { "KIND", 0, 0, 0, 4, 0, 0 },
		{ "TITLE", 0, 1, 30, 9, 0, 0 }, { "ID", 0, 0, 0, 9, 0, 0 },
	};
	struct table t;
	char ts[64], sid[SHORT_ID + 1];

	check(ronda_query_campaigns(Q, f, &arr, &page));
	if (json) {
		print_json(arr);
		cJSON_Delete(arr);
		return;
	}
	if (cJSON_GetArraySize(arr) == 0) {
		printf("no campaigns match\n");
		cJSON_Delete(arr);
		return;
	}
	table_init(&t, cols, 8);
	cJSON_ArrayForEach(it, arr) {
		const char *sev = jstr(it, "severity"), *st = jstr(it, "status");
		table_row(&t);
		cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "last_seen"), campaign_zone(it), 0),
		    NULL);
		cell(&t, 1, sev, sev_color(sev));
		cell(&t, 2, st, strcmp(st, "active") == 0 ? "\033[32m" : NULL);
		cellf(&t, 3, NULL, "%lld", (long long)jint(it, "site_count"));
		cellf(&t, 4, NULL, "%lld", (long long)jint(it, "incident_count"));
		cell(&t, 5, jstr(it, "kind"), NULL);
		cell(&t, 6, jstr(it, "title"), NULL);
		cell(&t, 7, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
	}
	table_print(&t);
	table_free(&t);
	if (page.total > cJSON_GetArraySize(arr))
		printf("%d of %lld campaigns, newest first (--limit/--offset)\n",
		    cJSON_GetArraySize(arr), (long long)page.total);
	cJSON_Delete(arr);
}

void
cmd_campaign(const char *given, int json)
{
	char id[80], ts[64], ts2[64], sid[SHORT_ID + 1];
	cJSON *o = NULL, *it;
	const struct ronda_tz *tz;
	struct ronda_buf b;
	struct table t;

	resolve_id(RONDA_QUERY_CAMPAIGN, given, id, sizeof(id));
	check(ronda_query_campaign(Q, id, &o));
	if (json) {
		print_json(o);
		cJSON_Delete(o);
		return;
	}
	tz = campaign_zone(o);
	ronda_buf_init(&b, 0);
	color_on("\033[1m");
	printf("Campaign %s: ", jstr(o, "id"));
	put_term(jstr(o, "title"));
	color_off("\033[1m");
	fputc('\n', stdout);
	ronda_buf_printf(&b, "%s (linked by %s)", jstr(o, "kind"), jstr(o, "link"));
	kv("kind", b.data, NULL);
	kv("severity", jstr(o, "severity"), sev_color(jstr(o, "severity")));
	ronda_buf_reset(&b);
	ronda_buf_puts(&b, jstr(o, "status"));
	if (!jnull(o, "merged_into"))
		ronda_buf_printf(&b, " into %s", jstr(o, "merged_into"));
	kv("status", b.data, NULL);
	kv("first seen", fmt_time(ts, sizeof(ts), jtime(o, "first_seen"), tz, 1), NULL);
	kv("last seen", fmt_time(ts, sizeof(ts), jtime(o, "last_seen"), tz, 1), NULL);
	if (!jnull(o, "reported"))
		kv("reported", fmt_time(ts, sizeof(ts), jtime(o, "reported"), tz, 1), NULL);
	ronda_buf_reset(&b);
	ronda_buf_printf(&b, "%lld sites, %lld incidents", (long long)jint(o, "site_count"),
	    (long long)jint(o, "incident_count"));
	kv("reach", b.data, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "attacker_ips"), ", ");
	if (b.len > 0)
		kv("top IPs", b.data, NULL);
	ronda_buf_release(&b);

	fputc('\n', stdout);
	heading("Timeline (sites in the order they were hit)");
	{
		struct col cols[] = {
			{ "FIRST SEEN", 0, 0, 0, 9, 0, 0 }, { "LAST SEEN", 0, 0, 0, 5, 0, 0 },
			{ "SITE", 0, 1, 30, 9, 0, 0 }, { "AGENCY", 0, 1, 10, 6, 0, 0 },
			{ "INCIDENTS", 1, 0, 0, 7, 0, 0 },
		};
		table_init(&t, cols, 5);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "sites")) {
			const struct ronda_tz *z = O.utc ? NULL : zone_load(jstr(it, "timezone"));
			table_row(&t);
			cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), z, 0), NULL);
			cell(&t, 1, fmt_time(ts2, sizeof(ts2), jtime(it, "last_seen"), z, 0), NULL);
			cell(&t, 2, jstr(it, "site"), NULL);
			cell(&t, 3, jstr(it, "agency"), NULL);
			cellf(&t, 4, NULL, "%lld", (long long)jint(it, "incidents"));
		}
		table_print(&t);
		table_free(&t);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "indicators")) > 0) {
		struct col cols[] = {
			{ "INDICATOR", 0, 0, 0, 9, 0, 0 }, { "VALUE", 0, 1, 16, 9, 0, 0 },
			{ "SITES", 1, 0, 0, 8, 0, 0 }, { "WEIGHT", 1, 0, 0, 4, 0, 0 },
		};
		fputc('\n', stdout);
		heading("Indicators");
		table_init(&t, cols, 4);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "indicators")) {
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(it, "weight");
			table_row(&t);
			cell(&t, 0, jstr(it, "type"), NULL);
			cell(&t, 1, jstr(it, "value"), NULL);
			cellf(&t, 2, NULL, "%lld", (long long)jint(it, "sites"));
			cellf(&t, 3, NULL, "%.2f", cJSON_IsNumber(w) ? w->valuedouble : 0.0);
		}
		table_print(&t);
		table_free(&t);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "merged_from")) > 0) {
		fputc('\n', stdout);
		heading("Merged in");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "merged_from")) {
			printf("  %s  %s  shared ", fmt_time(ts, sizeof(ts), jtime(it, "at"), tz, 0),
			    jstr(it, "id"));
			put_term(jstr(it, "type"));
			fputc(' ', stdout);
			put_term(jstr(it, "value"));
			fputc('\n', stdout);
		}
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "incidents")) > 0) {
		struct col cols[] = {
			{ "JOINED", 0, 0, 0, 9, 0, 0 }, { "SITE", 0, 1, 30, 9, 0, 0 },
			{ "KIND", 0, 0, 0, 7, 0, 0 }, { "SEVERITY", 0, 0, 0, 6, 0, 0 },
			{ "EVENTS", 1, 0, 0, 3, 0, 0 }, { "KEY", 0, 1, 8, 5, 0, 0 },
			{ "LINKED BY", 0, 1, 10, 4, 0, 0 }, { "INCIDENT", 0, 0, 0, 9, 0, 0 },
		};
		fputc('\n', stdout);
		heading("Incidents");
		table_init(&t, cols, 8);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "incidents")) {
			const char *site = jstr(it, "site"), *sev = jstr(it, "severity");
			table_row(&t);
			cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "joined"), site_zone(site), 0),
			    NULL);
			cell(&t, 1, site, NULL);
			cell(&t, 2, jstr(it, "kind"), NULL);
			cell(&t, 3, sev, sev_color(sev));
			cellf(&t, 4, NULL, "%lld", (long long)jint(it, "event_count"));
			cell(&t, 5, jstr(it, "key"), NULL);
			{
				/* Why it is a member: the indicator and its rarity, or the wave. */
				const cJSON *via = cJSON_GetObjectItemCaseSensitive(it, "via");
				const char *vt = jstr(via, "type");
				const cJSON *w = cJSON_GetObjectItemCaseSensitive(via, "weight");
				if (vt[0] == '\0' || strcmp(vt, "founder") == 0)
					cell(&t, 6, vt[0] == '\0' ? "-" : "first", NULL);
				else if (strcmp(vt, "wave") == 0)
					cellf(&t, 6, NULL, "wave %s", jstr(via, "value"));
				else
					cellf(&t, 6, NULL, "%s %s (%.2f)", vt, jstr(via, "value"),
					    cJSON_IsNumber(w) ? w->valuedouble : 0.0);
			}
			cell(&t, 7, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
		}
		table_print(&t);
		table_free(&t);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "evidence")) > 0) {
		fputc('\n', stdout);
		heading("Evidence (first lines per site)");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "evidence")) {
			const char *site = jstr(it, "site");
			printf("  %s  ", fmt_time(ts, sizeof(ts), jtime(it, "ts"), site_zone(site), 1));
			put_term(site);
			fputs("  ", stdout);
			put_term(jstr(it, "line"));
			fputc('\n', stdout);
		}
	}
	cJSON_Delete(o);
}
