/*
 * Typed reads of config.json members. An absent member is not an error (the
 * getter returns 0 and leaves *out alone); a member of the wrong type or out
 * of range is: it is reported with its full path ("linux.resources.memory.limit")
 * and the getter returns -1. Unknown members are ignored, as the spec requires.
 */
#ifndef VESSEL_OCI_OCI_JSON_H
#define VESSEL_OCI_OCI_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

int oj_string(const json_t *obj, const char *key, const char *path, const char **out);
int oj_bool(const json_t *obj, const char *key, const char *path, bool *out);
int oj_int64(const json_t *obj, const char *key, const char *path, int64_t *out);
int oj_uint64(const json_t *obj, const char *key, const char *path, uint64_t *out);
/* An integer that must lie in [@min, @max]. */
int oj_range(const json_t *obj, const char *key, const char *path, int64_t min, int64_t max,
	     int64_t *out);
int oj_object(const json_t *obj, const char *key, const char *path, json_t **out);
int oj_array(const json_t *obj, const char *key, const char *path, json_t **out);
/* An array of strings, as a NULL-terminated vector (free with oj_strv_free). */
int oj_strv(const json_t *obj, const char *key, const char *path, char ***out);
void oj_strv_free(char **v);

/* Report a bad value: "config.json: PATH.KEY: MESSAGE". Returns -1. */
int oj_error(const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
