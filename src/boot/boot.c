#include "boot/boot.h"
#include "core/log.h"

#include <elf.h>
#include <string.h>

enum boot_kind boot_detect(const uint8_t *image, size_t size)
{
	if (size >= SELFMAG && !memcmp(image, ELFMAG, SELFMAG))
		return BOOT_KIND_ELF_PVH;
	if (size >= 0x206 && !memcmp(image + 0x202, "HdrS", 4))
		return BOOT_KIND_BZIMAGE;
	return BOOT_KIND_UNKNOWN;
}

int boot_load(struct guest_mem *gm, const struct boot_config *cfg, struct boot_setup *out)
{
	switch (boot_detect(cfg->kernel, cfg->kernel_size)) {
	case BOOT_KIND_ELF_PVH:
		return pvh_load(gm, cfg, out);
	case BOOT_KIND_BZIMAGE:
		return bzimage_load(gm, cfg, out);
	default:
		pr_err("%s: not a kernel vessel can boot (neither an ELF with a PVH entry nor a "
		       "Linux bzImage)", cfg->kernel_name);
		return -1;
	}
}
