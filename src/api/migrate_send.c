/*
 * The migration's source: memory in pre-copy rounds over the dirty log
 * (the first round all RAM but its zero pages, then the pages dirtied
 * meanwhile) until what is left would fit the downtime at the bandwidth
 * measured, or the rounds run out; a guest that dirties faster than the
 * stream carries is throttled (its vCPUs held for a growing share of each
 * batch's time). Then the VM pauses, the last pages and the machine's state
 * go, and once the destination says its VM runs this one stops. Any failure
 * before that resumes the VM here. All of it on the API's worker thread
 * (migrate_job.c), the progress kept in struct migration for GET /vm/migrate.
 */
#include "api/migrate.h"
#include "api/migrate_stream.h"
#include "api/snapshot_file.h"
#include "api/snapshot_ident.h"
#include "api/vm_json.h"
#include "core/clock.h"
#include "machine/snapshot.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MIG_CONNECT_TIMEOUT_S	10	/* for the destination to take the connection */
#define MIG_IO_TIMEOUT_S	10	/* a peer silent this long is gone */
#define MIG_ACK_TIMEOUT_S	30	/* for the destination to start its VM */
#define THROTTLE_STEP_PCT	20
#define THROTTLE_MAX_PCT	90
#define THROTTLE_SLICE_MAX_US	50000

struct round_log {
	struct dirty_log logs[GUEST_MEM_MAX_REGIONS];
	unsigned long *bits[GUEST_MEM_MAX_REGIONS];
	unsigned nr;
};

struct sender {
	struct migration *g;
	struct mig_io io;
	struct mig_pages batch;
	struct round_log rl;
	struct guest_mem *gm;
	uint64_t t_start, t_pause;
	uint64_t bytes_per_ms;		/* measured */
	unsigned rounds;
	unsigned throttle_pct;
	uint64_t throttled_us;
	uint64_t batch_start;
	bool paused;
	bool disks_given;	/* their locks let go for the destination */
};

static ssize_t sock_read(void *opaque, void *buf, size_t len)
{
	return recv(*(int *)opaque, buf, len, 0);
}

static ssize_t sock_write(void *opaque, const void *buf, size_t len)
{
	return send(*(int *)opaque, buf, len, MSG_NOSIGNAL);
}

static void event(struct migration *g, const char *name, json_t *data)
{
	api_events_push(g->events, name, data);
	g->wake(g->opaque);
}

static bool cancelled(struct migration *g)
{
	bool c;

	pthread_mutex_lock(&g->lock);
	c = g->cancel;
	pthread_mutex_unlock(&g->lock);
	return c;
}

static int open_logs(struct sender *s, struct error *err)
{
	unsigned i;

	for (i = 0; i < s->gm->nr_regions; i++) {
		const struct guest_mem_region *r = &s->gm->regions[i];
		struct dirty_log *d = &s->rl.logs[s->rl.nr];

		if (r->kind != GUEST_MEM_RAM)
			continue;
		if (machine_dirty_log_open(s->g->m, r->gpa, d, err))
			return -1;
		s->rl.bits[s->rl.nr] = calloc(dirty_log_words(d), sizeof(unsigned long));
		s->rl.nr++;
		if (!s->rl.bits[s->rl.nr - 1])
			return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static void close_logs(struct sender *s)
{
	unsigned i;

	for (i = 0; i < s->rl.nr; i++) {
		dirty_log_close(&s->rl.logs[i]);
		free(s->rl.bits[i]);
	}
	s->rl.nr = 0;
}

/* Hold the vCPUs for the throttle's share of the time a batch took. */
static int throttle(struct sender *s, uint64_t batch_ns, struct error *err)
{
	uint64_t us;

	if (!s->throttle_pct || s->paused)
		return 0;
	us = batch_ns / 1000 * s->throttle_pct / (100 - s->throttle_pct);
	if (us > THROTTLE_SLICE_MAX_US)
		us = THROTTLE_SLICE_MAX_US;
	s->throttled_us += us;
	return us ? machine_throttle(s->g->m, (unsigned)us, err) : 0;
}

/* A full batch goes at once; then the throttle has its share of the time it took. */
static int send_page(struct sender *s, uint64_t off, struct error *err)
{
	uint64_t took;

	if (!s->batch.count)
		s->batch_start = now_ns();
	if (mig_pages_add(&s->batch, &s->io, off, (const uint8_t *)s->gm->map + off, err))
		return -1;
	if (s->batch.count < MIG_PAGES_MAX)
		return 0;
	if (mig_pages_flush(&s->batch, &s->io, err))
		return -1;
	if (cancelled(s->g))
		return error_set(err, ECANCELED, "cancelled");
	took = now_ns() - s->batch_start;
	return throttle(s, took, err);
}

#define PAGEMAP_PRESENT	(1ull << 63)
#define PAGEMAP_SWAPPED	(1ull << 62)
#define PAGEMAP_CHUNK	512	/* entries read at once: 2 MiB of RAM */

/*
 * Which pages of RAM were ever touched, from /proc/self/pagemap
 * (Documentation/admin-guide/mm/pagemap.rst): a page neither present nor
 * swapped out was never written and reads as zero, so round 1 skips it
 * without faulting it in. -1 (and every page is looked at) without pagemap.
 */
static int touched(int pagemap, const uint8_t *hva, uint64_t *entries, size_t n)
{
	off_t off = (off_t)((uintptr_t)hva / MIG_PAGE_SIZE * sizeof(uint64_t));

	if (pagemap < 0)
		return -1;
	return pread(pagemap, entries, n * sizeof(uint64_t), off) ==
	       (ssize_t)(n * sizeof(uint64_t)) ? 0 : -1;
}

/* Round 1: every page of RAM that is not zero (the destination's RAM starts zeroed). */
static int send_all(struct sender *s, uint64_t *pages, struct error *err)
{
	const uint8_t *ram = s->gm->map;
	uint64_t entries[PAGEMAP_CHUNK], off, i;
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), r = 0;

	for (off = 0; off < s->gm->map_size && !r; off += PAGEMAP_CHUNK * MIG_PAGE_SIZE) {
		size_t n = (size_t)((s->gm->map_size - off) / MIG_PAGE_SIZE);
		bool known;

		if (n > PAGEMAP_CHUNK)
			n = PAGEMAP_CHUNK;
		known = !touched(pagemap, ram + off, entries, n);
		for (i = 0; i < n && !r; i++) {
			uint64_t at = off + i * MIG_PAGE_SIZE;

			if (known && !(entries[i] & (PAGEMAP_PRESENT | PAGEMAP_SWAPPED)))
				continue;
			if (mig_page_is_zero(ram + at))
				continue;
			r = send_page(s, at, err);
			(*pages)++;
		}
	}
	if (pagemap >= 0)
		close(pagemap);
	return r ? -1 : mig_pages_flush(&s->batch, &s->io, err);
}

/* What the dirty log gathered since the last sync, into the round's bitmaps (or-ed). */
static int sync_logs(struct sender *s, uint64_t *dirty, struct error *err)
{
	unsigned i;

	*dirty = 0;
	for (i = 0; i < s->rl.nr; i++) {
		struct dirty_log *d = &s->rl.logs[i];
		size_t words = dirty_log_words(d), w;
		unsigned long *fresh = calloc(words, sizeof(unsigned long));

		if (!fresh)
			return error_set(err, ENOMEM, "out of memory");
		if (dirty_log_sync(d, fresh, err)) {
			free(fresh);
			return -1;
		}
		for (w = 0; w < words; w++) {
			s->rl.bits[i][w] |= fresh[w];
			*dirty += (uint64_t)__builtin_popcountl(s->rl.bits[i][w]);
		}
		free(fresh);
	}
	return 0;
}

/* The pages the bitmaps hold, which then start afresh. */
static int send_dirty(struct sender *s, struct error *err)
{
	unsigned i;

	for (i = 0; i < s->rl.nr; i++) {
		const struct guest_mem_region *r = s->rl.logs[i].r;
		uint64_t base = (uint64_t)(r->hva - (uint8_t *)s->gm->map);
		size_t words = dirty_log_words(&s->rl.logs[i]), w;

		for (w = 0; w < words; w++) {
			unsigned long bits = s->rl.bits[i][w];

			s->rl.bits[i][w] = 0;
			while (bits) {
				uint64_t page = w * 8 * sizeof(long) + (unsigned)__builtin_ctzl(bits);

				bits &= bits - 1;
				if (page * MIG_PAGE_SIZE < r->size &&
				    send_page(s, base + page * MIG_PAGE_SIZE, err))
					return -1;
			}
		}
	}
	return mig_pages_flush(&s->batch, &s->io, err);
}

static void measure(struct sender *s, uint64_t bytes, uint64_t ns)
{
	uint64_t ms = ns / 1000000 ? ns / 1000000 : 1;

	if (bytes >= MIG_PAGE_SIZE * 64)
		s->bytes_per_ms = bytes / ms ? bytes / ms : 1;
}

static void round_event(struct sender *s, uint64_t pages, uint64_t remaining)
{
	pthread_mutex_lock(&s->g->lock);
	s->g->p.rounds = s->rounds;
	s->g->p.bytes = s->io.bytes_out;
	s->g->p.remaining_bytes = remaining;
	s->g->p.throttle_pct = s->throttle_pct;
	pthread_mutex_unlock(&s->g->lock);
	event(s->g, "migration", json_pack("{s:s, s:i, s:I, s:I, s:I, s:i}", "phase", "round",
					   "round", (int)s->rounds, "pages", (json_int_t)pages,
					   "bytes", (json_int_t)s->io.bytes_out,
					   "remaining_bytes", (json_int_t)remaining,
					   "throttle_pct", (int)s->throttle_pct));
}

/* Pre-copy until the rest fits the downtime, or the rounds run out. */
static int precopy(struct sender *s, struct error *err)
{
	uint64_t pages = 0, dirty, prev = UINT64_MAX, t = now_ns(), b = s->io.bytes_out;

	if (send_all(s, &pages, err))
		return -1;
	measure(s, s->io.bytes_out - b, now_ns() - t);
	s->rounds = 1;
	for (;;) {
		if (sync_logs(s, &dirty, err))
			return -1;
		round_event(s, pages, dirty * MIG_PAGE_SIZE);
		if (dirty * MIG_PAGE_SIZE / s->bytes_per_ms <= s->g->downtime_ms ||
		    s->rounds >= s->g->max_rounds)
			return 0;
		/* Not shrinking by a tenth a round: the guest outruns the stream. */
		if (s->rounds >= 2 && dirty * 10 > prev * 9 && s->throttle_pct < THROTTLE_MAX_PCT)
			s->throttle_pct += THROTTLE_STEP_PCT;
		prev = dirty;
		t = now_ns();
		b = s->io.bytes_out;
		if (send_dirty(s, err))
			return -1;
		measure(s, s->io.bytes_out - b, now_ns() - t);
		pages = dirty;
		s->rounds++;
	}
}

/* STATE: u32 disks, each a snapshot_disk as the state file has it; u64 length, the machine's. */
static int send_state(struct sender *s, struct error *err)
{
	const struct machine_config *cfg = machine_config(s->g->m);
	struct state_writer w, ms;
	unsigned i;
	int r = -1;

	state_writer_init(&w);
	state_writer_init(&ms);
	state_put_u32(&w, cfg->nr_disks);
	for (i = 0; i < cfg->nr_disks; i++) {
		struct snapshot_disk d;

		if (snapshot_disk_identify(&d, cfg->disks[i].opts.path, err))
			goto out;
		state_put_u16(&w, (uint16_t)strlen(d.path));
		state_put(&w, d.path, strlen(d.path));
		state_put_u64(&w, d.size);
		state_put_u64(&w, d.mtime_ns);
		state_put_u32(&w, d.head_crc);
		state_put_u32(&w, d.tail_crc);
	}
	if (machine_state_save(s->g->m, &ms, err))
		goto out;
	state_put_u64(&w, ms.len);
	state_put(&w, ms.buf, ms.len);
	if (w.failed || ms.failed) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	r = mig_send_record(&s->io, MIG_STATE, w.buf, w.len, err);
out:
	state_writer_free(&ms);
	state_writer_free(&w);
	return r;
}

/* The destination's word: its VM runs, or why not. */
static int wait_ack(struct sender *s, struct error *err)
{
	struct mig_reader rd;
	struct mig_record rec;
	uint32_t code;
	int r;

	mig_socket_timeout(s->g->fd, MIG_ACK_TIMEOUT_S);
	mig_reader_init(&rd, &s->io);
	r = mig_read_record(&rd, &rec, err);
	if (!r && (rec.type != MIG_ACK || rec.len < 4))
		r = error_set(err, EPROTO, "the destination answered with record type %u", rec.type);
	if (!r) {
		memcpy(&code, rec.payload, 4);
		code = le32toh(code);
		if (code)
			r = error_set(err, (int)code, "the destination failed: %.*s",
				      (int)(rec.len - 4), (const char *)rec.payload + 4);
	}
	mig_reader_free(&rd);
	return r;
}

/* Past this point a cancel is refused: the destination may run the VM once it has the rest. */
static int completing(struct migration *g, struct error *err)
{
	int r = 0;

	pthread_mutex_lock(&g->lock);
	if (g->cancel)
		r = error_set(err, ECANCELED, "cancelled");
	else
		g->p.status = MIGRATION_COMPLETING;
	pthread_mutex_unlock(&g->lock);
	return r;
}

static int finish(struct sender *s, struct error *err)
{
	uint64_t dirty;

	if (completing(s->g, err) || machine_pause(s->g->m, err))
		return -1;
	s->paused = true;
	s->t_pause = now_ns();
	/* The images go with the VM: the destination locks them before it runs. */
	machine_disks_unlock(s->g->m);
	s->disks_given = true;
	if (sync_logs(s, &dirty, err) || send_dirty(s, err) || send_state(s, err) ||
	    mig_send_record(&s->io, MIG_END, NULL, 0, err))
		return -1;
	s->rounds++;
	return wait_ack(s, err);
}

/* The CPU this VM runs on, which the destination's must match (as a restore's). */
static int send_cpu(struct sender *s, struct error *err)
{
	struct snapshot_cpu c;
	struct state_writer w;
	unsigned i;
	int r;

	snapshot_cpu_identify(&c, machine_supported_cpuid(s->g->m));
	state_writer_init(&w);
	state_put(&w, c.vendor, 12);
	state_put_u32(&w, c.family);
	state_put_u32(&w, c.model);
	state_put_u32(&w, c.nr_features);
	for (i = 0; i < c.nr_features; i++)
		state_put_u32(&w, c.features[i]);
	r = w.failed ? error_set(err, ENOMEM, "out of memory") :
		       mig_send_record(&s->io, MIG_CPU, w.buf, w.len, err);
	state_writer_free(&w);
	return r;
}

static int run(struct sender *s, struct error *err)
{
	size_t len;
	char *config;
	int r;

	mig_socket_timeout(s->g->fd, MIG_IO_TIMEOUT_S);
	if (mig_send_hello(&s->io, err) || mig_recv_hello(&s->io, err))
		return -1;
	config = api_config_text(machine_config(s->g->m), &len);
	if (!config)
		return error_set(err, ENOMEM, "out of memory");
	r = mig_send_record(&s->io, MIG_CONFIG, config, len, err);
	free(config);
	if (r || send_cpu(s, err) || open_logs(s, err) || precopy(s, err))
		return -1;
	return finish(s, err);
}

/*
 * The migration failed: the VM runs on here, with its disks locked again. If
 * one cannot be (the destination may run it), this VM must not: it stops.
 */
static void resume_here(struct sender *s, struct error *err)
{
	struct error lock_err = { 0 };
	char why[ERROR_MSG_MAX];

	if (s->disks_given && machine_disks_lock(s->g->m, &lock_err)) {
		snprintf(why, sizeof(why), "%s", err->msg);
		error_set(err, lock_err.code, "%s; and the VM stops here: %s", why, lock_err.msg);
		machine_stop(s->g->m);
		return;
	}
	if (s->paused)
		machine_resume(s->g->m, NULL);
}
static void ended(struct sender *s, const struct error *err)
{
	struct migration *g = s->g;
	struct migration_progress *p = &g->p;
	uint64_t end = now_ns();

	pthread_mutex_lock(&g->lock);
	p->status = !err ? MIGRATION_COMPLETED :
		    g->cancel ? MIGRATION_CANCELLED : MIGRATION_FAILED;
	p->rounds = s->rounds;
	p->bytes = s->io.bytes_out;
	p->total_ms = (double)(end - s->t_start) / 1e6;
	p->downtime_ms = s->t_pause ? (double)(end - s->t_pause) / 1e6 : 0;
	p->throttled_ms = (double)s->throttled_us / 1e3;
	snprintf(p->error, sizeof(p->error), "%s", err ? err->msg : "");
	pthread_mutex_unlock(&g->lock);
	if (err)
		event(g, "migration-failed", json_pack("{s:s, s:s}", "to", g->to_text, "error",
						       err->msg));
	else
		event(g, "migrated", json_pack("{s:f, s:f, s:i, s:I, s:f}",
					       "total_ms", p->total_ms, "downtime_ms", p->downtime_ms,
					       "rounds", (int)p->rounds, "bytes", (json_int_t)p->bytes,
					       "throttled_ms", p->throttled_ms));
}

/* The destination reached within MIG_CONNECT_TIMEOUT_S, or cancelled meanwhile. */
static int connect_to(struct migration *g, struct error *err)
{
	int fd = mig_uri_connect_finish(&g->to, &g->conn, g->cancel_fd,
					MIG_CONNECT_TIMEOUT_S * 1000, err);

	if (fd < 0)
		return -1;
	pthread_mutex_lock(&g->lock);
	g->fd = fd;
	if (g->cancel)
		shutdown(fd, SHUT_RDWR);
	g->p.status = MIGRATION_ACTIVE;
	pthread_mutex_unlock(&g->lock);
	return 0;
}

/*
 * The whole migration on the worker's thread: 0 once the destination runs
 * the VM; otherwise -1 with @err, the VM running on here. Either way the
 * progress holds the end and the events are logged.
 */
int migration_send(struct migration *g, struct error *err)
{
	struct sender s = { .g = g, .bytes_per_ms = 1 };
	int r;

	s.io = (struct mig_io){ sock_read, sock_write, &g->fd, 0, 0 };
	s.gm = machine_guest_mem(g->m);
	s.t_start = now_ns();
	mig_pages_init(&s.batch);
	r = connect_to(g, err);
	if (!r)
		r = run(&s, err);
	if (r) {
		if (cancelled(g))
			error_set(err, ECANCELED, "cancelled: %s", g->cancel_why);
		resume_here(&s, err);
	}
	ended(&s, r ? err : NULL);
	mig_pages_free(&s.batch);
	close_logs(&s);
	pthread_mutex_lock(&g->lock);
	mig_connect_abandon(&g->conn);
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	pthread_mutex_unlock(&g->lock);
	return r;
}
