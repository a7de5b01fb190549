/*
 * vessel.test=churn [vessel.churnmib=N]: a guest that dirties memory fast,
 * for the migration benchmark and the throttle. A CPL3 loop (native speed on
 * hosts that emulate kernel mode) writes the count into every 4 KiB page of
 * N MiB (default 64) at 64 MiB, again and again; after each sweep the count
 * goes to the console ("churn: N"), so a migrated guest's first line is the
 * source's last plus one.
 */
#include "guest.h"

#define CHURN_BASE		(64ul << 20)
#define CHURN_DEFAULT_MIB	64
#define CHURN_PAGE		4096ul

struct churn_job {
	uint64_t count;
	uint64_t pages;
};

static struct churn_job job;

/* In CPL3: one sweep over every page. */
static void sweep(void *arg)
{
	struct churn_job *j = arg;
	uint64_t p;

	for (p = 0; p < j->pages; p++)
		*(volatile uint64_t *)(CHURN_BASE + p * CHURN_PAGE) = j->count;
	j->count++;
}

void run_churn(const struct acpi_info *acpi, unsigned mib, uint64_t ram_end)
{
	(void)acpi;
	if (!mib)
		mib = CHURN_DEFAULT_MIB;
	if (CHURN_BASE + ((uint64_t)mib << 20) > ram_end || mib > 3 * 1024)
		guest_panic("vessel.test=churn: vessel.churnmib= is past the end of RAM");
	job.pages = ((uint64_t)mib << 20) / CHURN_PAGE;
	con_printf("vessel-guest: churn: writing %u MiB at 0x%lx\n", mib, CHURN_BASE);
	for (;;) {
		user_run(sweep, &job);
		con_printf("churn: %lu\n", job.count);
	}
}
