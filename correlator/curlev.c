#include "curlev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

/* One watched socket; freed after libcurl says CURL_POLL_REMOVE. */
struct sock {
	struct event ev;
	struct ronda_curlev *cv;
	curl_socket_t fd;
	struct sock *next;	/* on the live or the dead list */
};

struct ronda_curlev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;	/* libcurl's timeout */
	struct event *finish;	/* reports a finished transfer from the loop */
	CURL *easy;		/* out, or NULL */
	CURLcode rc;
	int finished;
	ronda_curlev_done_fn done;
	void *arg;
	/*
	 * Sockets libcurl removed, possibly from inside their own event's
	 * callback: freed at the next callback of ours, not under libevent.
	 */
	struct sock *dead;
	struct sock *live;	/* watched now */
};

static void
reap(struct ronda_curlev *cv)
{
	while (cv->dead != NULL) {
		struct sock *s = cv->dead;
		cv->dead = s->next;
		free(s);
	}
}

/* Collect a finished transfer; its report goes out from the finish event. */
static void
check_done(struct ronda_curlev *cv)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(cv->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE || m->easy_handle != cv->easy)
			continue;
		cv->rc = m->data.result;
		curl_multi_remove_handle(cv->multi, cv->easy);
		cv->finished = 1;
		event_active(cv->finish, EV_TIMEOUT, 0);
	}
}

static void
curlev_on_finish(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_curlev *cv = arg;
	CURL *easy = cv->easy;

	(void)fd;
	(void)what;
	reap(cv);
	if (!cv->finished || easy == NULL)
		return;
	cv->finished = 0;
	cv->easy = NULL;
	cv->done(cv->arg, easy, cv->rc);
}

static void
curlev_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_curlev *cv = ((struct sock *)arg)->cv;
	int action = 0, running;

	reap(cv);
	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(cv->multi, fd, action, &running);
	check_done(cv);
}

static void
curlev_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_curlev *cv = arg;
	int running;

	(void)fd;
	(void)what;
	reap(cv);
	curl_multi_socket_action(cv->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cv);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what libcurl wants, or stop. */
static int
curlev_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct ronda_curlev *cv = userp;
	struct sock *sk = socketp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			struct sock **pp = &cv->live;
			event_del(&sk->ev);
			curl_multi_assign(cv->multi, s, NULL);
			while (*pp != NULL && *pp != sk)
				pp = &(*pp)->next;
			if (*pp == sk)
				*pp = sk->next;
			sk->next = cv->dead;
			cv->dead = sk;
		}
		return 0;
	}
	if (sk == NULL) {
		if ((sk = calloc(1, sizeof(*sk))) == NULL)
			return -1;
		sk->cv = cv;
		sk->fd = s;
		sk->next = cv->live;
		cv->live = sk;
		curl_multi_assign(cv->multi, s, sk);
	} else {
		event_del(&sk->ev);
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (event_assign(&sk->ev, cv->base, s, kind, curlev_on_event, sk) == -1 ||
	    event_add(&sk->ev, NULL) == -1)
		return -1;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: call back after ms (-1: no timeout wanted). */
static int
curlev_on_timeout_set(CURLM *multi, long ms, void *userp)
{
	struct ronda_curlev *cv = userp;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	(void)multi;
	if (ms < 0)
		evtimer_del(cv->timer);
	else if (evtimer_add(cv->timer, &tv) == -1)
		return -1;
	return 0;
}

struct ronda_curlev *
ronda_curlev_new(struct event_base *base, char *err, size_t errlen)
{
	struct ronda_curlev *cv = calloc(1, sizeof(*cv));

	if (cv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Reference-counted by libcurl; thread-safe since 7.84. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		free(cv);
		return NULL;
	}
	cv->base = base;
	if ((cv->multi = curl_multi_init()) == NULL ||
	    (cv->timer = evtimer_new(base, curlev_on_timer, cv)) == NULL ||
	    (cv->finish = evtimer_new(base, curlev_on_finish, cv)) == NULL) {
		snprintf(err, errlen, "out of memory");
		ronda_curlev_free(cv);
		return NULL;
	}
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETFUNCTION, curlev_on_socket);
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERFUNCTION, curlev_on_timeout_set);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERDATA, cv);
	/* A sink talks to one server: a couple of idle connections is plenty. */
	curl_multi_setopt(cv->multi, CURLMOPT_MAXCONNECTS, 2L);
	return cv;
}

int
ronda_curlev_start(struct ronda_curlev *cv, CURL *easy, ronda_curlev_done_fn done,
    void *arg, char *err, size_t errlen)
{
	CURLMcode mc;

	if (cv->easy != NULL) {
		snprintf(err, errlen, "a transfer is already out");
		return -1;
	}
	cv->done = done;
	cv->arg = arg;
	cv->finished = 0;
	cv->easy = easy;
	/* libcurl asks for a 0 ms timer: the transfer starts from the loop. */
	if ((mc = curl_multi_add_handle(cv->multi, easy)) != CURLM_OK) {
		cv->easy = NULL;
		snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

int
ronda_curlev_busy(const struct ronda_curlev *cv)
{
	return cv->easy != NULL;
}

void
ronda_curlev_cancel(struct ronda_curlev *cv)
{
	if (cv->easy == NULL)
		return;
	if (!cv->finished)
		curl_multi_remove_handle(cv->multi, cv->easy);
	cv->easy = NULL;
	cv->finished = 0;
}

void
ronda_curlev_free(struct ronda_curlev *cv)
{
	if (cv == NULL)
		return;
	ronda_curlev_cancel(cv);
	/* Closing the cached connections calls the socket callback (REMOVE). */
	if (cv->multi != NULL)
		curl_multi_cleanup(cv->multi);
	while (cv->live != NULL) {
		struct sock *sk = cv->live;
		cv->live = sk->next;
		event_del(&sk->ev);
		free(sk);
	}
	reap(cv);
	if (cv->timer != NULL)
		event_free(cv->timer);
	if (cv->finish != NULL)
		event_free(cv->finish);
	free(cv);
	curl_global_cleanup();
}
