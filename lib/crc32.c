/*
 * CRC-32 (IEEE 802.3): reflected polynomial 0xEDB88320, initial value and
 * final XOR 0xFFFFFFFF, one table lookup per byte.
 *
 * The table is computed at compile time by the macros below, so there is no
 * mutable global state and nothing to initialise at run time.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "crc32.h"

#define CRC32_POLY	0xEDB88320U
#define CRC32_INIT	0xFFFFFFFFU

/* One shift-and-conditional-XOR step, eight of them per table entry. */
#define CRC32_STEP(c)	(((c) & 1U) ? (((c) >> 1) ^ CRC32_POLY) : ((c) >> 1))
#define CRC32_ENTRY(n)	CRC32_STEP(CRC32_STEP(CRC32_STEP(CRC32_STEP( \
	CRC32_STEP(CRC32_STEP(CRC32_STEP(CRC32_STEP((uint32_t)(n)))))))))
#define CRC32_ROW4(n)	CRC32_ENTRY(n), CRC32_ENTRY((n) + 1), \
	CRC32_ENTRY((n) + 2), CRC32_ENTRY((n) + 3)
#define CRC32_ROW16(n)	CRC32_ROW4(n), CRC32_ROW4((n) + 4), \
	CRC32_ROW4((n) + 8), CRC32_ROW4((n) + 12)
#define CRC32_ROW64(n)	CRC32_ROW16(n), CRC32_ROW16((n) + 16), \
	CRC32_ROW16((n) + 32), CRC32_ROW16((n) + 48)

static const uint32_t crc32_table[256] = {
	CRC32_ROW64(0), CRC32_ROW64(64), CRC32_ROW64(128), CRC32_ROW64(192)
};

uint32_t
crc32_buf(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = CRC32_INIT;

	while (len-- > 0)
		c = crc32_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ CRC32_INIT;
}
