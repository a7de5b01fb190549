#include "core/log.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One process, one log: set once by the command line. */
static bool verbose;
static bool quiet;
static int log_fd = -1;
static bool log_json;
static void (*sink)(void *opaque, const char *level, const char *msg);
static void *sink_opaque;
static __thread struct error *capture;

void log_capture_errors(struct error *err)
{
	capture = err;
}

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

void log_set_fd(int fd, bool json)
{
	log_fd = fd;
	log_json = json;
}

void log_set_sink(void (*fn)(void *opaque, const char *level, const char *msg), void *opaque)
{
	sink = fn;
	sink_opaque = opaque;
}

/* JSON string escapes (RFC 8259, 7) for a message of ours. */
static size_t json_escape(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, size - n, "\\%c", c);
		else if (c < 0x20)
			n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = 0;
	return n;
}

static void write_json(const char *level, const char *msg)
{
	char esc[2048], line[2304], stamp[40];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	json_escape(esc, sizeof(esc), msg);
	n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
		     level, esc, stamp, ts.tv_nsec);
	if (n > 0 && write(log_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		return;
}

static void emit(const char *level, const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];

	if (quiet)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (capture && !strcmp(level, "error")) {
		size_t n = strnlen(buf, sizeof(capture->msg) - 1);

		if (!capture->msg[0]) {
			memcpy(capture->msg, buf, n);
			capture->msg[n] = '\0';
		}
		return;
	}
	if (sink) {
		sink(sink_opaque, level, buf);
		return;
	}
	if (log_fd >= 0) {
		if (log_json)
			write_json(level, buf);
		else
			dprintf(log_fd, "vessel: %s%s\n", prefix, buf);
		if (strcmp(level, "error"))
			return;
	}
	/* One fprintf per line keeps lines from several threads whole. */
	fprintf(stderr, "vessel: %s%s\n", prefix, buf);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error", "error: ", fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning", "warning: ", fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("info", "", fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	emit("debug", "debug: ", fmt, ap);
	va_end(ap);
}
