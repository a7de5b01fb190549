#include "oci/oci.h"

#include <stdio.h>

int oci_main(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "%s: the OCI runtime is being written\n", argv[0]);
	return 1;
}
