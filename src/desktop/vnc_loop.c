/*
 * The server thread's wait and dispatch, in place of libvncserver's
 * rfbProcessEvents: one poll over the viewers, the listener and the held
 * connections, each viewer's messages read only when its socket is
 * readable, and updates sent as soon as a frame has them, each in one TCP
 * segment, to the viewers whose sockets can take them. rfbProcessEvents
 * selects over all of them first, then tries the listener anyway; on a host
 * where a system call and a wake-up cost much, each of those is a share of
 * every frame.
 */
#include "core/log.h"
#include "desktop/vnc_internal.h"
#include "desktop/vnc_stall.h"

#include <rfb/rfbregion.h>

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* The poll set's room for the listener, the held connections and @viewers viewers. */
static int reserve(struct vnc_loop *l, size_t viewers)
{
	size_t need = 1 + VNC_MAX_PENDING + viewers;
	struct pollfd *p;

	if (need <= l->cap)
		return 0;
	p = realloc(l->fds, need * sizeof(*p));
	if (!p)
		return -1;
	l->fds = p;
	l->cap = need;
	return 0;
}

static size_t count_viewers(const struct vnc_server *s)
{
	rfbClientPtr cl;
	size_t n = 0;

	for (cl = s->screen->clientHead; cl; cl = cl->next)
		n++;
	return n;
}

/* A readable viewer: its messages, and those a WebSocket frame already brought in. */
static void read_viewer(rfbClientPtr cl)
{
	do
		rfbProcessClientMessage(cl);
	while (cl->sock != RFB_INVALID_SOCKET && webSocketsHasDataInBuffer(cl));
}

int vnc_loop_wait(struct vnc_server *s, uint64_t wait_ns)
{
	struct vnc_loop *l = &s->loop;
	rfbClientPtr cl, next;
	size_t n = 0, i, first;
	int r;

	if (reserve(l, count_viewers(s)))
		return -ENOMEM;
	/* Full of held connections, the listener waits (poll skips a negative fd). */
	l->fds[n++] = (struct pollfd){ s->conns.nr < VNC_MAX_PENDING ? s->listen_fd : -1,
				       POLLIN, 0 };
	for (i = 0; i < s->conns.nr; i++)
		l->fds[n++] = (struct pollfd){ s->conns.p[i].fd, POLLIN, 0 };
	first = n;
	for (cl = s->screen->clientHead; cl; cl = cl->next)
		l->fds[n++] = (struct pollfd){ cl->sock, POLLIN, 0 };
	r = poll(l->fds, n, wait_ns == UINT64_MAX ? -1 : (int)((wait_ns + 999999) / 1000000));
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	/* A held connection's deadline may be what ended the wait. */
	if (r == 0)
		return first > 1;
	/* The list is as polled: nothing joined or left in between. */
	for (cl = s->screen->clientHead, i = first; cl; cl = next, i++) {
		next = cl->next;
		if (l->fds[i].revents && cl->sock != RFB_INVALID_SOCKET)
			read_viewer(cl);
	}
	return l->fds[0].revents || first > 1;
}

/* What rfbUpdateClient tests before it sends (deferUpdateTime is 0). */
static bool update_due(rfbClientPtr cl)
{
	return !cl->onHold && FB_UPDATE_PENDING(cl) && !sraRgnEmpty(cl->requestedRegion);
}

static void set_cork(int fd, int on)
{
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

/*
 * The most an update of the viewer's modified region can take on the
 * wire: raw pixels in its format, with room for the headers and for an
 * encoder that does not gain (Tight and ZRLE add little to raw).
 */
static size_t update_bound(rfbClientPtr cl)
{
	sraRegionPtr box = sraRgnBBox(cl->modifiedRegion);
	size_t raw = 0;
	sraRect r;

	if (box && sraRgnPopRect(box, &r, 0))
		raw = (size_t)(r.x2 - r.x1) * (size_t)(r.y2 - r.y1) * (cl->format.bitsPerPixel / 8u);
	if (box)
		sraRgnDestroy(box);
	return raw + raw / 8 + 1024;
}

/* What the viewer's socket holds and takes (vnc_stall.h) decides about its update. */
static enum vnc_stall_verdict judge(rfbClientPtr cl, uint64_t now)
{
	int queued = 0, sndbuf = 0;
	socklen_t len = sizeof(sndbuf);

	/* An empty socket (the usual case: one system call) takes anything. */
	if (ioctl(cl->sock, SIOCOUTQ, &queued) < 0 || queued <= 0 ||
	    getsockopt(cl->sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0)
		return VNC_STALL_SEND;
	/* The kernel doubles SO_SNDBUF for its bookkeeping: half of it is for bytes. */
	return vnc_stall_judge(cl->clientData, (size_t)queued, (size_t)sndbuf / 2,
			       update_bound(cl), now);
}

/*
 * A viewer's update, if its socket can take it, as one TCP segment:
 * libvncserver's Tight encoder writes out what it has buffered (the
 * FramebufferUpdate header) before each rectangle, so a one-rectangle
 * update takes two writes, and on loopback each write is a transmit and a
 * wake-up of the viewer. Corked, the writes only queue; uncorking sends
 * them together.
 */
static void send_update(struct vnc_server *s, rfbClientPtr cl, uint64_t now)
{
	bool cork;

	if (!update_due(cl)) {
		rfbUpdateClient(cl);	/* its deferred pointer events */
		return;
	}
	switch (judge(cl, now)) {
	case VNC_STALL_SKIP:
		return;
	case VNC_STALL_DROP:
		pr_warn("vnc: viewer %s took nothing for %llu s: disconnected", cl->host,
			VNC_STALL_DROP_NS / NS_PER_SEC);
		rfbCloseClient(cl);
		return;
	case VNC_STALL_SEND:
		break;
	}
	cork = s->opts.kind != VNC_LISTEN_UNIX;
	if (cork)
		set_cork(cl->sock, 1);
	rfbUpdateClient(cl);
	if (cork && cl->sock != RFB_INVALID_SOCKET)
		set_cork(cl->sock, 0);
}

void vnc_loop_update(struct vnc_server *s, uint64_t now)
{
	rfbClientPtr cl, next;

	for (cl = s->screen->clientHead; cl; cl = next) {
		next = cl->next;
		if (cl->sock != RFB_INVALID_SOCKET)
			send_update(s, cl, now);
		/* A viewer gone (read, write or protocol error) is let go here, as libvncserver does. */
		if (cl->sock == RFB_INVALID_SOCKET)
			rfbClientConnectionGone(cl);
	}
}

void vnc_loop_free(struct vnc_loop *l)
{
	free(l->fds);
	l->fds = NULL;
	l->cap = 0;
}
