#include "desktop/pool_route.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESKTOP_PREFIX	"/desktop/"

bool pool_name_valid(const char *name, size_t len)
{
	size_t i;

	if (!len || len > POOL_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static void set(struct pool_route *r, enum pool_route_kind kind, enum pool_method method,
		enum pool_method wanted, const char *allow)
{
	bool ok = method == wanted;

	r->kind = ok ? kind : ROUTE_BAD_METHOD;
	r->allow = ok ? NULL : allow;
}

/* /desktop/NAME[/ACTION]: the desktop's own URLs. */
static void route_desktop(enum pool_method method, const char *rest, struct pool_route *r)
{
	const char *slash = strchr(rest, '/');
	size_t len = slash ? (size_t)(slash - rest) : strlen(rest);

	if (!pool_name_valid(rest, len))
		return;
	memcpy(r->name, rest, len);
	r->name[len] = '\0';
	if (!slash)
		set(r, ROUTE_PAGE, method, POOL_GET, "GET");
	else if (!strcmp(slash, "/start"))
		set(r, ROUTE_START, method, POOL_POST, "POST");
	else if (!strcmp(slash, "/websockify"))
		set(r, ROUTE_SOCKET, method, POOL_GET, "GET");
	else
		r->name[0] = '\0';
}

void pool_route(enum pool_method method, const char *path, struct pool_route *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = ROUTE_NOT_FOUND;
	if (!path)
		return;
	if (!strcmp(path, "/"))
		set(r, ROUTE_INDEX, method, POOL_GET, "GET");
	else if (!strcmp(path, "/desktops"))
		set(r, ROUTE_LIST, method, POOL_GET, "GET");
	else if (!strncmp(path, DESKTOP_PREFIX, strlen(DESKTOP_PREFIX)))
		route_desktop(method, path + strlen(DESKTOP_PREFIX), r);
}

/*
 * The value of @key in a list of KEY=VALUE items separated by @sep, with
 * optional spaces before each key (as Cookie headers have: "a=1; b=2").
 */
static const char *find_value(const char *list, char sep, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = list, *end;

	while (p && *p) {
		while (*p == ' ')
			p++;
		end = strchr(p, sep);
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			*len = (size_t)(end - p) - klen - 1;
			return p + klen + 1;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

const char *pool_request_token(const char *args, const char *cookie, size_t *len)
{
	const char *v = args ? find_value(args, '&', POOL_TOKEN_PARAM, len) : NULL;

	if (v)
		return v;
	return cookie ? find_value(cookie, ';', POOL_TOKEN_COOKIE, len) : NULL;
}

int pool_parse_listen(const char *s, char *addr, size_t size, int *port)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	struct in_addr in;
	size_t len;
	char *end;
	long v;

	if (!colon || !colon[1])
		return -1;
	len = (size_t)(colon - s);
	if (!len || len >= size)
		return -1;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (!strcmp(addr, "localhost"))
		snprintf(addr, size, "127.0.0.1");
	if (inet_pton(AF_INET, addr, &in) != 1)
		return -1;
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (errno || *end || v < 0 || v > 65535 || !isdigit((unsigned char)colon[1]))
		return -1;
	*port = (int)v;
	return 0;
}
