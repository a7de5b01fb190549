#include "machine/console.h"
#include "core/log.h"
#include "core/vm.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define ESCAPE_KEY	0x01	/* Ctrl-A, then 'x' quits, as in QEMU */

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

int console_init(struct console *c)
{
	sigset_t set;

	memset(c, 0, sizeof(*c));
	c->stdin_open = true;
	c->in_watch_fd = -1;
	signal(SIGPIPE, SIG_IGN);
	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	c->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->sigfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		return -1;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c->saved) == 0) {
		struct termios raw = c->saved;

		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			c->raw = true;
	}
	return 0;
}

void console_restore(struct console *c)
{
	event_watch_remove(c->in_watch);
	event_watch_remove(c->sig_watch);
	c->in_watch = c->sig_watch = NULL;
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	c->raw = false;
	if (c->sigfd >= 0)
		close(c->sigfd);
	c->sigfd = -1;
}

static void quit(struct console *c, int sig)
{
	if (!c->signal)
		c->signal = sig;
	vm_request_exit(c->vm, VM_EXIT_SIGNAL);
}

/* Feed host input to the guest, handling the escape sequence; -1 asks to quit. */
static int feed(struct console *c, const uint8_t *buf, size_t n)
{
	const struct console_input *in = &c->in;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t b = buf[i];

		if (c->raw && c->escape) {
			c->escape = false;
			if (b == 'x')
				return -1;
			if (b != ESCAPE_KEY)
				in->receive(in->opaque, (const uint8_t[]){ ESCAPE_KEY }, 1);
		} else if (c->raw && b == ESCAPE_KEY) {
			c->escape = true;
			continue;
		}
		in->receive(in->opaque, &b, 1);
	}
	return 0;
}

/* One read of what the guest has room for; false once there is nothing more to read now. */
static bool read_stdin(struct console *c)
{
	uint8_t buf[256];
	size_t room = c->in.room(c->in.opaque);
	ssize_t n;

	if (room == 0)
		return false;
	n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0) {
		c->stdin_open = false;
		return false;
	}
	if (feed(c, buf, (size_t)n) < 0) {
		quit(c, SIGINT);
		return false;
	}
	return true;
}

static void input_ready(void *arg, uint32_t events);

/* Wait on stdin while the guest has room for input, else on its room fd. */
static void watch_input(struct console *c)
{
	int fd = -1;

	if (c->stdin_open && c->stdin_file)
		while (read_stdin(c))
			;
	if (c->stdin_open)
		fd = c->in.room(c->in.opaque) > 0 && !c->stdin_file ? STDIN_FILENO :
								      c->in.room_fd(c->in.opaque);
	if (fd == c->in_watch_fd)
		return;
	event_watch_remove(c->in_watch);
	c->in_watch = NULL;
	c->in_watch_fd = fd;
	if (fd < 0)
		return;
	c->in_watch = event_loop_add_fd(c->loop, fd, EPOLLIN, input_ready, c);
	if (c->in_watch)
		return;
	if (fd == STDIN_FILENO && errno == EPERM) {
		c->stdin_file = true;
		c->in_watch_fd = -1;
		watch_input(c);
		return;
	}
	pr_warn("cannot wait for console input: %s", strerror(errno));
	c->stdin_open = false;
}

static void input_ready(void *arg, uint32_t events)
{
	struct console *c = arg;
	uint64_t cnt;

	(void)events;
	if (c->in_watch_fd == STDIN_FILENO)
		read_stdin(c);
	else if (read(c->in_watch_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		pr_debug("console room eventfd: %s", strerror(errno));
	watch_input(c);
}

static void signal_ready(void *arg, uint32_t events)
{
	struct console *c = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(c->sigfd, &si, sizeof(si)) == sizeof(si))
		quit(c, (int)si.ssi_signo);
}

int console_attach(struct console *c, struct event_loop *loop, struct vm *vm,
		   const struct console_input *in)
{
	c->loop = loop;
	c->vm = vm;
	c->in = *in;
	c->sig_watch = event_loop_add_fd(loop, c->sigfd, EPOLLIN, signal_ready, c);
	if (!c->sig_watch) {
		pr_err("cannot wait for signals: %s", strerror(errno));
		return -1;
	}
	watch_input(c);
	return 0;
}
