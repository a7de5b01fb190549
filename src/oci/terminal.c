#include "oci/terminal.h"
#include "core/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int console_socket_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		pr_err("--console-socket %s: path too long", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		pr_err("--console-socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_fd(int sock, int fd)
{
	char name[] = "/dev/ptmx";
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { name, sizeof(name) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

/* /dev/console is the container's pty (config-linux.md, "/dev/console"). */
static int bind_console(int master)
{
	char pts[32];
	unsigned n;
	int fd;

	if (ioctl(master, TIOCGPTN, &n))
		return -1;
	snprintf(pts, sizeof(pts), "/dev/pts/%u", n);
	fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	if (mount(pts, "/dev/console", NULL, MS_BIND, NULL)) {
		pr_err("terminal: binding %s on /dev/console: %s", pts, strerror(errno));
		return -1;
	}
	return 0;
}

int terminal_setup(int sock, unsigned short rows, unsigned short cols, uid_t uid, gid_t gid,
		   bool console)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	int master, slave, unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0) {
		pr_err("terminal: /dev/ptmx: %s (the container needs a devpts mount)",
		       strerror(errno));
		return -1;
	}
	if (ioctl(master, TIOCSPTLCK, &unlock) ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0) {
		pr_err("terminal: %s", strerror(errno));
		close(master);
		return -1;
	}
	if ((rows || cols) && ioctl(slave, TIOCSWINSZ, &ws))
		pr_warn("terminal: window size: %s", strerror(errno));
	/* The process's own terminal: it may reopen it (/dev/tty) as its user. */
	if (fchown(slave, uid, gid))
		pr_warn("terminal: giving the pty to %u:%u: %s", uid, gid, strerror(errno));
	if (console && bind_console(master))
		goto err;
	if (send_fd(sock, master)) {
		pr_err("terminal: sending the pty over the console socket: %s", strerror(errno));
		goto err;
	}
	close(master);
	close(sock);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) ||
	    dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) {
		pr_err("terminal: making the pty the controlling terminal: %s", strerror(errno));
		close(slave);
		return -1;
	}
	if (slave > 2)
		close(slave);
	return 0;
err:
	close(master);
	close(slave);
	return -1;
}

int terminal_recv_master(int sock)
{
	char buf[64], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Copy what @from has to @to; 0 at end of input. */
static int pump(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf)), off = 0;

	if (n <= 0)
		return n < 0 && errno == EINTR ? 1 : 0;
	while (off < n) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0 && errno != EINTR)
			return 0;
		off += w > 0 ? w : 0;
	}
	return 1;
}

/* A signal `run` blocked: a new window size goes to the pty, the others to the process. */
static void pass_signal(int sfd, int master, pid_t pid)
{
	struct signalfd_siginfo si;
	struct winsize ws;

	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD)
		return;
	if (si.ssi_signo == SIGWINCH) {
		if (!ioctl(STDIN_FILENO, TIOCGWINSZ, &ws))
			ioctl(master, TIOCSWINSZ, &ws);
		return;
	}
	kill(pid, (int)si.ssi_signo);
}

void terminal_proxy(int master, pid_t pid)
{
	struct pollfd p[3] = { { .fd = STDIN_FILENO, .events = POLLIN },
			       { .fd = master, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
	struct termios saved, raw;
	struct winsize ws;
	bool is_tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved);
	sigset_t blocked;

	sigprocmask(SIG_BLOCK, NULL, &blocked);
	p[2].fd = signalfd(-1, &blocked, SFD_CLOEXEC);

	if (is_tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		if (!ioctl(STDIN_FILENO, TIOCGWINSZ, &ws))
			ioctl(master, TIOCSWINSZ, &ws);
	}
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents && !pump(master, STDOUT_FILENO))
			break;	/* EIO: the container's side is closed */
		if (p[0].revents && !pump(STDIN_FILENO, master))
			p[0].fd = -1;	/* our input ended: keep showing output */
		if (p[2].revents)
			pass_signal(p[2].fd, master, pid);
	}
	if (p[2].fd >= 0)
		close(p[2].fd);
	if (is_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}
