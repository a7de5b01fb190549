#include "oci/terminal.h"
#include "core/log.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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

int terminal_setup(int sock, unsigned short rows, unsigned short cols)
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

void terminal_proxy(int master)
{
	struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
			       { .fd = master, .events = POLLIN } };
	struct termios saved, raw;
	struct winsize ws;
	bool is_tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved);

	if (is_tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		if (!ioctl(STDIN_FILENO, TIOCGWINSZ, &ws))
			ioctl(master, TIOCSWINSZ, &ws);
	}
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents && !pump(master, STDOUT_FILENO))
			break;	/* EIO: the container's side is closed */
		if (p[0].revents && !pump(STDIN_FILENO, master))
			p[0].fd = -1;	/* our input ended: keep showing output */
	}
	if (is_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}
