#include "api/routes.h"
#include "api/vm_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef void (*route_fn)(struct machine *m, struct api_reply *r);
typedef void (*body_fn)(struct api_ctx *c, json_t *body, struct api_reply *r);

struct route {
	const char *path;
	enum api_method method;
	route_fn fn;		/* NULL (and no body_fn): the event stream */
	const char *allow;
	body_fn with_body;	/* takes a JSON object as its body */
};

static void get_vm(struct machine *m, struct api_reply *r)
{
	api_reply_json(r, 200, api_vm_json(m));
}

static void get_metrics(struct machine *m, struct api_reply *r)
{
	api_reply_json(r, 200, api_metrics_json(m));
}

static void state_reply(struct machine *m, struct api_reply *r, int status)
{
	api_reply_json(r, status, json_pack("{s:s}", "state", api_state_name(machine_state(m))));
}

/* The state forbids it (EBUSY, ESRCH: not running, stopped meanwhile): 409. */
static void change_failed(struct api_reply *r, const struct error *err)
{
	int status = err->code == EBUSY || err->code == ESRCH ? 409 : 500;

	api_reply_error(r, status, NULL, "%s", err->msg);
}

/* Unlike the library's calls, the API says when a request changes nothing. */
static int require_state(struct machine *m, struct api_reply *r, enum machine_state want)
{
	enum machine_state s = machine_state(m);

	if (s == want)
		return 0;
	api_reply_error(r, 409, NULL, "the VM is %s", api_state_name(s));
	return -1;
}

static void put_pause(struct machine *m, struct api_reply *r)
{
	struct error err = { 0 };

	if (require_state(m, r, MACHINE_RUNNING))
		return;
	if (machine_pause(m, &err))
		return change_failed(r, &err);
	state_reply(m, r, 200);
}

static void put_resume(struct machine *m, struct api_reply *r)
{
	struct error err = { 0 };

	if (require_state(m, r, MACHINE_PAUSED))
		return;
	if (machine_resume(m, &err))
		return change_failed(r, &err);
	state_reply(m, r, 200);
}

/* 202: the VM stops on its own thread; the shutdown event says when it has. */
static void put_stop(struct machine *m, struct api_reply *r)
{
	enum machine_state s = machine_state(m);

	if (s != MACHINE_RUNNING && s != MACHINE_PAUSED)
		return api_reply_error(r, 409, NULL, "the VM is %s", api_state_name(s));
	machine_stop(m);
	api_reply_json(r, 202, json_pack("{s:s}", "state", "stopping"));
}

static const struct route routes[] = {
	{ "/vm", API_GET, get_vm, "GET", NULL },
	{ "/vm/metrics", API_GET, get_metrics, "GET", NULL },
	{ "/vm/events", API_GET, NULL, "GET", NULL },
	{ "/vm/pause", API_PUT, put_pause, "PUT", NULL },
	{ "/vm/resume", API_PUT, put_resume, "PUT", NULL },
	{ "/vm/stop", API_PUT, put_stop, "PUT", NULL },
	{ "/vm/snapshot", API_PUT, NULL, "PUT", api_put_snapshot },
};

/* A body, if any, must be a JSON object: NULL (with the 400) if it is not. */
static json_t *body_object(const struct api_request *req, struct api_reply *r)
{
	json_error_t jerr;
	json_t *j;

	if (!req->len)
		return json_object();
	j = json_loadb(req->body, req->len, 0, &jerr);
	if (!j) {
		api_reply_error(r, 400, "body", "malformed JSON at byte %d: %s", jerr.position,
				jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(r, 400, "body", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* These endpoints take no parameters: a body, if any, must be an empty JSON object. */
static int check_body(const struct api_request *req, struct api_reply *r)
{
	const char *key;
	json_t *j = body_object(req, r), *v;

	if (!j)
		return -1;
	json_object_foreach(j, key, v) {
		api_reply_error(r, 400, key, "unknown field '%s': this request takes none", key);
		json_decref(j);
		return -1;
	}
	json_decref(j);
	return 0;
}

static void start_stream(struct machine *m, struct api_events *ev, struct api_reply *r,
			 uint64_t *seq)
{
	json_t *state = json_pack("{s:s}", "state", api_state_name(machine_state(m)));
	char buf[API_EVENT_MAX];
	size_t len;

	*seq = api_events_head(ev);
	len = state ? api_event_format(buf, sizeof(buf), "state", -1, state) : 0;
	json_decref(state);
	free(r->body);
	r->body = malloc(len + 1);
	if (!r->body || !len)
		return api_reply_error(r, 500, NULL, "out of memory");
	memcpy(r->body, buf, len);
	r->len = len;
	r->status = 200;
	r->stream = true;
}

void api_route(struct api_ctx *c, const struct api_request *req, struct api_reply *r,
	       uint64_t *seq)
{
	struct machine *m = c->m;
	const struct route *rt = NULL;
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(routes[i].path, req->path))
			rt = &routes[i];
	if (!rt)
		return api_reply_error(r, 404, NULL, "no endpoint %s (see docs/api.yaml)", req->path);
	if (rt->method != req->method) {
		r->allow = rt->allow;
		return api_reply_error(r, 405, NULL, "%s takes %s only", req->path, rt->allow);
	}
	if (rt->with_body) {
		json_t *body = body_object(req, r);

		if (body)
			rt->with_body(c, body, r);
		json_decref(body);
		return;
	}
	if (check_body(req, r))
		return;
	if (!rt->fn)
		return start_stream(m, c->events, r, seq);
	rt->fn(m, r);
}
