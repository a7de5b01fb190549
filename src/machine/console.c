#include "machine/console.h"
#include "core/log.h"
#include "core/vm.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
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
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	c->raw = false;
	if (c->sigfd >= 0)
		close(c->sigfd);
	c->sigfd = -1;
}

/* Feed host input to the guest, handling the escape sequence; -1 asks to quit. */
static int feed(struct console *c, const struct console_input *in, const uint8_t *buf, size_t n)
{
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

static int read_stdin(struct console *c, const struct console_input *in)
{
	uint8_t buf[256];
	size_t room = in->room(in->opaque);
	ssize_t n;

	if (room == 0)
		return 0;
	n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		c->stdin_open = false;
		return 0;
	}
	return feed(c, in, buf, (size_t)n);
}

int console_loop(struct console *c, struct vm *vm, const struct console_input *in)
{
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = vm->exit_efd, .events = POLLIN },
			{ .fd = c->sigfd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		bool want_stdin = c->stdin_open && in->room(in->opaque) > 0;
		struct signalfd_siginfo si;
		uint64_t cnt;

		if (c->stdin_open)
			fds[2].fd = want_stdin ? STDIN_FILENO : in->room_fd(in->opaque);
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s", strerror(errno));
			vm_request_exit(vm, VM_EXIT_ERROR);
			return 0;
		}
		if (fds[0].revents)
			return 0;
		if (fds[1].revents && read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
			vm_request_exit(vm, VM_EXIT_SIGNAL);
			return (int)si.ssi_signo;
		}
		if (!fds[2].revents)
			continue;
		if (!want_stdin) {
			if (read(fds[2].fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
				pr_debug("console room eventfd: %s", strerror(errno));
			continue;
		}
		if (read_stdin(c, in) < 0) {
			vm_request_exit(vm, VM_EXIT_SIGNAL);
			return SIGINT;
		}
	}
}
