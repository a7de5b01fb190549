/*
 * vessel.test=counter: the snapshot tests' guest. A CPL3 loop (native speed
 * on hosts that emulate kernel mode) spins for a period bumping a counter in
 * memory; after each period the kernel writes the count to sector 0 of the
 * first virtio-blk disk, if there is one and it is writable ("counter: N\n",
 * then NULs, polled, no interrupt), and then to the console ("counter: N").
 * So a restored guest's first line is the last one before the snapshot plus
 * one, and the disk holds that line's number or the one before.
 * vessel.counterperiod=CYCLES sets the period (bench/snapshot: a short one,
 * so that a restored guest's next line comes at once).
 */
#include "virtio.h"

#define COUNTER_PERIOD_CYCLES	6000000ull	/* a few ms at this host's TSC rate */
#define COUNTER_SECTOR		0
#define SECTOR_BYTES		512

struct counter_job {
	uint64_t count;		/* periods done */
	uint64_t spins;		/* the loop's iterations: memory the guest keeps writing */
	uint64_t period;
};

static struct counter_job job;
static uint8_t sector[SECTOR_BYTES] __attribute__((aligned(512)));

/* In CPL3: one period of spinning, then one more count. */
static void count_period(void *arg)
{
	struct counter_job *j = arg;
	uint64_t end = rdtsc() + j->period;

	while (rdtsc() < end)
		*(volatile uint64_t *)&j->spins += 1;
	j->count++;
}

/* The first writable virtio-blk disk, started for polled requests; 0 if none. */
static int find_disk(const struct acpi_info *acpi, struct vdev *d)
{
	struct pci_dev devs[32];
	unsigned n = acpi->ecam_base ? pci_scan(acpi, devs, 32) : 0, i;
	uint32_t offered;
	uint64_t capacity;

	for (i = 0; i < n; i++) {
		if (devs[i].vendor != 0x1af4 || devs[i].device != 0x1042)
			continue;
		if (blk_start_polled(d, devs[i].slot, &offered, &capacity))
			guest_panic("vessel.test=counter: the disk did not start");
		if (offered & BLK_F_RO) {
			con_printf("vessel-guest: counter: the disk is read-only, console only\n");
			return 0;
		}
		con_printf("vessel-guest: counter: writing to sector %u of the disk at 00:%02x.0\n",
			   COUNTER_SECTOR, devs[i].slot);
		return 1;
	}
	return 0;
}

static void write_count(struct vdev *d, uint64_t n)
{
	static const char prefix[] = "counter: ";
	char digits[20];
	unsigned i = 0, len = sizeof(prefix) - 1;

	memset(sector, 0, sizeof(sector));
	memcpy(sector, prefix, len);
	do {
		digits[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (i)
		sector[len++] = (uint8_t)digits[--i];
	sector[len] = '\n';
	if (blk_request(d, BLK_T_OUT, COUNTER_SECTOR, sector, SECTOR_BYTES, 0) != BLK_S_OK)
		guest_panic("vessel.test=counter: the disk write failed");
}

void run_counter(const struct acpi_info *acpi, uint64_t period)
{
	struct vdev disk;
	int has_disk = find_disk(acpi, &disk);

	job.period = period ? period : COUNTER_PERIOD_CYCLES;
	for (;;) {
		user_run(count_period, &job);
		if (has_disk)
			write_count(&disk, job.count);
		con_printf("counter: %lu\n", job.count);
	}
}
