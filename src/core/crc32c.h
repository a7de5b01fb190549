/* CRC-32C (Castagnoli, as iSCSI and ext4 use it): a checksum over bytes. */
#ifndef VESSEL_CORE_CRC32C_H
#define VESSEL_CORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue @crc (0 to start) over @len bytes. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
