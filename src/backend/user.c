/*
 * user: user-mode networking through libslirp, needing no privileges. The
 * guest's frames are parsed by libslirp's TCP/IP stack, which speaks to the
 * host through ordinary sockets (NAT), answers DHCP, DNS and ICMP echo to its
 * own addresses, and listens on the host for the port forwards.
 *
 * libslirp is not thread-safe: everything it does runs on one event loop of
 * its own (slirp_new and the forwards before that loop's thread starts,
 * slirp_cleanup after it is joined). Its sockets are watched through the loop:
 * after each call into libslirp, slirp_pollfds_fill says which fds it wants
 * and the watches are brought in line; an event becomes slirp_pollfds_poll
 * with that fd's revents. Frames cross between that thread and the NIC's
 * queue thread through two bounded frame queues: to the guest (rx, the
 * device's rx_fd) and from it (tx, woken on the slirp thread). A full queue
 * to the guest drops the frame and counts it, as a NIC would, and libslirp's
 * sockets are not read until the guest has taken half of it, so the host's
 * data waits in their buffers rather than being read to be thrown away; from the guest,
 * the device leaves frames in the driver's ring while the queue is full
 * (tx_full), and the slirp thread says when it has room again (tx_fd), so
 * the guest is slowed to what libslirp takes instead of copying frames that
 * are thrown away.
 */
#include "backend/frame_queue.h"
#include "backend/net_backend.h"
#include "core/clock.h"
#include "core/event_loop.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* An fd libslirp polls, and its watch on the loop. */
struct fd_watch {
	struct fd_watch *next;
	struct user_net *u;
	int fd;
	uint32_t events;
	struct event_watch *w;
	bool wanted;
};

struct user_timer {
	struct user_net *u;
	SlirpTimerCb cb;
	void *opaque;
	struct event_timer *t;
};

/* What the last slirp_pollfds_fill asked for, and what fired. */
struct poll_entry {
	int fd;
	int events;
	int revents;
};

struct user_net {
	struct net_backend be;
	Slirp *slirp;
	struct event_loop *loop;	/* NULL once its thread is gone */
	struct frame_queue rxq, txq;
	int tx_room;			/* eventfd: the tx queue has room again */
	bool rx_held;			/* slirp thread: rx queue full, sockets not read */
	uint64_t poll_due;		/* poll_timer's expiry (CLOCK_MONOTONIC ns), 0: none */
	uint64_t rx_lost;		/* frames for the guest the full queue refused */
	struct event_watch *tx_watch;
	struct event_timer *poll_timer;	/* libslirp's own TCP timers (fill's timeout) */
	struct fd_watch *watches;
	struct poll_entry *polls;
	unsigned nr_polls, max_polls;
};

static struct user_net *to_user(struct net_backend *be)
{
	return (struct user_net *)((char *)be - offsetof(struct user_net, be));
}

/* --- the slirp thread: fds and timers ---------------------------------- */

static uint32_t to_epoll(int ev)
{
	return (ev & SLIRP_POLL_IN ? EPOLLIN : 0) | (ev & SLIRP_POLL_OUT ? EPOLLOUT : 0) |
	       (ev & SLIRP_POLL_PRI ? EPOLLPRI : 0);
}

static int from_epoll(uint32_t ev)
{
	return (ev & EPOLLIN ? SLIRP_POLL_IN : 0) | (ev & EPOLLOUT ? SLIRP_POLL_OUT : 0) |
	       (ev & EPOLLPRI ? SLIRP_POLL_PRI : 0) | (ev & EPOLLERR ? SLIRP_POLL_ERR : 0) |
	       (ev & EPOLLHUP ? SLIRP_POLL_HUP : 0);
}

static int add_poll(int fd, int events, void *opaque)
{
	struct user_net *u = opaque;

	if (u->nr_polls == u->max_polls) {
		unsigned max = u->max_polls ? 2 * u->max_polls : 16;
		struct poll_entry *p = realloc(u->polls, max * sizeof(*p));

		if (!p)
			return -1;
		u->polls = p;
		u->max_polls = max;
	}
	u->polls[u->nr_polls] = (struct poll_entry){ fd, events, 0 };
	return (int)u->nr_polls++;
}

static int get_revents(int idx, void *opaque)
{
	struct user_net *u = opaque;

	return idx >= 0 && (unsigned)idx < u->nr_polls ? u->polls[idx].revents : 0;
}

static void sync_watches(struct user_net *u);
static int64_t clock_get_ns(void *opaque);
static void arm_poll(struct user_net *u, uint64_t delay_ns);

/* Let libslirp act on what fired (and on its timers), then ask it again what to watch. */
static void slirp_step(struct user_net *u)
{
	slirp_pollfds_poll(u->slirp, 0, get_revents, u);
	sync_watches(u);
}

static void fd_ready(void *arg, uint32_t events)
{
	struct fd_watch *fw = arg;
	struct user_net *u = fw->u;
	unsigned i;

	for (i = 0; i < u->nr_polls; i++)
		if (u->polls[i].fd == fw->fd)
			u->polls[i].revents = from_epoll(events);
	slirp_step(u);
}

static void remove_watch(struct fd_watch **pp)
{
	struct fd_watch *fw = *pp;

	*pp = fw->next;
	event_watch_remove(fw->w);
	free(fw);
}

static struct fd_watch *find_watch(struct user_net *u, int fd)
{
	struct fd_watch *fw;

	for (fw = u->watches; fw; fw = fw->next)
		if (fw->fd == fd)
			return fw;
	return NULL;
}

static void want_fd(struct user_net *u, int fd, uint32_t events)
{
	struct fd_watch *fw = find_watch(u, fd);

	if (fw) {
		if (fw->events != events && !event_watch_modify(fw->w, events))
			fw->events = events;
		fw->wanted = true;
		return;
	}
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return;
	*fw = (struct fd_watch){ u->watches, u, fd, events, NULL, true };
	fw->w = event_loop_add_fd(u->loop, fd, events, fd_ready, fw);
	if (!fw->w) {
		pr_debug("user: cannot watch fd %d: %s", fd, strerror(errno));
		free(fw);
		return;
	}
	u->watches = fw;
}

/* Watch exactly the fds libslirp asks for, and wake up for its timers. */
static void sync_watches(struct user_net *u)
{
	uint32_t timeout = UINT32_MAX;
	struct fd_watch **pp, *fw;
	unsigned i;

	u->nr_polls = 0;
	slirp_pollfds_fill(u->slirp, &timeout, add_poll, u);
	for (fw = u->watches; fw; fw = fw->next)
		fw->wanted = false;
	for (i = 0; i < u->nr_polls; i++)
		want_fd(u, u->polls[i].fd, to_epoll(u->polls[i].events) &
			~(u->rx_held ? (uint32_t)EPOLLIN : 0u));
	for (pp = &u->watches; *pp;) {
		if ((*pp)->wanted)
			pp = &(*pp)->next;
		else
			remove_watch(pp);
	}
	arm_poll(u, (timeout ? timeout : 1) * 1000000ull);
}

/*
 * The timer for libslirp's next deadline, @delay_ns from now. One that fires
 * sooner is left as it is (an early step does no harm), so a step per frame
 * does not cost a timerfd_settime each.
 */
static void arm_poll(struct user_net *u, uint64_t delay_ns)
{
	uint64_t now = (uint64_t)clock_get_ns(NULL), due = now + delay_ns;

	if (u->poll_due > now && u->poll_due <= due)
		return;
	if (!event_timer_arm(u->poll_timer, delay_ns, 0))
		u->poll_due = due;
}

static void poll_timeout(void *arg)
{
	struct user_net *u = arg;

	u->poll_due = 0;
	slirp_step(u);
}

/* Frames from the guest, queued by the NIC's thread. */
static void tx_ready(void *arg, uint32_t events)
{
	struct user_net *u = arg;
	uint64_t one = 1;
	struct frame *f;
	bool resume;

	(void)events;
	while ((f = frame_queue_pop(&u->txq, &resume))) {
		if (resume && write(u->tx_room, &one, sizeof(one)) < 0)
			pr_debug("user: eventfd: %s", strerror(errno));
		slirp_input(u->slirp, f->data, (int)f->len);
		free(f);
	}
	sync_watches(u);
}

/* --- libslirp's callbacks (on the slirp thread) ---------------------------- */

/* A frame for the guest: to the NIC's queue thread. */
static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	struct user_net *u = opaque;
	struct frame *f = frame_new(len);

	if (!f)
		return -1;
	memcpy(f->data, buf, len);
	if (frame_queue_try_push(&u->rxq, f)) {
		free(f);
		u->rx_lost++;
		u->rx_held = true;	/* sync_watches, after this step, stops reading */
	}
	return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	pr_debug("user: the guest: %s", msg);
}

static int64_t clock_get_ns(void *opaque)
{
	(void)opaque;
	return (int64_t)now_ns();
}

static void timer_fire(void *arg)
{
	struct user_timer *t = arg;

	t->cb(t->opaque);
	sync_watches(t->u);
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct user_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	*t = (struct user_timer){ opaque, cb, cb_opaque, NULL };
	t->t = event_loop_add_timer(t->u->loop, timer_fire, t);
	if (!t->t) {
		free(t);
		return NULL;
	}
	return t;
}

static void timer_free(void *timer, void *opaque)
{
	struct user_timer *t = timer;
	struct user_net *u = opaque;

	if (!t)
		return;
	if (u->loop)	/* else the loop freed its timers with itself */
		event_timer_remove(t->t);
	free(t);
}

/* @expire_ms on clock_get_ns's clock. */
static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct user_timer *t = timer;
	int64_t delay = expire_ms * 1000000 - clock_get_ns(opaque);

	if (t)
		event_timer_arm(t->t, delay > 0 ? (uint64_t)delay : 1, 0);
}

static void register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

/* libslirp closes @fd next: its watch goes first, before the number is reused. */
static void unregister_poll_fd(int fd, void *opaque)
{
	struct user_net *u = opaque;
	struct fd_watch **pp;

	if (!u->loop)
		return;
	for (pp = &u->watches; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			remove_watch(pp);
			return;
		}
	}
}

static void notify(void *opaque)
{
	(void)opaque;	/* every call into libslirp is followed by sync_watches */
}

static const SlirpCb user_callbacks = {
	.send_packet = send_packet,
	.guest_error = guest_error,
	.clock_get_ns = clock_get_ns,
	.timer_new = timer_new,
	.timer_free = timer_free,
	.timer_mod = timer_mod,
	.register_poll_fd = register_poll_fd,
	.unregister_poll_fd = unregister_poll_fd,
	.notify = notify,
};

/* --- the NIC's side (its queue thread) ------------------------------------- */

static ssize_t user_tx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	(void)q;
	return frame_queue_push_iov(&to_user(be)->txq, iov, n);
}

/* On the slirp thread: the guest took half the rx queue; read the sockets again. */
static void rx_release(void *arg)
{
	struct user_net *u = arg;

	u->rx_held = false;
	sync_watches(u);
}

static bool user_tx_full(struct net_backend *be, unsigned q)
{
	(void)q;
	return frame_queue_full(&to_user(be)->txq);
}

static ssize_t user_rx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	struct user_net *u = to_user(be);
	bool resume = false;
	ssize_t r = frame_queue_pop_iov(&u->rxq, iov, n, &resume);

	(void)q;
	if (resume)
		event_loop_defer(u->loop, rx_release, u);
	return r;
}

static int user_set_offload(struct net_backend *be, unsigned offloads)
{
	(void)be;
	return offloads ? -1 : 0;
}

static void user_free(struct user_net *u)
{
	struct fd_watch *fw;

	event_loop_destroy(u->loop);	/* joins the slirp thread */
	u->loop = NULL;
	if (u->slirp)
		slirp_cleanup(u->slirp);
	while ((fw = u->watches)) {
		u->watches = fw->next;
		free(fw);
	}
	if (u->rxq.dropped || u->rx_lost || u->txq.dropped)
		pr_debug("user: %llu frames to the guest and %llu from it dropped (queue full)",
			 (unsigned long long)(u->rxq.dropped + u->rx_lost),
			 (unsigned long long)u->txq.dropped);
	frame_queue_destroy(&u->rxq);
	frame_queue_destroy(&u->txq);
	if (u->tx_room >= 0)
		close(u->tx_room);
	free(u->polls);
	free(u);
}

static void user_close(struct net_backend *be)
{
	user_free(to_user(be));
}

static const struct net_backend_ops user_ops = {
	.tx = user_tx,
	.tx_full = user_tx_full,
	.rx = user_rx,
	.set_offload = user_set_offload,
	.close = user_close,
};

static void format_ip(struct in_addr a, char out[INET_ADDRSTRLEN])
{
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static Slirp *new_slirp(struct user_net *u, const struct net_options *o)
{
	SlirpConfig cfg = {
		.version = 3,
		.restricted = o->user.restrict_on,
		.in_enabled = true,
		.vnetwork = o->user.net,
		.vnetmask = o->user.mask,
		.vhost = o->user.host,
		.in6_enabled = false,
		.vdhcp_start = o->user.dhcp_start,
		.vnameserver = o->user.dns,
		.if_mtu = o->mtu,
		.if_mru = o->mtu,
	};

	return slirp_new(&cfg, &user_callbacks, u);
}

/* Listen on the host for each forward: a port in use fails the whole NIC. */
static int add_forwards(struct user_net *u, const struct net_options *o, struct error *err)
{
	char host[INET_ADDRSTRLEN];
	unsigned i;

	for (i = 0; i < o->nr_fwds; i++) {
		const struct net_fwd *f = &o->fwd[i];

		errno = 0;
		if (!slirp_add_hostfwd(u->slirp, f->udp, f->host, f->host_port,
				       o->user.dhcp_start, f->guest_port))
			continue;
		format_ip(f->host, host);
		return error_set(err, errno ? errno : EADDRINUSE, "--net %s: hostfwd %s %s:%u: "
				 "cannot listen: %s", o->spec, f->udp ? "udp" : "tcp", host,
				 f->host_port, strerror(errno ? errno : EADDRINUSE));
	}
	return 0;
}

static int open_queue(struct frame_queue *q, struct error *err)
{
	if (frame_queue_init(q))
		return error_set(err, errno, "--net user: eventfd: %s", strerror(errno));
	return 0;
}

struct net_backend *user_open(const struct net_options *o, struct error *err)
{
	struct user_net *u = calloc(1, sizeof(*u));
	char net[INET_ADDRSTRLEN];

	if (!u) {
		error_set(err, ENOMEM, "--net user: out of memory");
		return NULL;
	}
	u->rxq.fd = u->txq.fd = u->tx_room = -1;
	u->be.ops = &user_ops;
	u->be.nr_queues = 1;
	snprintf(u->be.name, sizeof(u->be.name), "user");
	if (open_queue(&u->rxq, err) || open_queue(&u->txq, err))
		goto err_free;
	u->be.rx_fd[0] = u->rxq.fd;
	u->tx_room = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->tx_room < 0) {
		error_set(err, errno, "--net user: eventfd: %s", strerror(errno));
		goto err_free;
	}
	u->be.tx_fd[0] = u->tx_room;
	u->loop = event_loop_create();
	if (!u->loop) {
		error_set(err, errno, "--net user: cannot create its event loop");
		goto err_free;
	}
	u->poll_timer = event_loop_add_timer(u->loop, poll_timeout, u);
	u->tx_watch = event_loop_add_fd(u->loop, u->txq.fd, EPOLLIN, tx_ready, u);
	if (!u->poll_timer || !u->tx_watch) {
		error_set(err, errno, "--net user: cannot watch its queue");
		goto err_free;
	}
	u->slirp = new_slirp(u, o);
	if (!u->slirp) {
		error_set(err, EINVAL, "--net %s: libslirp refused the configuration", o->spec);
		goto err_free;
	}
	if (add_forwards(u, o, err))
		goto err_free;
	sync_watches(u);
	if (event_loop_start_thread(u->loop, "vessel-slirp")) {
		error_set(err, errno, "--net user: cannot start its thread");
		goto err_free;
	}
	format_ip(o->user.net, net);
	pr_debug("--net %s: network %s, %u forward(s)", o->spec, net, o->nr_fwds);
	return &u->be;

err_free:
	user_free(u);
	return NULL;
}
