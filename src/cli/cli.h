/* Subcommands of the vessel command line. */
#ifndef VESSEL_CLI_CLI_H
#define VESSEL_CLI_CLI_H

#include "machine/machine.h"

#include <stdio.h>

/* Parse `vessel run` arguments (argv[0] is "run"). Returns 0, or EXIT_USAGE after a message. */
int run_parse(int argc, char **argv, struct machine_config *cfg);
int cmd_run(int argc, char **argv);
void run_usage(FILE *f);
/* runc's command line; argv[0] is the program or "oci". */
int oci_main(int argc, char **argv);

#endif
