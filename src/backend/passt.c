/*
 * passt: frames over passt's unix stream socket (passt(1), "qemu" mode; QEMU's
 * -netdev stream speaks the same): each Ethernet frame preceded by its length,
 * four bytes in network byte order. passt turns the guest's frames into
 * ordinary sockets on the host in a process of its own, sandboxed, so no
 * TCP/IP stack runs inside vessel.
 *
 * Without socket=, vessel starts passt (found on PATH) with --one-off on a
 * socket path of its own in /tmp, waits until it can connect (or passt exits,
 * when its last line of stderr says why), checks that the listener is that
 * child (SO_PEERCRED), and removes the path at once: from then on the only
 * trace is the connection, and passt leaves when it closes, even when vessel
 * is killed. At close vessel stops passt and reaps it.
 *
 * All socket I/O runs on an event loop of its own, never on the NIC's queue
 * thread or a vCPU: frames cross through two frame queues. Received bytes are
 * split into as many frames as one read brought; when the queue to the guest
 * is full, reading stops (passt then holds its own frames back, as a socket
 * buffer fills) until the NIC has taken half. Frames from the guest are packed
 * into one buffer with their lengths and written with one call.
 */
#include "backend/frame_queue.h"
#include "backend/net_backend.h"
#include "backend/passt_stream.h"
#include "core/event_loop.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASST_BUF		(256 * 1024)	/* bytes read, or packed to write, at once */
#define PASST_START_MS		10000		/* how long passt may take to listen */
#define PASST_STOP_MS		2000		/* how long it may take to leave, then SIGKILL */
#define PASST_POLL_MS		10
#define PASST_MAX_ARGS		(16 + 4 * NET_MAX_FWDS)
#define PASST_ERR_LINE		256

extern char **environ;

struct passt {
	struct net_backend be;
	struct event_loop *loop;
	struct frame_queue rxq, txq;
	int sock;
	pid_t pid;			/* the passt vessel started, or -1 */
	int err_fd;			/* its stderr, or -1 */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];	/* to remove, or "" */
	struct event_watch *sock_watch, *tx_watch, *err_watch;
	uint32_t sock_events;
	uint8_t *in;			/* bytes read, not yet split into frames */
	size_t in_len;
	uint8_t *out;			/* frames packed, not yet written */
	size_t out_len, out_off;
	struct frame *held;		/* taken from txq, waiting for room in out */
	bool rx_stalled;		/* the queue to the guest was full: not reading */
	bool tx_blocked;		/* the socket took less than was packed */
	bool dead;			/* the stream ended or broke */
	uint64_t tx_dropped;		/* frames from the guest after it did */
	char err_line[PASST_ERR_LINE];	/* passt's last line on stderr */
};

static struct passt *to_passt(struct net_backend *be)
{
	return (struct passt *)((char *)be - offsetof(struct passt, be));
}

/* --- passt's stderr -------------------------------------------------------- */

/* Keep a line for messages; skip the ones about a missing syslog. */
static void err_line(struct passt *p, const char *line)
{
	if (!*line || !strncmp(line, "Failed to send ", 15))
		return;
	pr_debug("passt: %s", line);
	snprintf(p->err_line, sizeof(p->err_line), "%s", line);
}

/* Read what passt wrote on stderr, line by line: bytes read, 0 at its end, -1 if none wait. */
static ssize_t read_stderr(struct passt *p)
{
	char buf[1024], *start, *nl;
	ssize_t n;

	n = read(p->err_fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n;
	buf[n] = '\0';
	for (start = buf; (nl = strchr(start, '\n')); start = nl + 1) {
		*nl = '\0';
		err_line(p, start);
	}
	err_line(p, start);
	return n;
}

static void stderr_ready(void *arg, uint32_t events)
{
	struct passt *p = arg;
	ssize_t n = read_stderr(p);

	(void)events;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		event_watch_remove(p->err_watch);
		p->err_watch = NULL;
	}
}

/* --- the event loop's thread: the socket ------------------------------------ */

static void set_sock_events(struct passt *p, uint32_t events)
{
	if (p->sock_watch && events != p->sock_events && !event_watch_modify(p->sock_watch, events))
		p->sock_events = events;
}

static void set_tx_blocked(struct passt *p, bool blocked);

/* The link is gone: what is packed is dropped, and what the guest sends from now on. */
static void stream_dead(struct passt *p, const char *why)
{
	if (p->dead)
		return;
	p->dead = true;
	pr_err("--net passt: %s: the guest's network is gone", why);
	event_watch_remove(p->sock_watch);
	p->sock_watch = NULL;
	p->out_off = p->out_len = 0;
	set_tx_blocked(p, false);
}

/* Split p->in into frames for the guest; false when the queue to it is full. */
static bool split_frames(struct passt *p)
{
	size_t off = 0;
	bool room = true;

	for (;;) {
		const uint8_t *data;
		uint32_t len;
		struct frame *f;
		int r = passt_next_frame(p->in + off, p->in_len - off, &data, &len);

		if (r < 0) {
			stream_dead(p, "passt sent a frame length out of range");
			return true;
		}
		if (r == 0)
			break;
		f = frame_new(len);
		if (!f)
			break;
		memcpy(f->data, data, len);
		if (frame_queue_try_push(&p->rxq, f)) {
			free(f);
			room = false;
			break;
		}
		off += PASST_LEN_SIZE + len;
	}
	memmove(p->in, p->in + off, p->in_len - off);
	p->in_len -= off;
	return room;
}

static void read_frames(struct passt *p)
{
	while (!p->dead && !p->rx_stalled) {
		ssize_t n = read(p->sock, p->in + p->in_len, PASST_BUF - p->in_len);

		if (n == 0) {
			stream_dead(p, "passt closed its socket");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				stream_dead(p, strerror(errno));
			return;
		}
		p->in_len += (size_t)n;
		if (!split_frames(p)) {
			/* The guest is behind: read again when the NIC has made room. */
			p->rx_stalled = true;
			set_sock_events(p, p->sock_events & ~(uint32_t)EPOLLIN);
			return;
		}
	}
}

/* Pack waiting frames behind their lengths into p->out, as many as fit. */
static void pack_frames(struct passt *p)
{
	for (;;) {
		struct frame *f = p->held ? p->held : frame_queue_pop(&p->txq, NULL);

		p->held = NULL;
		if (!f)
			return;
		if (p->dead) {
			p->tx_dropped++;
			free(f);
			continue;
		}
		if (p->out_len + PASST_LEN_SIZE + f->len > PASST_BUF) {
			p->held = f;
			return;
		}
		passt_put_len(p->out + p->out_len, (uint32_t)f->len);
		memcpy(p->out + p->out_len + PASST_LEN_SIZE, f->data, f->len);
		p->out_len += PASST_LEN_SIZE + f->len;
		free(f);
	}
}

/* Frames from the guest wait in txq while the socket is full: stop watching them. */
static void set_tx_blocked(struct passt *p, bool blocked)
{
	if (p->tx_blocked == blocked)
		return;
	p->tx_blocked = blocked;
	set_sock_events(p, blocked ? p->sock_events | EPOLLOUT
				   : p->sock_events & ~(uint32_t)EPOLLOUT);
	event_watch_modify(p->tx_watch, blocked ? 0 : EPOLLIN);
}

/* Write what is packed, and pack more while the socket takes it all. */
static void write_frames(struct passt *p)
{
	for (;;) {
		ssize_t n;

		if (p->out_off == p->out_len) {
			p->out_off = p->out_len = 0;
			pack_frames(p);
			if (!p->out_len || p->dead)
				break;
		}
		n = send(p->sock, p->out + p->out_off, p->out_len - p->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			set_tx_blocked(p, true);
			return;
		}
		if (n < 0) {
			stream_dead(p, strerror(errno));
			continue;	/* packing drops the rest */
		}
		p->out_off += (size_t)n;
	}
	set_tx_blocked(p, false);
}

static void sock_ready(void *arg, uint32_t events)
{
	struct passt *p = arg;

	/*
	 * A hang-up is reported even while reading waits for room: stop
	 * watching, rx_resume reads the rest (then finds the end).
	 */
	if (events & (EPOLLHUP | EPOLLERR) && p->rx_stalled) {
		event_watch_remove(p->sock_watch);
		p->sock_watch = NULL;
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_frames(p);
	if (!p->dead && events & EPOLLOUT)
		write_frames(p);
}

/* Frames from the guest, queued by the NIC's thread. */
static void tx_ready(void *arg, uint32_t events)
{
	(void)events;
	write_frames(arg);
}

/* The NIC made room in the queue to the guest: frames still read, then the socket. */
static void rx_resume(void *arg)
{
	struct passt *p = arg;

	if (p->dead || !split_frames(p))
		return;
	p->rx_stalled = false;
	set_sock_events(p, p->sock_events | EPOLLIN);
	read_frames(p);
}

/* --- the NIC's side (its queue thread) ------------------------------------- */

static ssize_t passt_tx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	(void)q;
	return frame_queue_push_iov(&to_passt(be)->txq, iov, n);
}

static ssize_t passt_rx(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n)
{
	struct passt *p = to_passt(be);
	bool resume;
	ssize_t r = frame_queue_pop_iov(&p->rxq, iov, n, &resume);

	(void)q;
	if (resume)
		event_loop_defer(p->loop, rx_resume, p);
	return r;
}

static int passt_set_offload(struct net_backend *be, unsigned offloads)
{
	(void)be;
	return offloads ? -1 : 0;
}

/* --- starting and stopping passt -------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* passt is gone (reaped), or still runs after @ms; its status in *@status. */
static bool reaped(pid_t pid, long ms, int *status)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		if (now_ms() >= end)
			return false;
		sleep_ms(PASST_POLL_MS);
	}
}

static void stop_passt(struct passt *p)
{
	int status;

	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	if (!reaped(p->pid, PASST_STOP_MS, &status)) {
		kill(p->pid, SIGKILL);
		reaped(p->pid, PASST_STOP_MS, &status);
	}
	p->pid = -1;
}

/* "-t ADDR/HOSTPORT:GUESTPORT" for each forward of @udp's kind, or "-u none". */
static unsigned add_forwards(const struct net_options *o, bool udp, const char **argv,
			     unsigned argc, char specs[][48])
{
	unsigned i, n = 0;

	for (i = 0; i < o->nr_fwds; i++) {
		const struct net_fwd *f = &o->fwd[i];
		char host[INET_ADDRSTRLEN];

		if (f->udp != udp)
			continue;
		inet_ntop(AF_INET, &f->host, host, sizeof(host));
		snprintf(specs[i], sizeof(specs[i]), "%s/%u:%u", host, f->host_port,
			 f->guest_port);
		argv[argc++] = udp ? "-u" : "-t";
		argv[argc++] = specs[i];
		n++;
	}
	/* Else passt forwards UDP on the TCP forwards' ports too (passt(1), -u). */
	if (udp && !n) {
		argv[argc++] = "-u";
		argv[argc++] = "none";
	}
	return argc;
}

static int spawn_passt(struct passt *p, const struct net_options *o, struct error *err)
{
	char specs[NET_MAX_FWDS][48];
	const char *argv[PASST_MAX_ARGS];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	unsigned argc = 0;
	int pipe_fd[2], r;

	argv[argc++] = "passt";
	argv[argc++] = "--foreground";
	argv[argc++] = "--quiet";
	argv[argc++] = "--one-off";
	argv[argc++] = "--socket";
	argv[argc++] = p->path;
	argc = add_forwards(o, false, argv, argc, specs);
	argc = add_forwards(o, true, argv, argc, specs);
	argv[argc] = NULL;

	if (pipe2(pipe_fd, O_CLOEXEC))
		return error_set(err, errno, "--net passt: pipe: %s", strerror(errno));
	/*
	 * The stop signals are blocked in vessel (its console takes them through
	 * a signalfd): passt gets them back, in a process group of its own, so a
	 * ^C reaches vessel, which then stops passt itself.
	 */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipe_fd[1], STDERR_FILENO);
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);	/* nothing of vessel's */
	r = posix_spawnp(&p->pid, "passt", &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipe_fd[1]);
	if (r) {
		close(pipe_fd[0]);
		p->pid = -1;
		if (r == ENOENT)
			return error_set(err, r, "--net passt: no passt program on PATH: install "
					 "passt (Debian: apt-get install passt)");
		return error_set(err, r, "--net passt: cannot start passt: %s", strerror(r));
	}
	p->err_fd = pipe_fd[0];
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The listener behind @fd is our passt, not something else on that path. */
static bool peer_is(int fd, pid_t pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) && cred.pid == pid;
}

/* passt left before it listened: why, from its last line on stderr. */
static int exited(struct passt *p, int status, struct error *err)
{
	p->pid = -1;
	while (read_stderr(p) > 0)
		;
	if (WIFEXITED(status))
		return error_set(err, EIO, "--net passt: passt exited with status %d%s%s",
				 WEXITSTATUS(status), *p->err_line ? ": " : "", p->err_line);
	return error_set(err, EIO, "--net passt: passt was killed by signal %d",
			 WTERMSIG(status));
}

/* Connect to the passt just started once it listens; its path is removed then. */
static int wait_passt(struct passt *p, struct error *err)
{
	int64_t end = now_ms() + PASST_START_MS;
	int status;

	for (;;) {
		p->sock = connect_unix(p->path);
		if (p->sock >= 0)
			break;
		if (errno != ENOENT && errno != ECONNREFUSED)
			return error_set(err, errno, "--net passt: cannot connect to %s: %s",
					 p->path, strerror(errno));
		if (waitpid(p->pid, &status, WNOHANG) == p->pid)
			return exited(p, status, err);
		if (now_ms() >= end)
			return error_set(err, ETIMEDOUT, "--net passt: passt did not listen on %s "
					 "within %d s", p->path, PASST_START_MS / 1000);
		sleep_ms(PASST_POLL_MS);
	}
	if (!peer_is(p->sock, p->pid))
		return error_set(err, EACCES, "--net passt: %s is not the socket of the passt "
				 "vessel started", p->path);
	unlink(p->path);
	p->path[0] = '\0';
	return 0;
}

static int start_passt(struct passt *p, const struct net_options *o, struct error *err)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)now_ms();
	snprintf(p->path, sizeof(p->path), "/tmp/vessel-passt-%d-%08x.socket", (int)getpid(),
		 r);
	if (spawn_passt(p, o, err) || wait_passt(p, err))
		return -1;
	return 0;
}

static int connect_given(struct passt *p, const char *path, struct error *err)
{
	p->sock = connect_unix(path);
	if (p->sock < 0)
		return error_set(err, errno, "--net passt,socket=%s: cannot connect: %s", path,
				 strerror(errno));
	return 0;
}

/* --- open and close ---------------------------------------------------------- */

static void passt_free(struct passt *p)
{
	event_loop_destroy(p->loop);	/* joins its thread, frees the watches */
	if (p->sock >= 0)
		close(p->sock);		/* passt --one-off leaves with its client */
	stop_passt(p);
	if (p->path[0])
		unlink(p->path);
	if (p->err_fd >= 0)
		close(p->err_fd);
	if (p->rxq.dropped || p->tx_dropped)
		pr_debug("--net %s: %llu frames from the guest dropped (no link), %llu to it",
			 p->be.name, (unsigned long long)p->tx_dropped,
			 (unsigned long long)p->rxq.dropped);
	free(p->held);
	frame_queue_destroy(&p->rxq);
	frame_queue_destroy(&p->txq);
	free(p->in);
	free(p->out);
	free(p);
}

static void passt_close(struct net_backend *be)
{
	passt_free(to_passt(be));
}

static const struct net_backend_ops passt_ops = {
	.tx = passt_tx,
	.rx = passt_rx,
	.set_offload = passt_set_offload,
	.close = passt_close,
};

static int start_loop(struct passt *p, struct error *err)
{
	fcntl(p->sock, F_SETFL, O_NONBLOCK);
	p->loop = event_loop_create();
	if (!p->loop)
		return error_set(err, errno, "--net passt: cannot create its event loop");
	p->sock_events = EPOLLIN;
	p->sock_watch = event_loop_add_fd(p->loop, p->sock, p->sock_events, sock_ready, p);
	p->tx_watch = event_loop_add_fd(p->loop, p->txq.fd, EPOLLIN, tx_ready, p);
	if (p->err_fd >= 0)
		p->err_watch = event_loop_add_fd(p->loop, p->err_fd, EPOLLIN, stderr_ready, p);
	if (!p->sock_watch || !p->tx_watch || (p->err_fd >= 0 && !p->err_watch))
		return error_set(err, errno, "--net passt: cannot watch its socket");
	if (event_loop_start_thread(p->loop, "vessel-passt"))
		return error_set(err, errno, "--net passt: cannot start its thread");
	return 0;
}

struct net_backend *passt_open(const struct net_options *o, struct error *err)
{
	struct passt *p = calloc(1, sizeof(*p));

	if (!p) {
		error_set(err, ENOMEM, "--net passt: out of memory");
		return NULL;
	}
	p->sock = p->err_fd = p->rxq.fd = p->txq.fd = -1;
	p->pid = -1;
	p->be.ops = &passt_ops;
	p->be.nr_queues = 1;
	snprintf(p->be.name, sizeof(p->be.name), "passt");
	p->in = malloc(PASST_BUF);
	p->out = malloc(PASST_BUF);
	if (!p->in || !p->out) {
		error_set(err, ENOMEM, "--net passt: out of memory");
		goto err_free;
	}
	if (frame_queue_init(&p->rxq) || frame_queue_init(&p->txq)) {
		error_set(err, errno, "--net passt: eventfd: %s", strerror(errno));
		goto err_free;
	}
	p->be.rx_fd[0] = p->rxq.fd;
	if (o->socket ? connect_given(p, o->socket, err) : start_passt(p, o, err))
		goto err_free;
	if (start_loop(p, err))
		goto err_free;
	pr_debug("--net %s: %s, %u forward(s)", o->spec, o->socket ? o->socket : "passt started",
		 o->nr_fwds);
	return &p->be;

err_free:
	passt_free(p);
	return NULL;
}
