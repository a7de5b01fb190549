/* The API's endpoints: a request, parsed (parse.h), run against the machine. */
#ifndef VESSEL_API_ROUTES_H
#define VESSEL_API_ROUTES_H

#include "api/events.h"
#include "api/migrate.h"
#include "api/parse.h"
#include "api/reply.h"
#include "api/snapshot.h"
#include "api/worker.h"
#include "machine/machine.h"

/* What the routes serve: one machine, its event log, its snapshots so far. */
struct api_ctx {
	struct machine *m;
	struct api_events *events;
	struct snapshot_tracker *snapshots;
	/* Tell the event streams that an event was logged from a route. */
	void (*wake)(void *opaque);
	void *opaque;
	struct migration *migration;
	struct api_worker *worker;	/* snapshots and migrations run there */
};

/* Answer @req; an event stream starts at *@seq (set here). */
void api_route(struct api_ctx *c, const struct api_request *req, struct api_reply *r,
	       uint64_t *seq);

/* PUT /vm/snapshot (snapshot_route.c); @body the request's JSON object. The reply is deferred. */
void api_put_snapshot(struct api_ctx *c, json_t *body, struct api_reply *r);

#endif
