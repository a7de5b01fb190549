/*
 * vessel ctl: the control API's client. One request per connection on a
 * plain unix socket (a client needs no server library): a minimal HTTP/1.1
 * request, and a reader that takes the status line, the headers it needs
 * and the body (Content-Length, or up to the end of the connection).
 */
#include "cli/cli.h"

#include <jansson.h>

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_TIMEOUT_S	30	/* for a reply; an event stream waits as long as the VM runs */
#define CTL_HEAD_MAX	8192

/* A command's words after its name fill the path's and the body's %s, in order. */
struct ctl_command {
	const char *name;
	const char *method;
	const char *path;
	const char *body;	/* NULL: none */
	unsigned nr_args;
	bool follow;		/* then the events until the migration's end */
};

static const struct ctl_command commands[] = {
	{ "info", "GET", "/vm", NULL, 0, false },
	{ "metrics", "GET", "/vm/metrics", NULL, 0, false },
	{ "pause", "PUT", "/vm/pause", NULL, 0, false },
	{ "resume", "PUT", "/vm/resume", NULL, 0, false },
	{ "stop", "PUT", "/vm/stop", NULL, 0, false },
	{ "power-button", "PUT", "/vm/power-button", NULL, 0, false },
	{ "reset", "PUT", "/vm/reset", NULL, 0, false },
	{ "link", "PATCH", "/vm/net/%s", "{\"link\": %s}", 2, false },
	{ "migrate", "PUT", "/vm/migrate", "{\"to\": %s}", 1, true },
	{ "migration", "GET", "/vm/migrate", NULL, 0, false },
	{ "cancel-migration", "DELETE", "/vm/migrate", NULL, 0, false },
	{ "events", "GET", "/vm/events", NULL, 0, false },
};

struct ctl_request {
	const char *method;
	char path[256];
	char *body;		/* NULL: none */
};

struct response {
	int status;
	long long length;	/* -1: up to the end of the connection */
	bool stream;
	char head[CTL_HEAD_MAX + 1];
	size_t head_len;
	size_t body_start;	/* where the body starts in head[] */
};

static void ctl_usage(FILE *f)
{
	fprintf(f,
		"usage: vessel ctl --api-socket PATH COMMAND [ARGS]\n"
		"Drive a VM started with 'vessel run --api-socket PATH' (docs/api.yaml).\n\n"
		"  info      GET /vm: state, configuration, uptime\n"
		"  metrics   GET /vm/metrics: the devices' counters\n"
		"  pause     PUT /vm/pause\n"
		"  resume    PUT /vm/resume\n"
		"  stop      PUT /vm/stop\n"
		"  power-button  PUT /vm/power-button: the guest's OS decides (Linux powers off)\n"
		"  reset     PUT /vm/reset\n"
		"  link ID up|down  PATCH /vm/net/ID: the NIC's link (ID: net0, net1, ...)\n"
		"  migrate URI  PUT /vm/migrate to unix:PATH or tcp:HOST:PORT (a vessel run\n"
		"            --incoming there), then its events until it ends: the last line\n"
		"            is the \"migrated\" event (total_ms, downtime_ms, rounds), exit 0,\n"
		"            or \"migration-failed\", exit 1\n"
		"  migration  GET /vm/migrate: the last migration's status and figures\n"
		"  cancel-migration  DELETE /vm/migrate: cancel it; the VM runs on here\n"
		"  events    GET /vm/events: one JSON object a line, until the VM shuts down\n\n"
		"Replies are printed as JSON; an HTTP error's message goes to stderr, exit status 1.\n");
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vessel ctl: --api-socket %s: the path is too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "vessel ctl: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_request(int fd, const struct ctl_request *c)
{
	size_t blen = c->body ? strlen(c->body) : 0;
	char req[512];
	int n;

	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: vessel\r\nConnection: close\r\n",
		     c->method, c->path);
	if (strcmp(c->method, "GET"))
		n += snprintf(req + n, sizeof(req) - (size_t)n, "%sContent-Length: %zu\r\n",
			      blen ? "Content-Type: application/json\r\n" : "", blen);
	n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
	if (write_all(fd, req, (size_t)n))
		return -1;
	return blen ? write_all(fd, c->body, blen) : 0;
}

/*
 * The request @c and its words @args make: each word goes where the path or
 * the body has a %s (the body's as a JSON string), so none reshapes them.
 */
static int build_request(const struct ctl_command *c, char **args, struct ctl_request *req)
{
	unsigned used = c->nr_args && strstr(c->path, "%s") ? 1 : 0;
	json_t *word;

	req->method = c->method;
	req->body = NULL;
	if (used && strpbrk(args[0], "/?#% "))
		return fprintf(stderr, "vessel ctl %s: '%s' is not an id\n", c->name, args[0]), -1;
	if ((size_t)snprintf(req->path, sizeof(req->path), c->path, used ? args[0] : "") >=
	    sizeof(req->path))
		return fprintf(stderr, "vessel ctl %s: the id is too long\n", c->name), -1;
	if (!c->body)
		return 0;
	word = json_string(args[used]);
	req->body = word ? json_dumps(word, JSON_ENCODE_ANY) : NULL;
	json_decref(word);
	if (req->body) {
		char *quoted = req->body;

		if (asprintf(&req->body, c->body, quoted) < 0)
			req->body = NULL;
		free(quoted);
	}
	if (!req->body)
		return fprintf(stderr, "vessel ctl %s: '%s' is not text\n", c->name, args[used]), -1;
	return 0;
}

/* A header's value in @head (lines ending at '\n'), or NULL. */
static const char *header(const char *head, const char *name)
{
	size_t len = strlen(name);
	const char *p = strchr(head, '\n');

	for (; p; p = strchr(p, '\n')) {
		p++;
		if (!strncasecmp(p, name, len) && p[len] == ':')
			return p + len + 1 + strspn(p + len + 1, " \t");
	}
	return NULL;
}

/* Read up to the blank line after the headers; tolerant of bare '\n' line ends. */
static int read_head(int fd, struct response *r)
{
	const char *v;
	char *end;
	ssize_t n;

	for (;;) {
		r->head[r->head_len] = '\0';
		end = strstr(r->head, "\r\n\r\n");
		if (end || (end = strstr(r->head, "\n\n")))
			break;
		if (r->head_len == CTL_HEAD_MAX)
			return fprintf(stderr, "vessel ctl: the reply's headers are too long\n"), -1;
		n = read(fd, r->head + r->head_len, CTL_HEAD_MAX - r->head_len);
		if (n <= 0)
			return fprintf(stderr, "vessel ctl: no reply from the VM\n"), -1;
		r->head_len += (size_t)n;
	}
	r->body_start = (size_t)(end - r->head) + (end[0] == '\r' ? 4 : 2);
	if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1)
		return fprintf(stderr, "vessel ctl: not an HTTP reply\n"), -1;
	v = header(r->head, "content-length");
	r->length = v ? atoll(v) : -1;
	v = header(r->head, "content-type");
	r->stream = v && !strncasecmp(v, "text/event-stream", 17);
	return 0;
}

static char *read_body(int fd, struct response *r, size_t *len)
{
	size_t have = r->head_len - r->body_start, cap = have + 4096;
	char *body = malloc(cap + 1);
	ssize_t n;

	if (!body)
		return NULL;
	memcpy(body, r->head + r->body_start, have);
	while (r->length < 0 || have < (size_t)r->length) {
		if (have == cap) {
			char *p = realloc(body, 2 * cap + 1);

			if (!p)
				return free(body), NULL;
			body = p;
			cap *= 2;
		}
		n = read(fd, body + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	body[have] = '\0';
	*len = have;
	return body;
}

/* With @follow: 0 once the migration is done, 1 once it failed or the VM stopped; else -1. */
static int migration_end(const char *data)
{
	json_t *j = json_loads(data, 0, NULL);
	const char *ev = json_string_value(json_object_get(j, "event"));
	int r = -1;

	if (ev && !strcmp(ev, "migrated"))
		r = 0;
	else if (ev && !strcmp(ev, "migration-failed"))
		r = fprintf(stderr, "vessel ctl: the migration failed: %s\n",
			    json_string_value(json_object_get(j, "error"))) > 0;
	else if (ev && !strcmp(ev, "shutdown"))
		r = fprintf(stderr, "vessel ctl: the VM stopped before the migration ended\n") > 0;
	json_decref(j);
	return r;
}

/*
 * Each event's data line (the JSON object) on a line of its own, as it
 * arrives; with @follow only until the migration's end.
 */
static int print_stream(int fd, struct response *r, bool follow)
{
	int end;
	char line[4096];
	size_t used = r->head_len - r->body_start;
	char *nl;
	ssize_t n;

	memmove(line, r->head + r->body_start, used);
	for (;;) {
		while ((nl = memchr(line, '\n', used))) {
			*nl = '\0';
			if (!strncmp(line, "data:", 5))
				printf("%s\n", line + 5 + (line[5] == ' '));
			fflush(stdout);
			if (follow && !strncmp(line, "data:", 5) &&
			    (end = migration_end(line + 5)) >= 0)
				return end;
			used -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, used);
		}
		if (used == sizeof(line))
			return fprintf(stderr, "vessel ctl: an event is too long\n"), 1;
		n = read(fd, line + used, sizeof(line) - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return follow ? fprintf(stderr, "vessel ctl: the event stream ended\n") > 0 : 0;
		used += (size_t)n;
	}
}

static int report(struct response *r, const char *body, size_t len)
{
	json_t *j, *msg;

	if (r->status >= 200 && r->status < 300) {
		printf("%.*s\n", (int)len, body);
		return 0;
	}
	j = json_loadb(body, len, 0, NULL);
	msg = json_object_get(j, "error");
	fprintf(stderr, "vessel ctl: HTTP %d: %s\n", r->status,
		json_is_string(msg) ? json_string_value(msg) : body);
	json_decref(j);
	return 1;
}

static int run_command(const char *path, const struct ctl_request *c)
{
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	struct response *r = calloc(1, sizeof(*r));
	char *body = NULL;
	size_t len = 0;
	int fd, status = 1;

	if (!r)
		return 1;
	fd = connect_to(path);
	if (fd < 0)
		goto out_free;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send_request(fd, c)) {
		fprintf(stderr, "vessel ctl: cannot send the request: %s\n", strerror(errno));
		goto out_close;
	}
	if (read_head(fd, r))
		goto out_close;
	if (r->stream && r->status == 200) {
		tv.tv_sec = 0;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		status = print_stream(fd, r, false);
		goto out_close;
	}
	body = read_body(fd, r, &len);
	status = body ? report(r, body, len) : 1;
	free(body);
out_close:
	close(fd);
out_free:
	free(r);
	return status;
}

/* The event stream first, so that none of the request's events is missed; then the request. */
static int run_followed(const char *path, const struct ctl_request *c)
{
	struct ctl_request events = { "GET", "/vm/events", NULL };
	struct response *r = calloc(1, sizeof(*r));
	int fd, status = 1;

	if (!r)
		return 1;
	fd = connect_to(path);
	if (fd < 0)
		goto out_free;
	if (send_request(fd, &events) || read_head(fd, r) || r->status != 200) {
		fprintf(stderr, "vessel ctl: cannot follow the VM's events\n");
		goto out_close;
	}
	status = run_command(path, c);
	if (!status)
		status = print_stream(fd, r, true);
out_close:
	close(fd);
out_free:
	free(r);
	return status;
}

/* snapshot DIR [--diff] [--resume]: DIR made absolute, as the VM may run elsewhere. */
static int snapshot_command(const char *path, int argc, char **argv)
{
	struct ctl_request req = { "PUT", "/vm/snapshot", NULL };
	char cwd[PATH_MAX], *dir = NULL;
	bool diff = false, resume = false;
	json_t *j;
	int i, status;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--diff"))
			diff = true;
		else if (!strcmp(argv[i], "--resume"))
			resume = true;
		else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else
			return fprintf(stderr, "vessel ctl: snapshot: unexpected '%s'\n", argv[i]),
			       EXIT_USAGE;
	}
	if (!dir)
		return fprintf(stderr, "vessel ctl: snapshot DIR: no directory given\n"), EXIT_USAGE;
	if (dir[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return fprintf(stderr, "vessel ctl: %s\n", strerror(errno)), 1;
	j = json_pack("{s:s++, s:s, s:b}", "dir", dir[0] == '/' ? "" : cwd,
		      dir[0] == '/' ? "" : "/", dir, "type", diff ? "diff" : "full", "resume", resume);
	req.body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!req.body)
		return fprintf(stderr, "vessel ctl: out of memory\n"), 1;
	status = run_command(path, &req);
	free(req.body);
	return status;
}

static int run_with_args(const char *path, const struct ctl_command *c, int nr, char **args)
{
	struct ctl_request req;
	int status;

	if (nr != (int)c->nr_args) {
		fprintf(stderr, "vessel ctl %s: %u argument%s expected\n", c->name, c->nr_args,
			c->nr_args == 1 ? "" : "s");
		ctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (build_request(c, args, &req))
		return EXIT_USAGE;
	status = c->follow ? run_followed(path, &req) : run_command(path, &req);
	free(req.body);
	return status;
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "api-socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	size_t i;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (opt == 'h')
			return ctl_usage(stdout), 0;
		if (opt != 's')
			return fprintf(stderr, "vessel ctl: unknown or incomplete option '%s'\n",
				       argv[optind - 1]), ctl_usage(stderr), EXIT_USAGE;
		path = optarg;
	}
	if (!path || optind >= argc) {
		fprintf(stderr, "vessel ctl: %s\n", path ? "a command is expected" : "--api-socket PATH is needed");
		ctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "snapshot"))
		return snapshot_command(path, argc - optind - 1, argv + optind + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return run_with_args(path, &commands[i], argc - optind - 1, argv + optind + 1);
	fprintf(stderr, "vessel ctl: unknown command '%s'\n", argv[optind]);
	ctl_usage(stderr);
	return EXIT_USAGE;
}
