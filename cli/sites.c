/*
 * sites.c — `ronda sites`: coverage per site (last heard, newest event, silent).
 */
#include "cli.h"

/* ---- sites ---------------------------------------------------------------- */

/*
 * Sites with their two clocks apart: LAST HEARD is processing time (the
 * correlator's clock when the site's collector last reported), NEWEST
 * EVENT event time (the newest time its logs wrote). The status is judged
 * on the wall clock whatever --now says: liveness is about hearing now.
 */
void
cmd_sites(const struct ronda_query_filter *f, int json)
{
	cJSON *arr = NULL, *it;
	struct col cols[] = {
		{ "SITE", 0, 1, 25, 9, 0, 0 }, { "AGENCY", 0, 1, 10, 5, 0, 0 },
		{ "LAST HEARD", 0, 0, 0, 8, 0, 0 }, { "NEWEST EVENT", 0, 0, 0, 8, 0, 0 },
		{ "LATE", 1, 0, 0, 6, 0, 0 }, { "OPEN", 1, 0, 0, 7, 0, 0 },
		{ "CAMPAIGNS", 1, 0, 0, 3, 0, 0 }, { "STATUS", 0, 0, 0, 9, 0, 0 },
	};
	struct table t;
	char ts[64];
	int64_t after = 0;

	check(ronda_query_sites(Q, f, ronda_now_ms(), &arr));
	if (json) {
		print_json(arr);
		cJSON_Delete(arr);
		return;
	}
	if (cJSON_GetArraySize(arr) == 0) {
		printf("no sites in the store yet\n");
		cJSON_Delete(arr);
		return;
	}
	table_init(&t, cols, 8);
	cJSON_ArrayForEach(it, arr) {
		const char *id = jstr(it, "id");
		const int silent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "silent"));
		const int stalled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "stalled"));
		const int known = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "known"));
		after = jint(it, "silent_after_ms");
		table_row(&t);
		cell(&t, 0, id, NULL);
		cell(&t, 1, jstr(it, "agency")[0] != '\0' ? jstr(it, "agency") :
		    known ? "" : "(not configured)", NULL);
		cell(&t, 2, fmt_time(ts, sizeof(ts), jtime(it, "last_heard"), site_zone(id), 0),
		    NULL);
		cell(&t, 3, fmt_time(ts, sizeof(ts), jtime(it, "last_event"), site_zone(id), 0),
		    NULL);
		cellf(&t, 4, jint(it, "late") > 0 ? "\033[33m" : NULL, "%lld",
		    (long long)jint(it, "late"));
		cellf(&t, 5, jint(it, "open_incidents") > 0 ? "\033[33m" : NULL, "%lld",
		    (long long)jint(it, "open_incidents"));
		cellf(&t, 6, NULL, "%lld", (long long)jint(it, "active_campaigns"));
		if (silent)
			cell(&t, 7, "SILENT", "\033[1;31m");
		else if (stalled)
			cell(&t, 7, "STALLED", "\033[33m");
		else
			cell(&t, 7, "ok", NULL);
	}
	table_print(&t);
	table_free(&t);
	fmt_dur(ts, sizeof(ts), after);
	printf("LAST HEARD: when the correlator last heard the collector (its own clock).\n"
	    "NEWEST EVENT: the newest time the site's logs wrote (event time).\n"
	    "SILENT: not heard for %s. STALLED: heard, but no new events for %s.\n", ts, ts);
	cJSON_Delete(arr);
}
