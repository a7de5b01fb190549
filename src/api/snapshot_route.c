/*
 * PUT /vm/snapshot {"dir": DIR, "type": "full"|"diff", "resume": false}.
 * As Firecracker, the VM must be paused: the snapshot is of a known moment,
 * and the caller decides when it runs on. "resume": true is the shortcut
 * for pause, snapshot, resume in one request (the VM runs on either way,
 * also when the snapshot failed). The files are written on the API's
 * worker: the server answers other requests meanwhile, and this one when
 * they are in place.
 */
#include "api/routes.h"
#include "api/vm_json.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

struct snapshot_job {
	struct api_job job;
	struct api_ctx ctx;
	char dir[PATH_MAX];
	enum snapshot_type type;
	bool resume;
	bool paused_here;
};

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

/* On the worker: the files, the events, the resume if asked, and the reply. */
static void write_job(struct api_job *j)
{
	struct snapshot_job *q = (struct snapshot_job *)j;
	struct api_ctx *c = &q->ctx;
	const char *type = q->type == SNAPSHOT_FULL ? "full" : "diff";
	struct snapshot_result res;
	struct error err = { 0 };
	int failed;

	event(c, json_pack("{s:s, s:s, s:s}", "phase", "start", "dir", q->dir, "type", type));
	failed = snapshot_write(c->m, c->snapshots, q->dir, q->type, &res, &err);
	if (failed)
		event(c, json_pack("{s:s, s:s}", "phase", "failed", "error", err.msg));
	else
		event(c, json_pack("{s:s, s:s, s:f, s:I}", "phase", "done", "dir", q->dir, "ms",
				   (double)res.ns / 1e6, "pages", (json_int_t)res.pages));
	if ((q->resume || q->paused_here) && machine_resume(c->m, failed ? NULL : &err) &&
	    !failed)
		return api_reply_error(&j->reply, 500, NULL, "%s", err.msg);
	if (failed)
		return api_reply_error(&j->reply, status_of(&err),
				       status_of(&err) == 400 ? "dir" : NULL, "%s", err.msg);
	api_reply_json(&j->reply, 200, json_pack("{s:s, s:s, s:s, s:f, s:I, s:I}", "state",
						 api_state_name(machine_state(c->m)), "dir", q->dir,
						 "type", type, "ms", (double)res.ns / 1e6, "pages",
						 (json_int_t)res.pages, "state_bytes",
						 (json_int_t)res.state_bytes));
}

static void release_job(struct api_job *j)
{
	api_reply_free(&j->reply);
	free(j);
}

static struct snapshot_job *new_job(struct api_ctx *c, const struct snapshot_request *q)
{
	struct snapshot_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->job = (struct api_job){ .kind = API_JOB_SNAPSHOT, .run = write_job,
				   .release = release_job, .deferred = true };
	snprintf(j->job.what, sizeof(j->job.what), "a snapshot into %s", q->dir);
	j->ctx = *c;
	strcpy(j->dir, q->dir);
	j->type = q->type;
	j->resume = q->resume;
	return j;
}

/* Checked here; written on the API's worker, whose reply this request waits for. */
void api_put_snapshot(struct api_ctx *c, json_t *body, struct api_reply *r)
{
	char what[sizeof(((struct api_job *)0)->what)];
	struct snapshot_request q;
	struct snapshot_job *j;
	struct error err = { 0 };
	enum machine_state s = machine_state(c->m);

	if (parse(body, &q, r))
		return;
	if (api_worker_busy(c->worker, what, sizeof(what)) >= 0)
		return api_reply_error(r, 409, NULL, "%s is under way: one at a time", what);
	if (q.type == SNAPSHOT_DIFF && !c->snapshots->last[0])
		return api_reply_error(r, 400, "type", "a diff snapshot needs a snapshot of this VM "
				       "before it: take a full one first");
	if (s != MACHINE_PAUSED && !(q.resume && s == MACHINE_RUNNING))
		return api_reply_error(r, 409, NULL, "the VM is %s: pause it first, or ask for "
				       "\"resume\": true", api_state_name(s));
	if (strlen(q.dir) >= PATH_MAX)
		return api_reply_error(r, 400, "dir", "\"dir\": the path is over %d bytes",
				       PATH_MAX - 1);
	j = new_job(c, &q);
	if (!j)
		return api_reply_error(r, 500, NULL, "out of memory");
	if (s == MACHINE_RUNNING) {
		if (machine_pause(c->m, &err)) {
			release_job(&j->job);
			return api_reply_error(r, 409, NULL, "%s", err.msg);
		}
		j->paused_here = true;
	}
	if (api_worker_submit(c->worker, &j->job, &err)) {
		if (j->paused_here)
			machine_resume(c->m, NULL);
		release_job(&j->job);
		return api_reply_error(r, 409, NULL, "%s", err.msg);
	}
	r->deferred = &j->job;
}
