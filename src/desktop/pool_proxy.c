/*
 * A browser's WebSocket to its desktop's VNC unix socket, both ends in the
 * listener's loop. Each direction has a bounded queue: when one fills, reading
 * from the side that fills it stops (lws_rx_flow_control) until the other side
 * has taken enough, so a slow browser (or VNC server) holds up only its own
 * connection, and each connection costs at most QUEUE_MAX per direction.
 */
#include "desktop/pool_internal.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define QUEUE_MAX	(128 * 1024)
#define QUEUE_HIGH	(64 * 1024)	/* stop reading the filling side above this */
#define QUEUE_LOW	(16 * 1024)	/* and read it again below this */
#define CHUNK		16384		/* one WebSocket frame, one socket write */

struct queue {
	uint8_t *buf;
	size_t head, len;
	bool paused;			/* reading the side that fills it is off */
};

struct pool_proxy {
	struct desktop *d;
	struct lws *ws, *vnc;
	struct queue to_ws, to_vnc;
	bool vnc_gone;			/* send what is queued to the browser, then close */
};

static int queue_put(struct queue *q, const void *data, size_t len)
{
	if (len > QUEUE_MAX - q->len)
		return -1;
	if (!q->buf && !(q->buf = malloc(QUEUE_MAX)))
		return -1;
	if (q->head + q->len + len > QUEUE_MAX) {
		memmove(q->buf, q->buf + q->head, q->len);
		q->head = 0;
	}
	memcpy(q->buf + q->head + q->len, data, len);
	q->len += len;
	return 0;
}

static void queue_take(struct queue *q, size_t n)
{
	q->head += n;
	q->len -= n;
	if (!q->len)
		q->head = 0;
}

/* After @q took data from @source: stop reading it when @q is full enough. */
static void throttle(struct queue *q, struct lws *source)
{
	if (!q->paused && q->len >= QUEUE_HIGH && source) {
		q->paused = true;
		lws_rx_flow_control(source, 0);
	}
}

/* After @q gave data away: read @source again once there is room. */
static void release(struct queue *q, struct lws *source)
{
	if (q->paused && q->len <= QUEUE_LOW && source) {
		q->paused = false;
		lws_rx_flow_control(source, 1);
	}
}

static void proxy_free(struct pool_proxy *x)
{
	free(x->to_ws.buf);
	free(x->to_vnc.buf);
	free(x);
}

static int connect_vnc(const struct desktop *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memcpy(sa.sun_path, d->vnc_path, sizeof(sa.sun_path));
	/* A unix socket connects at once, or not at all (EAGAIN: its backlog is full). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

int pool_proxy_open(struct lws *ws, struct pool_session *s, struct desktop *d)
{
	lws_adopt_desc_t info = { 0 };
	struct pool_proxy *x;
	int fd = connect_vnc(d);

	if (fd < 0) {
		pr_warn("desktop %s: cannot connect to %s: %s", d->name, d->vnc_path,
			strerror(errno));
		return -1;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		close(fd);
		return -1;
	}
	x->d = d;
	x->ws = ws;
	info.vh = d->pool->vhost;
	info.type = LWS_ADOPT_SOCKET;
	info.fd.sockfd = fd;
	info.vh_prot_name = POOL_PROTO_VNC;
	info.opaque = x;
	x->vnc = lws_adopt_descriptor_vhost_via_info(&info);
	if (!x->vnc) {
		free(x);
		return -1;
	}
	s->proxy = x;
	d->nr_viewers++;
	return 0;
}

static struct desktop *socket_desktop(struct lws *wsi, struct pool *p)
{
	struct pool_route r;
	char uri[128];

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
		return NULL;
	pool_route(POOL_GET, uri, &r);
	return r.kind == ROUTE_SOCKET ? pool_find(p, r.name) : NULL;
}

static int ws_writable(struct lws *wsi, struct pool_proxy *x)
{
	uint8_t buf[LWS_PRE + CHUNK];
	size_t n = x->to_ws.len < CHUNK ? x->to_ws.len : CHUNK;

	if (!n)
		return x->vnc_gone ? -1 : 0;
	memcpy(buf + LWS_PRE, x->to_ws.buf + x->to_ws.head, n);
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_BINARY) < (int)n)
		return -1;
	queue_take(&x->to_ws, n);
	release(&x->to_ws, x->vnc);
	if (x->to_ws.len || x->vnc_gone)
		lws_callback_on_writable(wsi);
	return 0;
}

static void ws_closed(struct pool_session *s)
{
	struct pool_proxy *x = s->proxy;

	s->proxy = NULL;
	if (!x)
		return;
	x->d->nr_viewers--;
	x->ws = NULL;
	if (x->vnc) {
		lws_set_timeout(x->vnc, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
		return;
	}
	proxy_free(x);
}

int pool_proxy_ws(struct lws *wsi, enum lws_callback_reasons reason, struct pool_session *s,
		  void *in, size_t len)
{
	struct pool *p = lws_context_user(lws_get_context(wsi));
	struct pool_proxy *x = s->proxy;
	struct desktop *d;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(s, 0, sizeof(*s));
		d = socket_desktop(wsi, p);
		return d ? pool_proxy_open(wsi, s, d) : -1;
	case LWS_CALLBACK_RECEIVE:
		if (!x || !x->vnc || queue_put(&x->to_vnc, in, len))
			return -1;
		throttle(&x->to_vnc, wsi);
		lws_callback_on_writable(x->vnc);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return x ? ws_writable(wsi, x) : -1;
	case LWS_CALLBACK_CLOSED:
		ws_closed(s);
		return 0;
	default:
		return 0;
	}
}

static int vnc_writable(struct lws *wsi, struct pool_proxy *x)
{
	uint8_t buf[LWS_PRE + CHUNK];
	size_t n = x->to_vnc.len < CHUNK ? x->to_vnc.len : CHUNK;

	if (!n)
		return 0;
	memcpy(buf + LWS_PRE, x->to_vnc.buf + x->to_vnc.head, n);
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_RAW) < (int)n)
		return -1;
	queue_take(&x->to_vnc, n);
	release(&x->to_vnc, x->ws);
	if (x->to_vnc.len)
		lws_callback_on_writable(wsi);
	return 0;
}

static void vnc_closed(struct pool_proxy *x)
{
	x->vnc = NULL;
	if (!x->ws) {
		proxy_free(x);
		return;
	}
	x->vnc_gone = true;
	lws_callback_on_writable(x->ws);
}

int pool_proxy_vnc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			    void *in, size_t len)
{
	struct pool_proxy *x = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_RAW_RX:
		if (!x || !x->ws || queue_put(&x->to_ws, in, len))
			return -1;
		throttle(&x->to_ws, wsi);
		lws_callback_on_writable(x->ws);
		return 0;
	case LWS_CALLBACK_RAW_WRITEABLE:
		return x ? vnc_writable(wsi, x) : -1;
	case LWS_CALLBACK_RAW_CLOSE:
		if (x)
			vnc_closed(x);
		lws_set_opaque_user_data(wsi, NULL);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
