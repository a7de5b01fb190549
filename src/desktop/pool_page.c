/*
 * The pool's pages. A desktop's page is noVNC's RFB client (Debian's noVNC,
 * served under /novnc/) on a WebSocket to /desktop/NAME/websockify; the token
 * goes along as a cookie scoped to that path, set with the page.
 */
#include "desktop/pool_internal.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct pool_text *t, size_t need)
{
	char *s;

	if (need <= t->cap)
		return true;
	s = realloc(t->s, need * 2);
	if (!s)
		return false;
	t->s = s;
	t->cap = need * 2;
	return true;
}

void pool_text_add(struct pool_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(t, t->len + (size_t)n + 1)) {
		t->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void pool_text_add_escaped(struct pool_text *t, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			pool_text_add(t, "&lt;");
			break;
		case '>':
			pool_text_add(t, "&gt;");
			break;
		case '&':
			pool_text_add(t, "&amp;");
			break;
		case '"':
			pool_text_add(t, "&quot;");
			break;
		default:
			pool_text_add(t, "%c", *s);
		}
	}
}

static const char style[] =
	"<style>body{font-family:sans-serif;margin:0;background:#222;color:#eee}"
	"header{padding:6px 12px;background:#333}a{color:#9cf}"
	"main{padding:12px}table{border-collapse:collapse}"
	"td,th{padding:4px 12px;text-align:left;border-bottom:1px solid #444}"
	".running{color:#7d7}.starting{color:#dd7}.stopped{color:#d77}"
	"#screen{display:inline-block}</style>";

static void head(struct pool_text *t, const char *title, const char *extra)
{
	pool_text_add(t, "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
		      "<title>%s - vessel</title>%s%s</head><body>\n", title, style, extra);
}

static void status_text(struct pool_text *t, const struct desktop *d)
{
	pool_text_add(t, "<span class=\"%s\" id=\"state\">%s</span>",
		      desktop_state_name(d->state), desktop_state_name(d->state));
	if (d->state == DESKTOP_STOPPED && d->status >= 0)
		pool_text_add(t, " (exit status %d)", d->status);
	else if (d->state == DESKTOP_STOPPED)
		pool_text_add(t, " (not started)");
}

void pool_page_index(struct pool_text *t, const struct pool *p)
{
	unsigned i;

	head(t, "desktops", "<meta http-equiv=\"refresh\" content=\"5\">");
	pool_text_add(t, "<header>vessel desktop pool</header><main><table>\n"
		      "<tr><th>desktop</th><th>state</th><th>starts</th><th>viewers</th></tr>\n");
	for (i = 0; i < p->count; i++) {
		const struct desktop *d = &p->desktops[i];

		pool_text_add(t, "<tr><td><a href=\"/desktop/%s\">%s</a></td><td>", d->name,
			      d->name);
		status_text(t, d);
		pool_text_add(t, "</td><td>%u</td><td>%u</td></tr>\n", d->starts, d->nr_viewers);
	}
	pool_text_add(t, "</table><p>Each desktop opens with its token: "
		      "<code>/desktop/NAME?token=...</code>, from the file NAME.token in the "
		      "pool's state directory.</p></main></body></html>\n");
}

static void page_viewer(struct pool_text *t, const struct desktop *d)
{
	pool_text_add(t, "<header><a href=\"/\">desktops</a> &middot; %s &middot; "
		      "<span id=\"state\" class=\"running\">connecting</span></header>\n"
		      "<main><div id=\"screen\"></div></main>\n"
		      "<script type=\"module\">\n"
		      "import RFB from '/novnc/core/rfb.js';\n"
		      "const state = document.getElementById('state');\n"
		      "const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') +\n"
		      "\tlocation.host + '/desktop/%s/websockify';\n"
		      "const rfb = new RFB(document.getElementById('screen'), url,\n"
		      "\t{ wsProtocols: ['binary'] });\n"
		      "rfb.addEventListener('connect', () => {\n"
		      "\tstate.textContent = 'connected'; rfb.focus(); });\n"
		      "rfb.addEventListener('disconnect', () => {\n"
		      "\tstate.textContent = 'disconnected'; state.className = 'stopped';\n"
		      "\tsetTimeout(() => location.reload(), 2000); });\n"
		      "window.rfb = rfb;\n"
		      "</script>\n", d->name, d->name);
}

void pool_page_desktop(struct pool_text *t, const struct desktop *d)
{
	head(t, d->name, d->state == DESKTOP_STARTING ?
	     "<meta http-equiv=\"refresh\" content=\"1\">" : "");
	if (d->state == DESKTOP_RUNNING) {
		page_viewer(t, d);
	} else {
		pool_text_add(t, "<header><a href=\"/\">desktops</a> &middot; %s</header><main>"
			      "<p>Desktop %s is ", d->name, d->name);
		status_text(t, d);
		pool_text_add(t, ".</p>\n");
		if (d->state == DESKTOP_STOPPED)
			pool_text_add(t, "<form method=\"post\" action=\"/desktop/%s/start\">"
				      "<button id=\"start\" type=\"submit\">Start it again</button>"
				      "</form>\n", d->name);
		pool_text_add(t, "</main>");
	}
	pool_text_add(t, "</body></html>\n");
}

void pool_page_denied(struct pool_text *t, const char *name)
{
	head(t, "forbidden", "");
	pool_text_add(t, "<header><a href=\"/\">desktops</a></header><main>"
		      "<p>This desktop needs its access token.</p>"
		      "<form method=\"get\" action=\"/desktop/%s\">"
		      "<input name=\"token\" size=\"64\" autocomplete=\"off\" "
		      "placeholder=\"token\"> <button type=\"submit\">Open</button></form>"
		      "</main></body></html>\n", name);
}

void pool_page_message(struct pool_text *t, const char *title, const char *msg)
{
	head(t, title, "");
	pool_text_add(t, "<header><a href=\"/\">desktops</a></header><main><p>");
	pool_text_add_escaped(t, msg);
	pool_text_add(t, "</p></main></body></html>\n");
}

char *pool_list_json(const struct pool *p)
{
	json_t *list = json_array(), *o;
	char *s;
	unsigned i;

	if (!list)
		return NULL;
	for (i = 0; i < p->count; i++) {
		const struct desktop *d = &p->desktops[i];

		o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:f}", "name", d->name,
			      "state", desktop_state_name(d->state), "pid",
			      d->state == DESKTOP_STOPPED ? 0 : (int)d->pid, "exit_status",
			      d->status, "starts", (int)d->starts, "viewers",
			      (int)d->nr_viewers, "ready_s", d->ready_s);
		if (!o || json_array_append_new(list, o))
			goto err;
	}
	s = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return s;
err:
	json_decref(list);
	return NULL;
}
