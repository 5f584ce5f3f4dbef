// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) in software: the
// reference the scenarios check engines and tables against.
#ifndef MINIPC_FW_LIB_CRC32_H
#define MINIPC_FW_LIB_CRC32_H

#include <stdint.h>

// The CRC-32 of len bytes (initial value and final XOR 0xFFFFFFFF); the
// table is built on the first call.
uint32_t crc32(const uint8_t* data, uint32_t len);

#endif  // MINIPC_FW_LIB_CRC32_H
