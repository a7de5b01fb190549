/* libFuzzer target: a guest's virtqueue (descriptor table, avail ring) is hostile input. */
#include "fuzz_common.h"
#include "virtio/virtqueue.h"

#include <stdlib.h>
#include <string.h>

#define MEM (64 * 1024)
#define QSZ 16
#define DESC 0x0
#define AVAIL 0x1000
#define USED 0x2000

static struct guest_mem gm;
static struct dma_space ds;
static struct virtq_chain chain;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_mem(&gm, MEM);
	dma_space_init(&ds, &gm, NULL, 0);
	return 0;
}

/* Input: the first bytes fill guest memory from 0 (descriptors, rings, indirect tables). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtqueue vq;
	unsigned i;

	memset(gm.regions[0].hva, 0, MEM);
	memcpy(gm.regions[0].hva, data, size < MEM ? size : MEM);
	vq_init(&vq, &ds, QSZ, DESC, AVAIL, USED, size & 1, true);
	for (i = 0; i < 4 * QSZ; i++) {
		enum vq_pop_result r;
		bool avail;

		/* A polling device turns kicks off and on between requests. */
		if (size & 2)
			vq_disable_notify(&vq);
		avail = vq_has_avail(&vq);
		r = vq_pop(&vq, &chain);
		if (avail != (r != VQ_EMPTY))	/* the poller's look agrees with the pop */
			abort();
		if (size & 2)
			vq_enable_notify(&vq);
		if (r != VQ_CHAIN)
			break;
		if (chain.nr == 0 || chain.nr > VIRTQ_MAX_SEGS || chain.nr_out > chain.nr)
			abort();
		vq_push(&vq, chain.head, 0);
		vq_should_notify(&vq);
	}
	return 0;
}
