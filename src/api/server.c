/*
 * The API's HTTP server: libwebsockets on a unix socket, its service loop on
 * a thread of its own. Each connection is read without blocking, so a
 * client that sends half a request holds nobody up, and libwebsockets drops
 * it after API_TIMEOUT_S; requests are answered by routes.c.
 */
#include "api/routes.h"
#include "api/server_module.h"
#include "core/log.h"

#include <libwebsockets.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define API_TIMEOUT_S	5	/* for a request's headers or body, and an idle keep-alive */
#define API_BODY_MAX	16384
#define API_DRAIN_MS	500	/* at exit, for replies and streams still being sent */

struct api_http {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct lws_context *ctx;
	struct machine *m;
	struct machine_observer observer;
	struct api_events events;
	struct snapshot_tracker snapshots;
	struct api_ctx routes;
	struct migration migration;
	bool migration_ready;
	struct api_worker worker;
	pthread_t thread;
	bool thread_started;
	bool closing;			/* set by destroy, read by the thread */
	/* The server thread's own. */
	bool drain_armed, drain_over;
	lws_sorted_usec_list_t drain;
	unsigned nr_busy;		/* replies in flight and event streams */
};

/* CONN_WAIT: for the worker's job to give the reply; CONN_DUE: it has, to be sent. */
enum conn_phase { CONN_IDLE, CONN_BODY, CONN_WAIT, CONN_DUE, CONN_REPLY, CONN_STREAM };

struct api_conn {
	enum conn_phase phase;
	enum api_method method;
	char path[128];
	char *body;
	size_t len;
	bool too_large;
	struct api_reply reply;
	struct api_job *job;		/* CONN_WAIT: the worker's job that answers */
	uint64_t seq;			/* an event stream's next event */
};

static const struct {
	enum lws_token_indexes token;
	enum api_method method;
} methods[] = {
	{ WSI_TOKEN_GET_URI, API_GET },
	{ WSI_TOKEN_PUT_URI, API_PUT },
	{ WSI_TOKEN_POST_URI, API_POST },
	{ WSI_TOKEN_PATCH_URI, API_PATCH },
	{ WSI_TOKEN_DELETE_URI, API_DELETE },
};

static enum api_method request_method(struct lws *wsi)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (lws_hdr_total_length(wsi, methods[i].token) > 0)
			return methods[i].method;
	return API_OTHER;
}

static bool busy_phase(enum conn_phase phase)
{
	return phase >= CONN_WAIT;
}

static void set_busy(struct api_http *s, struct api_conn *c, enum conn_phase phase)
{
	bool was = busy_phase(c->phase);
	bool is = busy_phase(phase);

	s->nr_busy += (unsigned)is - (unsigned)was;
	c->phase = phase;
}

static void conn_reset(struct api_http *s, struct api_conn *c)
{
	/* A job still running answers nobody now. */
	if (c->job)
		c->job->waiter = NULL;
	set_busy(s, c, CONN_IDLE);
	free(c->body);
	api_reply_free(&c->reply);
	memset(c, 0, sizeof(*c));
}

static int send_headers(struct lws *wsi, struct api_conn *c)
{
	uint8_t buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
	const struct api_reply *r = &c->reply;
	lws_filepos_t len = r->stream ? LWS_ILLEGAL_HTTP_CONTENT_LEN : r->len;
	const char *type = r->stream ? "text/event-stream" : "application/json";

	if (lws_add_http_common_headers(wsi, (unsigned)r->status, type, len, &p, end))
		return -1;
	if (r->allow && lws_add_http_header_by_name(wsi, (const uint8_t *)"allow:",
						    (const uint8_t *)r->allow,
						    (int)strlen(r->allow), &p, end))
		return -1;
	if (r->stream && lws_add_http_header_by_name(wsi, (const uint8_t *)"cache-control:",
						     (const uint8_t *)"no-cache", 8, &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (r->stream)
		lws_http_mark_sse(wsi);
	lws_callback_on_writable(wsi);
	return 0;
}

static int dispatch(struct api_http *s, struct lws *wsi, struct api_conn *c)
{
	struct api_request req = { c->method, c->path, c->body, c->len };

	if (c->too_large)
		api_reply_error(&c->reply, 413, "body", "the body is over %d bytes", API_BODY_MAX);
	else
		api_route(&s->routes, &req, &c->reply, &c->seq);
	/* Set here, before the server's thread can take the job back: it may be done already. */
	if (c->reply.deferred) {
		c->job = c->reply.deferred;
		c->reply.deferred = NULL;
		c->job->waiter = wsi;
		set_busy(s, c, CONN_WAIT);
		return 0;
	}
	set_busy(s, c, c->reply.stream ? CONN_STREAM : CONN_REPLY);
	return send_headers(wsi, c);
}

static int take_body(struct api_conn *c, const void *in, size_t len)
{
	char *p;

	if (c->too_large || c->len + len > API_BODY_MAX) {
		c->too_large = true;
		return 0;
	}
	p = realloc(c->body, c->len + len);
	if (!p)
		return -1;
	memcpy(p + c->len, in, len);
	c->body = p;
	c->len += len;
	return 0;
}

static int on_request(struct api_http *s, struct lws *wsi, struct api_conn *c, const char *uri)
{
	char cl[24];

	conn_reset(s, c);
	c->method = request_method(wsi);
	snprintf(c->path, sizeof(c->path), "%s", uri);
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 && atoll(cl) > 0) {
		c->phase = CONN_BODY;
		lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, API_TIMEOUT_S);
		return 0;
	}
	return dispatch(s, wsi, c);
}

/* The reply's body; then the connection waits for its next request. */
static int write_reply(struct api_http *s, struct lws *wsi, struct api_conn *c)
{
	uint8_t *buf = malloc(LWS_PRE + c->reply.len);
	int r;

	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, c->reply.body, c->reply.len);
	r = lws_write(wsi, buf + LWS_PRE, c->reply.len, LWS_WRITE_HTTP_FINAL);
	free(buf);
	if (r < (int)c->reply.len)
		return -1;
	conn_reset(s, c);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* The stream's first events, then every event logged since; closed after the shutdown. */
static int write_stream(struct api_http *s, struct lws *wsi, struct api_conn *c)
{
	uint8_t buf[LWS_PRE + API_EVENT_MAX];
	bool last = false;
	size_t len;

	if (c->reply.len) {
		len = c->reply.len;
		memcpy(buf + LWS_PRE, c->reply.body, len);
		c->reply.len = 0;
	} else {
		len = api_events_read(&s->events, &c->seq, (char *)buf + LWS_PRE, API_EVENT_MAX, &last);
	}
	if (!len)
		return 0;
	if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP) < (int)len)
		return -1;
	if (last)
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static void drain_over(lws_sorted_usec_list_t *sul)
{
	struct api_http *s = lws_container_of(sul, struct api_http, drain);

	s->drain_over = true;
}

/* The worker's finished jobs: a reply for the connection that waits, if it is still there. */
static void take_jobs(struct api_http *s)
{
	struct api_job *j;
	struct api_conn *c;

	while ((j = api_worker_take(&s->worker))) {
		if (j->waiter) {
			c = lws_wsi_user(j->waiter);
			c->job = NULL;
			api_reply_free(&c->reply);
			c->reply = j->reply;
			memset(&j->reply, 0, sizeof(j->reply));
			set_busy(s, c, CONN_DUE);
			lws_callback_on_writable(j->waiter);
		}
		j->release(j);
	}
}

/* Another thread logged an event, finished a job, or asked the server to stop. */
static void woken(struct api_http *s, struct lws *wsi)
{
	take_jobs(s);
	lws_callback_on_writable_all_protocol(s->ctx, lws_get_protocol(wsi));
	if (__atomic_load_n(&s->closing, __ATOMIC_ACQUIRE) && !s->drain_armed) {
		s->drain_armed = true;
		lws_sul_schedule(s->ctx, 0, &s->drain, drain_over, API_DRAIN_MS * LWS_US_PER_MS);
	}
}

static int api_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			size_t len)
{
	struct api_http *s = lws_context_user(lws_get_context(wsi));
	struct api_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return on_request(s, wsi, c, in);
	case LWS_CALLBACK_HTTP_BODY:
		return take_body(c, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return c->phase == CONN_BODY ? dispatch(s, wsi, c) : 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (c->phase == CONN_DUE) {
			set_busy(s, c, CONN_REPLY);
			return send_headers(wsi, c);
		}
		if (c->phase == CONN_REPLY)
			return write_reply(s, wsi, c);
		if (c->phase == CONN_STREAM)
			return write_stream(s, wsi, c);
		return 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		if (c)
			conn_reset(s, c);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		woken(s, wsi);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "vessel-api", api_callback, sizeof(struct api_conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void lws_log(int level, const char *line)
{
	(void)level;
	pr_err("api: %.*s", (int)strcspn(line, "\n"), line);
}

/* A socket file someone answers on is refused; one nobody does is left over, and goes. */
static int claim_path(const char *path, struct error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(err, ENAMETOOLONG, "--api-socket %s: the path is over %zu bytes",
				 path, sizeof(sa.sun_path) - 1);
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : error_set(err, errno, "--api-socket %s: %s", path,
						       strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return error_set(err, EEXIST, "--api-socket %s: exists and is not a socket", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, errno, "--api-socket: socket: %s", strerror(errno));
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!r)
		return error_set(err, EADDRINUSE, "--api-socket %s: another process serves it", path);
	if (errno != ECONNREFUSED)
		return error_set(err, errno, "--api-socket %s: %s", path, strerror(errno));
	if (unlink(path))
		return error_set(err, errno, "--api-socket %s: cannot remove the stale socket: %s",
				 path, strerror(errno));
	return 0;
}

static struct lws_context *listen_on(struct api_http *s)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	mode_t old;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_UNIX_SOCK;
	info.iface = s->path;
	info.port = 0;
	info.protocols = protocols;
	info.user = s;
	info.timeout_secs = API_TIMEOUT_S;
	info.keepalive_timeout = API_TIMEOUT_S;
	/* Before any other thread exists: the socket is born 0600, never wider. */
	old = umask(0177);
	ctx = lws_create_context(&info);
	umask(old);
	return ctx;
}

static struct api_http *http_create(const char *path, struct error *err)
{
	struct api_http *s;

	if (claim_path(path, err))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	snapshot_tracker_init(&s->snapshots);
	strcpy(s->path, path);
	api_events_init(&s->events);
	lws_set_log_level(LLL_ERR, lws_log);
	s->ctx = listen_on(s);
	if (!s->ctx || access(path, F_OK)) {
		error_set(err, EIO, "--api-socket %s: cannot listen there", path);
		goto err_free;
	}
	return s;

err_free:
	if (s->ctx)
		lws_context_destroy(s->ctx);
	api_events_destroy(&s->events);
	free(s);
	return NULL;
}

static void observed(void *opaque, enum machine_event ev, int status)
{
	static const char *const names[] = {
		[MACHINE_EVENT_PAUSED] = "paused",
		[MACHINE_EVENT_RESUMED] = "resumed",
		[MACHINE_EVENT_PANIC] = "guest-panic",
		[MACHINE_EVENT_SHUTDOWN] = "shutdown",
		[MACHINE_EVENT_RESET] = "reset",
	};
	struct api_http *s = opaque;
	json_t *data = ev == MACHINE_EVENT_SHUTDOWN ? json_pack("{s:i}", "exit_status", status)
						    : json_object();

	api_events_push(&s->events, names[ev], data);
	lws_cancel_service(s->ctx);
}

static bool done(struct api_http *s)
{
	return __atomic_load_n(&s->closing, __ATOMIC_ACQUIRE) && s->drain_armed &&
	       (!s->nr_busy || s->drain_over);
}

static void *serve(void *arg)
{
	struct api_http *s = arg;

	while (!done(s))
		if (lws_service(s->ctx, 0) < 0)
			break;
	return NULL;
}

static void wake_streams(void *opaque)
{
	struct api_http *s = opaque;

	lws_cancel_service(s->ctx);
}

static int http_start(struct api_http *s, struct machine *m, struct error *err)
{
	int r;

	s->m = m;
	if (migration_init(&s->migration, m, &s->events, wake_streams, s, err))
		return -1;
	s->migration_ready = true;
	if (api_worker_start(&s->worker, wake_streams, s, err))
		return -1;
	s->routes = (struct api_ctx){ m, &s->events, &s->snapshots, wake_streams, s,
				      &s->migration, &s->worker };
	s->observer = (struct machine_observer){ observed, s };
	machine_set_observer(m, &s->observer);
	r = pthread_create(&s->thread, NULL, serve, s);
	if (r) {
		machine_set_observer(m, NULL);
		return error_set(err, r, "cannot start the API thread: %s", strerror(r));
	}
	pthread_setname_np(s->thread, "api");
	s->thread_started = true;
	return 0;
}

static void http_destroy(struct api_http *s)
{
	if (!s)
		return;
	/*
	 * First: a migration still sending stops, and the worker's last job ends,
	 * so that its events and its reply are in before the drain.
	 */
	if (s->migration_ready)
		migration_abort(&s->migration);
	api_worker_stop(&s->worker);
	if (s->thread_started) {
		__atomic_store_n(&s->closing, true, __ATOMIC_RELEASE);
		lws_cancel_service(s->ctx);
		pthread_join(s->thread, NULL);
		machine_set_observer(s->m, NULL);
	}
	api_worker_destroy(&s->worker);
	if (s->migration_ready)
		migration_destroy(&s->migration);
	snapshot_tracker_close(&s->snapshots);
	lws_context_destroy(s->ctx);
	unlink(s->path);
	api_events_destroy(&s->events);
	free(s);
}

MODULE_EXPORT const struct api_http_module vessel_module_api = {
	.h = { MODULE_ABI },
	.create = http_create,
	.start = http_start,
	.destroy = http_destroy,
};
