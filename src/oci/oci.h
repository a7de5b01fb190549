/* The OCI runtime, speaking runc's command line. */
#ifndef VESSEL_OCI_OCI_H
#define VESSEL_OCI_OCI_H

/* argv[0] is the program name; runc's global flags and command follow. */
int oci_main(int argc, char **argv);

#endif
