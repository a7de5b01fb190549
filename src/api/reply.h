/* What a route answers: a status and a JSON body, or the start of an event stream. */
#ifndef VESSEL_API_REPLY_H
#define VESSEL_API_REPLY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct api_job;

struct api_reply {
	int status;
	char *body;		/* JSON text, or an event stream's first events */
	size_t len;
	const char *allow;	/* the Allow header of a 405 */
	bool stream;		/* text/event-stream: events follow the body */
	struct api_job *deferred;	/* no answer yet: this job gives it (api/worker.h) */
};

/* Take @j as the body (NULL: out of memory, a 500). */
void api_reply_json(struct api_reply *r, int status, json_t *j);
/* {"error": MESSAGE, "field": FIELD}; @field may be NULL. */
void api_reply_error(struct api_reply *r, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void api_reply_free(struct api_reply *r);

#endif
