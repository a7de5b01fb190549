#include "api/migrate_uri.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

int mig_uri_connect(const struct mig_uri *u, struct error *err)
{
	struct sockaddr_un sa;
	struct addrinfo *ai, *a;
	int fd, e = 0;

	if (u->kind == MIG_UNIX) {
		fd = unix_socket(u, &sa, err);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			e = errno;
			close(fd);
			return error_set(err, e, "unix:%s: %s", u->path, strerror(e));
		}
		return fd;
	}
	ai = resolve(u, false, err);
	if (!ai)
		return -1;
	for (a = ai, fd = -1; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen)) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return error_set(err, e, "tcp:%s:%s: %s", u->host, u->port, strerror(e));
	tcp_options(fd);
	return fd;
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
