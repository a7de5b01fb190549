#include "oci/oci_json.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int oj_error(const char *path, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path && key)
		pr_err("config.json: %s.%s: %s", path, key, msg);
	else
		pr_err("config.json: %s: %s", key ? key : path, msg);
	return -1;
}

static json_t *member(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

int oj_string(const json_t *obj, const char *key, const char *path, const char **out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return oj_error(path, key, "expected a string");
	*out = json_string_value(v);
	return 0;
}

int oj_bool(const json_t *obj, const char *key, const char *path, bool *out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return oj_error(path, key, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

int oj_int64(const json_t *obj, const char *key, const char *path, int64_t *out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return oj_error(path, key, "expected an integer");
	*out = json_integer_value(v);
	return 0;
}

int oj_uint64(const json_t *obj, const char *key, const char *path, uint64_t *out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return oj_error(path, key, "expected a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int oj_range(const json_t *obj, const char *key, const char *path, int64_t min, int64_t max,
	     int64_t *out)
{
	int64_t val;
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return oj_error(path, key, "expected an integer");
	val = json_integer_value(v);
	if (val < min || val > max)
		return oj_error(path, key, "%lld is out of range (%lld to %lld)", (long long)val,
				(long long)min, (long long)max);
	*out = val;
	return 0;
}

int oj_object(const json_t *obj, const char *key, const char *path, json_t **out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_object(v))
		return oj_error(path, key, "expected an object");
	*out = v;
	return 0;
}

int oj_array(const json_t *obj, const char *key, const char *path, json_t **out)
{
	json_t *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_is_array(v))
		return oj_error(path, key, "expected an array");
	*out = v;
	return 0;
}

int oj_strv(const json_t *obj, const char *key, const char *path, char ***out)
{
	json_t *arr = NULL, *s;
	size_t i;
	char **v;

	if (oj_array(obj, key, path, &arr))
		return -1;
	if (!arr)
		return 0;
	v = calloc(json_array_size(arr) + 1, sizeof(*v));
	if (!v)
		return oj_error(path, key, "out of memory");
	json_array_foreach(arr, i, s) {
		if (!json_is_string(s) || !(v[i] = strdup(json_string_value(s)))) {
			oj_strv_free(v);
			return oj_error(path, key, "element %zu: expected a string", i);
		}
	}
	*out = v;
	return 0;
}

void oj_strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
