#include "boot/boot.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_ALIGN_DOWN(x) ((x) & ~0xfffull)

static int read_all(int fd, uint8_t *dst, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, dst + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (uint64_t)n;
	}
	return 0;
}

int initrd_load(struct guest_mem *gm, const struct boot_config *cfg, uint64_t limit,
		uint64_t kernel_end, struct initrd_place *out)
{
	const struct mem_layout *l = cfg->layout;
	struct stat st;
	uint64_t top, addr, size;
	uint8_t *dst;
	int fd;

	out->addr = out->size = 0;
	if (!cfg->initrd_path)
		return 0;
	fd = open(cfg->initrd_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("--initrd %s: %s", cfg->initrd_path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pr_err("--initrd %s: not a regular file", cfg->initrd_path);
		goto err;
	}
	size = (uint64_t)st.st_size;
	top = l->low_ram_end < limit ? l->low_ram_end : limit;
	if (size == 0 || size > top || PAGE_ALIGN_DOWN(top - size) < kernel_end) {
		pr_err("--initrd %s (%llu MiB) does not fit in guest memory below %llu MiB "
		       "beside the kernel: raise --memory",
		       cfg->initrd_path, (unsigned long long)(size >> 20),
		       (unsigned long long)(top >> 20));
		goto err;
	}
	addr = PAGE_ALIGN_DOWN(top - size);
	dst = gm_ptr(gm, addr, size);
	if (!dst || read_all(fd, dst, size)) {
		pr_err("--initrd %s: read failed: %s", cfg->initrd_path, strerror(errno));
		goto err;
	}
	close(fd);
	out->addr = addr;
	out->size = size;
	return 0;
err:
	close(fd);
	return -1;
}

int cmdline_store(struct guest_mem *gm, const struct boot_config *cfg, uint64_t max_len)
{
	const char *s = cfg->cmdline ? cfg->cmdline : "";
	size_t len = strlen(s);

	if (max_len > BOOT_CMDLINE_MAX)
		max_len = BOOT_CMDLINE_MAX;
	if (len + 1 > max_len) {
		pr_err("--cmdline: %zu bytes, the kernel accepts at most %llu", len,
		       (unsigned long long)(max_len - 1));
		return -1;
	}
	return gm_write(gm, BOOT_CMDLINE_ADDR, s, len + 1);
}
