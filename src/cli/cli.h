/* Subcommands of the vessel command line. */
#ifndef VESSEL_CLI_CLI_H
#define VESSEL_CLI_CLI_H

#include "desktop/vnc_options.h"
#include "machine/machine.h"

#include <stdio.h>

/* Parse `vessel run` arguments (argv[0] is "run"). Returns 0, or EXIT_USAGE after a message. */
int run_parse(int argc, char **argv, struct machine_config *cfg);
/* What vessel run takes besides the machine's configuration: its front ends. */
struct run_args {
	const char *api_socket;		/* NULL: no control API */
	const char *restore;		/* --restore DIR, or NULL */
	bool paused;			/* --paused: the restored VM waits for the API's resume */
	const char *incoming;		/* --incoming URI, or NULL */
	bool vnc;			/* --vnc given: vnc_opts says how */
	struct vnc_options vnc_opts;
};

/* The same, and the rest of the arguments. */
int run_parse_api(int argc, char **argv, struct machine_config *cfg, struct run_args *args);
int cmd_run(int argc, char **argv);
void run_usage(FILE *f);
/* runc's command line; argv[0] is the program or "oci". */
int oci_main(int argc, char **argv);
/* vessel ctl: the control API's client (argv[0] is "ctl"). */
int cmd_ctl(int argc, char **argv);
/* vessel desktop: a pool of desktops (argv[0] is "desktop"). */
int cmd_desktop(int argc, char **argv);

#endif
