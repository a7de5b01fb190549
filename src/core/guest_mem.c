#include "core/guest_mem.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define HUGE_2M (2ull << 20)
#define HUGETLBFS_MAGIC 0x958458f6

static bool thp_available(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	/* The active mode is the bracketed word. */
	return !strstr(buf, "[never]") && buf[0];
}

static void *map_anon(size_t size, bool thp)
{
	size_t len = size + (thp ? HUGE_2M : 0);
	uint8_t *p, *aligned;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (!thp)
		return p;
	/* Align to 2 MiB so guest and host huge pages line up. */
	aligned = (uint8_t *)(((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	munmap(aligned + size, (size_t)(p + len - (aligned + size)));
	madvise(aligned, size, MADV_HUGEPAGE);
	return aligned;
}

static void *map_hugetlbfs(const char *dir, size_t size)
{
	char path[4096];
	struct statfs sfs;
	uint64_t free_bytes;
	void *p;
	int fd;

	if (statfs(dir, &sfs) || sfs.f_type != HUGETLBFS_MAGIC) {
		pr_err("--hugepages=%s: not a hugetlbfs mount", dir);
		return NULL;
	}
	free_bytes = (uint64_t)sfs.f_bfree * (uint64_t)sfs.f_bsize;
	if (size % (size_t)sfs.f_bsize) {
		pr_err("--hugepages=%s: memory size is not a multiple of the %ld-byte huge page",
		       dir, (long)sfs.f_bsize);
		return NULL;
	}
	if (free_bytes < size) {
		pr_err("--hugepages=%s: %llu MiB of huge pages free, the guest needs %zu MiB "
		       "(reserve more with /proc/sys/vm/nr_hugepages)",
		       dir, (unsigned long long)(free_bytes >> 20), size >> 20);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/vessel-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		pr_err("--hugepages=%s: cannot create a file: %s", dir, strerror(errno));
		return NULL;
	}
	unlink(path);
	if (ftruncate(fd, (off_t)size)) {
		pr_err("--hugepages=%s: cannot size the file: %s", dir, strerror(errno));
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		pr_err("--hugepages=%s: cannot map %zu MiB of huge pages: %s",
		       dir, size >> 20, strerror(errno));
		return NULL;
	}
	return p;
}

/*
 * MAP_PRIVATE: the guest's writes go to its own copies of the pages, the
 * file stays as it is, and clones of one snapshot share its page cache.
 */
static void *map_file(const char *path, size_t size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pr_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
		pr_err("%s: not a memory file of %zu bytes (the guest's RAM)", path, size);
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		pr_err("%s: cannot map it: %s", path, strerror(errno));
		return NULL;
	}
	return p;
}

int guest_mem_init(struct guest_mem *gm, const struct guest_mem_range *ranges,
		   unsigned n, enum guest_mem_backing backing, const char *path)
{
	size_t total = 0, off = 0;
	unsigned i;

	memset(gm, 0, sizeof(*gm));
	if (n == 0 || n > GUEST_MEM_MAX_RAM)
		return -1;
	for (i = 0; i < n; i++)
		total += ranges[i].size;

	if (backing == GUEST_MEM_THP && !thp_available()) {
		pr_err("--hugepages: transparent huge pages are disabled on this host "
		       "(/sys/kernel/mm/transparent_hugepage/enabled is 'never'); "
		       "give a hugetlbfs mount with --hugepages=DIR");
		return -1;
	}
	if (backing == GUEST_MEM_HUGETLBFS)
		gm->map = map_hugetlbfs(path, total);
	else if (backing == GUEST_MEM_FILE)
		gm->map = map_file(path, total);
	else
		gm->map = map_anon(total, backing == GUEST_MEM_THP);
	if (!gm->map) {
		if (backing != GUEST_MEM_HUGETLBFS && backing != GUEST_MEM_FILE)
			pr_err("cannot reserve %zu MiB of guest memory: %s",
			       total >> 20, strerror(errno));
		return -1;
	}
	gm->map_size = total;
	gm->backing = backing;
	for (i = 0; i < n; i++) {
		gm->regions[i] = (struct guest_mem_region){
			.gpa = ranges[i].gpa,
			.size = ranges[i].size,
			.hva = (uint8_t *)gm->map + off,
			.kind = GUEST_MEM_RAM,
			.name = "ram",
			.slot = i,
		};
		off += ranges[i].size;
	}
	gm->nr_regions = n;
	pthread_mutex_init(&gm->log_lock, NULL);
	return 0;
}

void guest_mem_destroy(struct guest_mem *gm)
{
	unsigned i;

	if (!gm->map)
		return;
	for (i = 0; i < gm->nr_regions; i++) {
		struct guest_mem_region *r = &gm->regions[i];

		if (r->own_map)
			munmap(r->hva, r->size);
		free(r->vmm_dirty);
	}
	munmap(gm->map, gm->map_size);
	pthread_mutex_destroy(&gm->log_lock);
	memset(gm, 0, sizeof(*gm));
}

static bool overlaps(const struct guest_mem_region *r, uint64_t gpa, uint64_t size)
{
	return gpa < r->gpa + r->size && r->gpa < gpa + size;
}

/* The lowest slot number no region holds. */
static uint32_t free_slot(const struct guest_mem *gm)
{
	uint32_t slot = 0;
	unsigned i;

	for (i = 0; i < gm->nr_regions; i++)
		if (gm->regions[i].slot == slot) {
			slot++;
			i = (unsigned)-1;
		}
	return slot;
}

struct guest_mem_region *guest_mem_add_device(struct guest_mem *gm, const char *name,
					      uint64_t gpa, uint64_t size)
{
	struct guest_mem_region *r;
	unsigned i;
	void *p;

	if (!size || (gpa | size) & (GUEST_PAGE_SIZE - 1) || gpa + size < gpa ||
	    gm->nr_regions == GUEST_MEM_MAX_REGIONS)
		return NULL;
	for (i = 0; i < gm->nr_regions; i++)
		if (overlaps(&gm->regions[i], gpa, size))
			return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	r = &gm->regions[gm->nr_regions];
	*r = (struct guest_mem_region){ .gpa = gpa, .size = size, .hva = p,
					.kind = GUEST_MEM_DEVICE, .name = name,
					.slot = free_slot(gm), .own_map = true };
	gm->nr_regions++;
	return r;
}

void guest_mem_remove_device(struct guest_mem *gm, struct guest_mem_region *r)
{
	unsigned i = (unsigned)(r - gm->regions);

	if (i >= gm->nr_regions || r->kind != GUEST_MEM_DEVICE)
		return;
	munmap(r->hva, r->size);
	free(r->vmm_dirty);
	memmove(r, r + 1, (gm->nr_regions - i - 1) * sizeof(*r));
	gm->nr_regions--;
}

struct guest_mem_region *guest_mem_find(struct guest_mem *gm, uint64_t gpa)
{
	unsigned i;

	for (i = 0; i < gm->nr_regions; i++)
		if (overlaps(&gm->regions[i], gpa, 1))
			return &gm->regions[i];
	return NULL;
}

static void mark(const struct guest_mem_region *r, uint64_t off, uint64_t len)
{
	const unsigned bits = 8 * sizeof(unsigned long);
	uint64_t page = off / GUEST_PAGE_SIZE, last = (off + len - 1) / GUEST_PAGE_SIZE;

	for (; page <= last; page++)
		__atomic_fetch_or(&r->vmm_dirty[page / bits], 1ul << (page % bits),
				  __ATOMIC_RELAXED);
}

void gm_mark_dirty(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < gm->nr_regions && len; i++) {
		const struct guest_mem_region *r = &gm->regions[i];

		if (__atomic_load_n(&r->logging, __ATOMIC_ACQUIRE) && overlaps(r, gpa, len) &&
		    gpa >= r->gpa && len <= r->size - (gpa - r->gpa))
			mark(r, gpa - r->gpa, len);
	}
}

void gm_mark_dirty_hva(const struct guest_mem *gm, const void *hva, uint64_t len)
{
	const uint8_t *p = hva;
	unsigned i;

	for (i = 0; i < gm->nr_regions && len; i++) {
		const struct guest_mem_region *r = &gm->regions[i];

		if (__atomic_load_n(&r->logging, __ATOMIC_ACQUIRE) && p >= r->hva &&
		    (uint64_t)(p - r->hva) < r->size && len <= r->size - (uint64_t)(p - r->hva))
			mark(r, (uint64_t)(p - r->hva), len);
	}
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < gm->nr_regions; i++) {
		const struct guest_mem_region *r = &gm->regions[i];

		if (r->kind != GUEST_MEM_RAM)
			continue;

		/* Written so that no sum can overflow. */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

bool gm_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return gm_ptr(gm, gpa, len) != NULL;
}

int gm_read(const struct guest_mem *gm, uint64_t gpa, void *buf, uint64_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *buf, uint64_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -1;
	memcpy(p, buf, len);
	gm_mark_dirty(gm, gpa, len);
	return 0;
}

uint64_t gm_ram_size(const struct guest_mem *gm)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < gm->nr_regions; i++)
		if (gm->regions[i].kind == GUEST_MEM_RAM)
			total += gm->regions[i].size;
	return total;
}
