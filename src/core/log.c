#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

/* One process, one verbosity: set once by the command line. */
static bool verbose;
static bool quiet;

void log_set_verbose(bool on)
{
	verbose = on;
}

void log_set_quiet(bool on)
{
	quiet = on;
}

bool log_verbose(void)
{
	return verbose;
}

static void emit(const char *level, const char *fmt, va_list ap)
{
	char buf[1024];

	if (quiet)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One fprintf per line keeps lines from several threads whole. */
	fprintf(stderr, "vessel: %s%s\n", level, buf);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error: ", fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	emit("debug: ", fmt, ap);
	va_end(ap);
}
