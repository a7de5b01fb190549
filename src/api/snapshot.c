#include "api/snapshot.h"
#include "api/snapshot_ident.h"
#include "api/vm_json.h"
#include "core/clock.h"
#include "machine/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGEMAP_PRESENT	(1ull << 63)
#define PAGEMAP_SWAPPED	(1ull << 62)
#define PAGEMAP_FILE	(1ull << 61)	/* a file page or shared anonymous memory */
#define PAGEMAP_BATCH	4096

void snapshot_tracker_init(struct snapshot_tracker *t)
{
	memset(t, 0, sizeof(*t));
}

void snapshot_tracker_close(struct snapshot_tracker *t)
{
	while (t->nr_logs)
		dirty_log_close(&t->logs[--t->nr_logs]);
}

/* The first snapshot starts logging every RAM region: the next diff is what came after. */
static int track(struct machine *m, struct snapshot_tracker *t, struct error *err)
{
	struct guest_mem *gm = machine_guest_mem(m);
	unsigned i;

	if (t->nr_logs)
		return 0;
	for (i = 0; i < gm->nr_regions; i++) {
		if (gm->regions[i].kind != GUEST_MEM_RAM)
			continue;
		if (machine_dirty_log_open(m, gm->regions[i].gpa, &t->logs[t->nr_logs], err)) {
			snapshot_tracker_close(t);
			return -1;
		}
		t->nr_logs++;
	}
	return 0;
}

/*
 * The pages written since the last snapshot, as the state file's bitmap
 * (one bit a page of the RAM mapping), or with @bitmap NULL just forgotten
 * (a full snapshot starts the record afresh).
 */
static int take_dirty(struct machine *m, struct snapshot_tracker *t, uint8_t *bitmap,
		      struct error *err)
{
	struct guest_mem *gm = machine_guest_mem(m);
	unsigned i;

	for (i = 0; i < t->nr_logs; i++) {
		struct dirty_log *d = &t->logs[i];
		size_t words = dirty_log_words(d), w;
		uint64_t first = (uint64_t)(d->r->hva - (uint8_t *)gm->map) / GUEST_PAGE_SIZE;
		unsigned long *b = calloc(words, sizeof(*b));

		if (!b)
			return error_set(err, ENOMEM, "out of memory");
		if (dirty_log_sync(d, b, err)) {
			free(b);
			return -1;
		}
		for (w = 0; bitmap && w < words; w++) {
			unsigned long bits = b[w];

			/* One bit a page of the region, in the bitmap of the whole mapping. */
			while (bits) {
				uint64_t i = w * 8 * sizeof(*b) + (uint64_t)__builtin_ctzl(bits);
				uint64_t page = first + i;

				bits &= bits - 1;
				if (i < d->r->size / GUEST_PAGE_SIZE)
					bitmap[page / 8] |= (uint8_t)(1u << (page % 8));
			}
		}
		free(b);
	}
	return 0;
}

static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < GUEST_PAGE_SIZE / sizeof(*q); i++)
		if (q[i])
			return false;
	return true;
}

/*
 * Pages known to be zero without reading them (reading would fault each one
 * in): /proc/self/pagemap says which pages of the mapping are present, and
 * which of those are the process's own copies. Anonymous RAM the guest never
 * touched is neither present nor swapped. RAM mapped from a memory file
 * (a restored guest) is, where the guest made no copy, the file's page: zero
 * if the file has a hole there (SEEK_DATA).
 */
struct zero_hints {
	int pagemap;			/* -1: no hints, read every page */
	uint64_t base;			/* the mapping's first page, as pagemap counts */
	uint64_t first, nr;		/* the entries in buf */
	uint64_t buf[PAGEMAP_BATCH];
	int file;			/* the memory file, or -1 for anonymous RAM */
	uint64_t hole_from, data_from, data_to;	/* the file's extent around the last look */
};

static int hints_open(struct zero_hints *h, const struct guest_mem *gm, const char *file)
{
	memset(h, 0, sizeof(*h));
	h->file = -1;
	h->pagemap = -1;
	if (gm->backing == GUEST_MEM_HUGETLBFS)
		return 0;
	if (gm->backing == GUEST_MEM_FILE) {
		h->file = open(file, O_RDONLY | O_CLOEXEC);
		if (h->file < 0)
			return 0;
	}
	h->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	h->base = (uint64_t)(uintptr_t)gm->map / GUEST_PAGE_SIZE;
	return 0;
}

static void hints_close(struct zero_hints *h)
{
	if (h->pagemap >= 0)
		close(h->pagemap);
	if (h->file >= 0)
		close(h->file);
}

/* The pagemap entry of @page, or 0 with *ok false. */
static uint64_t pagemap_entry(struct zero_hints *h, uint64_t page, bool *ok)
{
	*ok = h->pagemap >= 0;
	if (*ok && (page < h->first || page >= h->first + h->nr)) {
		ssize_t got = pread(h->pagemap, h->buf, sizeof(h->buf),
				    (off_t)((h->base + page) * sizeof(uint64_t)));

		*ok = got >= (ssize_t)sizeof(uint64_t);
		h->first = page;
		h->nr = *ok ? (uint64_t)got / sizeof(uint64_t) : 0;
	}
	return *ok ? h->buf[page - h->first] : 0;
}

/* Whether offset @off of the memory file is in a hole. */
static bool file_hole(struct zero_hints *h, uint64_t off)
{
	off_t d, e;

	if (off >= h->hole_from && off < h->data_to)
		return off < h->data_from;
	d = lseek(h->file, (off_t)off, SEEK_DATA);
	if (d < 0) {
		/* ENXIO: no data from here to the end. */
		h->hole_from = off;
		h->data_from = h->data_to = errno == ENXIO ? UINT64_MAX : off;
		return errno == ENXIO;
	}
	e = lseek(h->file, d, SEEK_HOLE);
	h->hole_from = off;
	h->data_from = (uint64_t)d;
	h->data_to = e < 0 ? UINT64_MAX : (uint64_t)e;
	return off < h->data_from;
}

static bool known_zero(struct zero_hints *h, uint64_t page)
{
	bool ok;
	uint64_t e = pagemap_entry(h, page, &ok);

	if (!ok || (e & PAGEMAP_SWAPPED))
		return false;
	if (h->file < 0)
		return !(e & PAGEMAP_PRESENT);
	/* The guest's own copy of the page: only its bytes tell. */
	if ((e & PAGEMAP_PRESENT) && !(e & PAGEMAP_FILE))
		return false;
	return file_hole(h, page * GUEST_PAGE_SIZE);
}

static int write_run(int fd, const uint8_t *map, uint64_t first, uint64_t n)
{
	uint64_t off = first * GUEST_PAGE_SIZE, len = n * GUEST_PAGE_SIZE;

	while (len) {
		ssize_t w = pwrite(fd, map + off, len > (1u << 30) ? (1u << 30) : len, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return 0;
}

/*
 * Guest RAM into @fd, sized to it first so every page not written is a hole:
 * a full snapshot writes each page that is not zero, a diff each page in
 * @bitmap. Contiguous pages go in one pwrite straight from the mapping.
 * @file: the memory file the RAM is mapped from (GUEST_MEM_FILE).
 */
static int write_memory(int fd, const struct guest_mem *gm, const char *file,
			const uint8_t *bitmap, uint64_t *written)
{
	const uint8_t *map = gm->map;
	uint64_t pages = gm->map_size / GUEST_PAGE_SIZE, p, run = 0, start = 0;
	struct zero_hints *h = calloc(1, sizeof(*h));
	int r = -1;

	*written = 0;
	if (!h || ftruncate(fd, (off_t)gm->map_size))
		goto out;
	hints_open(h, gm, file);
	for (p = 0; p <= pages; p++) {
		bool keep = p < pages &&
			    (bitmap ? snapshot_page_set(bitmap, p) :
			     !known_zero(h, p) && !page_is_zero(map + p * GUEST_PAGE_SIZE));

		if (keep) {
			start = run ? start : p;
			run++;
			continue;
		}
		if (run && write_run(fd, map, start, run))
			goto out_close;
		*written += run;
		run = 0;
	}
	r = 0;
out_close:
	hints_close(h);
out:
	free(h);
	return r;
}

static int fill_info(struct machine *m, struct snapshot_tracker *t, struct snapshot_info *s,
		     struct error *err)
{
	const struct machine_config *cfg = machine_config(m);
	unsigned i;

	snapshot_cpu_identify(&s->cpu, machine_supported_cpuid(m));
	for (i = 0; i < cfg->nr_disks; i++)
		if (snapshot_disk_identify(&s->disks[i], cfg->disks[i].opts.path, err))
			return -1;
	s->nr_disks = cfg->nr_disks;
	if (s->type == SNAPSHOT_DIFF)
		snprintf(s->parent, sizeof(s->parent), "%s", t->last);
	s->ram_size = machine_guest_mem(m)->map_size;
	return 0;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	const uint8_t *p = buf;

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return close(fd);
}

#define SNAP_NAME_MAX 16	/* the longest file name in a snapshot directory, and more */

struct snap_paths {
	char dir[PATH_MAX];
	char state[PATH_MAX + SNAP_NAME_MAX], memory[PATH_MAX + SNAP_NAME_MAX];
	char state_tmp[PATH_MAX + SNAP_NAME_MAX], memory_tmp[PATH_MAX + SNAP_NAME_MAX];
	bool made_dir;
};

static int prepare_dir(const char *dir, struct snap_paths *p, struct error *err)
{
	memset(p, 0, sizeof(*p));
	if (mkdir(dir, 0700) == 0)
		p->made_dir = true;
	else if (errno != EEXIST)
		return error_set(err, errno, "snapshot directory %s: %s", dir, strerror(errno));
	if (!realpath(dir, p->dir)) {
		int e = errno;

		if (p->made_dir)
			rmdir(dir);
		return error_set(err, e, "snapshot directory %s: %s", dir, strerror(e));
	}
	snprintf(p->state, sizeof(p->state), "%s/" SNAPSHOT_STATE_FILE, p->dir);
	snprintf(p->memory, sizeof(p->memory), "%s/" SNAPSHOT_MEMORY_FILE, p->dir);
	snprintf(p->state_tmp, sizeof(p->state_tmp), "%s/." SNAPSHOT_STATE_FILE ".tmp", p->dir);
	snprintf(p->memory_tmp, sizeof(p->memory_tmp), "%s/." SNAPSHOT_MEMORY_FILE ".tmp", p->dir);
	if (!access(p->state, F_OK) || !access(p->memory, F_OK)) {
		if (p->made_dir)
			rmdir(p->dir);
		return error_set(err, EEXIST, "snapshot directory %s holds a snapshot already",
				 p->dir);
	}
	return 0;
}

static void undo_dir(const struct snap_paths *p)
{
	unlink(p->state_tmp);
	unlink(p->memory_tmp);
	if (p->made_dir)
		rmdir(p->dir);
}

static int write_both(struct machine *m, const struct snap_paths *p, const struct snapshot_info *s,
		      uint64_t *pages, size_t *state_bytes, struct error *err)
{
	struct state_writer out;
	int fd, r;

	fd = open(p->memory_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, errno, "%s: %s", p->memory_tmp, strerror(errno));
	r = write_memory(fd, machine_guest_mem(m), machine_config(m)->restore_memory, s->bitmap, pages);
	if (close(fd) || r)
		return error_set(err, errno ? errno : EIO, "%s: cannot write guest memory: %s",
				 p->memory, strerror(errno ? errno : EIO));
	state_writer_init(&out);
	snapshot_file_build(s, &out);
	r = out.failed || write_file(p->state_tmp, out.buf, out.len);
	*state_bytes = out.len;
	state_writer_free(&out);
	if (r)
		return error_set(err, errno ? errno : ENOMEM, "%s: cannot write it: %s", p->state,
				 strerror(errno ? errno : ENOMEM));
	if (rename(p->memory_tmp, p->memory) || rename(p->state_tmp, p->state))
		return error_set(err, errno, "%s: %s", p->dir, strerror(errno));
	return 0;
}

static int snapshot_into(struct machine *m, struct snapshot_tracker *t, const struct snap_paths *p,
			 struct snapshot_info *s, struct snapshot_result *res, struct error *err)
{
	struct state_writer st;
	uint8_t *bitmap = NULL;
	char *config;
	size_t state_bytes = 0;
	int r = -1;

	state_writer_init(&st);
	config = api_config_text(machine_config(m), &s->config_len);
	if (!config) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	s->config = config;
	if (fill_info(m, t, s, err) || machine_state_save(m, &st, err))
		goto out;
	s->state = st.buf;
	s->state_len = st.len;
	if (s->type == SNAPSHOT_DIFF) {
		s->bitmap_len = (size_t)((s->ram_size / GUEST_PAGE_SIZE + 7) / 8);
		bitmap = calloc(1, s->bitmap_len);
		if (!bitmap) {
			error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		s->bitmap = bitmap;
	}
	/* Harvested while paused: every page written since the last snapshot, and no other. */
	if (track(m, t, err) || (t->last[0] && take_dirty(m, t, bitmap, err)))
		goto out;
	r = write_both(m, p, s, &res->pages, &state_bytes, err);
	res->state_bytes = state_bytes;
out:
	free(bitmap);
	free(config);
	state_writer_free(&st);
	return r;
}

int snapshot_write(struct machine *m, struct snapshot_tracker *t, const char *dir,
		   enum snapshot_type type, struct snapshot_result *res, struct error *err)
{
	uint64_t start = now_ns();
	struct snapshot_info *s;
	struct snap_paths p;
	int r;

	memset(res, 0, sizeof(*res));
	if (machine_state(m) != MACHINE_PAUSED)
		return error_set(err, EBUSY, "the VM is not paused");
	if (type == SNAPSHOT_DIFF && !t->last[0])
		return error_set(err, EINVAL, "a diff snapshot needs a snapshot before it (take a "
				 "full one first)");
	if (prepare_dir(dir, &p, err))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s) {
		undo_dir(&p);
		return error_set(err, ENOMEM, "out of memory");
	}
	s->type = type;
	r = snapshot_into(m, t, &p, s, res, err);
	free(s);
	if (r) {
		/* The dirty pages it harvested are gone with it: the next diff needs a full one. */
		t->last[0] = '\0';
		undo_dir(&p);
		return -1;
	}
	snprintf(t->last, sizeof(t->last), "%s", p.dir);
	res->ns = now_ns() - start;
	return 0;
}
