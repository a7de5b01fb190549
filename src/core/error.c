#include "core/error.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct error *err, int code, const char *fmt, ...)
{
	char buf[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err ? err->msg : buf, ERROR_MSG_MAX, fmt, ap);
	va_end(ap);
	if (!err) {
		pr_err("%s", buf);
		return -1;
	}
	err->code = code;
	return -1;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	char head[ERROR_MSG_MAX], tail[ERROR_MSG_MAX];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(tail, err->msg, sizeof(tail));
	/* Too long a pair keeps its start: the context, and as much of the reason as fits. */
	if (snprintf(err->msg, sizeof(err->msg), "%.*s%s", (int)sizeof(head) - 1, head, tail) < 0)
		err->msg[0] = '\0';
	return -1;
}

void error_clear(struct error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
