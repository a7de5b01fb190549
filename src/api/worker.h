/*
 * The API server's worker: one thread that runs the requests that take long
 * (a snapshot's files, a migration's connect and stream), so the server's
 * thread goes on answering (GET /vm, the events) meanwhile. One job at a
 * time: another is refused while one runs, named by the one that does.
 */
#ifndef VESSEL_API_WORKER_H
#define VESSEL_API_WORKER_H

#include "api/reply.h"
#include "core/error.h"

#include <pthread.h>
#include <stdbool.h>

enum api_job_kind { API_JOB_SNAPSHOT, API_JOB_MIGRATION };

struct api_job {
	enum api_job_kind kind;
	void (*run)(struct api_job *j);		/* on the worker's thread */
	void (*release)(struct api_job *j);	/* on the server's, once taken */
	char what[384];		/* "a snapshot into DIR": the 409's reason */
	bool deferred;		/* the request waits: @reply is its answer */
	void *waiter;		/* the server's: the connection that waits, NULL once gone */
	struct api_reply reply;	/* set by @run */
	struct api_job *next;	/* the worker's list of finished jobs */
};

struct api_worker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started;
	bool quit;
	struct api_job *job;	/* queued or running; NULL: idle */
	struct api_job *done;	/* finished, not taken yet */
	/* Tell the server a job finished (from the worker's thread). */
	void (*wake)(void *opaque);
	void *opaque;
};

int api_worker_start(struct api_worker *w, void (*wake)(void *opaque), void *opaque,
		     struct error *err);
/* Queue @j; EBUSY naming the job under way if there is one. */
int api_worker_submit(struct api_worker *w, struct api_job *j, struct error *err);
/* The kind of job under way, or -1 if idle; its description into @what. */
int api_worker_busy(struct api_worker *w, char *what, size_t size);
/* One finished job, to deliver and release, or NULL. */
struct api_job *api_worker_take(struct api_worker *w);
/* Wait for the job under way and stop the thread; finished jobs can still be taken. */
void api_worker_stop(struct api_worker *w);
/* After the stop: release the jobs nobody took. */
void api_worker_destroy(struct api_worker *w);

#endif
