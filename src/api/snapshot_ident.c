/*
 * A disk's identity is its size, its modification time and a CRC-32C of its
 * first and last MiB. The modification time catches any write to the image
 * since the snapshot (the guest's own, after the VM ran on, included); the
 * checksums catch another image put in its place, even one copied with its
 * times kept (its partition table, boot sector and superblock are in the
 * first MiB, GPT's backup in the last); the inode is left out on purpose, so
 * that a copy made with `cp -p` (a clone's own disk) is the same image. It
 * reads 2 MiB a disk, where hashing the whole image would read all of it.
 */
#include "api/snapshot_ident.h"
#include "core/crc32c.h"
#include "core/kvm.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CPUID_ENTRIES_MAX 256

/* The leaves and registers whose feature bits a guest can use. */
static const struct {
	uint32_t leaf, index;
	unsigned reg;		/* 0 eax, 1 ebx, 2 ecx, 3 edx */
} feature_words[] = {
	{ 1, 0, 2 }, { 1, 0, 3 }, { 7, 0, 1 }, { 7, 0, 2 }, { 7, 0, 3 }, { 7, 1, 0 },
	{ 0xd, 0, 0 }, { 0xd, 1, 0 }, { 0x80000001, 0, 2 }, { 0x80000001, 0, 3 },
};

#define NR_FEATURE_WORDS (sizeof(feature_words) / sizeof(feature_words[0]))

static uint32_t entry_reg(const struct kvm_cpuid_entry2 *e, unsigned reg)
{
	const uint32_t regs[] = { e->eax, e->ebx, e->ecx, e->edx };

	return regs[reg];
}

static void fill_features(struct snapshot_cpu *c, const struct kvm_cpuid2 *cpuid)
{
	unsigned w, i;

	c->nr_features = NR_FEATURE_WORDS;
	for (w = 0; w < NR_FEATURE_WORDS; w++) {
		c->features[w] = 0;
		for (i = 0; i < cpuid->nent; i++) {
			const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

			if (e->function == feature_words[w].leaf &&
			    e->index == feature_words[w].index)
				c->features[w] = entry_reg(e, feature_words[w].reg);
		}
	}
}

void snapshot_cpu_identify(struct snapshot_cpu *c, const struct kvm_cpuid2 *supported)
{
	unsigned a, b, cx, d, family, model;

	memset(c, 0, sizeof(*c));
	__cpuid(0, a, b, cx, d);
	memcpy(c->vendor, &b, 4);
	memcpy(c->vendor + 4, &d, 4);
	memcpy(c->vendor + 8, &cx, 4);
	__cpuid(1, a, b, cx, d);
	/* Intel SDM vol. 2A, CPUID leaf 1: the extended fields add to the base ones. */
	family = (a >> 8) & 0xf;
	model = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family >= 0x6)
		model |= ((a >> 16) & 0xf) << 4;
	c->family = family;
	c->model = model;
	fill_features(c, supported);
}

int snapshot_cpu_identify_host(struct snapshot_cpu *c, const char *kvm_path, struct error *err)
{
	const char *path = kvm_path ? kvm_path : KVM_DEVICE_PATH;
	struct kvm_cpuid2 *cpuid;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return error_set(err, errno, "%s: %s", path, strerror(errno));
	cpuid = calloc(1, sizeof(*cpuid) + CPUID_ENTRIES_MAX * sizeof(cpuid->entries[0]));
	if (!cpuid) {
		close(fd);
		return error_set(err, ENOMEM, "out of memory");
	}
	cpuid->nent = CPUID_ENTRIES_MAX;
	if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		int e = errno;

		free(cpuid);
		close(fd);
		return error_set(err, e, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
	}
	close(fd);
	snapshot_cpu_identify(c, cpuid);
	free(cpuid);
	return 0;
}

int snapshot_cpu_check(const struct snapshot_cpu *saved, const struct snapshot_cpu *here,
		       struct error *err)
{
	unsigned w;

	if (strcmp(saved->vendor, here->vendor) || saved->family != here->family ||
	    saved->model != here->model)
		return error_set(err, ENOEXEC, "the snapshot was taken on another CPU (%s family "
				 "%u model %u; this host has %s family %u model %u)",
				 saved->vendor, saved->family, saved->model, here->vendor,
				 here->family, here->model);
	if (saved->nr_features != here->nr_features)
		return error_set(err, ENOEXEC, "the snapshot's CPU features are of another "
				 "vessel (%u words, this one has %u)", saved->nr_features,
				 here->nr_features);
	for (w = 0; w < saved->nr_features; w++) {
		uint32_t missing = saved->features[w] & ~here->features[w];

		if (missing)
			return error_set(err, ENOEXEC, "the snapshot's guest has CPU features this "
					 "host lacks (CPUID 0x%x.%u register %u, bits 0x%08x)",
					 feature_words[w].leaf, feature_words[w].index,
					 feature_words[w].reg, missing);
	}
	return 0;
}

static int sample_crc(int fd, uint64_t off, uint64_t size, uint32_t *crc)
{
	size_t n = size < SNAPSHOT_DISK_SAMPLE ? (size_t)size : SNAPSHOT_DISK_SAMPLE;
	uint8_t *buf = malloc(SNAPSHOT_DISK_SAMPLE);
	ssize_t got;

	if (!buf)
		return -1;
	got = pread(fd, buf, n, (off_t)off);
	if (got == (ssize_t)n)
		*crc = crc32c(0, buf, n);
	free(buf);
	return got == (ssize_t)n ? 0 : -1;
}

int snapshot_disk_identify(struct snapshot_disk *d, const char *path, struct error *err)
{
	struct stat st;
	uint64_t tail;
	int fd;

	memset(d, 0, sizeof(*d));
	if (strlen(path) >= sizeof(d->path))
		return error_set(err, ENAMETOOLONG, "%s: the path is too long", path);
	strcpy(d->path, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "disk %s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		close(fd);
		return error_set(err, errno, "disk %s: %s", path, strerror(errno));
	}
	d->size = (uint64_t)st.st_size;
	d->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	tail = d->size > SNAPSHOT_DISK_SAMPLE ? d->size - SNAPSHOT_DISK_SAMPLE : 0;
	if (sample_crc(fd, 0, d->size, &d->head_crc) ||
	    sample_crc(fd, tail, d->size - tail, &d->tail_crc)) {
		close(fd);
		return error_set(err, EIO, "disk %s: cannot read it", path);
	}
	close(fd);
	return 0;
}

int snapshot_disk_check(const struct snapshot_disk *saved, struct error *err)
{
	struct snapshot_disk now;

	if (snapshot_disk_identify(&now, saved->path, err))
		return -1;
	if (now.size != saved->size)
		return error_set(err, ESTALE, "disk %s changed since the snapshot: %llu bytes, "
				 "the snapshot's image had %llu", saved->path,
				 (unsigned long long)now.size, (unsigned long long)saved->size);
	if (now.mtime_ns != saved->mtime_ns)
		return error_set(err, ESTALE, "disk %s was written since the snapshot (its "
				 "modification time changed)", saved->path);
	if (now.head_crc != saved->head_crc || now.tail_crc != saved->tail_crc)
		return error_set(err, ESTALE, "disk %s is not the image the snapshot was taken "
				 "with (its first or last MiB differs)", saved->path);
	return 0;
}
