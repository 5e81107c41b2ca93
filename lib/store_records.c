/*
 * Records and their indexes: get, find, put, delete, walk, and the lookups
 * of verify_token() that cost the same whether the key is there or not
 * (store_get_near(), with key_cmp() as every database's comparison).
 */
#include "config.h"

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mac.h"
#include "record.h"
#include "store.h"
#include "store_int.h"
#include "token.h"

/* The longest key get_near() looks up: a digest. */
#define NEAR_KEY_MAX		STORE_DIGEST_BYTES
/* key_cmp() reads keys this many bytes at a time. */
#define KEY_WORD		8

#define USAGE_VERSION		1
#define USAGE_HEAD		9	/* version byte and the time */
#define USAGE_HOST_MAX		1024

/* Inline: key_cmp() runs some 20 times a lookup in a large store. */
static inline uint64_t
load_be64(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return be64toh(x);
}

/*
 * LMDB's own key order (the bytes as unsigned numbers, then the shorter
 * key first), so a store stays what mdb_dump and older builds read, but
 * in time that depends on the lengths only.  LMDB compares with memcmp(),
 * whose way out depends on where the keys differ and whether they do: a
 * lookup's binary search meets the key itself only when the store holds
 * it, and that one comparison of equal bytes made a known id 3 to 4
 * cycles faster to look up than an unknown one next to it (SECURITY.md,
 * "Timing").  Here every byte is read and the first difference kept with
 * masks, not branches.
 */
static int
key_cmp(const MDB_val *a, const MDB_val *b)
{
	const unsigned char *p = a->mv_data, *q = b->mv_data;
	size_t n, i;
	uint64_t x, y;
	int d, r = 0;

	n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	for (i = 0; i + KEY_WORD <= n; i += KEY_WORD) {
		x = load_be64(p + i);
		y = load_be64(q + i);
		d = (x > y) - (x < y);
		/* r stays at the first nonzero d. */
		r |= d & -(r == 0);
	}
	for (; i < n; i++) {
		d = (p[i] > q[i]) - (p[i] < q[i]);
		r |= d & -(r == 0);
	}
	d = (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
	return r | (d & -(r == 0));
}

int
store_dbi_open(MDB_txn *txn, const char *name, unsigned int fl, MDB_dbi *dbi,
    char *why, size_t whysz)
{
	int rc;

	if ((rc = mdb_dbi_open(txn, name, fl, dbi)) != 0) {
		/* A missing database: not a store of ours. */
		if (rc == MDB_NOTFOUND) {
			store_set_why(why, whysz, "no \"%s\" database: not an "
			    "apitoken store", name);
			return ATK_ERR_CORRUPT;
		}
		return store_map_rc(why, whysz, name, rc);
	}
	/* Every open of every program, before the first access (lmdb.h). */
	if ((rc = mdb_set_compare(txn, *dbi, key_cmp)) != 0)
		return store_map_rc(why, whysz, name, rc);
	return 0;
}

static int
get_id(struct store_txn *t, MDB_dbi dbi, MDB_val *k, unsigned char *id)
{
	MDB_val v;
	int rc;

	if ((rc = mdb_get(t->txn, dbi, k, &v)) != 0)
		return store_rc(rc);
	if (v.mv_size != TOKEN_ID_BYTES)
		return ATK_ERR_CORRUPT;
	memcpy(id, v.mv_data, TOKEN_ID_BYTES);
	return 0;
}

int
store_get(struct store_txn *t, const unsigned char *id, struct record *rec)
{
	MDB_val k = store_val(id, TOKEN_ID_BYTES), v;
	int rc, r;

	memset(rec, 0, sizeof(*rec));
	if ((rc = mdb_get(t->txn, t->st->tokens, &k, &v)) != 0)
		return store_rc(rc);
	if ((r = record_decode(v.mv_data, v.mv_size, rec)) != 0)
		return r;
	if (memcmp(rec->id, id, TOKEN_ID_BYTES) != 0) {
		record_free(rec);
		return ATK_ERR_CORRUPT;
	}
	return 0;
}

int
store_find(struct store_txn *t, const char *text, struct record *rec)
{
	unsigned char id[TOKEN_ID_BYTES];
	MDB_val k;
	int r;

	memset(rec, 0, sizeof(*rec));
	if (text == NULL)
		return ATK_ERR_INVAL;
	if (token_id_parse(text, id) == 0 &&
	    (r = store_get(t, id, rec)) != ATK_ERR_NOTFOUND)
		return r;
	if (!record_name_valid(text))
		return ATK_ERR_NOTFOUND;
	k = store_str_val(text);
	if ((r = get_id(t, t->st->names, &k, id)) != 0)
		return r;
	/* A name that leads nowhere is a broken index. */
	if ((r = store_get(t, id, rec)) == ATK_ERR_NOTFOUND)
		r = ATK_ERR_CORRUPT;
	return r;
}

/* 1 if dbi maps k to id, 0 if it maps it elsewhere or not at all. */
static int
maps_to(struct store_txn *t, MDB_dbi dbi, MDB_val *k, const unsigned char *id)
{
	unsigned char cur[TOKEN_ID_BYTES];
	int r;

	if ((r = get_id(t, dbi, k, cur)) == ATK_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	return memcmp(cur, id, TOKEN_ID_BYTES) == 0;
}

/* ATK_ERR_EXISTS if dbi maps k to another id than id, else 0. */
static int
taken(struct store_txn *t, MDB_dbi dbi, MDB_val *k, const unsigned char *id)
{
	unsigned char cur[TOKEN_ID_BYTES];
	int r;

	if ((r = get_id(t, dbi, k, cur)) == ATK_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	return memcmp(cur, id, TOKEN_ID_BYTES) == 0 ? 0 : ATK_ERR_EXISTS;
}

static int
put(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned int fl)
{
	int rc;

	if ((rc = mdb_put(t->txn, dbi, k, v, fl)) != 0) {
		/* Already there and already ours: nothing to do. */
		if (rc == MDB_KEYEXIST && (fl & MDB_NODUPDATA))
			return 0;
		return store_rc(rc);
	}
	return 0;
}

static int
del(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	int rc;

	if ((rc = mdb_del(t->txn, dbi, k, v)) != 0 && rc != MDB_NOTFOUND)
		return store_rc(rc);
	return 0;
}

/* The digests a record holds in the index: its own, and its old one. */
static int
digest_kept(const struct record *rec, const unsigned char *d)
{
	if (rec == NULL)
		return 0;
	if (rec->imported && mac_equal(rec->verifier, d,
	    RECORD_VERIFIER_BYTES))
		return 1;
	return rec->old_until != 0 && mac_equal(rec->old_verifier, d,
	    RECORD_VERIFIER_BYTES);
}

/*
 * Remove the index entries of old that rec (NULL on delete) does not keep.
 */
static int
unindex(struct store_txn *t, const struct record *old,
    const struct record *rec)
{
	unsigned char ukey[USER_KEY_BYTES];
	MDB_val k, v;
	const unsigned char *ds[2];
	int r;

	if (rec == NULL || strcmp(old->name, rec->name) != 0) {
		k = store_str_val(old->name);
		if ((r = maps_to(t, t->st->names, &k, old->id)) < 0)
			return r;
		if (r == 1 && (r = del(t, t->st->names, &k, NULL)) != 0)
			return r;
	}
	if (rec == NULL || strcmp(old->user, rec->user) != 0) {
		if ((r = store_user_key(t->st, old->user, ukey)) != 0)
			return r;
		k = store_val(ukey, sizeof(ukey));
		v = store_val(old->id, TOKEN_ID_BYTES);
		if ((r = del(t, t->st->users, &k, &v)) != 0)
			return r;
	}
	ds[0] = old->verifier;
	ds[1] = old->old_until != 0 ? old->old_verifier : NULL;
	for (size_t i = 0; i < 2; i++) {
		if (ds[i] == NULL || digest_kept(rec, ds[i]))
			continue;
		k = store_val(ds[i], RECORD_VERIFIER_BYTES);
		if ((r = maps_to(t, t->st->digests, &k, old->id)) < 0)
			return r;
		if (r == 1 && (r = del(t, t->st->digests, &k, NULL)) != 0)
			return r;
	}
	return 0;
}

/*
 * Claim a unique key for id with MDB_NOOVERWRITE: one walk down the tree
 * instead of a look and a put.  *claimed says whether this call added it
 * (it may already be id's own).
 */
static int
claim(struct store_txn *t, MDB_dbi dbi, MDB_val *k, const unsigned char *id,
    int *claimed)
{
	MDB_val v = store_val(id, TOKEN_ID_BYTES);
	int rc;

	*claimed = 0;
	if ((rc = mdb_put(t->txn, dbi, k, &v, MDB_NOOVERWRITE)) == 0) {
		*claimed = 1;
		return 0;
	}
	if (rc != MDB_KEYEXIST)
		return store_rc(rc);
	/* v now holds the id the key belongs to. */
	if (v.mv_size == TOKEN_ID_BYTES &&
	    memcmp(v.mv_data, id, TOKEN_ID_BYTES) == 0)
		return 0;
	return ATK_ERR_EXISTS;
}

/*
 * A new record (the create and bulk restore path): name, digest and id
 * claimed in turn, and what was claimed handed back when a later one is
 * taken, so a refused insert leaves the txn as it was.
 */
static int
insert_new(struct store_txn *t, const struct record *rec,
    const unsigned char *enc, size_t enclen)
{
	unsigned char ukey[USER_KEY_BYTES];
	MDB_val kn, kd, k, v;
	int got_name = 0, got_digest = 0, r;

	kn = store_str_val(rec->name);
	kd = store_val(rec->verifier, RECORD_VERIFIER_BYTES);
	if ((r = claim(t, t->st->names, &kn, rec->id, &got_name)) != 0)
		goto undo;
	if (rec->imported && (r = claim(t, t->st->digests, &kd, rec->id,
	    &got_digest)) != 0)
		goto undo;
	k = store_val(rec->id, TOKEN_ID_BYTES);
	v = store_val(enc, enclen);
	if ((r = put(t, t->st->tokens, &k, &v, MDB_NOOVERWRITE)) != 0)
		goto undo;
	if ((r = store_user_key(t->st, rec->user, ukey)) != 0)
		return r;
	k = store_val(ukey, sizeof(ukey));
	v = store_val(rec->id, TOKEN_ID_BYTES);
	return put(t, t->st->users, &k, &v, MDB_NODUPDATA);
 undo:
	if (got_digest)
		(void)mdb_del(t->txn, t->st->digests, &kd, NULL);
	if (got_name)
		(void)mdb_del(t->txn, t->st->names, &kn, NULL);
	return r;
}

int
store_put(struct store_txn *t, const struct record *rec, int flags)
{
	struct record old;
	unsigned char ukey[USER_KEY_BYTES], *enc = NULL;
	size_t enclen;
	MDB_val k, v;
	int have_old = 0, r;

	memset(&old, 0, sizeof(old));
	if (t->rdonly || (flags & ~STORE_REPLACE) != 0)
		return ATK_ERR_INVAL;
	if ((r = record_encode(rec, &enc, &enclen)) != 0)
		return r;
	if (!(flags & STORE_REPLACE)) {
		r = insert_new(t, rec, enc, enclen);
		goto out;
	}
	if ((r = store_get(t, rec->id, &old)) == 0)
		have_old = 1;
	else if (r != ATK_ERR_NOTFOUND)
		goto out;
	/* Every conflict is found before anything is written. */
	k = store_str_val(rec->name);
	if ((r = taken(t, t->st->names, &k, rec->id)) != 0)
		goto out;
	if (rec->imported) {
		k = store_val(rec->verifier, RECORD_VERIFIER_BYTES);
		if ((r = taken(t, t->st->digests, &k, rec->id)) != 0)
			goto out;
	}
	k = store_val(rec->id, TOKEN_ID_BYTES);
	v = store_val(enc, enclen);
	if ((r = put(t, t->st->tokens, &k, &v, 0)) != 0)
		goto out;
	if (have_old && (r = unindex(t, &old, rec)) != 0)
		goto out;
	k = store_str_val(rec->name);
	v = store_val(rec->id, TOKEN_ID_BYTES);
	if ((r = put(t, t->st->names, &k, &v, 0)) != 0)
		goto out;
	if ((r = store_user_key(t->st, rec->user, ukey)) != 0)
		goto out;
	k = store_val(ukey, sizeof(ukey));
	if ((r = put(t, t->st->users, &k, &v, MDB_NODUPDATA)) != 0)
		goto out;
	if (rec->imported) {
		k = store_val(rec->verifier, RECORD_VERIFIER_BYTES);
		if ((r = put(t, t->st->digests, &k, &v, 0)) != 0)
			goto out;
	}
	r = 0;
 out:
	record_free(&old);
	free(enc);
	return r;
}

int
store_delete(struct store_txn *t, const unsigned char *id)
{
	struct record old;
	MDB_val k;
	int r;

	if (t->rdonly)
		return ATK_ERR_INVAL;
	if ((r = store_get(t, id, &old)) != 0)
		return r;
	if ((r = unindex(t, &old, NULL)) != 0)
		goto out;
	k = store_val(id, TOKEN_ID_BYTES);
	if ((r = del(t, t->st->usage, &k, NULL)) != 0 ||
	    (r = del(t, t->st->tokens, &k, NULL)) != 0)
		goto out;
 out:
	record_free(&old);
	return r;
}

int
store_foreach(struct store_txn *t, int (*cb)(const struct record *, void *),
    void *arg)
{
	MDB_cursor *cur = NULL;
	struct record rec;
	MDB_val k, v;
	int rc, r;

	if ((rc = mdb_cursor_open(t->txn, t->st->tokens, &cur)) != 0)
		return store_rc(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((r = record_decode(v.mv_data, v.mv_size, &rec)) != 0)
			goto out;
		if (k.mv_size != TOKEN_ID_BYTES ||
		    memcmp(k.mv_data, rec.id, TOKEN_ID_BYTES) != 0) {
			record_free(&rec);
			r = ATK_ERR_CORRUPT;
			goto out;
		}
		r = cb(&rec, arg);
		record_free(&rec);
		if (r != 0)
			goto out;
	}
	r = rc == MDB_NOTFOUND ? 0 : store_rc(rc);
 out:
	mdb_cursor_close(cur);
	return r;
}

int
store_lookup_digest(struct store_txn *t, const unsigned char *digest,
    unsigned char *id)
{
	MDB_val k = store_val(digest, STORE_DIGEST_BYTES);

	memset(id, 0, TOKEN_ID_BYTES);
	return get_id(t, t->st->digests, &k, id);
}

/*
 * The entry of dbi with key (n bytes) or, when there is none, the entry
 * before where it would be (the first entry when every key sorts after
 * it); *found says which.  ATK_ERR_NOTFOUND only for an empty dbi.
 *
 * For verify_token(), which must cost the same for an id the store holds
 * and one it does not: a lookup of the key itself stops at the entry on a
 * hit, but on a miss now and then runs off the end of a leaf page and
 * steps to the next one (SECURITY.md, "Timing").  Here the cursor is set
 * at the gap just after the key (the key and a 0 byte sorts after the key
 * and before every other key) and stepped back over one entry: a present
 * and an absent key both walk down to a gap between two keys, cross a page
 * boundary as often, and land on a real entry of a real record.
 *
 * At the ends of the key order the walk has no neighbour on one side: a
 * key above every key finds no gap and must go to the last entry, one
 * below every key finds no entry to step back to and takes the first, the
 * one the gap search found.  Every lookup makes the same three moves, a
 * gap search, a step and a walk to the last entry (taken, or made only to
 * cost the same), so that an id outside the stored range is not the one
 * lookup in N that takes an extra walk down the tree: timing would
 * otherwise find the smallest and largest stored ids by bisection
 * (ct_verify's "ends" pair: max |t| 126 before, SECURITY.md).
 */
static int
get_near(struct store_txn *t, MDB_dbi dbi, const unsigned char *key,
    size_t n, MDB_val *k, MDB_val *v, int *found)
{
	unsigned char gap[NEAR_KEY_MAX + 1];
	MDB_cursor *cur = NULL;
	MDB_val k1, v1, dk, dv;
	int rc, rc2;

	*found = 0;
	if (n > NEAR_KEY_MAX)
		return ATK_ERR_INVAL;
	memcpy(gap, key, n);
	gap[n] = 0;
	*k = store_val(gap, n + 1);
	if ((rc = mdb_cursor_open(t->txn, dbi, &cur)) != 0)
		return store_rc(rc);
	/* What the cursor returns points into the map, not the cursor. */
	rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	if (rc == 0) {
		k1 = *k;
		v1 = *v;
		rc = mdb_cursor_get(cur, k, v, MDB_PREV);
		if (rc == MDB_NOTFOUND) {
			*k = k1;
			*v = v1;
			rc = 0;
		}
		rc2 = mdb_cursor_get(cur, &dk, &dv, MDB_LAST);
	} else if (rc == MDB_NOTFOUND) {
		rc = mdb_cursor_get(cur, k, v, MDB_LAST);
		rc2 = rc == 0 ? mdb_cursor_get(cur, &dk, &dv, MDB_PREV) : 0;
	} else
		rc2 = 0;
	if (rc == 0 && rc2 != 0 && rc2 != MDB_NOTFOUND)
		rc = rc2;
	mdb_cursor_close(cur);
	if (rc != 0)
		return store_rc(rc);
	/* Not secret, but a comparison stopping early would tell how near. */
	*found = k->mv_size == n && mac_equal(k->mv_data, key, n);
	return 0;
}

int
store_get_near(struct store_txn *t, const unsigned char *id,
    struct record *rec, int *found)
{
	MDB_val k, v;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = get_near(t, t->st->tokens, id, TOKEN_ID_BYTES, &k, &v,
	    found)) != 0)
		return r;
	if (k.mv_size != TOKEN_ID_BYTES) {
		*found = 0;
		return ATK_ERR_CORRUPT;
	}
	if ((r = record_decode(v.mv_data, v.mv_size, rec)) != 0 ||
	    memcmp(rec->id, k.mv_data, TOKEN_ID_BYTES) != 0) {
		record_free(rec);
		*found = 0;
		return r != 0 ? r : ATK_ERR_CORRUPT;
	}
	return 0;
}

int
store_lookup_digest_near(struct store_txn *t, const unsigned char *digest,
    unsigned char *id, int *found)
{
	MDB_val k, v;
	int r;

	memset(id, 0, TOKEN_ID_BYTES);
	if ((r = get_near(t, t->st->digests, digest, STORE_DIGEST_BYTES, &k,
	    &v, found)) != 0)
		return r;
	if (v.mv_size != TOKEN_ID_BYTES) {
		*found = 0;
		return ATK_ERR_CORRUPT;
	}
	memcpy(id, v.mv_data, TOKEN_ID_BYTES);
	return 0;
}

int
store_user_has_tokens(struct store_txn *t, const char *user)
{
	unsigned char ukey[USER_KEY_BYTES];
	MDB_cursor *cur = NULL;
	struct record rec;
	MDB_val k, v;
	int rc, r;

	if (user == NULL || user[0] == '\0')
		return 0;
	if ((r = store_user_key(t->st, user, ukey)) != 0)
		return r;
	if ((rc = mdb_cursor_open(t->txn, t->st->users, &cur)) != 0)
		return store_rc(rc);
	k = store_val(ukey, sizeof(ukey));
	/* Every token under this key, until one is really the user's. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != TOKEN_ID_BYTES) {
			r = ATK_ERR_CORRUPT;
			goto out;
		}
		if ((r = store_get(t, v.mv_data, &rec)) != 0) {
			if (r == ATK_ERR_NOTFOUND)
				r = ATK_ERR_CORRUPT;
			goto out;
		}
		r = strcmp(rec.user, user) == 0;
		record_free(&rec);
		if (r == 1)
			goto out;
	}
	r = rc == MDB_NOTFOUND ? 0 : store_rc(rc);
 out:
	mdb_cursor_close(cur);
	return r;
}

int
store_touch(struct store_txn *t, const unsigned char *id, int64_t when,
    const char *from)
{
	unsigned char buf[USAGE_HEAD + USAGE_HOST_MAX];
	uint64_t u = (uint64_t)when;
	size_t n = from == NULL ? 0 : strnlen(from, USAGE_HOST_MAX + 1);
	MDB_val k, v;
	int i;

	if (t->rdonly || n > USAGE_HOST_MAX || when < 0)
		return ATK_ERR_INVAL;
	buf[0] = USAGE_VERSION;
	for (i = 0; i < 8; i++)
		buf[1 + i] = (unsigned char)(u >> (56 - 8 * i));
	if (n > 0)
		memcpy(buf + USAGE_HEAD, from, n);
	k = store_val(id, TOKEN_ID_BYTES);
	v = store_val(buf, USAGE_HEAD + n);
	return put(t, t->st->usage, &k, &v, 0);
}

int
store_usage(struct store_txn *t, const unsigned char *id, int64_t *when,
    char **from)
{
	const unsigned char *p;
	MDB_val k = store_val(id, TOKEN_ID_BYTES), v;
	uint64_t u = 0;
	size_t n;
	int rc, i;

	*when = 0;
	*from = NULL;
	if ((rc = mdb_get(t->txn, t->st->usage, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_rc(rc);
	p = v.mv_data;
	if (v.mv_size < 1)
		return ATK_ERR_CORRUPT;
	if (p[0] > USAGE_VERSION)
		return ATK_ERR_SCHEMA;
	if (p[0] != USAGE_VERSION || v.mv_size < USAGE_HEAD ||
	    v.mv_size > USAGE_HEAD + USAGE_HOST_MAX)
		return ATK_ERR_CORRUPT;
	n = v.mv_size - USAGE_HEAD;
	if (memchr(p + USAGE_HEAD, '\0', n) != NULL)
		return ATK_ERR_CORRUPT;
	for (i = 0; i < 8; i++)
		u = u << 8 | p[1 + i];
	if (u > INT64_MAX)
		return ATK_ERR_CORRUPT;
	if ((*from = malloc(n + 1)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(*from, p + USAGE_HEAD, n);
	(*from)[n] = '\0';
	*when = (int64_t)u;
	return 0;
}
