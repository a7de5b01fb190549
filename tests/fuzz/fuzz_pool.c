/*
 * The desktop pool's request handling before any desktop is touched: the
 * routing of a request line, the token lookup in its query and Cookie
 * header, the constant-time check, and the pool's JSON template.
 *
 * Input: a mode byte; for HTTP (even) a method byte, then the path, the
 * query arguments and the Cookie header separated by newlines; for the
 * template (odd) the JSON text.
 */
#include "fuzz_common.h"

#include "core/error.h"
#include "desktop/pool_route.h"
#include "desktop/pool_template.h"
#include "desktop/pool_token.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char token[POOL_TOKEN_HEX + 1] =
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static char *field(char **p)
{
	char *s = *p, *nl;

	if (!s)
		return NULL;
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return s;
}

static void http(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p = buf + 1, *path, *args, *cookie;
	const char *given, *end;
	struct pool_route r;
	size_t len = 0;

	if (!buf || !size) {
		free(buf);
		return;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	path = field(&p);
	args = field(&p);
	cookie = field(&p);
	pool_route((enum pool_method)(data[0] % 3), path, &r);
	if (r.kind == ROUTE_PAGE || r.kind == ROUTE_START || r.kind == ROUTE_SOCKET) {
		if (!pool_name_valid(r.name, strlen(r.name)) ||
		    strncmp(path, "/desktop/", 9) || strncmp(path + 9, r.name, strlen(r.name)))
			abort();
	}
	if (r.kind == ROUTE_BAD_METHOD && !r.allow)
		abort();
	given = pool_request_token(args, cookie, &len);
	if (given) {
		/* Inside one of the strings it came from. */
		end = given + len;
		if (!((args && given >= args && end <= args + strlen(args)) ||
		      (cookie && given >= cookie && end <= cookie + strlen(cookie))))
			abort();
		if (pool_token_equal(given, len, token) != (len == POOL_TOKEN_HEX &&
							   !memcmp(given, token, len)))
			abort();
	}
	free(buf);
}

static void template(const uint8_t *data, size_t size)
{
	struct pool_config cfg = { 0 };
	struct pool_args args = { 0 };
	struct error err;
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	int i;

	if (!root)
		return;
	if (!pool_template_apply(root, &cfg, &args, &err))
		for (i = 0; i < args.n; i++)
			if (!args.v[i])
				abort();
	pool_args_free(&args);
	json_decref(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_quiet(true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		template(data + 1, size - 1);
	else
		http(data + 1, size - 1);
	return 0;
}
