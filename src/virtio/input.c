#include "virtio/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VIRTIO_ID_INPUT		18
#define PCI_CLASS_INPUT_OTHER	0x0980
#define INPUT_QUEUE_SIZE	64
#define EVENT_QUEUE		0
#define STATUS_QUEUE		1

static int serve_events(void *arg, struct virtqueue *vq)
{
	struct virtio_input *in = arg;
	int r;

	pthread_mutex_lock(&in->ev_lock);
	r = virtio_input_fill_events(vq, &in->chain, &in->pending, &in->stats);
	pthread_mutex_unlock(&in->ev_lock);
	return r;
}

static int serve_status(void *arg, struct virtqueue *vq)
{
	struct virtio_input *in = arg;

	return virtio_input_take_status(vq, &in->chain, &in->leds, &in->stats);
}

static void input_handle(void *opaque, unsigned q)
{
	struct virtio_input *in = opaque;

	virtio_queue_serve(&in->vd, q, q == EVENT_QUEUE ? serve_events : serve_status, in);
}

static void input_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_input *in = vd->opaque;

	worker_kick(&in->worker, q);
}

static int input_queue_fd(struct virtio_dev *vd, unsigned q)
{
	struct virtio_input *in = vd->opaque;

	return worker_queue_fd(&in->worker, q);
}

/* A driver reset forgets the events it never took and the LEDs it set. */
static void input_vd_reset(struct virtio_dev *vd)
{
	struct virtio_input *in = vd->opaque;

	virtio_input_config_init(&in->cfg, in->cfg.kind, in->cfg.index);
	in->leds = 0;
	pthread_mutex_lock(&in->ev_lock);
	in->pending.head = in->pending.count = 0;
	in->buttons = 0;
	pthread_mutex_unlock(&in->ev_lock);
}

static void input_config_read(struct virtio_dev *vd, uint64_t off, void *data, unsigned len)
{
	struct virtio_input *in = vd->opaque;

	virtio_input_config_read(&in->cfg, off, data, len);
}

static void input_config_write(struct virtio_dev *vd, uint64_t off, const void *data,
			       unsigned len)
{
	struct virtio_input *in = vd->opaque;

	virtio_input_config_write(&in->cfg, off, data, len);
}

void virtio_input_save(struct virtio_dev *vd, struct state_writer *w)
{
	struct virtio_input *in = vd->opaque;
	const struct virtio_input_events *q = &in->pending;
	unsigned i;

	state_put_u8(w, in->cfg.select);
	state_put_u8(w, in->cfg.subsel);
	state_put_u8(w, (uint8_t)in->leds);
	pthread_mutex_lock(&in->ev_lock);
	state_put_u8(w, (uint8_t)in->buttons);
	state_put_u16(w, (uint16_t)q->count);
	for (i = 0; i < q->count; i++) {
		const struct virtio_input_event *e = &q->ev[(q->head + i) % VIRTIO_INPUT_PENDING];

		state_put_u16(w, e->type);
		state_put_u16(w, e->code);
		state_put_u32(w, e->value);
	}
	pthread_mutex_unlock(&in->ev_lock);
}

int virtio_input_restore(struct virtio_dev *vd, struct state_reader *r, bool apply)
{
	struct virtio_input *in = vd->opaque;
	uint8_t sel[2], leds, buttons;
	unsigned count, i;

	state_get(r, sel, sizeof(sel));
	leds = state_get_u8(r);
	buttons = state_get_u8(r);
	count = state_get_u16(r);
	if (leds > 7 || buttons > 0x1f || count > VIRTIO_INPUT_PENDING) {
		state_reject(r);
		return -1;
	}
	pthread_mutex_lock(&in->ev_lock);
	for (i = 0; i < count; i++) {
		struct virtio_input_event e;

		e.type = state_get_u16(r);
		e.code = state_get_u16(r);
		e.value = state_get_u32(r);
		if (apply)
			in->pending.ev[i] = e;
	}
	if (apply) {
		in->pending.head = 0;
		in->pending.count = count;
		in->buttons = buttons;
	}
	pthread_mutex_unlock(&in->ev_lock);
	if (r->failed)
		return -1;
	if (apply) {
		virtio_input_config_write(&in->cfg, 0, sel, sizeof(sel));
		in->leds = leds;
	}
	return 0;
}

static const struct virtio_dev_ops input_ops = {
	.reset = input_vd_reset,
	.notify = input_notify,
	.queue_fd = input_queue_fd,
	.config_read = input_config_read,
	.config_write = input_config_write,
};

/* The router's: the driver took the device up and gave it an eventq. */
static bool input_ready(void *dev)
{
	struct virtio_input *in = dev;
	bool live;

	pthread_mutex_lock(&in->vd.lock);
	live = virtio_queue_live(&in->vd, EVENT_QUEUE);
	pthread_mutex_unlock(&in->vd.lock);
	return live;
}

static void input_key(void *dev, unsigned code, bool down)
{
	struct virtio_input *in = dev;

	if (!virtio_input_has_key(code)) {
		__atomic_add_fetch(&in->stats.unknown_keys, 1, __ATOMIC_RELAXED);
		return;
	}
	pthread_mutex_lock(&in->ev_lock);
	virtio_input_queue_event(&in->pending, &in->stats, EV_KEY, (uint16_t)code, down);
	virtio_input_queue_event(&in->pending, &in->stats, EV_SYN, SYN_REPORT, 0);
	pthread_mutex_unlock(&in->ev_lock);
	worker_kick(&in->worker, EVENT_QUEUE);
}

static const struct { unsigned mask; uint16_t code; } buttons[] = {
	{ INPUT_BTN_LEFT, BTN_LEFT },
	{ INPUT_BTN_MIDDLE, BTN_MIDDLE },
	{ INPUT_BTN_RIGHT, BTN_RIGHT },
};

/* Position, the buttons that changed, a wheel notch for each wheel button pressed; then SYN. */
static void input_pointer(void *dev, unsigned x, unsigned y, unsigned held)
{
	struct virtio_input *in = dev;
	struct virtio_input_events *q = &in->pending;
	unsigned pressed, i;

	pthread_mutex_lock(&in->ev_lock);
	pressed = held & ~in->buttons;
	virtio_input_queue_event(q, &in->stats, EV_ABS, ABS_X, x);
	virtio_input_queue_event(q, &in->stats, EV_ABS, ABS_Y, y);
	for (i = 0; i < sizeof(buttons) / sizeof(buttons[0]); i++)
		if ((held ^ in->buttons) & buttons[i].mask)
			virtio_input_queue_event(q, &in->stats, EV_KEY, buttons[i].code,
						 !!(held & buttons[i].mask));
	if (pressed & INPUT_BTN_WHEEL_UP)
		virtio_input_queue_event(q, &in->stats, EV_REL, REL_WHEEL, 1);
	if (pressed & INPUT_BTN_WHEEL_DOWN)
		virtio_input_queue_event(q, &in->stats, EV_REL, REL_WHEEL, (uint32_t)-1);
	virtio_input_queue_event(q, &in->stats, EV_SYN, SYN_REPORT, 0);
	in->buttons = held;
	pthread_mutex_unlock(&in->ev_lock);
	worker_kick(&in->worker, EVENT_QUEUE);
}

static const struct input_sink_ops keyboard_sink = {
	.ready = input_ready,
	.key = input_key,
};

static const struct input_sink_ops tablet_sink = {
	.ready = input_ready,
	.pointer = input_pointer,
};

const struct input_sink_ops *virtio_input_sink_ops(const struct virtio_input *in)
{
	return in->cfg.kind == VIRTIO_INPUT_KEYBOARD ? &keyboard_sink : &tablet_sink;
}

int virtio_input_init(struct virtio_input *in, enum virtio_input_kind kind, unsigned index,
		      const struct virtio_pci_env *env)
{
	memset(in, 0, sizeof(*in));
	pthread_mutex_init(&in->ev_lock, NULL);
	virtio_input_config_init(&in->cfg, kind, index);
	if (worker_init(&in->worker, 2, input_handle, in))
		return -1;
	if (virtio_pci_init(&in->vd, VIRTIO_ID_INPUT, PCI_CLASS_INPUT_OTHER, 2, INPUT_QUEUE_SIZE,
			    0, VIRTIO_INPUT_CFG_SIZE, &input_ops, in, env))
		return -1;
	return worker_start(&in->worker);
}

void virtio_input_destroy(struct virtio_input *in)
{
	worker_destroy(&in->worker);
	virtio_pci_destroy(&in->vd);
	pthread_mutex_destroy(&in->ev_lock);
}

static void input_dev_reset(void *dev)
{
	struct virtio_input *in = dev;

	virtio_pci_reset(&in->vd);
}

static void input_pause(void *dev)
{
	struct virtio_input *in = dev;

	worker_stop(&in->worker);
}

static int input_resume(void *dev)
{
	struct virtio_input *in = dev;

	return worker_start(&in->worker);
}

static uint64_t read_count(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void input_metrics(void *dev, device_metric_fn emit, void *opaque)
{
	struct virtio_input *in = dev;
	const struct virtio_input_stats *s = &in->stats;

	emit(opaque, "events", read_count(&s->events));
	emit(opaque, "dropped", read_count(&s->dropped));
	emit(opaque, "statuses", read_count(&s->statuses));
	emit(opaque, "bad_statuses", read_count(&s->bad_statuses));
	emit(opaque, "unknown_keys", read_count(&s->unknown_keys));
	emit(opaque, "leds", __atomic_load_n(&in->leds, __ATOMIC_RELAXED));
}

static void input_dev_destroy(void *dev)
{
	virtio_input_destroy(dev);
	free(dev);
}

const struct device_ops virtio_input_device_ops = {
	.kind = "virtio-input",
	.reset = input_dev_reset,
	.pause = input_pause,
	.resume = input_resume,
	.metrics = input_metrics,
	.destroy = input_dev_destroy,
};
