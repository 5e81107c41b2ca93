/*
 * CRC-32 (IEEE 802.3, the one of zlib and PNG), for the token checksum.
 */
#ifndef APITOKEN_CRC32_H
#define APITOKEN_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t	crc32_buf(const void *, size_t);

#endif /* APITOKEN_CRC32_H */
