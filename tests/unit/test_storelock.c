/*
 * test_storelock.c — one writer per store: a second take is refused with a
 * message naming the store and the holder; a release, or the holder's death
 * by SIGKILL, frees it; a standby's wait takes it once the holder lets go,
 * gives up at its deadline, and ends when its stop flag is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "storelock.h"

static char dir[256], store[300], lockpath[310];

static int
setup(void **state)
{
	(void)state;
	umask(022);	/* the 0640 asked for, not narrowed by the caller's umask */
	snprintf(dir, sizeof(dir), "%s/ronda-storelock.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(store, sizeof(store), "%s/ronda.db", dir);
	snprintf(lockpath, sizeof(lockpath), "%s.lock", store);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(lockpath);
	rmdir(dir);
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A child process that takes the lock, says so on a pipe, then holds it for
 * hold_ms (0: until killed) and exits (which releases it). Returns its pid.
 */
static pid_t
holder_child(int hold_ms)
{
	int p[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		char err[512];
		struct ronda_storelock *lk;

		close(p[0]);
		lk = ronda_storelock_take(store, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
		if (lk == NULL)
			_exit(3);
		if (write(p[1], "1", 1) != 1)
			_exit(4);
		if (hold_ms == 0)
			for (;;)
				pause();
		usleep((useconds_t)hold_ms * 1000);
		ronda_storelock_release(lk);
		_exit(0);
	}
	assert_true(pid > 0);
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);	/* the child holds it now */
	close(p[0]);
	return pid;
}

static void
reap(pid_t pid, int expect_status)
{
	int st = 0;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), expect_status);
}

static void
second_take_is_refused_naming_the_holder(void **state)
{
	struct ronda_storelock *a, *b;
	struct stat st;
	char err[512], want[64], host[256];
	FILE *f;
	long pid = 0;

	(void)state;
	a = ronda_storelock_take(store, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
	assert_non_null(a);
	/* The side file: 0640 next to the store, naming this process and host. */
	assert_int_equal(stat(lockpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_non_null(f = fopen(lockpath, "r"));
	assert_int_equal(fscanf(f, "%ld %255s", &pid, host), 2);
	fclose(f);
	assert_int_equal(pid, (long)getpid());

	b = ronda_storelock_take(store, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
	assert_null(b);
	snprintf(want, sizeof(want), "(pid %ld on host ", (long)getpid());
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, store));
	assert_non_null(strstr(err, "is in use by another ronda-correlator"));
	assert_non_null(strstr(err, "two processes never write one store"));

	/* Release, then take: free again; the released file names nobody. */
	ronda_storelock_release(a);
	assert_int_equal(stat(lockpath, &st), 0);
	assert_int_equal(st.st_size, 0);
	b = ronda_storelock_take(store, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
	assert_non_null(b);
	ronda_storelock_release(b);
	ronda_storelock_release(NULL);
}

static void
holder_killed_with_sigkill_frees_it(void **state)
{
	struct ronda_storelock *lk;
	char err[512], want[64];
	pid_t pid;
	int st;

	(void)state;
	pid = holder_child(0);
	lk = ronda_storelock_take(store, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
	assert_null(lk);
	snprintf(want, sizeof(want), "(pid %ld on host ", (long)pid);
	assert_non_null(strstr(err, want));

	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	/* The file still names the dead holder; the kernel dropped its lock. */
	lk = ronda_storelock_take(store, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
	assert_non_null(lk);
	ronda_storelock_release(lk);
}

static void
standby_takes_it_when_the_holder_releases(void **state)
{
	struct ronda_storelock *lk;
	volatile sig_atomic_t stop = 0;
	char err[512];
	int64_t t0;
	pid_t pid;

	(void)state;
	pid = holder_child(400);
	t0 = now_ms();
	lk = ronda_storelock_take(store, RONDA_STORELOCK_FOREVER, &stop, err, sizeof(err));
	assert_non_null(lk);
	/* Not before the holder let go, and within a poll (200 ms) or so of it. */
	assert_true(now_ms() - t0 >= 300);
	assert_true(now_ms() - t0 < 2000);
	reap(pid, 0);
	ronda_storelock_release(lk);
}

static void
bounded_wait_gives_up_at_its_deadline(void **state)
{
	struct ronda_storelock *lk;
	char err[512];
	int64_t t0, took;
	pid_t pid;

	(void)state;
	pid = holder_child(0);
	t0 = now_ms();
	lk = ronda_storelock_take(store, 500, NULL, err, sizeof(err));
	took = now_ms() - t0;
	assert_null(lk);
	assert_true(took >= 500 && took < 1500);
	assert_non_null(strstr(err, "is in use by another ronda-correlator"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static volatile sig_atomic_t alarm_stop;

static void
on_alarm(int sig)
{
	(void)sig;
	alarm_stop = 1;
}

static void
stop_flag_ends_the_wait(void **state)
{
	struct itimerval it = { { 0, 0 }, { 0, 300 * 1000 } };
	struct sigaction sa;
	struct ronda_storelock *lk;
	char err[512];
	int64_t t0, took;
	pid_t pid;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	pid = holder_child(0);
	alarm_stop = 0;
	t0 = now_ms();
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);	/* as a TERM would */
	lk = ronda_storelock_take(store, RONDA_STORELOCK_FOREVER, &alarm_stop, err, sizeof(err));
	took = now_ms() - t0;
	assert_null(lk);
	assert_int_equal(alarm_stop, 1);
	assert_true(took >= 250 && took < 1500);
	assert_non_null(strstr(err, "stopped while waiting"));

	/* Set before the call: no wait at all. */
	t0 = now_ms();
	lk = ronda_storelock_take(store, RONDA_STORELOCK_FOREVER, &alarm_stop, err, sizeof(err));
	assert_null(lk);
	assert_true(now_ms() - t0 < 100);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	signal(SIGALRM, SIG_DFL);
}

static void
unusable_lock_file_is_an_error(void **state)
{
	struct ronda_storelock *lk;
	char err[512], bad[400];

	(void)state;
	/* A folder that does not exist. */
	snprintf(bad, sizeof(bad), "%s/missing/ronda.db", dir);
	lk = ronda_storelock_take(bad, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
	assert_null(lk);
	assert_non_null(strstr(err, "store lock "));
	assert_non_null(strstr(err, "missing/ronda.db.lock"));
	/* A symlink where the lock file goes is not followed. */
	assert_int_equal(symlink("/dev/null", lockpath), 0);
	lk = ronda_storelock_take(store, RONDA_STORELOCK_NOWAIT, NULL, err, sizeof(err));
	assert_null(lk);
	assert_non_null(strstr(err, "store lock "));
	unlink(lockpath);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(second_take_is_refused_naming_the_holder,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(holder_killed_with_sigkill_frees_it,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(standby_takes_it_when_the_holder_releases,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(bounded_wait_gives_up_at_its_deadline,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(stop_flag_ends_the_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(unusable_lock_file_is_an_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
