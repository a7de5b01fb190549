/*
 * vessel's modules: the code that needs one of the heavy optional libraries
 * (libslirp with glib; libvncserver with its codecs and TLS; libwebsockets
 * with OpenSSL) is built as a shared object of its own, vessel-NAME.so, and
 * loaded only when the configuration asks for what it does. A VM that uses
 * none of them starts without loading those ~25 libraries: the dynamic
 * loader's work was most of a snapshot restore's time (docs/performance.md).
 *
 * A module holds one table, vessel_module_NAME, that starts with a struct
 * module_header; the rest is the module's entry points. Its code calls
 * vessel's own functions, which the vessel executable exports to it.
 */
#ifndef VESSEL_CORE_MODULE_H
#define VESSEL_CORE_MODULE_H

#include "core/error.h"

/* Only the vessel a module was built with loads it: the tables are not an ABI. */
#define MODULE_ABI		"vessel " VESSEL_VERSION
/* The one symbol a module exports (modules are built with hidden visibility). */
#define MODULE_EXPORT		__attribute__((visibility("default")))
/* Where modules are looked for first, in place of the usual places (the tests set it). */
#define MODULE_DIR_ENV		"VESSEL_MODULE_DIR"

struct module_header {
	const char *abi;		/* MODULE_ABI */
};

/*
 * Module @name's table, loaded on the first call (later calls find it
 * loaded). It is looked for in $VESSEL_MODULE_DIR if set, else beside the
 * running executable (a build tree), else in the installed module
 * directory. NULL with @err naming the file and why it would not load (a
 * missing library is named by the dynamic loader's message).
 */
const void *module_load(const char *name, struct error *err);

#endif
