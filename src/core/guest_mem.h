/*
 * Guest RAM: the only way to reach guest memory from the host. A guest-physical
 * range that is not wholly inside one RAM region is an error, never a pointer.
 */
#ifndef VESSEL_CORE_GUEST_MEM_H
#define VESSEL_CORE_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 4

struct guest_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

enum guest_mem_backing {
	GUEST_MEM_ANON,
	GUEST_MEM_THP,		/* anonymous memory with MADV_HUGEPAGE */
	GUEST_MEM_HUGETLBFS,	/* a file on a hugetlbfs mount */
};

struct guest_mem {
	struct guest_mem_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned nr_regions;
	void *map;		/* one host mapping holding every region */
	size_t map_size;
	enum guest_mem_backing backing;
};

struct guest_mem_range {
	uint64_t gpa;
	uint64_t size;
};

/*
 * Map @n regions of guest RAM. @hugetlbfs is the mount point to use with
 * GUEST_MEM_HUGETLBFS, else NULL. Returns 0, or -1 after printing why.
 */
int guest_mem_init(struct guest_mem *gm, const struct guest_mem_range *ranges,
		   unsigned n, enum guest_mem_backing backing,
		   const char *hugetlbfs);
void guest_mem_destroy(struct guest_mem *gm);

/* Host pointer for [gpa, gpa+len) if it lies wholly in RAM, else NULL. */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
bool gm_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copy in or out; -1 if the range is not wholly RAM (nothing is copied). */
int gm_read(const struct guest_mem *gm, uint64_t gpa, void *buf, uint64_t len);
int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *buf, uint64_t len);

uint64_t gm_ram_size(const struct guest_mem *gm);

#endif
