#include "core/cpuid.h"
#include "core/log.h"
#include "core/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define CPUID_MAX_ENTRIES 256
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define CPUID_1_EDX_HTT		(1u << 28)
#define KVM_CPUID_SIGNATURE	0x40000000u
#define TOPO_LEVEL_SMT		1u
#define TOPO_LEVEL_CORE		2u

static unsigned bits_for(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

/* Extended topology (leaf 0xB and 0x1F): SDM vol. 2A, CPUID leaf 0BH. */
static void patch_topology(struct kvm_cpuid_entry2 *e, unsigned index, unsigned nr)
{
	unsigned core_shift = bits_for(nr);

	e->edx = index;
	switch (e->index) {
	case 0:
		e->eax = 0;
		e->ebx = 1;
		e->ecx = (TOPO_LEVEL_SMT << 8) | 0;
		break;
	case 1:
		e->eax = core_shift;
		e->ebx = nr;
		e->ecx = (TOPO_LEVEL_CORE << 8) | 1;
		break;
	default:
		e->eax = e->ebx = 0;
		e->ecx = e->index;
		break;
	}
}

static void patch_entry(struct kvm_cpuid_entry2 *e, unsigned index, unsigned nr)
{
	switch (e->function) {
	case 1:
		e->ebx = (e->ebx & 0x0000ffffu) | (index << 24) | ((nr & 0xff) << 16);
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
		if (nr > 1)
			e->edx |= CPUID_1_EDX_HTT;
		break;
	case 4:
		/* Cores per package minus one, in bits 31:26. */
		e->eax = (e->eax & 0x03ffffffu) | ((nr - 1) << 26);
		/* Caches are shared by the threads of one core only. */
		e->eax &= ~(0xfffu << 14);
		break;
	case 0xb:
	case 0x1f:
		patch_topology(e, index, nr);
		break;
	case 0x80000008:
		/* AMD: number of cores minus one, and the APIC id width. */
		e->ecx = (e->ecx & ~0xf0ffu) | (nr - 1) | (bits_for(nr) << 12);
		break;
	case KVM_CPUID_SIGNATURE:
		e->eax = KVM_CPUID_SIGNATURE + 1;
		memcpy(&e->ebx, "KVMK", 4);
		memcpy(&e->ecx, "VMKV", 4);
		memcpy(&e->edx, "M\0\0\0", 4);
		break;
	default:
		break;
	}
}

void cpuid_patch(struct kvm_cpuid2 *c, unsigned index, unsigned nr_vcpus)
{
	unsigned i;

	for (i = 0; i < c->nent; i++)
		patch_entry(&c->entries[i], index, nr_vcpus);
}

static struct kvm_cpuid2 *alloc_cpuid(void)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (c)
		c->nent = CPUID_MAX_ENTRIES;
	return c;
}

int cpuid_setup(struct vm *vm)
{
	struct kvm_cpuid2 *supported, *c;
	size_t size;
	unsigned i;
	int ret = -1;

	supported = alloc_cpuid();
	c = alloc_cpuid();
	if (!supported || !c) {
		pr_err("out of memory");
		goto out;
	}
	if (ioctl(vm->kvm.sys_fd, KVM_GET_SUPPORTED_CPUID, supported) < 0) {
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	size = sizeof(*c) + supported->nent * sizeof(c->entries[0]);
	for (i = 0; i < vm->nr_vcpus; i++) {
		memcpy(c, supported, size);
		cpuid_patch(c, i, vm->nr_vcpus);
		if (ioctl(vm->vcpus[i].fd, KVM_SET_CPUID2, c) < 0) {
			pr_err("KVM_SET_CPUID2 on vCPU %u: %s", i, strerror(errno));
			goto out;
		}
	}
	vm->supported_cpuid = supported;
	supported = NULL;
	ret = 0;
out:
	free(supported);
	free(c);
	return ret;
}
