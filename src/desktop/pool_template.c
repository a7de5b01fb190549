#include "desktop/pool_template.h"
#include "core/error.h"
#include "core/size.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pool_args_add(struct pool_args *a, const char *s)
{
	char **v;

	if (a->n + 1 >= a->cap) {
		v = realloc(a->v, (size_t)(a->cap * 2 + 8) * sizeof(*v));
		if (!v)
			return -1;
		a->v = v;
		a->cap = a->cap * 2 + 8;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		return -1;
	a->v[++a->n] = NULL;
	return 0;
}

void pool_args_free(struct pool_args *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int want_string(json_t *v, const char *key, const char **out, struct error *err)
{
	if (!json_is_string(v))
		return error_set(err, EINVAL, "%s: expected a string", key);
	*out = json_string_value(v);
	return 0;
}

/* A size as "4G" or a number of bytes. */
static int want_size(json_t *v, const char *key, uint64_t *out, struct error *err)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && !parse_size(json_string_value(v), 1, out))
		return 0;
	return error_set(err, EINVAL, "%s: expected a size such as \"4G\" or a number of bytes",
			 key);
}

/* "kernel": "F" becomes --kernel F. */
static const char *const run_keys[][2] = {
	{ "kernel", "--kernel" }, { "initrd", "--initrd" }, { "cmdline", "--cmdline" },
	{ "memory", "--memory" },
};

static int run_key(const char *key, json_t *v, struct pool_args *args, struct error *err)
{
	const char *s = NULL;
	char num[24];
	size_t i;

	if (!strcmp(key, "display")) {
		/* --display takes its size only joined to it. */
		if (want_string(v, key, &s, err))
			return -1;
		snprintf(num, sizeof(num), "--display=%.13s", s);
		return pool_args_add(args, num) ? error_set(err, ENOMEM, "out of memory") : 0;
	}
	if (!strcmp(key, "cpus")) {
		if (!json_is_integer(v))
			return error_set(err, EINVAL, "cpus: expected an integer");
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return pool_args_add(args, "--cpus") || pool_args_add(args, num) ?
		       error_set(err, ENOMEM, "out of memory") : 0;
	}
	for (i = 0; i < sizeof(run_keys) / sizeof(run_keys[0]); i++) {
		if (strcmp(key, run_keys[i][0]))
			continue;
		if (want_string(v, key, &s, err))
			return -1;
		return pool_args_add(args, run_keys[i][1]) || pool_args_add(args, s) ?
		       error_set(err, ENOMEM, "out of memory") : 0;
	}
	return error_set(err, EINVAL, "%s: unknown key", key);
}

static int run_args(json_t *v, struct pool_args *args, struct error *err)
{
	json_t *item;
	size_t i;

	if (!json_is_array(v))
		return error_set(err, EINVAL, "run_args: expected an array of strings");
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return error_set(err, EINVAL, "run_args[%zu]: expected a string", i);
		if (pool_args_add(args, json_string_value(item)))
			return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int pool_key(const char *key, json_t *v, struct pool_config *cfg, struct error *err)
{
	if (!strcmp(key, "count")) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > POOL_MAX_DESKTOPS)
			return error_set(err, EINVAL, "count: expected an integer, 1 to %d",
					 POOL_MAX_DESKTOPS);
		cfg->count = (unsigned)json_integer_value(v);
		return 0;
	}
	if (!strcmp(key, "prefix"))
		return want_string(v, key, &cfg->prefix, err);
	if (!strcmp(key, "listen"))
		return want_string(v, key, &cfg->listen, err);
	if (!strcmp(key, "state_dir"))
		return want_string(v, key, &cfg->state_dir, err);
	if (!strcmp(key, "base_disk"))
		return want_string(v, key, &cfg->base_disk, err);
	if (!strcmp(key, "disk_size"))
		return want_size(v, key, &cfg->disk_size, err);
	return 1;
}

int pool_template_apply(json_t *root, struct pool_config *cfg, struct pool_args *args,
			struct error *err)
{
	const char *key;
	json_t *v, *extra = NULL;
	int r;

	if (!json_is_object(root))
		return error_set(err, EINVAL, "expected a JSON object");
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "run_args")) {
			extra = v;
			continue;
		}
		r = pool_key(key, v, cfg, err);
		if (r > 0)
			r = run_key(key, v, args, err);
		if (r)
			return -1;
	}
	return extra ? run_args(extra, args, err) : 0;
}
