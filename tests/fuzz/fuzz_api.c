/*
 * libFuzzer target: a control API client is untrusted. One input is a
 * request: its first byte picks the method, the bytes up to the first NUL are
 * the path, the rest the body. The parse must answer 400, 404 or 405 with an
 * error body naming its reason, or give an action with consistent fields.
 */
#include "api/parse.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

#define PATH_MAX_FUZZ 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const struct api_reply *r)
{
	json_t *j, *msg;

	if (r->status != 400 && r->status != 404 && r->status != 405)
		abort();
	if ((r->status == 405) != (r->allow != NULL))
		abort();
	j = json_loadb(r->body, r->len, 0, NULL);
	msg = json_object_get(j, "error");
	if (!json_is_string(msg) || !json_string_length(msg))
		abort();
	if (r->status == 400 && !json_is_string(json_object_get(j, "field")))
		abort();
	json_decref(j);
}

static void check_action(const struct api_action *a, const struct api_request *req)
{
	if (a->kind > API_CANCEL_MIGRATE || (a->kind == API_SNAPSHOT) != (a->body != NULL))
		abort();
	if (a->wait && a->kind != API_MIGRATE)
		abort();
	if ((a->kind == API_GET_MIGRATE) !=
	    (req->method == API_GET && !strcmp(req->path, "/vm/migrate")))
		abort();
	if ((a->kind == API_CANCEL_MIGRATE) != (req->method == API_DELETE))
		abort();
	if (a->kind == API_MIGRATE &&
	    (!a->to[0] || a->downtime_ms < 1 || a->downtime_ms > API_DOWNTIME_MAX_MS ||
	     a->max_rounds < 1 || a->max_rounds > API_ROUNDS_MAX ||
	     (a->uri.kind == MIG_UNIX ? !a->uri.path[0] : !a->uri.host[0] || !a->uri.port[0])))
		abort();
	if (a->kind == API_NET_LINK) {
		if (req->method != API_PATCH || strncmp(req->path, API_NET_PREFIX, 8) || a->nic > 99)
			abort();
	} else if (a->nic || a->link_up) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_reply r = { 0 };
	struct api_request req;
	struct api_action a;
	char path[PATH_MAX_FUZZ];
	const uint8_t *nul;
	size_t plen;

	if (size < 1)
		return 0;
	req.method = (enum api_method)(data[0] % (API_OTHER + 1));
	data++;
	size--;
	nul = memchr(data, 0, size);
	plen = nul ? (size_t)(nul - data) : size;
	if (plen >= sizeof(path))
		return 0;
	memcpy(path, data, plen);
	path[plen] = '\0';
	req.path = path;
	req.body = nul ? (const char *)nul + 1 : NULL;
	req.len = nul ? size - plen - 1 : 0;
	if (api_parse(&req, &a, &r))
		check_error(&r);
	else
		check_action(&a, &req);
	api_action_free(&a);
	api_reply_free(&r);
	return 0;
}
