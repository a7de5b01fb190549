/*
 * libFuzzer target: config.json is user input. The input is written as a
 * bundle's config.json and read as `create` reads it: the spec, then the cgroup
 * limits and the seccomp filter it names. Errors are fine; crashes, leaks and
 * hangs are not.
 */
#include "core/log.h"
#include "oci/cgroup.h"
#include "oci/seccomp.h"
#include "oci/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * On tmpfs where there is one: on ext4, rewriting config.json each run made
 * the target disk-bound (a few hundred runs a second).
 */
static char shm_dir[] = "/dev/shm/vessel-fuzz-spec.XXXXXX";
static char tmp_dir[] = "/tmp/vessel-fuzz-spec.XXXXXX";
static const char *dir;
static char config[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char rootfs[64];

/* Nothing left in /tmp after the run. */
static void remove_bundle(void)
{
	unlink(config);
	rmdir(rootfs);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_quiet(true);
	dir = mkdtemp(shm_dir);
	if (!dir)
		dir = mkdtemp(tmp_dir);
	if (!dir)
		abort();
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	snprintf(config, sizeof(config), "%s/config.json", dir);
	if (mkdir(rootfs, 0755))
		abort();
	atexit(remove_bundle);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_limits *limits = NULL;
	struct seccomp_filter *filter = NULL;
	struct oci_spec spec;
	FILE *f = fopen(config, "w");

	if (!f || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (!spec_load(dir, &spec)) {
		if (!cgroup_limits_parse(spec.resources, &limits))
			cgroup_limits_free(limits);
		if (!seccomp_filter_parse(spec.seccomp, &filter))
			seccomp_filter_free(filter);
		free(cgroup_resolve(spec.cgroups_path, "fuzz"));
	}
	spec_free(&spec);
	return 0;
}
