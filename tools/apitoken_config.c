/*
 * apitoken config: the store-wide policy settings (issue 15), and the
 * checks the commands that set an expiry make against them.
 *
 *	default-lifetime	the expiry of a token made without --expires
 *	max-lifetime		no token may be made to live longer
 *
 * Both are an ISO 8601 duration or "never"; unset means "never", so a
 * store made before these settings behaves as it did.  They live in the
 * store's meta (store_setting_get/put) and travel in an export's header
 * as "settings"; the fleet's own settings ("fleet.*") are never shown,
 * exported or changed here.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apitoken.h"
#include "duration.h"
#include "error.h"
#include "opterr.h"
#include "rfc3339.h"
#include "store.h"

static const char *const policy_keys[] = {
	SETTING_DEFAULT_LIFETIME,
	SETTING_MAX_LIFETIME,
};
#define NPOLICY_KEYS	(sizeof(policy_keys) / sizeof(policy_keys[0]))

enum { OPT_UNSET = 256 };

/* 1 if name is one of the settings this command knows. */
int
tool_setting_known(const char *name)
{
	size_t i;

	for (i = 0; i < NPOLICY_KEYS; i++)
		if (strcmp(name, policy_keys[i]) == 0)
			return 1;
	return 0;
}

/*
 * The time a lifetime ends when it starts now: *until = 0 for "never".
 * ATK_ERR_SYNTAX for a value that is no lifetime (a zero duration
 * included: a token would be born expired), ATK_ERR_OVERFLOW past 9999.
 */
static int
lifetime_until(const char *value, int64_t now, int64_t *until)
{
	struct duration d;
	int r;

	*until = 0;
	if (strcmp(value, DURATION_NEVER) == 0)
		return 0;
	if ((r = duration_parse(value, &d)) != 0 ||
	    (r = duration_add(now, &d, until)) != 0)
		return r;
	if (*until <= now) {
		*until = 0;
		return ATK_ERR_SYNTAX;
	}
	return 0;
}

/* 1 if a ends later than b, ends taken as lifetime_until() gives them. */
static int
later(int64_t a, int64_t b)
{
	if (a == 0)
		return b != 0;
	return b != 0 && a > b;
}

/* A setting's value, "never" when unset; 0 or an ATK_ERR_* code. */
static int
setting_value(struct store_txn *txn, const char *name, char **valuep)
{
	int r;

	if ((r = store_setting_get(txn, name, valuep)) == ATK_ERR_NOTFOUND) {
		if ((*valuep = strdup(DURATION_NEVER)) == NULL)
			return ATK_ERR_NOMEM;
		return 0;
	}
	return r;
}

/*
 * The latest expiry the store allows a token made now (*until, 0 when
 * max-lifetime is never or unset) and the max-lifetime itself (*maxp,
 * allocated).  0, or -1 after saying why.
 */
static int
max_until(const struct ctx *ctx, struct store_txn *txn, int64_t *until,
    char **maxp)
{
	int r;

	*until = 0;
	*maxp = NULL;
	if ((r = setting_value(txn, SETTING_MAX_LIFETIME, maxp)) != 0) {
		tool_store_warn(ctx, SETTING_MAX_LIFETIME, r, NULL);
		return -1;
	}
	if (lifetime_until(*maxp, ctx->now, until) != 0) {
		warnx("%s: bad %s \"%s\" in the store (apitoken config %s "
		    "sets it)", ctx->db, SETTING_MAX_LIFETIME, *maxp,
		    SETTING_MAX_LIFETIME);
		free(*maxp);
		*maxp = NULL;
		return -1;
	}
	return 0;
}

/* The one line that refuses an expiry past max-lifetime. */
void
tool_lifetime_warn(const char *cmd, const char *name, int64_t expires,
    const char *max)
{
	char when[RFC3339_BUFSZ];

	if (expires == 0)
		warnx("%s %s: expiry never is past the store's %s %s", cmd,
		    name, SETTING_MAX_LIFETIME, max);
	else {
		if (rfc3339_format(expires, when, sizeof(when)) != 0)
			strlcpy(when, "?", sizeof(when));
		warnx("%s %s: expiry %s is past the store's %s %s", cmd, name,
		    when, SETTING_MAX_LIFETIME, max);
	}
}

/* Refuse an expiry past max-lifetime; 0, or -1 after saying why. */
static int
check_max(const struct ctx *ctx, const char *cmd, struct store_txn *txn,
    const char *name, int64_t expires)
{
	char *max = NULL;
	int64_t limit;
	int rv = -1;

	if (max_until(ctx, txn, &limit, &max) != 0)
		return -1;
	if (limit != 0 && later(expires, limit))
		tool_lifetime_warn(cmd, name, expires, max);
	else
		rv = 0;
	free(max);
	return rv;
}

/*
 * create and import: a record without --expires (explicit 0) gets the
 * store's default-lifetime, then any expiry past max-lifetime is refused.
 * 0, or -1 after saying why.
 */
int
tool_lifetime_apply(const struct ctx *ctx, const char *cmd,
    struct store_txn *txn, int explicit, struct record *rec)
{
	char *def = NULL;
	int r;

	if (!explicit) {
		if ((r = setting_value(txn, SETTING_DEFAULT_LIFETIME,
		    &def)) != 0) {
			tool_store_warn(ctx, SETTING_DEFAULT_LIFETIME, r, NULL);
			return -1;
		}
		r = lifetime_until(def, ctx->now, &rec->expires);
		if (r != 0)
			warnx("%s: bad %s \"%s\" in the store (apitoken config "
			    "%s sets it)", ctx->db, SETTING_DEFAULT_LIFETIME,
			    def, SETTING_DEFAULT_LIFETIME);
		free(def);
		if (r != 0)
			return -1;
	}
	return check_max(ctx, cmd, txn, rec->name, rec->expires);
}

/*
 * regenerate: a token that outlives max-lifetime gets no new secret.
 * 0, or -1 after saying why.
 */
int
tool_lifetime_check(const struct ctx *ctx, const char *cmd,
    struct store_txn *txn, const struct record *rec)
{
	return check_max(ctx, cmd, txn, rec->name, rec->expires);
}

/*
 * restore: the latest expiry the restored store allows (0: none), read
 * once after its settings are in place; 0, or -1 after saying why.
 */
int
tool_lifetime_limit(const struct ctx *ctx, struct store_txn *txn,
    int64_t *limit, char **maxp)
{
	return max_until(ctx, txn, limit, maxp);
}

/* 1 if a restored record lives past limit (a revoked one never does). */
int
tool_lifetime_past(const struct record *rec, int64_t limit)
{
	return limit != 0 && rec->revoked == 0 && later(rec->expires, limit);
}

/*
 * A value for a setting, and the pair default <= max kept: -1 after
 * saying why (the caller exits EXIT_USAGE), else 0.  other is the value
 * of the other lifetime ("never" when unset).
 */
static int
check_value(const struct ctx *ctx, const char *cmd, const char *name,
    const char *value, const char *other)
{
	int64_t mine, theirs;
	int r;

	if ((r = lifetime_until(value, ctx->now, &mine)) != 0) {
		if (r == ATK_ERR_OVERFLOW)
			warnx("%s: %s \"%s\": past the year 9999", cmd, name,
			    value);
		else
			warnx("%s: bad %s \"%s\": want an ISO 8601 duration "
			    "(P90D, P1Y, PT12H) or never", cmd, name, value);
		return -1;
	}
	/* A bad other value is the store's to report, not this one's. */
	if (other == NULL || lifetime_until(other, ctx->now, &theirs) != 0)
		return 0;
	if (strcmp(name, SETTING_DEFAULT_LIFETIME) == 0 &&
	    later(mine, theirs)) {
		warnx("%s: %s %s is longer than %s %s", cmd, name, value,
		    SETTING_MAX_LIFETIME, other);
		return -1;
	}
	if (strcmp(name, SETTING_MAX_LIFETIME) == 0 && later(theirs, mine)) {
		warnx("%s: %s %s is shorter than %s %s: change that first",
		    cmd, name, value, SETTING_DEFAULT_LIFETIME, other);
		return -1;
	}
	return 0;
}

/* The other lifetime's name. */
static const char *
other_key(const char *name)
{
	return strcmp(name, SETTING_DEFAULT_LIFETIME) == 0 ?
	    SETTING_MAX_LIFETIME : SETTING_DEFAULT_LIFETIME;
}

/*
 * The "settings" object of an export header: every policy setting as it
 * acts ("never" when unset), never the fleet's.  Every one, so that
 * restore --atomic, which carries the settings an export lacks from the
 * store it replaces (store_settings_carry()), gets exactly these.  NULL
 * when out of memory or unreadable.
 */
json_t *
tool_settings_json(struct store_txn *txn)
{
	json_t *o;
	char *v;
	size_t i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < NPOLICY_KEYS; i++) {
		if (setting_value(txn, policy_keys[i], &v) != 0 ||
		    json_object_set_new(o, policy_keys[i],
		    json_string(v)) != 0) {
			free(v);
			json_decref(o);
			return NULL;
		}
		free(v);
	}
	return o;
}

/*
 * An export header's "settings": every name known and every value good,
 * checked before the store is touched.  0, or -1 after saying why.
 */
int
tool_settings_check(const struct ctx *ctx, json_t *settings)
{
	const char *name, *def, *max;
	json_t *v;

	if (!json_is_object(settings)) {
		warnx("restore: line 1: bad settings: not an object");
		return -1;
	}
	json_object_foreach(settings, name, v) {
		if (!tool_setting_known(name)) {
			warnx("restore: line 1: unknown setting \"%s\"",
			    store_setting_name_valid(name) ? name : "?");
			return -1;
		}
		if (!json_is_string(v)) {
			warnx("restore: line 1: setting %s: not a string",
			    name);
			return -1;
		}
	}
	def = json_string_value(json_object_get(settings,
	    SETTING_DEFAULT_LIFETIME));
	max = json_string_value(json_object_get(settings,
	    SETTING_MAX_LIFETIME));
	if ((def != NULL && check_value(ctx, "restore: line 1",
	    SETTING_DEFAULT_LIFETIME, def, max) != 0) ||
	    (max != NULL && check_value(ctx, "restore: line 1",
	    SETTING_MAX_LIFETIME, max, def) != 0))
		return -1;
	return 0;
}

/*
 * In restore's write transaction: the policy settings become exactly
 * those of the export (checked by tool_settings_check()), one it does not
 * name "never", written out so that restore --atomic carries nothing over
 * it.  An export without settings (NULL, one written before them) changes
 * none.
 */
int
tool_settings_put(struct store_txn *txn, json_t *settings)
{
	const char *v;
	size_t i;
	int r;

	if (settings == NULL)
		return 0;
	for (i = 0; i < NPOLICY_KEYS; i++) {
		v = json_string_value(json_object_get(settings,
		    policy_keys[i]));
		if ((r = store_setting_put(txn, policy_keys[i],
		    v != NULL ? v : DURATION_NEVER)) != 0)
			return r;
	}
	return 0;
}

/*
 * restore --atomic of an export without settings: the policy settings of
 * the store it replaces, for the new generation (NULL when there is no
 * store or it cannot be read: store_gen_begin() then says why).
 */
json_t *
tool_settings_read(const struct ctx *ctx)
{
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	json_t *o = NULL;

	if (store_open(ctx->db, STORE_RDONLY | STORE_CHECK_SAFE, &s, NULL,
	    0) != 0)
		return NULL;
	if (store_txn_begin(s, STORE_RDONLY, &txn, NULL, 0) == 0)
		o = tool_settings_json(txn);
	store_txn_abort(txn);
	store_close(s);
	return o;
}

/* --- the command -------------------------------------------------------- */

/* Print one setting, or every one; 0 or 1. */
static int
config_show(const struct ctx *ctx, struct store_txn *txn, const char *only)
{
	char *v;
	size_t i;
	int r;

	for (i = 0; i < NPOLICY_KEYS; i++) {
		if (only != NULL && strcmp(only, policy_keys[i]) != 0)
			continue;
		if ((r = setting_value(txn, policy_keys[i], &v)) != 0) {
			tool_store_warn(ctx, policy_keys[i], r, NULL);
			return 1;
		}
		if (only != NULL)
			printf("%s\n", v);
		else
			printf("%s=%s\n", policy_keys[i], v);
		free(v);
	}
	return fflush(stdout) == EOF ? 1 : 0;
}

/* Set (value) or unset (NULL) one setting; 0, 1 or EXIT_USAGE. */
static int
config_set(const struct ctx *ctx, struct store_txn **txnp, const char *name,
    const char *value)
{
	char why[STORE_WHY_MAX], *other = NULL;
	int r;

	if ((r = setting_value(*txnp, other_key(name), &other)) != 0) {
		tool_store_warn(ctx, other_key(name), r, NULL);
		return 1;
	}
	/* Unset is never: check it against the other as never. */
	r = check_value(ctx, "config", name,
	    value != NULL ? value : DURATION_NEVER, other);
	free(other);
	if (r != 0)
		return EXIT_USAGE;
	errno = 0;
	if ((r = store_setting_put(*txnp, name, value)) != 0) {
		tool_store_warn(ctx, name, r, NULL);
		return 1;
	}
	r = store_txn_commit(*txnp, why, sizeof(why));
	*txnp = NULL;
	if (r != 0) {
		tool_store_warn(ctx, name, r, why);
		return 1;
	}
	return 0;
}

int
cmd_config(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unset", no_argument, NULL, OPT_UNSET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	char why[STORE_WHY_MAX];
	const char *name = NULL, *value = NULL;
	int ch, unset = 0, rv = 1, r, nargs;

	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_UNSET:
			unset = 1;
			break;
		case 'h':
			return help_cmd("config");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("config");
		}
	}
	nargs = argc - optind;
	if (nargs > 2 || (unset && nargs != 1))
		return usage_cmd("config");
	if (nargs >= 1)
		name = argv[optind];
	if (nargs == 2)
		value = argv[optind + 1];
	if (name != NULL && !tool_setting_known(name)) {
		/* Named only when it looks like a name: it may be a token. */
		if (store_setting_name_valid(name) &&
		    strncmp(name, "fleet.", 6) != 0)
			warnx("config: unknown setting \"%s\": want %s or %s",
			    name, SETTING_DEFAULT_LIFETIME,
			    SETTING_MAX_LIFETIME);
		else
			warnx("config: unknown setting: want %s or %s",
			    SETTING_DEFAULT_LIFETIME, SETTING_MAX_LIFETIME);
		return EXIT_USAGE;
	}
	if (tool_open(ctx, value != NULL || unset ? 0 : STORE_RDONLY,
	    &s) != 0)
		goto out;
	errno = 0;
	if ((r = store_txn_begin(s, value != NULL || unset ? 0 : STORE_RDONLY,
	    &txn, why, sizeof(why))) != 0) {
		txn = NULL;
		tool_store_warn(ctx, "transaction", r, why);
		goto out;
	}
	if (value != NULL || unset) {
		rv = config_set(ctx, &txn, name, value);
		/* The settings travel in the published meta. */
		if (rv == 0)
			rv = tool_publish(ctx, "config", s, NULL, 0);
	} else
		rv = config_show(ctx, txn, name);
out:
	store_txn_abort(txn);
	store_close(s);
	return rv;
}
