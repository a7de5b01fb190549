/*
 * New connections to the VNC port, held until they show what they are. An
 * RFB viewer says nothing until the server greets it; a browser sends a
 * request, sometimes long after it connected (Chrome opens sockets ahead of
 * the requests it will make): a silent connection is taken for a viewer
 * only once its grace time is over.
 */
#ifndef VESSEL_DESKTOP_VNC_CONN_H
#define VESSEL_DESKTOP_VNC_CONN_H

#include "desktop/vnc_listen.h"

#include <poll.h>
#include <stdint.h>

#define VNC_MAX_PENDING		16

struct vnc_pending {
	int fd;
	uint64_t deadline;	/* ns: silent until then, an RFB viewer */
};

struct vnc_conns {
	struct vnc_pending p[VNC_MAX_PENDING];
	unsigned nr;
	uint64_t grace_ns;	/* how long a new connection may stay silent */
};

typedef void (*vnc_serve_fn)(void *opaque, int fd, enum vnc_conn_kind kind);

void vnc_conns_init(struct vnc_conns *c, uint64_t grace_ns);
/* Hold @fd; false when full (the caller closes it). */
bool vnc_conns_add(struct vnc_conns *c, int fd, uint64_t now);
/* Each connection whose kind is known now goes to @serve, and is no longer held. */
void vnc_conns_check(struct vnc_conns *c, uint64_t now, vnc_serve_fn serve, void *opaque);
/* Nanoseconds until the nearest deadline (UINT64_MAX with none held). */
uint64_t vnc_conns_wait_ns(const struct vnc_conns *c, uint64_t now);
void vnc_conns_close(struct vnc_conns *c);

#endif
