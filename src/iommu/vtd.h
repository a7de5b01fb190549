/*
 * An emulated Intel VT-d remapping unit: DMA remapping through root, context
 * and second-level tables with an IOTLB, register-based and queued
 * invalidation, fault recording and reporting. Devices reach it through
 * their struct dma_space (vtd_translator); the unit reads the guest's tables
 * through the guest-memory API only.
 */
#ifndef VESSEL_IOMMU_VTD_H
#define VESSEL_IOMMU_VTD_H

#include "core/device.h"
#include "core/dma.h"
#include "core/guest_mem.h"
#include "core/io_bus.h"
#include "iommu/vtd_regs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VTD_BASE_ADDR		0xfed90000ull	/* where the register page sits, as on PCs */
#define VTD_HAW			48		/* host address width */
#define VTD_IOTLB_SIZE		1024
#define VTD_CTX_CACHE_SIZE	64

/* How the unit sends its own interrupts (fault and completion events). */
struct vtd_msi_sink {
	void (*send)(void *opaque, uint64_t addr, uint32_t data);
	void *opaque;
};

struct vtd_iotlb_entry {
	bool valid;
	uint16_t did;
	uint8_t perm;		/* VTD_SL_R | VTD_SL_W */
	uint64_t iova;		/* page-aligned to the entry's size */
	uint64_t mask;		/* page size - 1 */
	uint64_t gpa;
};

struct vtd_context {
	bool valid;
	uint16_t sid;
	uint16_t did;
	uint8_t tt;		/* translation type */
	uint8_t levels;		/* 3 or 4 */
	bool fpd;		/* fault processing disabled */
	uint64_t slptptr;
};

struct vtd_msi_msg {
	uint64_t addr;
	uint32_t data;
};

struct vtd_stats {
	uint64_t iotlb_hits, iotlb_misses, faults;
};

struct vtd {
	pthread_mutex_t lock;
	/*
	 * Odd while a holder of the lock may change what a translation reads:
	 * IOTLB hits are served without the lock, and retried under it when
	 * this moved meanwhile (a seqcount).
	 */
	unsigned seq;
	const struct guest_mem *mem;
	struct vtd_msi_sink sink;
	uint64_t cap, ecap;
	uint32_t gsts;
	uint64_t rtaddr_reg, rtaddr;	/* as written, and as latched by SRTP */
	uint64_t ccmd, iotlb_reg, iva;
	uint32_t fsts, fectl, fedata, feaddr, feuaddr;
	uint64_t frcd[DMAR_NR_FRCD][2];
	unsigned fri;			/* next fault record */
	uint64_t iqa, iqh, iqt;
	uint64_t irta_reg, irta;	/* as written, and as latched by SIRTP */
	bool ir_changed;		/* remapped interrupts must be looked up again */
	void (*ir_listener)(void *opaque);
	void *ir_opaque;
	uint32_t ics, iectl, iedata, ieaddr, ieuaddr;
	struct vtd_iotlb_entry iotlb[VTD_IOTLB_SIZE];
	struct vtd_context ctx_cache[VTD_CTX_CACHE_SIZE];
	struct vtd_stats stats;
};

void vtd_init(struct vtd *v, const struct guest_mem *mem, const struct vtd_msi_sink *sink,
	      bool caching_mode);
void vtd_destroy(struct vtd *v);
int vtd_attach(struct vtd *v, struct io_bus *mmio);

/* The translator for the DMA spaces of the devices behind the unit. */
void vtd_translator(struct vtd *v, struct dma_translator *t);

void vtd_stats(struct vtd *v, struct vtd_stats *out);

/*
 * Interrupt remapping: the message a request from @sid becomes. Returns -1
 * when it is blocked; with @record the fault is logged as hardware would
 * (at delivery), without it the lookup only previews (at route setup).
 */
int vtd_remap_msi(struct vtd *v, uint16_t sid, uint64_t addr, uint32_t data,
		  struct vtd_msi_msg *out, bool record);

/* Called, outside the unit's lock, when remapped interrupts must be looked up again. */
void vtd_set_ir_listener(struct vtd *v, void (*changed)(void *opaque), void *opaque);

/*
 * Its registry hooks (vtd_state.c; the unit is the machine's to free):
 * reset, its counters, and a record (version 1) of the registers: global
 * status, root and interrupt remapping table addresses, fault status,
 * records and event registers, the invalidation queue's address, head and
 * tail, the invalidation completion status and event registers.
 */
extern const struct device_ops vtd_device_ops;

#endif
