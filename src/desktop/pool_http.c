/*
 * The pool's one listener: libwebsockets over TCP, its poll loop the pool's
 * only loop (children's pidfds and the signalfd are adopted into it). Pages
 * and the token check here; WebSocket connections go to pool_proxy.c.
 */
#include "desktop/pool_internal.h"
#include "core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_TIMEOUT_S	10
#define BODY_MAX	4096	/* POST /start takes no body: a small one is ignored */
#define SERV_BUF	16384	/* lws's read size: the proxy's unit of work */
#define COOKIE_MAX	1024
#define ARGS_MAX	512

static enum pool_method request_method(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
		return POOL_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
		return POOL_POST;
	return POOL_OTHER;
}

static const char *header(struct lws *wsi, enum lws_token_indexes h, char *buf, int size)
{
	return lws_hdr_copy(wsi, buf, size, h) > 0 ? buf : NULL;
}

/* The route of this request, and whether it carries the desktop's token. */
static struct desktop *authorize(struct lws *wsi, struct pool *p, const struct pool_route *r,
				 bool *ok)
{
	char args[ARGS_MAX], cookie[COOKIE_MAX];
	struct desktop *d = pool_find(p, r->name);
	const char *given;
	size_t len = 0;

	given = pool_request_token(header(wsi, WSI_TOKEN_HTTP_URI_ARGS, args, sizeof(args)),
				   header(wsi, WSI_TOKEN_HTTP_COOKIE, cookie, sizeof(cookie)), &len);
	*ok = d && given && pool_token_equal(given, len, d->token);
	return d;
}

static int add_header(struct lws *wsi, const char *name, const char *value, uint8_t **p,
		      uint8_t *end)
{
	return lws_add_http_header_by_name(wsi, (const uint8_t *)name, (const uint8_t *)value,
					   (int)strlen(value), p, end);
}

struct reply_headers {
	const char *type, *allow, *location, *cookie;
};

/* Headers now, the body when the connection is writable. */
static int reply(struct lws *wsi, struct pool_session *s, int status, struct pool_text *body,
		 const struct reply_headers *h)
{
	uint8_t buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;

	if (body->failed) {
		free(body->s);
		return -1;
	}
	s->status = status;
	s->body = body->s;
	s->len = body->len;
	s->replying = true;
	if (lws_add_http_common_headers(wsi, (unsigned)status,
					h && h->type ? h->type : "text/html; charset=utf-8",
					s->len, &p, end) ||
	    add_header(wsi, "cache-control:", "no-store", &p, end) ||
	    add_header(wsi, "referrer-policy:", "no-referrer", &p, end) ||
	    add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
	    (h && h->allow && add_header(wsi, "allow:", h->allow, &p, end)) ||
	    (h && h->location && add_header(wsi, "location:", h->location, &p, end)) ||
	    (h && h->cookie && add_header(wsi, "set-cookie:", h->cookie, &p, end)) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int reply_message(struct lws *wsi, struct pool_session *s, int status, const char *title,
			 const char *msg, const char *allow)
{
	struct pool_text t = { 0 };
	struct reply_headers h = { .allow = allow };

	pool_page_message(&t, title, msg);
	return reply(wsi, s, status, &t, &h);
}

static int reply_denied(struct lws *wsi, struct pool_session *s, const char *name)
{
	struct pool_text t = { 0 };

	pool_page_denied(&t, name);
	return reply(wsi, s, 403, &t, NULL);
}

static int page(struct lws *wsi, struct pool_session *s, struct desktop *d)
{
	struct pool_text t = { 0 };
	struct reply_headers h = { 0 };
	char cookie[256];

	/* The WebSocket under this path carries the token back without it in a URL. */
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/desktop/%s; HttpOnly; SameSite=Strict",
		 POOL_TOKEN_COOKIE, d->token, d->name);
	h.cookie = cookie;
	pool_page_desktop(&t, d);
	return reply(wsi, s, 200, &t, &h);
}

static int start(struct lws *wsi, struct pool_session *s, struct desktop *d)
{
	struct pool_text t = { 0 };
	struct reply_headers h = { 0 };
	struct error err = { 0 };
	char location[64];

	if (desktop_start(d, &err))
		return reply_message(wsi, s, 500, "error", err.msg, NULL);
	snprintf(location, sizeof(location), "/desktop/%s", d->name);
	h.location = location;
	pool_text_add(&t, "started\n");
	return reply(wsi, s, 303, &t, &h);
}

static int dispatch(struct lws *wsi, struct pool *p, struct pool_session *s, const char *uri)
{
	struct pool_route r;
	struct pool_text t = { 0 };
	struct reply_headers json = { .type = "application/json" };
	struct desktop *d;
	bool ok;

	pool_route(request_method(wsi), uri, &r);
	switch (r.kind) {
	case ROUTE_INDEX:
		pool_page_index(&t, p);
		return reply(wsi, s, 200, &t, NULL);
	case ROUTE_LIST:
		t.s = pool_list_json(p);
		t.len = t.s ? strlen(t.s) : 0;
		t.failed = !t.s;
		return reply(wsi, s, 200, &t, &json);
	case ROUTE_PAGE:
	case ROUTE_START:
	case ROUTE_SOCKET:
		d = authorize(wsi, p, &r, &ok);
		if (!d)
			return reply_message(wsi, s, 404, "not found", "There is no such desktop.",
					     NULL);
		if (!ok)
			return reply_denied(wsi, s, d->name);
		if (r.kind == ROUTE_PAGE)
			return page(wsi, s, d);
		if (r.kind == ROUTE_START)
			return start(wsi, s, d);
		return reply_message(wsi, s, 400, "bad request",
				     "This URL takes a WebSocket upgrade only.", NULL);
	case ROUTE_BAD_METHOD:
		return reply_message(wsi, s, 405, "method not allowed",
				     "This URL does not take that method.", r.allow);
	default:
		return reply_message(wsi, s, 404, "not found", "Nothing here.", NULL);
	}
}

/*
 * Before an upgrade: only a desktop's socket URL, with its token, while it
 * runs. The connection may have no session data yet: the answers are lws's.
 */
static int confirm_upgrade(struct lws *wsi, struct pool *p)
{
	char uri[128];
	struct pool_route r;
	struct desktop *d;
	bool ok;

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
		return -1;
	pool_route(POOL_GET, uri, &r);
	if (r.kind != ROUTE_SOCKET)
		return lws_return_http_status(wsi, 404, "nothing to upgrade here") ? -1 : 1;
	d = authorize(wsi, p, &r, &ok);
	if (!d || !ok)
		return lws_return_http_status(wsi, d ? 403 : 404, NULL) ? -1 : 1;
	if (d->state != DESKTOP_RUNNING)
		return lws_return_http_status(wsi, 503, "the desktop is not running") ? -1 : 1;
	return 0;
}

static int write_body(struct lws *wsi, struct pool_session *s)
{
	uint8_t *buf = malloc(LWS_PRE + s->len + 1);
	int r;

	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, s->body, s->len);
	r = lws_write(wsi, buf + LWS_PRE, s->len, LWS_WRITE_HTTP_FINAL);
	free(buf);
	free(s->body);
	s->body = NULL;
	s->replying = false;
	if (r < (int)s->len)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int on_request(struct lws *wsi, struct pool *p, struct pool_session *s, const char *uri)
{
	char cl[24];

	free(s->body);
	memset(s, 0, sizeof(*s));
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 && atoll(cl) > 0) {
		if (atoll(cl) > BODY_MAX)
			return reply_message(wsi, s, 413, "too large", "The body is too large.",
					     NULL);
		s->awaiting_body = true;
		return 0;
	}
	return dispatch(wsi, p, s, uri);
}

int pool_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct pool *p = lws_context_user(lws_get_context(wsi));
	struct pool_session *s = user;
	char uri[128];

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(wsi, p);
	case LWS_CALLBACK_CLOSED_HTTP:
		/* Also for a connection closed before its session data was made. */
		if (s) {
			free(s->body);
			s->body = NULL;
		}
		return 0;
	default:
		break;
	}
	if (!s)
		return reason == LWS_CALLBACK_HTTP || reason == LWS_CALLBACK_ESTABLISHED ? -1 :
		       lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return on_request(wsi, p, s, in);
	case LWS_CALLBACK_HTTP_BODY:
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!s->awaiting_body)
			return 0;
		s->awaiting_body = false;
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_POST_URI) <= 0)
			return -1;
		return dispatch(wsi, p, s, uri);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return s->replying ? write_body(wsi, s) : 0;
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED:
		return pool_proxy_ws(wsi, reason, s, in, len);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ POOL_PROTO_HTTP, pool_http_callback, sizeof(struct pool_session), SERV_BUF, 0, NULL, 0 },
	{ POOL_PROTO_VNC, pool_proxy_vnc_callback, 0, SERV_BUF, 0, NULL, 0 },
	{ POOL_PROTO_CHILD, pool_child_callback, 0, 0, 0, NULL, 0 },
	{ POOL_PROTO_SIGNAL, pool_signal_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void lws_log(int level, const char *line)
{
	(void)level;
	pr_err("desktop: %.*s", (int)strcspn(line, "\n"), line);
}

int pool_http_create(struct pool *p, struct error *err)
{
	struct lws_context_creation_info info;
	struct lws_http_mount *mount;
	int port;

	if (pool_parse_listen(p->cfg->listen, p->listen_addr, sizeof(p->listen_addr), &port))
		return error_set(err, EINVAL, "--listen %s: not ADDR:PORT", p->cfg->listen);
	mount = calloc(1, sizeof(*mount));
	if (!mount)
		return error_set(err, ENOMEM, "out of memory");
	p->mount = mount;
	mount->mountpoint = "/novnc";
	mount->mountpoint_len = (unsigned char)strlen(mount->mountpoint);
	mount->origin = p->cfg->novnc_dir;
	mount->origin_protocol = LWSMPRO_FILE;
	mount->def = "vnc_lite.html";
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = p;
	info.pt_serv_buf_size = SERV_BUF;
	info.timeout_secs = HTTP_TIMEOUT_S;
	info.keepalive_timeout = HTTP_TIMEOUT_S;
	lws_set_log_level(LLL_ERR, lws_log);
	p->ctx = lws_create_context(&info);
	if (!p->ctx)
		return error_set(err, EIO, "cannot create the listener");
	info.iface = p->listen_addr;
	info.port = port;
	info.protocols = protocols;
	info.mounts = mount;
	info.vhost_name = "vessel-desktop";
	/* Quiet while binding: a port in use gets one line of ours, not lws's three. */
	lws_set_log_level(0, NULL);
	p->vhost = lws_create_vhost(p->ctx, &info);
	lws_set_log_level(LLL_ERR, lws_log);
	if (!p->vhost)
		return error_set(err, EADDRINUSE, "--listen %s: cannot listen there (in use?)",
				 p->cfg->listen);
	p->port = lws_get_vhost_listen_port(p->vhost);
	return 0;
}
