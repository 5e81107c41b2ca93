#include "config.h"

#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "crc32.h"

ATF_TC_WITHOUT_HEAD(crc32_buf__known_answers);
ATF_TC_BODY(crc32_buf__known_answers, tc)
{
	unsigned char zeros[32];

	memset(zeros, 0, sizeof(zeros));
	ATF_CHECK_EQ(crc32_buf("", 0), 0x00000000U);
	ATF_CHECK_EQ(crc32_buf("123456789", 9), 0xCBF43926U);
	ATF_CHECK_EQ(crc32_buf("a", 1), 0xE8B7BE43U);
	ATF_CHECK_EQ(crc32_buf("The quick brown fox jumps over the lazy dog",
	    43), 0x414FA339U);
	/* 32 zero bytes, as zlib computes it. */
	ATF_CHECK_EQ(crc32_buf(zeros, sizeof(zeros)), 0x190A55ADU);
}

ATF_TC_WITHOUT_HEAD(crc32_buf__detects_single_bit_flips);
ATF_TC_BODY(crc32_buf__detects_single_bit_flips, tc)
{
	unsigned char buf[80];
	uint32_t want;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	want = crc32_buf(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf) * 8; i++) {
		buf[i / 8] ^= (unsigned char)(1U << (i % 8));
		ATF_CHECK(crc32_buf(buf, sizeof(buf)) != want);
		buf[i / 8] ^= (unsigned char)(1U << (i % 8));
	}
	ATF_CHECK_EQ(crc32_buf(buf, sizeof(buf)), want);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, crc32_buf__known_answers);
	ATF_TP_ADD_TC(tp, crc32_buf__detects_single_bit_flips);
	return atf_no_error();
}
