#include "cli/cli.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vessel COMMAND [options]\n\n"
		"commands:\n"
		"  run        boot a VM (the built-in guest, or --kernel FILE)\n"
		"  desktop    run a pool of desktops behind one web listener ('vessel desktop --help')\n"
		"  ctl        drive a VM through its control API ('vessel ctl --help')\n"
		"  oci        the OCI container runtime, with runc's command line\n"
		"             ('vessel oci --help'; called as vessel-runc it is runc)\n\n"
		"  --help     this text; 'vessel run --help' for run's options\n"
		"  --version  print the version\n");
}

int main(int argc, char **argv)
{
	const char *name = basename(argv[0]);

	if (!strcmp(name, "vessel-runc") || !strcmp(name, "runc"))
		return oci_main(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("vessel %s\n", VESSEL_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "oci"))
		return oci_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "desktop"))
		return cmd_desktop(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return cmd_ctl(argc - 1, argv + 1);
	fprintf(stderr, "vessel: unknown command '%s'\nTry 'vessel --help'.\n", argv[1]);
	return EXIT_USAGE;
}
