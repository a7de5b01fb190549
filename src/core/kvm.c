#include "core/kvm.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Addresses KVM needs for real-mode emulation on Intel; inside the MMIO hole. */
#define KVM_TSS_ADDR		0xfffbd000ull
#define KVM_IDENTITY_MAP_ADDR	0xfffbc000ull

static const struct {
	long cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
	{ KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS" },
};

static int open_kvm(const char *path, char *why, unsigned why_len)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int err;

	if (fd >= 0)
		return fd;
	err = errno;
	if (err == ENOENT)
		snprintf(why, why_len, "%s does not exist: KVM is not available on this host "
			 "(is the kvm module loaded and virtualization enabled?)", path);
	else if (err == EACCES || err == EPERM)
		snprintf(why, why_len, "%s: permission denied (run as root or join the group owning it)",
			 path);
	else
		snprintf(why, why_len, "cannot open %s: %s", path, strerror(err));
	return -err;
}

/* Is the open @fd a KVM that speaks our API? 0, or -errno with @why filled in. */
static int check_kvm_fd(int fd, const char *path, char *why, unsigned why_len)
{
	struct stat st;
	int ver;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		snprintf(why, why_len, "%s is not a character device: KVM is not available here",
			 path);
		return -ENODEV;
	}
	ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		snprintf(why, why_len, "%s speaks KVM API version %d, vessel needs %d", path, ver,
			 KVM_API_VERSION);
		return -ENOTSUP;
	}
	return 0;
}

int kvm_open(struct kvm *kvm, const char *path)
{
	char why[256];
	unsigned i;
	int r;

	kvm->sys_fd = kvm->vm_fd = -1;
	if (!path)
		path = KVM_DEVICE_PATH;
	/* One open serves the checks and the VM: each open of /dev/kvm costs a path walk. */
	r = open_kvm(path, why, sizeof(why));
	if (r < 0) {
		pr_err("%s", why);
		return -1;
	}
	kvm->sys_fd = r;
	if (check_kvm_fd(kvm->sys_fd, path, why, sizeof(why)) < 0) {
		pr_err("%s", why);
		goto err;
	}
	for (i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			pr_err("this host's KVM lacks %s, which vessel needs", required_caps[i].name);
			goto err;
		}
	}
	kvm->run_size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->run_size <= 0) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto err;
	}
	do
		kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	while (kvm->vm_fd < 0 && errno == EINTR);
	if (kvm->vm_fd < 0) {
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		goto err;
	}
	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
		pr_err("KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto err;
	}
	if (kvm_check_extension(kvm, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t addr = KVM_IDENTITY_MAP_ADDR;

		if (ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0) {
			pr_err("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
			goto err;
		}
	}
	return 0;
err:
	kvm_close(kvm);
	return -1;
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
	kvm->vm_fd = kvm->sys_fd = -1;
}

int kvm_check_extension(const struct kvm *kvm, long cap)
{
	int fd = kvm->vm_fd >= 0 ? kvm->vm_fd : kvm->sys_fd;

	return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

int kvm_create_irqchip(struct kvm *kvm)
{
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_create_split_irqchip(struct kvm *kvm, unsigned ioapic_pins)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { ioapic_pins } };

	if (ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		pr_err("KVM_CAP_SPLIT_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_create_pit(struct kvm *kvm)
{
	struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &cfg) < 0) {
		pr_err("KVM_CREATE_PIT2: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_set_memory_region(struct kvm *kvm, const struct guest_mem_region *r, uint64_t size,
			  struct error *err)
{
	struct kvm_userspace_memory_region region = {
		.slot = r->slot,
		.flags = r->flags,
		.guest_phys_addr = r->gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)r->hva,
	};

	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return error_set(err, errno,
				 "KVM_SET_USER_MEMORY_REGION (%s, slot %u, %llu KiB at 0x%llx): %s",
				 r->name, r->slot, (unsigned long long)(r->size >> 10),
				 (unsigned long long)r->gpa, strerror(errno));
	return 0;
}

bool kvm_enable_manual_dirty_protect(struct kvm *kvm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 };
	int have;

	if (kvm->manual_dirty)
		return kvm->manual_dirty > 0;
	have = kvm_check_extension(kvm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	/* Without INITIALLY_SET: a slot's log starts empty, as without the capability. */
	cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
	kvm->manual_dirty = have > 0 && ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap) == 0 ? 1 : -1;
	return kvm->manual_dirty > 0;
}

int kvm_irq_line(struct kvm *kvm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq);
}

int kvm_ioeventfd(struct kvm *kvm, uint64_t addr, int efd, bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = 0,	/* any access width: drivers may write 16 or 32 bits */
		.fd = efd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	if (!kvm_check_extension(kvm, KVM_CAP_IOEVENTFD_ANY_LENGTH))
		io.len = 2;	/* a virtio notify is a 16-bit write (4.1.4.4) */
	return ioctl(kvm->vm_fd, KVM_IOEVENTFD, &io);
}

int kvm_signal_msi(struct kvm *kvm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};

	return ioctl(kvm->vm_fd, KVM_SIGNAL_MSI, &msi);
}
