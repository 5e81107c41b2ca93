#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "proto.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* Room for any frame and then some, so a limit is the codec's, not ours. */
#define WIRE_BUFSZ	(2 * (PROTO_HEADER_BYTES + PROTO_FRAME_MAX))
/* What a msg is filled with before a decode, to see that it is cleared. */
#define GARBAGE		0xa5

static const int types[] = {
	PROTO_HAS_TOKEN, PROTO_VERIFY, PROTO_ACCOUNT, PROTO_REPLY
};

/*
 * Which fields each type takes and needs, written out again from SPEC
 * section 4a and proto.h rather than taken from proto.c.
 */
#define B(tag)		(1u << (tag))
#define CONTEXT		(B(PROTO_F_SERVICE) | B(PROTO_F_RHOST) | \
			 B(PROTO_F_TTY))

static unsigned
allowed(int type)
{
	switch (type) {
	case PROTO_HAS_TOKEN:
		return B(PROTO_F_USER) | CONTEXT;
	case PROTO_VERIFY:
		return B(PROTO_F_USER) | CONTEXT | B(PROTO_F_TOKEN) |
		    B(PROTO_F_ROLE) | B(PROTO_F_POLICY) | B(PROTO_F_FLAGS) |
		    B(PROTO_F_MAXSTALE);
	case PROTO_ACCOUNT:
		return B(PROTO_F_USER) | CONTEXT | B(PROTO_F_ID) |
		    B(PROTO_F_FLAGS) | B(PROTO_F_MAXSTALE);
	default:
		return B(PROTO_F_STATUS) | B(PROTO_F_REASON) | B(PROTO_F_ID) |
		    B(PROTO_F_NAME) | B(PROTO_F_ROLE) | B(PROTO_F_WHY);
	}
}

static unsigned
required(int type)
{
	switch (type) {
	case PROTO_HAS_TOKEN:
		return B(PROTO_F_USER);
	case PROTO_VERIFY:
		return B(PROTO_F_USER) | B(PROTO_F_TOKEN);
	case PROTO_ACCOUNT:
		return B(PROTO_F_USER) | B(PROTO_F_ID);
	default:
		return B(PROTO_F_STATUS);
	}
}

static int
is_number(int tag)
{
	return tag == PROTO_F_FLAGS || tag == PROTO_F_STATUS ||
	    tag == PROTO_F_REASON;
}

/* A frame body (what follows the length), written byte by byte. */
struct body {
	unsigned char	b[WIRE_BUFSZ];
	size_t		len;
};

static void
body_bytes(struct body *f, const void *p, size_t n)
{
	ATF_REQUIRE(n <= sizeof(f->b) - f->len);
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
body_start(struct body *f, int version, int type)
{
	unsigned char h[2] = { (unsigned char)version, (unsigned char)type };

	f->len = 0;
	body_bytes(f, h, sizeof(h));
}

/* A field whose length says n and whose value is n bytes of p. */
static void
body_field(struct body *f, int tag, const void *p, size_t n)
{
	unsigned char h[3] = { (unsigned char)tag, (unsigned char)(n >> 8),
	    (unsigned char)n };

	body_bytes(f, h, sizeof(h));
	body_bytes(f, p, n);
}

static void
body_text(struct body *f, int tag, const char *s)
{
	body_field(f, tag, s, strlen(s));
}

static void
body_number(struct body *f, int tag, unsigned v)
{
	unsigned char c = (unsigned char)v;

	body_field(f, tag, &c, 1);
}

/* A text of n copies of c, in a buffer of the caller's. */
static const char *
repeat(char *buf, size_t bufsz, char c, size_t n)
{
	ATF_REQUIRE(n < bufsz);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* A value that is valid for the field, whatever the type. */
static void
body_some(struct body *f, int tag)
{
	if (is_number(tag))
		body_number(f, tag, 0);
	else
		body_text(f, tag, "x");
}

/* The smallest valid body of type, leaving out the field skip (or 0). */
static void
body_minimal(struct body *f, int type, int skip)
{
	int tag;

	body_start(f, PROTO_VERSION, type);
	for (tag = 1; tag <= PROTO_F_MAX; tag++)
		if ((required(type) & B(tag)) && tag != skip)
			body_some(f, tag);
}

/* Set field tag of m to a value valid for it, whatever the type. */
static void
msg_some(struct proto_msg *m, int tag)
{
	switch (tag) {
	case PROTO_F_USER:	m->user = "x"; break;
	case PROTO_F_SERVICE:	m->service = "x"; break;
	case PROTO_F_RHOST:	m->rhost = "x"; break;
	case PROTO_F_TTY:	m->tty = "x"; break;
	case PROTO_F_TOKEN:	m->token = "x"; m->tokenlen = 1; break;
	case PROTO_F_ROLE:	m->role = "x"; break;
	case PROTO_F_POLICY:	m->policy = "x"; break;
	case PROTO_F_ID:	m->id = "x"; break;
	case PROTO_F_FLAGS:	m->flags = 0; break;
	case PROTO_F_STATUS:	m->status = 0; break;
	case PROTO_F_REASON:	m->reason = 0; break;
	case PROTO_F_NAME:	m->name = "x"; break;
	case PROTO_F_WHY:	m->why = "x"; break;
	case PROTO_F_MAXSTALE:	m->maxstale = "x"; break;
	default:		atf_tc_fail("no field %d", tag);
	}
}

/* A msg of type with its required fields alone. */
static void
msg_minimal(struct proto_msg *m, int type)
{
	int tag;

	proto_init(m, type);
	for (tag = 1; tag <= PROTO_F_MAX; tag++)
		if (required(type) & B(tag))
			msg_some(m, tag);
}

/* What a check is about, for its message; never cut short. */
static void say(char *, size_t, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
say(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
	ATF_REQUIRE(r >= 0 && (size_t)r < bufsz);
}

static int
cleared(const struct proto_msg *m)
{
	size_t i;

	for (i = 0; i < sizeof(m->arena); i++)
		if (m->arena[i] != '\0')
			return 0;
	return m->type == 0 && m->user == NULL && m->service == NULL &&
	    m->rhost == NULL && m->tty == NULL && m->role == NULL &&
	    m->policy == NULL && m->id == NULL && m->name == NULL &&
	    m->why == NULL && m->token == NULL && m->tokenlen == 0 &&
	    m->maxstale == NULL &&
	    m->flags == -1 && m->status == -1 && m->reason == -1;
}

static void
check_refused(const struct body *f, const char *what)
{
	struct proto_msg m;

	memset(&m, GARBAGE, sizeof(m));
	ATF_CHECK_EQ_MSG(proto_decode(f->b, f->len, &m), ATK_ERR_SYNTAX,
	    "%s: accepted", what);
	ATF_CHECK_MSG(cleared(&m), "%s: msg not cleared", what);
}

static void
check_accepted(const struct body *f, const char *what)
{
	struct proto_msg m;

	ATF_CHECK_EQ_MSG(proto_decode(f->b, f->len, &m), 0, "%s: refused",
	    what);
}

static int
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Every field of a and b equal (the token by its bytes). */
static void
check_same(const struct proto_msg *a, const struct proto_msg *b)
{
	ATF_CHECK_EQ(a->type, b->type);
	ATF_CHECK(same_text(a->user, b->user));
	ATF_CHECK(same_text(a->service, b->service));
	ATF_CHECK(same_text(a->rhost, b->rhost));
	ATF_CHECK(same_text(a->tty, b->tty));
	ATF_CHECK(same_text(a->role, b->role));
	ATF_CHECK(same_text(a->policy, b->policy));
	ATF_CHECK(same_text(a->id, b->id));
	ATF_CHECK(same_text(a->name, b->name));
	ATF_CHECK(same_text(a->why, b->why));
	ATF_CHECK(same_text(a->maxstale, b->maxstale));
	ATF_CHECK_EQ(a->token == NULL, b->token == NULL);
	if (a->token != NULL && b->token != NULL) {
		ATF_CHECK_EQ(a->tokenlen, b->tokenlen);
		ATF_CHECK(a->tokenlen == b->tokenlen &&
		    memcmp(a->token, b->token, a->tokenlen) == 0);
	}
	ATF_CHECK_EQ(a->flags, b->flags);
	ATF_CHECK_EQ(a->status, b->status);
	ATF_CHECK_EQ(a->reason, b->reason);
}

static int
in_arena(const struct proto_msg *m, const char *s)
{
	return s == NULL || (s >= m->arena &&
	    s < m->arena + sizeof(m->arena));
}

/* 1 if the n bytes at p hold the text secret anywhere. */
static int
holds(const unsigned char *p, size_t n, const char *secret)
{
	size_t i, k = strlen(secret);

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, secret, k) == 0)
			return 1;
	return 0;
}

/* The bytes a frame of m takes on the wire, counted from the spec. */
static size_t
wire_len(const struct proto_msg *m)
{
	const char *texts[] = { m->user, m->service, m->rhost, m->tty,
	    m->role, m->policy, m->id, m->name, m->why, m->maxstale };
	const int numbers[] = { m->flags, m->status, m->reason };
	size_t i, n = PROTO_HEADER_BYTES + 2;

	for (i = 0; i < NELEM(texts); i++)
		if (texts[i] != NULL)
			n += 3 + strlen(texts[i]);
	for (i = 0; i < NELEM(numbers); i++)
		if (numbers[i] >= 0)
			n += 3 + 1;
	if (m->token != NULL)
		n += 3 + m->tokenlen;
	return n;
}

/* Encode, check the header, decode: every field comes back. */
static void
round_trip(const struct proto_msg *in)
{
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg out;
	size_t len = 99, flen = 99;

	ATF_REQUIRE_EQ(proto_encode(in, buf, sizeof(buf), &len), 0);
	ATF_CHECK_EQ(len, wire_len(in));
	ATF_REQUIRE_EQ(proto_frame_len(buf, &flen), 0);
	ATF_CHECK_EQ(flen, len - PROTO_HEADER_BYTES);
	ATF_CHECK_EQ(buf[PROTO_HEADER_BYTES], PROTO_VERSION);
	ATF_CHECK_EQ(buf[PROTO_HEADER_BYTES + 1], in->type);
	memset(&out, GARBAGE, sizeof(out));
	ATF_REQUIRE_EQ(proto_decode(buf + PROTO_HEADER_BYTES, flen, &out), 0);
	check_same(in, &out);
	/* The decoded texts are copies, not pointers into the frame. */
	ATF_CHECK(in_arena(&out, out.user) && in_arena(&out, out.service) &&
	    in_arena(&out, out.rhost) && in_arena(&out, out.tty) &&
	    in_arena(&out, out.role) && in_arena(&out, out.policy) &&
	    in_arena(&out, out.id) && in_arena(&out, out.name) &&
	    in_arena(&out, out.why) && in_arena(&out, out.token));
}

/*
 * The golden request: a VERIFY, written out by hand from proto.h.  If the
 * encoder's output changes, every deployed module and daemon disagree.
 */
static const unsigned char golden_verify[] = {
	0x00, 0x00, 0x00, 0x32,			/* 50 bytes follow */
	0x01,					/* version 1 */
	0x02,					/* VERIFY */
	0x01, 0x00, 0x05, 'a', 'l', 'i', 'c', 'e',	/* user */
	0x02, 0x00, 0x04, 's', 's', 'h', 'd',	/* service */
	0x03, 0x00, 0x09, '1', '9', '2', '.', '0', '.', '2', '.', '7',
						/* rhost */
	0x05, 0x00, 0x06, 's', '3', 'c', 'r', 'e', 't',	/* token */
	0x06, 0x00, 0x05, 'A', 'd', 'm', 'i', 'n',	/* role */
	0x09, 0x00, 0x01, 0x01,			/* flags: LAST_USED */
};

static const char golden_token[] = "s3cret";

static void
golden_msg(struct proto_msg *m)
{
	proto_init(m, PROTO_VERIFY);
	m->user = "alice";
	m->service = "sshd";
	m->rhost = "192.0.2.7";
	m->token = golden_token;
	m->tokenlen = strlen(golden_token);
	m->role = "Admin";
	m->flags = PROTO_LAST_USED;
}

/* A golden reply: the type above 0x7f and the number fields. */
static const unsigned char golden_reply[] = {
	0x00, 0x00, 0x00, 0x14,			/* 20 bytes follow */
	0x01,					/* version 1 */
	0x80,					/* REPLY */
	0x0a, 0x00, 0x01, 0x01,			/* status: refused */
	0x0b, 0x00, 0x01, 0x07,			/* reason 7 */
	0x0d, 0x00, 0x07, 'e', 'x', 'p', 'i', 'r', 'e', 'd',	/* why */
};

static void
reply_msg(struct proto_msg *m)
{
	proto_init(m, PROTO_REPLY);
	m->status = PROTO_ST_REFUSED;
	m->reason = 7;
	m->why = "expired";
}

ATF_TC_WITHOUT_HEAD(proto_init__absent);
ATF_TC_BODY(proto_init__absent, tc)
{
	struct proto_msg m;

	memset(&m, GARBAGE, sizeof(m));
	proto_init(&m, PROTO_ACCOUNT);
	ATF_CHECK_EQ(m.type, PROTO_ACCOUNT);
	ATF_CHECK(m.user == NULL && m.service == NULL && m.rhost == NULL &&
	    m.tty == NULL && m.role == NULL && m.policy == NULL &&
	    m.id == NULL && m.name == NULL && m.why == NULL &&
	    m.token == NULL);
	ATF_CHECK_EQ(m.tokenlen, 0);
	ATF_CHECK_EQ(m.flags, -1);
	ATF_CHECK_EQ(m.status, -1);
	ATF_CHECK_EQ(m.reason, -1);
}

ATF_TC_WITHOUT_HEAD(proto_encode__golden);
ATF_TC_BODY(proto_encode__golden, tc)
{
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg m;
	size_t len = 0;

	golden_msg(&m);
	ATF_REQUIRE_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	ATF_CHECK_EQ(len, sizeof(golden_verify));
	ATF_CHECK(len == sizeof(golden_verify) &&
	    memcmp(buf, golden_verify, len) == 0);
	reply_msg(&m);
	ATF_REQUIRE_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	ATF_CHECK_EQ(len, sizeof(golden_reply));
	ATF_CHECK(len == sizeof(golden_reply) &&
	    memcmp(buf, golden_reply, len) == 0);
}

/* maxstale= and stale=deny: tag 14 (a text) and flag 0x02. */
ATF_TC_WITHOUT_HEAD(proto_encode__golden_maxstale);
ATF_TC_BODY(proto_encode__golden_maxstale, tc)
{
	static const unsigned char want[] = {
		0, 0, 0, 18, PROTO_VERSION, PROTO_VERIFY,
		1, 0, 1, 'u', 5, 0, 1, 't', 9, 0, 1, 0x02, 14, 0, 1, '2',
	};
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg m, out;
	size_t len = 0;

	proto_init(&m, PROTO_VERIFY);
	m.user = "u";
	m.token = "t";
	m.tokenlen = 1;
	m.flags = PROTO_STALE_DENY;
	m.maxstale = "2";
	ATF_REQUIRE_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	ATF_CHECK(len == sizeof(want) && memcmp(buf, want, len) == 0);
	ATF_REQUIRE_EQ(proto_decode(want + PROTO_HEADER_BYTES,
	    sizeof(want) - PROTO_HEADER_BYTES, &out), 0);
	ATF_CHECK_STREQ(out.maxstale, "2");
	ATF_CHECK_EQ(out.flags, PROTO_STALE_DENY);
	/* A reply never carries it. */
	proto_init(&m, PROTO_REPLY);
	m.status = PROTO_ST_OK;
	m.maxstale = "2";
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(proto_decode__golden);
ATF_TC_BODY(proto_decode__golden, tc)
{
	struct proto_msg want, m;
	size_t len = 0;

	ATF_REQUIRE_EQ(proto_frame_len(golden_verify, &len), 0);
	ATF_REQUIRE_EQ(len, sizeof(golden_verify) - PROTO_HEADER_BYTES);
	ATF_REQUIRE_EQ(proto_decode(golden_verify + PROTO_HEADER_BYTES, len,
	    &m), 0);
	golden_msg(&want);
	check_same(&want, &m);
	ATF_REQUIRE_EQ(proto_frame_len(golden_reply, &len), 0);
	ATF_REQUIRE_EQ(len, sizeof(golden_reply) - PROTO_HEADER_BYTES);
	ATF_REQUIRE_EQ(proto_decode(golden_reply + PROTO_HEADER_BYTES, len,
	    &m), 0);
	reply_msg(&want);
	check_same(&want, &m);
}

/* Fields may come in any order; the encoder writes them by tag. */
ATF_TC_WITHOUT_HEAD(proto_decode__any_field_order);
ATF_TC_BODY(proto_decode__any_field_order, tc)
{
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg want, m;
	struct body f;
	size_t len = 0;

	body_start(&f, PROTO_VERSION, PROTO_VERIFY);
	body_number(&f, PROTO_F_FLAGS, PROTO_LAST_USED);
	body_text(&f, PROTO_F_TOKEN, golden_token);
	body_text(&f, PROTO_F_ROLE, "Admin");
	body_text(&f, PROTO_F_RHOST, "192.0.2.7");
	body_text(&f, PROTO_F_USER, "alice");
	body_text(&f, PROTO_F_SERVICE, "sshd");
	ATF_REQUIRE_EQ(proto_decode(f.b, f.len, &m), 0);
	golden_msg(&want);
	check_same(&want, &m);
	ATF_REQUIRE_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	ATF_CHECK(len == sizeof(golden_verify) &&
	    memcmp(buf, golden_verify, len) == 0);
}

ATF_TC_WITHOUT_HEAD(proto_encode__round_trip_every_type);
ATF_TC_BODY(proto_encode__round_trip_every_type, tc)
{
	struct proto_msg m;
	int st;

	proto_init(&m, PROTO_HAS_TOKEN);
	m.user = "alice";
	m.service = "sshd";
	m.rhost = "2001:db8::7";
	m.tty = "ssh";
	round_trip(&m);

	proto_init(&m, PROTO_VERIFY);
	m.user = "deploy-bot";
	m.service = "sudo";
	m.rhost = "192.0.2.7";
	m.tty = "/dev/pts/3";
	m.token = golden_token;
	m.tokenlen = strlen(golden_token);
	m.role = "Administrator";
	m.policy = "deploy:prod";
	m.flags = PROTO_LAST_USED;
	round_trip(&m);
	m.flags = 0;
	round_trip(&m);

	proto_init(&m, PROTO_ACCOUNT);
	m.user = "alice";
	m.service = "login";
	m.rhost = "host.example";
	m.tty = "tty1";
	m.id = "2iKo4Asy51EUx2gpJFW76t";
	round_trip(&m);

	proto_init(&m, PROTO_REPLY);
	m.reason = 0;
	m.id = "2iKo4Asy51EUx2gpJFW76t";
	m.name = "d\xc3\xa9ploiement nightly";
	m.role = "User";
	m.why = "token revoked: leaked in a log";
	for (st = 0; st <= PROTO_ST_MAX; st++) {
		m.status = st;
		round_trip(&m);
	}
	m.reason = UINT8_MAX;
	round_trip(&m);
}

/* Each type with its required fields alone: the rest stays absent. */
ATF_TC_WITHOUT_HEAD(proto_encode__round_trip_minimal);
ATF_TC_BODY(proto_encode__round_trip_minimal, tc)
{
	struct proto_msg m;

	proto_init(&m, PROTO_HAS_TOKEN);
	m.user = "u";
	round_trip(&m);
	proto_init(&m, PROTO_VERIFY);
	m.user = "u";
	m.token = "t";
	m.tokenlen = 1;
	round_trip(&m);
	proto_init(&m, PROTO_ACCOUNT);
	m.user = "u";
	m.id = "i";
	round_trip(&m);
	proto_init(&m, PROTO_REPLY);
	m.status = PROTO_ST_OK;
	round_trip(&m);
}

/* Any byte but NUL in a token; the longest texts the limits allow. */
ATF_TC_WITHOUT_HEAD(proto_encode__round_trip_limits);
ATF_TC_BODY(proto_encode__round_trip_limits, tc)
{
	char tok[UINT8_MAX], user[PROTO_USER_MAX + 1];
	char text[PROTO_TEXT_MAX + 1], why[PROTO_TEXT_MAX + 1];
	struct proto_msg m;
	size_t i;

	for (i = 0; i < sizeof(tok); i++)
		tok[i] = (char)(i + 1);
	proto_init(&m, PROTO_VERIFY);
	m.user = repeat(user, sizeof(user), 'u', PROTO_USER_MAX);
	m.token = tok;
	m.tokenlen = sizeof(tok);
	m.policy = repeat(text, sizeof(text), 'p', PROTO_TEXT_MAX);
	round_trip(&m);
	proto_init(&m, PROTO_REPLY);
	m.status = PROTO_ST_ERROR;
	m.why = repeat(why, sizeof(why), 'w', PROTO_TEXT_MAX);
	m.name = repeat(text, sizeof(text), 'n', PROTO_TEXT_MAX);
	round_trip(&m);
}

/* Each type takes exactly its fields, whatever is added to it. */
ATF_TC_WITHOUT_HEAD(proto_decode__fields_by_type);
ATF_TC_BODY(proto_decode__fields_by_type, tc)
{
	char what[64];
	struct body f;
	size_t i;
	int tag;

	for (i = 0; i < NELEM(types); i++)
		for (tag = 1; tag <= PROTO_F_MAX; tag++) {
			if (required(types[i]) & B(tag))
				continue;
			say(what, sizeof(what), "type %d, tag %d",
			    types[i], tag);
			body_minimal(&f, types[i], 0);
			body_some(&f, tag);
			if (allowed(types[i]) & B(tag))
				check_accepted(&f, what);
			else
				check_refused(&f, what);
		}
}

ATF_TC_WITHOUT_HEAD(proto_decode__wrong_version);
ATF_TC_BODY(proto_decode__wrong_version, tc)
{
	const int bad[] = { 0, PROTO_VERSION + 1, 0x81, 0xff };
	struct body f;
	size_t i, t;

	for (t = 0; t < NELEM(types); t++) {
		body_minimal(&f, types[t], 0);
		check_accepted(&f, "the right version");
		for (i = 0; i < NELEM(bad); i++) {
			f.b[0] = (unsigned char)bad[i];
			check_refused(&f, "wrong version");
		}
	}
}

ATF_TC_WITHOUT_HEAD(proto_decode__unknown_type);
ATF_TC_BODY(proto_decode__unknown_type, tc)
{
	const int bad[] = { 0, PROTO_ACCOUNT + 1, 0x7f, PROTO_REPLY + 1,
	    0xff };
	struct body f;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		/* A body that would do for a request. */
		body_start(&f, PROTO_VERSION, bad[i]);
		body_text(&f, PROTO_F_USER, "alice");
		check_refused(&f, "unknown type, request fields");
		/* And one that would do for a reply. */
		body_start(&f, PROTO_VERSION, bad[i]);
		body_number(&f, PROTO_F_STATUS, PROTO_ST_OK);
		check_refused(&f, "unknown type, reply fields");
	}
}

ATF_TC_WITHOUT_HEAD(proto_decode__unknown_tag);
ATF_TC_BODY(proto_decode__unknown_tag, tc)
{
	const int bad[] = { 0, PROTO_F_MAX + 1, 31, 32, 0x80, 0xff };
	struct body f;
	size_t i, t;

	for (t = 0; t < NELEM(types); t++)
		for (i = 0; i < NELEM(bad); i++) {
			body_minimal(&f, types[t], 0);
			body_text(&f, bad[i], "x");
			check_refused(&f, "unknown tag");
			body_minimal(&f, types[t], 0);
			body_number(&f, bad[i], 0);
			check_refused(&f, "unknown tag, one byte");
			body_minimal(&f, types[t], 0);
			body_field(&f, bad[i], "", 0);
			check_refused(&f, "unknown tag, empty");
		}
}

ATF_TC_WITHOUT_HEAD(proto_decode__field_twice);
ATF_TC_BODY(proto_decode__field_twice, tc)
{
	char what[64];
	struct body f;
	size_t t;
	int tag;

	for (t = 0; t < NELEM(types); t++)
		for (tag = 1; tag <= PROTO_F_MAX; tag++) {
			if (!(allowed(types[t]) & B(tag)))
				continue;
			say(what, sizeof(what), "type %d, tag %d twice",
			    types[t], tag);
			body_minimal(&f, types[t], tag);
			body_some(&f, tag);
			check_accepted(&f, "once");
			body_some(&f, tag);
			check_refused(&f, what);
		}
	/* Twice with another field between, and with the same value. */
	body_start(&f, PROTO_VERSION, PROTO_VERIFY);
	body_text(&f, PROTO_F_USER, "alice");
	body_text(&f, PROTO_F_TOKEN, "one");
	body_text(&f, PROTO_F_USER, "alice");
	check_refused(&f, "user twice, apart");
}

ATF_TC_WITHOUT_HEAD(proto_decode__missing_required);
ATF_TC_BODY(proto_decode__missing_required, tc)
{
	char what[64];
	struct body f;
	size_t t;
	int tag;

	for (t = 0; t < NELEM(types); t++) {
		/* No field at all. */
		body_start(&f, PROTO_VERSION, types[t]);
		check_refused(&f, "no field");
		for (tag = 1; tag <= PROTO_F_MAX; tag++) {
			if (!(required(types[t]) & B(tag)))
				continue;
			say(what, sizeof(what), "type %d without tag %d",
			    types[t], tag);
			/* Everything else the type takes, but not tag. */
			body_minimal(&f, types[t], tag);
			if (allowed(types[t]) & B(PROTO_F_SERVICE))
				body_text(&f, PROTO_F_SERVICE, "sshd");
			if (allowed(types[t]) & B(PROTO_F_REASON))
				body_number(&f, PROTO_F_REASON, 1);
			check_refused(&f, what);
		}
	}
}

ATF_TC_WITHOUT_HEAD(proto_decode__text_with_nul);
ATF_TC_BODY(proto_decode__text_with_nul, tc)
{
	const struct {
		const char	*p;
		size_t		 n;
	} bad[] = { { "\0", 1 }, { "a\0b", 3 }, { "ab\0", 3 },
	    { "\0ab", 3 } };
	char what[64];
	struct body f;
	size_t t, i;
	int tag;

	for (t = 0; t < NELEM(types); t++)
		for (tag = 1; tag <= PROTO_F_MAX; tag++) {
			if (!(allowed(types[t]) & B(tag)) || is_number(tag))
				continue;
			say(what, sizeof(what), "type %d, tag %d with "
			    "a NUL", types[t], tag);
			for (i = 0; i < NELEM(bad); i++) {
				body_minimal(&f, types[t], tag);
				body_field(&f, tag, bad[i].p, bad[i].n);
				check_refused(&f, what);
			}
		}
}

ATF_TC_WITHOUT_HEAD(proto_decode__text_too_long);
ATF_TC_BODY(proto_decode__text_too_long, tc)
{
	char what[64], text[PROTO_TEXT_MAX + 2];
	struct body f;
	size_t t, max;
	int tag;

	for (t = 0; t < NELEM(types); t++)
		for (tag = 1; tag <= PROTO_F_MAX; tag++) {
			if (!(allowed(types[t]) & B(tag)) || is_number(tag))
				continue;
			max = tag == PROTO_F_USER ? PROTO_USER_MAX :
			    PROTO_TEXT_MAX;
			say(what, sizeof(what), "type %d, tag %d of %zu",
			    types[t], tag, max + 1);
			body_minimal(&f, types[t], tag);
			body_text(&f, tag, repeat(text, sizeof(text), 'a',
			    max));
			check_accepted(&f, "at the limit");
			body_minimal(&f, types[t], tag);
			body_text(&f, tag, repeat(text, sizeof(text), 'a',
			    max + 1));
			check_refused(&f, what);
		}
}

ATF_TC_WITHOUT_HEAD(proto_decode__number_length);
ATF_TC_BODY(proto_decode__number_length, tc)
{
	const unsigned char two[] = { 0x00, 0x00 };
	struct body f;
	size_t t;
	int tag;

	for (t = 0; t < NELEM(types); t++)
		for (tag = 1; tag <= PROTO_F_MAX; tag++) {
			if (!(allowed(types[t]) & B(tag)) || !is_number(tag))
				continue;
			body_minimal(&f, types[t], tag);
			body_field(&f, tag, "", 0);
			check_refused(&f, "a number of no byte");
			body_minimal(&f, types[t], tag);
			body_field(&f, tag, two, sizeof(two));
			check_refused(&f, "a number of two bytes");
			/* Two bytes that would read as 0 or 1 big-endian. */
			body_minimal(&f, types[t], tag);
			body_field(&f, tag, "\0\1", 2);
			check_refused(&f, "a number of two bytes, 1");
		}
}

ATF_TC_WITHOUT_HEAD(proto_decode__number_range);
ATF_TC_BODY(proto_decode__number_range, tc)
{
	struct body f;
	unsigned v;

	for (v = 0; v <= UINT8_MAX; v++) {
		body_minimal(&f, PROTO_VERIFY, 0);
		body_number(&f, PROTO_F_FLAGS, v);
		if (v <= PROTO_FLAGS_ALL)
			check_accepted(&f, "flags in range");
		else
			check_refused(&f, "flags out of range");
		body_start(&f, PROTO_VERSION, PROTO_REPLY);
		body_number(&f, PROTO_F_STATUS, v);
		if (v <= PROTO_ST_MAX)
			check_accepted(&f, "status in range");
		else
			check_refused(&f, "status out of range");
		/* A reason is any verify_reason that fits the byte. */
		body_start(&f, PROTO_VERSION, PROTO_REPLY);
		body_number(&f, PROTO_F_STATUS, PROTO_ST_REFUSED);
		body_number(&f, PROTO_F_REASON, v);
		check_accepted(&f, "reason");
	}
}

ATF_TC_WITHOUT_HEAD(proto_decode__length_past_end);
ATF_TC_BODY(proto_decode__length_past_end, tc)
{
	const unsigned char huge[] = { PROTO_F_SERVICE, 0xff, 0xff, 's' };
	const unsigned char number[] = { PROTO_F_FLAGS, 0x00, 0x01 };
	const unsigned char text[] = { PROTO_F_SERVICE, 0x00, 0x05, 's', 's',
	    'h', 'd' };
	struct body f;

	body_minimal(&f, PROTO_VERIFY, 0);
	body_bytes(&f, text, sizeof(text));
	check_refused(&f, "a text one byte short");
	body_minimal(&f, PROTO_VERIFY, 0);
	body_bytes(&f, huge, sizeof(huge));
	check_refused(&f, "a length of 65535");
	body_minimal(&f, PROTO_VERIFY, 0);
	body_bytes(&f, number, sizeof(number));
	check_refused(&f, "a number without its byte");
	/* The length of the only field, one past the end. */
	body_start(&f, PROTO_VERSION, PROTO_HAS_TOKEN);
	body_text(&f, PROTO_F_USER, "alice");
	f.b[4]++;
	check_refused(&f, "the last field one byte short");
}

ATF_TC_WITHOUT_HEAD(proto_decode__trailing_bytes);
ATF_TC_BODY(proto_decode__trailing_bytes, tc)
{
	const unsigned char stray[][2] = { { 0x00, 0x00 }, { 0x01, 0x00 },
	    { PROTO_F_SERVICE, 0x00 }, { 0xff, 0xff } };
	struct body f;
	size_t t, i, n;

	for (t = 0; t < NELEM(types); t++)
		for (i = 0; i < NELEM(stray); i++)
			for (n = 1; n <= 2; n++) {
				body_minimal(&f, types[t], 0);
				body_bytes(&f, stray[i], n);
				check_refused(&f, "stray bytes");
			}
	/* After a header alone, or a cut frame. */
	body_start(&f, PROTO_VERSION, PROTO_VERIFY);
	body_bytes(&f, "\x01", 1);
	check_refused(&f, "one byte after the type");
}

ATF_TC_WITHOUT_HEAD(proto_decode__short_frame);
ATF_TC_BODY(proto_decode__short_frame, tc)
{
	const unsigned char one[] = { PROTO_VERSION };
	struct proto_msg m;

	memset(&m, GARBAGE, sizeof(m));
	ATF_CHECK_EQ(proto_decode(one, 0, &m), ATK_ERR_SYNTAX);
	ATF_CHECK(cleared(&m));
	memset(&m, GARBAGE, sizeof(m));
	ATF_CHECK_EQ(proto_decode(one, sizeof(one), &m), ATK_ERR_SYNTAX);
	ATF_CHECK(cleared(&m));
}

/* A VERIFY body of exactly n bytes (n >= 3345): tty takes up the rest. */
static void
body_big(struct body *f, size_t n)
{
	char user[PROTO_USER_MAX + 1], text[PROTO_TEXT_MAX + 1];

	body_start(f, PROTO_VERSION, PROTO_VERIFY);
	body_text(f, PROTO_F_USER, repeat(user, sizeof(user), 'u',
	    PROTO_USER_MAX));
	body_text(f, PROTO_F_TOKEN, repeat(text, sizeof(text), 't',
	    PROTO_TEXT_MAX));
	body_text(f, PROTO_F_SERVICE, repeat(text, sizeof(text), 's',
	    PROTO_TEXT_MAX));
	body_text(f, PROTO_F_RHOST, repeat(text, sizeof(text), 'r',
	    PROTO_TEXT_MAX));
	ATF_REQUIRE(n >= f->len + 3);
	body_text(f, PROTO_F_TTY, repeat(text, sizeof(text), 'y',
	    n - f->len - 3));
	ATF_REQUIRE_EQ(f->len, n);
}

ATF_TC_WITHOUT_HEAD(proto_decode__frame_max);
ATF_TC_BODY(proto_decode__frame_max, tc)
{
	struct body f;

	body_big(&f, PROTO_FRAME_MAX);
	check_accepted(&f, "a frame of PROTO_FRAME_MAX");
	body_big(&f, PROTO_FRAME_MAX + 1);
	check_refused(&f, "a frame past PROTO_FRAME_MAX");
}

ATF_TC_WITHOUT_HEAD(proto_frame_len__bounds);
ATF_TC_BODY(proto_frame_len__bounds, tc)
{
	const struct {
		unsigned char	hdr[PROTO_HEADER_BYTES];
		int		r;
		size_t		len;
	} cases[] = {
		{ { 0x00, 0x00, 0x00, 0x00 }, ATK_ERR_SYNTAX, 0 },
		{ { 0x00, 0x00, 0x00, 0x01 }, 0, 1 },
		{ { 0x00, 0x00, 0x01, 0x02 }, 0, 0x102 },
		{ { 0x00, 0x00, 0x10, 0x00 }, 0, PROTO_FRAME_MAX },
		{ { 0x00, 0x00, 0x10, 0x01 }, ATK_ERR_TOOLONG, 0 },
		{ { 0x00, 0x01, 0x00, 0x00 }, ATK_ERR_TOOLONG, 0 },
		{ { 0x01, 0x00, 0x00, 0x00 }, ATK_ERR_TOOLONG, 0 },
		{ { 0x01, 0x00, 0x00, 0x01 }, ATK_ERR_TOOLONG, 0 },
		{ { 0xff, 0xff, 0xff, 0xff }, ATK_ERR_TOOLONG, 0 },
	};
	size_t i, len;

	ATF_REQUIRE_EQ(PROTO_FRAME_MAX, 0x1000);
	for (i = 0; i < NELEM(cases); i++) {
		len = 99;
		ATF_CHECK_EQ_MSG(proto_frame_len(cases[i].hdr, &len),
		    cases[i].r, "case %zu", i);
		ATF_CHECK_EQ_MSG(len, cases[i].len, "case %zu", i);
	}
}

/* A buffer too small by any number of bytes. */
ATF_TC_WITHOUT_HEAD(proto_encode__buffer_too_small);
ATF_TC_BODY(proto_encode__buffer_too_small, tc)
{
	unsigned char buf[sizeof(golden_verify)];
	struct proto_msg m;
	size_t n, len;

	golden_msg(&m);
	for (n = 0; n < sizeof(golden_verify); n++) {
		len = 99;
		memset(buf, GARBAGE, sizeof(buf));
		ATF_CHECK_EQ_MSG(proto_encode(&m, buf, n, &len),
		    ATK_ERR_TOOLONG, "buffer of %zu", n);
		ATF_CHECK_EQ(len, 0);
	}
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	ATF_CHECK_EQ(len, sizeof(golden_verify));
}

/* An encode that fails after the token leaves none of it behind. */
ATF_TC_WITHOUT_HEAD(proto_encode__error_wipes_token);
ATF_TC_BODY(proto_encode__error_wipes_token, tc)
{
	char text[PROTO_TEXT_MAX + 2];
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg m;
	struct body f;
	size_t n, len;

	golden_msg(&m);
	for (n = 0; n < sizeof(golden_verify); n++) {
		memset(buf, GARBAGE, sizeof(buf));
		ATF_CHECK_EQ(proto_encode(&m, buf, n, &len), ATK_ERR_TOOLONG);
		ATF_CHECK_MSG(!holds(buf, n, golden_token),
		    "buffer of %zu: token left", n);
	}
	/* A field after the token (tag order) that is refused. */
	m.policy = repeat(text, sizeof(text), 'p', PROTO_TEXT_MAX + 1);
	memset(buf, GARBAGE, sizeof(buf));
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	ATF_CHECK(!holds(buf, sizeof(buf), golden_token));
	golden_msg(&m);
	m.flags = PROTO_FLAGS_ALL + 1;
	memset(buf, GARBAGE, sizeof(buf));
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	ATF_CHECK(!holds(buf, sizeof(buf), golden_token));
	/* A frame that grows past its limit after the token. */
	body_big(&f, PROTO_FRAME_MAX - 3);
	ATF_REQUIRE_EQ(proto_decode(f.b, f.len, &m), 0);
	m.policy = "p";
	memset(buf, GARBAGE, sizeof(buf));
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len),
	    ATK_ERR_TOOLONG);
	ATF_CHECK(!holds(buf, sizeof(buf), m.token));
}

ATF_TC_WITHOUT_HEAD(proto_encode__field_not_taken);
ATF_TC_BODY(proto_encode__field_not_taken, tc)
{
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg m;
	char what[64];
	size_t t, len;
	int tag;

	for (t = 0; t < NELEM(types); t++)
		for (tag = 1; tag <= PROTO_F_MAX; tag++) {
			msg_minimal(&m, types[t]);
			msg_some(&m, tag);
			say(what, sizeof(what), "type %d, tag %d",
			    types[t], tag);
			len = 99;
			if (allowed(types[t]) & B(tag)) {
				ATF_CHECK_EQ_MSG(proto_encode(&m, buf,
				    sizeof(buf), &len), 0, "%s", what);
				continue;
			}
			ATF_CHECK_EQ_MSG(proto_encode(&m, buf, sizeof(buf),
			    &len), ATK_ERR_INVAL, "%s", what);
			ATF_CHECK_EQ(len, 0);
		}
}

ATF_TC_WITHOUT_HEAD(proto_encode__bad_number);
ATF_TC_BODY(proto_encode__bad_number, tc)
{
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg m;
	size_t len;

	golden_msg(&m);
	m.flags = PROTO_FLAGS_ALL + 1;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	ATF_CHECK_EQ(len, 0);
	m.flags = UINT8_MAX;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	/* Negative is absent, not an error. */
	m.flags = -1;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	ATF_CHECK_EQ(len, sizeof(golden_verify) - (3 + 1));

	reply_msg(&m);
	m.status = PROTO_ST_MAX + 1;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	m.status = PROTO_ST_MAX;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	m.reason = UINT8_MAX + 1;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	ATF_CHECK_EQ(len, 0);
	m.reason = UINT8_MAX;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
}

ATF_TC_WITHOUT_HEAD(proto_encode__bad_text_or_type);
ATF_TC_BODY(proto_encode__bad_text_or_type, tc)
{
	char user[PROTO_USER_MAX + 2], text[PROTO_TEXT_MAX + 2];
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg m;
	size_t len;

	golden_msg(&m);
	m.user = repeat(user, sizeof(user), 'u', PROTO_USER_MAX + 1);
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	ATF_CHECK_EQ(len, 0);
	golden_msg(&m);
	m.policy = repeat(text, sizeof(text), 'p', PROTO_TEXT_MAX + 1);
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	golden_msg(&m);
	m.token = repeat(text, sizeof(text), 't', PROTO_TEXT_MAX + 1);
	m.tokenlen = PROTO_TEXT_MAX + 1;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	/* A token is bytes with a length: a NUL inside is refused. */
	golden_msg(&m);
	m.token = "ab\0cd";
	m.tokenlen = 5;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	golden_msg(&m);
	m.type = 0;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
	m.type = PROTO_REPLY + 1;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), ATK_ERR_INVAL);
}

/* Fields each within their limit, together past the frame's. */
ATF_TC_WITHOUT_HEAD(proto_encode__frame_too_long);
ATF_TC_BODY(proto_encode__frame_too_long, tc)
{
	unsigned char buf[WIRE_BUFSZ];
	struct proto_msg m;
	struct body f;
	size_t len, flen;

	/* An empty policy takes 3 bytes: the frame's limit exactly. */
	body_big(&f, PROTO_FRAME_MAX - 3);
	ATF_REQUIRE_EQ(proto_decode(f.b, f.len, &m), 0);
	m.policy = "";
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len), 0);
	ATF_CHECK_EQ(len, PROTO_HEADER_BYTES + PROTO_FRAME_MAX);
	ATF_CHECK_EQ(proto_frame_len(buf, &flen), 0);
	ATF_CHECK_EQ(flen, PROTO_FRAME_MAX);
	/* One byte more, with a buffer that would take it. */
	m.policy = "p";
	len = 99;
	ATF_CHECK_EQ(proto_encode(&m, buf, sizeof(buf), &len),
	    ATK_ERR_TOOLONG);
	ATF_CHECK_EQ(len, 0);
}

ATF_TC_WITHOUT_HEAD(proto_clear__wipes_token);
ATF_TC_BODY(proto_clear__wipes_token, tc)
{
	struct proto_msg m;
	size_t i, at;

	ATF_REQUIRE_EQ(proto_decode(golden_verify + PROTO_HEADER_BYTES,
	    sizeof(golden_verify) - PROTO_HEADER_BYTES, &m), 0);
	ATF_REQUIRE(m.token != NULL && in_arena(&m, m.token));
	at = (size_t)(m.token - m.arena);
	ATF_REQUIRE(memcmp(m.arena + at, golden_token,
	    strlen(golden_token)) == 0);
	proto_clear(&m);
	ATF_CHECK(cleared(&m));
	for (i = 0; i < strlen(golden_token); i++)
		ATF_CHECK_EQ(m.arena[at + i], '\0');
	/* Nowhere in the msg, not only where it was. */
	ATF_CHECK(!holds((const unsigned char *)&m, sizeof(m), golden_token));
}

/* A refused frame leaves nothing of what was read before the error. */
ATF_TC_WITHOUT_HEAD(proto_decode__refused_wipes_token);
ATF_TC_BODY(proto_decode__refused_wipes_token, tc)
{
	struct proto_msg m;
	struct body f;

	body_start(&f, PROTO_VERSION, PROTO_VERIFY);
	body_text(&f, PROTO_F_USER, "alice");
	body_text(&f, PROTO_F_TOKEN, golden_token);
	body_bytes(&f, "\x00", 1);
	memset(&m, GARBAGE, sizeof(m));
	ATF_CHECK_EQ(proto_decode(f.b, f.len, &m), ATK_ERR_SYNTAX);
	ATF_CHECK(cleared(&m));
}

ATF_TC_WITHOUT_HEAD(proto_status_str__words);
ATF_TC_BODY(proto_status_str__words, tc)
{
	int st;

	ATF_CHECK_STREQ(proto_status_str(PROTO_ST_OK), "ok");
	ATF_CHECK_STREQ(proto_status_str(PROTO_ST_REFUSED), "refused");
	ATF_CHECK_STREQ(proto_status_str(PROTO_ST_BUSY), "busy");
	for (st = 0; st <= PROTO_ST_MAX; st++)
		ATF_CHECK(strcmp(proto_status_str(st), "unknown") != 0);
	ATF_CHECK_STREQ(proto_status_str(-1), "unknown");
	ATF_CHECK_STREQ(proto_status_str(PROTO_ST_MAX + 1), "unknown");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, proto_init__absent);
	ATF_TP_ADD_TC(tp, proto_encode__golden);
	ATF_TP_ADD_TC(tp, proto_encode__golden_maxstale);
	ATF_TP_ADD_TC(tp, proto_decode__golden);
	ATF_TP_ADD_TC(tp, proto_decode__any_field_order);
	ATF_TP_ADD_TC(tp, proto_encode__round_trip_every_type);
	ATF_TP_ADD_TC(tp, proto_encode__round_trip_minimal);
	ATF_TP_ADD_TC(tp, proto_encode__round_trip_limits);
	ATF_TP_ADD_TC(tp, proto_decode__fields_by_type);
	ATF_TP_ADD_TC(tp, proto_decode__wrong_version);
	ATF_TP_ADD_TC(tp, proto_decode__unknown_type);
	ATF_TP_ADD_TC(tp, proto_decode__unknown_tag);
	ATF_TP_ADD_TC(tp, proto_decode__field_twice);
	ATF_TP_ADD_TC(tp, proto_decode__missing_required);
	ATF_TP_ADD_TC(tp, proto_decode__text_with_nul);
	ATF_TP_ADD_TC(tp, proto_decode__text_too_long);
	ATF_TP_ADD_TC(tp, proto_decode__number_length);
	ATF_TP_ADD_TC(tp, proto_decode__number_range);
	ATF_TP_ADD_TC(tp, proto_decode__length_past_end);
	ATF_TP_ADD_TC(tp, proto_decode__trailing_bytes);
	ATF_TP_ADD_TC(tp, proto_decode__short_frame);
	ATF_TP_ADD_TC(tp, proto_decode__frame_max);
	ATF_TP_ADD_TC(tp, proto_frame_len__bounds);
	ATF_TP_ADD_TC(tp, proto_encode__buffer_too_small);
	ATF_TP_ADD_TC(tp, proto_encode__error_wipes_token);
	ATF_TP_ADD_TC(tp, proto_encode__field_not_taken);
	ATF_TP_ADD_TC(tp, proto_encode__bad_number);
	ATF_TP_ADD_TC(tp, proto_encode__bad_text_or_type);
	ATF_TP_ADD_TC(tp, proto_encode__frame_too_long);
	ATF_TP_ADD_TC(tp, proto_clear__wipes_token);
	ATF_TP_ADD_TC(tp, proto_decode__refused_wipes_token);
	ATF_TP_ADD_TC(tp, proto_status_str__words);
	return atf_no_error();
}
