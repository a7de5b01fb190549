/* Listening for viewers, and telling viewers, WebSockets and browsers apart. */
#include "desktop/vnc_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Viewers arrive in bursts (a pool page opened by a class): a unix connect past a full backlog fails at once. */
#define LISTEN_BACKLOG	SOMAXCONN

static int listen_tcp(const struct vnc_options *o, struct error *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port),
				 .sin_addr = o->addr };
	char host[INET_ADDRSTRLEN];
	int one = 1, fd;

	inet_ntop(AF_INET, &o->addr, host, sizeof(host));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set(err, errno, "--vnc: socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, LISTEN_BACKLOG)) {
		int e = errno;

		close(fd);
		if (e == EADDRINUSE)
			return error_set(err, e, "--vnc %s:%u: the port is in use", host, o->port);
		if (e == EADDRNOTAVAIL)
			return error_set(err, e, "--vnc %s:%u: not an address of this host", host,
					 o->port);
		return error_set(err, e, "--vnc %s:%u: %s", host, o->port, strerror(e));
	}
	return fd;
}

/* A socket file nobody listens on (a server that died) may be replaced; anything else not. */
static int clear_stale(const char *path, struct error *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return error_set(err, EEXIST, "--vnc unix:%s: exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, errno, "--vnc: socket: %s", strerror(errno));
	memcpy(a.sun_path, path, strlen(path) + 1);
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	if (r == 0)
		return error_set(err, EADDRINUSE, "--vnc unix:%s: a server is listening there", path);
	unlink(path);
	return 0;
}

static int listen_unix(const struct vnc_options *o, struct error *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (clear_stale(o->path, err))
		return -1;
	memcpy(a.sun_path, o->path, strlen(o->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set(err, errno, "--vnc: socket: %s", strerror(errno));
	/* Only its owner may connect: the socket is the desktop. */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || chmod(o->path, 0600) ||
	    listen(fd, LISTEN_BACKLOG)) {
		int e = errno;

		close(fd);
		unlink(o->path);
		return error_set(err, e, "--vnc unix:%s: %s", o->path, strerror(e));
	}
	return fd;
}

int vnc_listen(const struct vnc_options *o, struct error *err)
{
	return o->kind == VNC_LISTEN_UNIX ? listen_unix(o, err) : listen_tcp(o, err);
}

/* Whether the header in @buf has a line "@name: ...@value..." (both case-insensitive). */
static int has_header(const char *buf, size_t len, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value), i, j;

	for (i = 0; i + n < len; i++) {
		if ((i && buf[i - 1] != '\n') || strncasecmp(buf + i, name, n))
			continue;
		for (j = i + n; j + v <= len && buf[j] != '\n'; j++)
			if (!strncasecmp(buf + j, value, v))
				return 1;
	}
	return 0;
}

static int header_ended(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 3 < len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4))
			return 1;
	return 0;
}

enum vnc_conn_kind vnc_conn_classify(const char *buf, size_t len)
{
	if (!len)
		return VNC_CONN_RFB;
	if (len < 4)
		return memcmp(buf, "GET ", len) ? VNC_CONN_BAD : VNC_CONN_INCOMPLETE;
	if (memcmp(buf, "GET ", 4))
		return VNC_CONN_BAD;
	if (!header_ended(buf, len))
		return VNC_CONN_INCOMPLETE;
	if (has_header(buf, len, "upgrade:", "websocket"))
		return VNC_CONN_WEBSOCKET;
	if (len >= 6 && (buf[5] == ' ' || buf[5] == '?') && buf[4] == '/')
		return VNC_CONN_HTTP_ROOT;
	return VNC_CONN_HTTP_FILE;
}

void vnc_http_redirect(int fd)
{
	/* noVNC connects back to where the page came from; the path is any. */
	static const char reply[] =
		"HTTP/1.1 302 Found\r\n"
		"Location: /vnc.html?autoconnect=true&resize=scale&path=websockify\r\n"
		"Content-Length: 0\r\n"
		"Connection: close\r\n\r\n";
	ssize_t n = send(fd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);

	(void)n;	/* a browser gone already: nothing to tell it */
}
