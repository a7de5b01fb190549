#include "core/event_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 32

enum watch_kind { WATCH_FD, WATCH_TIMER, WATCH_WAKE };

struct event_watch {
	struct event_loop *loop;
	int fd;
	enum watch_kind kind;
	bool dead;		/* removed; freed once the current dispatch is over */
	event_fd_fn fn;
	void *arg;
	struct event_watch *next;	/* every watch of the loop, dead ones too */
};

struct event_timer {
	struct event_watch w;	/* on the timerfd */
	event_fn fn;
	void *arg;
};

struct deferred {
	event_fn fn;
	void *arg;
	struct deferred *next;
};

struct event_loop {
	int epfd;
	struct event_watch wake;	/* eventfd: deferred work, or a stop */
	pthread_mutex_t lock;		/* the deferred list */
	struct deferred *head, **tail;
	bool stopping;
	bool has_thread;
	pthread_t thread;
	struct epoll_event ready[LOOP_MAX_EVENTS];
	int nr_ready;
	struct event_watch *watches;
	bool any_dead;
};

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
}

static void wake(struct event_loop *l)
{
	uint64_t one = 1;

	while (write(l->wake.fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

struct event_loop *event_loop_create(void)
{
	struct event_loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->tail = &l->head;
	l->wake = (struct event_watch){ .loop = l, .kind = WATCH_WAKE };
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wake.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->epfd < 0 || l->wake.fd < 0)
		goto err;
	ev.data.ptr = &l->wake;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake.fd, &ev))
		goto err;
	return l;
err:
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wake.fd >= 0)
		close(l->wake.fd);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return NULL;
}

static struct event_watch *add_watch(struct event_loop *l, int fd, uint32_t events,
				     size_t size, enum watch_kind kind)
{
	struct event_watch *w = calloc(1, size);
	struct epoll_event ev = { .events = events };

	if (!w)
		return NULL;
	*w = (struct event_watch){ .loop = l, .fd = fd, .kind = kind };
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int e = errno;

		free(w);
		errno = e;
		return NULL;
	}
	w->next = l->watches;
	l->watches = w;
	return w;
}

struct event_watch *event_loop_add_fd(struct event_loop *l, int fd, uint32_t events,
				      event_fd_fn fn, void *arg)
{
	struct event_watch *w = add_watch(l, fd, events, sizeof(*w), WATCH_FD);

	if (w) {
		w->fn = fn;
		w->arg = arg;
	}
	return w;
}

int event_watch_modify(struct event_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(w->loop->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void event_watch_remove(struct event_watch *w)
{
	struct event_loop *l;

	if (!w || w->dead)
		return;
	l = w->loop;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	l->any_dead = true;
}

struct event_timer *event_loop_add_timer(struct event_loop *l, event_fn fn, void *arg)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct event_timer *t;

	if (fd < 0)
		return NULL;
	t = (struct event_timer *)add_watch(l, fd, EPOLLIN, sizeof(*t), WATCH_TIMER);
	if (!t) {
		close(fd);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	return t;
}

static struct timespec to_timespec(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ull),
				  .tv_nsec = (long)(ns % 1000000000ull) };
}

int event_timer_arm(struct event_timer *t, uint64_t delay_ns, uint64_t interval_ns)
{
	struct itimerspec its = { .it_value = to_timespec(delay_ns),
				  .it_interval = to_timespec(interval_ns) };

	return timerfd_settime(t->w.fd, 0, &its, NULL);
}

void event_timer_remove(struct event_timer *t)
{
	if (t)
		event_watch_remove(&t->w);
}

int event_loop_defer(struct event_loop *l, event_fn fn, void *arg)
{
	struct deferred *d = malloc(sizeof(*d));

	if (!d)
		return -1;
	*d = (struct deferred){ fn, arg, NULL };
	pthread_mutex_lock(&l->lock);
	*l->tail = d;
	l->tail = &d->next;
	pthread_mutex_unlock(&l->lock);
	wake(l);
	return 0;
}

/* Work deferred before this call runs; work it defers waits for the next wake-up. */
static void run_deferred(struct event_loop *l)
{
	struct deferred *d;

	drain(l->wake.fd);
	pthread_mutex_lock(&l->lock);
	d = l->head;
	l->head = NULL;
	l->tail = &l->head;
	pthread_mutex_unlock(&l->lock);
	while (d) {
		struct deferred *next = d->next;

		d->fn(d->arg);
		free(d);
		d = next;
	}
}

static void free_watch(struct event_watch *w)
{
	if (w->kind == WATCH_TIMER)
		close(w->fd);
	free(w);
}

/* Free removed watches: only between dispatches, when no ready entry names them. */
static void reap(struct event_loop *l, bool all)
{
	struct event_watch **pp = &l->watches;

	if (!l->any_dead && !all)
		return;
	while (*pp) {
		struct event_watch *w = *pp;

		if (w->dead || all) {
			*pp = w->next;
			free_watch(w);
		} else {
			pp = &w->next;
		}
	}
	l->any_dead = false;
}

int event_loop_wait(struct event_loop *l, int timeout_ms)
{
	int n = epoll_wait(l->epfd, l->ready, LOOP_MAX_EVENTS, timeout_ms);

	if (n < 0) {
		l->nr_ready = 0;
		return errno == EINTR ? 0 : -1;
	}
	l->nr_ready = n;
	return n;
}

static void fire(struct event_watch *w, uint32_t events)
{
	struct event_timer *t;

	switch (w->kind) {
	case WATCH_WAKE:
		run_deferred(w->loop);
		return;
	case WATCH_TIMER:
		t = (struct event_timer *)w;
		drain(w->fd);
		t->fn(t->arg);
		return;
	case WATCH_FD:
		w->fn(w->arg, events);
		return;
	}
}

void event_loop_dispatch(struct event_loop *l)
{
	int i;

	for (i = 0; i < l->nr_ready; i++) {
		struct event_watch *w = l->ready[i].data.ptr;

		if (!w->dead)
			fire(w, l->ready[i].events);
	}
	l->nr_ready = 0;
	reap(l, false);
}

int event_loop_run_once(struct event_loop *l, int timeout_ms)
{
	int n = event_loop_wait(l, timeout_ms);

	if (n > 0)
		event_loop_dispatch(l);
	return n;
}

bool event_loop_stopping(const struct event_loop *l)
{
	return __atomic_load_n(&l->stopping, __ATOMIC_ACQUIRE);
}

int event_loop_run(struct event_loop *l)
{
	while (!event_loop_stopping(l))
		if (event_loop_run_once(l, -1) < 0)
			return -1;
	return 0;
}

void event_loop_stop(struct event_loop *l)
{
	__atomic_store_n(&l->stopping, true, __ATOMIC_RELEASE);
	wake(l);
}

static void *loop_thread(void *arg)
{
	sigset_t all;

	/* Signals belong to the main thread; vCPU kicks to the vCPU threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	event_loop_run(arg);
	return NULL;
}

int event_loop_start_thread(struct event_loop *l, const char *name)
{
	int r = pthread_create(&l->thread, NULL, loop_thread, l);

	if (r) {
		errno = r;
		return -1;
	}
	pthread_setname_np(l->thread, name);
	l->has_thread = true;
	return 0;
}

void event_loop_destroy(struct event_loop *l)
{
	struct deferred *d;

	if (!l)
		return;
	if (l->has_thread) {
		event_loop_stop(l);
		pthread_join(l->thread, NULL);
	}
	reap(l, true);
	while ((d = l->head)) {
		l->head = d->next;
		free(d);
	}
	close(l->epfd);
	close(l->wake.fd);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
