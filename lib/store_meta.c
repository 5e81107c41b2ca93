/*
 * Settings kept in the store's meta database beside its schema, prefix and
 * key: the store-wide words an admin or a program sets once (where the
 * store publishes, the revision a host has applied, lifetimes).  Each is
 * the meta key "set." followed by its name, so no setting can overwrite
 * the schema, the prefix or the key, and store_reset() (a plain restore)
 * keeps them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store.h"
#include "store_int.h"

#define SETTING_MARK		"set."
#define SETTING_MARK_LEN	(sizeof(SETTING_MARK) - 1)

/* A name: 1..STORE_SETTING_NAME_MAX of [a-z0-9.-], a letter first. */
int
store_setting_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > STORE_SETTING_NAME_MAX || name[0] < 'a' ||
	    name[0] > 'z')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789.-",
		    name[i]) == NULL)
			return 0;
	return 1;
}

static void
setting_key(const char *name, char *buf)
{
	memcpy(buf, SETTING_MARK, SETTING_MARK_LEN);
	strcpy(buf + SETTING_MARK_LEN, name);
}

/* A value: text without NUL, at most STORE_SETTING_MAX bytes. */
static int
value_ok(const void *p, size_t n)
{
	return n <= STORE_SETTING_MAX && memchr(p, '\0', n) == NULL;
}

int
store_setting_get(struct store_txn *t, const char *name, char **valuep)
{
	char kbuf[SETTING_MARK_LEN + STORE_SETTING_NAME_MAX + 1];
	MDB_val k, v;
	char *s;
	int rc;

	*valuep = NULL;
	if (!store_setting_name_valid(name))
		return ATK_ERR_INVAL;
	setting_key(name, kbuf);
	k = store_str_val(kbuf);
	if ((rc = mdb_get(t->txn, t->st->meta, &k, &v)) != 0)
		return store_rc(rc);
	if (!value_ok(v.mv_data, v.mv_size))
		return ATK_ERR_CORRUPT;
	if ((s = malloc(v.mv_size + 1)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(s, v.mv_data, v.mv_size);
	s[v.mv_size] = '\0';
	*valuep = s;
	return 0;
}

int
store_setting_put(struct store_txn *t, const char *name, const char *value)
{
	char kbuf[SETTING_MARK_LEN + STORE_SETTING_NAME_MAX + 1];
	MDB_val k, v;
	int rc;

	if (t->rdonly || !store_setting_name_valid(name) ||
	    (value != NULL && !value_ok(value, strlen(value))))
		return ATK_ERR_INVAL;
	setting_key(name, kbuf);
	k = store_str_val(kbuf);
	if (value == NULL) {
		rc = mdb_del(t->txn, t->st->meta, &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : store_rc(rc);
	}
	v = store_str_val(value);
	return store_rc(mdb_put(t->txn, t->st->meta, &k, &v, 0));
}

int
store_setting_foreach(struct store_txn *t,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	char name[STORE_SETTING_NAME_MAX + 1], *value;
	MDB_cursor *c;
	MDB_val k = store_str_val(SETTING_MARK), v;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(t->txn, t->st->meta, &c)) != 0)
		return store_rc(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size <= SETTING_MARK_LEN ||
		    memcmp(k.mv_data, SETTING_MARK, SETTING_MARK_LEN) != 0)
			break;
		if (k.mv_size - SETTING_MARK_LEN > STORE_SETTING_NAME_MAX ||
		    !value_ok(v.mv_data, v.mv_size)) {
			r = ATK_ERR_CORRUPT;
			break;
		}
		memcpy(name, (char *)k.mv_data + SETTING_MARK_LEN,
		    k.mv_size - SETTING_MARK_LEN);
		name[k.mv_size - SETTING_MARK_LEN] = '\0';
		if (!store_setting_name_valid(name)) {
			r = ATK_ERR_CORRUPT;
			break;
		}
		if ((value = malloc(v.mv_size + 1)) == NULL) {
			r = ATK_ERR_NOMEM;
			break;
		}
		memcpy(value, v.mv_data, v.mv_size);
		value[v.mv_size] = '\0';
		r = cb(name, value, arg);
		free(value);
		if (r != 0)
			break;
	}
	mdb_cursor_close(c);
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = store_rc(rc);
	return r;
}

/* For store_gen_commit(): the settings of from that to does not have. */
struct carry {
	struct store_txn *to;
};

static int
carry_cb(const char *name, const char *value, void *arg)
{
	struct carry *c = arg;
	char *have;
	int r;

	if ((r = store_setting_get(c->to, name, &have)) == 0) {
		free(have);
		return 0;
	}
	if (r != ATK_ERR_NOTFOUND)
		return r;
	return store_setting_put(c->to, name, value);
}

int
store_settings_carry(struct store_txn *from, struct store_txn *to)
{
	struct carry c = { to };

	return store_setting_foreach(from, carry_cb, &c);
}
