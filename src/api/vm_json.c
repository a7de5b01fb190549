#include "api/vm_json.h"

#include <string.h>

const char *api_state_name(enum machine_state s)
{
	switch (s) {
	case MACHINE_CREATED:
		return "created";
	case MACHINE_RUNNING:
		return "running";
	case MACHINE_PAUSED:
		return "paused";
	default:
		return "shut-down";
	}
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *disk_json(const struct disk_config *d)
{
	const struct blk_options *o = &d->opts;

	return json_pack("{s:s, s:b, s:o, s:i, s:s, s:i, s:s}", "path", o->path,
			 "readonly", o->readonly, "serial", string_or_null(o->serial),
			 "queues", (int)o->queues, "io", o->sync_io ? "sync" : "uring",
			 "poll_us", (int)o->poll_us, "cache", o->direct ? "none" : "writeback");
}

json_t *api_config_json(const struct machine_config *cfg)
{
	json_t *disks = json_array(), *nics = json_array();
	unsigned i;

	for (i = 0; i < cfg->nr_disks; i++)
		json_array_append_new(disks, disk_json(&cfg->disks[i]));
	for (i = 0; i < cfg->nr_nics; i++)
		json_array_append_new(nics, json_string(cfg->nics[i].spec));
	return json_pack("{s:o, s:o, s:o, s:I, s:i, s:s, s:b, s:b, s:b, s:b, s:o, s:o}",
			 "kernel", string_or_null(cfg->kernel_path),
			 "initrd", string_or_null(cfg->initrd_path),
			 "cmdline", string_or_null(cfg->cmdline),
			 "memory_mib", (json_int_t)(cfg->mem_size >> 20),
			 "cpus", (int)cfg->cpus,
			 "console", cfg->console == CONSOLE_VIRTIO ? "virtio" : "serial",
			 "rng", cfg->rng, "pit", cfg->pit, "iommu", cfg->iommu,
			 "hugepages", cfg->backing != GUEST_MEM_ANON,
			 "disks", disks, "nets", nics);
}

json_t *api_vm_json(struct machine *m)
{
	return json_pack("{s:s, s:I, s:o}", "state", api_state_name(machine_state(m)),
			 "uptime_ms", (json_int_t)(machine_uptime_ns(m) / 1000000),
			 "config", api_config_json(machine_config(m)));
}

struct metrics_walk {
	json_t *devices;
	json_t *cur;
};

static void metrics_begin(void *opaque, const char *name)
{
	struct metrics_walk *w = opaque;

	w->cur = json_object();
	json_object_set_new(w->devices, name, w->cur);
}

static void metrics_emit(void *opaque, const char *name, uint64_t value)
{
	struct metrics_walk *w = opaque;

	json_object_set_new(w->cur, name, json_integer((json_int_t)value));
}

/* vcpus[i].exits[reason]: the vCPUs come in order, each with every reason. */
static void exit_count(void *opaque, unsigned vcpu, const char *reason, uint64_t n)
{
	json_t *vcpus = opaque, *exits;

	if (vcpu >= json_array_size(vcpus))
		json_array_append_new(vcpus, json_pack("{s:i, s:{}}", "id", (int)vcpu, "exits"));
	exits = json_object_get(json_array_get(vcpus, vcpu), "exits");
	json_object_set_new(exits, reason, json_integer((json_int_t)n));
}

json_t *api_metrics_json(struct machine *m)
{
	struct metrics_walk w = { .devices = json_object() };
	json_t *vcpus = json_array();

	machine_metrics(m, metrics_begin, metrics_emit, &w);
	machine_vcpu_exits(m, exit_count, vcpus);
	return json_pack("{s:o, s:o}", "devices", w.devices, "vcpus", vcpus);
}

char *api_config_text(const struct machine_config *cfg, size_t *len)
{
	json_t *j = api_config_json(cfg);
	char *s;

	json_object_set_new(j, "iommu_caching_mode", json_boolean(cfg->iommu_caching_mode));
	json_object_set_new(j, "host_quirks", json_boolean(cfg->host_quirks));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	*len = s ? strlen(s) : 0;
	return s;
}
