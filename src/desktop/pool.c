/*
 * The pool's desktops: one `vessel run` child each (a crash takes only its own
 * desktop down; a restart is a new child), watched through pidfds in the
 * listener's own poll loop, with SIGINT and SIGTERM through a signalfd there.
 */
#include "desktop/pool_internal.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE_US	(50 * LWS_US_PER_MS)	/* how often a starting desktop is looked at */
#define KILL_AFTER_US	(10 * LWS_US_PER_SEC)	/* SIGTERM, then SIGKILL this much later */

uint64_t pool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *desktop_state_name(enum desktop_state s)
{
	static const char *const names[] = {
		[DESKTOP_STARTING] = "starting",
		[DESKTOP_RUNNING] = "running",
		[DESKTOP_STOPPED] = "stopped",
	};

	return names[s];
}

struct desktop *pool_find(struct pool *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->count; i++)
		if (!strcmp(p->desktops[i].name, name))
			return &p->desktops[i];
	return NULL;
}

static void say_all_ready(struct pool *p)
{
	unsigned i;

	if (p->all_ready_said)
		return;
	for (i = 0; i < p->count; i++)
		if (p->desktops[i].state != DESKTOP_RUNNING)
			return;
	p->all_ready_said = true;
	pr_info("desktop: %u desktops running, %.2f s after the pool started", p->count,
		(double)(pool_now_ns() - p->started_ns) / 1e9);
}

/* Running once the child's VNC server made its socket. */
static void probe(lws_sorted_usec_list_t *sul)
{
	struct desktop *d = lws_container_of(sul, struct desktop, probe);
	struct stat st;

	if (d->state != DESKTOP_STARTING)
		return;
	if (stat(d->vnc_path, &st) || !S_ISSOCK(st.st_mode)) {
		lws_sul_schedule(d->pool->ctx, 0, &d->probe, probe, PROBE_US);
		return;
	}
	d->state = DESKTOP_RUNNING;
	d->ready_s = (double)(pool_now_ns() - d->spawned_ns) / 1e9;
	say_all_ready(d->pool);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn)) child(const struct desktop *d, pid_t parent, int log_fd,
					    int null_fd)
{
	sigset_t none;

	setpgid(0, 0);			/* a Ctrl-C at the pool's terminal is the pool's */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	syscall(SYS_close_range, 3u, ~0u, 0u);
	execv(d->pool->self, d->argv);
	_exit(127);
}

static int watch_child(struct desktop *d, struct error *err)
{
	lws_adopt_desc_t info = { 0 };
	int pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);

	if (pidfd < 0)
		return error_set(err, errno, "pidfd_open: %s", strerror(errno));
	info.vh = d->pool->vhost;
	info.type = LWS_ADOPT_RAW_FILE_DESC;
	info.fd.filefd = pidfd;
	info.vh_prot_name = POOL_PROTO_CHILD;
	info.opaque = d;
	if (!lws_adopt_descriptor_vhost_via_info(&info))
		return error_set(err, EIO, "cannot watch the child in the listener's loop");
	return 0;
}

int desktop_start(struct desktop *d, struct error *err)
{
	int log_fd, null_fd;
	pid_t parent = getpid();

	if (d->state != DESKTOP_STOPPED || d->pool->stopping)
		return 0;
	log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log_fd < 0)
		return error_set(err, errno, "%s: %s", d->log_path, strerror(errno));
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0) {
		error_set(err, errno, "/dev/null: %s", strerror(errno));
		goto err_log;
	}
	unlink(d->vnc_path);
	d->spawned_ns = pool_now_ns();
	d->pid = fork();
	if (d->pid < 0) {
		error_set(err, errno, "fork: %s", strerror(errno));
		goto err_null;
	}
	if (!d->pid)
		child(d, parent, log_fd, null_fd);
	close(null_fd);
	close(log_fd);
	d->pool->nr_alive++;
	d->starts++;
	d->state = DESKTOP_STARTING;
	if (watch_child(d, err)) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pool->nr_alive--;
		d->state = DESKTOP_STOPPED;
		return error_prefix(err, "desktop %s: ", d->name);
	}
	lws_sul_schedule(d->pool->ctx, 0, &d->probe, probe, PROBE_US);
	return 0;

err_null:
	close(null_fd);
err_log:
	close(log_fd);
	return error_prefix(err, "desktop %s: ", d->name);
}

static int exit_status(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void reaped(struct desktop *d, int ws)
{
	struct pool *p = d->pool;

	lws_sul_cancel(&d->probe);
	d->status = exit_status(ws);
	d->state = DESKTOP_STOPPED;
	d->pid = 0;
	p->nr_alive--;
	/* A child killed before its VNC server cleaned up leaves the socket file. */
	unlink(d->vnc_path);
	if (!p->stopping)
		pr_info("desktop %s: stopped, exit status %d (log: %s)", d->name, d->status,
			d->log_path);
	if (p->stopping && !p->nr_alive) {
		lws_sul_cancel(&p->kill_timer);
		lws_cancel_service(p->ctx);
	}
}

int pool_child_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			size_t len)
{
	struct desktop *d = lws_get_opaque_user_data(wsi);
	int ws;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		/* A pidfd polls readable once its process has exited. */
		if (waitpid(d->pid, &ws, WNOHANG) != d->pid)
			return 0;
		reaped(d, ws);
		return -1;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static void kill_all(struct pool *p, int sig)
{
	unsigned i;

	for (i = 0; i < p->count; i++)
		if (p->desktops[i].state != DESKTOP_STOPPED)
			kill(p->desktops[i].pid, sig);
}

static void kill_late(lws_sorted_usec_list_t *sul)
{
	struct pool *p = lws_container_of(sul, struct pool, kill_timer);

	pr_warn("desktop: %u desktops still running %d s after SIGTERM: SIGKILL", p->nr_alive,
		(int)(KILL_AFTER_US / LWS_US_PER_SEC));
	kill_all(p, SIGKILL);
}

static void stop(struct pool *p, int sig)
{
	if (p->stopping)
		return;
	pr_info("desktop: %s: stopping %u desktops", strsignal(sig), p->nr_alive);
	p->stopping = true;
	kill_all(p, SIGTERM);
	lws_sul_schedule(p->ctx, 0, &p->kill_timer, kill_late, KILL_AFTER_US);
	lws_cancel_service(p->ctx);
}

int pool_signal_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct pool *p = lws_context_user(lws_get_context(wsi));
	struct signalfd_siginfo si;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (read(lws_get_socket_fd(wsi), &si, sizeof(si)) == (ssize_t)sizeof(si))
			stop(p, (int)si.ssi_signo);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

int pool_watch_signals(struct pool *p, sigset_t *set, struct error *err)
{
	lws_adopt_desc_t info = { 0 };
	int fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);

	if (fd < 0)
		return error_set(err, errno, "signalfd: %s", strerror(errno));
	info.vh = p->vhost;
	info.type = LWS_ADOPT_RAW_FILE_DESC;
	info.fd.filefd = fd;
	info.vh_prot_name = POOL_PROTO_SIGNAL;
	if (!lws_adopt_descriptor_vhost_via_info(&info))
		return error_set(err, EIO, "cannot watch signals in the listener's loop");
	return 0;
}
