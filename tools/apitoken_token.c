/*
 * The apitoken commands that make a store or change tokens: init,
 * regenerate, revoke, delete; and verify, which checks one.  create and
 * import are in apitoken_create.c; a new token goes out, once, the same
 * way for them and for regenerate (tool_commit_token()).
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apitoken.h"
#include "duration.h"
#include "error.h"
#include "opterr.h"
#include "record.h"
#include "rfc3339.h"
#include "store.h"
#include "token.h"
#include "verify.h"

enum {
	OPT_USER = 256, OPT_ROLE, OPT_POLICY, OPT_PREFIX, OPT_GRACE,
	OPT_REASON, OPT_SERVICE, OPT_RHOST, OPT_USER_PREFIX, OPT_LEAKED,
};

static void
oom(void)
{
	warnx("out of memory");
}

/*
 * A user-prefix that makes user names useradd takes (its default
 * NAME_REGEX, [a-z_][a-z0-9_-]*, and at most 32 characters) with any id
 * in lower case after it.
 */
static int
user_prefix_valid(const char *p)
{
	size_t n = strlen(p);

	return n >= 1 && n <= TOOL_USER_PREFIX_MAX &&
	    ((p[0] >= 'a' && p[0] <= 'z') || p[0] == '_') &&
	    strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Keep the user-prefix setting in the store just made. */
static int
init_user_prefix(const struct ctx *ctx, const char *uprefix)
{
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	char why[STORE_WHY_MAX];
	int r, rv = -1;

	if (tool_open_txn(ctx, 0, &s, &txn) != 0)
		return -1;
	if ((r = store_setting_put(txn, TOOL_SETTING_USER_PREFIX,
	    uprefix)) != 0) {
		tool_store_warn(ctx, TOOL_SETTING_USER_PREFIX, r, NULL);
		goto out;
	}
	r = store_txn_commit(txn, why, sizeof(why));
	txn = NULL;
	if (r != 0) {
		tool_store_warn(ctx, TOOL_SETTING_USER_PREFIX, r, why);
		goto out;
	}
	rv = 0;
out:
	store_txn_abort(txn);
	store_close(s);
	return rv;
}

int
cmd_init(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "user-prefix", required_argument, NULL, OPT_USER_PREFIX },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const settings[] = {
		SETTING_DEFAULT_LIFETIME, INIT_DEFAULT_LIFETIME, NULL
	};
	const char *prefix = TOKEN_PREFIX_DEFAULT, *uprefix = NULL;
	struct shown sh;
	char why[STORE_WHY_MAX];
	int ch, quiet = 0, r;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_PREFIX:
			prefix = optarg;
			break;
		case OPT_USER_PREFIX:
			uprefix = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("init");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("init");
		}
	}
	if (optind != argc)
		return usage_cmd("init");
	if (!token_prefix_valid(prefix)) {
		warnx("init: bad prefix %s: a lower-case letter, then at "
		    "most %d lower-case letters or digits", tool_shown(prefix, &sh),
		    TOKEN_PREFIX_MAX - 1);
		return EXIT_USAGE;
	}
	if (uprefix != NULL && !user_prefix_valid(uprefix)) {
		warnx("init: bad user prefix %s: a lower-case letter or '_', "
		    "then lower-case letters, digits, '_' or '-', at most %d "
		    "in all, so that it and a %d-character id make a user name "
		    "useradd takes", tool_shown(uprefix, &sh),
		    TOOL_USER_PREFIX_MAX, TOKEN_ID_CHARS);
		return EXIT_USAGE;
	}
	errno = 0;
	why[0] = '\0';
	if ((r = store_init_settings(ctx->db, prefix, settings, why,
	    sizeof(why))) != 0) {
		if (r == ATK_ERR_EXISTS)
			warnx("%s: a store is already there", ctx->db);
		else
			tool_why_warn(ctx, why, r);
		return 1;
	}
	if (uprefix != NULL && init_user_prefix(ctx, uprefix) != 0)
		return 1;
	if (!quiet) {
		fprintf(stderr, "Made the store %s: tokens %s_..., users "
		    "%s<id>.\n", ctx->db, prefix, uprefix != NULL ? uprefix :
		    TOOL_USER_PREFIX_DEFAULT);
		fprintf(stderr, "Tokens made without --expires expire after "
		    "%s (apitoken config %s DUR|never changes it).\n",
		    INIT_DEFAULT_LIFETIME, SETTING_DEFAULT_LIFETIME);
	}
	/* Made, but where the module will not read it: say so now. */
	if (store_check_path(ctx->db, geteuid(), why, sizeof(why)) ==
	    ATK_ERR_UNSAFE)
		warnx("%s: warning: pam_apitoken will refuse this store: %s",
		    ctx->db, why);
	return 0;
}

/*
 * Commit, then write the token out.  A token whose value could not be
 * written (a full disk, a closed pipe) is not kept: undo, a second write
 * transaction, takes the change back (removes a new token, puts back the
 * record before a regenerate).  text is NULL for an import.  0 or -1.
 */
int
tool_commit_token(const struct ctx *ctx, struct store *s, struct store_txn **txnp,
    const struct record *rec, const char *text, size_t len,
    const struct record *undo)
{
	struct store_txn *txn = NULL;
	char why[STORE_WHY_MAX];
	int r;

	why[0] = '\0';
	errno = 0;
	r = store_txn_commit(*txnp, why, sizeof(why));
	*txnp = NULL;
	if (r != 0) {
		tool_store_warn(ctx, rec->name, r, why);
		return -1;
	}
	if (text == NULL || tool_write_secret(text, len) == 0)
		return 0;
	warn("%s: standard output", rec->name);
	errno = 0;
	if ((r = store_txn_begin(s, 0, &txn, why, sizeof(why))) != 0 ||
	    (r = undo != NULL ? store_put(txn, undo, STORE_REPLACE) :
	    store_delete(txn, rec->id)) != 0 ||
	    (r = store_txn_commit(txn, why, sizeof(why))) != 0) {
		if (r != 0 && txn != NULL)
			store_txn_abort(txn);
		warnx("%s: %s: %s: cannot take the change back: the token "
		    "was not shown", ctx->db, rec->name,
		    why[0] != '\0' ? why : tool_strerror(r));
	}
	return -1;
}

/* After the commit: what the token is, and that it is shown once. */
void
tool_announce(const char *verb, const struct record *rec, int secret, int quiet)
{
	char id[TOKEN_ID_BUFSZ], when[RFC3339_BUFSZ];

	if (quiet)
		return;
	token_id_format(rec->id, id);
	if (rec->expires == 0)
		strlcpy(when, DURATION_NEVER, sizeof(when));
	else if (rfc3339_format(rec->expires, when, sizeof(when)) != 0)
		strlcpy(when, "?", sizeof(when));
	fprintf(stderr, "Token %s %s: id %s, user %s, role %s, expires %s.\n",
	    rec->name, verb, id, rec->user, rec->role, when);
	if (secret)
		fprintf(stderr, "Copy it now: it is not stored and will never "
		    "be shown again.\n");
}

/* --- commands on one existing token ---------------------------------- */

/*
 * Open the store for writing and find the token the command names.
 * 0, or -1 after saying why.
 */
static int
open_token(const struct ctx *ctx, const char *cmd, const char *what,
    struct store **sp, struct store_txn **txnp, struct record *rec)
{
	if (tool_open_txn(ctx, 0, sp, txnp) != 0)
		return -1;
	return tool_find(ctx, *txnp, what, rec);
}

int
cmd_regenerate(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "grace", required_argument, NULL, OPT_GRACE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct duration d;
	struct record rec, old;
	struct token tok;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	char text[TOKEN_NATIVE_BUFSZ], when[RFC3339_BUFSZ];
	const char *grace = NULL;
	int64_t until = 0;
	int ch, quiet = 0, rv = 1, r;

	memset(&rec, 0, sizeof(rec));
	memset(&old, 0, sizeof(old));
	memset(&tok, 0, sizeof(tok));
	memset(text, 0, sizeof(text));
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_GRACE:
			grace = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("regenerate");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("regenerate");
		}
	}
	if (optind + 1 != argc)
		return usage_cmd("regenerate");
	if (grace != NULL && ((r = duration_parse(grace, &d)) != 0 ||
	    (r = duration_add(ctx->now, &d, &until)) != 0)) {
		tool_duration_warn("regenerate --grace", grace, r);
		return EXIT_USAGE;
	}
	if (open_token(ctx, "regenerate", argv[optind], &s, &txn, &rec) != 0)
		goto out;
	/* What an undo puts back (tool_commit_token()). */
	if ((r = record_copy(&rec, &old)) != 0) {
		warnx("regenerate %s: %s", rec.name, tool_strerror(r));
		goto out;
	}
	if (rec.imported) {
		warnx("%s: an imported token has no secret of ours to "
		    "regenerate: delete it and create or import another",
		    rec.name);
		goto out;
	}
	if (rec.revoked != 0) {
		warnx("%s: revoked: create a new token instead", rec.name);
		goto out;
	}
	if (tool_lifetime_check(ctx, "regenerate", txn, &rec) != 0)
		goto out;
	/* The old secret works during the grace period, and no longer. */
	if (until > ctx->now) {
		rec.old_until = until;
		memcpy(rec.old_verifier, rec.verifier, sizeof(rec.verifier));
	} else {
		rec.old_until = 0;
		explicit_bzero(rec.old_verifier, sizeof(rec.old_verifier));
	}
	if ((r = token_regenerate(store_prefix(s), rec.id, &tok, text,
	    sizeof(text))) != 0 || (r = store_token_verifier(s, &tok,
	    rec.verifier)) != 0) {
		warnx("regenerate %s: %s", rec.name,
		    tool_strerror(r));
		goto out;
	}
	errno = 0;
	if ((r = store_put(txn, &rec, STORE_REPLACE)) != 0) {
		tool_store_warn(ctx, rec.name, r, NULL);
		goto out;
	}
	/* As create: a new secret that could not be written is not kept. */
	if (tool_commit_token(ctx, s, &txn, &rec, text, strlen(text), &old) != 0)
		goto out;
	tool_announce("regenerated", &rec, 1, quiet);
	if (!quiet && rec.old_until != 0 &&
	    rfc3339_format(rec.old_until, when, sizeof(when)) == 0)
		fprintf(stderr, "The old secret works until %s.\n", when);
	else if (!quiet)
		fprintf(stderr, "The old secret no longer works.\n");
	rv = tool_publish(ctx, "regenerate", s, rec.id, 1);
out:
	store_txn_abort(txn);
	store_close(s);
	token_clear(&tok);
	explicit_bzero(text, sizeof(text));
	record_free(&rec);
	record_free(&old);
	return rv;
}

/* What revoke or delete does to one token in the write transaction. */
typedef int (*each_fn)(const struct ctx *, struct store_txn *,
    struct record *, const void *);

/*
 * Apply fn to every token names gives, in one write transaction: all of
 * them or, when one is not there or cannot be changed, none.  Then one
 * line on stderr, unless quiet: "<done> N tokens: a, b."
 */
static int
each_token(const struct ctx *ctx, const char *cmd, char **names, int n,
    each_fn fn, const void *arg, const char *done, int quiet)
{
	struct record rec;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	char why[STORE_WHY_MAX], *list = NULL;
	unsigned char *ids = NULL;
	size_t listsz = (size_t)n * (RECORD_NAME_MAX + 2) + 1;
	int i, r, rv = 1;

	memset(&rec, 0, sizeof(rec));
	if ((list = calloc(1, listsz)) == NULL ||
	    (ids = calloc((size_t)n, TOKEN_ID_BYTES)) == NULL) {
		oom();
		free(list);
		return 1;
	}
	if (tool_open_txn(ctx, 0, &s, &txn) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (tool_find(ctx, txn, names[i], &rec) != 0 ||
		    fn(ctx, txn, &rec, arg) != 0)
			goto out;
		if (i > 0)
			strlcat(list, ", ", listsz);
		strlcat(list, rec.name, listsz);
		memcpy(ids + (size_t)i * TOKEN_ID_BYTES, rec.id,
		    TOKEN_ID_BYTES);
		record_free(&rec);
		memset(&rec, 0, sizeof(rec));
	}
	why[0] = '\0';
	errno = 0;
	r = store_txn_commit(txn, why, sizeof(why));
	txn = NULL;
	if (r != 0) {
		tool_store_warn(ctx, "commit", r, why);
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "%s %d token%s: %s.\n", done, n,
		    n == 1 ? "" : "s", list);
	rv = tool_publish(ctx, cmd, s, ids, (size_t)n);
out:
	store_txn_abort(txn);
	store_close(s);
	record_free(&rec);
	free(list);
	free(ids);
	return rv;
}

static int
revoke_one(const struct ctx *ctx, struct store_txn *txn, struct record *rec,
    const void *arg)
{
	const char *reason = arg;
	int r;

	if (rec->revoked != 0) {
		warnx("%s: already revoked", rec->name);
		return -1;
	}
	rec->revoked = ctx->now;
	if (reason != NULL && (rec->revoke_reason = strdup(reason)) == NULL) {
		oom();
		return -1;
	}
	errno = 0;
	if ((r = store_put(txn, rec, STORE_REPLACE)) != 0) {
		tool_store_warn(ctx, rec->name, r, NULL);
		return -1;
	}
	return 0;
}

int
cmd_revoke(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "leaked", no_argument, NULL, OPT_LEAKED },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = NULL;
	int ch, leaked = 0, quiet = 0;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_REASON:
			reason = optarg;
			break;
		case OPT_LEAKED:
			leaked = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("revoke");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("revoke");
		}
	}
	if (leaked ? optind != argc : optind >= argc)
		return usage_cmd("revoke");
	if (reason != NULL && !tool_text_valid(reason)) {
		warnx("revoke: bad reason: one line of UTF-8 text of at most "
		    "%d bytes", RECORD_TEXT_MAX);
		return EXIT_USAGE;
	}
	/* The token whose text is on standard input (apitoken_scan.c). */
	if (leaked)
		return tool_revoke_leaked(ctx, reason);
	return each_token(ctx, "revoke", argv + optind, argc - optind,
	    revoke_one, reason, "Revoked", quiet);
}

static int
delete_one(const struct ctx *ctx, struct store_txn *txn, struct record *rec,
    const void *arg)
{
	int r;

	errno = 0;
	if ((r = store_delete(txn, rec->id)) != 0) {
		tool_store_warn(ctx, rec->name, r, NULL);
		return -1;
	}
	return 0;
}

int
cmd_delete(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, quiet = 0;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("delete");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("delete");
		}
	}
	if (optind >= argc)
		return usage_cmd("delete");
	return each_token(ctx, "delete", argv + optind, argc - optind,
	    delete_one, NULL, "Deleted", quiet);
}

/* --- verify ------------------------------------------------------------ */

int
cmd_verify(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "service", required_argument, NULL, OPT_SERVICE },
		{ "rhost", required_argument, NULL, OPT_RHOST },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct verify_request req;
	struct verify_result res;
	struct store *s = NULL;
	char buf[TOOL_TOKEN_BUFSZ], why[STORE_WHY_MAX];
	size_t len;
	int ch, rv = 1, r;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_USER:
			req.user = optarg;
			break;
		case OPT_SERVICE:
			req.service = optarg;
			break;
		case OPT_RHOST:
			req.rhost = optarg;
			break;
		case OPT_ROLE:
			req.role = optarg;
			break;
		case OPT_POLICY:
			req.policy = optarg;
			break;
		case 'h':
			return help_cmd("verify");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("verify");
		}
	}
	/*
	 * A word after the options is most likely the token itself: say
	 * where it goes, and never print it back.
	 */
	if (optind != argc) {
		warnx("verify: %s", TOOL_TOKEN_ON_STDIN);
		return EXIT_USAGE;
	}
	if (req.user == NULL) {
		warnx("verify: --user is required");
		return usage_cmd("verify");
	}
	/* As the module's policy=service: the service name is the policy. */
	if (req.policy != NULL && strcmp(req.policy, "service") == 0) {
		if (req.service == NULL) {
			warnx("verify: --policy service needs --service");
			return usage_cmd("verify");
		}
		req.policy = req.service;
	}
	req.now = ctx->now;
	/* The module refuses an unsafe store: say so before it does. */
	errno = 0;
	why[0] = '\0';
	if ((r = store_check_path(ctx->db, geteuid(), why, sizeof(why))) ==
	    ATK_ERR_UNSAFE) {
		warnx("%s: unsafe store, apitokend would refuse it: %s",
		    ctx->db, why);
		return 1;
	}
	if (tool_read_token("verify", buf, sizeof(buf), &len) != 0)
		goto out;
	if (tool_open(ctx, STORE_RDONLY | STORE_CHECK_SAFE, &s) != 0)
		goto out;
	errno = 0;
	if ((r = verify_token(s, buf, len, &req, &res)) != 0) {
		tool_store_warn(ctx, "verify", r, NULL);
		goto out;
	}
	if (res.reason != VERIFY_OK) {
		warnx("verify: token %s%s%s refused: %s", res.id,
		    res.name != NULL ? " " : "",
		    res.name != NULL ? res.name : "",
		    verify_reason_str(res.reason));
		goto out;
	}
	printf("token %s %s accepted for user %s, role %s\n", res.id,
	    res.name != NULL ? res.name : "", req.user,
	    res.role != NULL ? res.role : "");
	rv = fflush(stdout) == EOF ? 1 : 0;
out:
	explicit_bzero(buf, sizeof(buf));
	verify_result_free(&res);
	store_close(s);
	return rv;
}
