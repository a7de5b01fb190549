#include "api/worker.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void *work(void *arg)
{
	struct api_worker *w = arg;
	struct api_job *j;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->job && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->job)
			break;
		j = w->job;
		pthread_mutex_unlock(&w->lock);
		j->run(j);
		pthread_mutex_lock(&w->lock);
		w->job = NULL;
		j->next = w->done;
		w->done = j;
		w->wake(w->opaque);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int api_worker_start(struct api_worker *w, void (*wake)(void *opaque), void *opaque,
		     struct error *err)
{
	int r;

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->wake = wake;
	w->opaque = opaque;
	r = pthread_create(&w->thread, NULL, work, w);
	if (r) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return error_set(err, r, "cannot start the API's worker thread: %s", strerror(r));
	}
	pthread_setname_np(w->thread, "api-worker");
	w->started = true;
	return 0;
}

int api_worker_submit(struct api_worker *w, struct api_job *j, struct error *err)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->job)
		r = error_set(err, EBUSY, "%s is under way: one at a time", w->job->what);
	else if (w->quit)
		r = error_set(err, ESRCH, "the VM is stopping");
	else
		w->job = j;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return r;
}

int api_worker_busy(struct api_worker *w, char *what, size_t size)
{
	int kind = -1;

	pthread_mutex_lock(&w->lock);
	if (w->job) {
		kind = (int)w->job->kind;
		snprintf(what, size, "%s", w->job->what);
	}
	pthread_mutex_unlock(&w->lock);
	return kind;
}

struct api_job *api_worker_take(struct api_worker *w)
{
	struct api_job *j;

	pthread_mutex_lock(&w->lock);
	j = w->done;
	if (j)
		w->done = j->next;
	pthread_mutex_unlock(&w->lock);
	return j;
}

void api_worker_stop(struct api_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
}

void api_worker_destroy(struct api_worker *w)
{
	struct api_job *j;

	if (!w->started)
		return;
	while ((j = api_worker_take(w)))
		j->release(j);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	w->started = false;
}
