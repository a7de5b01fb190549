/*
 * The migration as a job of the API's worker (api/worker.h): queued by PUT
 * /vm/migrate once its connect has begun, run by migration_send
 * (migrate_send.c), its progress read by GET /vm/migrate and cancelled by
 * DELETE /vm/migrate or the VM's stop.
 */
#include "api/migrate.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const status_names[] = {
	[MIGRATION_NONE] = "none",
	[MIGRATION_CONNECTING] = "connecting",
	[MIGRATION_ACTIVE] = "active",
	[MIGRATION_COMPLETING] = "completing",
	[MIGRATION_COMPLETED] = "completed",
	[MIGRATION_FAILED] = "failed",
	[MIGRATION_CANCELLED] = "cancelled",
};

/* The progress as JSON; the caller holds the lock. */
static json_t *progress_json(const struct migration *g)
{
	const struct migration_progress *p = &g->p;
	json_t *j = json_pack("{s:s}", "status", status_names[p->status]);

	if (!j || p->status == MIGRATION_NONE)
		return j;
	json_object_set_new(j, "to", json_string(g->to_text));
	json_object_set_new(j, "rounds", json_integer(p->rounds));
	json_object_set_new(j, "bytes", json_integer((json_int_t)p->bytes));
	json_object_set_new(j, "remaining_bytes", json_integer((json_int_t)p->remaining_bytes));
	json_object_set_new(j, "throttle_pct", json_integer(p->throttle_pct));
	if (p->status == MIGRATION_COMPLETED) {
		json_object_set_new(j, "total_ms", json_real(p->total_ms));
		json_object_set_new(j, "downtime_ms", json_real(p->downtime_ms));
		json_object_set_new(j, "throttled_ms", json_real(p->throttled_ms));
	}
	if (p->status == MIGRATION_FAILED || p->status == MIGRATION_CANCELLED)
		json_object_set_new(j, "error", json_string(p->error));
	return j;
}

json_t *migration_json(struct migration *g)
{
	json_t *j;

	pthread_mutex_lock(&g->lock);
	j = progress_json(g);
	pthread_mutex_unlock(&g->lock);
	return j;
}

struct migration_job {
	struct api_job job;
	struct migration *g;
};

/* The answer to a PUT /vm/migrate that waits: the figures, or why it failed. */
static void job_reply(struct api_job *j, struct migration *g, const struct error *err)
{
	if (!j->deferred)
		return;
	if (err)
		return api_reply_error(&j->reply, 502, NULL, "the migration failed: %s", err->msg);
	api_reply_json(&j->reply, 200, migration_json(g));
}

static void migrate_job(struct api_job *j)
{
	struct migration *g = ((struct migration_job *)j)->g;
	struct error err = { 0 };
	int r = migration_send(g, &err);

	job_reply(j, g, r ? &err : NULL);
	if (!r)
		machine_stop_migrated(g->m);
}

static void release_job(struct api_job *j)
{
	api_reply_free(&j->reply);
	free(j);
}

int migration_init(struct migration *g, struct machine *m, struct api_events *ev,
		   void (*wake)(void *opaque), void *opaque, struct error *err)
{
	memset(g, 0, sizeof(*g));
	g->cancel_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->cancel_fd < 0)
		return error_set(err, errno, "eventfd: %s", strerror(errno));
	pthread_mutex_init(&g->lock, NULL);
	g->fd = -1;
	g->conn.fd = -1;
	g->m = m;
	g->events = ev;
	g->wake = wake;
	g->opaque = opaque;
	return 0;
}

static struct migration_job *new_job(struct migration *g, bool wait, struct error *err)
{
	struct migration_job *mj = calloc(1, sizeof(*mj));

	if (!mj) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	mj->g = g;
	mj->job.kind = API_JOB_MIGRATION;
	mj->job.run = migrate_job;
	mj->job.release = release_job;
	mj->job.deferred = wait;
	snprintf(mj->job.what, sizeof(mj->job.what), "a migration to %s", g->to_text);
	return mj;
}

int migration_start(struct migration *g, struct api_worker *w, const char *to_text,
		    const struct mig_uri *to, unsigned downtime_ms, unsigned max_rounds,
		    bool wait, struct api_job **waited, struct error *err)
{
	struct migration_job *mj;
	char what[sizeof(mj->job.what)];
	uint64_t stale;

	/* The worker's own state is checked first: a busy one is 409, before any connect. */
	if (api_worker_busy(w, what, sizeof(what)) >= 0)
		return error_set(err, EBUSY, "%s is under way: one at a time", what);
	if (mig_uri_connect_start(to, &g->conn, err))
		return -1;
	pthread_mutex_lock(&g->lock);
	/* The last migration's cancel may have left the eventfd readable. */
	while (read(g->cancel_fd, &stale, sizeof(stale)) > 0)
		;
	g->to = *to;
	snprintf(g->to_text, sizeof(g->to_text), "%s", to_text);
	g->downtime_ms = downtime_ms;
	g->max_rounds = max_rounds;
	g->cancel = false;
	g->p = (struct migration_progress){ .status = MIGRATION_CONNECTING };
	pthread_mutex_unlock(&g->lock);
	mj = new_job(g, wait, err);
	if (!mj || api_worker_submit(w, &mj->job, err)) {
		free(mj);
		pthread_mutex_lock(&g->lock);
		mig_connect_abandon(&g->conn);
		g->p.status = MIGRATION_NONE;
		pthread_mutex_unlock(&g->lock);
		return -1;
	}
	*waited = wait ? &mj->job : NULL;
	return 0;
}

/* Under the lock: stop the connect, the stream, or the next round. */
static void cancel_locked(struct migration *g, const char *why)
{
	static const uint64_t one = 1;

	g->cancel = true;
	g->cancel_why = why;
	/* Fails only with the counter at its maximum, which is readable anyway. */
	if (write(g->cancel_fd, &one, sizeof(one)) < 0)
		pr_debug("migration: the cancel's eventfd: %s", strerror(errno));
	if (g->fd >= 0)
		shutdown(g->fd, SHUT_RDWR);
}

int migration_cancel(struct migration *g, struct error *err)
{
	enum migration_status st;
	int r = 0;

	pthread_mutex_lock(&g->lock);
	st = g->p.status;
	if (st == MIGRATION_COMPLETING)
		r = error_set(err, EBUSY, "the migration is completing (the VM is paused for its "
			      "last round): too late to cancel");
	else if (st != MIGRATION_CONNECTING && st != MIGRATION_ACTIVE)
		r = error_set(err, EBUSY, "no migration is under way");
	else if (g->cancel)
		r = error_set(err, EBUSY, "the migration is being cancelled already");
	else
		cancel_locked(g, "by DELETE /vm/migrate");
	pthread_mutex_unlock(&g->lock);
	return r;
}

void migration_abort(struct migration *g)
{
	pthread_mutex_lock(&g->lock);
	cancel_locked(g, "the VM is stopping");
	pthread_mutex_unlock(&g->lock);
}

void migration_destroy(struct migration *g)
{
	mig_connect_abandon(&g->conn);
	close(g->cancel_fd);
	pthread_mutex_destroy(&g->lock);
}
