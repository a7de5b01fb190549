/* Where a migration goes or comes from: unix:PATH or tcp:HOST:PORT. */
#ifndef VESSEL_API_MIGRATE_URI_H
#define VESSEL_API_MIGRATE_URI_H

#include "core/error.h"

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

enum mig_transport { MIG_UNIX, MIG_TCP };

struct mig_uri {
	enum mig_transport kind;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char host[256];
	char port[8];
};

/* -1 with @err naming what is wrong with @s. */
int mig_uri_parse(const char *s, struct mig_uri *u, struct error *err);
/* A connection to a destination, made in two steps so that no step blocks the caller's thread. */
struct mig_connect {
	int fd;				/* -1: none (yet) */
	bool connected;
	bool resolve;			/* a host name, for mig_uri_connect_finish to resolve */
	struct sockaddr_storage sa;	/* where the socket connects */
	socklen_t len;
};

/*
 * Begin connecting to @u without blocking: what fails at once (no such
 * path, refused, a bad address) is -1 with @err; otherwise @c is under way.
 */
int mig_uri_connect_start(const struct mig_uri *u, struct mig_connect *c, struct error *err);
/*
 * End @c: a connected stream socket (blocking, close-on-exec), or -1 with
 * @err: ETIMEDOUT after @timeout_ms, ECANCELED once @cancel_fd is readable,
 * or the connect's own error. A host name is resolved here, which blocks.
 */
int mig_uri_connect_finish(const struct mig_uri *u, struct mig_connect *c, int cancel_fd,
			   unsigned timeout_ms, struct error *err);
/* Close what @c holds (after a failed start needs nothing). */
void mig_connect_abandon(struct mig_connect *c);
/* A listening socket: a unix path in use or present is refused, a busy port too. */
int mig_uri_listen(const struct mig_uri *u, struct error *err);
/* Set both directions' timeouts (0: none). */
void mig_socket_timeout(int fd, unsigned seconds);

#endif
