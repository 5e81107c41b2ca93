/*
 * certutil armor (lib/armor.h), the whole decoding pipeline.
 *
 * Bytes: the writer, fed in pieces, writes exactly armor_certutil_len()
 * bytes within its bounds; the reader gives the bytes back from that text
 * as written, with LF line ends, after a UTF-8 mark, and as UTF-16LE with
 * its mark (what PowerShell saves), fed in pieces of any size.
 *
 * Text: the reader fed in pieces of any size agrees with itself fed in one
 * piece: result, error offset (inside the input) and bytes.
 *
 * Input: a mode byte, a seed byte for the pieces, the data.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armor.h"
#include "error.h"
#include "fuzz.h"

#define MODE_TEXT	0x80
#define MODE_URL	0x01	/* Reader flags: BASE64_URL. */
#define PIECE_MAX	64

/*
 * The reader over the whole input, in pieces (in one piece when max is 0),
 * each update() into a buffer of exactly its bound; out holds the result.
 */
static int
read_armor(const uint8_t *in, size_t len, int flags, size_t max,
    uint8_t seed, uint8_t *out, size_t cap, size_t *outlen,
    uint64_t *errpos)
{
	struct armor_reader *ar;
	struct fuzz_split sp;
	uint8_t *tmp;
	size_t k, n, bound, w = 0;
	int r = 0;

	ar = fuzz_malloc(sizeof(*ar));
	armor_reader_init(ar, flags);
	fuzz_split_init(&sp, seed, max);
	while (r == 0 && len > 0) {
		k = max == 0 ? len : fuzz_split_next(&sp, len);
		bound = armor_reader_bound(k);
		tmp = fuzz_malloc(bound);
		r = armor_reader_update(ar, in, k, tmp, &n);
		FUZZ_CHECK(n <= bound && n <= cap - w);
		memcpy(out + w, tmp, n);
		free(tmp);
		w += n;
		in += k;
		len -= k;
	}
	if (r == 0) {
		bound = armor_reader_bound(0);
		tmp = fuzz_malloc(bound);
		r = armor_reader_final(ar, tmp, &n);
		FUZZ_CHECK(n <= bound && n <= cap - w);
		memcpy(out + w, tmp, n);
		free(tmp);
		w += n;
	}
	*outlen = w;
	*errpos = ar->errpos;
	free(ar);
	return r;
}

static void
check_text(const uint8_t *in, size_t len, int flags, uint8_t seed)
{
	uint8_t *one, *many;
	size_t cap, len1, lenn;
	uint64_t pos1, posn;
	int r1, rn;

	/* No more bytes than the base64 characters could make. */
	cap = len / 4 * 3 + 3;
	one = fuzz_malloc(cap);
	many = fuzz_malloc(cap);
	r1 = read_armor(in, len, flags, 0, 0, one, cap, &len1, &pos1);
	rn = read_armor(in, len, flags, PIECE_MAX, seed, many, cap, &lenn,
	    &posn);
	FUZZ_CHECK(r1 == rn);
	FUZZ_CHECK(r1 == 0 || r1 == ATK_ERR_BASE64 ||
	    r1 == ATK_ERR_TRUNCATED || r1 == ATK_ERR_ARMOR ||
	    r1 == ATK_ERR_ENCODING);
	if (r1 != 0)
		FUZZ_CHECK(pos1 == posn && pos1 <= len);
	else
		FUZZ_CHECK(len1 == lenn && memcmp(one, many, len1) == 0);
	free(one);
	free(many);
}

/* The text in every shape the reader takes must give in back. */
static void
read_back(const uint8_t *in, size_t len, const char *text, size_t tlen,
    uint8_t seed)
{
	uint8_t *out, *alt;
	size_t cap, n, i, a;
	uint64_t pos;

	cap = len + 3;
	out = fuzz_malloc(cap);
	alt = fuzz_malloc(2 * tlen + 3);
	FUZZ_CHECK(read_armor((const uint8_t *)text, tlen, 0, PIECE_MAX,
	    seed, out, cap, &n, &pos) == 0);
	FUZZ_CHECK(n == len && memcmp(out, in, len) == 0);
	/* LF line ends. */
	for (i = a = 0; i < tlen; i++)
		if (text[i] != '\r')
			alt[a++] = (uint8_t)text[i];
	FUZZ_CHECK(read_armor(alt, a, 0, PIECE_MAX, seed, out, cap, &n,
	    &pos) == 0);
	FUZZ_CHECK(n == len && memcmp(out, in, len) == 0);
	/* A UTF-8 byte-order mark. */
	memcpy(alt, "\xef\xbb\xbf", 3);
	memcpy(alt + 3, text, tlen);
	FUZZ_CHECK(read_armor(alt, tlen + 3, 0, PIECE_MAX, seed, out, cap,
	    &n, &pos) == 0);
	FUZZ_CHECK(n == len && memcmp(out, in, len) == 0);
	/* UTF-16LE with its mark. */
	alt[0] = 0xff;
	alt[1] = 0xfe;
	for (i = 0; i < tlen; i++) {
		alt[2 + 2 * i] = (uint8_t)text[i];
		alt[3 + 2 * i] = 0;
	}
	FUZZ_CHECK(read_armor(alt, 2 * tlen + 2, 0, PIECE_MAX, seed, out,
	    cap, &n, &pos) == 0);
	FUZZ_CHECK(n == len && memcmp(out, in, len) == 0);
	free(out);
	free(alt);
}

static void
check_bytes(const uint8_t *in, size_t len, uint8_t seed)
{
	struct armor_writer aw;
	struct fuzz_split sp;
	const uint8_t *p = in;
	size_t left = len, k, n, bound, w = 0, tlen;
	char *text, *tmp;

	tlen = armor_certutil_len(len);
	text = fuzz_malloc(tlen);
	armor_writer_init(&aw);
	fuzz_split_init(&sp, seed, PIECE_MAX);
	while (left > 0) {
		k = fuzz_split_next(&sp, left);
		bound = armor_writer_bound(&aw, k);
		tmp = fuzz_malloc(bound);
		n = armor_writer_update(&aw, p, k, tmp);
		FUZZ_CHECK(n <= bound && n <= tlen - w);
		memcpy(text + w, tmp, n);
		free(tmp);
		w += n;
		p += k;
		left -= k;
	}
	bound = armor_writer_bound(&aw, 0);
	tmp = fuzz_malloc(bound);
	n = armor_writer_final(&aw, tmp);
	FUZZ_CHECK(n <= bound && n <= tlen - w);
	memcpy(text + w, tmp, n);
	free(tmp);
	w += n;
	FUZZ_CHECK(w == tlen);
	FUZZ_CHECK(memcmp(text, ARMOR_CERT_BEGIN ARMOR_EOL,
	    sizeof(ARMOR_CERT_BEGIN ARMOR_EOL) - 1) == 0);
	FUZZ_CHECK(memcmp(text + tlen - (sizeof(ARMOR_CERT_END ARMOR_EOL) - 1),
	    ARMOR_CERT_END ARMOR_EOL, sizeof(ARMOR_CERT_END ARMOR_EOL) - 1) ==
	    0);
	read_back(in, len, text, tlen, seed);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t mode, seed;

	mode = fuzz_u8(&in);
	seed = fuzz_u8(&in);
	if (mode & MODE_TEXT)
		check_text(in.p, in.n, (mode & MODE_URL) ? BASE64_URL : 0,
		    seed);
	else
		check_bytes(in.p, in.n, seed);
	return 0;
}
