/*
 * lib/sign.c: Ed25519 against RFC 8032's test vectors (section 7.1), and
 * refusals of what does not verify.
 */
#include "config.h"

#include <string.h>

#include <atf-c.h>

#include "sign.h"

static int
nibble(char c)
{
	return c >= 'a' ? c - 'a' + 10 : c - '0';
}

static void
unhex(const char *s, unsigned char *out, size_t n)
{
	ATF_REQUIRE(strlen(s) == 2 * n);
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(nibble(s[2 * i]) << 4 |
		    nibble(s[2 * i + 1]));
}

ATF_TC_WITHOUT_HEAD(sign__rfc8032_test1);
ATF_TC_BODY(sign__rfc8032_test1, tc)
{
	unsigned char seed[SIGN_SEED_BYTES], pub[SIGN_PUBLIC_BYTES];
	unsigned char want[SIGN_PUBLIC_BYTES], sig[SIGN_BYTES];
	unsigned char wsig[SIGN_BYTES];

	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    seed, sizeof(seed));
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    want, sizeof(want));
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    wsig, sizeof(wsig));
	ATF_REQUIRE_EQ(sign_public(seed, pub), 0);
	ATF_CHECK(memcmp(pub, want, sizeof(pub)) == 0);
	ATF_REQUIRE_EQ(sign_sign(seed, "", 0, sig), 0);
	ATF_CHECK(memcmp(sig, wsig, sizeof(sig)) == 0);
	ATF_CHECK_EQ(sign_verify(pub, "", 0, sig), 0);
}

ATF_TC_WITHOUT_HEAD(sign__test2_and_refusals);
ATF_TC_BODY(sign__test2_and_refusals, tc)
{
	unsigned char seed[SIGN_SEED_BYTES], pub[SIGN_PUBLIC_BYTES];
	unsigned char sig[SIGN_BYTES], wsig[SIGN_BYTES], other[SIGN_SEED_BYTES];
	unsigned char opub[SIGN_PUBLIC_BYTES];
	const unsigned char msg = 0x72;

	unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	    seed, sizeof(seed));
	unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
	    wsig, sizeof(wsig));
	ATF_REQUIRE_EQ(sign_public(seed, pub), 0);
	ATF_REQUIRE_EQ(sign_sign(seed, &msg, 1, sig), 0);
	ATF_CHECK(memcmp(sig, wsig, sizeof(sig)) == 0);
	ATF_CHECK_EQ(sign_verify(pub, &msg, 1, sig), 0);
	/* Another message, a flipped bit, another key: refused. */
	ATF_CHECK_EQ(sign_verify(pub, "s", 1, sig), -1);
	sig[10] ^= 1;
	ATF_CHECK_EQ(sign_verify(pub, &msg, 1, sig), -1);
	sig[10] ^= 1;
	ATF_REQUIRE_EQ(sign_keygen(other), 0);
	ATF_REQUIRE_EQ(sign_public(other, opub), 0);
	ATF_CHECK_EQ(sign_verify(opub, &msg, 1, sig), -1);
}

/* A key made once signs and checks as the one-shot functions do. */
ATF_TC_WITHOUT_HEAD(sign_key__same_as_one_shot);
ATF_TC_BODY(sign_key__same_as_one_shot, tc)
{
	unsigned char seed[SIGN_SEED_BYTES], pub[SIGN_PUBLIC_BYTES];
	unsigned char a[SIGN_BYTES], b[SIGN_BYTES];
	struct sign_key *priv, *pk;

	ATF_REQUIRE_EQ(sign_keygen(seed), 0);
	ATF_REQUIRE_EQ(sign_public(seed, pub), 0);
	ATF_REQUIRE_EQ(sign_key_private(seed, &priv), 0);
	ATF_REQUIRE_EQ(sign_key_public(pub, &pk), 0);
	for (int i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(sign_with(priv, "message", 7 - i, a), 0);
		ATF_REQUIRE_EQ(sign_sign(seed, "message", 7 - i, b), 0);
		ATF_CHECK(memcmp(a, b, sizeof(a)) == 0);
		ATF_CHECK_EQ(sign_check(pk, "message", 7 - i, a), 0);
		ATF_CHECK_EQ(sign_check(priv, "message", 7 - i, a), 0);
		ATF_CHECK_EQ(sign_check(pk, "massage", 7 - i, a), -1);
	}
	sign_key_free(priv);
	sign_key_free(pk);
	sign_key_free(NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sign__rfc8032_test1);
	ATF_TP_ADD_TC(tp, sign__test2_and_refusals);
	ATF_TP_ADD_TC(tp, sign_key__same_as_one_shot);
	return atf_no_error();
}
