/*
 * The daemon protocol: see proto.h.  Strict on purpose: a peer that sends
 * anything but a well-formed frame of this version is not understood, so
 * no two readings of one frame can exist.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "error.h"
#include "proto.h"

#define BIT(tag)	(1u << (tag))
#define CONTEXT		(BIT(PROTO_F_SERVICE) | BIT(PROTO_F_RHOST) | \
			 BIT(PROTO_F_TTY))

/* What each frame type takes and needs. */
static const struct {
	int		type;
	unsigned	allowed;
	unsigned	required;
} kinds[] = {
	{ PROTO_HAS_TOKEN, BIT(PROTO_F_USER) | CONTEXT, BIT(PROTO_F_USER) },
	{ PROTO_VERIFY, BIT(PROTO_F_USER) | CONTEXT | BIT(PROTO_F_TOKEN) |
	    BIT(PROTO_F_ROLE) | BIT(PROTO_F_POLICY) | BIT(PROTO_F_FLAGS) |
	    BIT(PROTO_F_MAXSTALE),
	    BIT(PROTO_F_USER) | BIT(PROTO_F_TOKEN) },
	{ PROTO_ACCOUNT, BIT(PROTO_F_USER) | CONTEXT | BIT(PROTO_F_ID) |
	    BIT(PROTO_F_FLAGS) | BIT(PROTO_F_MAXSTALE),
	    BIT(PROTO_F_USER) | BIT(PROTO_F_ID) },
	{ PROTO_REPLY, BIT(PROTO_F_STATUS) | BIT(PROTO_F_REASON) |
	    BIT(PROTO_F_ID) | BIT(PROTO_F_NAME) | BIT(PROTO_F_ROLE) |
	    BIT(PROTO_F_WHY),
	    BIT(PROTO_F_STATUS) },
};

static const char *const status_words[] = {
	"ok", "refused", "no token", "error", "denied", "rate limited",
	"malformed request", "busy",
};

static int
kind(int type)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].type == type)
			return (int)i;
	return -1;
}

/* Numbers are one byte; their largest values. */
static int
number_max(int tag)
{
	switch (tag) {
	case PROTO_F_FLAGS:
		return PROTO_FLAGS_ALL;
	case PROTO_F_STATUS:
		return PROTO_ST_MAX;
	case PROTO_F_REASON:
		return UINT8_MAX;
	default:
		return -1;		/* A text. */
	}
}

static size_t
text_max(int tag)
{
	return tag == PROTO_F_USER ? PROTO_USER_MAX : PROTO_TEXT_MAX;
}

/* The text field of m for tag, by address. */
static const char **
text_slot(struct proto_msg *m, int tag)
{
	switch (tag) {
	case PROTO_F_USER:	return &m->user;
	case PROTO_F_SERVICE:	return &m->service;
	case PROTO_F_RHOST:	return &m->rhost;
	case PROTO_F_TTY:	return &m->tty;
	case PROTO_F_TOKEN:	return &m->token;
	case PROTO_F_ROLE:	return &m->role;
	case PROTO_F_POLICY:	return &m->policy;
	case PROTO_F_ID:	return &m->id;
	case PROTO_F_NAME:	return &m->name;
	case PROTO_F_WHY:	return &m->why;
	case PROTO_F_MAXSTALE:	return &m->maxstale;
	default:		return NULL;
	}
}

/* A text field's value, or NULL (absent, or a number's tag). */
static const char *
text_of(const struct proto_msg *m, int tag)
{
	return *text_slot((struct proto_msg *)(uintptr_t)m, tag);
}

static int *
number_slot(struct proto_msg *m, int tag)
{
	switch (tag) {
	case PROTO_F_FLAGS:	return &m->flags;
	case PROTO_F_STATUS:	return &m->status;
	case PROTO_F_REASON:	return &m->reason;
	default:		return NULL;
	}
}

void
proto_init(struct proto_msg *m, int type)
{
	m->type = type;
	m->user = m->service = m->rhost = m->tty = NULL;
	m->role = m->policy = m->id = m->name = m->why = m->token = NULL;
	m->maxstale = NULL;
	m->tokenlen = 0;
	m->flags = m->status = m->reason = -1;
}

void
proto_clear(struct proto_msg *m)
{
	explicit_bzero(m, sizeof(*m));
	proto_init(m, 0);
}

static void
put16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

int
proto_encode(const struct proto_msg *m, unsigned char *buf, size_t bufsz,
    size_t *len)
{
	const char *text;
	size_t n, at = PROTO_HEADER_BYTES + 2;
	int k, tag, num, r;

	*len = 0;
	if ((k = kind(m->type)) < 0)
		return ATK_ERR_INVAL;
	if (bufsz < at)
		return ATK_ERR_TOOLONG;
	for (tag = 1; tag <= PROTO_F_MAX; tag++) {
		const void *src;

		num = -1;
		if (number_max(tag) >= 0) {
			num = *number_slot((struct proto_msg *)(uintptr_t)m,
			    tag);
			if (num < 0)
				continue;
			if (num > number_max(tag)) {
				r = ATK_ERR_INVAL;
				goto bad;
			}
			n = 1;
			src = NULL;
		} else {
			if ((text = text_of(m, tag)) == NULL)
				continue;
			n = tag == PROTO_F_TOKEN ? m->tokenlen : strlen(text);
			if (n > text_max(tag) || memchr(text, '\0', n)) {
				r = ATK_ERR_INVAL;
				goto bad;
			}
			src = text;
		}
		if (!(kinds[k].allowed & BIT(tag))) {
			r = ATK_ERR_INVAL;
			goto bad;
		}
		if (bufsz - at < 3 + n || at + 3 + n >
		    PROTO_HEADER_BYTES + PROTO_FRAME_MAX) {
			r = ATK_ERR_TOOLONG;
			goto bad;
		}
		buf[at] = (unsigned char)tag;
		put16(buf + at + 1, n);
		if (src != NULL)
			memcpy(buf + at + 3, src, n);
		else
			buf[at + 3] = (unsigned char)num;
		at += 3 + n;
	}
	n = at - PROTO_HEADER_BYTES;
	buf[0] = (unsigned char)(n >> 24);
	buf[1] = (unsigned char)(n >> 16);
	buf[2] = (unsigned char)(n >> 8);
	buf[3] = (unsigned char)n;
	buf[4] = PROTO_VERSION;
	buf[5] = (unsigned char)m->type;
	*len = at;
	return 0;
 bad:
	/* The fields written so far may hold the token. */
	explicit_bzero(buf, at);
	return r;
}

int
proto_frame_len(const unsigned char *hdr, size_t *len)
{
	uint32_t n;

	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	*len = 0;
	if (n == 0)
		return ATK_ERR_SYNTAX;
	if (n > PROTO_FRAME_MAX)
		return ATK_ERR_TOOLONG;
	*len = n;
	return 0;
}

int
proto_decode(const unsigned char *buf, size_t len, struct proto_msg *m)
{
	const char **text;
	unsigned seen = 0;
	size_t at = 2, n, used = 0;
	int k, tag, *num;

	proto_clear(m);
	if (len < 2 || len > PROTO_FRAME_MAX || buf[0] != PROTO_VERSION ||
	    (k = kind(buf[1])) < 0)
		goto bad;
	m->type = buf[1];
	while (at < len) {
		if (len - at < 3)
			goto bad;
		tag = buf[at];
		n = (size_t)buf[at + 1] << 8 | buf[at + 2];
		at += 3;
		if (tag < 1 || tag > PROTO_F_MAX ||
		    !(kinds[k].allowed & BIT(tag)) || (seen & BIT(tag)) ||
		    n > len - at)
			goto bad;
		seen |= BIT(tag);
		if ((num = number_slot(m, tag)) != NULL) {
			if (n != 1 || buf[at] > number_max(tag))
				goto bad;
			*num = buf[at];
		} else {
			if (n > text_max(tag) || memchr(buf + at, '\0', n))
				goto bad;
			/* Each text and its NUL fit: see the arena's size. */
			text = text_slot(m, tag);
			memcpy(m->arena + used, buf + at, n);
			m->arena[used + n] = '\0';
			*text = m->arena + used;
			if (tag == PROTO_F_TOKEN)
				m->tokenlen = n;
			used += n + 1;
		}
		at += n;
	}
	if ((seen & kinds[k].required) != kinds[k].required)
		goto bad;
	return 0;
 bad:
	proto_clear(m);
	return ATK_ERR_SYNTAX;
}

const char *
proto_status_str(int status)
{
	if (status < 0 || status > PROTO_ST_MAX)
		return "unknown";
	return status_words[status];
}
