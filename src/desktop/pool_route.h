/*
 * The pool listener's URLs, as a pure function of the request line and
 * headers, so that routing and token lookup are tested and fuzzed alone:
 *
 *   GET  /                          index page: every desktop and its state
 *   GET  /desktops                  the same as JSON
 *   GET  /desktop/NAME              the desktop's page: noVNC, or why not (token)
 *   POST /desktop/NAME/start        start a stopped desktop (token)
 *   GET  /desktop/NAME/websockify   WebSocket upgrade to its VNC server (token)
 *   GET  /novnc/...                 noVNC's files (served by a libwebsockets mount)
 */
#ifndef VESSEL_DESKTOP_POOL_ROUTE_H
#define VESSEL_DESKTOP_POOL_ROUTE_H

#include "desktop/pool_token.h"

#include <stdbool.h>
#include <stddef.h>

#define POOL_NAME_MAX		31
#define POOL_TOKEN_PARAM	"token"
#define POOL_TOKEN_COOKIE	"vessel-token"

enum pool_method { POOL_GET, POOL_POST, POOL_OTHER };

enum pool_route_kind {
	ROUTE_INDEX,
	ROUTE_LIST,
	ROUTE_PAGE,
	ROUTE_START,
	ROUTE_SOCKET,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_METHOD,	/* a known path; allow says which method it takes */
};

struct pool_route {
	enum pool_route_kind kind;
	char name[POOL_NAME_MAX + 1];	/* the desktop's, for PAGE, START, SOCKET */
	const char *allow;
};

/* A desktop's name: 1-31 of [A-Za-z0-9_-]. */
bool pool_name_valid(const char *name, size_t len);
void pool_route(enum pool_method method, const char *path, struct pool_route *r);

/*
 * The token a request carries: the query's token=HEX (@args: the query's
 * arguments joined by '&', NULL for none) first, else the cookie vessel-token
 * (@cookie: the Cookie header's value, or NULL). Points into the strings, with
 * its length in @len; NULL without one.
 */
const char *pool_request_token(const char *args, const char *cookie, size_t *len);

/* --listen ADDR:PORT (an IPv4 address or "localhost"; port 0-65535): 0, or -1. */
int pool_parse_listen(const char *s, char *addr, size_t size, int *port);

#endif
