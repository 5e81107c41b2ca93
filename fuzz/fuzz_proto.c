/*
 * The protocol between pam_apitoken.so and apitokend (lib/proto.h), as a
 * peer's bytes reach the other side.  Input: a 4-byte length header, then
 * the frame (the header need not tell the frame's true length); an input
 * shorter than the header is not tested.
 *
 *  - proto_frame_len() of the header is its big-endian value when that is
 *    1..PROTO_FRAME_MAX, else ATK_ERR_SYNTAX (0) or ATK_ERR_TOOLONG, with
 *    the length 0.
 *  - proto_decode() of the frame never reads past it, and accepts it
 *    exactly when a plain reference of the grammar in proto.h does.  A
 *    refused frame is ATK_ERR_SYNTAX with the msg cleared (as
 *    proto_clear() leaves it, the arena all zero).  An accepted one holds
 *    exactly the frame's fields: its type, each text a NUL-terminated copy
 *    in the arena of the field's bytes (the token with its length), each
 *    number the field's byte, every field not in the frame absent.
 *  - An accepted msg encodes into a buffer of exactly the input's size
 *    (and into one byte less fails with ATK_ERR_TOOLONG, every byte of
 *    the buffer either as it was or wiped); that encoding decodes to an
 *    equal msg (type, every text, the token's bytes and length, flags,
 *    status, reason), which encodes to the same bytes again.
 *  - When the frame's fields are in strictly ascending tag order (the
 *    order the encoder writes), the re-encoded frame after its header is
 *    byte-identical to the input's frame, and the whole re-encoding to the
 *    whole input when the input's header told the frame's true length.
 *    Fields in any other order re-encode to a frame of the same length.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "proto.h"

/* What a buffer holds before an encode that must fail. */
#define FILL		0xa5

#define B(tag)		(1u << (tag))
#define CONTEXT		(B(PROTO_F_USER) | B(PROTO_F_SERVICE) | \
			 B(PROTO_F_RHOST) | B(PROTO_F_TTY))

/* The types of proto.h: the fields each takes and needs. */
static const struct {
	int		type;
	unsigned	takes;
	unsigned	needs;
} grammar[] = {
	{ PROTO_HAS_TOKEN, CONTEXT, B(PROTO_F_USER) },
	{ PROTO_VERIFY, CONTEXT | B(PROTO_F_TOKEN) | B(PROTO_F_ROLE) |
	    B(PROTO_F_POLICY) | B(PROTO_F_FLAGS) | B(PROTO_F_MAXSTALE),
	    B(PROTO_F_USER) | B(PROTO_F_TOKEN) },
	{ PROTO_ACCOUNT, CONTEXT | B(PROTO_F_ID) | B(PROTO_F_FLAGS) |
	    B(PROTO_F_MAXSTALE),
	    B(PROTO_F_USER) | B(PROTO_F_ID) },
	{ PROTO_REPLY, B(PROTO_F_STATUS) | B(PROTO_F_REASON) | B(PROTO_F_ID) |
	    B(PROTO_F_NAME) | B(PROTO_F_ROLE) | B(PROTO_F_WHY),
	    B(PROTO_F_STATUS) },
};

/* Where the reference found each field, and in which order. */
struct fields {
	unsigned	seen;
	size_t		off[PROTO_F_MAX + 1];
	size_t		len[PROTO_F_MAX + 1];
	int		ascending;
};

/* The largest value of a number field; -1 for a text. */
static int
number_max(int tag)
{
	if (tag == PROTO_F_FLAGS)
		return PROTO_FLAGS_ALL;
	if (tag == PROTO_F_STATUS)
		return PROTO_ST_MAX;
	if (tag == PROTO_F_REASON)
		return UINT8_MAX;
	return -1;
}

/* 1 if p (n bytes) is a frame by the grammar of proto.h; its fields. */
static int
reference_ok(const uint8_t *p, size_t n, struct fields *f)
{
	size_t at, len, i, k;
	int tag, last = 0;

	memset(f, 0, sizeof(*f));
	f->ascending = 1;
	if (n < 2 || n > PROTO_FRAME_MAX || p[0] != PROTO_VERSION)
		return 0;
	for (k = 0; k < sizeof(grammar) / sizeof(grammar[0]); k++)
		if (grammar[k].type == p[1])
			break;
	if (k == sizeof(grammar) / sizeof(grammar[0]))
		return 0;
	for (at = 2; at < n; at += len) {
		if (n - at < 3)
			return 0;
		tag = p[at];
		len = (size_t)p[at + 1] * 256 + p[at + 2];
		at += 3;
		if (len > n - at || tag > PROTO_F_MAX ||
		    !(grammar[k].takes & B(tag)) || (f->seen & B(tag)))
			return 0;
		if (number_max(tag) >= 0) {
			if (len != 1 || p[at] > number_max(tag))
				return 0;
		} else {
			if (len > (tag == PROTO_F_USER ? PROTO_USER_MAX :
			    PROTO_TEXT_MAX))
				return 0;
			for (i = 0; i < len; i++)
				if (p[at + i] == '\0')
					return 0;
		}
		f->seen |= B(tag);
		f->off[tag] = at;
		f->len[tag] = len;
		if (tag < last)
			f->ascending = 0;
		last = tag;
	}
	return (f->seen & grammar[k].needs) == grammar[k].needs;
}

static const char *
text_of(const struct proto_msg *m, int tag)
{
	switch (tag) {
	case PROTO_F_USER:	return m->user;
	case PROTO_F_SERVICE:	return m->service;
	case PROTO_F_RHOST:	return m->rhost;
	case PROTO_F_TTY:	return m->tty;
	case PROTO_F_TOKEN:	return m->token;
	case PROTO_F_ROLE:	return m->role;
	case PROTO_F_POLICY:	return m->policy;
	case PROTO_F_ID:	return m->id;
	case PROTO_F_NAME:	return m->name;
	case PROTO_F_WHY:	return m->why;
	case PROTO_F_MAXSTALE:	return m->maxstale;
	default:		return NULL;
	}
}

static int
number_of(const struct proto_msg *m, int tag)
{
	if (tag == PROTO_F_FLAGS)
		return m->flags;
	if (tag == PROTO_F_STATUS)
		return m->status;
	return m->reason;
}

static int
cleared(const struct proto_msg *m)
{
	size_t i;
	int tag;

	for (i = 0; i < sizeof(m->arena); i++)
		if (m->arena[i] != '\0')
			return 0;
	for (tag = 1; tag <= PROTO_F_MAX; tag++)
		if (number_max(tag) >= 0 ? number_of(m, tag) != -1 :
		    text_of(m, tag) != NULL)
			return 0;
	return m->type == 0 && m->tokenlen == 0;
}

/* m holds exactly the fields the reference found in frame p. */
static void
check_holds(const struct proto_msg *m, const uint8_t *p,
    const struct fields *f)
{
	const char *t;
	int tag;

	FUZZ_CHECK(m->type == p[1]);
	for (tag = 1; tag <= PROTO_F_MAX; tag++) {
		if (number_max(tag) >= 0) {
			FUZZ_CHECK(number_of(m, tag) == ((f->seen & B(tag)) ?
			    p[f->off[tag]] : -1));
			continue;
		}
		t = text_of(m, tag);
		if (!(f->seen & B(tag))) {
			FUZZ_CHECK(t == NULL);
			continue;
		}
		FUZZ_CHECK(t != NULL && t >= m->arena &&
		    t + f->len[tag] < m->arena + sizeof(m->arena));
		FUZZ_CHECK(memcmp(t, p + f->off[tag], f->len[tag]) == 0 &&
		    t[f->len[tag]] == '\0');
	}
	FUZZ_CHECK(m->tokenlen == ((f->seen & B(PROTO_F_TOKEN)) ?
	    f->len[PROTO_F_TOKEN] : 0));
}

static int
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same(const struct proto_msg *a, const struct proto_msg *b)
{
	int tag;

	if (a->type != b->type || a->tokenlen != b->tokenlen)
		return 0;
	for (tag = 1; tag <= PROTO_F_MAX; tag++) {
		if (number_max(tag) >= 0) {
			if (number_of(a, tag) != number_of(b, tag))
				return 0;
		} else if (tag == PROTO_F_TOKEN) {
			if ((a->token == NULL) != (b->token == NULL) ||
			    (a->token != NULL &&
			    memcmp(a->token, b->token, a->tokenlen) != 0))
				return 0;
		} else if (!same_text(text_of(a, tag), text_of(b, tag)))
			return 0;
	}
	return 1;
}

/* The header's value, read as proto.h says. */
static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
check_frame_len(const uint8_t *hdr)
{
	uint32_t v = be32(hdr);
	size_t len = 1;
	int r;

	r = proto_frame_len(hdr, &len);
	if (v == 0)
		FUZZ_CHECK(r == ATK_ERR_SYNTAX && len == 0);
	else if (v > PROTO_FRAME_MAX)
		FUZZ_CHECK(r == ATK_ERR_TOOLONG && len == 0);
	else
		FUZZ_CHECK(r == 0 && len == v);
}

/* An accepted frame (size bytes with its header) re-encoded. */
static void
check_encode(const struct proto_msg *m, const uint8_t *data, size_t size,
    const struct fields *f)
{
	struct proto_msg again;
	unsigned char *enc, *enc2, *small;
	size_t len, len2, i, flen;

	enc = fuzz_malloc(size);
	FUZZ_CHECK(proto_encode(m, enc, size, &len) == 0);
	FUZZ_CHECK(len == size);
	FUZZ_CHECK(proto_frame_len(enc, &flen) == 0 &&
	    flen == size - PROTO_HEADER_BYTES);

	small = fuzz_malloc(size - 1);
	memset(small, FILL, size - 1);
	len2 = 1;
	FUZZ_CHECK(proto_encode(m, small, size - 1, &len2) ==
	    ATK_ERR_TOOLONG && len2 == 0);
	for (i = 0; i < size - 1; i++)
		FUZZ_CHECK(small[i] == FILL || small[i] == 0);
	free(small);

	FUZZ_CHECK(proto_decode(enc + PROTO_HEADER_BYTES, flen, &again) == 0);
	FUZZ_CHECK(same(m, &again));
	enc2 = fuzz_malloc(size);
	FUZZ_CHECK(proto_encode(&again, enc2, size, &len2) == 0);
	FUZZ_CHECK(len2 == len && memcmp(enc, enc2, len) == 0);
	proto_clear(&again);
	free(enc2);

	if (f->ascending) {
		FUZZ_CHECK(memcmp(enc + PROTO_HEADER_BYTES,
		    data + PROTO_HEADER_BYTES, flen) == 0);
		if (be32(data) == flen)
			FUZZ_CHECK(memcmp(enc, data, size) == 0);
	}
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg m;
	struct fields f;
	uint8_t *hdr, *frame;
	size_t n;
	int ok, r;

	if (size < PROTO_HEADER_BYTES)
		return 0;
	/* Exact copies: a read past the header or the frame is caught. */
	hdr = fuzz_malloc(PROTO_HEADER_BYTES);
	memcpy(hdr, data, PROTO_HEADER_BYTES);
	check_frame_len(hdr);
	free(hdr);

	n = size - PROTO_HEADER_BYTES;
	frame = fuzz_malloc(n);
	memcpy(frame, data + PROTO_HEADER_BYTES, n);
	ok = reference_ok(frame, n, &f);
	memset(&m, FILL, sizeof(m));
	if ((r = proto_decode(frame, n, &m)) != 0) {
		FUZZ_CHECK(r == ATK_ERR_SYNTAX);
		FUZZ_CHECK(!ok);
		FUZZ_CHECK(cleared(&m));
	} else {
		FUZZ_CHECK(ok);
		check_holds(&m, frame, &f);
		check_encode(&m, data, size, &f);
	}
	proto_clear(&m);
	free(frame);
	return 0;
}
