/*
 * Errors as values: the layer that fails fills an error record with its
 * reason, and whoever asked (the command line, the control API) reports it.
 */
#ifndef VESSEL_CORE_ERROR_H
#define VESSEL_CORE_ERROR_H

#define ERROR_MSG_MAX 512

struct error {
	int code;		/* an errno value, or 0 */
	char msg[ERROR_MSG_MAX];
};

/*
 * Record why something failed and return -1. With @err NULL the reason is
 * printed at once instead (pr_err), for callers that only report.
 */
int error_set(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Put context in front of the recorded reason ("--disk a.img: " ...); returns -1. */
int error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct error *err);

#endif
