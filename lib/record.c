/*
 * A token's record and its compact binary encoding (schema 1):
 *
 *	u8	schema version (RECORD_SCHEMA)
 *	u8	flags (REC_F_*)
 *	16	id
 *	32	verifier
 *	zz	created, expires, revoked
 *	str	name
 *	str	user			unless REC_F_DEFUSER
 *	str	role
 *	str	description		if REC_F_DESC
 *	str	revoke reason		if REC_F_REASON
 *	16	parent			if REC_F_PARENT
 *	zz, 32	old_until, old verifier	if REC_F_OLD
 *	uv	number of policies, then a str each
 *	uv	number of networks, then each: u8 4|6, u8 prefix, 4|16 address
 *
 * uv is an unsigned LEB128 varint (minimal, at most 64 bits), zz a signed
 * one in zigzag form, str a uv length and that many bytes (no NUL).  The
 * user a token gets by default is not stored but rebuilt from its id: it
 * is most of a typical record's size.  Every length is checked against what
 * is left of the buffer, and decoding checks every field with the same
 * rules as record_validate(), so a damaged record is ATK_ERR_CORRUPT, never
 * a misread.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "record.h"
#include "token.h"

#define REC_F_IMPORTED		0x01
#define REC_F_PARENT		0x02
#define REC_F_DESC		0x04
#define REC_F_REASON		0x08
#define REC_F_OLD		0x10
#define REC_F_DEFUSER		0x20
#define REC_F_ALL		0x3f

#define REC_FAMILY_INET		4
#define REC_FAMILY_INET6	6
#define REC_INET_BYTES		4
#define REC_INET6_BYTES		16
#define REC_INET_BITS		32
#define REC_INET6_BITS		128

#define VARINT_MAX_BYTES	10
#define ENC_INITIAL		256

struct enc {
	unsigned char	*p;
	size_t		 len;
	size_t		 cap;
	int		 err;
};

struct dec {
	const unsigned char *p;
	size_t		 left;
};

int
record_name_valid(const char *s)
{
	size_t i;

	if (s == NULL || !((s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= RECORD_NAME_MAX)
			return 0;
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	}
	return 1;
}

int
record_word_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= RECORD_WORD_MAX || s[i] < '!' || s[i] > '~')
			return 0;
	return 1;
}

/* Any bytes but NUL, C0 controls and DEL: UTF-8 is welcome. */
int
record_text_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= RECORD_TEXT_MAX || (unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

static int
cidr_valid(const struct cidr *c)
{
	size_t nbytes, i;
	unsigned int bits;

	if (c->family == AF_INET) {
		nbytes = REC_INET_BYTES;
		bits = REC_INET_BITS;
	} else if (c->family == AF_INET6) {
		nbytes = REC_INET6_BYTES;
		bits = REC_INET6_BITS;
	} else
		return 0;
	if (c->prefix > bits)
		return 0;
	/* A network has no bits set after its prefix. */
	for (i = 0; i < REC_INET6_BYTES; i++) {
		unsigned int keep;

		if (i >= nbytes)
			keep = 0;
		else if (c->prefix >= (i + 1) * 8)
			keep = 0xff;
		else if (c->prefix <= i * 8)
			keep = 0;
		else
			keep = (0xff00U >> (c->prefix - i * 8)) & 0xff;
		if ((c->addr[i] & ~keep) != 0)
			return 0;
	}
	return 1;
}

int
record_validate(const struct record *rec)
{
	size_t i;

	if (rec == NULL || !record_name_valid(rec->name) ||
	    !record_word_valid(rec->user) || !record_word_valid(rec->role) ||
	    (rec->description != NULL &&
	    !record_text_valid(rec->description)) ||
	    (rec->revoke_reason != NULL &&
	    !record_text_valid(rec->revoke_reason)) ||
	    rec->created < 0 || rec->expires < 0 || rec->revoked < 0 ||
	    rec->old_until < 0 ||
	    rec->npolicies > RECORD_POLICIES_MAX ||
	    (rec->npolicies > 0 && rec->policies == NULL) ||
	    rec->nfrom > RECORD_FROM_MAX ||
	    (rec->nfrom > 0 && rec->from == NULL))
		return ATK_ERR_INVAL;
	for (i = 0; i < rec->npolicies; i++)
		if (!record_word_valid(rec->policies[i]))
			return ATK_ERR_INVAL;
	for (i = 0; i < rec->nfrom; i++)
		if (!cidr_valid(&rec->from[i]))
			return ATK_ERR_INVAL;
	return 0;
}

int
record_default_user(const unsigned char *id, char *buf, size_t bufsz)
{
	size_t plen = sizeof(RECORD_DEFAULT_USER_PREFIX) - 1, i;

	if (bufsz < RECORD_DEFAULT_USER_BUFSZ) {
		if (bufsz > 0)
			buf[0] = '\0';
		return ATK_ERR_INVAL;
	}
	memcpy(buf, RECORD_DEFAULT_USER_PREFIX, plen);
	token_id_format(id, buf + plen);
	/* Without a branch: random letters would mispredict half of them. */
	for (i = plen; buf[i] != '\0'; i++) {
		unsigned int up = (unsigned char)(buf[i] - 'A') < 26;

		buf[i] = (char)(buf[i] + 32 * up);
	}
	return 0;
}

/* --- encoding ------------------------------------------------------------- */

static void
enc_put(struct enc *e, const void *p, size_t n)
{
	unsigned char *np;
	size_t ncap;

	if (e->err != 0)
		return;
	if (n > e->cap - e->len) {
		ncap = e->cap == 0 ? ENC_INITIAL : e->cap;
		while (n > ncap - e->len) {
			if (ncap > SIZE_MAX / 2) {
				e->err = ATK_ERR_NOMEM;
				return;
			}
			ncap *= 2;
		}
		if ((np = realloc(e->p, ncap)) == NULL) {
			e->err = ATK_ERR_NOMEM;
			return;
		}
		e->p = np;
		e->cap = ncap;
	}
	memcpy(e->p + e->len, p, n);
	e->len += n;
}

static void
enc_u8(struct enc *e, unsigned int v)
{
	unsigned char b = (unsigned char)v;

	enc_put(e, &b, 1);
}

static void
enc_uv(struct enc *e, uint64_t v)
{
	unsigned char b[VARINT_MAX_BYTES];
	size_t n = 0;

	do {
		b[n] = v & 0x7f;
		v >>= 7;
		if (v != 0)
			b[n] |= 0x80;
		n++;
	} while (v != 0);
	enc_put(e, b, n);
}

static void
enc_zz(struct enc *e, int64_t v)
{
	enc_uv(e, v < 0 ? ((~(uint64_t)v) << 1) | 1 : (uint64_t)v << 1);
}

static void
enc_str(struct enc *e, const char *s)
{
	size_t n = strlen(s);

	enc_uv(e, n);
	enc_put(e, s, n);
}

int
record_encode(const struct record *rec, unsigned char **bufp, size_t *lenp)
{
	char defuser[RECORD_DEFAULT_USER_BUFSZ];
	struct enc e = { NULL, 0, 0, 0 };
	unsigned int flags = 0;
	size_t i;
	int r;

	*bufp = NULL;
	*lenp = 0;
	if ((r = record_validate(rec)) != 0)
		return r;
	if ((r = record_default_user(rec->id, defuser, sizeof(defuser))) != 0)
		return r;
	if (rec->imported)
		flags |= REC_F_IMPORTED;
	if (rec->has_parent)
		flags |= REC_F_PARENT;
	if (rec->description != NULL)
		flags |= REC_F_DESC;
	if (rec->revoke_reason != NULL)
		flags |= REC_F_REASON;
	if (rec->old_until != 0)
		flags |= REC_F_OLD;
	if (strcmp(rec->user, defuser) == 0)
		flags |= REC_F_DEFUSER;
	enc_u8(&e, RECORD_SCHEMA);
	enc_u8(&e, flags);
	enc_put(&e, rec->id, sizeof(rec->id));
	enc_put(&e, rec->verifier, sizeof(rec->verifier));
	enc_zz(&e, rec->created);
	enc_zz(&e, rec->expires);
	enc_zz(&e, rec->revoked);
	enc_str(&e, rec->name);
	if (!(flags & REC_F_DEFUSER))
		enc_str(&e, rec->user);
	enc_str(&e, rec->role);
	if (flags & REC_F_DESC)
		enc_str(&e, rec->description);
	if (flags & REC_F_REASON)
		enc_str(&e, rec->revoke_reason);
	if (flags & REC_F_PARENT)
		enc_put(&e, rec->parent, sizeof(rec->parent));
	if (flags & REC_F_OLD) {
		enc_zz(&e, rec->old_until);
		enc_put(&e, rec->old_verifier, sizeof(rec->old_verifier));
	}
	enc_uv(&e, rec->npolicies);
	for (i = 0; i < rec->npolicies; i++)
		enc_str(&e, rec->policies[i]);
	enc_uv(&e, rec->nfrom);
	for (i = 0; i < rec->nfrom; i++) {
		const struct cidr *c = &rec->from[i];

		enc_u8(&e, c->family == AF_INET ? REC_FAMILY_INET :
		    REC_FAMILY_INET6);
		enc_u8(&e, c->prefix);
		enc_put(&e, c->addr, c->family == AF_INET ? REC_INET_BYTES :
		    REC_INET6_BYTES);
	}
	if (e.err != 0) {
		free(e.p);
		return e.err;
	}
	*bufp = e.p;
	*lenp = e.len;
	return 0;
}

/* --- decoding ------------------------------------------------------------- */

static int
dec_get(struct dec *d, void *p, size_t n)
{
	if (n > d->left)
		return ATK_ERR_CORRUPT;
	memcpy(p, d->p, n);
	d->p += n;
	d->left -= n;
	return 0;
}

static int
dec_u8(struct dec *d, unsigned int *v)
{
	unsigned char b;
	int r;

	*v = 0;
	if ((r = dec_get(d, &b, 1)) != 0)
		return r;
	*v = b;
	return 0;
}

/* Minimal LEB128 of at most 64 bits; anything else is damage. */
static int
dec_uv(struct dec *d, uint64_t *v)
{
	unsigned int shift = 0;
	unsigned char b;
	size_t n = 0;

	*v = 0;
	for (;;) {
		if (d->left == 0 || n == VARINT_MAX_BYTES)
			return ATK_ERR_CORRUPT;
		b = *d->p++;
		d->left--;
		n++;
		if (n == VARINT_MAX_BYTES && (b & 0x7e) != 0)
			return ATK_ERR_CORRUPT;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			break;
		shift += 7;
	}
	if (n > 1 && b == 0)
		return ATK_ERR_CORRUPT;
	return 0;
}

static int
dec_zz(struct dec *d, int64_t *v)
{
	uint64_t u;
	int r;

	*v = 0;
	if ((r = dec_uv(d, &u)) != 0)
		return r;
	*v = (u & 1) ? (int64_t)~(u >> 1) : (int64_t)(u >> 1);
	return 0;
}

/* A string of at most max bytes and no NUL, as a new C string. */
static int
dec_str(struct dec *d, size_t max, char **out)
{
	uint64_t n;
	char *s;
	int r;

	*out = NULL;
	if ((r = dec_uv(d, &n)) != 0)
		return r;
	if (n > max || n > d->left)
		return ATK_ERR_CORRUPT;
	if (memchr(d->p, '\0', (size_t)n) != NULL)
		return ATK_ERR_CORRUPT;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(s, d->p, (size_t)n);
	s[n] = '\0';
	d->p += n;
	d->left -= (size_t)n;
	*out = s;
	return 0;
}

static int
dec_cidr(struct dec *d, struct cidr *c)
{
	unsigned int fam, prefix;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = dec_u8(d, &fam)) != 0 || (r = dec_u8(d, &prefix)) != 0)
		return r;
	if (fam == REC_FAMILY_INET) {
		c->family = AF_INET;
		r = dec_get(d, c->addr, REC_INET_BYTES);
	} else if (fam == REC_FAMILY_INET6) {
		c->family = AF_INET6;
		r = dec_get(d, c->addr, REC_INET6_BYTES);
	} else
		return ATK_ERR_CORRUPT;
	c->prefix = prefix;
	return r;
}

int
record_decode(const void *buf, size_t len, struct record *rec)
{
	struct dec d = { buf, len };
	char defuser[RECORD_DEFAULT_USER_BUFSZ];
	unsigned int schema, flags;
	uint64_t n;
	size_t i;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = dec_u8(&d, &schema)) != 0)
		goto out;
	if (schema > RECORD_SCHEMA) {
		r = ATK_ERR_SCHEMA;
		goto out;
	}
	if (schema != RECORD_SCHEMA) {
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	if ((r = dec_u8(&d, &flags)) != 0)
		goto out;
	if ((flags & ~REC_F_ALL) != 0) {
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	rec->imported = (flags & REC_F_IMPORTED) != 0;
	rec->has_parent = (flags & REC_F_PARENT) != 0;
	if ((r = dec_get(&d, rec->id, sizeof(rec->id))) != 0 ||
	    (r = dec_get(&d, rec->verifier, sizeof(rec->verifier))) != 0 ||
	    (r = dec_zz(&d, &rec->created)) != 0 ||
	    (r = dec_zz(&d, &rec->expires)) != 0 ||
	    (r = dec_zz(&d, &rec->revoked)) != 0 ||
	    (r = dec_str(&d, RECORD_NAME_MAX, &rec->name)) != 0)
		goto out;
	if (flags & REC_F_DEFUSER) {
		if ((rec->user = malloc(RECORD_DEFAULT_USER_BUFSZ)) == NULL) {
			r = ATK_ERR_NOMEM;
			goto out;
		}
		if ((r = record_default_user(rec->id, rec->user,
		    RECORD_DEFAULT_USER_BUFSZ)) != 0)
			goto out;
	} else {
		if ((r = dec_str(&d, RECORD_WORD_MAX, &rec->user)) != 0 ||
		    (r = record_default_user(rec->id, defuser,
		    sizeof(defuser))) != 0)
			goto out;
		/* record_encode() writes the default user as a flag only. */
		if (strcmp(rec->user, defuser) == 0) {
			r = ATK_ERR_CORRUPT;
			goto out;
		}
	}
	if ((r = dec_str(&d, RECORD_WORD_MAX, &rec->role)) != 0)
		goto out;
	if ((flags & REC_F_DESC) &&
	    (r = dec_str(&d, RECORD_TEXT_MAX, &rec->description)) != 0)
		goto out;
	if ((flags & REC_F_REASON) &&
	    (r = dec_str(&d, RECORD_TEXT_MAX, &rec->revoke_reason)) != 0)
		goto out;
	if ((flags & REC_F_PARENT) &&
	    (r = dec_get(&d, rec->parent, sizeof(rec->parent))) != 0)
		goto out;
	if (flags & REC_F_OLD) {
		if ((r = dec_zz(&d, &rec->old_until)) != 0 ||
		    (r = dec_get(&d, rec->old_verifier,
		    sizeof(rec->old_verifier))) != 0)
			goto out;
		if (rec->old_until == 0) {
			r = ATK_ERR_CORRUPT;
			goto out;
		}
	}
	if ((r = dec_uv(&d, &n)) != 0)
		goto out;
	if (n > RECORD_POLICIES_MAX) {
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	if (n > 0 && (rec->policies = calloc((size_t)n,
	    sizeof(*rec->policies))) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	rec->npolicies = (size_t)n;
	for (i = 0; i < rec->npolicies; i++)
		if ((r = dec_str(&d, RECORD_WORD_MAX, &rec->policies[i])) != 0)
			goto out;
	if ((r = dec_uv(&d, &n)) != 0)
		goto out;
	if (n > RECORD_FROM_MAX) {
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	if (n > 0 && (rec->from = calloc((size_t)n,
	    sizeof(*rec->from))) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	rec->nfrom = (size_t)n;
	for (i = 0; i < rec->nfrom; i++)
		if ((r = dec_cidr(&d, &rec->from[i])) != 0)
			goto out;
	/* Trailing bytes, or fields that break the rules: damage. */
	if (d.left != 0 || record_validate(rec) != 0)
		r = ATK_ERR_CORRUPT;
 out:
	if (r != 0)
		record_free(rec);
	return r;
}

/* --- copies --------------------------------------------------------------- */

static int
dup_str(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	if ((*out = strdup(s)) == NULL)
		return ATK_ERR_NOMEM;
	return 0;
}

int
record_copy(const struct record *src, struct record *dst)
{
	size_t i;
	int r;

	memset(dst, 0, sizeof(*dst));
	memcpy(dst->id, src->id, sizeof(dst->id));
	dst->imported = src->imported;
	dst->created = src->created;
	dst->expires = src->expires;
	dst->revoked = src->revoked;
	dst->has_parent = src->has_parent;
	memcpy(dst->parent, src->parent, sizeof(dst->parent));
	memcpy(dst->verifier, src->verifier, sizeof(dst->verifier));
	dst->old_until = src->old_until;
	memcpy(dst->old_verifier, src->old_verifier,
	    sizeof(dst->old_verifier));
	if ((r = dup_str(src->name, &dst->name)) != 0 ||
	    (r = dup_str(src->description, &dst->description)) != 0 ||
	    (r = dup_str(src->user, &dst->user)) != 0 ||
	    (r = dup_str(src->role, &dst->role)) != 0 ||
	    (r = dup_str(src->revoke_reason, &dst->revoke_reason)) != 0)
		goto out;
	if (src->npolicies > 0) {
		if ((dst->policies = calloc(src->npolicies,
		    sizeof(*dst->policies))) == NULL) {
			r = ATK_ERR_NOMEM;
			goto out;
		}
		dst->npolicies = src->npolicies;
		for (i = 0; i < src->npolicies; i++)
			if ((r = dup_str(src->policies[i],
			    &dst->policies[i])) != 0)
				goto out;
	}
	if (src->nfrom > 0) {
		if ((dst->from = calloc(src->nfrom,
		    sizeof(*dst->from))) == NULL) {
			r = ATK_ERR_NOMEM;
			goto out;
		}
		dst->nfrom = src->nfrom;
		memcpy(dst->from, src->from, src->nfrom * sizeof(*dst->from));
	}
 out:
	if (r != 0)
		record_free(dst);
	return r;
}

void
record_free(struct record *rec)
{
	size_t i;

	if (rec == NULL)
		return;
	free(rec->name);
	free(rec->description);
	free(rec->user);
	free(rec->role);
	free(rec->revoke_reason);
	if (rec->policies != NULL)
		for (i = 0; i < rec->npolicies; i++)
			free(rec->policies[i]);
	free(rec->policies);
	free(rec->from);
	explicit_bzero(rec, sizeof(*rec));
}

int
record_has_policy(const struct record *rec, const char *p)
{
	size_t i;

	if (p == NULL)
		return 0;
	for (i = 0; i < rec->npolicies; i++)
		if (rec->policies[i] != NULL &&
		    strcmp(rec->policies[i], p) == 0)
			return 1;
	return 0;
}
