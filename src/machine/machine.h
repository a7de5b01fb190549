/*
 * One VM as a library: assembled from a configuration, then started, paused,
 * resumed and stopped by its owner (the command line, a test, the control
 * API), and destroyed.
 */
#ifndef VESSEL_MACHINE_MACHINE_H
#define VESSEL_MACHINE_MACHINE_H

#include "core/dirty_log.h"
#include "core/error.h"
#include "core/event_loop.h"
#include "core/guest_mem.h"
#include "backend/net_backend.h"
#include "virtio/blk.h"

#include <limits.h>

#include <stdbool.h>
#include <stdint.h>

struct kvm_cpuid2;

/* vessel run's exit statuses. */
#define EXIT_GUEST_POWEROFF	0
#define EXIT_VMM_ERROR		1
#define EXIT_USAGE		2
#define EXIT_GUEST_RESET	3
#define EXIT_GUEST_CRASH	4
#define EXIT_SIGNAL_BASE	128	/* + the signal that stopped vessel */
#define EXIT_MIGRATED		0	/* the VM went to another vessel */

#define MACHINE_MAX_CPUS	254	/* xAPIC ids, the IOAPIC takes the next one */
#define MACHINE_DEFAULT_MEM	(256ull << 20)
#define MACHINE_MAX_DISKS	8
#define MACHINE_MAX_NICS	NET_MAX_NICS

/* One --disk: the argument's text, split in place, and what it says. */
struct disk_config {
	char spec[PATH_MAX + 64];
	struct blk_options opts;
};

enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };

/* The viewer's keyboard and pointer: the i8042's (always there), or virtio-input's too. */
enum input_kind { INPUT_PS2, INPUT_VIRTIO };

/* Where the guest's console output goes; write NULL: stdout. */
struct machine_output {
	void (*write)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

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
	enum input_kind input;		/* INPUT_VIRTIO: a virtio keyboard and tablet too */
	struct disk_config disks[MACHINE_MAX_DISKS];
	unsigned nr_disks;
	struct net_options nics[MACHINE_MAX_NICS];	/* --net, in order: net0, net1, ... */
	unsigned nr_nics;
	const char *kvm_path;		/* NULL: /dev/kvm */
	struct machine_output output;
	bool host_console;		/* stdin, the terminal and SIGINT/SIGTERM drive the VM */
	/*
	 * A machine to restore into (a snapshot, an incoming migration): no
	 * kernel is loaded and no ACPI table written, the vCPUs start from
	 * machine_state_load's state. Its RAM is @restore_memory, a memory file
	 * mapped copy-on-write (MAP_PRIVATE: nothing is read until the guest
	 * touches a page), or with NULL anonymous memory the caller fills.
	 */
	bool restore;
	const char *restore_memory;
	bool start_paused;		/* machine_start parks the vCPUs before they run */
	unsigned display_width;		/* a bochs-display preferring this mode; 0: none */
	unsigned display_height;
};

void machine_config_defaults(struct machine_config *cfg);


enum machine_state {
	MACHINE_CREATED,	/* assembled, no vCPU has run */
	MACHINE_RUNNING,
	MACHINE_PAUSED,		/* every vCPU parked at a known point, devices quiet */
	MACHINE_STOPPED,	/* the guest stopped, or was stopped: machine_wait returns */
};

struct machine;

/* Assemble the VM; NULL with @err saying why. @cfg must outlive the machine. */
struct machine *machine_create(const struct machine_config *cfg, struct error *err);
int machine_start(struct machine *m, struct error *err);
/* Pause stops every vCPU and quiets every device; resume lets them go on. */
int machine_pause(struct machine *m, struct error *err);
int machine_resume(struct machine *m, struct error *err);
/* Ask the machine to stop, from any thread (as a host signal does). */
void machine_stop(struct machine *m);
/* The VM runs on at a migration's destination: this one stops (exit status 0). */
void machine_stop_migrated(struct machine *m);
/*
 * Hold a running VM's vCPUs for @us microseconds (devices run on): a
 * migration slows a guest that dirties memory faster than it can be sent.
 */
int machine_throttle(struct machine *m, unsigned us, struct error *err);
/* Reset as the guest's reset request would, running or paused (and it stays so). */
int machine_reset(struct machine *m, struct error *err);
/* Press the ACPI power button of a running VM (the guest's OS decides what follows). */
int machine_power_button(struct machine *m, struct error *err);
/*
 * Serve the machine's event loop on this thread until the VM stops; then
 * returns one of the exit statuses above. The loop is the place for other
 * watches (an API socket, a display server) that belong to this machine.
 */
int machine_wait(struct machine *m);
void machine_destroy(struct machine *m);

/* Host input for the guest's console (what stdin gives with host_console); returns bytes taken. */
size_t machine_console_input(struct machine *m, const uint8_t *buf, size_t len);

/*
 * Viewer input (a display server's), from any thread: @code a Linux KEY_*
 * code; the pointer absolute, each axis 0 .. INPUT_ABS_MAX over the screen,
 * with the INPUT_BTN_* buttons held (core/input.h).
 */
void machine_input_key(struct machine *m, unsigned code, bool down);
void machine_input_pointer(struct machine *m, unsigned x, unsigned y, unsigned buttons);

enum machine_state machine_state(struct machine *m);
/* Since machine_start (paused time included); 0 before. */
uint64_t machine_uptime_ns(struct machine *m);
const struct machine_config *machine_config(struct machine *m);
/* What KVM_GET_SUPPORTED_CPUID said when @m was created (what its vCPUs were given, patched). */
const struct kvm_cpuid2 *machine_supported_cpuid(struct machine *m);

enum machine_event {
	MACHINE_EVENT_PAUSED,
	MACHINE_EVENT_RESUMED,
	MACHINE_EVENT_PANIC,	/* the guest reported a kernel panic; a shutdown follows */
	MACHINE_EVENT_SHUTDOWN,	/* the VM stopped: @status is machine_wait's */
	MACHINE_EVENT_RESET,	/* reset from the host; the guest boots again */
};

/*
 * Told of each state change, in order, on the thread that made it (a vCPU's
 * for a panic); it must be quick and must not call the machine back.
 */
struct machine_observer {
	void (*event)(void *opaque, enum machine_event ev, int status);
	void *opaque;
};

/* Before machine_start; @o must outlive the machine. */
void machine_set_observer(struct machine *m, const struct machine_observer *o);

/*
 * Every counter the machine keeps, from any thread while it exists: each
 * device with counters (the IOMMU's among them, as "vtd.0") is named by
 * @begin, then its counters go to @emit.
 */
void machine_metrics(struct machine *m, void (*begin)(void *opaque, const char *name),
		     device_metric_fn emit, void *opaque);
/* Each vCPU's exits by reason (core/vm.h's vcpu_exit_names), from any thread. */
void machine_vcpu_exits(struct machine *m,
			void (*fn)(void *opaque, unsigned vcpu, const char *reason, uint64_t n),
			void *opaque);
/*
 * The disk images' locks: let go by a migration's source at the hand-over
 * (paused), taken by the destination before it runs, or back by the source
 * if the migration failed (EBUSY: someone else took one meanwhile).
 */
int machine_disks_lock(struct machine *m, struct error *err);
void machine_disks_unlock(struct machine *m);
/* NIC @index's link (--net order): -1 with ENODEV if there is none. */
int machine_net_set_link(struct machine *m, unsigned index, bool up, struct error *err);
struct event_loop *machine_loop(struct machine *m);

struct bochs_display;
/* The machine's display device, or NULL without one. */
struct bochs_display *machine_display(struct machine *m);

/* Log the writes to the memory region holding @gpa (RAM or device memory). */
int machine_dirty_log_open(struct machine *m, uint64_t gpa, struct dirty_log *log,
			   struct error *err);

/* create, start, wait, destroy: the command line's vessel run. Prints any error. */
int machine_run(const struct machine_config *cfg);

/* The built-in guest, embedded in the binary. */
const uint8_t *builtin_guest(size_t *size);

#endif
