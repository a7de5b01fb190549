/* The API's endpoints: a request, parsed (parse.h), run against the machine. */
#ifndef VESSEL_API_ROUTES_H
#define VESSEL_API_ROUTES_H

#include "api/events.h"
#include "api/parse.h"
#include "api/reply.h"
#include "machine/machine.h"

/* Answer @req for @m; an event stream starts at *@seq (set here). */
void api_route(struct machine *m, struct api_events *ev, const struct api_request *req,
	       struct api_reply *r, uint64_t *seq);

#endif
