/* The module vessel-vnc.so (core/module.h): the VNC server on libvncserver. */
#include "desktop/vnc.h"

MODULE_EXPORT const struct vnc_module vessel_module_vnc = {
	.h = { MODULE_ABI },
	.run = vnc_machine_run,
};
