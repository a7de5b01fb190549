/*
 * Guest memory: the only way to reach guest RAM from the host. A guest-physical
 * range that is not wholly inside one RAM region is an error, never a pointer.
 * Regions are of two kinds: RAM, and device memory (a framebuffer, a ROM) that
 * only its device touches. Each is one KVM memory slot of its own.
 */
#ifndef VESSEL_CORE_GUEST_MEM_H
#define VESSEL_CORE_GUEST_MEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS	16
#define GUEST_MEM_MAX_RAM	4
#define GUEST_PAGE_SIZE		4096ull
#define DIRTY_LOG_MAX_USERS	4

enum guest_mem_kind { GUEST_MEM_RAM, GUEST_MEM_DEVICE };

struct dirty_log;

struct guest_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
	enum guest_mem_kind kind;
	const char *name;
	uint32_t slot;		/* its KVM memory slot */
	uint32_t flags;		/* KVM_MEM_* of the slot */
	bool own_map;		/* mapped on its own (device memory), not inside the RAM map */
	bool logging;		/* writes are logged: KVM's, and the VMM's in vmm_dirty */
	unsigned long *vmm_dirty;	/* allocated with the first log user, kept to the end */
	struct dirty_log *log_users[DIRTY_LOG_MAX_USERS];
	unsigned nr_log_users;
};

enum guest_mem_backing {
	GUEST_MEM_ANON,
	GUEST_MEM_THP,		/* anonymous memory with MADV_HUGEPAGE */
	GUEST_MEM_HUGETLBFS,	/* a file on a hugetlbfs mount */
};

struct guest_mem {
	struct guest_mem_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned nr_regions;
	void *map;		/* one host mapping holding every RAM region */
	size_t map_size;
	enum guest_mem_backing backing;
	pthread_mutex_t log_lock;	/* the dirty-log users and their bitmaps */
};

struct guest_mem_range {
	uint64_t gpa;
	uint64_t size;
};

/*
 * Map @n regions of guest RAM, in KVM slots 0 to n-1. @hugetlbfs is the mount
 * point to use with GUEST_MEM_HUGETLBFS, else NULL. Returns 0, or -1 after
 * printing why.
 */
int guest_mem_init(struct guest_mem *gm, const struct guest_mem_range *ranges,
		   unsigned n, enum guest_mem_backing backing,
		   const char *hugetlbfs);
void guest_mem_destroy(struct guest_mem *gm);

/*
 * Device memory at [gpa, gpa+size) (page-aligned), zeroed, in a slot of its
 * own; NULL if it overlaps another region or no slot is left. The device
 * reaches it through the region's hva; gm_ptr never returns it.
 */
struct guest_mem_region *guest_mem_add_device(struct guest_mem *gm, const char *name,
					      uint64_t gpa, uint64_t size);
void guest_mem_remove_device(struct guest_mem *gm, struct guest_mem_region *r);

/*
 * Move device memory @r to @gpa (a BAR the guest placed elsewhere): its KVM
 * slot is deleted and made again there; the memory's contents stay.
 */
struct kvm;
struct error;
int guest_mem_move_device(struct guest_mem *gm, struct kvm *kvm, struct guest_mem_region *r,
			  uint64_t gpa, struct error *err);

/* The region holding guest-physical @gpa, of either kind, or NULL. */
struct guest_mem_region *guest_mem_find(struct guest_mem *gm, uint64_t gpa);

/*
 * The VMM wrote [gpa, gpa+len) or the host buffer [hva, hva+len): logged
 * where the region's writes are (KVM sees only the guest's own writes).
 */
void gm_mark_dirty(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
void gm_mark_dirty_hva(const struct guest_mem *gm, const void *hva, uint64_t len);

/* Host pointer for [gpa, gpa+len) if it lies wholly in RAM, else NULL. */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
bool gm_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copy in or out; -1 if the range is not wholly RAM (nothing is copied). */
int gm_read(const struct guest_mem *gm, uint64_t gpa, void *buf, uint64_t len);
int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *buf, uint64_t len);

uint64_t gm_ram_size(const struct guest_mem *gm);

#endif
