/* One VM assembled from the parts the command line asks for, run to its end. */
#ifndef VESSEL_MACHINE_MACHINE_H
#define VESSEL_MACHINE_MACHINE_H

#include "core/guest_mem.h"
#include "virtio/blk.h"

#include <limits.h>

#include <stdbool.h>
#include <stdint.h>

/* vessel run's exit statuses. */
#define EXIT_GUEST_POWEROFF	0
#define EXIT_VMM_ERROR		1
#define EXIT_USAGE		2
#define EXIT_GUEST_RESET	3
#define EXIT_GUEST_CRASH	4
#define EXIT_SIGNAL_BASE	128	/* + the signal that stopped vessel */

#define MACHINE_MAX_CPUS	254	/* xAPIC ids, the IOAPIC takes the next one */
#define MACHINE_DEFAULT_MEM	(256ull << 20)
#define MACHINE_MAX_DISKS	8

/* One --disk: the argument's text, split in place, and what it says. */
struct disk_config {
	char spec[PATH_MAX + 64];
	struct blk_options opts;
};

enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };

struct machine_config {
	const char *kernel_path;	/* NULL: the built-in guest */
	const char *initrd_path;
	const char *cmdline;
	uint64_t mem_size;
	unsigned cpus;
	enum guest_mem_backing backing;
	const char *hugetlbfs;
	bool host_quirks;		/* on unless --no-host-quirks */
	bool pit;			/* in-kernel i8254 PIT for guests that need it */
	bool rng;			/* a virtio-rng device */
	bool iommu;			/* an emulated VT-d unit in front of every PCI device */
	bool iommu_caching_mode;	/* its CAP.CM */
	enum console_kind console;	/* where stdin goes, and Linux's console= */
	struct disk_config disks[MACHINE_MAX_DISKS];
	unsigned nr_disks;
	const char *kvm_path;		/* NULL: /dev/kvm */
};

void machine_config_defaults(struct machine_config *cfg);

/* Build the VM, run it, tear it down. Returns one of the exit statuses above. */
int machine_run(const struct machine_config *cfg);

/* The built-in guest, embedded in the binary. */
const uint8_t *builtin_guest(size_t *size);

#endif
