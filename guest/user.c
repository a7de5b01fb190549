/*
 * Running code in CPL3. Hosts that emulate a guest's kernel mode in software
 * (PVM) run its user mode natively, so benchmarks put their hot loops here.
 */
#include "guest.h"

#define SEL_TSS		0x30
#define TSS_AVAILABLE	0x89	/* present, 64-bit TSS (available) */

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
};

extern uint64_t gdt_tss[2];
void user_call(void (*fn)(void *), void *arg, void *stack_top);
void user_return(void) __attribute__((noreturn));
extern const char user_exit[];

static struct tss64 tss;
static uint8_t trap_stack[8192] __attribute__((aligned(16)));
static uint8_t user_stack[16384] __attribute__((aligned(16)));
static int tss_loaded;

/* The TSS gives the stack that traps from CPL3 switch to (SDM vol. 3A, 8.7). */
static void load_tss(void)
{
	uint64_t b = (uint64_t)&tss;

	tss.rsp[0] = (uint64_t)trap_stack + sizeof(trap_stack);
	tss.iomap_base = sizeof(tss);	/* no I/O bitmap: no port access from CPL3 */
	gdt_tss[0] = (sizeof(tss) - 1) | (b & 0xffffff) << 16 | (uint64_t)TSS_AVAILABLE << 40 |
		     ((b >> 24) & 0xff) << 56;
	gdt_tss[1] = b >> 32;
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
	tss_loaded = 1;
}

void user_run(void (*fn)(void *), void *arg)
{
	if (!tss_loaded)
		load_tss();
	user_call(fn, arg, user_stack + sizeof(user_stack));
}

void user_trap(const struct isr_frame *f)
{
	if (f->vector == 6 && f->rip == (uint64_t)user_exit)
		user_return();
	con_printf("vessel-guest: exception %lu (error 0x%lx) in user mode at rip 0x%lx\n",
		   f->vector, f->error, f->rip);
	guest_panic("unexpected exception in user mode");
}
