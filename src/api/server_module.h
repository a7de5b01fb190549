/*
 * The API's HTTP server as the module vessel-api.so (core/module.h): the
 * only part of the control API that needs libwebsockets (and with it
 * OpenSSL). api.h's functions load it (server_load.c).
 */
#ifndef VESSEL_API_SERVER_MODULE_H
#define VESSEL_API_SERVER_MODULE_H

#include "core/error.h"
#include "core/module.h"
#include "machine/machine.h"

struct api_http;

/* As api.h's api_server_create, _start and _destroy (server.c). */
struct api_http_module {
	struct module_header h;
	struct api_http *(*create)(const char *path, struct error *err);
	int (*start)(struct api_http *s, struct machine *m, struct error *err);
	void (*destroy)(struct api_http *s);
};

#endif
