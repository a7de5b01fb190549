/*
 * api.h's server functions: the HTTP server itself is the module vessel-api.so,
 * loaded when a VM is given --api-socket (core/module.h).
 */
#include "api/api.h"
#include "api/server_module.h"

#include <errno.h>
#include <stdlib.h>

struct api_server {
	const struct api_http_module *mod;
	struct api_http *http;
};

struct api_server *api_server_create(const char *path, struct error *err)
{
	const struct api_http_module *mod = module_load("api", err);
	struct api_server *s;

	if (!mod) {
		error_prefix(err, "--api-socket %s: ", path);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	s->mod = mod;
	s->http = mod->create(path, err);
	if (!s->http) {
		free(s);
		return NULL;
	}
	return s;
}

int api_server_start(struct api_server *s, struct machine *m, struct error *err)
{
	return s->mod->start(s->http, m, err);
}

void api_server_destroy(struct api_server *s)
{
	if (!s)
		return;
	s->mod->destroy(s->http);
	free(s);
}
