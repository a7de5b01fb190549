/*
 * The migration's destination: vessel run --incoming URI waits for one
 * source, builds the machine from the configuration it sends (disks opened
 * by path, checked to be the images the source left), fills RAM from its
 * pages, loads the machine's state, starts the VM and says so. Anything
 * wrong before that: the source is told why, its VM runs on there, and this
 * vessel exits 1 having run nothing.
 */
#include "api/api.h"
#include "api/migrate.h"
#include "api/migrate_stream.h"
#include "api/restore.h"
#include "api/snapshot_file.h"
#include "api/snapshot_ident.h"
#include "core/log.h"
#include "machine/snapshot.h"

#include <endian.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MIG_IO_TIMEOUT_S	30	/* a source silent this long is gone */

struct receiver {
	int fd;
	struct mig_io io;
	struct mig_reader rd;
	json_t *config;			/* cfg's strings point into it */
	struct machine_config cfg;
	struct machine *m;
	struct api_server *api;
	uint64_t pages;
};

static ssize_t sock_read(void *opaque, void *buf, size_t len)
{
	return recv(*(int *)opaque, buf, len, 0);
}

static ssize_t sock_write(void *opaque, const void *buf, size_t len)
{
	return send(*(int *)opaque, buf, len, MSG_NOSIGNAL);
}

/* Wait for the one source; the listening socket (and a unix path) go once it is there. */
static int accept_source(const struct mig_uri *u, const char *uri, struct error *err)
{
	int lfd = mig_uri_listen(u, err), fd;

	if (lfd < 0)
		return -1;
	pr_info("waiting for a migration on %s", uri);
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		error_set(err, errno, "--incoming %s: accept: %s", uri, strerror(errno));
	close(lfd);
	if (u->kind == MIG_UNIX)
		unlink(u->path);
	return fd;
}

static int expect(struct receiver *r, uint32_t type, struct mig_record *rec, struct error *err)
{
	if (mig_read_record(&r->rd, rec, err))
		return -1;
	if (rec->type != type)
		return error_set(err, EPROTO, "migration stream: record type %u where %u belongs",
				 rec->type, type);
	return 0;
}

static int take_config(struct receiver *r, struct error *err)
{
	struct mig_record rec;
	json_error_t jerr;
	unsigned i;

	if (expect(r, MIG_CONFIG, &rec, err))
		return -1;
	r->config = json_loadb((const char *)rec.payload, rec.len, 0, &jerr);
	if (!json_is_object(r->config))
		return error_set(err, EPROTO, "the source's configuration is not JSON: %s",
				 jerr.text);
	if (api_config_from_json(r->config, 0, &r->cfg, err))
		return error_prefix(err, "the source's configuration: ");
	r->cfg.restore = true;	/* anonymous RAM, filled from the stream */
	for (i = 0; i < r->cfg.nr_disks; i++)
		r->cfg.disks[i].opts.lock_later = true;
	return 0;
}

/* The source's CPU may run here: the same check as a snapshot's restore. */
static int take_cpu(struct receiver *r, struct error *err)
{
	struct snapshot_cpu saved = { 0 }, here;
	struct mig_record rec;
	struct state_reader sr;
	unsigned i;

	if (expect(r, MIG_CPU, &rec, err))
		return -1;
	state_reader_init(&sr, rec.payload, rec.len);
	state_get(&sr, saved.vendor, 12);
	saved.family = state_get_u32(&sr);
	saved.model = state_get_u32(&sr);
	saved.nr_features = state_get_u32(&sr);
	if (sr.failed || saved.nr_features > SNAPSHOT_CPU_WORDS_MAX)
		return error_set(err, EPROTO, "migration stream: the CPU record is malformed");
	for (i = 0; i < saved.nr_features; i++)
		saved.features[i] = state_get_u32(&sr);
	if (state_reader_done(&sr))
		return error_set(err, EPROTO, "migration stream: the CPU record is malformed");
	if (snapshot_cpu_identify_host(&here, r->cfg.kvm_path, err) ||
	    snapshot_cpu_check(&saved, &here, err))
		return error_prefix(err, "the source's CPU: ");
	return 0;
}

/* Each disk is the image the source wrote last (shared by path), then the machine's state. */
static int take_state(struct receiver *r, const uint8_t *p, size_t len, struct error *err)
{
	struct state_reader sr, ms;
	uint32_t nr, i;
	uint64_t mlen;

	state_reader_init(&sr, p, len);
	nr = state_get_u32(&sr);
	if (sr.failed || nr != r->cfg.nr_disks)
		return error_set(err, EPROTO, "migration stream: the state names %u disks, the "
				 "configuration %u", nr, r->cfg.nr_disks);
	for (i = 0; i < nr; i++) {
		struct snapshot_disk d = { 0 };
		uint16_t n = state_get_u16(&sr);

		if (n >= sizeof(d.path) || state_get(&sr, d.path, n))
			return error_set(err, EPROTO, "migration stream: a disk is malformed");
		d.size = state_get_u64(&sr);
		d.mtime_ns = state_get_u64(&sr);
		d.head_crc = state_get_u32(&sr);
		d.tail_crc = state_get_u32(&sr);
		if (sr.failed || strcmp(d.path, r->cfg.disks[i].opts.path))
			return error_set(err, EPROTO, "migration stream: disk %u is not the "
					 "configuration's", i);
		if (snapshot_disk_check(&d, err))
			return -1;
	}
	mlen = state_get_u64(&sr);
	if (sr.failed || mlen != sr.len - sr.off)
		return error_set(err, EPROTO, "migration stream: the machine's state is cut short");
	state_reader_init(&ms, p + sr.off, (size_t)mlen);
	return machine_state_load(r->m, &ms, err);
}

/* PAGES until STATE, then END. */
static int take_memory_and_state(struct receiver *r, struct error *err)
{
	struct guest_mem *gm = machine_guest_mem(r->m);
	struct mig_record rec;

	for (;;) {
		if (mig_read_record(&r->rd, &rec, err))
			return -1;
		if (rec.type == MIG_STATE)
			break;
		if (rec.type != MIG_PAGES)
			return error_set(err, EPROTO, "migration stream: record type %u among the "
					 "pages", rec.type);
		if (mig_pages_apply(rec.payload, rec.len, gm->map, gm->map_size, &r->pages, err))
			return -1;
	}
	if (take_state(r, rec.payload, rec.len, err))
		return -1;
	return expect(r, MIG_END, &rec, err);
}

static void send_ack(struct receiver *r, const struct error *e)
{
	uint8_t buf[4 + 512];
	uint32_t code = htole32(e ? (uint32_t)(e->code ? e->code : EIO) : 0);
	size_t n = e ? strnlen(e->msg, 512) : 0;

	memcpy(buf, &code, 4);
	if (n)
		memcpy(buf + 4, e->msg, n);
	mig_send_record(&r->io, MIG_ACK, buf, 4 + n, NULL);
}

static int receive(struct receiver *r, const char *api_path, struct error *err)
{
	mig_socket_timeout(r->fd, MIG_IO_TIMEOUT_S);
	if (mig_recv_hello(&r->io, err) || mig_send_hello(&r->io, err) || take_config(r, err) ||
	    take_cpu(r, err))
		return -1;
	r->m = machine_create(&r->cfg, err);
	if (!r->m)
		return -1;
	if (take_memory_and_state(r, err))
		return -1;
	/* The source let go of the images when it paused: they are this VM's now. */
	if (machine_disks_lock(r->m, err))
		return -1;
	if (api_path && api_server_start(r->api, r->m, err))
		return -1;
	return machine_start(r->m, err);
}

int api_incoming_run(const char *uri, const char *api_path)
{
	struct receiver r = { .fd = -1 };
	struct error err = { 0 };
	struct mig_uri u;
	int status = EXIT_VMM_ERROR;

	if (mig_uri_parse(uri, &u, &err))
		goto out;
	/* A socket in use is refused before anything waits. */
	if (api_path && !(r.api = api_server_create(api_path, &err)))
		goto out;
	r.fd = accept_source(&u, uri, &err);
	if (r.fd < 0)
		goto out;
	r.io = (struct mig_io){ sock_read, sock_write, &r.fd, 0, 0 };
	mig_reader_init(&r.rd, &r.io);
	if (receive(&r, api_path, &err)) {
		send_ack(&r, &err);
		goto out;
	}
	send_ack(&r, NULL);
	pr_info("migrated in: %llu pages, %llu bytes", (unsigned long long)r.pages,
		(unsigned long long)r.io.bytes_in);
	close(r.fd);
	r.fd = -1;
	status = machine_wait(r.m);
out:
	if (status == EXIT_VMM_ERROR && err.msg[0])
		pr_err("%s", err.msg);
	api_server_destroy(r.api);
	machine_destroy(r.m);
	mig_reader_free(&r.rd);
	if (r.fd >= 0)
		close(r.fd);
	json_decref(r.config);
	return status;
}
