/*
 * The protocol between pam_apitoken.so and apitokend (SPEC section 4a),
 * encoded and decoded here and nowhere else: the module and the daemon
 * both link this file, and fuzz/fuzz_proto.c reaches the decoder.
 *
 * One request and one reply a connection, each one frame:
 *
 *	u32	length of what follows, big-endian (at most PROTO_FRAME_MAX)
 *	u8	version (PROTO_VERSION)
 *	u8	type: PROTO_HAS_TOKEN, PROTO_VERIFY, PROTO_ACCOUNT (requests),
 *		PROTO_REPLY
 *	fields, each:
 *	    u8	tag (PROTO_F_*), at most once a frame
 *	    u16	length, big-endian
 *	    ...	the bytes: text without a NUL, or one byte for a number
 *
 * A frame with another version, an unknown type or tag, a field twice, a
 * field longer than its limit, a NUL inside a text, bytes left over or a
 * required field missing is malformed: ATK_ERR_SYNTAX, and nothing of it
 * is used.
 */
#ifndef APITOKEN_PROTO_H
#define APITOKEN_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		1
#define PROTO_HEADER_BYTES	4	/* The length before the frame. */
#define PROTO_FRAME_MAX		4096	/* After the length. */
#define PROTO_TEXT_MAX		1024	/* Any one text field. */
#define PROTO_USER_MAX		256

/* Frame types. */
#define PROTO_HAS_TOKEN		1	/* Does user have a token (nouserok)? */
#define PROTO_VERIFY		2	/* Check token for user. */
#define PROTO_ACCOUNT		3	/* Is the token id still good for user? */
#define PROTO_REPLY		0x80

/* Field tags. */
#define PROTO_F_USER		1
#define PROTO_F_SERVICE		2
#define PROTO_F_RHOST		3
#define PROTO_F_TTY		4
#define PROTO_F_TOKEN		5
#define PROTO_F_ROLE		6	/* Request: role= wants it; reply: the token's. */
#define PROTO_F_POLICY		7
#define PROTO_F_ID		8
#define PROTO_F_FLAGS		9
#define PROTO_F_STATUS		10
#define PROTO_F_REASON		11
#define PROTO_F_NAME		12
#define PROTO_F_WHY		13	/* Reply: the reason in words. */
/*
 * Request (VERIFY, ACCOUNT): maxstale=, in decimal seconds: how long ago
 * a fleet host may last have been in step with etcd (SPEC section 11).
 */
#define PROTO_F_MAXSTALE	14
#define PROTO_F_MAX		14

/* PROTO_F_FLAGS bits of a request. */
#define PROTO_LAST_USED		0x01	/* Record the use if accepted. */
#define PROTO_STALE_DENY	0x02	/* Past maxstale: refuse (stale=deny). */
#define PROTO_FLAGS_ALL		0x03

/* PROTO_F_STATUS of a reply. */
#define PROTO_ST_OK		0	/* Accepted; has tokens; account good. */
#define PROTO_ST_REFUSED	1	/* Decided no; PROTO_F_REASON says why. */
#define PROTO_ST_NOTOKEN	2	/* HAS_TOKEN: the user has none. */
#define PROTO_ST_ERROR		3	/* Could not decide (the store failed). */
#define PROTO_ST_DENIED		4	/* This peer may not ask about user. */
#define PROTO_ST_LIMITED	5	/* Too many failures: not checked. */
#define PROTO_ST_MALFORMED	6	/* The request was not understood. */
#define PROTO_ST_BUSY		7	/* The daemon is overloaded. */
#define PROTO_ST_MAX		7

/*
 * A decoded frame.  Texts point into arena (NUL-terminated) or are NULL
 * when absent; proto_clear() wipes it all, the token included.
 */
struct proto_msg {
	int		 type;
	const char	*user, *service, *rhost, *tty, *role, *policy, *id;
	const char	*name, *why, *maxstale;
	const char	*token;
	size_t		 tokenlen;
	int		 flags;		/* -1 when absent, as the two below. */
	int		 status;
	int		 reason;	/* A verify_reason. */
	char		 arena[PROTO_FRAME_MAX + PROTO_F_MAX];
};

/* Sets every pointer to NULL and the numbers to -1. */
void	proto_init(struct proto_msg *, int);
void	proto_clear(struct proto_msg *);

/*
 * Encode m (type and every non-NULL text, every number >= 0) with its
 * length header into buf; *len is the bytes written.  ATK_ERR_TOOLONG
 * when it does not fit bufsz or the frame limit, ATK_ERR_INVAL for a
 * field the type does not take, a bad number or a NUL-less text too long.
 * On an error nothing of m (the token included) is left in buf.
 */
int	proto_encode(const struct proto_msg *, unsigned char *, size_t,
	    size_t *);
/*
 * The length a header announces: ATK_ERR_TOOLONG past PROTO_FRAME_MAX,
 * ATK_ERR_SYNTAX for 0.
 */
int	proto_frame_len(const unsigned char *, size_t *);
/* Decode one frame (the bytes after its header) into *m. */
int	proto_decode(const unsigned char *, size_t, struct proto_msg *);
/* "ok", "refused", ... for a log line. */
const char *proto_status_str(int);

#endif /* APITOKEN_PROTO_H */
