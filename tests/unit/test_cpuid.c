#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/cpuid.h"

#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

static struct kvm_cpuid2 *table(void)
{
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 1, .ebx = 0xff0a0800, .ecx = 0x1234, .edx = 0 },
		{ .function = 4, .index = 0, .eax = 0xfc004121 },
		{ .function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xb, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xb, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0x40000000, .eax = 0x40000001 },
		{ .function = 0x80000008, .ecx = 0xffff },
	};
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + sizeof(e));

	c->nent = sizeof(e) / sizeof(e[0]);
	memcpy(c->entries, e, sizeof(e));
	return c;
}

static struct kvm_cpuid_entry2 *get(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	unsigned i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	fail();
	return NULL;
}

static void test_topology_for_cpu(void **state)
{
	struct kvm_cpuid2 *c = table();
	struct kvm_cpuid_entry2 *e;

	(void)state;
	cpuid_patch(c, 2, 4);
	e = get(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 2);		/* initial APIC id */
	assert_int_equal((e->ebx >> 16) & 0xff, 4);	/* logical processors */
	assert_int_equal(e->ebx & 0xffff, 0x0800);	/* CLFLUSH size, brand kept */
	assert_true(e->ecx & (1u << 31));		/* hypervisor present */
	assert_true(e->edx & (1u << 28));		/* HTT: more than one CPU */
	assert_int_equal(get(c, 4, 0)->eax >> 26, 3);	/* cores per package - 1 */
	e = get(c, 0xb, 0);
	assert_int_equal(e->edx, 2);			/* x2APIC id */
	assert_int_equal(e->ebx, 1);			/* one thread per core */
	assert_int_equal((e->ecx >> 8) & 0xff, 1);	/* SMT level */
	e = get(c, 0xb, 1);
	assert_int_equal(e->eax, 2);			/* shift to the package id */
	assert_int_equal(e->ebx, 4);
	assert_int_equal((e->ecx >> 8) & 0xff, 2);	/* core level */
	e = get(c, 0xb, 2);
	assert_int_equal(e->ebx, 0);			/* no further levels */
	assert_int_equal((e->ecx >> 8) & 0xff, 0);
	assert_int_equal(get(c, 0x80000008, 0)->ecx & 0xff, 3);
	free(c);
}

static void test_kvm_signature(void **state)
{
	struct kvm_cpuid2 *c = table();
	struct kvm_cpuid_entry2 *e;
	char sig[13];

	(void)state;
	cpuid_patch(c, 0, 1);
	e = get(c, 0x40000000, 0);
	memcpy(sig, &e->ebx, 4);
	memcpy(sig + 4, &e->ecx, 4);
	memcpy(sig + 8, &e->edx, 4);
	sig[12] = '\0';
	assert_string_equal(sig, "KVMKVMKVM");
	assert_int_equal(e->eax, 0x40000001);
	assert_false(get(c, 1, 0)->edx & (1u << 28));	/* one CPU: no HTT */
	assert_int_equal(get(c, 1, 0)->ebx >> 24, 0);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology_for_cpu),
		cmocka_unit_test(test_kvm_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
