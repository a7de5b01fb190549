#include "api/restore.h"
#include "api/snapshot.h"
#include "api/snapshot_ident.h"
#include "machine/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESTORE_MAX_LAYERS 64

struct layer {
	char dir[PATH_MAX];
	uint8_t *buf;			/* the state file */
	size_t len;
	struct snapshot_info info;
};

struct snapshot_restore {
	struct machine_config cfg;
	json_t *config;			/* cfg's strings point into it */
	char memory[PATH_MAX + 16];	/* the base layer's memory file */
	struct layer *layers[RESTORE_MAX_LAYERS];	/* [0] the one asked for, then its parents */
	unsigned nr_layers;
};

static int read_state(const char *dir, uint8_t **buf, size_t *len, struct error *err)
{
	char path[PATH_MAX + 16];
	struct stat st;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/" SNAPSHOT_STATE_FILE, dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > SNAPSHOT_STATE_MAX) {
		close(fd);
		return error_set(err, EFBIG, "%s: not a state file (over %u MiB, or not a file)",
				 path, SNAPSHOT_STATE_MAX >> 20);
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len + 1);
	if (!*buf) {
		close(fd);
		return error_set(err, ENOMEM, "out of memory");
	}
	got = pread(fd, *buf, *len, 0);
	close(fd);
	if (got != (ssize_t)*len)
		return error_set(err, EIO, "%s: cannot read it", path);
	return 0;
}

static int open_layer(struct snapshot_restore *s, const char *dir, struct error *err)
{
	struct layer *l;

	if (s->nr_layers == RESTORE_MAX_LAYERS)
		return error_set(err, ELOOP, "%s: more than %d snapshot layers", dir,
				 RESTORE_MAX_LAYERS);
	l = calloc(1, sizeof(*l));
	if (!l)
		return error_set(err, ENOMEM, "out of memory");
	s->layers[s->nr_layers++] = l;
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	if (read_state(dir, &l->buf, &l->len, err) ||
	    snapshot_file_parse(l->buf, l->len, &l->info, err))
		return error_prefix(err, "snapshot %s: ", dir);
	return 0;
}

static int check_memory_file(const struct layer *l, struct error *err)
{
	char path[PATH_MAX + 16];
	struct stat st;

	snprintf(path, sizeof(path), "%s/" SNAPSHOT_MEMORY_FILE, l->dir);
	if (stat(path, &st))
		return error_set(err, errno, "snapshot %s: its memory file %s: %s", l->dir, path,
				 strerror(errno));
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != l->info.ram_size)
		return error_set(err, EINVAL, "snapshot %s: its memory file is %llu bytes, the "
				 "guest's RAM %llu", l->dir, (unsigned long long)st.st_size,
				 (unsigned long long)l->info.ram_size);
	return 0;
}

/* The layer asked for, then each parent down to the full snapshot under them. */
static int open_layers(struct snapshot_restore *s, const char *dir, struct error *err)
{
	const struct layer *top;
	unsigned i;

	if (open_layer(s, dir, err))
		return -1;
	top = s->layers[0];
	while (s->layers[s->nr_layers - 1]->info.type == SNAPSHOT_DIFF) {
		const struct layer *child = s->layers[s->nr_layers - 1];

		if (open_layer(s, child->info.parent, err))
			return error_prefix(err, "the parent of %s: ", child->dir);
		if (s->layers[s->nr_layers - 1]->info.ram_size != top->info.ram_size)
			return error_set(err, EINVAL, "snapshot %s: its parent %s has another RAM "
					 "size", child->dir, child->info.parent);
	}
	for (i = 0; i < s->nr_layers; i++)
		if (check_memory_file(s->layers[i], err))
			return -1;
	snprintf(s->memory, sizeof(s->memory), "%s/" SNAPSHOT_MEMORY_FILE,
		 s->layers[s->nr_layers - 1]->dir);
	return 0;
}

static const char *opt_string(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int config_disk(json_t *d, struct disk_config *dc, struct error *err)
{
	struct blk_options *o = &dc->opts;
	const char *path = opt_string(d, "path"), *io = opt_string(d, "io");
	const char *cache = opt_string(d, "cache");
	json_t *q = json_object_get(d, "queues"), *poll = json_object_get(d, "poll_us");

	if (!path || !io || !cache || !json_is_integer(q) || !json_is_integer(poll) ||
	    strlen(path) >= sizeof(dc->spec))
		return error_set(err, EINVAL, "the configuration: a disk is malformed");
	strcpy(dc->spec, path);
	memset(o, 0, sizeof(*o));
	o->path = dc->spec;
	o->readonly = json_is_true(json_object_get(d, "readonly"));
	o->serial = opt_string(d, "serial");
	o->queues = (unsigned)json_integer_value(q);
	o->poll_us = (unsigned)json_integer_value(poll);
	o->sync_io = !strcmp(io, "sync");
	o->direct = !strcmp(cache, "none");
	if (o->queues < 1 || o->queues > VIRTIO_BLK_MAX_QUEUES || o->poll_us > VIRTIO_BLK_MAX_POLL_US)
		return error_set(err, EINVAL, "the configuration: disk %s is malformed",
				 path);
	return 0;
}

static int config_lists(json_t *j, struct machine_config *cfg, struct error *err)
{
	json_t *disks = json_object_get(j, "disks"), *nets = json_object_get(j, "nets"), *v;
	size_t i;

	if (!json_is_array(disks) || !json_is_array(nets) ||
	    json_array_size(disks) > MACHINE_MAX_DISKS || json_array_size(nets) > MACHINE_MAX_NICS)
		return error_set(err, EINVAL, "the configuration: bad disks or nets");
	json_array_foreach(disks, i, v)
		if (config_disk(v, &cfg->disks[cfg->nr_disks++], err))
			return -1;
	json_array_foreach(nets, i, v) {
		if (!json_is_string(v))
			return error_set(err, EINVAL, "the configuration: bad nets");
		if (net_options_parse(&cfg->nics[cfg->nr_nics++], json_string_value(v), err))
			return error_prefix(err, "the configuration: ");
	}
	return 0;
}

int api_config_from_json(json_t *j, uint64_t ram_size, struct machine_config *cfg,
			 struct error *err)
{
	json_t *mem, *cpus;
	const char *console;

	machine_config_defaults(cfg);
	mem = json_object_get(j, "memory_mib");
	cpus = json_object_get(j, "cpus");
	console = opt_string(j, "console");
	if (!json_is_integer(mem) || !json_is_integer(cpus) || !console ||
	    json_integer_value(cpus) < 1 || json_integer_value(cpus) > MACHINE_MAX_CPUS ||
	    json_integer_value(mem) < 1 || json_integer_value(mem) > (1 << 24) ||
	    (ram_size && (uint64_t)json_integer_value(mem) << 20 != ram_size))
		return error_set(err, EINVAL, "the configuration is malformed");
	cfg->mem_size = (uint64_t)json_integer_value(mem) << 20;
	cfg->cpus = (unsigned)json_integer_value(cpus);
	cfg->console = !strcmp(console, "virtio") ? CONSOLE_VIRTIO : CONSOLE_SERIAL;
	cfg->kernel_path = opt_string(j, "kernel");
	cfg->cmdline = opt_string(j, "cmdline");
	cfg->rng = json_is_true(json_object_get(j, "rng"));
	cfg->pit = json_is_true(json_object_get(j, "pit"));
	cfg->iommu = json_is_true(json_object_get(j, "iommu"));
	cfg->iommu_caching_mode = json_is_true(json_object_get(j, "iommu_caching_mode"));
	cfg->host_quirks = json_is_true(json_object_get(j, "host_quirks"));
	return config_lists(j, cfg, err);
}

/* The machine_config a snapshot's JSON describes (api_config_json, plus two flags). */
static int config_from_json(struct snapshot_restore *s, const struct snapshot_info *info,
			    struct error *err)
{
	json_error_t jerr;

	s->config = json_loadb(info->config, info->config_len, 0, &jerr);
	if (!s->config || !json_is_object(s->config))
		return error_set(err, EINVAL, "the snapshot's configuration is not JSON: %s",
				 jerr.text);
	if (api_config_from_json(s->config, info->ram_size, &s->cfg, err))
		return -1;
	s->cfg.restore = true;
	s->cfg.restore_memory = s->memory;
	return 0;
}

struct snapshot_restore *snapshot_restore_open(const char *dir, struct error *err)
{
	struct snapshot_restore *s = calloc(1, sizeof(*s));
	const struct snapshot_info *top;
	unsigned i;

	if (!s) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	if (open_layers(s, dir, err))
		goto err;
	top = &s->layers[0]->info;
	for (i = 0; i < top->nr_disks; i++)
		if (snapshot_disk_check(&top->disks[i], err))
			goto err_prefix;
	if (config_from_json(s, top, err))
		goto err_prefix;
	if (s->cfg.nr_disks != top->nr_disks) {
		error_set(err, EINVAL, "the snapshot names %u disks, its configuration %u",
			  top->nr_disks, s->cfg.nr_disks);
		goto err_prefix;
	}
	return s;
err_prefix:
	error_prefix(err, "snapshot %s: ", dir);
err:
	snapshot_restore_close(s);
	return NULL;
}

struct machine_config *snapshot_restore_config(struct snapshot_restore *s)
{
	return &s->cfg;
}

/* A diff layer's pages over the RAM below: read from its memory file into the mapping. */
static int merge_layer(const struct layer *l, struct guest_mem *gm, struct error *err)
{
	uint64_t pages = l->info.ram_size / SNAPSHOT_PAGE_SIZE, p = 0;
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/" SNAPSHOT_MEMORY_FILE, l->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "%s: %s", path, strerror(errno));
	while (p < pages) {
		uint64_t start, off, len;
		ssize_t got;

		if (!snapshot_page_set(l->info.bitmap, p)) {
			p++;
			continue;
		}
		for (start = p; p < pages && snapshot_page_set(l->info.bitmap, p); p++)
			;
		off = start * SNAPSHOT_PAGE_SIZE;
		len = (p - start) * SNAPSHOT_PAGE_SIZE;
		got = pread(fd, (uint8_t *)gm->map + off, len, (off_t)off);
		if (got != (ssize_t)len) {
			close(fd);
			return error_set(err, EIO, "%s: cannot read its pages", path);
		}
	}
	close(fd);
	return 0;
}

int snapshot_restore_load(struct snapshot_restore *s, struct machine *m, struct error *err)
{
	struct guest_mem *gm = machine_guest_mem(m);
	const struct layer *top = s->layers[0];
	struct snapshot_cpu here;
	struct state_reader r;
	unsigned i;

	/* With the CPUID the machine was made with: KVM is asked once a restore (~0.3 ms). */
	snapshot_cpu_identify(&here, machine_supported_cpuid(m));
	if (snapshot_cpu_check(&top->info.cpu, &here, err))
		return error_prefix(err, "snapshot %s: ", top->dir);
	if (gm->map_size != top->info.ram_size)
		return error_set(err, EINVAL, "the machine's RAM is not the snapshot's");
	/* The layers above the full one, oldest first: each newer page wins. */
	for (i = s->nr_layers - 1; i-- > 0;)
		if (merge_layer(s->layers[i], gm, err))
			return -1;
	state_reader_init(&r, top->info.state, top->info.state_len);
	if (machine_state_load(m, &r, err))
		return error_prefix(err, "snapshot %s: ", top->dir);
	return 0;
}

void snapshot_restore_close(struct snapshot_restore *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < s->nr_layers; i++) {
		free(s->layers[i]->buf);
		free(s->layers[i]);
	}
	json_decref(s->config);
	free(s);
}
