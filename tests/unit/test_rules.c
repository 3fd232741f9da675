/*
 * test_rules — the rule loader, compiler and matcher, and the shipped rule set.
 *
 * Run without arguments: the cmocka suite. With `--explain RULES FILE [web|auth]`
 * it is a small scoring helper for tools/accuracy.sh: one JSON line per input
 * line with the matched rules (used until ronda-collector --explain exists).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ronda/auth.h"
#include "ronda/parse.h"
#include "ronda/rules.h"

static char tmpdir[256];

/* ------------------------------------------------------------ helpers */

static struct ronda_ruleset *
load_str(const char *text, struct ronda_cfg_errors *errs)
{
	return ronda_rules_load_string("t.yaml", text, strlen(text), errs);
}

/* Whether any error message contains needle. */
static int
errs_have(const struct ronda_cfg_errors *errs, const char *needle)
{
	for (size_t i = 0; i < errs->n; i++)
		if (strstr(errs->v[i], needle) != NULL)
			return 1;
	return 0;
}

static void
errs_print(const struct ronda_cfg_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "  %s\n", errs->v[i]);
}

static void
web_event(struct ronda_event *ev, const char *method, const char *path,
    const char *query, int status, const char *ua, const char *ref)
{
	ronda_event_reset(ev);
	ev->type = RONDA_EVENT_WEB;
	ev->method = (struct ronda_str){ method, strlen(method) };
	ev->path = (struct ronda_str){ path, strlen(path) };
	if (query != NULL)
		ev->query = (struct ronda_str){ query, strlen(query) };
	ev->url = ev->path;
	ev->status = status;
	if (ua != NULL)
		ev->user_agent = (struct ronda_str){ ua, strlen(ua) };
	if (ref != NULL)
		ev->referrer = (struct ronda_str){ ref, strlen(ref) };
}

static int
has_rule(const struct ronda_event *ev, const char *id)
{
	for (int i = 0; i < ev->nrules; i++)
		if (strcmp(ev->rules[i].id, id) == 0)
			return 1;
	return 0;
}

static int
has_category(const struct ronda_event *ev, const char *cat)
{
	for (int i = 0; i < ev->nrules; i++)
		if (strcmp(ev->rules[i].category, cat) == 0)
			return 1;
	return 0;
}

/* A minimal two-rule set with the tests the loader insists on. */
static const char *small_rules =
    "rules:\n"
    "  - id: web.sqli.union-select\n"
    "    name: SQL injection with UNION SELECT\n"
    "    category: sqli\n"
    "    severity: high\n"
    "    applies_to: web\n"
    "    fields: [query, path]\n"
    "    patterns: ['\\bunion\\b.{0,40}\\bselect\\b']\n"
    "    not: ['union select committee']\n"
    "    tags: [T1190]\n"
    "    tests:\n"
    "      match:\n"
    "        - '203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /berita.php?id=1+UNION+SELECT+1,2 HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"'\n"
    "      nomatch:\n"
    "        - '203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /berita/union-jack HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"'\n"
    "  - id: web.webshell.hit-ok\n"
    "    name: Known webshell answered 200\n"
    "    category: webshell\n"
    "    severity: critical\n"
    "    applies_to: web\n"
    "    fields: [path]\n"
    "    patterns: ['/(wso|alfa|c99|r57)\\.php$']\n"
    "    method: [GET, POST]\n"
    "    status: [200-299]\n"
    "    tags: [T1505.003]\n"
    "    tests:\n"
    "      match:\n"
    "        - '198.51.100.7 - - [20/Nov/2026:23:04:05 +0800] \"POST /wp-content/uploads/wso.php HTTP/1.1\" 200 90 \"-\" \"Mozilla/5.0\"'\n"
    "      nomatch:\n"
    "        - '198.51.100.7 - - [20/Nov/2026:23:04:05 +0800] \"POST /wp-content/uploads/wso.php HTTP/1.1\" 404 90 \"-\" \"Mozilla/5.0\"'\n"
    "  - id: auth.ssh.invalid-user\n"
    "    name: SSH login for a user that does not exist\n"
    "    category: recon\n"
    "    severity: low\n"
    "    applies_to: auth\n"
    "    action: [ssh_invalid_user]\n"
    "    tags: [T1110]\n"
    "    tests:\n"
    "      match:\n"
    "        - 'Nov 20 23:04:05 web1 sshd[4242]: Invalid user oracle from 203.0.113.50 port 51022'\n"
    "      nomatch:\n"
    "        - 'Nov 20 23:04:05 web1 sshd[4242]: Accepted publickey for deploy from 10.0.0.5 port 51022 ssh2'\n"
    /* One file may hold rules and decoders: the auth rule above needs this one. */
    "decoders:\n"
    "  - id: t.sshd-invalid-user\n"
    "    programs: [sshd]\n"
    "    action: ssh_invalid_user\n"
    "    outcome: failure\n"
    "    pattern: '^Invalid user (?P<user>.*) from (?P<src>\\S+) port (?P<port>\\d+)$'\n"
    "    tests:\n"
    "      match: ['Nov 20 23:04:05 web1 sshd[4242]: Invalid user oracle from 203.0.113.50 port 51022']\n";

/* ------------------------------------------------------------- loader */

static void
test_load_small_set(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs;
	struct ronda_rule_info info;

	(void)state;
	rs = load_str(small_rules, &errs);
	if (rs == NULL)
		errs_print(&errs);
	assert_non_null(rs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(ronda_rules_count(rs), 3);
	assert_int_equal(ronda_rules_get(rs, 0, &info), 0);
	assert_string_equal(info.id, "web.sqli.union-select");
	assert_string_equal(info.category, "sqli");
	assert_int_equal(info.severity, RONDA_SEV_HIGH);
	assert_string_equal(info.applies_to, "web");
	assert_int_equal(info.ntags, 1);
	assert_string_equal(info.tags[0], "T1190");
	assert_string_equal(info.file, "t.yaml");
	assert_int_equal(info.line, 2);
	assert_int_equal(info.npatterns, 2);
	assert_int_equal(ronda_rules_get(rs, 3, &info), -1);
	ronda_rules_free(rs);
	ronda_rules_free(NULL);
	ronda_cfg_errors_free(&errs);
}

static void
test_match_fields_and_conditions(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs = load_str(small_rules, &errs);
	struct ronda_event ev;

	(void)state;
	assert_non_null(rs);

	web_event(&ev, "GET", "/berita.php", "id=1%20UnIoN%20SeLeCt%20password", 200,
	    "Mozilla/5.0", NULL);
	assert_int_equal(ronda_rules_match(rs, &ev), 1);
	assert_int_equal(ev.nrules, 1);
	assert_string_equal(ev.rules[0].id, "web.sqli.union-select");
	assert_int_equal(ev.severity, RONDA_SEV_HIGH);
	assert_true(ronda_rules_matched(rs, 0));
	assert_false(ronda_rules_matched(rs, 1));
	/* The normalised fields point at the ruleset's scratch. */
	assert_true(ev.norm_query.n > 0);

	/* A veto pattern cancels the rule for that line. */
	web_event(&ev, "GET", "/search", "q=union+select+committee+2026", 200, "Mozilla/5.0", NULL);
	assert_int_equal(ronda_rules_match(rs, &ev), 0);
	assert_int_equal(ev.severity, 0);

	/* Status and method conditions. */
	web_event(&ev, "POST", "/wp-content/uploads/wso.php", NULL, 200, "Mozilla/5.0", NULL);
	assert_int_equal(ronda_rules_match(rs, &ev), 1);
	assert_int_equal(ev.severity, RONDA_SEV_CRITICAL);
	web_event(&ev, "POST", "/wp-content/uploads/wso.php", NULL, 404, "Mozilla/5.0", NULL);
	assert_int_equal(ronda_rules_match(rs, &ev), 0);
	web_event(&ev, "PUT", "/wp-content/uploads/wso.php", NULL, 200, "Mozilla/5.0", NULL);
	assert_int_equal(ronda_rules_match(rs, &ev), 0);

	/* Both rules: the list is sorted by severity, worst first. */
	web_event(&ev, "GET", "/alfa.php", "x=1 union all select 2", 200, NULL, NULL);
	assert_int_equal(ronda_rules_match(rs, &ev), 2);
	assert_string_equal(ev.rules[0].id, "web.webshell.hit-ok");
	assert_string_equal(ev.rules[1].id, "web.sqli.union-select");

	/* Auth: a rule on the action alone; web rules never see auth events. */
	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_AUTH;
	ev.action = "ssh_invalid_user";
	ev.message = RONDA_STR_LIT("Invalid user union select from 203.0.113.5");
	assert_int_equal(ronda_rules_match(rs, &ev), 1);
	assert_string_equal(ev.rules[0].id, "auth.ssh.invalid-user");
	ev.action = "ssh_login_failed";
	assert_int_equal(ronda_rules_match(rs, &ev), 0);

	/* Metric events and empty events match nothing. */
	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_METRIC;
	assert_int_equal(ronda_rules_match(rs, &ev), 0);
	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_WEB;
	assert_int_equal(ronda_rules_match(rs, &ev), 0);
	ronda_rules_free(rs);
	ronda_cfg_errors_free(&errs);
}

/* A header line and one rule with the given extra YAML (indented 4). */
static char *
one_rule(const char *extra)
{
	char *s = NULL;

	assert_true(asprintf(&s,
	    "rules:\n"
	    "  - id: web.test.one\n"
	    "    name: Test rule\n"
	    "    applies_to: web\n"
	    "%s"
	    "    tests:\n"
	    "      match: ['203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /etc/passwd HTTP/1.1\" 404 0 \"-\" \"x\"']\n",
	    extra) != -1);
	return s;
}

static void
expect_error(const char *extra, const char *needle)
{
	struct ronda_cfg_errors errs = { 0 };
	char *text = one_rule(extra);
	struct ronda_ruleset *rs = load_str(text, &errs);

	if (rs != NULL || !errs_have(&errs, needle)) {
		fprintf(stderr, "expected an error with \"%s\", got:\n", needle);
		errs_print(&errs);
	}
	assert_null(rs);
	assert_true(errs_have(&errs, needle));
	free(text);
	ronda_cfg_errors_free(&errs);
}

static void
test_load_errors(void **state)
{
	(void)state;
	expect_error("    category: lfi\n    severity: high\n    fields: [path]\n"
	    "    patterns: ['/etc/passwd']\n    colour: red\n",
	    "t.yaml:9: rule web.test.one: colour: unknown key");
	expect_error("    category: lfii\n    severity: high\n    fields: [path]\n"
	    "    patterns: ['/etc/passwd']\n",
	    "t.yaml:5: rule web.test.one: category: \"lfii\" is not in the category vocabulary");
	expect_error("    category: lfi\n    severity: urgent\n    fields: [path]\n"
	    "    patterns: ['/etc/passwd']\n",
	    "t.yaml:6: rule web.test.one: severity: expected low, medium, high or critical");
	expect_error("    category: lfi\n    severity: high\n    fields: [path]\n"
	    "    patterns: ['/etc/(passwd']\n",
	    "t.yaml:8: rule web.test.one: pattern does not compile");
	expect_error("    category: lfi\n    severity: high\n    fields: [path]\n"
	    "    patterns: ['a*']\n",
	    "rule web.test.one: pattern can match the empty string");
	expect_error("    category: lfi\n    severity: high\n    fields: [body]\n"
	    "    patterns: ['/etc/passwd']\n",
	    "rule web.test.one: fields: unknown field \"body\"");
	expect_error("    category: lfi\n    severity: high\n    fields: [message]\n"
	    "    patterns: ['/etc/passwd']\n",
	    "rule web.test.one: fields: a web rule can look at");
	expect_error("    category: lfi\n    severity: high\n    fields: [path]\n"
	    "    patterns: ['/etc/passwd']\n    status: [200-199]\n",
	    "status: \"200-199\" is not a code");
	expect_error("    category: lfi\n    severity: high\n",
	    "a rule needs patterns or at least one condition");
	expect_error("    category: lfi\n    fields: [path]\n    patterns: ['/etc/passwd']\n",
	    "t.yaml:2: rule web.test.one: severity: required key is missing");
	/* The rule's own tests. */
	expect_error("    category: lfi\n    severity: high\n    fields: [path]\n"
	    "    patterns: ['/etc/shadow']\n",
	    "t.yaml:10: rule web.test.one: test line does not match");
	expect_error("    category: lfi\n    severity: high\n    fields: [path]\n"
	    "    patterns: ['/etc/passwd']\n    tests:\n      match: []\n",
	    "tests: given twice");
}

static void
test_load_reports_every_error(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs;
	const char *text =
	    "rules:\n"
	    "  - id: Web.Bad\n"
	    "    name: x\n"
	    "  - id: web.a\n"
	    "    name: A\n"
	    "    category: recon\n"
	    "    severity: low\n"
	    "    applies_to: web\n"
	    "    method: [TRACE]\n"
	    "    tests: {match: ['203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"TRACE / HTTP/1.1\" 405 0 \"-\" \"x\"']}\n"
	    "  - id: web.a\n"
	    "    name: A again\n"
	    "    category: recon\n"
	    "    severity: low\n"
	    "    applies_to: web\n"
	    "    method: [TRACE]\n"
	    "    tests: {match: ['203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"TRACE / HTTP/1.1\" 405 0 \"-\" \"x\"']}\n"
	    "  - just a string\n";

	(void)state;
	rs = load_str(text, &errs);
	assert_null(rs);
	assert_true(errs_have(&errs, "t.yaml:2: rule #1: id: expected lower-case"));
	assert_true(errs_have(&errs, "t.yaml:11: rule web.a: duplicate id (first at t.yaml:4)"));
	assert_true(errs_have(&errs, "t.yaml:18: rule #4: a rule must be a mapping"));
	assert_true(errs.n >= 4);
	ronda_cfg_errors_free(&errs);

	/* YAML syntax errors carry the line. */
	rs = load_str("rules:\n  - id: [\n", &errs);
	assert_null(rs);
	assert_true(errs_have(&errs, "t.yaml:3: yaml:"));
	ronda_cfg_errors_free(&errs);

	/* Unknown top-level key. */
	rs = load_str("rulez: []\n", &errs);
	assert_null(rs);
	assert_true(errs_have(&errs, "t.yaml:1: rulez: unknown key"));
	ronda_cfg_errors_free(&errs);

	/* An empty file is an empty, valid set. */
	rs = load_str("rules:\n", &errs);
	assert_non_null(rs);
	assert_int_equal(ronda_rules_count(rs), 0);
	ronda_rules_free(rs);
	assert_int_equal(errs.n, 0);
}

static void
test_load_paths(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs;
	char dir[300], file[400], missing[400];
	char *v[2];
	struct ronda_strlist paths = { v, 1 };
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/rules.d", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/10-small.yaml", dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs(small_rules, fp);
	fclose(fp);
	snprintf(file, sizeof(file), "%s/README.txt", dir);	/* not a rule file */
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs("not yaml: [\n", fp);
	fclose(fp);

	v[0] = dir;
	rs = ronda_rules_load(&paths, &errs);
	if (rs == NULL)
		errs_print(&errs);
	assert_non_null(rs);
	assert_int_equal(ronda_rules_count(rs), 3);
	ronda_rules_free(rs);

	/* The same file named twice: duplicate ids, with both places. */
	snprintf(file, sizeof(file), "%s/10-small.yaml", dir);
	v[0] = file;
	v[1] = dir;
	paths.n = 2;
	rs = ronda_rules_load(&paths, &errs);
	assert_null(rs);
	assert_true(errs_have(&errs, "duplicate id"));
	ronda_cfg_errors_free(&errs);

	snprintf(missing, sizeof(missing), "%s/nope.yaml", tmpdir);
	v[0] = missing;
	paths.n = 1;
	rs = ronda_rules_load(&paths, &errs);
	assert_null(rs);
	assert_true(errs_have(&errs, "nope.yaml: cannot open"));
	ronda_cfg_errors_free(&errs);

	/* A folder without rule files: a collector that would see no attack. */
	snprintf(missing, sizeof(missing), "%s/empty.d", tmpdir);
	assert_int_equal(mkdir(missing, 0700), 0);
	v[0] = missing;
	rs = ronda_rules_load(&paths, &errs);
	assert_null(rs);
	assert_true(errs_have(&errs, "empty.d: no rule files"));
	ronda_cfg_errors_free(&errs);
}

static void
test_many_rules_keep_worst(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs;
	struct ronda_event ev;
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	static const char *sev[] = { "low", "medium", "high", "critical" };

	(void)state;
	fputs("rules:\n", mf);
	for (int i = 0; i < 40; i++)
		fprintf(mf,
		    "  - id: web.many.r%02d\n    name: many %d\n    category: recon\n"
		    "    severity: %s\n    applies_to: web\n    fields: [path]\n"
		    "    patterns: ['/probe']\n"
		    "    tests: {match: ['203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /probe HTTP/1.1\" 404 0 \"-\" \"x\"']}\n",
		    i, i, sev[i % 4]);
	fclose(mf);
	rs = ronda_rules_load_string("many.yaml", text, len, &errs);
	free(text);
	if (rs == NULL)
		errs_print(&errs);
	assert_non_null(rs);
	web_event(&ev, "GET", "/probe", NULL, 404, NULL, NULL);
	assert_int_equal(ronda_rules_match(rs, &ev), 40);
	assert_int_equal(ev.nrules, RONDA_EVENT_MAX_RULES);
	assert_int_equal(ev.severity, RONDA_SEV_CRITICAL);
	/* 10 critical and 10 high exist: the list holds the worst 16. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(ev.rules[i].severity, RONDA_SEV_CRITICAL);
	for (int i = 10; i < RONDA_EVENT_MAX_RULES; i++)
		assert_int_equal(ev.rules[i].severity, RONDA_SEV_HIGH);
	for (size_t i = 0; i < ronda_rules_count(rs); i++)
		assert_true(ronda_rules_matched(rs, i));
	ronda_rules_free(rs);
}

/* ------------------------------------------------------ shipped rules */

/*
 * The shipped set is loaded once for all tests (compiling it is the slow
 * part, more so under ASan); tests borrow it and never free it.
 */
static struct ronda_ruleset *shipped;

static int
load_shipped_group(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	const char *src = getenv("RONDA_SRC");
	char dir[1024];
	char *v[1] = { dir };
	struct ronda_strlist paths = { v, 1 };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/rules", src ? src : ".");
	shipped = ronda_rules_load(&paths, &errs);
	if (shipped == NULL)
		errs_print(&errs);
	ronda_cfg_errors_free(&errs);
	return 0;
}

static int
free_shipped_group(void **state)
{
	(void)state;
	ronda_rules_free(shipped);
	shipped = NULL;
	return 0;
}

static struct ronda_ruleset *
load_shipped(void)
{
	return shipped;
}

static void
test_shipped_rules_load_and_pass_their_tests(void **state)
{
	struct ronda_ruleset *rs = load_shipped();
	struct ronda_rule_info info;
	size_t web = 0, auth = 0, tests = 0;

	(void)state;
	assert_non_null(rs);
	for (size_t i = 0; i < ronda_rules_count(rs); i++) {
		assert_int_equal(ronda_rules_get(rs, i, &info), 0);
		/* Every shipped rule carries an ATT&CK id and both kinds of tests. */
		assert_true(info.ntags >= 1);
		assert_true(info.ntests >= 2);
		if (strcmp(info.applies_to, "web") == 0)
			web++;
		else
			auth++;
		tests += info.ntests;
	}
	printf("shipped rules: %zu web, %zu auth, %zu test lines\n", web, auth, tests);
	assert_true(web >= 40);
	assert_true(auth >= 8);
}

struct line_case {
	const char *line;
	const char *category;	/* expected category, NULL = no rule of medium+ */
};

/* Whole lines through the real parser, as the collector would see them. */
static void
check_web_lines(struct ronda_ruleset *rs, const struct line_case *c, size_t n)
{
	struct ronda_event ev;

	for (size_t i = 0; i < n; i++) {
		ronda_event_reset(&ev);
		ev.type = RONDA_EVENT_WEB;
		assert_int_equal(ronda_parse_web(&ev, c[i].line, strlen(c[i].line),
		    RONDA_WEB_COMBINED), 0);
		ronda_rules_match(rs, &ev);
		if (c[i].category != NULL && !has_category(&ev, c[i].category)) {
			fprintf(stderr, "expected %s: %s\n", c[i].category, c[i].line);
			fail();
		}
		if (c[i].category == NULL && ev.severity >= RONDA_SEV_MEDIUM) {
			fprintf(stderr, "false positive %s: %s\n", ev.rules[0].id, c[i].line);
			fail();
		}
	}
}

#define L(req, st, ua) "203.0.113.77 - - [20/Nov/2026:10:00:00 +0700] \"" req "\" " st " 1200 \"-\" \"" ua "\""
#define BROWSER "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"

static void
test_shipped_rules_on_lines(void **state)
{
	struct ronda_ruleset *rs = load_shipped();
	static const struct line_case cases[] = {
		{ L("GET /index.php?id=-1%27%20UNION%20ALL%20SELECT%20NULL,concat(user(),0x3a,version())--%20- HTTP/1.1", "200", BROWSER), "sqli" },
		{ L("GET /produk.php?kat=3;DROP%20TABLE%20users-- HTTP/1.1", "500", BROWSER), "sqli" },
		{ L("GET /detail.php?id=5%27%20AND%20SLEEP(5)%23 HTTP/1.1", "200", BROWSER), "sqli" },
		{ L("GET /cari?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E HTTP/1.1", "200", BROWSER), "xss" },
		{ L("GET /download.php?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1", "200", BROWSER), "lfi" },
		{ L("GET /ping.php?host=127.0.0.1%3Bcat%20/etc/shadow HTTP/1.1", "200", BROWSER), "rce" },
		{ L("GET /?x=${jndi:ldap://198.51.100.3:1389/a} HTTP/1.1", "200", BROWSER), "rce" },
		{ L("GET /?s=slot+gacor+maxwin+hari+ini HTTP/1.1", "200", BROWSER), "gambling-spam" },
		{ L("GET /.env HTTP/1.1", "404", "python-requests/2.31"), "sensitive-file" },
		{ L("POST /xmlrpc.php HTTP/1.1", "200", BROWSER), "cms-login" },
		{ L("GET /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php HTTP/1.1", "404", BROWSER), "rce" },
		{ L("GET / HTTP/1.1", "200", "sqlmap/1.7.2#stable (https://sqlmap.org)"), "scanner" },
		/* Ordinary government traffic. */
		{ L("GET /berita/undian-berhadiah-pajak-kendaraan HTTP/1.1", "200", BROWSER), NULL },
		{ L("GET /pengumuman/hasil-seleksi-cpns-2026 HTTP/1.1", "200", BROWSER), NULL },
		{ L("GET /?s=jadwal+pelayanan+samsat+keliling HTTP/1.1", "200", BROWSER), NULL },
		{ L("GET /assets/js/jquery.min.js?ver=3.7.1 HTTP/1.1", "200", BROWSER), NULL },
		{ L("GET /robots.txt HTTP/1.1", "200", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), NULL },
		{ L("GET /index.php?option=com_content&view=article&id=12&Itemid=101 HTTP/1.1", "200", BROWSER), NULL },
		{ L("GET /wp-content/uploads/2026/03/laporan-keuangan.pdf HTTP/1.1", "200", BROWSER), NULL },
	};

	(void)state;
	assert_non_null(rs);
	check_web_lines(rs, cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * The per-field cache replays what a field matched and, for the path and
 * the query, their normalised forms: a value seen before must give exactly
 * what scanning it again gives (rules in the same order, same normalised
 * bytes), also when a rule's condition (status) differs between the two.
 */
static void
test_cache_hit_equals_scan(void **state)
{
	struct ronda_ruleset *rs = load_shipped();
	static const struct {
		const char *path, *query;
		int status;
	} cases[] = {
		{ "/index.php", "id=-1%27%20UNION%20ALL%20SELECT%20NULL,version()--%20-", 200 },
		{ "/A/./B/../Download.PHP", "file=..%2F..%2F..%2Fetc%2Fpasswd", 200 },
		{ "/cari", "q=%3CScript%3Ealert(1)%3C/script%3E&x=%253C", 200 },
		{ "/wp-content/uploads/wso.php", NULL, 200 },
		{ "/wp-content/uploads/wso.php", NULL, 404 },
		{ "/berita/undian-berhadiah", "s=jadwal+pelayanan", 200 },
		{ "//assets//js/../app.js", "ver=3.7.1", 304 },
		{ "/?s=slot+gacor", "s=SLOT+gacor+maxwin", 200 },
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	struct ronda_event first[sizeof(cases) / sizeof(cases[0])];
	char np[sizeof(cases) / sizeof(cases[0])][256], nq[sizeof(cases) / sizeof(cases[0])][256];
	uint64_t h0, m0, h1, m1;

	(void)state;
	assert_non_null(rs);
	ronda_rules_cache_stats(rs, &h0, &m0);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < n; i++) {
			struct ronda_event ev;
			web_event(&ev, "GET", cases[i].path, cases[i].query, cases[i].status, BROWSER,
			    NULL);
			ronda_rules_match(rs, &ev);
			if (round == 0) {
				first[i] = ev;
				assert_true(ev.norm_path.n < sizeof(np[i]) && ev.norm_query.n < sizeof(nq[i]));
				memcpy(np[i], ev.norm_path.p, ev.norm_path.n);
				memcpy(nq[i], ev.norm_query.n ? ev.norm_query.p : "", ev.norm_query.n);
				continue;
			}
			assert_int_equal(ev.nrules, first[i].nrules);
			assert_int_equal(ev.severity, first[i].severity);
			for (int r = 0; r < ev.nrules; r++)
				assert_string_equal(ev.rules[r].id, first[i].rules[r].id);
			assert_int_equal(ev.norm_path.n, first[i].norm_path.n);
			assert_memory_equal(ev.norm_path.p, np[i], ev.norm_path.n);
			assert_int_equal(ev.norm_query.n, first[i].norm_query.n);
			if (ev.norm_query.n > 0)
				assert_memory_equal(ev.norm_query.p, nq[i], ev.norm_query.n);
		}
	}
	/* The cases themselves: rules fired where they should, normalised as expected. */
	assert_true(has_category(&first[0], "sqli"));
	assert_true(has_category(&first[1], "lfi"));
	assert_true(has_rule(&first[3], "web.webshell.known-name-served"));
	assert_true(has_rule(&first[4], "web.webshell.known-name"));
	assert_false(has_rule(&first[4], "web.webshell.known-name-served"));	/* 404 */
	assert_int_equal(first[5].nrules, 0);
	assert_int_equal(first[1].norm_path.n, strlen("/a/download.php"));
	assert_memory_equal(np[1], "/a/download.php", first[1].norm_path.n);
	ronda_rules_cache_stats(rs, &h1, &m1);
	assert_true(h1 - h0 >= 2 * n);	/* rounds 2 and 3 came from the cache */
}

static void
test_shipped_auth_lines(void **state)
{
	struct ronda_ruleset *rs = load_shipped();
	static const struct {
		const char *line;
		const char *rule;
	} cases[] = {
		{ "Nov 20 03:11:42 web1 sshd[812]: Failed password for root from 203.0.113.50 port 40022 ssh2",
		  "auth.ssh.failed-password" },
		{ "Nov 20 03:11:43 web1 sshd[812]: Invalid user admin from 203.0.113.50 port 40024",
		  "auth.ssh.invalid-user" },
	};
	struct ronda_event ev;

	(void)state;
	assert_non_null(rs);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ronda_event_reset(&ev);
		ev.type = RONDA_EVENT_AUTH;
		assert_int_equal(ronda_parse_syslog(&ev, cases[i].line, strlen(cases[i].line),
		    NULL, INT64_C(1795000000000)), 0);
		ronda_auth_classify(ronda_rules_decoders(rs), &ev);
		ronda_rules_match(rs, &ev);
		if (!has_rule(&ev, cases[i].rule)) {
			fprintf(stderr, "expected %s: %s\n", cases[i].rule, cases[i].line);
			fail();
		}
	}
}

/* Matching throughput on a realistic mix (printed, not asserted). */
static void
test_match_throughput(void **state)
{
	struct ronda_ruleset *rs = load_shipped();
	static const char *paths[] = {
		"/", "/berita/pemkab-gelar-rapat-koordinasi-stunting", "/assets/css/style.css",
		"/wp-content/themes/dinas/js/main.js", "/index.php", "/pengumuman",
		"/images/logo-pemda.png", "/cari", "/produk-hukum/perda-no-5-tahun-2026.pdf",
		"/kontak",
	};
	static const char *queries[] = {
		NULL, NULL, "ver=6.4.2", NULL, "option=com_content&view=article&id=77",
		"page=2", NULL, "q=jadwal+vaksin", NULL, NULL,
	};
	struct ronda_event ev;
	struct timespec t0, t1;
	/* Fewer rounds under the sanitizers, where the figure means nothing. */
	const int n = getenv("RONDA_SAN") || getenv("ASAN_OPTIONS") ? 100000 : 1000000;
	int hits = 0;
	double secs;

	(void)state;
	assert_non_null(rs);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		int k = i % 10;
		/* About 2% attacks, as on a real site. */
		if (i % 50 == 7)
			web_event(&ev, "GET", "/index.php", "id=1' union select 1,2,3-- -", 200, BROWSER, NULL);
		else
			web_event(&ev, "GET", paths[k], queries[k], 200, BROWSER,
			    "https://www.google.com/");
		hits += ronda_rules_match(rs, &ev) > 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("rules: %d events matched in %.3f s: %.0f events/s (%d with a rule)\n",
	    n, secs, n / secs, hits);
	assert_true(hits >= n / 50);
}

/* ------------------------------------------------------- explain mode */

/*
 * `test_rules --explain RULES FILE [web|auth]`: one JSON object per input line
 * with the matched rules, for tools/accuracy.sh.
 */
static int
explain(const char *rules, const char *file, const char *type)
{
	struct ronda_cfg_errors errs = { 0 };
	char *v[1] = { (char *)rules };
	struct ronda_strlist paths = { v, 1 };
	struct ronda_ruleset *rs = ronda_rules_load(&paths, &errs);
	struct ronda_buf out;
	struct ronda_event ev;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int auth = strcmp(type, "auth") == 0;

	if (rs == NULL) {
		errs_print(&errs);
		return 2;
	}
	if ((fp = fopen(file, "r")) == NULL) {
		perror(file);
		return 2;
	}
	ronda_buf_init(&out, 0);
	while ((n = getline(&line, &cap, fp)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		ronda_event_reset(&ev);
		ev.original = (struct ronda_str){ line, (size_t)n };
		if (auth) {
			ev.type = RONDA_EVENT_AUTH;
			ev.dataset = "auth.syslog";
			ronda_parse_syslog(&ev, line, (size_t)n, NULL, INT64_C(1795000000000));
			ronda_auth_classify(ronda_rules_decoders(rs), &ev);
		} else {
			ev.type = RONDA_EVENT_WEB;
			ev.dataset = "web.access";
			ronda_parse_web(&ev, line, (size_t)n, RONDA_WEB_COMBINED);
		}
		ronda_rules_match(rs, &ev);
		ronda_buf_reset(&out);
		ronda_event_to_json(&ev, &out);
		fwrite(out.data, 1, out.len, stdout);
		putchar('\n');
	}
	free(line);
	fclose(fp);
	ronda_buf_release(&out);
	ronda_rules_free(rs);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_small_set),
		cmocka_unit_test(test_match_fields_and_conditions),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_reports_every_error),
		cmocka_unit_test(test_load_paths),
		cmocka_unit_test(test_many_rules_keep_worst),
		cmocka_unit_test(test_shipped_rules_load_and_pass_their_tests),
		cmocka_unit_test(test_shipped_rules_on_lines),
		cmocka_unit_test(test_shipped_auth_lines),
		cmocka_unit_test(test_cache_hit_equals_scan),
		cmocka_unit_test(test_match_throughput),
	};
	char cmd[300];
	int rc;

	if (argc >= 4 && strcmp(argv[1], "--explain") == 0)
		return explain(argv[2], argv[3], argc >= 5 ? argv[4] : "web");
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_rules.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, load_shipped_group, free_shipped_group);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
