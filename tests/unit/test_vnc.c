/* --vnc's argument, viewer events to guest input, what a new connection is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/input-event-codes.h>
#include <rfb/keysym.h>
#include <rfb/rfbproto.h>

#include "core/input.h"
#include "desktop/vnc_input.h"
#include "desktop/vnc_listen.h"
#include "desktop/vnc_options.h"

static void test_options(void **state)
{
	struct vnc_options o;
	struct error err;

	(void)state;
	assert_int_equal(vnc_options_parse("127.0.0.1:5901", &o, &err), 0);
	assert_int_equal(o.kind, VNC_LISTEN_TCP);
	assert_int_equal(o.port, 5901);
	assert_int_equal(o.addr.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(o.fps, VNC_DEFAULT_FPS);
	assert_string_equal(o.password_file, "");
	assert_int_equal(vnc_options_parse(":5902,fps=10,password-file=/p w", &o, &err), 0);
	assert_int_equal(o.port, 5902);
	assert_int_equal(o.addr.s_addr, htonl(INADDR_LOOPBACK));	/* loopback by default */
	assert_int_equal(o.fps, 10);
	assert_string_equal(o.password_file, "/p w");
	assert_int_equal(vnc_options_parse("5903", &o, &err), 0);
	assert_int_equal(o.port, 5903);
	assert_int_equal(vnc_options_parse("0.0.0.0:5904", &o, &err), 0);
	assert_int_equal(o.addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(vnc_options_parse("localhost:5905", &o, &err), 0);
	assert_int_equal(o.addr.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(vnc_options_parse("unix:/run/vm.sock,fps=60", &o, &err), 0);
	assert_int_equal(o.kind, VNC_LISTEN_UNIX);
	assert_string_equal(o.path, "/run/vm.sock");
	assert_int_equal(o.fps, 60);
}

static void test_bad_options(void **state)
{
	static const char *bad[] = {
		"", "unix:", ":0", ":65536", "127.0.0.1:", "host:5900", "1.2.3:5900", "::1:5900",
		":5900,fps=0", ":5900,fps=121", ":5900,fps=x", ":5900,password-file=",
		":5900,depth=24", ":5900,", "-1",
	};
	struct vnc_options o;
	struct error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		if (vnc_options_parse(bad[i], &o, &err) != -1)
			fail_msg("--vnc '%s' was taken", bad[i]);
		assert_true(strstr(err.msg, "--vnc") != NULL);
	}
}

struct seen {
	unsigned keys, pointers, code, x, y, buttons;
	bool down;
};

static void on_key(void *opaque, unsigned code, bool down)
{
	struct seen *s = opaque;

	s->keys++;
	s->code = code;
	s->down = down;
}

static void on_pointer(void *opaque, unsigned x, unsigned y, unsigned buttons)
{
	struct seen *s = opaque;

	s->pointers++;
	s->x = x;
	s->y = y;
	s->buttons = buttons;
}

static void test_input(void **state)
{
	struct seen seen = { 0 };
	struct vnc_input_sink sink = { on_key, on_pointer, &seen };
	struct vnc_input in;

	(void)state;
	vnc_input_init(&in, &sink);
	vnc_input_set_size(&in, 1024, 768);
	vnc_input_key(&in, true, XK_a);
	assert_int_equal(seen.code, KEY_A);
	assert_true(seen.down);
	vnc_input_key(&in, false, XK_Escape);
	assert_int_equal(seen.code, KEY_ESC);
	assert_false(seen.down);
	vnc_input_key(&in, true, 0x20ac);		/* no key: dropped, counted */
	assert_int_equal(seen.keys, 2);
	assert_int_equal(in.keys_unmapped, 1);
	/* The screen's corners are the axes' ends; outside is clamped. */
	vnc_input_pointer(&in, 1, 0, 0);
	assert_int_equal(seen.x, 0);
	assert_int_equal(seen.buttons, INPUT_BTN_LEFT);
	vnc_input_pointer(&in, 0, 1023, 767);
	assert_int_equal(seen.x, INPUT_ABS_MAX);
	assert_int_equal(seen.y, INPUT_ABS_MAX);
	vnc_input_pointer(&in, 0xff, 5000, -3);
	assert_int_equal(seen.x, INPUT_ABS_MAX);
	assert_int_equal(seen.y, 0);
	assert_int_equal(seen.buttons, 0x1f);		/* RFB's 8 buttons, the router's 5 */
	vnc_input_pointer(&in, 0, 512, 384);
	assert_int_equal(seen.x, 16400);
	assert_int_equal(seen.y, 16405);
	vnc_input_cut_text(&in, "hello", 5);
	vnc_input_cut_text(&in, NULL, -1);
	assert_int_equal(in.cut_text_bytes, 5);
	assert_int_equal(vnc_input_desktop_size(&in, 800, 600, 1), rfbExtDesktopSize_ResizeProhibited);
}

static void test_classify(void **state)
{
	static const char ws[] = "GET /websockify HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
				 "UPGRADE: WebSocket\r\n\r\n";
	static const char root[] = "GET / HTTP/1.1\r\nUpgrade-Insecure-Requests: 1\r\n\r\n";
	static const char file[] = "GET /app/ui.js HTTP/1.1\r\nHost: x\r\n\r\n";

	(void)state;
	assert_int_equal(vnc_conn_classify("", 0), VNC_CONN_RFB);
	assert_int_equal(vnc_conn_classify(ws, strlen(ws)), VNC_CONN_WEBSOCKET);
	assert_int_equal(vnc_conn_classify(root, strlen(root)), VNC_CONN_HTTP_ROOT);
	assert_int_equal(vnc_conn_classify("GET /?a=1 HTTP/1.1\r\n\r\n", 23), VNC_CONN_HTTP_ROOT);
	assert_int_equal(vnc_conn_classify(file, strlen(file)), VNC_CONN_HTTP_FILE);
	assert_int_equal(vnc_conn_classify(file, 20), VNC_CONN_INCOMPLETE);
	assert_int_equal(vnc_conn_classify("GE", 2), VNC_CONN_INCOMPLETE);
	assert_int_equal(vnc_conn_classify("RFB 003.008\n", 12), VNC_CONN_BAD);
	assert_int_equal(vnc_conn_classify("POST / HTTP/1.1\r\n\r\n", 19), VNC_CONN_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
