#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "armor.h"
#include "error.h"

#define HELLO		"hello AllTool"
#define HELLO_B64	"aGVsbG8gQWxsVG9vbA=="
#define CERT_HELLO	"-----BEGIN CERTIFICATE-----\r\n" HELLO_B64 "\r\n" \
			"-----END CERTIFICATE-----\r\n"

/* Reads len bytes of s in pieces of at most step bytes. */
static int
read_pieces(const char *s, size_t len, size_t step, int flags,
    unsigned char *out, size_t *outlen, uint64_t *errpos)
{
	struct armor_reader *r;
	size_t n, w = 0, k;
	int ret;

	ATF_REQUIRE((r = malloc(sizeof(*r))) != NULL);
	armor_reader_init(r, flags);
	for (size_t i = 0; i < len; i += k) {
		k = len - i < step ? len - i : step;
		if ((ret = armor_reader_update(r, s + i, k, out + w, &n)) != 0)
			goto out;
		w += n;
	}
	ret = armor_reader_final(r, out + w, &n);
	w += n;
out:
	*outlen = w;
	*errpos = r->errpos;
	free(r);
	return ret;
}

static void
check_read(const char *s, size_t len, const char *want, size_t wantlen)
{
	unsigned char out[1024];
	size_t n;
	uint64_t pos;

	ATF_REQUIRE(armor_reader_bound(len) < sizeof(out));
	for (size_t step = 1; step <= len + 1; step++) {
		ATF_CHECK_EQ_MSG(read_pieces(s, len, step, 0, out, &n, &pos), 0,
		    "input %zu bytes in pieces of %zu", len, step);
		ATF_CHECK_MSG(n == wantlen && memcmp(out, want, n) == 0,
		    "input %zu bytes in pieces of %zu: %zu bytes out", len,
		    step, n);
	}
}

static void
check_error(const char *s, size_t len, int err, uint64_t want)
{
	unsigned char out[1024];
	size_t n;
	uint64_t pos;

	ATF_REQUIRE(armor_reader_bound(len) < sizeof(out));
	for (size_t step = 1; step <= len + 1; step++) {
		ATF_CHECK_EQ_MSG(read_pieces(s, len, step, 0, out, &n, &pos),
		    err, "%s in pieces of %zu", s, step);
		ATF_CHECK_EQ_MSG(pos, want, "%s in pieces of %zu: offset %ju",
		    s, step, (uintmax_t)pos);
	}
}

#define CHECK_READ(s, want)	check_read(s, sizeof(s) - 1, want, \
				    sizeof(want) - 1)
#define CHECK_ERROR(s, e, pos)	check_error(s, sizeof(s) - 1, e, pos)

ATF_TC_WITHOUT_HEAD(armor_reader__certutil);
ATF_TC_BODY(armor_reader__certutil, tc)
{
	CHECK_READ(CERT_HELLO, HELLO);
	/* Any labels, LF, no final line end, text after END. */
	CHECK_READ("-----BEGIN X-----\n" HELLO_B64 "\n-----END Y-----", HELLO);
	CHECK_READ("-----BEGIN A B-----\naGVs\nbG8g\nQWxs\nVG9v\nbA==\n"
	    "-----END C-----\n-----BEGIN D-----\nQUFB\n-----END D-----\n",
	    HELLO);
	CHECK_READ("\r\n  -----BEGIN CERTIFICATE-----  \r\n" HELLO_B64
	    "\r\n-----END CERTIFICATE-----\r\ngarbage ***", HELLO);
	CHECK_READ("-----BEGIN -----\n-----END -----\n", "");
}

ATF_TC_WITHOUT_HEAD(armor_reader__bare);
ATF_TC_BODY(armor_reader__bare, tc)
{
	CHECK_READ(HELLO_B64, HELLO);
	CHECK_READ(HELLO_B64 "\r\n", HELLO);
	CHECK_READ("", "");
	CHECK_READ("\n", "");
	/* Dashes of the url alphabet, also at the start of a line. */
	CHECK_READ("-_-_\n-_-_", "\xfb\xff\xbf\xfb\xff\xbf");
	CHECK_READ("----", "\xfb\xef\xbe");
	CHECK_READ("-----BEG", "\xfb\xef\xbe\xf8\x11\x06");
}

ATF_TC_WITHOUT_HEAD(armor_reader__byte_order_marks);
ATF_TC_BODY(armor_reader__byte_order_marks, tc)
{
	CHECK_READ("\xef\xbb\xbf" HELLO_B64 "\r\n", HELLO);
	CHECK_READ("\xff\xfe" "Y\0W\0F\0h\0\r\0\n\0", "aaa");
	CHECK_READ("\xff\xfe", "");
	CHECK_READ("\xff\xfe" "-\0-\0-\0-\0-\0B\0E\0G\0I\0N\0 \0X\0-\0-\0-\0"
	    "-\0-\0\n\0Y\0W\0F\0h\0\n\0-\0-\0-\0-\0-\0E\0N\0D\0 \0X\0-\0-\0"
	    "-\0-\0-\0\n\0", "aaa");
}

ATF_TC_WITHOUT_HEAD(armor_reader__error_offsets);
ATF_TC_BODY(armor_reader__error_offsets, tc)
{
	CHECK_ERROR("YWFh\nYW*h\n", ATK_ERR_BASE64, 7);
	CHECK_ERROR("-----BEGIN X-----\nYW*h\n-----END X-----\n",
	    ATK_ERR_BASE64, 20);
	CHECK_ERROR("\xef\xbb\xbfYW*h", ATK_ERR_BASE64, 5);
	CHECK_ERROR("\xff\xfeY\0W\0*\0h\0", ATK_ERR_BASE64, 6);
	CHECK_ERROR("\xff\xfeY\0W\0\xe9\0h\0", ATK_ERR_ENCODING, 6);
	CHECK_ERROR("\xff\xfeY\0W\0F\0h\0\n", ATK_ERR_ENCODING, 10);
	CHECK_ERROR("\xfe\xff\0Y", ATK_ERR_ENCODING, 0);
	/* Truncated group before END. */
	CHECK_ERROR("-----BEGIN X-----\nYWFhY\n-----END X-----\n",
	    ATK_ERR_TRUNCATED, 22);
	/* Armor out of place. */
	CHECK_ERROR("-----BEGIN X-----\nYWFh\n", ATK_ERR_ARMOR, 23);
	CHECK_ERROR("YWFh\n-----BEGIN X-----\n", ATK_ERR_ARMOR, 5);
	CHECK_ERROR("YWFh\n-----END X-----\n", ATK_ERR_ARMOR, 5);
	CHECK_ERROR("-----BEGIN X-----\n-----BEGIN X-----\n", ATK_ERR_ARMOR,
	    18);
	CHECK_ERROR("-----BEGIN X\nYWFh\n", ATK_ERR_ARMOR, 0);
	CHECK_ERROR("-----BEGIN X-----\nYWFh\n-----END X--", ATK_ERR_ARMOR,
	    23);
}

ATF_TC_WITHOUT_HEAD(armor_writer__certutil_vector);
ATF_TC_BODY(armor_writer__certutil_vector, tc)
{
	struct armor_writer a;
	char out[256];
	size_t n = 0;

	armor_writer_init(&a);
	for (size_t i = 0; i < sizeof(HELLO) - 1; i++)
		n += armor_writer_update(&a, HELLO + i, 1, out + n);
	n += armor_writer_final(&a, out + n);
	ATF_CHECK_EQ(n, sizeof(CERT_HELLO) - 1);
	ATF_CHECK(memcmp(out, CERT_HELLO, n) == 0);

	armor_writer_init(&a);
	n = armor_writer_final(&a, out);
	ATF_CHECK_EQ(n, armor_certutil_len(0));
}

/* The lengths certutil -encode was seen to write. */
ATF_TC_WITHOUT_HEAD(armor_certutil_len__observed);
ATF_TC_BODY(armor_certutil_len__observed, tc)
{
	static const size_t in[] = { 7, 13, 272, 468, 740, 1380, 2150,
	    27648 };
	static const size_t want[] = { 70, 78, 432, 700, 1076, 1954, 3014,
	    38072 };
	struct armor_writer a;
	unsigned char *buf;
	char *out;
	size_t n;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ATF_CHECK_EQ(armor_certutil_len(in[i]), want[i]);
		ATF_REQUIRE((buf = calloc(1, in[i])) != NULL);
		armor_writer_init(&a);
		ATF_REQUIRE((out = malloc(armor_writer_bound(&a, in[i]))) !=
		    NULL);
		n = armor_writer_update(&a, buf, in[i], out);
		n += armor_writer_final(&a, out + n);
		ATF_CHECK_EQ(n, want[i]);
		free(out);
		free(buf);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, armor_certutil_len__observed);
	ATF_TP_ADD_TC(tp, armor_reader__bare);
	ATF_TP_ADD_TC(tp, armor_reader__byte_order_marks);
	ATF_TP_ADD_TC(tp, armor_reader__certutil);
	ATF_TP_ADD_TC(tp, armor_reader__error_offsets);
	ATF_TP_ADD_TC(tp, armor_writer__certutil_vector);
	return atf_no_error();
}
