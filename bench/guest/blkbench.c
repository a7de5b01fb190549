/*
 * Runs inside the benchmark guest: block-device throughput and IOPS with
 * O_DIRECT, so the guest's page cache stays out of it.
 *   blkbench DEVICE MODE SECONDS JOBS
 * MODE: seq-read, seq-write (1 MiB), rand-read, rand-write (4 KiB).
 * Prints "BENCH MODE ops=N bytes=N usec=N".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

struct job {
	int fd;
	int id;
	uint64_t size;
	size_t bs;
	int write, random;
	double until;
	uint64_t ops;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct job *j = arg;
	uint64_t blocks = j->size / j->bs, next = (uint64_t)j->id * (blocks / 8), seed = j->id + 1;
	void *buf;

	if (posix_memalign(&buf, 4096, j->bs))
		exit(1);
	memset(buf, 0x5a, j->bs);
	while (now() < j->until) {
		uint64_t blk;
		ssize_t n;

		if (j->random) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			blk = (seed >> 17) % blocks;
		} else {
			blk = next++ % blocks;
		}
		n = j->write ? pwrite(j->fd, buf, j->bs, (off_t)(blk * j->bs)) :
			       pread(j->fd, buf, j->bs, (off_t)(blk * j->bs));
		if (n != (ssize_t)j->bs) {
			perror("blkbench: I/O");
			exit(1);
		}
		j->ops++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct job jobs[16];
	pthread_t th[16];
	uint64_t size, ops = 0;
	double start, secs;
	int i, njobs, fd;

	if (argc != 5 || (njobs = atoi(argv[4])) < 1 || njobs > 16) {
		fprintf(stderr, "usage: blkbench DEVICE MODE SECONDS JOBS\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size)) {
		perror(argv[1]);
		return 1;
	}
	start = now();
	for (i = 0; i < njobs; i++) {
		jobs[i] = (struct job){
			.fd = fd, .id = i, .size = size,
			.bs = strncmp(argv[2], "seq", 3) ? 4096 : 1 << 20,
			.write = strstr(argv[2], "write") != NULL,
			.random = !strncmp(argv[2], "rand", 4),
			.until = start + atof(argv[3]),
		};
		pthread_create(&th[i], NULL, run, &jobs[i]);
	}
	for (i = 0; i < njobs; i++) {
		pthread_join(th[i], NULL);
		ops += jobs[i].ops;
	}
	secs = now() - start;
	printf("BENCH %s ops=%llu bytes=%llu usec=%llu\n", argv[2], (unsigned long long)ops,
	       (unsigned long long)(ops * jobs[0].bs), (unsigned long long)(secs * 1e6));
	return 0;
}
