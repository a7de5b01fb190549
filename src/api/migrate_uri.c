#include "api/migrate_uri.h"
#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* tcp:HOST:PORT, the host maybe [v6]; the port 1-65535. */
static int parse_tcp(const char *s, struct mig_uri *u, const char *uri, struct error *err)
{
	const char *colon = strrchr(s, ':');
	const char *host = s;
	size_t hlen;
	char *end;
	long port;

	if (!colon)
		return error_set(err, EINVAL, "%s: tcp:HOST:PORT expected", uri);
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (!hlen || hlen >= sizeof(u->host))
		return error_set(err, EINVAL, "%s: no host, or a host name too long", uri);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 1 || port > 65535)
		return error_set(err, EINVAL, "%s: the port must be a number from 1 to 65535", uri);
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	snprintf(u->port, sizeof(u->port), "%ld", port);
	u->kind = MIG_TCP;
	return 0;
}

int mig_uri_parse(const char *s, struct mig_uri *u, struct error *err)
{
	memset(u, 0, sizeof(*u));
	if (!strncmp(s, "unix:", 5)) {
		if (!s[5])
			return error_set(err, EINVAL, "%s: unix:PATH expected", s);
		if (strlen(s + 5) >= sizeof(u->path))
			return error_set(err, ENAMETOOLONG, "%s: the path is over %zu bytes", s,
					 sizeof(u->path) - 1);
		strcpy(u->path, s + 5);
		u->kind = MIG_UNIX;
		return 0;
	}
	if (!strncmp(s, "tcp:", 4))
		return parse_tcp(s + 4, u, s, err);
	return error_set(err, EINVAL, "%s: not a migration address (unix:PATH or tcp:HOST:PORT)",
			 s);
}

void mig_socket_timeout(int fd, unsigned seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int unix_socket(const struct mig_uri *u, struct sockaddr_un *sa, struct error *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return error_set(err, errno, "socket: %s", strerror(errno));
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, u->path);
	return fd;
}

static struct addrinfo *resolve(const struct mig_uri *u, bool passive, struct error *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0 };
	struct addrinfo *ai = NULL;
	int r = getaddrinfo(u->host, u->port, &hints, &ai);

	if (r) {
		error_set(err, EHOSTUNREACH, "tcp:%s:%s: %s", u->host, u->port, gai_strerror(r));
		return NULL;
	}
	return ai;
}

/* Bulk data both ways, and small acknowledgements that must not wait for Nagle. */
static void tcp_options(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static const char *uri_text(const struct mig_uri *u, char *buf, size_t size)
{
	if (u->kind == MIG_UNIX)
		snprintf(buf, size, "unix:%s", u->path);
	else
		snprintf(buf, size, "tcp:%s:%s", u->host, u->port);
	return buf;
}

static int connect_failed(struct mig_connect *c, const struct mig_uri *u, int e,
			  struct error *err)
{
	char where[sizeof(u->host) + sizeof(u->path)];

	mig_connect_abandon(c);
	return error_set(err, e, "%s: %s", uri_text(u, where, sizeof(where)), strerror(e));
}

/* A non-blocking socket of @family, its connect to @sa begun: done, under way, or failed. */
static int begin(struct mig_connect *c, int family, const struct sockaddr *sa, socklen_t len)
{
	c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	memcpy(&c->sa, sa, len);
	c->len = len;
	if (!connect(c->fd, sa, len)) {
		c->connected = true;
		return 0;
	}
	/* A unix listener's full backlog is EAGAIN: tried again until the deadline. */
	return errno == EINPROGRESS || errno == EAGAIN ? 0 : -1;
}

int mig_uri_connect_start(const struct mig_uri *u, struct mig_connect *c, struct error *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct addrinfo *ai = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (u->kind == MIG_UNIX) {
		strcpy(sa.sun_path, u->path);
		if (begin(c, AF_UNIX, (struct sockaddr *)&sa, sizeof(sa)))
			return connect_failed(c, u, errno, err);
		return 0;
	}
	/* A name is resolved on the worker (getaddrinfo blocks); an address is tried here. */
	r = getaddrinfo(u->host, u->port, &hints, &ai);
	if (r == EAI_NONAME) {
		c->resolve = true;
		return 0;
	}
	if (r)
		return error_set(err, EHOSTUNREACH, "tcp:%s:%s: %s", u->host, u->port,
				 gai_strerror(r));
	r = begin(c, ai->ai_family, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return r ? connect_failed(c, u, errno, err) : 0;
}

static uint64_t now_ms(void)
{
	return now_ns() / 1000000;
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Wait for @c's socket to connect: 0, or -1 with errno (ETIMEDOUT, ECANCELED, the connect's). */
static int wait_connected(struct mig_connect *c, int cancel_fd, uint64_t deadline)
{
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLOUT }, { .fd = cancel_fd, .events = POLLIN } };
	bool retry = c->sa.ss_family == AF_UNIX;
	socklen_t len = sizeof(int);
	int e = 0, left;

	while (!c->connected) {
		left = remaining_ms(deadline);
		if (!left) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* A unix connect refused for a full backlog cannot be waited on, only repeated. */
		if (poll(retry ? &p[1] : p, retry ? 1 : 2, retry && left > 20 ? 20 : left) < 0 &&
		    errno != EINTR)
			return -1;
		if (p[1].revents) {
			errno = ECANCELED;
			return -1;
		}
		if (retry) {
			if (!connect(c->fd, (struct sockaddr *)&c->sa, c->len) || errno == EISCONN)
				c->connected = true;
			else if (errno != EAGAIN)
				return -1;
			continue;
		}
		if (!p[0].revents)
			continue;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) || e) {
			errno = e ? e : errno;
			return -1;
		}
		c->connected = true;
	}
	return 0;
}

/* The name resolved, each of its addresses tried in turn within the deadline. */
static int resolve_and_wait(const struct mig_uri *u, struct mig_connect *c, int cancel_fd,
			    uint64_t deadline, struct error *err)
{
	struct addrinfo *ai = resolve(u, false, err), *a;
	int e = EHOSTUNREACH;

	if (!ai)
		return -1;
	for (a = ai; a; a = a->ai_next) {
		if (!begin(c, a->ai_family, a->ai_addr, a->ai_addrlen) &&
		    !wait_connected(c, cancel_fd, deadline))
			break;
		e = errno;
		mig_connect_abandon(c);
		if (e == ETIMEDOUT || e == ECANCELED)
			break;
	}
	freeaddrinfo(ai);
	return c->connected ? 0 : connect_failed(c, u, e, err);
}

int mig_uri_connect_finish(const struct mig_uri *u, struct mig_connect *c, int cancel_fd,
			   unsigned timeout_ms, struct error *err)
{
	uint64_t deadline = now_ms() + timeout_ms;
	char where[sizeof(u->host) + sizeof(u->path)];
	int fd;

	if (c->resolve) {
		if (resolve_and_wait(u, c, cancel_fd, deadline, err))
			return -1;
	} else if (wait_connected(c, cancel_fd, deadline)) {
		if (errno != ETIMEDOUT)
			return connect_failed(c, u, errno, err);
		mig_connect_abandon(c);
		return error_set(err, ETIMEDOUT, "%s: the destination did not take the connection "
				 "within %u s", uri_text(u, where, sizeof(where)), timeout_ms / 1000);
	}
	fd = c->fd;
	c->fd = -1;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(fd);
		return error_set(err, errno, "fcntl: %s", strerror(errno));
	}
	if (u->kind == MIG_TCP)
		tcp_options(fd);
	return fd;
}

void mig_connect_abandon(struct mig_connect *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connected = false;
}

static int listen_unix(const struct mig_uri *u, struct error *err)
{
	struct sockaddr_un sa;
	int fd = unix_socket(u, &sa, err), e;

	if (fd < 0)
		return -1;
	/* An existing path is never removed: it may be another VM's, or not a socket at all. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		e = errno;
		close(fd);
		return error_set(err, e, "--incoming unix:%s: %s", u->path,
				 e == EADDRINUSE ? "the path exists (remove it first)" : strerror(e));
	}
	return fd;
}

static int listen_tcp(const struct mig_uri *u, struct error *err)
{
	struct addrinfo *ai = resolve(u, true, err), *a;
	int fd = -1, e = 0, one = 1;

	if (!ai)
		return -1;
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) || listen(fd, 1)) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return error_set(err, e, "--incoming tcp:%s:%s: %s", u->host, u->port,
				 e == EADDRINUSE ? "the port is in use" : strerror(e));
	return fd;
}

int mig_uri_listen(const struct mig_uri *u, struct error *err)
{
	return u->kind == MIG_UNIX ? listen_unix(u, err) : listen_tcp(u, err);
}
