#include "machine/registry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define RECORD_KIND_MAX 32

void registry_init(struct registry *reg)
{
	memset(reg, 0, sizeof(*reg));
}

static unsigned count_kind(const struct registry *reg, const char *kind)
{
	unsigned i, n = 0;

	for (i = 0; i < reg->nr; i++)
		n += !strcmp(reg->devs[i].ops->kind, kind);
	return n;
}

int registry_add(struct registry *reg, const struct device_ops *ops, void *dev,
		 struct error *err)
{
	struct device_entry *e;

	if (reg->nr == REGISTRY_MAX_DEVICES) {
		if (ops->destroy)
			ops->destroy(dev);
		return error_set(err, ENOSPC, "%s: more than %u devices", ops->kind,
				 REGISTRY_MAX_DEVICES);
	}
	e = &reg->devs[reg->nr];
	e->ops = ops;
	e->dev = dev;
	e->instance = count_kind(reg, ops->kind);
	snprintf(e->name, sizeof(e->name), "%s.%u", ops->kind, e->instance);
	reg->nr++;
	return 0;
}

struct device_entry *registry_find(struct registry *reg, const char *kind, unsigned instance)
{
	unsigned i;

	for (i = 0; i < reg->nr; i++)
		if (!strcmp(reg->devs[i].ops->kind, kind) && reg->devs[i].instance == instance)
			return &reg->devs[i];
	return NULL;
}

void registry_reset(struct registry *reg)
{
	unsigned i;

	for (i = 0; i < reg->nr; i++)
		if (reg->devs[i].ops->reset)
			reg->devs[i].ops->reset(reg->devs[i].dev);
}

void registry_pause(struct registry *reg)
{
	unsigned i;

	for (i = 0; i < reg->nr; i++)
		if (reg->devs[i].ops->pause)
			reg->devs[i].ops->pause(reg->devs[i].dev);
}

int registry_resume(struct registry *reg, struct error *err)
{
	unsigned i = reg->nr;

	while (i--) {
		struct device_entry *e = &reg->devs[i];

		if (e->ops->resume && e->ops->resume(e->dev))
			return error_set(err, errno, "%s: cannot resume", e->name);
	}
	return 0;
}

void registry_acpi(struct registry *reg, struct aml *a)
{
	unsigned i;

	for (i = 0; i < reg->nr; i++)
		if (reg->devs[i].ops->acpi)
			reg->devs[i].ops->acpi(reg->devs[i].dev, a);
}

void registry_metrics(struct registry *reg, void (*begin)(void *opaque, const char *name),
		      device_metric_fn emit, void *opaque)
{
	unsigned i;

	for (i = 0; i < reg->nr; i++) {
		struct device_entry *e = &reg->devs[i];

		if (!e->ops->metrics)
			continue;
		begin(opaque, e->name);
		e->ops->metrics(e->dev, emit, opaque);
	}
}

void registry_destroy(struct registry *reg)
{
	while (reg->nr) {
		struct device_entry *e = &reg->devs[--reg->nr];

		if (e->ops->destroy)
			e->ops->destroy(e->dev);
	}
}

static void put_kind(struct state_writer *w, const char *kind)
{
	size_t n = strlen(kind);

	state_put_u8(w, (uint8_t)n);
	state_put(w, kind, n);
}

static unsigned count_stateful(const struct registry *reg)
{
	unsigned i, n = 0;

	for (i = 0; i < reg->nr; i++)
		n += !reg->devs[i].ops->stateless;
	return n;
}

int registry_save(struct registry *reg, struct state_writer *w, struct error *err)
{
	unsigned i;

	state_put_u32(w, count_stateful(reg));
	for (i = 0; i < reg->nr; i++) {
		struct device_entry *e = &reg->devs[i];
		struct state_writer rec;

		if (e->ops->stateless)
			continue;
		if (!e->ops->save)
			return error_set(err, ENOTSUP, "%s: its state cannot be saved yet", e->name);
		state_writer_init(&rec);
		if (e->ops->save(e->dev, &rec) || rec.failed) {
			state_writer_free(&rec);
			return error_set(err, rec.failed ? ENOMEM : EIO, "%s: saving its state failed",
					 e->name);
		}
		put_kind(w, e->ops->kind);
		state_put_u32(w, e->instance);
		state_put_u32(w, e->ops->state_version);
		state_put_u32(w, (uint32_t)rec.len);
		state_put(w, rec.buf, rec.len);
		state_writer_free(&rec);
	}
	return w->failed ? error_set(err, ENOMEM, "device state: out of memory") : 0;
}

/* One record: which device it is for, and its bytes. */
static int restore_one(struct registry *reg, struct state_reader *r, bool *seen,
		       struct error *err)
{
	char kind[RECORD_KIND_MAX + 1] = "";
	uint8_t klen = state_get_u8(r);
	struct state_reader body;
	struct device_entry *e;
	uint32_t instance, version, len;

	if (klen > RECORD_KIND_MAX)
		return error_set(err, EINVAL, "device state: a record's kind is %u bytes long", klen);
	state_get(r, kind, klen);
	instance = state_get_u32(r);
	version = state_get_u32(r);
	len = state_get_u32(r);
	if (r->failed || len > r->len - r->off)
		return error_set(err, EINVAL, "device state: truncated record for %s", kind);
	e = registry_find(reg, kind, instance);
	if (!e || e->ops->stateless)
		return error_set(err, EINVAL, "device state: %s.%u is not in this machine", kind,
				 instance);
	if (seen[e - reg->devs])
		return error_set(err, EINVAL, "device state: two records for %s", e->name);
	seen[e - reg->devs] = true;
	if (!e->ops->restore || version == 0 || version > e->ops->state_version)
		return error_set(err, EINVAL, "%s: state version %u, this vessel reads 1 to %u",
				 e->name, version, e->ops->state_version);
	state_reader_init(&body, r->buf + r->off, len);
	r->off += len;
	if (e->ops->restore(e->dev, &body, version) || state_reader_done(&body))
		return error_set(err, EINVAL, "%s: its saved state is invalid%s%s", e->name,
				 body.reason[0] ? ": " : "", body.reason);
	return 0;
}

int registry_restore(struct registry *reg, struct state_reader *r, struct error *err)
{
	bool seen[REGISTRY_MAX_DEVICES] = { false };
	uint32_t n = state_get_u32(r), i;

	if (r->failed || n != count_stateful(reg))
		return error_set(err, EINVAL, "device state: %u records for a machine of %u devices",
				 n, count_stateful(reg));
	for (i = 0; i < n; i++)
		if (restore_one(reg, r, seen, err))
			return -1;
	if (state_reader_done(r))
		return error_set(err, EINVAL, "device state: bytes after the last record");
	return 0;
}
