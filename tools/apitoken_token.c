/*
 * The apitoken commands that make or change one token: init, create,
 * import, regenerate, revoke, delete, and verify, which checks one.
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
#include "cidr.h"
#include "duration.h"
#include "error.h"
#include "escape.h"
#include "opterr.h"
#include "random.h"
#include "record.h"
#include "rfc3339.h"
#include "store.h"
#include "token.h"
#include "verify.h"

/* A bare "YYYY-MM-DD" expiry means midnight UTC that day. */
#define DATE_LEN	10
#define MIDNIGHT	"T00:00:00Z"
/* "create NAME" for a message: a command and a name. */
#define CMD_WHAT_BUFSZ	(16 + RECORD_NAME_MAX + 2)

/* Options shared by create and import. */
struct create_opts {
	const char	*name;
	const char	*user;
	const char	*role;
	const char	*description;
	const char	*expires;
	const char	*parent;
	const char	**policies;
	size_t		 npolicies;
	const char	**from;
	size_t		 nfrom;
	int		 quiet;
	int		 new_role;	/* --new-role */
};

/* What an option parser returns when the command goes on. */
#define TOOL_CONTINUE	(-1)

enum {
	OPT_NAME = 256, OPT_USER, OPT_ROLE, OPT_POLICY, OPT_FROM, OPT_EXPIRES,
	OPT_DESCRIPTION, OPT_PARENT, OPT_PREFIX, OPT_GRACE, OPT_REASON,
	OPT_SERVICE, OPT_RHOST, OPT_USER_PREFIX, OPT_NEW_ROLE,
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
	if ((r = store_init(ctx->db, prefix, why, sizeof(why))) != 0) {
		if (r == ATK_ERR_EXISTS)
			warnx("%s: a store is already there", ctx->db);
		else
			tool_why_warn(ctx, why, r);
		return 1;
	}
	if (uprefix != NULL && init_user_prefix(ctx, uprefix) != 0)
		return 1;
	if (!quiet)
		fprintf(stderr, "Made the store %s: tokens %s_..., users "
		    "%s<id>.\n", ctx->db, prefix, uprefix != NULL ? uprefix :
		    TOOL_USER_PREFIX_DEFAULT);
	/* Made, but where the module will not read it: say so now. */
	if (store_check_path(ctx->db, geteuid(), why, sizeof(why)) ==
	    ATK_ERR_UNSAFE)
		warnx("%s: warning: pam_apitoken will refuse this store: %s",
		    ctx->db, why);
	return 0;
}

/* --- create and import ------------------------------------------------ */

static const struct option create_longopts[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "user", required_argument, NULL, OPT_USER },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "expires", required_argument, NULL, OPT_EXPIRES },
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ "parent", required_argument, NULL, OPT_PARENT },
	{ "new-role", no_argument, NULL, OPT_NEW_ROLE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
create_parse(const char *cmd, int argc, char **argv, struct create_opts *o)
{
	int ch;

	/* Never more policies or networks than arguments. */
	if ((o->policies = calloc(argc, sizeof(*o->policies))) == NULL ||
	    (o->from = calloc(argc, sizeof(*o->from))) == NULL) {
		oom();
		return 1;
	}
	while ((ch = getopt_long(argc, argv, ":hq", create_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_ROLE:
			o->role = optarg;
			break;
		case OPT_POLICY:
			o->policies[o->npolicies++] = optarg;
			break;
		case OPT_FROM:
			o->from[o->nfrom++] = optarg;
			break;
		case OPT_EXPIRES:
			o->expires = optarg;
			break;
		case OPT_DESCRIPTION:
			o->description = optarg;
			break;
		case OPT_PARENT:
			o->parent = optarg;
			break;
		case OPT_NEW_ROLE:
			o->new_role = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			return help_cmd(cmd);
		default:
			opt_error(argv[0], ch, argv, create_longopts);
			return usage_cmd(cmd);
		}
	}
	if (optind != argc)
		return usage_cmd(cmd);
	if (o->name == NULL) {
		warnx("%s: --name is required", cmd);
		return usage_cmd(cmd);
	}
	return TOOL_CONTINUE;
}

/*
 * 1 if s is a date of the calendar, whenever: duration_parse_expiry() says
 * ATK_ERR_RANGE both for "2027-13-01" and for a date in the past.
 */
static int
date_valid(const char *s)
{
	char buf[RFC3339_BUFSZ];
	int64_t t;
	int n;

	if (strlen(s) == DATE_LEN) {
		n = snprintf(buf, sizeof(buf), "%s%s", s, MIDNIGHT);
		if (n < 0 || (size_t)n >= sizeof(buf))
			return 0;
		s = buf;
	}
	return rfc3339_parse(s, &t) == 0;
}

/* Why an --expires value was refused, in the words of its kind. */
static void
expiry_warn(const char *cmd, const char *name, const char *s, int r)
{
	const char *kind = (s[0] >= '0' && s[0] <= '9') ? "date" : "expiry";
	struct shown sh;
	const char *v = tool_shown(s, &sh);
	char what[CMD_WHAT_BUFSZ];
	size_t n = strlen(s);

	/* A duration, or a "7d" habit: the words of every duration option. */
	if (s[0] == 'P' || (n > 1 && strspn(s, "0123456789") == n - 1)) {
		(void)snprintf(what, sizeof(what), "%s %s", cmd, name);
		tool_duration_warn(what, s, r);
		return;
	}
	if (r == ATK_ERR_RANGE && !date_valid(s))
		warnx("%s %s: bad date %s: a field is out of range", cmd,
		    name, v);
	else if (r == ATK_ERR_RANGE)
		warnx("%s %s: expiry %s is not in the future", cmd, name, v);
	else if (r == ATK_ERR_OVERFLOW)
		warnx("%s %s: expiry %s is past the year 9999", cmd, name, v);
	else
		warnx("%s %s: bad %s %s: want an ISO 8601 duration "
		    "(P1Y, P2W, PT30M), an RFC 3339 date or never", cmd, name,
		    kind, v);
}

/* A --from network, with a hint when host bits are set. */
static int
parse_net(const char *cmd, const char *name, const char *s, struct cidr *c)
{
	char net[CIDR_BUFSZ];
	struct shown sh;
	int r;

	if ((r = cidr_parse(s, c)) == 0)
		return 0;
	if (r == ATK_ERR_RANGE && cidr_format(c, net, sizeof(net)) == 0)
		warnx("%s %s: bad network %s: host bits set (did you "
		    "mean %s?)", cmd, name, tool_shown(s, &sh), net);
	else
		warnx("%s %s: bad network %s: want ADDRESS or "
		    "ADDRESS/LENGTH, IPv4 or IPv6", cmd, name,
		    tool_shown(s, &sh));
	return -1;
}

/* 1 if the list already holds the word. */
static int
has_word(char *const *list, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], w) == 0)
			return 1;
	return 0;
}

/* 1 if a --policy looks like a secret. */
static int
secretlike_policy(const struct create_opts *o)
{
	size_t i;

	for (i = 0; i < o->npolicies; i++)
		if (escape_secretlike(o->policies[i]))
			return 1;
	return 0;
}

/*
 * Check what the command line asks for and build the record from it.
 * Returns TOOL_CONTINUE, EXIT_USAGE for a bad value, or 1.
 */
static int
create_record(const struct ctx *ctx, const char *cmd,
    const struct create_opts *o, struct record *rec)
{
	unsigned char id[TOKEN_ID_BYTES];
	const char *role = o->role != NULL ? o->role : TOOL_ROLE_DEFAULT;
	struct shown sh;
	size_t i;
	int r;

	if (!record_name_valid(o->name)) {
		warnx("%s: bad name %s: at most %d letters, digits, '.', "
		    "'_' or '-', starting with a letter or digit", cmd,
		    tool_shown(o->name, &sh), RECORD_NAME_MAX);
		return EXIT_USAGE;
	}
	/* show, revoke and delete take an id or a name: keep them apart. */
	if (token_id_parse(o->name, id) == 0) {
		warnx("%s: bad name \"%s\": it looks like a token id", cmd,
		    o->name);
		return EXIT_USAGE;
	}
	/* Every later message names the token: never by a secret. */
	if (escape_secretlike(o->name)) {
		warnx("%s: bad name %s: a name, not a secret", cmd,
		    TOOL_SHOWN_SECRET);
		return EXIT_USAGE;
	}
	if ((o->user != NULL && escape_secretlike(o->user)) ||
	    escape_secretlike(role) || secretlike_policy(o)) {
		warnx("%s %s: bad user, role or policy %s: a word, not a "
		    "secret", cmd, o->name, TOOL_SHOWN_SECRET);
		return EXIT_USAGE;
	}
	if (o->user != NULL && !tool_word_valid(o->user)) {
		warnx("%s %s: bad user %s", cmd, o->name,
		    tool_shown(o->user, &sh));
		return EXIT_USAGE;
	}
	if (!tool_word_valid(role)) {
		warnx("%s %s: bad role %s", cmd, o->name,
		    tool_shown(role, &sh));
		return EXIT_USAGE;
	}
	if (o->description != NULL && !tool_text_valid(o->description)) {
		warnx("%s %s: bad description: one line of UTF-8 text of at "
		    "most %d bytes", cmd, o->name, RECORD_TEXT_MAX);
		return EXIT_USAGE;
	}
	if (o->npolicies > RECORD_POLICIES_MAX || o->nfrom > RECORD_FROM_MAX) {
		warnx("%s %s: at most %d policies and %d networks", cmd,
		    o->name, RECORD_POLICIES_MAX, RECORD_FROM_MAX);
		return EXIT_USAGE;
	}
	rec->created = ctx->now;
	if (o->expires != NULL && (r = duration_parse_expiry(o->expires,
	    ctx->now, &rec->expires)) != 0) {
		expiry_warn(cmd, o->name, o->expires, r);
		return EXIT_USAGE;
	}
	if (o->nfrom > 0 &&
	    (rec->from = calloc(o->nfrom, sizeof(*rec->from))) == NULL)
		goto nomem;
	for (; rec->nfrom < o->nfrom; rec->nfrom++)
		if (parse_net(cmd, o->name, o->from[rec->nfrom],
		    &rec->from[rec->nfrom]) != 0)
			return EXIT_USAGE;
	if (o->npolicies > 0 && (rec->policies = calloc(o->npolicies,
	    sizeof(*rec->policies))) == NULL)
		goto nomem;
	for (i = 0; i < o->npolicies; i++) {
		if (!tool_word_valid(o->policies[i])) {
			warnx("%s %s: bad policy %s", cmd, o->name,
			    tool_shown(o->policies[i], &sh));
			return EXIT_USAGE;
		}
		if (has_word(rec->policies, rec->npolicies, o->policies[i]))
			continue;
		if ((rec->policies[rec->npolicies] =
		    strdup(o->policies[i])) == NULL)
			goto nomem;
		rec->npolicies++;
	}
	if ((rec->name = strdup(o->name)) == NULL ||
	    (rec->role = strdup(role)) == NULL ||
	    (o->user != NULL && (rec->user = strdup(o->user)) == NULL) ||
	    (o->description != NULL &&
	    (rec->description = strdup(o->description)) == NULL))
		goto nomem;
	return TOOL_CONTINUE;
nomem:
	oom();
	return 1;
}

/*
 * The Direktiv rule, made visible: a child token never gets a policy its
 * parent lacks, nor a later expiry, and we say what was taken away.
 * Asking for no policy at all gets the parent's; asking only for policies
 * the parent lacks is refused, as is another user or role than the
 * parent's, which the child takes.
 */
static int
apply_parent(const struct ctx *ctx, const char *cmd, struct store_txn *txn,
    const struct create_opts *o, struct record *rec)
{
	struct record p;
	struct shown sh;
	char when[RFC3339_BUFSZ];
	size_t i, kept;
	int rv = -1;

	memset(&p, 0, sizeof(p));
	if (tool_find(ctx, txn, o->parent, &p) != 0)
		return -1;
	if (o->user != NULL && strcmp(o->user, p.user) != 0) {
		warnx("%s %s: user %s refused: a child token logs in as its "
		    "parent's user, %s", cmd, rec->name,
		    tool_shown(o->user, &sh), p.user);
		goto out;
	}
	if (o->role != NULL && strcmp(o->role, p.role) != 0) {
		warnx("%s %s: role %s refused: a child token has its parent's "
		    "role, %s", cmd, rec->name, tool_shown(o->role, &sh),
		    p.role);
		goto out;
	}
	free(rec->user);
	free(rec->role);
	if ((rec->user = strdup(p.user)) == NULL ||
	    (rec->role = strdup(p.role)) == NULL) {
		oom();
		goto out;
	}
	if (p.revoked != 0) {
		warnx("%s %s: parent %s is revoked", cmd, rec->name, p.name);
		goto out;
	}
	if (p.expires != 0 && p.expires <= ctx->now) {
		warnx("%s %s: parent %s has expired", cmd, rec->name, p.name);
		goto out;
	}
	if (rec->npolicies == 0 && p.npolicies > 0) {
		if ((rec->policies = calloc(p.npolicies,
		    sizeof(*rec->policies))) == NULL) {
			oom();
			goto out;
		}
		for (; rec->npolicies < p.npolicies; rec->npolicies++)
			if ((rec->policies[rec->npolicies] =
			    strdup(p.policies[rec->npolicies])) == NULL) {
				oom();
				goto out;
			}
	}
	for (i = kept = 0; i < rec->npolicies; i++) {
		if (record_has_policy(&p, rec->policies[i])) {
			rec->policies[kept++] = rec->policies[i];
			continue;
		}
		warnx("%s %s: policy %s dropped: parent %s does not have it",
		    cmd, rec->name, rec->policies[i], p.name);
		free(rec->policies[i]);
	}
	rec->npolicies = kept;
	if (o->npolicies > 0 && kept == 0) {
		warnx("%s %s: nothing left of the policies asked for: parent "
		    "%s has none of them", cmd, rec->name, p.name);
		goto out;
	}
	if (p.expires != 0 && (rec->expires == 0 || rec->expires > p.expires)) {
		if (rfc3339_format(p.expires, when, sizeof(when)) != 0)
			goto out;
		warnx("%s %s: expiry clamped to %s: parent %s expires then",
		    cmd, rec->name, when, p.name);
		rec->expires = p.expires;
	}
	rec->has_parent = 1;
	memcpy(rec->parent, p.id, sizeof(rec->parent));
	rv = 0;
out:
	record_free(&p);
	return rv;
}

static int
role_cb(const struct record *rec, void *arg)
{
	const char **role = arg;

	return strcmp(rec->role, *role) == 0;
}

/*
 * A role that is built in or that another token carries; anything else is
 * more likely a typo ("Adminstrator") than a new role, which role= would
 * refuse at every login: --new-role says it is meant.  0, or an exit
 * status after saying why.
 */
static int
role_known(const struct ctx *ctx, const char *cmd, struct store_txn *txn,
    const char *name, const char *role)
{
	struct shown sh;
	int r;

	if (strcmp(role, TOOL_ROLE_DEFAULT) == 0 ||
	    strcmp(role, TOOL_ROLE_ADMIN) == 0)
		return 0;
	errno = 0;
	if ((r = store_foreach(txn, role_cb, &role)) == 1)
		return 0;
	if (r != 0) {
		tool_store_warn(ctx, name, r, NULL);
		return 1;
	}
	warnx("%s %s: unknown role %s: not %s or %s, and no token has it "
	    "(--new-role to make it)", cmd, name, tool_shown(role, &sh),
	    TOOL_ROLE_ADMIN, TOOL_ROLE_DEFAULT);
	return EXIT_USAGE;
}

/*
 * The keyed verifier of a token's secret: of the secret bytes for a native
 * token, of the whole text for an imported one (found by its digest).
 */
static int
set_verifier(struct store *s, const struct token *tok, struct record *rec)
{
	return store_token_verifier(s, tok, rec->verifier);
}

/*
 * The store's user-prefix (TOOL_USER_PREFIX_DEFAULT when unset) and the id
 * in lower case, unless --user said otherwise.
 */
static int
default_user(struct store_txn *txn, struct record *rec)
{
	char id[TOKEN_ID_BUFSZ], *set = NULL;
	const char *prefix = TOOL_USER_PREFIX_DEFAULT;
	size_t i;
	int r;

	if (rec->user != NULL)
		return 0;
	if ((r = store_setting_get(txn, TOOL_SETTING_USER_PREFIX, &set)) == 0)
		prefix = set;
	else if (r != ATK_ERR_NOTFOUND)
		return r;
	token_id_format(rec->id, id);
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] >= 'A' && id[i] <= 'Z')
			id[i] = (char)(id[i] - 'A' + 'a');
	r = asprintf(&rec->user, "%s%s", prefix, id) < 0 ? ATK_ERR_NOMEM : 0;
	if (r != 0)
		rec->user = NULL;
	free(set);
	return r;
}

/*
 * An imported text: refuse what could never log in, and take a native
 * token of this store's prefix (from another host, say) by its id.
 */
static int
import_token(const char *cmd, struct store *s, struct store_txn *txn,
    const char *text, size_t len, struct token *tok, struct record *rec)
{
	unsigned char digest[STORE_DIGEST_BYTES], id[TOKEN_ID_BYTES];
	char idtext[TOKEN_ID_BUFSZ];
	struct record other;
	int r;

	if (len < TOKEN_IMPORT_MIN) {
		warnx("%s %s: token shorter than %d characters: too weak to "
		    "import", cmd, rec->name, TOKEN_IMPORT_MIN);
		return -1;
	}
	if ((r = token_parse(text, len, tok)) == ATK_ERR_CHECKSUM) {
		warnx("%s %s: token has the native shape but a bad checksum "
		    "(a typo?)", cmd, rec->name);
		return -1;
	}
	if (r < 0) {
		warnx("%s %s: token is not %d to %d printable ASCII "
		    "characters", cmd, rec->name, TOKEN_IMPORT_MIN,
		    TOKEN_MAX_LEN);
		return -1;
	}
	if (tok->kind == TOKEN_NATIVE) {
		if (strcmp(tok->prefix, store_prefix(s)) != 0) {
			warnx("%s %s: token is a native one of prefix %s, not "
			    "this store's %s: it could never log in here", cmd,
			    rec->name, tok->prefix, store_prefix(s));
			return -1;
		}
		memset(&other, 0, sizeof(other));
		if ((r = store_get(txn, tok->id, &other)) == 0) {
			warnx("%s %s: that token is already in the store as "
			    "%s", cmd, rec->name, other.name);
			record_free(&other);
			return -1;
		}
		if (r != ATK_ERR_NOTFOUND)
			goto fail;
		memcpy(rec->id, tok->id, sizeof(rec->id));
		return 0;
	}
	if ((r = store_digest(s, text, len, digest)) != 0)
		goto fail;
	r = store_lookup_digest(txn, digest, id);
	explicit_bzero(digest, sizeof(digest));
	if (r == 0) {
		token_id_format(id, idtext);
		warnx("%s %s: that token is already in the store (id %s)",
		    cmd, rec->name, idtext);
		return -1;
	}
	if (r != ATK_ERR_NOTFOUND || (r = random_buf(rec->id,
	    sizeof(rec->id))) != 0)
		goto fail;
	rec->imported = 1;
	return 0;
fail:
	warnx("%s %s: %s", cmd, rec->name, tool_strerror(r));
	return -1;
}

/*
 * Commit, then write the token out.  A token whose value could not be
 * written (a full disk, a closed pipe) is not kept: undo, a second write
 * transaction, takes the change back (removes a new token, puts back the
 * record before a regenerate).  text is NULL for an import.  0 or -1.
 */
static int
commit_token(const struct ctx *ctx, struct store *s, struct store_txn **txnp,
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
static void
announce(const char *verb, const struct record *rec, int secret, int quiet)
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

static int
create_common(struct ctx *ctx, const char *cmd, int argc, char **argv,
    int import)
{
	struct create_opts o;
	struct record rec;
	struct token tok;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	char text[TOKEN_NATIVE_BUFSZ], in[TOOL_TOKEN_BUFSZ];
	size_t inlen = 0;
	int rv, r;

	memset(&o, 0, sizeof(o));
	memset(&rec, 0, sizeof(rec));
	memset(&tok, 0, sizeof(tok));
	memset(text, 0, sizeof(text));
	if ((rv = create_parse(cmd, argc, argv, &o)) != TOOL_CONTINUE ||
	    (rv = create_record(ctx, cmd, &o, &rec)) != TOOL_CONTINUE)
		goto out;
	rv = 1;
	if (import && tool_read_token(cmd, in, sizeof(in), &inlen) != 0)
		goto out;
	if (tool_open_txn(ctx, 0, &s, &txn) != 0)
		goto out;
	if (o.parent != NULL &&
	    apply_parent(ctx, cmd, txn, &o, &rec) != 0)
		goto out;
	if (o.parent == NULL && !o.new_role &&
	    (rv = role_known(ctx, cmd, txn, rec.name, rec.role)) != 0)
		goto out;
	rv = 1;
	if (import) {
		if (import_token(cmd, s, txn, in, inlen, &tok, &rec) != 0)
			goto out;
	} else {
		if ((r = token_generate(store_prefix(s), &tok, text,
		    sizeof(text))) != 0) {
			warnx("%s %s: %s", cmd, rec.name, tool_strerror(r));
			goto out;
		}
		memcpy(rec.id, tok.id, sizeof(rec.id));
	}
	if ((r = set_verifier(s, &tok, &rec)) != 0 ||
	    (r = default_user(txn, &rec)) != 0) {
		warnx("%s %s: %s", cmd, rec.name, tool_strerror(r));
		goto out;
	}
	errno = 0;
	if ((r = store_put(txn, &rec, 0)) != 0) {
		if (r == ATK_ERR_EXISTS)
			warnx("%s: a token of that name exists", rec.name);
		else
			tool_store_warn(ctx, rec.name, r, NULL);
		goto out;
	}
	if (commit_token(ctx, s, &txn, &rec, import ? NULL : text,
	    strlen(text), NULL) != 0)
		goto out;
	announce(import ? "imported" : "created", &rec, !import, o.quiet);
	rv = 0;
out:
	store_txn_abort(txn);
	store_close(s);
	token_clear(&tok);
	explicit_bzero(text, sizeof(text));
	explicit_bzero(in, sizeof(in));
	record_free(&rec);
	free(o.policies);
	free(o.from);
	return rv;
}

int
cmd_create(struct ctx *ctx, int argc, char **argv)
{
	return create_common(ctx, "create", argc, argv, 0);
}

int
cmd_import(struct ctx *ctx, int argc, char **argv)
{
	return create_common(ctx, "import", argc, argv, 1);
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
	/* What an undo puts back (commit_token()). */
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
	/* The old secret works during the grace period, and no longer. */
	if (until > ctx->now) {
		rec.old_until = until;
		memcpy(rec.old_verifier, rec.verifier, sizeof(rec.verifier));
	} else {
		rec.old_until = 0;
		explicit_bzero(rec.old_verifier, sizeof(rec.old_verifier));
	}
	if ((r = token_regenerate(store_prefix(s), rec.id, &tok, text,
	    sizeof(text))) != 0 || (r = set_verifier(s, &tok, &rec)) != 0) {
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
	if (commit_token(ctx, s, &txn, &rec, text, strlen(text), &old) != 0)
		goto out;
	announce("regenerated", &rec, 1, quiet);
	if (!quiet && rec.old_until != 0 &&
	    rfc3339_format(rec.old_until, when, sizeof(when)) == 0)
		fprintf(stderr, "The old secret works until %s.\n", when);
	else if (!quiet)
		fprintf(stderr, "The old secret no longer works.\n");
	rv = 0;
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
each_token(const struct ctx *ctx, char **names, int n, each_fn fn,
    const void *arg, const char *done, int quiet)
{
	struct record rec;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	char why[STORE_WHY_MAX], *list = NULL;
	size_t listsz = (size_t)n * (RECORD_NAME_MAX + 2) + 1;
	int i, r, rv = 1;

	memset(&rec, 0, sizeof(rec));
	if ((list = calloc(1, listsz)) == NULL) {
		oom();
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
	rv = 0;
out:
	store_txn_abort(txn);
	store_close(s);
	record_free(&rec);
	free(list);
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
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = NULL;
	int ch, quiet = 0;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_REASON:
			reason = optarg;
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
	if (optind >= argc)
		return usage_cmd("revoke");
	if (reason != NULL && !tool_text_valid(reason)) {
		warnx("revoke: bad reason: one line of UTF-8 text of at most "
		    "%d bytes", RECORD_TEXT_MAX);
		return EXIT_USAGE;
	}
	return each_token(ctx, argv + optind, argc - optind, revoke_one,
	    reason, "Revoked", quiet);
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
	return each_token(ctx, argv + optind, argc - optind, delete_one,
	    NULL, "Deleted", quiet);
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
	if (optind != argc)
		return usage_cmd("verify");
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
