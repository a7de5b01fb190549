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

/* A client's bytes quoted in a message may not be UTF-8, which JSON strings must be. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

void api_reply_error(struct api_reply *r, int status, const char *field, const char *fmt, ...)
{
	char msg[512], name[128];
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printable(msg);
	j = json_pack("{s:s}", "error", msg);
	if (j && field) {
		snprintf(name, sizeof(name), "%s", field);
		printable(name);
		json_object_set_new(j, "field", json_string(name));
	}
	api_reply_json(r, status, j);
}

void api_reply_free(struct api_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
