/* Messages to stderr, prefixed with the program name. */
#ifndef VESSEL_CORE_LOG_H
#define VESSEL_CORE_LOG_H

#include <stdbool.h>

void log_set_verbose(bool on);
/* Drop every message (fuzzers, which feed thousands of bad inputs). */
void log_set_quiet(bool on);
bool log_verbose(void);

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
