/*
 * incidents.c — `ronda incidents` and `ronda incident ID`.
 */
#include "cli.h"

/* ---- incidents ------------------------------------------------------------ */

void
cmd_incidents(const struct ronda_query_filter *f, int json)
{
	struct ronda_query_page page;
	cJSON *arr = NULL, *it;
	struct col cols[] = {
		{ "LAST SEEN", 0, 0, 0, 9, 0, 0 }, { "SITE", 0, 1, 30, 9, 0, 0 },
		{ "KIND", 0, 0, 0, 8, 0, 0 }, { "SEVERITY", 0, 0, 0, 7, 0, 0 },
		{ "STATUS", 0, 0, 0, 4, 0, 0 }, { "EVENTS", 1, 0, 0, 3, 0, 0 },
		{ "KEY", 0, 1, 8, 6, 0, 0 }, { "ID", 0, 0, 0, 9, 0, 0 },
	};
	struct table t;
	char ts[64], sid[SHORT_ID + 1];

	check(ronda_query_incidents(Q, f, &arr, &page));
	if (json) {
		print_json(arr);
		cJSON_Delete(arr);
		return;
	}
	if (cJSON_GetArraySize(arr) == 0) {
		printf("no incidents match\n");
		cJSON_Delete(arr);
		return;
	}
	table_init(&t, cols, 8);
	cJSON_ArrayForEach(it, arr) {
		const char *site = jstr(it, "site"), *sev = jstr(it, "severity");
		const char *st = jstr(it, "status");
		table_row(&t);
		cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "last_seen"), site_zone(site), 0),
		    NULL);
		cell(&t, 1, site, NULL);
		cell(&t, 2, jstr(it, "kind"), NULL);
		cell(&t, 3, sev, sev_color(sev));
		cell(&t, 4, st, strcmp(st, "closed") == 0 ? NULL : "\033[32m");
		cellf(&t, 5, NULL, "%lld", (long long)jint(it, "event_count"));
		cell(&t, 6, jstr(it, "key"), NULL);
		cell(&t, 7, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
	}
	table_print(&t);
	table_free(&t);
	if (page.total > cJSON_GetArraySize(arr))
		printf("%d of %lld incidents, newest first%s\n", cJSON_GetArraySize(arr),
		    (long long)page.total, page.next_cursor[0] != '\0' ? " (--limit/--offset)" : "");
	cJSON_Delete(arr);
}

void
cmd_incident(const char *given, int json)
{
	char id[80], ts[64];
	cJSON *o = NULL, *it, *camps = NULL;
	const struct ronda_tz *tz;
	const cJSON *s;
	int n;
	struct ronda_buf b;
	const char *site;

	resolve_id(RONDA_QUERY_INCIDENT, given, id, sizeof(id));
	check(ronda_query_incident(Q, id, &o));
	if (json) {
		print_json(o);
		cJSON_Delete(o);
		return;
	}
	site = jstr(o, "site");
	tz = site_zone(site);
	ronda_buf_init(&b, 0);
	heading("Incident %s", jstr(o, "id"));
	ronda_buf_puts(&b, site);
	if ((s = site_obj(site)) != NULL && jstr(s, "agency")[0] != '\0')
		ronda_buf_printf(&b, " (%s)", jstr(s, "agency"));
	else if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "site_known")))
		ronda_buf_puts(&b, " (not a configured site)");
	kv("site", b.data, NULL);
	kv("kind", jstr(o, "kind"), NULL);
	kv("severity", jstr(o, "severity"), sev_color(jstr(o, "severity")));
	ronda_buf_reset(&b);
	ronda_buf_printf(&b, "%s", jstr(o, "status"));
	if (jint(o, "reopen_count") > 0)
		ronda_buf_printf(&b, " (reopened %lld times)", (long long)jint(o, "reopen_count"));
	kv("status", b.data, NULL);
	kv("key", jstr(o, "key"), NULL);
	kv("first seen", fmt_time(ts, sizeof(ts), jtime(o, "first_seen"), tz, 1), NULL);
	kv("last seen", fmt_time(ts, sizeof(ts), jtime(o, "last_seen"), tz, 1), NULL);
	snprintf(ts, sizeof(ts), "%lld", (long long)jint(o, "event_count"));
	kv("events", ts, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "attacker_ips"), ", ");
	if (b.len > 0)
		kv("attackers", b.data, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "users"), ", ");
	if (b.len > 0)
		kv("users", b.data, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "rule_ids"), ", ");
	if (b.len > 0)
		kv("rules", b.data, NULL);
	check(ronda_query_incident_campaigns(Q, id, &camps));
	cJSON_ArrayForEach(it, camps) {
		ronda_buf_reset(&b);
		ronda_buf_printf(&b, "%.*s  %s (%s, %lld sites)", SHORT_ID, jstr(it, "id"),
		    jstr(it, "title"), jstr(it, "status"), (long long)jint(it, "site_count"));
		kv("campaign", b.data, NULL);
	}
	cJSON_Delete(camps);
	ronda_buf_release(&b);

	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "indicators")) > 0) {
		fputc('\n', stdout);
		heading("Indicators");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "indicators")) {
			printf("  %-11s ", jstr(it, "type"));
			put_term(jstr(it, "value"));
			printf("  (first %s)\n", fmt_time(ts, sizeof(ts), jtime(it, "first_seen"),
			    tz, 1));
		}
	}
	fputc('\n', stdout);
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "evidence"));
	heading("Evidence (%d line%s)", n, n == 1 ? "" : "s");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "evidence")) {
		printf("  %s  ", fmt_time(ts, sizeof(ts), jtime(it, "ts"), tz, 1));
		put_term(jstr(it, "line"));
		fputc('\n', stdout);
	}
	cJSON_Delete(o);
}
