/*
 * test_decoder.c — the auth decoder engine (collector/decoder.c) on decoder
 * files written here: what a match sets, how the remote side is read
 * (address, host name, neither), the load-time checks with file:line, and
 * hostile messages (long, crafted to backtrack). The shipped decoders'
 * wordings are tested by test_auth.c and by their own tests at load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yaml.h>

#include "ronda/auth.h"
#include "ronda/event.h"
#include "ronda/parse.h"
#include "ronda/rules.h"

static const char good[] =
    "decoders:\n"
    "  - id: demo.failed\n"
    "    name: Demo login failed\n"
    "    programs: [demod, 'demo-*']\n"
    "    action: demo_login_failed\n"
    "    outcome: failure\n"
    "    pattern: '^Failed (?P<method>\\S+) for (?P<user>.*) from (?P<src>\\S+) port (?P<port>\\d+)$'\n"
    "    tests:\n"
    "      match:\n"
    "        - line: 'Nov 20 03:11:42 web1 demod[1]: Failed password for a b from 192.0.2.1 port 22'\n"
    "          user: 'a b'\n"
    "          src: 192.0.2.1\n"
    "          port: '22'\n"
    "          method: password\n"
    "      nomatch:\n"
    "        - 'Nov 20 03:11:42 web1 demod[1]: Accepted password for a from 192.0.2.1 port 22'\n"
    "  - id: demo.refused\n"
    "    action: demo_refused\n"
    "    outcome: failure\n"
    "    user: root\n"
    "    method: publickey\n"
    "    pattern: '^ROOT REFUSED FROM (?P<src>\\S+)(?: via (?P<host>\\S+))?$'\n"
    "    tests:\n"
    "      match: ['Nov 20 03:11:42 web1 anything: ROOT REFUSED FROM 192.0.2.9']\n"
    "  - id: demo.slow\n"
    "    programs: [slowd]\n"
    "    action: demo_slow\n"
    "    outcome: unknown\n"
    "    pattern: '^(?:(?:a|aa)+c)?$'\n"
    "    tests:\n"
    "      match: ['Nov 20 03:11:42 web1 slowd: aaac']\n";

static struct ronda_ruleset *rs;
static struct ronda_decoders *dec;
static struct ronda_event ev;
static char *msg;

static int
setup(void **state)
{
	struct ronda_cfg_errors errs = { 0 };

	(void)state;
	rs = ronda_rules_load_string("good.yaml", good, sizeof(good) - 1, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	ronda_cfg_errors_free(&errs);
	dec = ronda_rules_decoders(rs);
	return rs == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	ronda_rules_free(rs);
	free(msg);
	return 0;
}

/* Classify prog/message from an exact-size heap copy (ASan sees overreads). */
static int
classify(const char *prog, const char *m)
{
	size_t n = strlen(m);

	free(msg);
	msg = malloc(n ? n : 1);
	assert_non_null(msg);
	memcpy(msg, m, n);
	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_AUTH;
	ev.program = (struct ronda_str){ prog, strlen(prog) };
	ev.message = (struct ronda_str){ msg, n };
	return ronda_auth_classify(dec, &ev);
}

static void
assert_slice(struct ronda_str s, const char *want)
{
	if (want == NULL) {
		if (s.n != 0)
			fail_msg("expected nothing, got \"%.*s\"", (int)s.n, s.p);
		return;
	}
	if (s.n != strlen(want) || memcmp(s.p, want, s.n) != 0)
		fail_msg("expected \"%s\", got \"%.*s\"", want, (int)s.n, s.p ? s.p : "");
}

static void
test_match_sets_fields(void **state)
{
	(void)state;
	assert_int_equal(ronda_decoders_count(dec), 3);
	assert_int_equal(classify("demod", "Failed keyboard-interactive/pam for budi from 192.0.2.7 port 2222"), 1);
	assert_string_equal(ev.action, "demo_login_failed");
	assert_string_equal(ev.outcome, "failure");
	assert_string_equal(ev.decoder, "demo.failed");
	assert_string_equal(ev.auth_method, "keyboard-interactive");
	assert_slice(ev.user_name, "budi");
	assert_slice(ev.source_ip, "192.0.2.7");
	assert_slice(ev.source_domain, NULL);
	assert_int_equal(ev.source_port, 2222);
	/* The prefix glob "demo-*". */
	assert_int_equal(classify("demo-session", "Failed password for x from 192.0.2.7 port 1"), 1);
	assert_string_equal(ev.auth_method, "password");
	/* Another program: not this decoder's. */
	assert_int_equal(classify("sshd", "Failed password for x from 192.0.2.7 port 1"), 0);
	assert_null(ev.action);
	assert_null(ev.decoder);
	/* An unknown method word is "other"; an out-of-range port is dropped. */
	assert_int_equal(classify("demod", "Failed magic for x from 192.0.2.7 port 99999"), 1);
	assert_string_equal(ev.auth_method, "other");
	assert_int_equal(ev.source_port, 0);
}

static void
test_remote_side(void **state)
{
	(void)state;
	/* IPv4-mapped IPv6 reads as IPv4; a bracketed IPv6 loses its brackets. */
	assert_int_equal(classify("demod", "Failed password for a from ::ffff:198.51.100.3 port 5"), 1);
	assert_slice(ev.source_ip, "198.51.100.3");
	assert_int_equal(classify("demod", "Failed password for a from [2001:db8::5] port 5"), 1);
	assert_slice(ev.source_ip, "2001:db8::5");
	/* A host name goes to source.domain, never resolved. */
	assert_int_equal(classify("demod", "Failed password for a from scan-7.example.net. port 5"), 1);
	assert_slice(ev.source_ip, NULL);
	assert_slice(ev.source_domain, "scan-7.example.net");
	/* Neither an address nor a name: dropped, the event still decoded. */
	assert_int_equal(classify("demod", "Failed password for a from 999.1.1.1 port 5"), 1);
	assert_slice(ev.source_ip, NULL);
	assert_slice(ev.source_domain, NULL);
	assert_int_equal(classify("demod", "Failed password for a from unknown port 5"), 1);
	assert_slice(ev.source_domain, NULL);
	assert_int_equal(classify("demod", "Failed password for a from a..b port 5"), 1);
	assert_slice(ev.source_domain, NULL);
	assert_int_equal(classify("demod", "Failed password for a from <script> port 5"), 1);
	assert_slice(ev.source_domain, NULL);
	/* src gave nothing: host is the second candidate. */
	assert_int_equal(classify("x", "ROOT REFUSED FROM ? via gw.example.org"), 1);
	assert_slice(ev.source_domain, "gw.example.org");
	/* A fixed user and method when not captured. */
	assert_slice(ev.user_name, "root");
	assert_string_equal(ev.auth_method, "publickey");
	/* A user name cannot move the source: the daemon's tail is matched from the right. */
	assert_int_equal(classify("demod", "Failed password for x from 6.6.6.6 port 1 from 192.0.2.1 port 22"), 1);
	assert_slice(ev.user_name, "x from 6.6.6.6 port 1");
	assert_slice(ev.source_ip, "192.0.2.1");
}

static void
test_message_wrappers(void **state)
{
	(void)state;
	/* rsyslog's repeat compression: the inner message is decoded. */
	assert_int_equal(classify("demod",
	    "message repeated 3 times: [ Failed password for a from 192.0.2.1 port 5]"), 1);
	assert_slice(ev.user_name, "a");
	assert_int_equal(ev.source_port, 5);
	/* The old Red Hat tag left in the message when the parser found no program. */
	assert_int_equal(classify("", "demod(pam_unix)[19939]: ROOT REFUSED FROM 192.0.2.4"), 1);
	assert_string_equal(ev.decoder, "demo.refused");
	assert_slice(ev.source_ip, "192.0.2.4");
	/* Through the syslog parser, from a whole line. */
	{
		static const char line[] = "Nov 20 03:11:42 web1 demod[9]: Failed none for z from 192.0.2.2 port 7";
		ronda_event_reset(&ev);
		assert_int_equal(ronda_parse_syslog(&ev, line, sizeof(line) - 1, NULL,
		    INT64_C(1795000000000)), 0);
		assert_int_equal(ronda_auth_classify(dec, &ev), 1);
		assert_string_equal(ev.auth_method, "none");
	}
	assert_int_equal(classify("demod", ""), 0);
	assert_int_equal(ronda_auth_classify(NULL, &ev), 0);
}

static void
test_hostile_messages(void **state)
{
	size_t n = 64 * 1024;
	char *big = malloc(n + 64);
	size_t i;

	(void)state;
	assert_non_null(big);
	/* A 64 KiB user name full of the daemon's own words. */
	strcpy(big, "Failed password for ");
	for (i = strlen(big); i < n;) {
		static const char w[] = "from 6.6.6.6 port 1 ";
		memcpy(big + i, w, sizeof(w) - 1);
		i += sizeof(w) - 1;
	}
	strcpy(big + i, "from 192.0.2.1 port 22");
	assert_int_equal(classify("demod", big), 1);
	assert_slice(ev.source_ip, "192.0.2.1");
	assert_int_equal(ronda_decoders_limit_hits(dec), 0);
	/* A message that makes a badly written pattern backtrack: bounded, counted. */
	memset(big, 'a', 4096);
	strcpy(big + 4096, "b");
	assert_int_equal(classify("slowd", big), 0);
	assert_true(ronda_decoders_limit_hits(dec) >= 1);
	free(big);
}

/* Load text and expect exactly the message want (a substring) among the errors. */
static void
refused(const char *text, const char *want)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *bad = ronda_rules_load_string("bad.yaml", text, strlen(text), &errs);
	int found = 0;

	for (size_t i = 0; i < errs.n; i++)
		if (strstr(errs.v[i], want) != NULL)
			found = 1;
	if (bad != NULL || !found) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "  got: %s\n", errs.v[i]);
		ronda_rules_free(bad);
		ronda_cfg_errors_free(&errs);
		fail_msg("expected an error containing \"%s\"", want);
	}
	ronda_cfg_errors_free(&errs);
}

#define HEAD "decoders:\n  - id: d.one\n    action: x_failed\n    outcome: failure\n"
#define TEST1 "    tests:\n      match: ['Nov 20 03:11:42 h p: hello 192.0.2.1']\n"

static void
test_load_errors(void **state)
{
	(void)state;
	refused(HEAD "    pattern: '^hello (?P<src>\\S+$'\n" TEST1,
	    "bad.yaml:5: decoder d.one: pattern: missing closing parenthesis");
	refused(HEAD "    pattern: '^hello (?P<ip>\\S+)$'\n" TEST1,
	    "bad.yaml:5: decoder d.one: pattern: capture (?P<ip>) is not one of");
	refused(HEAD "    pattern: '^hello (?P<src>\\S+)$'\n    colour: red\n" TEST1,
	    "bad.yaml:6: decoder d.one: colour: unknown key");
	refused("decoders:\n  - id: d.one\n    action: x_failed\n    outcome: maybe\n"
	    "    pattern: '^hello'\n" TEST1,
	    "bad.yaml:4: decoder d.one: outcome: expected success, failure or unknown");
	refused("decoders:\n  - id: d.one\n    action: Bad-Action\n    outcome: failure\n"
	    "    pattern: '^hello'\n" TEST1,
	    "bad.yaml:3: decoder d.one: action: expected service_what");
	refused(HEAD "    pattern: '^hello (?P<src>\\S+)$'\n",
	    "bad.yaml:2: decoder d.one: needs at least one tests: match: line");
	refused("decoders:\n  - id: d.one\n    outcome: failure\n    pattern: '^x'\n" TEST1,
	    "bad.yaml:2: decoder d.one: needs action, outcome and pattern");
	refused(HEAD "    pattern: '^goodbye'\n" TEST1,
	    "bad.yaml:7: decoder d.one: test line does not match");
	refused(HEAD "    pattern: '^hello (?P<src>\\S+)$'\n"
	    "    tests:\n      match:\n        - line: 'Nov 20 03:11:42 h p: hello 192.0.2.1'\n"
	    "          src: 192.0.2.2\n",
	    "bad.yaml:8: decoder d.one: test line: src is \"192.0.2.1\", expected \"192.0.2.2\"");
	refused(HEAD "    pattern: '^hello'\n"
	    "    tests:\n      match: ['Nov 20 03:11:42 h p: hello']\n"
	    "      nomatch: ['Nov 20 03:11:42 h p: hello again']\n",
	    "bad.yaml:8: decoder d.one: test line matches but must not");
	/* A decoder shadowed by an earlier one: its own test is decoded by the other. */
	refused(HEAD "    pattern: '^hello'\n" TEST1
	    "  - id: d.two\n    action: x_other\n    outcome: unknown\n    pattern: '^hello \\S+$'\n"
	    "    tests:\n      match: ['Nov 20 03:11:42 h p: hello 192.0.2.1']\n",
	    "decoder d.two: test line is decoded by d.one, which comes first");
	refused(HEAD "    pattern: '^hello'\n" TEST1
	    "  - id: d.one\n    action: x_failed\n    outcome: failure\n    pattern: '^x'\n" TEST1,
	    "decoder d.one: duplicate id");
	refused("decoders: {a: b}\n", "bad.yaml:1: decoder -: decoders: expected a list");
	refused(HEAD "    pattern: '^x'\n    pattern: '^y'\n" TEST1,
	    "bad.yaml:6: decoder d.one: pattern: given twice");
	refused("decoders:\n  - id: 'Not Valid'\n", "decoder #1: id: expected [a-z0-9._-]");
	refused(HEAD "    programs: ['a b']\n    pattern: '^x'\n" TEST1,
	    "bad.yaml:5: decoder d.one: programs: expected a program name");
}

/* A set parsed from good[] and not finished yet (the loader's first half). */
static struct ronda_decoders *
parsed_good(struct ronda_cfg_errors *errs)
{
	struct ronda_decoders *d = ronda_decoders_new(errs);
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *list = NULL;

	assert_non_null(d);
	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)good, sizeof(good) - 1);
	assert_true(yaml_parser_load(&parser, &doc));
	root = yaml_document_get_root_node(&doc);
	assert_non_null(root);
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	    pr < root->data.mapping.pairs.top; pr++)
		list = yaml_document_get_node(&doc, pr->value);
	assert_non_null(list);
	ronda_decoders_parse(d, "good.yaml", &doc, list);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	assert_int_equal(ronda_decoders_errors(d), 0);
	return d;
}

/*
 * The compiled prefilter survives a trip through bytes (the rules' cache):
 * a set given them decodes as the set that compiled them; bytes of another
 * set are refused (and the set compiles its own).
 */
static void
test_prefilter_cache(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_decoders *a, *b;
	char *bytes = NULL;
	size_t n = 0;
	struct ronda_decoders *keep = dec;

	(void)state;
	a = parsed_good(&errs);
	assert_int_equal(ronda_decoders_finish(a), 0);
	assert_int_equal(ronda_decoders_prefilter_save(a, &bytes, &n), 0);
	assert_true(n > 4 + 3);
	b = parsed_good(&errs);
	assert_int_equal(ronda_decoders_hash(a, 7), ronda_decoders_hash(b, 7));
	assert_int_equal(ronda_decoders_prefilter_load(b, bytes, n), 0);
	assert_int_equal(ronda_decoders_finish(b), 0);
	dec = b;
	assert_int_equal(classify("demod", "Failed password for budi from 192.0.2.7 port 2222"), 1);
	assert_string_equal(ev.decoder, "demo.failed");
	assert_int_equal(classify("x", "ROOT REFUSED FROM 192.0.2.9"), 1);
	assert_string_equal(ev.decoder, "demo.refused");
	assert_int_equal(classify("demod", "Accepted password for budi from 192.0.2.7 port 2222"), 0);
	dec = keep;
	ronda_decoders_free(b);
	/* Bytes that do not fit: too short, or another number of decoders. */
	b = parsed_good(&errs);
	assert_int_equal(ronda_decoders_prefilter_load(b, bytes, 3), -1);
	bytes[0] ^= 1;
	assert_int_equal(ronda_decoders_prefilter_load(b, bytes, n), -1);
	assert_int_equal(ronda_decoders_finish(b), 0);	/* compiles its own */
	ronda_decoders_free(b);
	ronda_decoders_free(a);
	free(bytes);
	/* A set with no decoders (a web-only rules folder) goes through the cache too. */
	a = ronda_decoders_new(&errs);
	assert_int_equal(ronda_decoders_finish(a), 0);
	assert_int_equal(ronda_decoders_prefilter_save(a, &bytes, &n), 0);
	b = ronda_decoders_new(&errs);
	assert_int_equal(ronda_decoders_prefilter_load(b, bytes, n), 0);
	assert_int_equal(ronda_decoders_finish(b), 0);
	ronda_decoders_free(a);
	ronda_decoders_free(b);
	free(bytes);
	ronda_cfg_errors_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_sets_fields),
		cmocka_unit_test(test_remote_side),
		cmocka_unit_test(test_message_wrappers),
		cmocka_unit_test(test_hostile_messages),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_prefilter_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
