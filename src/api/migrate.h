/*
 * Live migration (docs/migration.md). The source: PUT /vm/migrate starts
 * pre-copy on a thread of its own; its progress, and its end, are events.
 * The destination: vessel run --incoming URI.
 */
#ifndef VESSEL_API_MIGRATE_H
#define VESSEL_API_MIGRATE_H

#include "api/events.h"
#include "api/migrate_uri.h"
#include "core/error.h"
#include "machine/machine.h"

#include <pthread.h>
#include <stdbool.h>

struct migration {
	pthread_mutex_t lock;
	bool active;		/* a thread runs (or ran and was not joined yet) */
	bool joinable;
	pthread_t thread;
	int fd;			/* the stream; shut down to cancel */
	bool cancel;
	/* What the thread works with. */
	struct machine *m;
	struct api_events *events;
	void (*wake)(void *opaque);
	void *opaque;
	struct mig_uri to;
	char to_text[320];
	unsigned downtime_ms;
	unsigned max_rounds;
};

void migration_init(struct migration *g, struct machine *m, struct api_events *ev,
		    void (*wake)(void *opaque), void *opaque);
/*
 * Connect to @to and start the thread: the address's errors come back at
 * once (EBUSY: a migration runs already); the peer's, as events.
 */
int migration_start(struct migration *g, const char *to_text, const struct mig_uri *to,
		    unsigned downtime_ms, unsigned max_rounds, struct error *err);
/* Cancel a migration still running and wait for its thread (the VM runs on). */
void migration_destroy(struct migration *g);

/* vessel run --incoming URI [--api-socket PATH]: wait, receive, run. Prints any error. */
int api_incoming_run(const char *uri, const char *api_path);

#endif
