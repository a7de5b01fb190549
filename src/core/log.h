/* Messages to stderr, prefixed with the program name, or to a log file as text or JSON. */
#ifndef VESSEL_CORE_LOG_H
#define VESSEL_CORE_LOG_H

#include <stdbool.h>

void log_set_verbose(bool on);
/* Drop every message (fuzzers, which feed thousands of bad inputs). */
void log_set_quiet(bool on);
bool log_verbose(void);
/*
 * Send messages to @fd instead of stderr: as "vessel: error: ..." lines, or with
 * @json one object a line ({"level":"error","msg":"...","time":"..."}), the format
 * container engines read from an OCI runtime's --log file. Errors still go to
 * stderr too, so a person running the command sees them.
 */
void log_set_fd(int fd, bool json);
/* Hand every message to @fn instead (a runtime's child reports to the runtime). */
void log_set_sink(void (*fn)(void *opaque, const char *level, const char *msg), void *opaque);

struct error;
/*
 * While @err is set, this thread's error messages fill @err (the first one
 * wins) instead of being printed: how layers that report with pr_err hand
 * their reason to a caller that returns it as a value. NULL ends it.
 */
void log_capture_errors(struct error *err);

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
