/*
 * KVM's GSI routing table held and released: while held, routes change in
 * the VMM only; a release or an interrupt about to go out gives KVM the
 * whole table, which it must accept. Needs /dev/kvm (skipped without).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/irq_routes.h"

#include <unistd.h>

static struct kvm kvm;
static struct irq_routes routes;

static int setup(void **state)
{
	(void)state;
	if (access("/dev/kvm", R_OK | W_OK))
		return 0;
	if (kvm_open(&kvm, NULL) || kvm_create_irqchip(&kvm) ||
	    irq_routes_init(&routes, &kvm, false))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!routes.kvm)
		return 0;
	irq_routes_destroy(&routes);
	kvm_close(&kvm);
	return 0;
}

static void test_hold_release(void **state)
{
	uint32_t gsi[3];
	int efd[3];
	unsigned i;

	(void)state;
	if (!routes.kvm)
		skip();
	irq_routes_hold(&routes);
	for (i = 0; i < 3; i++)
		assert_int_equal(irq_routes_add_msi(&routes, &gsi[i], &efd[i]), 0);
	assert_true(routes.dirty);
	assert_int_equal(irq_routes_set_msi(&routes, gsi[1], 0xfee00000, 0x41), 0);
	assert_true(routes.dirty);
	/* An interrupt about to go out: KVM takes the table, held or not. */
	assert_int_equal(irq_routes_sync(&routes), 0);
	assert_false(routes.dirty);
	assert_int_equal(irq_routes_set_msi(&routes, gsi[2], 0xfee01000, 0x42), 0);
	assert_true(routes.dirty);
	assert_int_equal(irq_routes_release(&routes), 0);
	assert_false(routes.dirty);
	/* Released: each change goes to KVM at once, as before. */
	assert_int_equal(irq_routes_set_msi(&routes, gsi[0], 0xfee00000, 0x43), 0);
	assert_false(routes.dirty);
	for (i = 0; i < 3; i++)
		close(efd[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_release),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
