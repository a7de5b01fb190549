#include "api/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_events_init(struct api_events *e)
{
	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
}

void api_events_destroy(struct api_events *e)
{
	pthread_mutex_destroy(&e->lock);
}

/* WHATWG HTML, 9.2.6: "event:", "id:" and "data:" lines, a blank line ends the event. */
size_t api_event_format(char *buf, size_t size, const char *name, int64_t seq, json_t *data)
{
	char id[32] = "";
	char *text;
	int n;

	json_object_set_new(data, "event", json_string(name));
	if (seq >= 0) {
		json_object_set_new(data, "seq", json_integer(seq));
		snprintf(id, sizeof(id), "id: %lld\n", (long long)seq);
	}
	text = json_dumps(data, JSON_COMPACT);
	if (!text)
		return 0;
	n = snprintf(buf, size, "%sevent: %s\ndata: %s\n\n", id, name, text);
	free(text);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

void api_events_push(struct api_events *e, const char *name, json_t *data)
{
	unsigned slot;

	if (!data)
		return;
	pthread_mutex_lock(&e->lock);
	slot = (unsigned)(e->next % API_EVENTS_KEPT);
	if (!api_event_format(e->text[slot], API_EVENT_MAX, name, (int64_t)e->next, data))
		e->text[slot][0] = '\0';
	e->last[slot] = !strcmp(name, "shutdown");
	e->next++;
	pthread_mutex_unlock(&e->lock);
	json_decref(data);
}

uint64_t api_events_head(struct api_events *e)
{
	uint64_t head;

	pthread_mutex_lock(&e->lock);
	head = e->next;
	pthread_mutex_unlock(&e->lock);
	return head;
}

size_t api_events_read(struct api_events *e, uint64_t *seq, char *buf, size_t size, bool *last)
{
	size_t len = 0;
	unsigned slot;

	pthread_mutex_lock(&e->lock);
	if (e->next > API_EVENTS_KEPT && *seq < e->next - API_EVENTS_KEPT)
		*seq = e->next - API_EVENTS_KEPT;
	if (*seq < e->next) {
		slot = (unsigned)(*seq % API_EVENTS_KEPT);
		len = strlen(e->text[slot]);
		if (len >= size)
			len = 0;
		memcpy(buf, e->text[slot], len);
		*last = e->last[slot];
		(*seq)++;
	}
	pthread_mutex_unlock(&e->lock);
	return len;
}
