#include "api/routes.h"
#include "api/vm_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A snapshot being written holds the VM paused: what would change it waits for the end. */
static int snapshot_busy(struct api_ctx *c, struct api_reply *r)
{
	char what[sizeof(((struct api_job *)0)->what)];

	if (api_worker_busy(c->worker, what, sizeof(what)) != API_JOB_SNAPSHOT)
		return 0;
	api_reply_error(r, 409, NULL, "%s is under way: the VM stays paused until it is written",
			what);
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

static void put_resume(struct api_ctx *c, struct api_reply *r)
{
	struct error err = { 0 };
	struct machine *m = c->m;

	if (require_state(m, r, MACHINE_PAUSED) || snapshot_busy(c, r))
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

static void put_power_button(struct machine *m, struct api_reply *r)
{
	struct error err = { 0 };

	if (require_state(m, r, MACHINE_RUNNING))
		return;
	if (machine_power_button(m, &err))
		return change_failed(r, &err);
	api_reply_json(r, 202, json_pack("{s:s}", "state", "running"));
}

static void put_reset(struct api_ctx *c, struct api_reply *r)
{
	struct error err = { 0 };
	struct machine *m = c->m;
	enum machine_state s = machine_state(m);

	if (s != MACHINE_RUNNING && s != MACHINE_PAUSED)
		return api_reply_error(r, 409, NULL, "the VM is %s", api_state_name(s));
	if (snapshot_busy(c, r))
		return;
	if (machine_reset(m, &err))
		return change_failed(r, &err);
	state_reply(m, r, 200);
}

static void patch_net(struct machine *m, const struct api_action *a, struct api_reply *r)
{
	struct error err = { 0 };
	enum machine_state s = machine_state(m);
	char id[API_NET_ID_MAX];

	if (s == MACHINE_STOPPED)
		return api_reply_error(r, 409, NULL, "the VM is %s", api_state_name(s));
	if (machine_net_set_link(m, a->nic, a->link_up, &err))
		return api_reply_error(r, err.code == ENODEV ? 404 : 500, NULL, "%s", err.msg);
	snprintf(id, sizeof(id), "net%u", a->nic);
	api_reply_json(r, 200, json_pack("{s:s, s:s}", "id", id, "link",
					 a->link_up ? "up" : "down"));
}

/*
 * 202: the connect and the rest are the worker's, and the events and GET
 * /vm/migrate say how it goes; with "wait" the reply comes at the end.
 */
static void put_migrate(struct api_ctx *c, const struct api_action *a, struct api_reply *r)
{
	struct error err = { 0 };
	struct api_job *waited;

	if (require_state(c->m, r, MACHINE_RUNNING))
		return;
	if (migration_start(c->migration, c->worker, a->to, &a->uri, a->downtime_ms,
			    a->max_rounds, a->wait, &waited, &err))
		return api_reply_error(r, err.code == EBUSY ? 409 : 400,
				       err.code == EBUSY ? NULL : "to", "%s", err.msg);
	if (waited) {
		r->deferred = waited;
		return;
	}
	api_reply_json(r, 202, json_pack("{s:s, s:s, s:i, s:i}", "state", "migrating", "to",
					 a->to, "downtime_ms", (int)a->downtime_ms,
					 "max_rounds", (int)a->max_rounds));
}

static void delete_migrate(struct api_ctx *c, struct api_reply *r)
{
	struct error err = { 0 };

	if (migration_cancel(c->migration, &err))
		return api_reply_error(r, 409, NULL, "%s", err.msg);
	api_reply_json(r, 202, json_pack("{s:s, s:s}", "status", "cancelling", "to",
					 c->migration->to_text));
}

static void run(struct api_ctx *c, struct api_action *a, struct api_reply *r, uint64_t *seq)
{
	struct machine *m = c->m;

	switch (a->kind) {
	case API_GET_VM:
		return get_vm(m, r);
	case API_GET_METRICS:
		return get_metrics(m, r);
	case API_GET_EVENTS:
		return start_stream(m, c->events, r, seq);
	case API_PAUSE:
		return put_pause(m, r);
	case API_RESUME:
		return put_resume(c, r);
	case API_STOP:
		return put_stop(m, r);
	case API_POWER_BUTTON:
		return put_power_button(m, r);
	case API_RESET:
		return put_reset(c, r);
	case API_NET_LINK:
		return patch_net(m, a, r);
	case API_SNAPSHOT:
		return api_put_snapshot(c, a->body, r);
	case API_MIGRATE:
		return put_migrate(c, a, r);
	case API_GET_MIGRATE:
		return api_reply_json(r, 200, migration_json(c->migration));
	case API_CANCEL_MIGRATE:
		return delete_migrate(c, r);
	}
}

void api_route(struct api_ctx *c, const struct api_request *req, struct api_reply *r,
	       uint64_t *seq)
{
	struct api_action a;

	if (api_parse(req, &a, r))
		return;
	run(c, &a, r, seq);
	api_action_free(&a);
}
