/* libFuzzer target: kernel images (bzImage headers, ELF/PVH) are user input. */
#include "boot/boot.h"
#include "fuzz_common.h"

#include <stdlib.h>

#define RAM (32ull << 20)

static struct guest_mem gm;
static struct mem_layout layout;
static struct e820_entry e820[E820_MAX];
static unsigned e820_entries;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_mem(&gm, RAM);
	layout_compute(RAM, &layout);
	e820_entries = e820_build(&layout, e820);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_config cfg = {
		.kernel = data,
		.kernel_size = size,
		.kernel_name = "fuzz",
		.cmdline = "console=ttyS0",
		.layout = &layout,
		.e820 = e820,
		.e820_entries = e820_entries,
	};
	struct boot_setup s;

	if (boot_load(&gm, &cfg, &s) == 0 && s.entry == 0 && s.mode != BOOT_PVH)
		abort();
	return 0;
}
