/* What the pool's files share: the desktops, the listener, the proxy. */
#ifndef VESSEL_DESKTOP_POOL_INTERNAL_H
#define VESSEL_DESKTOP_POOL_INTERNAL_H

#include "desktop/pool.h"
#include "desktop/pool_route.h"
#include "core/error.h"

#include <libwebsockets.h>

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/un.h>

/* libwebsockets protocol names; "binary" is what noVNC asks for. */
#define POOL_PROTO_HTTP		"binary"
#define POOL_PROTO_VNC		"vessel-vnc"
#define POOL_PROTO_CHILD	"vessel-child"
#define POOL_PROTO_SIGNAL	"vessel-signal"

enum desktop_state {
	DESKTOP_STARTING,	/* the child runs; its VNC socket is not there yet */
	DESKTOP_RUNNING,	/* its VNC socket is there: viewers may connect */
	DESKTOP_STOPPED,	/* no child: never started, exited, or failed to start */
};

struct desktop {
	struct pool *pool;
	char name[POOL_NAME_MAX + 1];
	char token[POOL_TOKEN_HEX + 1];
	char vnc_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char log_path[PATH_MAX];
	char disk_path[PATH_MAX];	/* empty without a per-desktop disk */
	char **argv;			/* the child's command line */
	char *vnc_arg, *base_arg;	/* its strings of our own */
	enum desktop_state state;
	pid_t pid;			/* while not STOPPED */
	int status;			/* the last child's exit status, -1 before any */
	unsigned starts;
	uint64_t spawned_ns;
	double ready_s;			/* spawn to VNC socket, for the last start */
	lws_sorted_usec_list_t probe;	/* while STARTING: is the socket there yet? */
	unsigned nr_viewers;
};

struct pool {
	const struct pool_config *cfg;
	char self[PATH_MAX];		/* the vessel binary the children run */
	struct desktop *desktops;
	unsigned count;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct lws_http_mount *mount;	/* noVNC's files, under /novnc/ */
	char listen_addr[64];
	int port;			/* the one listened on (--listen's, or the one picked for 0) */
	bool stopping;
	unsigned nr_alive;		/* children not yet reaped */
	lws_sorted_usec_list_t kill_timer;
	uint64_t started_ns;
	bool all_ready_said;
};

const char *desktop_state_name(enum desktop_state s);
struct desktop *pool_find(struct pool *p, const char *name);
/* Spawn a STOPPED desktop's child again. */
int desktop_start(struct desktop *d, struct error *err);
uint64_t pool_now_ns(void);
int pool_watch_signals(struct pool *p, sigset_t *set, struct error *err);

/* pool_http.c: the listener, and the callback of its HTTP (and WebSocket) protocol. */
int pool_http_create(struct pool *p, struct error *err);
int pool_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		       void *in, size_t len);

/* pool_proxy.c: WebSocket <-> VNC socket. */
struct pool_proxy;
struct pool_session {
	/* HTTP */
	int status;
	char *body;
	size_t len;
	bool replying, awaiting_body;
	/* WebSocket */
	struct pool_proxy *proxy;
};
int pool_proxy_open(struct lws *ws, struct pool_session *s, struct desktop *d);
int pool_proxy_ws(struct lws *wsi, enum lws_callback_reasons reason, struct pool_session *s,
		  void *in, size_t len);
int pool_proxy_vnc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			    void *in, size_t len);

/* pool.c: the children's pidfds and the signalfd in the listener's loop. */
int pool_child_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			void *in, size_t len);
int pool_signal_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			 void *in, size_t len);

/* pool_page.c: the HTML pages. */
struct pool_text {
	char *s;
	size_t len, cap;
	bool failed;
};
void pool_text_add(struct pool_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pool_text_add_escaped(struct pool_text *t, const char *s);
void pool_page_index(struct pool_text *t, const struct pool *p);
void pool_page_desktop(struct pool_text *t, const struct desktop *d);
void pool_page_denied(struct pool_text *t, const char *name);
void pool_page_message(struct pool_text *t, const char *title, const char *msg);
char *pool_list_json(const struct pool *p);

#endif
