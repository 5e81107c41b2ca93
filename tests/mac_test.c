#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hex.h"
#include "mac.h"
#include "random.h"

#define RANDOM_CASES	2000
#define RANDOM_MAX	300
#define KEY_MAX		200

/* RFC 4231, section 4: HMAC-SHA-256 (case 5 is truncated: left out). */
struct vector {
	const char	*key;		/* Hex. */
	const char	*data;		/* Hex. */
	const char	*mac;		/* Hex. */
};

static const struct vector rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "4869205468657265",
	  "b0344c61d8db38535ca8afceaf0bf12b"
	  "881dc200c9833da726e9376c2e32cff7" },
	{ "4a656665",
	  "7768617420646f2079612077616e7420"
	  "666f72206e6f7468696e673f",
	  "5bdcc146bf60754e6a042426089575c7"
	  "5a003f089d2739839dec58b964ec3843" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddddddddddddddddd",
	  "773ea91e36800e46854db8ebd09181a7"
	  "2959098b3ef8c122d9635514ced565fe" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a"
	  "85f0faa3e578f8077a2e3ff46729665b" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaa",
	  "54657374205573696e67204c61726765"
	  "72205468616e20426c6f636b2d53697a"
	  "65204b6579202d2048617368204b6579"
	  "204669727374",
	  "60e431591ee0b67f0d8a26aacbf5b77f"
	  "8e0bc6213728c5140546040f0ee37f54" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaa",
	  "54686973206973206120746573742075"
	  "73696e672061206c6172676572207468"
	  "616e20626c6f636b2d73697a65206b65"
	  "7920616e642061206c61726765722074"
	  "68616e20626c6f636b2d73697a652064"
	  "6174612e20546865206b6579206e6565"
	  "647320746f2062652068617368656420"
	  "6265666f7265206265696e6720757365"
	  "642062792074686520484d414320616c"
	  "676f726974686d2e",
	  "9b09ffa71b942fcb27635fbcd5b0e944"
	  "bfdc63644f0713938a7f51535c3a35e2" },
};

static size_t
unhex(const char *s, unsigned char *out, size_t outsz)
{
	size_t n = strlen(s) / 2;

	ATF_REQUIRE(n <= outsz);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		char two[3] = { s[2 * i], s[2 * i + 1], '\0' };

		b = (unsigned int)strtoul(two, NULL, 16);
		out[i] = (unsigned char)b;
	}
	return n;
}

ATF_TC_WITHOUT_HEAD(mac_label__rfc4231);
ATF_TC_BODY(mac_label__rfc4231, tc)
{
	unsigned char key[KEY_MAX], data[KEY_MAX], out[MAC_BYTES];
	char got[2 * MAC_BYTES + 1];
	struct mac m;

	for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		size_t klen = unhex(rfc4231[i].key, key, sizeof(key));
		size_t dlen = unhex(rfc4231[i].data, data, sizeof(data));

		mac_setkey(&m, key, klen);
		/* The label is the data's first byte, the rest split in two. */
		mac_label(&m, data[0], data + 1, dlen / 2 - 1, data + dlen / 2,
		    dlen - dlen / 2, out);
		ATF_REQUIRE_EQ(hex_encode(out, sizeof(out), got, sizeof(got)),
		    0);
		ATF_CHECK_STREQ_MSG(got, rfc4231[i].mac, "RFC 4231 case %zu",
		    i + 1);
		/* The same key schedule gives the same answer again. */
		mac_label(&m, data[0], data + 1, dlen - 1, NULL, 0, out);
		ATF_REQUIRE_EQ(hex_encode(out, sizeof(out), got, sizeof(got)),
		    0);
		ATF_CHECK_STREQ(got, rfc4231[i].mac);
		mac_clear(&m);
	}
}

/* What the store has always computed: OpenSSL's HMAC-SHA-256. */
ATF_TC_WITHOUT_HEAD(mac_label__same_as_openssl);
ATF_TC_BODY(mac_label__same_as_openssl, tc)
{
	unsigned char key[32], in[1 + 2 * RANDOM_MAX], want[EVP_MAX_MD_SIZE];
	unsigned char out[MAC_BYTES];
	unsigned int wantlen;
	uint32_t alen, blen;
	struct mac m;

	for (int i = 0; i < RANDOM_CASES; i++) {
		ATF_REQUIRE_EQ(random_buf(key, sizeof(key)), 0);
		ATF_REQUIRE_EQ(random_uniform(RANDOM_MAX + 1, &alen), 0);
		ATF_REQUIRE_EQ(random_uniform(RANDOM_MAX + 1, &blen), 0);
		ATF_REQUIRE_EQ(random_buf(in, 1 + alen + blen), 0);
		ATF_REQUIRE(HMAC(EVP_sha256(), key, sizeof(key), in,
		    1 + alen + blen, want, &wantlen) != NULL);
		ATF_REQUIRE_EQ(wantlen, MAC_BYTES);
		mac_setkey(&m, key, sizeof(key));
		mac_label(&m, in[0], in + 1, alen, in + 1 + alen, blen, out);
		ATF_CHECK_MSG(memcmp(out, want, MAC_BYTES) == 0,
		    "case %d: a %u, b %u bytes", i, alen, blen);
	}
	mac_clear(&m);
}

ATF_TC_WITHOUT_HEAD(mac_equal__every_byte);
ATF_TC_BODY(mac_equal__every_byte, tc)
{
	unsigned char a[MAC_BYTES], b[MAC_BYTES];

	ATF_REQUIRE_EQ(random_buf(a, sizeof(a)), 0);
	memcpy(b, a, sizeof(b));
	ATF_CHECK_EQ(mac_equal(a, b, sizeof(a)), 1);
	ATF_CHECK_EQ(mac_equal(a, b, 0), 1);
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1U << bit);
			ATF_CHECK_EQ_MSG(mac_equal(a, b, sizeof(a)), 0,
			    "byte %zu bit %d", i, bit);
			b[i] ^= (unsigned char)(1U << bit);
		}
	}
	ATF_CHECK_EQ(mac_equal(a, b, sizeof(a)), 1);
}

ATF_TC_WITHOUT_HEAD(mac_clear__wipes);
ATF_TC_BODY(mac_clear__wipes, tc)
{
	static const unsigned char zero[sizeof(struct mac)];
	unsigned char key[32];
	struct mac m;

	memset(key, 0x5a, sizeof(key));
	mac_setkey(&m, key, sizeof(key));
	ATF_REQUIRE(memcmp(&m, zero, sizeof(m)) != 0);
	mac_clear(&m);
	ATF_CHECK(memcmp(&m, zero, sizeof(m)) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mac_label__rfc4231);
	ATF_TP_ADD_TC(tp, mac_label__same_as_openssl);
	ATF_TP_ADD_TC(tp, mac_equal__every_byte);
	ATF_TP_ADD_TC(tp, mac_clear__wipes);
	return atf_no_error();
}
