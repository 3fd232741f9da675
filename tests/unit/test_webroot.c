/*
 * test_webroot.c — the web-root watch without a loop or Kafka: a temporary
 * web root, the watcher driven slice by slice (ronda_webroot_run) with an
 * injected clock and a sink that records messages and confirms only when
 * told. Covers the state DB round trip, the comparison (created, modified,
 * deleted, renamed by inode and hash, excluded prefixes, symlinks and FIFOs
 * skipped, a vanished folder), nothing lost when Kafka never confirmed
 * (same events, same ids after a restart), first scans (silent, file_found
 * for markers, restarted when interrupted), the event JSON with a hostile
 * file name, acceptances and re-baselines, and a full sink.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "conf.h"
#include "ronda/timeutil.h"
#include "marker.h"
#include "webroot.h"
#include "webroot_db.h"
#include "webroot_int.h"

static char dir[256], root[300], db[300], outside[300];

/* ---- markers ------------------------------------------------------------ */

/*
 * The real marker set (marker.c, the shipped rules/webroot) when it loads;
 * the tests use content that any webshell marker set must flag.
 */
static struct ronda_markers *markers;

/* ---- the sink ----------------------------------------------------------- */

#define MSGS_MAX 4096

struct msg {
	char *json;
	char key[64];
	uint64_t ticket;
	int acked;
};

static struct msg msgs[MSGS_MAX];
static size_t nmsgs;
static int refuse;		/* the sink refuses this many more calls */
static int64_t clock_ms = INT64_C(1795000000000);

static int
sink_emit(void *arg, const char *key, size_t keylen, const char *json, size_t len,
    uint64_t ticket)
{
	(void)arg;
	if (refuse > 0) {
		refuse--;
		return -1;
	}
	assert_true(nmsgs < MSGS_MAX);
	assert_true(RONDA_WEBROOT_IS_TICKET(ticket));
	msgs[nmsgs].json = strndup(json, len);
	snprintf(msgs[nmsgs].key, sizeof(msgs[nmsgs].key), "%.*s", (int)keylen, key);
	msgs[nmsgs].ticket = ticket;
	msgs[nmsgs].acked = 0;
	nmsgs++;
	return 0;
}

static int64_t
test_now(void *arg)
{
	(void)arg;
	return clock_ms;
}

static const struct ronda_webroot_ops ops = { sink_emit, test_now };

static void
msgs_clear(void)
{
	for (size_t i = 0; i < nmsgs; i++)
		free(msgs[i].json);
	nmsgs = 0;
}

static void
ack_all(struct ronda_webroot *w)
{
	for (size_t i = 0; i < nmsgs; i++) {
		if (!msgs[i].acked) {
			ronda_webroot_ack(w, msgs[i].ticket);
			msgs[i].acked = 1;
		}
	}
}

/*
 * Run until idle (--once), confirming as Kafka would when ack is set;
 * without, until nothing moves for 100 ms (it waits for confirmations).
 */
static void
drive(struct ronda_webroot *w, int ack)
{
	int64_t deadline = ronda_mono_ms() + 10000, quiet = 0;

	while (ronda_mono_ms() < deadline) {
		size_t before = nmsgs;
		int more = ronda_webroot_run(w);
		if (ack)
			ack_all(w);
		if (ronda_webroot_idle(w))
			return;
		if (more || nmsgs != before) {
			quiet = 0;
			continue;
		}
		if (quiet == 0)
			quiet = ronda_mono_ms();
		else if (!ack && ronda_mono_ms() - quiet >= 100)
			return;
		usleep(1000);
	}
	fail_msg("the watcher did not become idle within 10 s");
}

/* ---- the configuration -------------------------------------------------- */

static struct ronda_collector_config cfg;
static struct ronda_collector_webroot wr;
static char *excl[] = { "cache", "*/tmp" };

static void
cfg_init(void)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&wr, 0, sizeof(wr));
	wr.path = root;
	wr.site_id = "bontangkota.go.id";
	wr.exclude.v = excl;
	wr.exclude.n = 2;
	cfg.site = "bontangkota.go.id";
	cfg.agency = "Diskominfo Bontang";
	cfg.region = "Kalimantan Timur";
	cfg.timezone = "Asia/Makassar";
	cfg.host_name = "web01";
	cfg.state_db = db;
	cfg.path = "test.yaml";
	cfg.webroots.v = &wr;
	cfg.webroots.n = 1;
	cfg.webroot.scan_interval = 3600000;
	cfg.webroot.max_scan = 1 << 20;
	cfg.webroot.max_hash = 1 << 20;
	cfg.webroot.max_watches = 65536;
	cfg.webroot.settle = 0;
}

static struct ronda_webroot *
start(void)
{
	char err[256];
	struct ronda_webroot *w = ronda_webroot_new(NULL, &cfg, markers, &ops, NULL, 1, err,
	    sizeof(err));

	if (w == NULL)
		fail_msg("ronda_webroot_new: %s", err);
	return w;
}

/* ---- files -------------------------------------------------------------- */

static void
put_file(const char *rel, const char *content)
{
	char p[1024];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_non_null(fp = fopen(p, "w"));
	fputs(content, fp);
	fclose(fp);
}

static void
mk(const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void
rm_tree(const char *path)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static void
mv(const char *a, const char *b)
{
	char pa[1024], pb[1024];

	snprintf(pa, sizeof(pa), "%s/%s", root, a);
	snprintf(pb, sizeof(pb), "%s/%s", root, b);
	assert_int_equal(rename(pa, pb), 0);
}

/* The message whose ronda.file.relpath is rel, parsed; NULL when none. */
static cJSON *
event_for(const char *rel)
{
	for (size_t i = 0; i < nmsgs; i++) {
		cJSON *j = cJSON_Parse(msgs[i].json);
		cJSON *r;
		assert_non_null(j);
		r = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ronda"),
		    "file"), "relpath");
		if (cJSON_IsString(r) && strcmp(r->valuestring, rel) == 0)
			return j;
		cJSON_Delete(j);
	}
	return NULL;
}

static const char *
jstr(cJSON *j, const char *a, const char *b, const char *c)
{
	cJSON *x = cJSON_GetObjectItem(j, a);

	if (b != NULL)
		x = cJSON_GetObjectItem(x, b);
	if (c != NULL)
		x = cJSON_GetObjectItem(x, c);
	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static const char *
action_of(cJSON *j)
{
	return jstr(j, "event", "action", NULL);
}

/* ---- fixtures ----------------------------------------------------------- */

static int
setup(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_strlist none = { 0 };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ronda-webroot.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(root, sizeof(root), "%s/www", dir);
	snprintf(db, sizeof(db), "%s/state.db", dir);
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	cfg_init();
	nmsgs = 0;
	refuse = 0;
	clock_ms = INT64_C(1795000000000);
	if (markers == NULL)
		markers = ronda_markers_load(&none, &errs);
	ronda_cfg_errors_free(&errs);
	return markers == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	msgs_clear();
	rm_tree(dir);
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void
count_cb(void *arg, const struct ronda_wr_entry *e)
{
	(void)e;
	(*(int *)arg)++;
}

static void
names_cb(void *arg, const struct ronda_wr_entry *e)
{
	char *out = arg;

	strncat(out, e->folder, e->folderlen);
	strcat(out, "|");
	strncat(out, e->name, e->namelen);
	strcat(out, ";");
}

static void
db_round_trip(void **state)
{
	struct ronda_webroot_db *d, *d2;
	struct ronda_wr_row row, got;
	struct ronda_wr_accept a = { 0 }, *v;
	char err[256], names[4096] = "";
	size_t n;
	int64_t id, dv;
	int c = 0;

	(void)state;
	assert_non_null(d = ronda_webroot_db_open(db, err, sizeof(err)));
	memset(&row, 0, sizeof(row));
	row.size = 12;
	row.mtime_ns = INT64_C(1795000000123456789);
	row.ctime_ns = row.mtime_ns + 1;
	row.inode = 77;
	row.mode = S_IFREG | 0644;
	row.uid = 33;
	row.has_hash = 1;
	memset(row.sha256, 0xab, 32);
	assert_int_equal(ronda_webroot_db_baselined(d, "/r"), 0);
	assert_int_equal(ronda_webroot_db_set_baselined(d, "/r", 1, 5), 0);
	assert_int_equal(ronda_webroot_db_baselined(d, "/r"), 1);
	/* Names are bytes: a newline and 0xff survive. */
	assert_int_equal(ronda_webroot_db_put(d, "/r", "", 0, "a\n\xff.php", 7, &row), 0);
	assert_int_equal(ronda_webroot_db_put(d, "/r", "up", 2, "x.php", 5, &row), 0);
	assert_int_equal(ronda_webroot_db_put(d, "/r", "up/2026", 7, "y.php", 5, &row), 0);
	assert_int_equal(ronda_webroot_db_put(d, "/r", "up!", 3, "z.php", 5, &row), 0);
	assert_int_equal(ronda_webroot_db_put(d, "/other", "up", 2, "x.php", 5, &row), 0);
	assert_int_equal(ronda_webroot_db_get(d, "/r", "", 0, "a\n\xff.php", 7, &got), 1);
	assert_memory_equal(&got, &row, sizeof(row));
	assert_int_equal(ronda_webroot_db_get(d, "/r", "", 0, "a.php", 5, &got), 0);
	/* The subtree of "up": itself and below, not "up!" (sorts between). */
	assert_int_equal(ronda_webroot_db_subtree_page(d, "/r", "up", 2, NULL, 0, NULL, 0,
	    10, names_cb, names), 2);
	assert_string_equal(names, "up|x.php;up/2026|y.php;");
	/* Paging after a key. */
	names[0] = '\0';
	assert_int_equal(ronda_webroot_db_subtree_page(d, "/r", "", 0, "up", 2, "x.php", 5,
	    10, names_cb, names), 2);
	assert_string_equal(names, "up!|z.php;up/2026|y.php;");
	assert_int_equal(ronda_webroot_db_by_inode(d, "/r", 77, 10, count_cb, &c), 4);
	assert_int_equal(ronda_webroot_db_subtree_has_files(d, "/r", "up", 2), 1);
	assert_int_equal(ronda_webroot_db_subtree_delete(d, "/r", "up", 2), 0);
	assert_int_equal(ronda_webroot_db_subtree_has_files(d, "/r", "up", 2), 0);
	assert_int_equal(ronda_webroot_db_count(d, "/r"), 2);
	assert_int_equal(ronda_webroot_db_count(d, "/other"), 1);
	assert_int_equal(ronda_webroot_db_clear_root(d, "/r"), 0);
	assert_int_equal(ronda_webroot_db_count(d, "/r"), 0);

	/* Acceptances, and another connection's write seen through data_version. */
	dv = ronda_webroot_db_data_version(d);
	assert_non_null(d2 = ronda_webroot_db_open(db, err, sizeof(err)));
	a.root = "/r";
	a.prefix = "wp-content";
	a.from_ms = 1000;
	a.until_ms = 2000;
	assert_int_equal(ronda_webroot_db_accept_add(d2, &a, &id), 0);
	a.prefix = "";
	a.from_ms = a.until_ms = 1500;
	a.rebaseline = 1;
	assert_int_equal(ronda_webroot_db_accept_add(d2, &a, NULL), 0);
	ronda_webroot_db_free(d2);
	assert_int_not_equal(ronda_webroot_db_data_version(d), dv);
	assert_int_equal(ronda_webroot_db_accept_load(d, 1500, 10, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_true(v[0].rebaseline);		/* newest first */
	assert_string_equal(v[1].prefix, "wp-content");
	assert_int_equal(ronda_webroot_db_accept_done(d, v[0].id), 0);
	ronda_webroot_db_accepts_free(v, n);
	/* After the window: only what still matters (nothing). */
	assert_int_equal(ronda_webroot_db_accept_load(d, 5000, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	ronda_webroot_db_accepts_free(v, n);
	assert_int_equal(ronda_webroot_db_accept_expire(d, 5000), 0);
	ronda_webroot_db_free(d);
}

/* A tree with every kind of entry the walk must handle. */
static void
make_tree(void)
{
	char p[1024];
	struct sockaddr_un sun;
	int s;

	put_file("index.php", "<?php echo 'home'; ?>\n");
	mk("sub");
	put_file("sub/b.txt", "hello\n");
	mk("sub/deep");
	put_file("sub/deep/c.html", "<p>page</p>\n");
	mk("cache");
	put_file("cache/page.html", "cached\n");
	mk("sub/tmp");
	put_file("sub/tmp/t.txt", "temp\n");
	/* A FIFO (never opened: a reader would block), a socket, links. */
	snprintf(p, sizeof(p), "%s/fifo", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", root);
	assert_true((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(s);
	/* A link to a folder outside the root, with a PHP file in it. */
	snprintf(p, sizeof(p), "%s/x.php", outside);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("<?php eval(base64_decode($_POST['x'])); ?>", fp);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/out", root);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/passwd.txt", root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
}

static void
first_scan_is_silent_then_differences_are_events(void **state)
{
	struct ronda_webroot_stats st;
	struct ronda_webroot *w;
	struct ronda_webroot_db *d;
	struct ronda_wr_row row;
	char err[256];
	cJSON *j;

	(void)state;
	make_tree();
	w = start();
	drive(w, 1);
	ronda_webroot_stats(w, &st);
	assert_int_equal(nmsgs, 0);		/* no markers: nothing sent */
	assert_int_equal(st.files_baselined, 3);	/* index.php, sub/b.txt, sub/deep/c.html */
	assert_int_equal(st.symlinks_skipped, 2);
	assert_int_equal(st.special_skipped, 2);	/* fifo, sock */
	assert_int_equal(st.roots_baselined, 1);
	ronda_webroot_free(w);
	/* Nothing of the excluded folders, nothing through the link. */
	assert_non_null(d = ronda_webroot_db_open(db, err, sizeof(err)));
	assert_int_equal(ronda_webroot_db_get(d, root, "cache", 5, "page.html", 9, &row), 0);
	assert_int_equal(ronda_webroot_db_get(d, root, "sub/tmp", 7, "t.txt", 5, &row), 0);
	assert_int_equal(ronda_webroot_db_get(d, root, "out", 3, "x.php", 5, &row), 0);
	assert_int_equal(ronda_webroot_db_get(d, root, "sub/deep", 8, "c.html", 6, &row), 1);
	assert_true(row.has_hash);
	ronda_webroot_db_free(d);

	/* Changes while the collector was away. */
	put_file("new.php", "<?php echo 1; ?>\n");
	put_file("index.php", "<?php echo 'home, changed'; ?>\n");
	mv("sub/deep/c.html", "sub/c2.html");
	{
		char p[1024];
		snprintf(p, sizeof(p), "%s/sub/b.txt", root);
		assert_int_equal(unlink(p), 0);
	}
	put_file("cache/evil.php", "<?php system($_GET['c']); ?>\n");
	put_file("sub/tmp/evil.php", "<?php system($_GET['c']); ?>\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 4);
	assert_non_null(j = event_for("new.php"));
	assert_string_equal(action_of(j), "file_created");
	assert_string_equal(jstr(j, "ronda", "file", "scan"), "scan");
	assert_non_null(jstr(j, "file", "hash", "sha256"));
	assert_string_equal(msgs[0].key, "bontangkota.go.id");
	cJSON_Delete(j);
	assert_non_null(j = event_for("index.php"));
	assert_string_equal(action_of(j), "file_modified");
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "ronda"), "file"), "previous"), "sha256"));
	cJSON_Delete(j);
	assert_non_null(j = event_for("sub/b.txt"));
	assert_string_equal(action_of(j), "file_deleted");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "file"), "hash"));
	cJSON_Delete(j);
	assert_non_null(j = event_for("sub/c2.html"));
	assert_string_equal(action_of(j), "file_renamed");
	assert_string_equal(jstr(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ronda"), "file"),
	    "previous", "relpath", NULL), "sub/deep/c.html");
	cJSON_Delete(j);
	assert_null(event_for("sub/deep/c.html"));	/* the rename, not a deletion */

	/* Confirmed: the baseline moved; another comparison finds nothing, reading nothing. */
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_stats(w, &st);
	assert_int_equal(st.files_hashed, 0);
	assert_int_equal(st.bytes_hashed, 0);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
}

/* Kafka never confirmed: the next start sends the same events, same ids. */
static void
unconfirmed_changes_are_sent_again_with_the_same_ids(void **state)
{
	struct ronda_webroot *w;
	char *first[8];
	size_t n1;

	(void)state;
	put_file("a.php", "<?php echo 'a'; ?>\n");
	mk("up");
	put_file("up/b.php", "<?php echo 'b'; ?>\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);

	put_file("a.php", "<?php echo 'a2'; ?>\n");
	put_file("up/c.php", "<?php echo 'c'; ?>\n");
	{
		char p[1024];
		snprintf(p, sizeof(p), "%s/up/b.php", root);
		assert_int_equal(unlink(p), 0);
	}
	w = start();
	drive(w, 0);		/* sent, never confirmed; then "kill -9" */
	ronda_webroot_free(w);
	n1 = nmsgs;
	assert_int_equal(n1, 3);	/* a.php modified, up/b.php deleted, up/c.php created */
	for (size_t i = 0; i < n1; i++) {
		cJSON *j = cJSON_Parse(msgs[i].json);
		first[i] = strdup(jstr(j, "event", "id", NULL));
		assert_int_equal(strlen(first[i]), 32);
		cJSON_Delete(j);
	}
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, n1);
	for (size_t i = 0; i < n1; i++) {
		int found = 0;
		for (size_t k = 0; k < nmsgs; k++) {
			cJSON *j = cJSON_Parse(msgs[k].json);
			if (strcmp(jstr(j, "event", "id", NULL), first[i]) == 0)
				found = 1;
			cJSON_Delete(j);
		}
		assert_true(found);
		free(first[i]);
	}
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
}

static void
a_vanished_folder_deletes_its_files(void **state)
{
	struct ronda_webroot_db *d;
	struct ronda_webroot *w;
	char err[256], p[1024];

	(void)state;
	mk("plugin");
	mk("plugin/inc");
	put_file("plugin/a.php", "a\n");
	put_file("plugin/inc/b.php", "b\n");
	put_file("plugin/inc/c.php", "c\n");
	put_file("keep.php", "k\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	snprintf(p, sizeof(p), "%s/plugin", root);
	rm_tree(p);
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 3);
	for (size_t i = 0; i < nmsgs; i++)
		assert_non_null(strstr(msgs[i].json, "\"action\":\"file_deleted\""));
	/* Once confirmed, the folder rows go with the next comparison. */
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
	assert_non_null(d = ronda_webroot_db_open(db, err, sizeof(err)));
	assert_int_equal(ronda_webroot_db_count(d, root), 1);	/* keep.php */
	ronda_webroot_db_free(d);
}

/* A folder renamed while the collector was away: its files are renamed. */
static void
a_renamed_folder_renames_its_files(void **state)
{
	struct ronda_webroot_db *d;
	struct ronda_webroot *w;
	char err[256];

	(void)state;
	mk("plugins");
	mk("plugins/old");
	mk("plugins/old/inc");
	put_file("plugins/old/a.php", "a\n");
	put_file("plugins/old/inc/b.php", "b\n");
	put_file("plugins/old/inc/c.php", "c\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	mv("plugins/old", "plugins/new");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 3);
	for (size_t i = 0; i < nmsgs; i++)
		assert_non_null(strstr(msgs[i].json, "\"action\":\"file_renamed\""));
	{
		cJSON *j = event_for("plugins/new/inc/b.php");
		assert_non_null(j);
		assert_string_equal(jstr(cJSON_GetObjectItem(j, "ronda"), "file", "previous",
		    "relpath"), "plugins/old/inc/b.php");
		cJSON_Delete(j);
	}
	/* The old folder's rows go; nothing more is reported. */
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
	assert_non_null(d = ronda_webroot_db_open(db, err, sizeof(err)));
	assert_int_equal(ronda_webroot_db_subtree_has_files(d, root, "plugins/old", 11), 0);
	assert_int_equal(ronda_webroot_db_count(d, root), 6);	/* plugins, new, inc, 3 files */
	ronda_webroot_db_free(d);
}

static void
event_json_escapes_a_hostile_name(void **state)
{
	struct ronda_wr_row row;
	struct wr_event ev;
	struct ronda_buf b;
	char id1[33], id2[33];
	cJSON *j, *f;

	(void)state;
	memset(&row, 0, sizeof(row));
	row.size = 5;
	row.mtime_ns = INT64_C(1795000000123000000);
	row.ctime_ns = row.mtime_ns;
	row.inode = 9;
	row.mode = S_IFREG | 0644;
	row.has_hash = 1;
	memset(&ev, 0, sizeof(ev));
	ev.action = WR_CREATED;
	ev.scan = WR_SCAN_WATCH;
	ev.site = "s.go.id";
	ev.host = "h";
	ev.root = "/var/www/s";
	ev.rel = "up/a\"b\nc\xff<script>.php";
	ev.row = &row;
	ev.ts_ms = 1795000000123;
	ronda_buf_init(&b, 1 << 20);
	assert_int_equal(wr_event_json(&ev, &b), 0);
	assert_null(memchr(b.data, '\n', b.len));	/* one line */
	assert_non_null(j = cJSON_Parse(b.data));
	f = cJSON_GetObjectItem(j, "file");
	/* The quote and newline escaped; the 0xff byte as the text \xff. */
	assert_string_equal(cJSON_GetObjectItem(f, "name")->valuestring,
	    "a\"b\nc\\xff<script>.php");
	assert_string_equal(cJSON_GetObjectItem(f, "path")->valuestring,
	    "/var/www/s/up/a\"b\nc\\xff<script>.php");
	assert_string_equal(cJSON_GetObjectItem(f, "directory")->valuestring, "/var/www/s/up");
	assert_string_equal(cJSON_GetObjectItem(f, "extension")->valuestring, "php");
	assert_string_equal(cJSON_GetObjectItem(f, "mode")->valuestring, "0644");
	assert_string_equal(cJSON_GetObjectItem(f, "mtime")->valuestring,
	    "2026-11-18T11:06:40.123Z");
	assert_string_equal(jstr(j, "@timestamp", NULL, NULL), "2026-11-18T11:06:40.123Z");
	assert_string_equal(jstr(j, "event", "kind", NULL), "event");
	assert_null(cJSON_GetObjectItem(j, "rule"));
	cJSON_Delete(j);
	ronda_buf_release(&b);

	/* Deterministic ids: the same change the same id; another change another. */
	wr_event_id(&ev, id1);
	wr_event_id(&ev, id2);
	assert_string_equal(id1, id2);
	row.mtime_ns++;
	wr_event_id(&ev, id2);
	assert_string_not_equal(id1, id2);
	row.mtime_ns--;
	ev.action = WR_MODIFIED;
	wr_event_id(&ev, id2);
	assert_string_not_equal(id1, id2);
	ev.action = WR_CREATED;
	ev.site = "t.go.id";
	wr_event_id(&ev, id2);
	assert_string_not_equal(id1, id2);
}

static void
accept_windows(void **state)
{
	struct ronda_wr_accept v[2];

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].root = "/var/www/a";
	v[0].prefix = "wp-content";
	v[0].from_ms = 1000;
	v[0].until_ms = 2000;
	v[1].root = "/var/www/b";
	v[1].prefix = "";
	v[1].from_ms = v[1].until_ms = 1500;
	v[1].rebaseline = 1;
	assert_true(wr_accept_match(v, 2, "/var/www/a", "wp-content", 1000));
	assert_true(wr_accept_match(v, 2, "/var/www/a", "wp-content/plugins/x.php", 1999));
	assert_false(wr_accept_match(v, 2, "/var/www/a", "wp-content/x.php", 2000));
	assert_false(wr_accept_match(v, 2, "/var/www/a", "wp-content/x.php", 999));
	assert_false(wr_accept_match(v, 2, "/var/www/a", "wp-contentx/x.php", 1500));
	assert_false(wr_accept_match(v, 2, "/var/www/a", "index.php", 1500));
	assert_false(wr_accept_match(v, 2, "/var/www/aa", "wp-content/x.php", 1500));
	/* A re-baseline is no window. */
	assert_false(wr_accept_match(v, 2, "/var/www/b", "index.php", 1500));
	v[0].prefix = "";
	assert_true(wr_accept_match(v, 2, "/var/www/a", "index.php", 1500));
}

static void
accepted_changes_are_flagged(void **state)
{
	struct ronda_webroot *w;
	char path[1024], msg[512];
	cJSON *j;

	(void)state;
	mk("wp-content");
	put_file("wp-content/x.php", "x\n");
	put_file("index.php", "i\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);

	snprintf(path, sizeof(path), "%s/wp-content/", root);
	assert_int_equal(ronda_webroot_accept(&cfg, path, 3600000, clock_ms, msg,
	    sizeof(msg)), 0);
	assert_non_null(strstr(msg, "wp-content"));
	assert_int_equal(ronda_webroot_accept(&cfg, "/nowhere/else", 3600000, clock_ms, msg,
	    sizeof(msg)), -2);
	put_file("wp-content/x.php", "x2\n");
	put_file("index.php", "i2\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 2);
	assert_non_null(j = event_for("wp-content/x.php"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "ronda"), "file"), "accepted")));
	cJSON_Delete(j);
	assert_non_null(j = event_for("index.php"));
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ronda"),
	    "file"), "accepted"));
	cJSON_Delete(j);

	/* Two hours later the window is closed. */
	msgs_clear();
	clock_ms += 2 * 3600000;
	put_file("wp-content/x.php", "x3\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 1);
	assert_null(strstr(msgs[0].json, "\"accepted\""));

	/* --for 0: the current content under the path is the baseline, no event. */
	msgs_clear();
	put_file("wp-content/x.php", "x4\n");
	mk("wp-content/new");
	put_file("wp-content/new/y.php", "y\n");
	snprintf(path, sizeof(path), "%s/wp-content", root);
	assert_int_equal(ronda_webroot_accept(&cfg, path, 0, clock_ms, msg, sizeof(msg)), 0);
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
	/* Outside the path a change is an event; inside, a marker still is. */
	put_file("index.php", "i3\n");
	put_file("wp-content/x.php", "x5\n");
	put_file("wp-content/new/shell.php", "<?php @eval(base64_decode($_POST['z'])); ?>\n");
	assert_int_equal(ronda_webroot_accept(&cfg, path, 0, clock_ms, msg, sizeof(msg)), 0);
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 2);
	assert_non_null(j = event_for("index.php"));
	cJSON_Delete(j);
	assert_non_null(j = event_for("wp-content/new/shell.php"));
	assert_string_equal(action_of(j), "file_created");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "ronda"), "file"), "accepted")));
	cJSON_Delete(j);
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
}

/* A webshell in the first scan: file_found; the root is baselined only once confirmed. */
static void
first_scan_reports_marker_files_and_restarts_when_killed(void **state)
{
	struct ronda_webroot_stats st;
	struct ronda_webroot *w;
	char id[40];
	cJSON *j;

	(void)state;
	mk("wp-content");
	mk("wp-content/uploads");
	put_file("index.php", "<?php require 'wp-blog-header.php'; ?>\n");
	put_file("wp-content/uploads/x.php",
	    "<?php @eval(base64_decode($_POST['c'])); ?>\n");
	w = start();
	drive(w, 0);		/* never confirmed */
	ronda_webroot_stats(w, &st);
	assert_int_equal(st.roots_baselined, 0);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 1);
	assert_non_null(j = event_for("wp-content/uploads/x.php"));
	assert_string_equal(action_of(j), "file_found");
	assert_string_equal(jstr(j, "event", "kind", NULL), "alert");
	assert_string_equal(jstr(j, "ronda", "file", "scan"), "baseline");
	assert_non_null(cJSON_GetObjectItem(j, "rule"));
	assert_non_null(strstr(msgs[0].json, "webshell"));
	snprintf(id, sizeof(id), "%s", jstr(j, "event", "id", NULL));
	cJSON_Delete(j);

	/* "kill -9": the first scan starts over and finds it again, same id. */
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_stats(w, &st);
	assert_int_equal(st.roots_baselined, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 1);
	assert_non_null(strstr(msgs[0].json, id));
	msgs_clear();
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 0);
}

/* While the sink is full nothing is lost nor produced out of turn. */
static void
a_full_sink_holds_events(void **state)
{
	struct ronda_webroot *w;

	(void)state;
	put_file("a.php", "a\n");
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	for (int i = 0; i < 20; i++) {
		char n[32];
		snprintf(n, sizeof(n), "f%02d.php", i);
		put_file(n, "new\n");
	}
	refuse = 50;
	w = start();
	for (int i = 0; i < 40; i++)
		ronda_webroot_run(w);
	assert_int_equal(nmsgs, 0);
	assert_false(ronda_webroot_idle(w));
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 20);
}

/* Past max_hash: compared by metadata, sent without a hash. */
static void
large_files_are_compared_by_metadata(void **state)
{
	struct ronda_webroot *w;
	char big[5000];
	cJSON *j;

	(void)state;
	cfg.webroot.max_hash = 4096;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put_file("big.sql", big);
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	big[10] = 'b';
	put_file("big.sql", big);
	w = start();
	drive(w, 1);
	ronda_webroot_free(w);
	assert_int_equal(nmsgs, 1);
	assert_non_null(j = event_for("big.sql"));
	assert_string_equal(action_of(j), "file_modified");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "file"), "hash"));
	cJSON_Delete(j);
}

/* webroots: and webroot: with file:line errors; bare numbers are milliseconds. */
static void
config_keys(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_collector_config *c;
	const struct ronda_collector_webroot *v;
	char path[400];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "site: a.go.id\nstate_db: %s\nwebroots:\n"
	    "  - path: /var/www/a//x/\n    exclude: [wp-content/cache/, \"*/tmp\"]\n"
	    "  - path: /var/www/b\n    site: b.go.id\n"
	    "webroot:\n  settle: 150\n  scan_interval: 2h\n  max_watches: 10\n", db);
	fclose(fp);
	c = ronda_collector_config_load(path, &errs);
	assert_non_null(c);
	assert_int_equal(c->inputs.n, 0);	/* web roots only */
	assert_int_equal(c->webroots.n, 2);
	v = c->webroots.v;
	assert_string_equal(v[0].path, "/var/www/a/x");
	assert_string_equal(v[0].exclude.v[0], "wp-content/cache");
	assert_string_equal(v[0].site_id, "a.go.id");
	assert_string_equal(v[1].site_id, "b.go.id");
	assert_int_equal(c->webroot.settle, 150);
	assert_int_equal(c->webroot.scan_interval, 7200000);
	assert_int_equal(c->webroot.max_watches, 10);
	assert_int_equal(c->webroot.max_hash, 64 * 1024 * 1024);
	ronda_collector_config_free(c);

	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "site: a.go.id\nstate_db: %s\nwebroots:\n"
	    "  - path: www\n  - path: /v/../w\n    exclude: [/abs]\n"
	    "webroot:\n  settle: 99999\n", db);
	fclose(fp);
	assert_null(ronda_collector_config_load(path, &errs));
	assert_int_equal(errs.n, 4);
	assert_non_null(strstr(errs.v[0], "c.yaml:4: webroots[0].path: must be an absolute"));
	assert_non_null(strstr(errs.v[1], "c.yaml:5: webroots[1].path: must not contain"));
	assert_non_null(strstr(errs.v[2], "webroots[1].exclude[0]"));
	assert_non_null(strstr(errs.v[3], "c.yaml:8: webroot.settle: 99999 is out of range"));
	ronda_cfg_errors_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(db_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(first_scan_is_silent_then_differences_are_events,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(unconfirmed_changes_are_sent_again_with_the_same_ids,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(a_vanished_folder_deletes_its_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(a_renamed_folder_renames_its_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(event_json_escapes_a_hostile_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(accept_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(accepted_changes_are_flagged, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    first_scan_reports_marker_files_and_restarts_when_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(a_full_sink_holds_events, setup, teardown),
		cmocka_unit_test_setup_teardown(large_files_are_compared_by_metadata, setup,
		    teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	ronda_markers_free(markers);
	return rc;
}
