/*
 * A request's method, path and body to the action it asks for, with no
 * machine in sight: 404, 405 and 400 are decided here (the fuzz target
 * drives this layer alone), the state's 409s where the action runs.
 */
#ifndef VESSEL_API_PARSE_H
#define VESSEL_API_PARSE_H

#include "api/migrate_uri.h"
#include "api/reply.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum api_method { API_GET, API_PUT, API_POST, API_PATCH, API_DELETE, API_OTHER };

struct api_request {
	enum api_method method;
	const char *path;
	const char *body;	/* NULL or @len bytes, not NUL-terminated */
	size_t len;
};

enum api_action_kind {
	API_GET_VM,
	API_GET_METRICS,
	API_GET_EVENTS,
	API_PAUSE,
	API_RESUME,
	API_STOP,
	API_POWER_BUTTON,
	API_RESET,
	API_NET_LINK,
	API_SNAPSHOT,
	API_MIGRATE,
	API_GET_MIGRATE,
	API_CANCEL_MIGRATE,
};

#define API_DEFAULT_DOWNTIME_MS	300
#define API_DEFAULT_ROUNDS	30
#define API_DOWNTIME_MAX_MS	60000
#define API_ROUNDS_MAX		1000

#define API_NET_PREFIX	"/vm/net/"
#define API_NET_ID_MAX	8	/* "net" and the index: "net0" .. "net7" */

struct api_action {
	enum api_action_kind kind;
	unsigned nic;		/* API_NET_LINK: its index, from "netN" */
	bool link_up;
	json_t *body;		/* API_SNAPSHOT: the object, checked by its route */
	/* API_MIGRATE */
	char to[320];
	struct mig_uri uri;
	unsigned downtime_ms, max_rounds;
	bool wait;		/* the reply when the migration ends */
};

/* 0 with @a filled, or -1 with the error reply in @r. */
int api_parse(const struct api_request *req, struct api_action *a, struct api_reply *r);
void api_action_free(struct api_action *a);

#endif
