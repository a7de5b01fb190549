#include "api/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char oom_body[] = "{\"error\": \"out of memory\"}";

void api_reply_json(struct api_reply *r, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	free(r->body);
	r->body = text ? text : strdup(oom_body);
	r->len = r->body ? strlen(r->body) : 0;
	r->status = text ? status : 500;
}

void api_reply_error(struct api_reply *r, int status, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j = json_pack("{s:s}", "error", msg);
	if (j && field)
		json_object_set_new(j, "field", json_string(field));
	api_reply_json(r, status, j);
}

void api_reply_free(struct api_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
