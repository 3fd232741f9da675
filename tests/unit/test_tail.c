/*
 * test_tail.c — the tailer in isolation: a real event loop, real files in a
 * temporary folder, a real SQLite state DB, and a fake sink that records
 * lines and confirms them when the test says so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt.h"
#include "conf.h"
#include "ronda/timeutil.h"
#include "tail.h"

struct got {
	char *line;
	uint64_t offset;
	uint64_t ticket;
	uint64_t fp;
	uint64_t ino;		/* with fp and offset, what the event id is made of */
	unsigned flags;
	int64_t mtime_ms;
};

struct fixture {
	char dir[256];
	char cfgpath[300];
	char db[300];
	struct event_base *base;
	struct ronda_collector_config *cfg;
	struct ronda_ckpt *ck;
	struct ronda_tail *t;
	struct got *got;
	size_t ngot;
	size_t acked;		/* got[0..acked) confirmed */
	int auto_ack;
	int busy;		/* sink refuses lines */
};

static int
on_line(void *arg, const struct ronda_tail_line *l)
{
	struct fixture *fx = arg;
	struct got *g;

	if (fx->busy)
		return RONDA_TAIL_BUSY;
	fx->got = realloc(fx->got, (fx->ngot + 1) * sizeof(*fx->got));
	g = &fx->got[fx->ngot++];
	g->line = strndup(l->p, l->n);
	g->offset = l->offset;
	g->ticket = l->ticket;
	g->fp = l->fp;
	g->ino = l->ino;
	g->flags = l->flags;
	g->mtime_ms = l->mtime_ms;
	return RONDA_TAIL_PENDING;
}

static void
on_poll(void *arg)
{
	(void)arg;
}

static void
ack_upto(struct fixture *fx, size_t n)
{
	for (; fx->acked < n && fx->acked < fx->ngot; fx->acked++)
		ronda_tail_ack(fx->t, fx->got[fx->acked].ticket);
}

/* Run the loop until ngot reaches want or the deadline passes. */
static void
run_until(struct fixture *fx, size_t want, int ms)
{
	int64_t end = ronda_mono_ms() + ms;

	while (ronda_mono_ms() < end) {
		event_base_loop(fx->base, EVLOOP_NONBLOCK);
		if (fx->auto_ack)
			ack_upto(fx, fx->ngot);
		ronda_tail_kick(fx->t);
		if (fx->ngot >= want && want > 0)
			break;
		usleep(2000);
	}
}

static void
write_cfg(struct fixture *fx, const char *extra)
{
	FILE *fp = fopen(fx->cfgpath, "w");

	assert_non_null(fp);
	fprintf(fp, "site: test.go.id\nstate_db: %s\nscan_interval: 50ms\n"
	    "rotate_wait: 200ms\nrules: /nonexistent\n%s"
	    "inputs:\n  - path: %s/*.log\n    type: web\n    start_at: beginning\n",
	    fx->db, extra ? extra : "", fx->dir);
	fclose(fp);
}

static void
start(struct fixture *fx)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_tail_ops ops = { on_line, on_poll };
	char err[256];

	fx->cfg = ronda_collector_config_load(fx->cfgpath, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	ronda_cfg_errors_free(&errs);
	assert_non_null(fx->cfg);
	fx->base = event_base_new();
	fx->ck = ronda_ckpt_open(fx->db, err, sizeof(err));
	assert_non_null(fx->ck);
	fx->t = ronda_tail_new(fx->base, fx->cfg, fx->ck, &ops, fx, 0, err, sizeof(err));
	if (fx->t == NULL)
		fprintf(stderr, "tail: %s\n", err);
	assert_non_null(fx->t);
}

static void
stop(struct fixture *fx)
{
	ronda_tail_free(fx->t);
	fx->t = NULL;
	ronda_ckpt_free(fx->ck);
	fx->ck = NULL;
	event_base_free(fx->base);
	fx->base = NULL;
	ronda_collector_config_free(fx->cfg);
	fx->cfg = NULL;
}

static void
forget_lines(struct fixture *fx)
{
	for (size_t i = 0; i < fx->ngot; i++)
		free(fx->got[i].line);
	free(fx->got);
	fx->got = NULL;
	fx->ngot = fx->acked = 0;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ronda-tail-test.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->cfgpath, sizeof(fx->cfgpath), "%s/c.yaml", fx->dir);
	snprintf(fx->db, sizeof(fx->db), "%s/state.db", fx->dir);
	fx->auto_ack = 1;
	write_cfg(fx, NULL);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[300];

	if (fx->t != NULL)
		stop(fx);
	forget_lines(fx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->dir);
	free(fx);
	return 0;
}

static void
append(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *fp = fopen(path, "a");

	assert_non_null(fp);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fclose(fp);
}

static void
append_lines(const char *path, int from, int to)
{
	FILE *fp = fopen(path, "a");

	assert_non_null(fp);
	for (int i = from; i < to; i++)
		fprintf(fp, "line %06d\n", i);
	fclose(fp);
}

/* Every "line N" for N in [from, n) arrived at least once. */
static void
assert_lines_from(struct fixture *fx, int from, int n)
{
	unsigned char *seen = calloc((size_t)n, 1);
	int missing = 0;

	for (size_t i = 0; i < fx->ngot; i++) {
		int v;
		if (sscanf(fx->got[i].line, "line %d", &v) == 1 && v >= 0 && v < n)
			seen[v] = 1;
	}
	for (int i = from; i < n; i++)
		if (!seen[i]) {
			if (missing < 5)
				fprintf(stderr, "missing line %d\n", i);
			missing++;
		}
	free(seen);
	assert_int_equal(missing, 0);
}

static void
assert_all_lines(struct fixture *fx, int n)
{
	assert_lines_from(fx, 0, n);
}

static void
test_new_file_read_from_beginning(void **state)
{
	struct fixture *fx = *state;
	char p[300];

	start(fx);
	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 100);
	append(p, "partial without newline");
	run_until(fx, 100, 3000);
	run_until(fx, 0, 100);
	assert_int_equal(fx->ngot, 100);
	assert_string_equal(fx->got[0].line, "line 000000");
	assert_int_equal(fx->got[0].offset, 0);
	assert_int_equal(fx->got[1].offset, 12);
	/* The partial line waits for its newline. */
	append(p, " now complete\n");
	run_until(fx, 101, 3000);
	assert_int_equal(fx->ngot, 101);
	assert_string_equal(fx->got[100].line, "partial without newline now complete");
	assert_int_equal(fx->got[100].offset, 1200);
}

/*
 * Lines carry their file's modification time (the year of RFC 3164 lines
 * follows the log, not the reader's clock): an imported file last written
 * in 2028 says 2028; once it grows, its new time.
 */
static void
test_lines_carry_the_file_mtime(void **state)
{
	struct fixture *fx = *state;
	struct timespec ts[2];
	char p[300];
	int64_t then = ronda_timegm(2028, 6, 5, 8, 30, 0) * 1000, now;

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 3);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)(then / 1000);
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	start(fx);
	run_until(fx, 3, 3000);
	assert_int_equal(fx->ngot, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(fx->got[i].mtime_ms, then);
	now = ronda_now_ms();
	append_lines(p, 3, 4);
	run_until(fx, 4, 3000);
	assert_int_equal(fx->ngot, 4);
	assert_true(fx->got[3].mtime_ms >= now - 2000 && fx->got[3].mtime_ms <=
	    ronda_now_ms() + 2000);
}

static void
test_start_at_end_on_first_start(void **state)
{
	struct fixture *fx = *state;
	char p[300];
	FILE *fp;

	fp = fopen(fx->cfgpath, "w");
	fprintf(fp, "site: test.go.id\nstate_db: %s\nscan_interval: 50ms\n"
	    "rules: /nonexistent\ninputs:\n  - path: %s/*.log\n    type: web\n"
	    "    start_at: end\n", fx->db, fx->dir);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 50);
	start(fx);
	run_until(fx, 0, 200);
	assert_int_equal(fx->ngot, 0);
	append_lines(p, 50, 60);
	run_until(fx, 10, 3000);
	assert_int_equal(fx->ngot, 10);
	assert_string_equal(fx->got[0].line, "line 000050");
}

static void
test_rename_rotation(void **state)
{
	struct fixture *fx = *state;
	char p[300], r[300];

	start(fx);
	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	snprintf(r, sizeof(r), "%s/access.log.1", fx->dir);
	append_lines(p, 0, 1000);
	run_until(fx, 500, 3000);
	/* The writer still has the old file open: it writes more after the rename. */
	assert_int_equal(rename(p, r), 0);
	append_lines(r, 1000, 1100);
	append_lines(p, 1100, 2000);
	run_until(fx, 2000, 5000);
	assert_int_equal(fx->ngot, 2000);
	assert_all_lines(fx, 2000);
}

static void
test_copytruncate_reads_the_copy(void **state)
{
	struct fixture *fx = *state;
	char p[300], cmd[700];

	start(fx);
	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 100);
	run_until(fx, 100, 3000);
	/* Lines the tailer has not read yet when logrotate copies and truncates. */
	append_lines(p, 100, 5000);
	snprintf(cmd, sizeof(cmd), "cp %s %s.1 && truncate -s 0 %s", p, p, p);
	assert_int_equal(system(cmd), 0);
	append_lines(p, 5000, 5100);
	run_until(fx, 5100, 5000);
	assert_all_lines(fx, 5100);
	assert_int_equal(fx->ngot, 5100);
}

static void
test_restart_resumes_at_confirmed_offset(void **state)
{
	struct fixture *fx = *state;
	char p[300];

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 300);
	fx->auto_ack = 0;
	start(fx);
	run_until(fx, 300, 3000);
	assert_int_equal(fx->ngot, 300);
	ack_upto(fx, 120);	/* Kafka confirmed only the first 120 */
	stop(fx);
	forget_lines(fx);

	fx->auto_ack = 1;
	start(fx);
	run_until(fx, 180, 3000);
	assert_int_equal(fx->ngot, 180);
	assert_string_equal(fx->got[0].line, "line 000120");
	assert_int_equal(fx->got[0].offset, 120 * 12);
}

static void
test_restart_finds_file_rotated_while_stopped(void **state)
{
	struct fixture *fx = *state;
	char p[300], r[300];

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	snprintf(r, sizeof(r), "%s/access.log.1", fx->dir);
	append_lines(p, 0, 100);
	start(fx);
	run_until(fx, 100, 3000);
	stop(fx);
	forget_lines(fx);
	/* While the collector is down: more lines, then rotation, then a new file. */
	append_lines(p, 100, 150);
	assert_int_equal(rename(p, r), 0);
	append_lines(p, 150, 170);
	start(fx);
	run_until(fx, 70, 3000);
	run_until(fx, 0, 300);
	assert_int_equal(fx->ngot, 70);
	assert_all_lines(fx, 0);
	{
		int have100 = 0, have169 = 0;
		for (size_t i = 0; i < fx->ngot; i++) {
			have100 |= strcmp(fx->got[i].line, "line 000100") == 0;
			have169 |= strcmp(fx->got[i].line, "line 000169") == 0;
			assert_true(strcmp(fx->got[i].line, "line 000099") != 0);
		}
		assert_true(have100 && have169);
	}
}

static void
test_generations_rotated_while_stopped_are_read(void **state)
{
	struct fixture *fx = *state;
	char p[300], r1[300], r2[300];

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	snprintf(r1, sizeof(r1), "%s/access.log.1", fx->dir);
	snprintf(r2, sizeof(r2), "%s/access.log.2", fx->dir);
	append_lines(p, 0, 100);
	start(fx);
	run_until(fx, 100, 3000);
	stop(fx);
	forget_lines(fx);
	/*
	 * While the collector is down, two rotations: the generation it knew
	 * (now .2) gets 10 more lines, a whole generation (now .1) comes and
	 * goes without ever matching the glob while it looked.
	 */
	append_lines(p, 100, 110);
	assert_int_equal(rename(p, r2), 0);
	append_lines(p, 110, 200);
	assert_int_equal(rename(p, r1), 0);
	append_lines(p, 200, 250);
	start(fx);
	run_until(fx, 150, 4000);
	run_until(fx, 0, 300);
	assert_int_equal(fx->ngot, 150);
	assert_lines_from(fx, 100, 250);
}

/*
 * A bug test_fault_rotation_storm exposed: a generation written into a
 * known inode (copytruncate keeps it) and rotated away while the collector
 * was stopped was taken for a known file because its inode was, and its
 * lines were lost. A file is known by its first line, not by its inode.
 */
static void
test_generation_in_a_known_inode_rotated_while_stopped(void **state)
{
	struct fixture *fx = *state;
	char p[300], r1[300], r2[300], cmd[700];

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	snprintf(r1, sizeof(r1), "%s/access.log.1", fx->dir);
	snprintf(r2, sizeof(r2), "%s/access.log.2", fx->dir);
	append_lines(p, 0, 100);
	start(fx);
	run_until(fx, 100, 3000);
	stop(fx);
	forget_lines(fx);
	/* Down: copytruncate (the copy is .2 by now), a generation in the same
	 * inode, renamed away, and a new file. */
	snprintf(cmd, sizeof(cmd), "cp %s %s", p, r2);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(truncate(p, 0), 0);
	append_lines(p, 100, 150);
	assert_int_equal(rename(p, r1), 0);
	append_lines(p, 150, 170);
	start(fx);
	run_until(fx, 70, 4000);
	run_until(fx, 0, 300);
	assert_lines_from(fx, 100, 170);
	assert_int_equal(fx->ngot, 70);
}

/*
 * A bug test_fault_rotation_storm exposed: a collector killed after sending
 * a new file's first lines and before its first checkpoint, then a
 * copytruncate while it was down. No row described the file, so its copy
 * looked like a new file and its lines were sent again under the copy's
 * identity: another event.id for the same line. A file's row is now
 * written before its first line is sent.
 */
static void
test_copy_made_while_killed_keeps_identity(void **state)
{
	struct fixture *fx = *state;
	char p[300], r1[300], cmd[700];
	struct stat sb;
	pid_t pid;
	int status = -1;

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	snprintf(r1, sizeof(r1), "%s/access.log.1", fx->dir);
	append_lines(p, 0, 50);
	assert_int_equal(stat(p, &sb), 0);
	if ((pid = fork()) == 0) {
		/* Sends the 50 lines and dies before the periodic checkpoint. */
		start(fx);
		run_until(fx, 50, 3000);
		_exit(fx->ngot == 50 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(cmd, sizeof(cmd), "cp %s %s", p, r1);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(truncate(p, 0), 0);
	append_lines(p, 50, 60);
	start(fx);
	run_until(fx, 60, 4000);
	run_until(fx, 0, 300);
	assert_lines_from(fx, 0, 60);
	for (size_t i = 0; i < fx->ngot; i++) {
		int v;
		if (sscanf(fx->got[i].line, "line %d", &v) == 1 && v < 50)
			assert_true(fx->got[i].ino == (uint64_t)sb.st_ino);
	}
}

static void
test_old_rotated_files_are_not_reread(void **state)
{
	struct fixture *fx = *state;
	char p[300], r1[300], cmd[700];

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	snprintf(r1, sizeof(r1), "%s/access.log.1", fx->dir);
	append_lines(p, 0, 100);
	start(fx);
	run_until(fx, 100, 3000);
	/* A copy made by copytruncate: same first line as a known file. */
	snprintf(cmd, sizeof(cmd), "cp %s %s", p, r1);
	assert_int_equal(system(cmd), 0);
	run_until(fx, 0, 500);
	stop(fx);
	start(fx);
	run_until(fx, 0, 500);
	assert_int_equal(fx->ngot, 100);
}

static void
test_overlong_line_is_cut(void **state)
{
	struct fixture *fx = *state;
	char p[300];
	FILE *fp;

	write_cfg(fx, "max_line: 1k\n");
	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	fp = fopen(p, "w");
	fprintf(fp, "line 000000\n");
	for (int i = 0; i < 5000; i++)
		fputc('A', fp);
	fprintf(fp, "\nline 000001\n");
	fclose(fp);
	start(fx);
	run_until(fx, 3, 3000);
	run_until(fx, 0, 100);
	assert_int_equal(fx->ngot, 3);
	assert_int_equal(strlen(fx->got[1].line), 1024);
	assert_true(fx->got[1].flags & RONDA_TAIL_TRUNCATED);
	assert_string_equal(fx->got[2].line, "line 000001");
	assert_int_equal(fx->got[2].offset, 12 + 5001);
}

static void
test_inode_reuse_does_not_resume_stale_offset(void **state)
{
	struct fixture *fx = *state;
	char p[300];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 200);
	start(fx);
	run_until(fx, 200, 3000);
	stop(fx);
	forget_lines(fx);
	/* Same path, same inode (truncate in place), other content. */
	fp = fopen(p, "w");
	fprintf(fp, "other first line\n");
	for (int i = 0; i < 300; i++)
		fprintf(fp, "line %06d\n", i);
	fclose(fp);
	start(fx);
	run_until(fx, 301, 3000);
	assert_int_equal(fx->ngot, 301);
	assert_string_equal(fx->got[0].line, "other first line");
}

static void
test_backpressure_stops_reading(void **state)
{
	struct fixture *fx = *state;
	char p[300];

	write_cfg(fx, "max_inflight: 16\n");
	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 100);
	fx->auto_ack = 0;
	start(fx);
	run_until(fx, 100, 300);
	assert_int_equal(fx->ngot, 16);	/* the ring is full: reading paused */
	ack_upto(fx, 16);
	run_until(fx, 32, 3000);
	assert_int_equal(fx->ngot, 32);
	fx->auto_ack = 1;
	run_until(fx, 100, 3000);
	assert_int_equal(fx->ngot, 100);
	assert_all_lines(fx, 100);
}

static void
test_busy_sink_keeps_the_line(void **state)
{
	struct fixture *fx = *state;
	char p[300];

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 10);
	fx->busy = 1;
	start(fx);
	run_until(fx, 1, 200);
	assert_int_equal(fx->ngot, 0);
	fx->busy = 0;
	run_until(fx, 10, 3000);
	assert_int_equal(fx->ngot, 10);
	assert_string_equal(fx->got[0].line, "line 000000");
}

static void
test_deleted_file_is_read_to_end(void **state)
{
	struct fixture *fx = *state;
	char p[300];
	int fd;

	snprintf(p, sizeof(p), "%s/access.log", fx->dir);
	append_lines(p, 0, 10);
	start(fx);
	run_until(fx, 10, 3000);
	/* A writer keeps the deleted file open and writes more. */
	fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(write(fd, "line 000010\n", 12), 12);
	close(fd);
	run_until(fx, 11, 3000);
	assert_int_equal(fx->ngot, 11);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file_read_from_beginning, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lines_carry_the_file_mtime, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_start_at_end_on_first_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rename_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_reads_the_copy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_resumes_at_confirmed_offset,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_finds_file_rotated_while_stopped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_generations_rotated_while_stopped_are_read,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_in_a_known_inode_rotated_while_stopped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_made_while_killed_keeps_identity,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_rotated_files_are_not_reread, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overlong_line_is_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inode_reuse_does_not_resume_stale_offset,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure_stops_reading, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_busy_sink_keeps_the_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deleted_file_is_read_to_end, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
