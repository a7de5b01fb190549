/* Connections held until their first bytes (or their silence) say what they are. */
#include "desktop/vnc_conn.h"

#include <sys/socket.h>
#include <unistd.h>

/* A browser's request header, from its first byte to its blank line. */
#define REQUEST_WAIT_NS		1000000000ull

void vnc_conns_init(struct vnc_conns *c, uint64_t grace_ns)
{
	c->nr = 0;
	c->grace_ns = grace_ns;
}

bool vnc_conns_add(struct vnc_conns *c, int fd, uint64_t now)
{
	if (c->nr == VNC_MAX_PENDING)
		return false;
	c->p[c->nr++] = (struct vnc_pending){ fd, now + c->grace_ns };
	return true;
}

/* What @p is now: INCOMPLETE while it should be waited for. */
static enum vnc_conn_kind probe(struct vnc_pending *p, uint64_t now)
{
	char buf[4096];
	ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	enum vnc_conn_kind k;

	if (n == 0)
		return VNC_CONN_BAD;	/* gone before a word */
	if (n < 0)
		return now >= p->deadline ? VNC_CONN_RFB : VNC_CONN_INCOMPLETE;
	k = vnc_conn_classify(buf, (size_t)n);
	if (k != VNC_CONN_INCOMPLETE)
		return k;
	if ((size_t)n == sizeof(buf))
		return VNC_CONN_BAD;	/* a header longer than any page needs */
	if (p->deadline > now + REQUEST_WAIT_NS)
		p->deadline = now + REQUEST_WAIT_NS;
	return now >= p->deadline ? VNC_CONN_BAD : VNC_CONN_INCOMPLETE;
}

void vnc_conns_check(struct vnc_conns *c, uint64_t now, vnc_serve_fn serve, void *opaque)
{
	unsigned i = 0;

	while (i < c->nr) {
		enum vnc_conn_kind k = probe(&c->p[i], now);
		int fd = c->p[i].fd;

		if (k == VNC_CONN_INCOMPLETE) {
			i++;
			continue;
		}
		c->p[i] = c->p[--c->nr];
		if (k == VNC_CONN_BAD)
			close(fd);
		else
			serve(opaque, fd, k);
	}
}

uint64_t vnc_conns_wait_ns(const struct vnc_conns *c, uint64_t now)
{
	uint64_t wait = UINT64_MAX;
	unsigned i;

	for (i = 0; i < c->nr; i++) {
		uint64_t w = c->p[i].deadline > now ? c->p[i].deadline - now : 0;

		if (w < wait)
			wait = w;
	}
	return wait;
}

void vnc_conns_close(struct vnc_conns *c)
{
	while (c->nr)
		close(c->p[--c->nr].fd);
}
