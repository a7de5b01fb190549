#include "api/parse.h"

#include <jansson.h>

#include <string.h>

/* BODY_OBJECT: any JSON object (or none, as {}), handed on to the route. */
enum body_kind { BODY_NONE, BODY_NET_LINK, BODY_OBJECT, BODY_MIGRATE };

struct route {
	const char *path;		/* a prefix for the routes with an id */
	bool has_id;
	enum api_method method;
	enum api_action_kind kind;
	enum body_kind body;
	const char *allow;
};

static const struct route routes[] = {
	{ "/vm", false, API_GET, API_GET_VM, BODY_NONE, "GET" },
	{ "/vm/metrics", false, API_GET, API_GET_METRICS, BODY_NONE, "GET" },
	{ "/vm/events", false, API_GET, API_GET_EVENTS, BODY_NONE, "GET" },
	{ "/vm/pause", false, API_PUT, API_PAUSE, BODY_NONE, "PUT" },
	{ "/vm/resume", false, API_PUT, API_RESUME, BODY_NONE, "PUT" },
	{ "/vm/stop", false, API_PUT, API_STOP, BODY_NONE, "PUT" },
	{ "/vm/power-button", false, API_PUT, API_POWER_BUTTON, BODY_NONE, "PUT" },
	{ "/vm/reset", false, API_PUT, API_RESET, BODY_NONE, "PUT" },
	{ API_NET_PREFIX, true, API_PATCH, API_NET_LINK, BODY_NET_LINK, "PATCH" },
	{ "/vm/snapshot", false, API_PUT, API_SNAPSHOT, BODY_OBJECT, "PUT" },
	{ "/vm/migrate", false, API_PUT, API_MIGRATE, BODY_MIGRATE, "GET, PUT, DELETE" },
	{ "/vm/migrate", false, API_GET, API_GET_MIGRATE, BODY_NONE, "GET, PUT, DELETE" },
	{ "/vm/migrate", false, API_DELETE, API_CANCEL_MIGRATE, BODY_NONE, "GET, PUT, DELETE" },
};

/* "net" and a decimal index without leading zeros, below 100. */
static int nic_index(const char *id, unsigned *index)
{
	size_t n = strlen(id);

	if (n < 4 || n > 5 || strncmp(id, "net", 3))
		return -1;
	if (id[3] < '0' || id[3] > '9' || (n == 5 && (id[3] == '0' || id[4] < '0' || id[4] > '9')))
		return -1;
	*index = (unsigned)(id[3] - '0');
	if (n == 5)
		*index = *index * 10 + (unsigned)(id[4] - '0');
	return 0;
}

static bool path_matches(const struct route *rt, const char *path, struct api_action *a)
{
	size_t n = strlen(rt->path);

	if (!rt->has_id)
		return !strcmp(rt->path, path);
	return !strncmp(rt->path, path, n) && !nic_index(path + n, &a->nic);
}

/* The route of @path and @method; else the first of @path's (a 405), or NULL (a 404). */
static const struct route *find_route(const char *path, enum api_method method,
				      struct api_action *a)
{
	const struct route *first = NULL;
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];

		if (!path_matches(rt, path, a))
			continue;
		if (rt->method == method)
			return rt;
		if (!first)
			first = rt;
	}
	return first;
}

static json_t *load_object(const struct api_request *req, struct api_reply *r)
{
	json_error_t jerr;
	json_t *j;

	j = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		api_reply_error(r, 400, "body", "malformed JSON at byte %d: %s", jerr.position,
				jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(r, 400, "body", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* Every key of @j must be one of @known (NULL-terminated). */
static int only_fields(json_t *j, const char *const *known, struct api_reply *r)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(j, key, v) {
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i]) {
			api_reply_error(r, 400, key, "unknown field '%s'%s", key,
					known[0] ? "" : ": this request takes none");
			return -1;
		}
	}
	return 0;
}

/* {"link": "up" | "down"} */
static int net_link_body(json_t *j, struct api_action *a, struct api_reply *r)
{
	static const char *const known[] = { "link", NULL };
	const char *s;
	json_t *v;

	if (only_fields(j, known, r))
		return -1;
	v = json_object_get(j, "link");
	if (!v) {
		api_reply_error(r, 400, "link", "the field 'link' is required (\"up\" or \"down\")");
		return -1;
	}
	s = json_string_value(v);
	if (!s || (strcmp(s, "up") && strcmp(s, "down"))) {
		api_reply_error(r, 400, "link", "'link' must be \"up\" or \"down\"");
		return -1;
	}
	a->link_up = !strcmp(s, "up");
	return 0;
}

/* An optional integer field in [1, @max]; *@v keeps its default if absent. */
static int opt_count(json_t *j, const char *key, unsigned max, unsigned *v, struct api_reply *r)
{
	json_t *x = json_object_get(j, key);

	if (!x)
		return 0;
	if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > max) {
		api_reply_error(r, 400, key, "'%s' must be an integer from 1 to %u", key, max);
		return -1;
	}
	*v = (unsigned)json_integer_value(x);
	return 0;
}

/* {"to": "unix:PATH" | "tcp:HOST:PORT", "downtime_ms": N, "max_rounds": N, "wait": B} */
static int migrate_body(json_t *j, struct api_action *a, struct api_reply *r)
{
	static const char *const known[] = { "to", "downtime_ms", "max_rounds", "wait", NULL };
	struct error err = { 0 };
	json_t *to, *wait;

	if (only_fields(j, known, r))
		return -1;
	to = json_object_get(j, "to");
	if (!to || !json_is_string(to)) {
		api_reply_error(r, 400, "to", "'to' is required: \"unix:PATH\" or \"tcp:HOST:PORT\"");
		return -1;
	}
	if (json_string_length(to) >= sizeof(a->to) ||
	    mig_uri_parse(json_string_value(to), &a->uri, &err)) {
		api_reply_error(r, 400, "to", "%s", err.msg[0] ? err.msg : "'to' is too long");
		return -1;
	}
	strcpy(a->to, json_string_value(to));
	a->downtime_ms = API_DEFAULT_DOWNTIME_MS;
	a->max_rounds = API_DEFAULT_ROUNDS;
	wait = json_object_get(j, "wait");
	if (wait && !json_is_boolean(wait)) {
		api_reply_error(r, 400, "wait", "'wait' must be true or false");
		return -1;
	}
	a->wait = json_is_true(wait);
	if (opt_count(j, "downtime_ms", API_DOWNTIME_MAX_MS, &a->downtime_ms, r))
		return -1;
	return opt_count(j, "max_rounds", API_ROUNDS_MAX, &a->max_rounds, r);
}

static int parse_body(const struct api_request *req, const struct route *rt,
		      struct api_action *a, struct api_reply *r)
{
	static const char *const none[] = { NULL };
	json_t *j;
	int ret;

	if (!req->len) {
		if (rt->body == BODY_OBJECT)
			a->body = json_object();
		if (rt->body == BODY_NONE || a->body)
			return 0;
		api_reply_error(r, 400, "body", "%s takes a JSON body", req->path);
		return -1;
	}
	j = load_object(req, r);
	if (!j)
		return -1;
	if (rt->body == BODY_OBJECT) {
		a->body = j;
		return 0;
	}
	if (rt->body == BODY_NET_LINK)
		ret = net_link_body(j, a, r);
	else if (rt->body == BODY_MIGRATE)
		ret = migrate_body(j, a, r);
	else
		ret = only_fields(j, none, r);
	json_decref(j);
	return ret;
}

int api_parse(const struct api_request *req, struct api_action *a, struct api_reply *r)
{
	const struct route *rt;

	memset(a, 0, sizeof(*a));
	rt = find_route(req->path, req->method, a);
	if (!rt) {
		api_reply_error(r, 404, NULL, "no endpoint %s (see docs/api.yaml)", req->path);
		return -1;
	}
	if (rt->method != req->method) {
		r->allow = rt->allow;
		api_reply_error(r, 405, NULL, "%s takes %s only", req->path, rt->allow);
		return -1;
	}
	a->kind = rt->kind;
	return parse_body(req, rt, a, r);
}

void api_action_free(struct api_action *a)
{
	json_decref(a->body);
	a->body = NULL;
}
