/*
 * Live migration (docs/migration.md). The source: PUT /vm/migrate is a job
 * on the API's worker (api/worker.h): the connect, then pre-copy; its
 * progress and its end are events, and GET /vm/migrate; DELETE /vm/migrate
 * cancels it until the VM pauses for the last round.
 * The destination: vessel run --incoming URI.
 */
#ifndef VESSEL_API_MIGRATE_H
#define VESSEL_API_MIGRATE_H

#include "api/events.h"
#include "api/migrate_uri.h"
#include "api/worker.h"
#include "core/error.h"
#include "machine/machine.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum migration_status {
	MIGRATION_NONE,
	MIGRATION_CONNECTING,
	MIGRATION_ACTIVE,	/* pre-copy rounds, the VM running */
	MIGRATION_COMPLETING,	/* the VM paused: the last pages and the state */
	MIGRATION_COMPLETED,
	MIGRATION_FAILED,
	MIGRATION_CANCELLED,
};

/* What GET /vm/migrate shows: the last migration's figures so far, or its end's. */
struct migration_progress {
	enum migration_status status;
	unsigned rounds;
	uint64_t bytes;
	uint64_t remaining_bytes;
	unsigned throttle_pct;
	double total_ms, downtime_ms, throttled_ms;	/* at the end */
	char error[ERROR_MSG_MAX];
};

struct migration {
	pthread_mutex_t lock;	/* guards what follows up to the thread's part */
	int fd;			/* the stream; shut down to cancel */
	int cancel_fd;		/* an eventfd: readable once cancelled, for the connect */
	bool cancel;
	const char *cancel_why;
	struct migration_progress p;
	/* What the job works with, set when it is queued. */
	struct machine *m;
	struct api_events *events;
	void (*wake)(void *opaque);
	void *opaque;
	struct mig_uri to;
	struct mig_connect conn;
	char to_text[320];
	unsigned downtime_ms;
	unsigned max_rounds;
};

int migration_init(struct migration *g, struct machine *m, struct api_events *ev,
		   void (*wake)(void *opaque), void *opaque, struct error *err);
/*
 * Begin connecting to @to and queue the rest on @w: what fails at once (the
 * address, a job under way: EBUSY) comes back here; the rest as events, in
 * GET /vm/migrate, and with @wait in the reply of the job *@waited (200
 * with the figures, or 502 with the reason), which the request waits for.
 */
int migration_start(struct migration *g, struct api_worker *w, const char *to_text,
		    const struct mig_uri *to, unsigned downtime_ms, unsigned max_rounds,
		    bool wait, struct api_job **waited, struct error *err);
/* DELETE /vm/migrate: EBUSY if none is under way, or it is past the pause. */
int migration_cancel(struct migration *g, struct error *err);
/* The progress as GET /vm/migrate's reply. */
json_t *migration_json(struct migration *g);
/* At exit, before the worker is stopped: a migration under way is cancelled (the VM runs on). */
void migration_abort(struct migration *g);
/* Once the worker has stopped. */
void migration_destroy(struct migration *g);
/* The job's work (migrate_send.c): 0 once the destination runs the VM, else -1 with @err. */
int migration_send(struct migration *g, struct error *err);

/* vessel run --incoming URI [--api-socket PATH]: wait, receive, run. Prints any error. */
int api_incoming_run(const char *uri, const char *api_path);

#endif
