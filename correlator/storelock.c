#include "storelock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ronda/log.h"
#include "ronda/timeutil.h"

#define POLL_MS 200	/* a standby looks at the lock this often */

struct ronda_storelock {
	int fd;
};

/*
 * "pid N on host H" from the lock file; "pid unknown" when it is empty (a
 * holder between its flock and its write, or one that released it just now).
 */
static void
holder(int fd, char *buf, size_t len)
{
	char text[320], host[256];
	long pid;
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	snprintf(buf, len, "pid unknown");
	if (n <= 0)
		return;
	text[n] = '\0';
	if (sscanf(text, "%ld %255s", &pid, host) == 2 && pid > 0)
		snprintf(buf, len, "pid %ld on host %s", pid, host);
	else if (sscanf(text, "%ld", &pid) == 1 && pid > 0)
		snprintf(buf, len, "pid %ld", pid);
}

/* Record this process as the holder (after locking). 0 / -1. */
static int
write_holder(int fd)
{
	char host[256], text[320];
	int n;

	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	n = snprintf(text, sizeof(text), "%ld %s\n", (long)getpid(), host);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)strlen(text);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text, (size_t)n, 0) != (ssize_t)n)
		return -1;
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);	/* a signal cuts it short: *stop is looked at next */
}

struct ronda_storelock *
ronda_storelock_take(const char *store, int wait_ms, volatile sig_atomic_t *stop,
    char *err, size_t errlen)
{
	struct ronda_storelock *lk = NULL;
	char path[4096], who[320];
	struct stat st;
	int64_t deadline = wait_ms > 0 ? ronda_mono_ms() + wait_ms : 0;
	int fd, waited = 0;

	if (snprintf(path, sizeof(path), "%s.lock", store) >= (int)sizeof(path)) {
		snprintf(err, errlen, "store %s: path too long for its lock file", store);
		return NULL;
	}
	/* O_NOFOLLOW: a link planted in the store's folder cannot make us truncate another file. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) == -1) {
		snprintf(err, errlen, "store lock %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "store lock %s: not a regular file", path);
		goto fail;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "store lock %s: %s", path, strerror(errno));
			goto fail;
		}
		holder(fd, who, sizeof(who));
		if (wait_ms == RONDA_STORELOCK_NOWAIT ||
		    (wait_ms > 0 && ronda_mono_ms() >= deadline)) {
			snprintf(err, errlen, "store %s is in use by another ronda-correlator (%s); "
			    "two processes never write one store (lock file %s)", store, who, path);
			goto fail;
		}
		if (stop != NULL && *stop) {
			snprintf(err, errlen, "stopped while waiting for store %s (held by %s)",
			    store, who);
			goto fail;
		}
		if (!waited)
			log_info("standby: store %s is held by %s; waiting to take over", store, who);
		waited = 1;
		sleep_ms(POLL_MS);
	}
	/*
	 * The holder's name is for the next one's message only: a full disk
	 * (ENOSPC) leaves it unwritten, and the store's own open says why it
	 * cannot go on (test_fault_store_full).
	 */
	if (write_holder(fd) == -1)
		log_warnx("store lock %s: holder not recorded: %s", path, strerror(errno));
	if ((lk = calloc(1, sizeof(*lk))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	lk->fd = fd;
	if (waited)
		log_info("standby: took over store %s", store);
	return lk;
fail:
	close(fd);
	return NULL;
}

void
ronda_storelock_release(struct ronda_storelock *lk)
{
	int rc;

	if (lk == NULL)
		return;
	/* Emptied first: the file names no process that no longer holds it. */
	rc = ftruncate(lk->fd, 0);
	(void)rc;	/* the lock goes with the descriptor either way */
	close(lk->fd);
	free(lk);
}
