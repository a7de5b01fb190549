/* The API's endpoints: a request's method, path and body to a reply. */
#ifndef VESSEL_API_ROUTES_H
#define VESSEL_API_ROUTES_H

#include "api/events.h"
#include "api/reply.h"
#include "machine/machine.h"

#include <stddef.h>

enum api_method { API_GET, API_PUT, API_POST, API_PATCH, API_DELETE, API_OTHER };

struct api_request {
	enum api_method method;
	const char *path;
	const char *body;	/* NULL or @len bytes, not NUL-terminated */
	size_t len;
};

/* Answer @req for @m; an event stream starts at *@seq (set here). */
void api_route(struct machine *m, struct api_events *ev, const struct api_request *req,
	       struct api_reply *r, uint64_t *seq);

#endif
