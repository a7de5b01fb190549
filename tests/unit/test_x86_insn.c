/* The host-quirks decoder: only the instructions it emulates, never a guess. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/x86_insn.h"

static const uint64_t gpr[16] = {
	0x1000, 0x2000, 0x3000, 0x4000, 0x7ff0, 0x6000, 0x7000, 0x8000,
	0x9000, 0xa000, 0xb000, 0xc000, 0xd000, 0xe000, 0xf000, 0x10000,
};

static void test_single_byte(void **state)
{
	struct x86_insn i;

	(void)state;
	assert_int_equal(x86_decode((const uint8_t[]){ 0xcc }, 1, &i), 0);
	assert_int_equal(i.op, X86_OP_INT3);
	assert_int_equal(i.len, 1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x9b, 0xdb, 0xe3 }, 3, &i), 0);
	assert_int_equal(i.op, X86_OP_FWAIT);
	assert_int_equal(i.len, 1);
}

static void test_group15_forms(void **state)
{
	struct x86_insn i;

	(void)state;
	/* ldmxcsr (%rax) */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0x10 }, 3, &i), 0);
	assert_int_equal(i.op, X86_OP_LDMXCSR);
	assert_int_equal(i.len, 3);
	assert_int_equal(x86_effective_address(&i, gpr, 0, 0), 0x1000);
	/* stmxcsr 0x8(%rsp) */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0x5c, 0x24, 0x08 }, 5, &i), 0);
	assert_int_equal(i.op, X86_OP_STMXCSR);
	assert_int_equal(i.len, 5);
	assert_int_equal(x86_effective_address(&i, gpr, 0, 0), 0x7ff8);
	/* ldmxcsr (%r15) with REX.B */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x41, 0x0f, 0xae, 0x17 }, 4, &i), 0);
	assert_int_equal(i.op, X86_OP_LDMXCSR);
	assert_int_equal(x86_effective_address(&i, gpr, 0, 0), 0x10000);
	/* fxrstor64 (%rax) */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x48, 0x0f, 0xae, 0x08 }, 4, &i), 0);
	assert_int_equal(i.op, X86_OP_FXRSTOR);
	assert_int_equal(i.rex_w, 1);
	/* fxsave 0x100(%rip) */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0x05, 0, 1, 0, 0 }, 7, &i), 0);
	assert_int_equal(i.op, X86_OP_FXSAVE);
	assert_int_equal(i.len, 7);
	assert_int_equal(x86_effective_address(&i, gpr, 0x400000, 0), 0x400000 + 7 + 0x100);
	/* ldmxcsr %gs:0x10 (SIB, no base, no index) */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x65, 0x0f, 0xae, 0x14, 0x25, 0x10, 0, 0, 0 },
				    9, &i), 0);
	assert_int_equal(i.seg, X86_SEG_GS);
	assert_int_equal(i.len, 9);
	assert_int_equal(x86_effective_address(&i, gpr, 0, 0xffff888000000000ull),
			 0xffff888000000010ull);
	/* stmxcsr -0x4(%rbp,%rcx,4) */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0x5c, 0x8d, 0xfc }, 5, &i), 0);
	assert_int_equal(x86_effective_address(&i, gpr, 0, 0), 0x6000 + 0x2000 * 4 - 4);
}

static void test_rejects(void **state)
{
	struct x86_insn i;

	(void)state;
	/* lfence (register form), clflush (/7), xrstor (/5), a truncated ModRM, prefixes. */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0xe8 }, 3, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0x38 }, 3, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0x28 }, 3, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f, 0xae, 0x80, 0x00 }, 4, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0xf3, 0x0f, 0xae, 0x10 }, 4, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x66, 0x0f, 0x6e, 0xc0 }, 4, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f }, 1, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x90 }, 1, &i), -1);
	assert_int_equal(x86_decode((const uint8_t[]){ 0 }, 0, &i), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_byte),
		cmocka_unit_test(test_group15_forms),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
