/*
 * The machine's state changes as a numbered log that event streams read
 * from: written by whichever thread changed the state, read by the server's.
 */
#ifndef VESSEL_API_EVENTS_H
#define VESSEL_API_EVENTS_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_EVENTS_KEPT	64	/* a stream further behind skips to the oldest kept */
#define API_EVENT_MAX	256	/* one event as Server-Sent Events text */

struct api_events {
	pthread_mutex_t lock;
	char text[API_EVENTS_KEPT][API_EVENT_MAX];
	bool last[API_EVENTS_KEPT];	/* the shutdown: a stream ends after it */
	uint64_t next;			/* the number the next event gets */
};

void api_events_init(struct api_events *e);
void api_events_destroy(struct api_events *e);
/* Log event @name with @data (taken; "event" and "seq" are added). */
void api_events_push(struct api_events *e, const char *name, json_t *data);
/* The number the next event will get: a new stream starts there. */
uint64_t api_events_head(struct api_events *e);
/*
 * Copy event *@seq (or the oldest kept, if it is gone) into @buf and move
 * *@seq on; 0 if there is none yet. *@last: the stream ends with this one.
 */
size_t api_events_read(struct api_events *e, uint64_t *seq, char *buf, size_t size, bool *last);
/* @name with @data as one Server-Sent Event, numbered unless @seq < 0; length, or 0. */
size_t api_event_format(char *buf, size_t size, const char *name, int64_t seq, json_t *data);

#endif
