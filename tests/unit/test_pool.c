/* The desktop pool's pure parts: routing, token lookup and check, token files, templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "desktop/pool_route.h"
#include "desktop/pool_template.h"
#include "desktop/pool_token.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void route(enum pool_method m, const char *path, enum pool_route_kind kind,
		  const char *name)
{
	struct pool_route r;

	pool_route(m, path, &r);
	assert_int_equal(r.kind, kind);
	assert_string_equal(r.name, name);
}

static void test_routes(void **state)
{
	(void)state;
	route(POOL_GET, "/", ROUTE_INDEX, "");
	route(POOL_GET, "/desktops", ROUTE_LIST, "");
	route(POOL_GET, "/desktop/d1", ROUTE_PAGE, "d1");
	route(POOL_POST, "/desktop/a-b_C9/start", ROUTE_START, "a-b_C9");
	route(POOL_GET, "/desktop/d1/websockify", ROUTE_SOCKET, "d1");
}

static void test_bad_routes(void **state)
{
	struct pool_route r;

	(void)state;
	route(POOL_GET, "/desktop/", ROUTE_NOT_FOUND, "");
	route(POOL_GET, "/desktop/d1/", ROUTE_NOT_FOUND, "");
	route(POOL_GET, "/desktop/d1/other", ROUTE_NOT_FOUND, "");
	route(POOL_GET, "/desktop/../etc", ROUTE_NOT_FOUND, "");
	route(POOL_GET, "/desktop/d%31", ROUTE_NOT_FOUND, "");
	route(POOL_GET, "/desktop/0123456789012345678901234567890123", ROUTE_NOT_FOUND, "");
	route(POOL_GET, "/desktopsX", ROUTE_NOT_FOUND, "");
	route(POOL_GET, "", ROUTE_NOT_FOUND, "");
	pool_route(POOL_GET, NULL, &r);
	assert_int_equal(r.kind, ROUTE_NOT_FOUND);
	/* A known path with the wrong method says which one it takes. */
	pool_route(POOL_GET, "/desktop/d1/start", &r);
	assert_int_equal(r.kind, ROUTE_BAD_METHOD);
	assert_string_equal(r.allow, "POST");
	pool_route(POOL_POST, "/desktop/d1", &r);
	assert_int_equal(r.kind, ROUTE_BAD_METHOD);
	assert_string_equal(r.allow, "GET");
	pool_route(POOL_OTHER, "/", &r);
	assert_int_equal(r.kind, ROUTE_BAD_METHOD);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(pool_name_valid("desktop12", 9));
	assert_true(pool_name_valid("0123456789012345678901234567890", 31));
	assert_false(pool_name_valid("01234567890123456789012345678901", 32));
	assert_false(pool_name_valid("", 0));
	assert_false(pool_name_valid("a.b", 3));
	assert_false(pool_name_valid("a/b", 3));
	assert_false(pool_name_valid("a b", 3));
}

static void token_is(const char *args, const char *cookie, const char *want)
{
	size_t len = 0;
	const char *t = pool_request_token(args, cookie, &len);

	if (!want) {
		assert_null(t);
		return;
	}
	assert_non_null(t);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(t, want, len);
}

static void test_request_token(void **state)
{
	(void)state;
	token_is("token=abc", NULL, "abc");
	token_is("x=1&token=abc&y=2", NULL, "abc");
	token_is("tokens=abc&token=def", NULL, "def");
	token_is("xtoken=abc", NULL, NULL);
	token_is("token", NULL, NULL);
	token_is("token=", NULL, "");
	token_is(NULL, "a=1; vessel-token=c0ffee; b=2", "c0ffee");
	token_is(NULL, "vessel-token=c0ffee", "c0ffee");
	token_is(NULL, "my-vessel-token=c0ffee", NULL);
	/* The query wins over the cookie. */
	token_is("token=q", "vessel-token=c", "q");
	token_is("other=1", "vessel-token=c", "c");
	token_is(NULL, NULL, NULL);
	token_is("", "", NULL);
}

static void test_token_equal(void **state)
{
	char a[POOL_TOKEN_HEX + 1], b[POOL_TOKEN_HEX + 1];
	size_t i;

	(void)state;
	assert_int_equal(pool_token_generate(a, NULL), 0);
	assert_int_equal(pool_token_generate(b, NULL), 0);
	assert_int_equal(strlen(a), POOL_TOKEN_HEX);
	assert_string_not_equal(a, b);
	assert_true(pool_token_equal(a, POOL_TOKEN_HEX, a));
	assert_false(pool_token_equal(b, POOL_TOKEN_HEX, a));
	assert_false(pool_token_equal(a, POOL_TOKEN_HEX - 1, a));
	assert_false(pool_token_equal(a, 0, a));
	/* One differing digit anywhere is enough, the first and the last included. */
	for (i = 0; i < POOL_TOKEN_HEX; i++) {
		memcpy(b, a, sizeof(a));
		b[i] = b[i] == '0' ? '1' : '0';
		assert_false(pool_token_equal(b, POOL_TOKEN_HEX, a));
	}
	for (i = 0; i < POOL_TOKEN_HEX; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
}

static void test_token_file(void **state)
{
	char dir[] = "/tmp/vessel-pool-unit.XXXXXX", path[64], again[POOL_TOKEN_HEX + 1];
	char token[POOL_TOKEN_HEX + 1];
	struct error err;
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d1.token", dir);
	assert_int_equal(pool_token_load(path, token, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, POOL_TOKEN_HEX + 1);
	/* It persists: the same token the next time. */
	assert_int_equal(pool_token_load(path, again, &err), 0);
	assert_string_equal(token, again);
	/* Readable by others: refused, not used. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(pool_token_load(path, again, &err), -1);
	assert_non_null(strstr(err.msg, "0600"));
	/* Not a token. */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(write(fd, "xyz\n", 4) == 4);
	close(fd);
	assert_int_equal(pool_token_load(path, again, &err), -1);
	assert_non_null(strstr(err.msg, "not a token"));
	unlink(path);
	rmdir(dir);
}

static void test_listen(void **state)
{
	char addr[64];
	int port;

	(void)state;
	assert_int_equal(pool_parse_listen("127.0.0.1:8080", addr, sizeof(addr), &port), 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(pool_parse_listen("0.0.0.0:0", addr, sizeof(addr), &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(pool_parse_listen("localhost:80", addr, sizeof(addr), &port), 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_int_equal(pool_parse_listen("127.0.0.1:65536", addr, sizeof(addr), &port), -1);
	assert_int_equal(pool_parse_listen("127.0.0.1:", addr, sizeof(addr), &port), -1);
	assert_int_equal(pool_parse_listen("127.0.0.1:-1", addr, sizeof(addr), &port), -1);
	assert_int_equal(pool_parse_listen("127.0.0.1:80x", addr, sizeof(addr), &port), -1);
	assert_int_equal(pool_parse_listen(":8080", addr, sizeof(addr), &port), -1);
	assert_int_equal(pool_parse_listen("8080", addr, sizeof(addr), &port), -1);
	assert_int_equal(pool_parse_listen("example.org:80", addr, sizeof(addr), &port), -1);
	assert_int_equal(pool_parse_listen(NULL, addr, sizeof(addr), &port), -1);
}

static void test_template(void **state)
{
	struct pool_config cfg = { 0 };
	struct pool_args args = { 0 };
	struct error err;
	json_t *root = json_loads("{\"count\": 3, \"prefix\": \"vd\", \"disk_size\": \"1G\","
				  " \"memory\": \"512M\", \"cpus\": 2, \"display\": \"800x600\","
				  " \"run_args\": [\"--rng\"]}", 0, NULL);

	(void)state;
	assert_int_equal(pool_template_apply(root, &cfg, &args, &err), 0);
	assert_int_equal(cfg.count, 3);
	assert_string_equal(cfg.prefix, "vd");
	assert_int_equal(cfg.disk_size, 1ull << 30);
	assert_int_equal(args.n, 6);
	assert_string_equal(args.v[0], "--memory");
	assert_string_equal(args.v[1], "512M");
	assert_string_equal(args.v[2], "--cpus");
	assert_string_equal(args.v[3], "2");
	assert_string_equal(args.v[4], "--display=800x600");
	assert_string_equal(args.v[5], "--rng");
	assert_null(args.v[6]);
	pool_args_free(&args);
	json_decref(root);
}

static void template_fails(const char *text, const char *msg)
{
	struct pool_config cfg = { 0 };
	struct pool_args args = { 0 };
	struct error err;
	json_t *root = json_loads(text, 0, NULL);

	assert_non_null(root);
	assert_int_equal(pool_template_apply(root, &cfg, &args, &err), -1);
	assert_non_null(strstr(err.msg, msg));
	pool_args_free(&args);
	json_decref(root);
}

static void test_bad_templates(void **state)
{
	(void)state;
	template_fails("[]", "expected a JSON object");
	template_fails("{\"count\": 0}", "count:");
	template_fails("{\"count\": 1000}", "count:");
	template_fails("{\"cuont\": 2}", "cuont: unknown key");
	template_fails("{\"memory\": 512}", "memory: expected a string");
	template_fails("{\"cpus\": \"2\"}", "cpus: expected an integer");
	template_fails("{\"disk_size\": \"lots\"}", "disk_size:");
	template_fails("{\"run_args\": [\"--rng\", 3]}", "run_args[1]");
	template_fails("{\"run_args\": \"--rng\"}", "run_args: expected an array");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_bad_routes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_request_token),
		cmocka_unit_test(test_token_equal),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_bad_templates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
