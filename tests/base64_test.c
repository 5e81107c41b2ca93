#include "config.h"

#include <string.h>

#include <atf-c.h>

#include "base64.h"
#include "error.h"

/* RFC 4648 section 10. */
ATF_TC_WITHOUT_HEAD(base64_encode__rfc4648_vectors);
ATF_TC_BODY(base64_encode__rfc4648_vectors, tc)
{
	const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	const char *nopad[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
	    "Zm9vYmFy" };
	char out[16];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ATF_REQUIRE_EQ(base64_encode(in[i], strlen(in[i]), out,
		    sizeof(out), 0), 0);
		ATF_CHECK_STREQ(out, want[i]);
		ATF_CHECK_EQ(base64_encoded_len(strlen(in[i]), 0),
		    strlen(want[i]));
		ATF_REQUIRE_EQ(base64_encode(in[i], strlen(in[i]), out,
		    sizeof(out), BASE64_NOPAD), 0);
		ATF_CHECK_STREQ(out, nopad[i]);
		ATF_CHECK_EQ(base64_encoded_len(strlen(in[i]), BASE64_NOPAD),
		    strlen(nopad[i]));
	}
	ATF_CHECK_EQ(base64_encode("foo", 3, out, 4, 0), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(base64_encode__url_alphabet);
ATF_TC_BODY(base64_encode__url_alphabet, tc)
{
	const unsigned char in[] = { 0xfb, 0xff, 0xbf };
	char out[8];

	ATF_REQUIRE_EQ(base64_encode(in, 3, out, sizeof(out), 0), 0);
	ATF_CHECK_STREQ(out, "+/+/");
	ATF_REQUIRE_EQ(base64_encode(in, 3, out, sizeof(out), BASE64_URL), 0);
	ATF_CHECK_STREQ(out, "-_-_");
}

/* The Keptn token for the bytes 00 01 .. 0f. */
ATF_TC_WITHOUT_HEAD(base64_encode__keptn_token);
ATF_TC_BODY(base64_encode__keptn_token, tc)
{
	unsigned char in[16];
	char out[32];

	for (int i = 0; i < 16; i++)
		in[i] = (unsigned char)i;
	ATF_REQUIRE_EQ(base64_encode(in, 16, out, sizeof(out), 0), 0);
	ATF_CHECK_STREQ(out, "AAECAwQFBgcICQoLDA0ODw==");
}

ATF_TC_WITHOUT_HEAD(base64_encoder__wraps_lines_in_pieces);
ATF_TC_BODY(base64_encoder__wraps_lines_in_pieces, tc)
{
	struct base64_encoder e;
	const char *msg = "hello AllTool";
	char out[64];
	size_t n = 0;

	/* Fed a byte at a time, wrapped at 8 columns with CR LF. */
	base64_encoder_init(&e, 0, 8, 1);
	for (size_t i = 0; i < strlen(msg); i++) {
		ATF_REQUIRE(n + base64_encoder_bound(&e, 1) < sizeof(out));
		n += base64_encoder_update(&e, msg + i, 1, out + n);
	}
	n += base64_encoder_final(&e, out + n);
	out[n] = '\0';
	ATF_CHECK_STREQ(out, "aGVsbG8g\r\nQWxsVG9v\r\nbA==\r\n");

	/* An exact multiple of the width ends with one line end, not two. */
	base64_encoder_init(&e, 0, 4, 0);
	n = base64_encoder_update(&e, "abcdef", 6, out);
	n += base64_encoder_final(&e, out + n);
	out[n] = '\0';
	ATF_CHECK_STREQ(out, "YWJj\nZGVm\n");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, base64_encode__rfc4648_vectors);
	ATF_TP_ADD_TC(tp, base64_encode__url_alphabet);
	ATF_TP_ADD_TC(tp, base64_encode__keptn_token);
	ATF_TP_ADD_TC(tp, base64_encoder__wraps_lines_in_pieces);
	return atf_no_error();
}
