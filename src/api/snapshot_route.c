/*
 * PUT /vm/snapshot {"dir": DIR, "type": "full"|"diff", "resume": false}.
 * As Firecracker, the VM must be paused: the snapshot is of a known moment,
 * and the caller decides when it runs on. "resume": true is the shortcut
 * for pause, snapshot, resume in one request (the VM runs on either way,
 * also when the snapshot failed).
 */
#include "api/routes.h"
#include "api/vm_json.h"

#include <errno.h>
#include <string.h>

struct snapshot_request {
	const char *dir;
	enum snapshot_type type;
	bool resume;
};

static int parse(json_t *body, struct snapshot_request *q, struct api_reply *r)
{
	const char *key;
	json_t *v;

	*q = (struct snapshot_request){ .type = SNAPSHOT_FULL };
	json_object_foreach(body, key, v) {
		if (!strcmp(key, "dir") && json_is_string(v) && json_string_length(v))
			q->dir = json_string_value(v);
		else if (!strcmp(key, "type") && json_is_string(v) &&
			 (!strcmp(json_string_value(v), "full") || !strcmp(json_string_value(v), "diff")))
			q->type = !strcmp(json_string_value(v), "full") ? SNAPSHOT_FULL : SNAPSHOT_DIFF;
		else if (!strcmp(key, "resume") && json_is_boolean(v))
			q->resume = json_is_true(v);
		else if (!strcmp(key, "dir") || !strcmp(key, "type") || !strcmp(key, "resume"))
			goto bad_value;
		else
			goto unknown;
	}
	if (q->dir)
		return 0;
	api_reply_error(r, 400, "dir", "\"dir\": the snapshot's directory is missing");
	return -1;
bad_value:
	api_reply_error(r, 400, key, !strcmp(key, "dir") ? "\"dir\" must be a non-empty string" :
				     !strcmp(key, "type") ? "\"type\" is \"full\" or \"diff\"" :
				     "\"resume\" must be true or false");
	return -1;
unknown:
	api_reply_error(r, 400, key, "unknown field '%s' (known: dir, type, resume)", key);
	return -1;
}

static void event(struct api_ctx *c, json_t *data)
{
	api_events_push(c->events, "snapshot", data);
	c->wake(c->opaque);
}

static int status_of(const struct error *err)
{
	switch (err->code) {
	case EBUSY:
	case ESRCH:
		return 409;
	case EINVAL:
	case EEXIST:
	case ENOENT:
	case ENOTDIR:
	case EACCES:
	case ENAMETOOLONG:
		return 400;
	default:
		return 500;
	}
}

void api_put_snapshot(struct api_ctx *c, json_t *body, struct api_reply *r)
{
	struct snapshot_request q;
	struct snapshot_result res;
	struct error err = { 0 };
	enum machine_state s = machine_state(c->m);
	bool paused_here = false;
	int failed;

	if (parse(body, &q, r))
		return;
	if (q.type == SNAPSHOT_DIFF && !c->snapshots->last[0])
		return api_reply_error(r, 400, "type", "a diff snapshot needs a snapshot of this VM "
				       "before it: take a full one first");
	if (s != MACHINE_PAUSED && !(q.resume && s == MACHINE_RUNNING))
		return api_reply_error(r, 409, NULL, "the VM is %s: pause it first, or ask for "
				       "\"resume\": true", api_state_name(s));
	if (s == MACHINE_RUNNING) {
		if (machine_pause(c->m, &err))
			return api_reply_error(r, 409, NULL, "%s", err.msg);
		paused_here = true;
	}
	event(c, json_pack("{s:s, s:s, s:s}", "phase", "start", "dir", q.dir, "type",
			   q.type == SNAPSHOT_FULL ? "full" : "diff"));
	failed = snapshot_write(c->m, c->snapshots, q.dir, q.type, &res, &err);
	if (failed)
		event(c, json_pack("{s:s, s:s}", "phase", "failed", "error", err.msg));
	else
		event(c, json_pack("{s:s, s:s, s:f, s:I}", "phase", "done", "dir", q.dir, "ms",
				   (double)res.ns / 1e6, "pages", (json_int_t)res.pages));
	if ((q.resume || paused_here) && machine_resume(c->m, failed ? NULL : &err) && !failed)
		return api_reply_error(r, 500, NULL, "%s", err.msg);
	if (failed)
		return api_reply_error(r, status_of(&err), status_of(&err) == 400 ? "dir" : NULL,
				       "%s", err.msg);
	api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:f, s:I, s:I}", "state",
					 api_state_name(machine_state(c->m)), "dir", q.dir, "type",
					 q.type == SNAPSHOT_FULL ? "full" : "diff", "ms",
					 (double)res.ns / 1e6, "pages", (json_int_t)res.pages,
					 "state_bytes", (json_int_t)res.state_bytes));
}
