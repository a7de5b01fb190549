/* Where a migration goes or comes from: unix:PATH or tcp:HOST:PORT. */
#ifndef VESSEL_API_MIGRATE_URI_H
#define VESSEL_API_MIGRATE_URI_H

#include "core/error.h"

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
/* A connected stream socket (blocking, close-on-exec), or -1. */
int mig_uri_connect(const struct mig_uri *u, struct error *err);
/* A listening socket: a unix path in use or present is refused, a busy port too. */
int mig_uri_listen(const struct mig_uri *u, struct error *err);
/* Set both directions' timeouts (0: none). */
void mig_socket_timeout(int fd, unsigned seconds);

#endif
