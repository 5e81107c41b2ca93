/*
 * The apitoken commands that make a token: create, and import, which
 * stores one that exists already; and what regenerate shares with them,
 * writing a new token out once and saying what it is.
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
#include "create.h"
#include "base64.h"
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

/* A bare "YYYY-MM-DD" expiry means midnight UTC that day. */
#define DATE_LEN	10
#define MIDNIGHT	"T00:00:00Z"
/* "create NAME" for a message: a command and a name. */
#define CMD_WHAT_BUFSZ	(16 + RECORD_NAME_MAX + 2)

/*
 * create --format: a native token (SPEC section 3), or Keptn's shape: 16
 * random bytes in standard base64, like "head -c 16 /dev/urandom | base64",
 * stored as an imported token is.
 */
#define FORMAT_NATIVE		0
#define FORMAT_BASE64		1
#define FORMAT_NATIVE_NAME	"native"
#define FORMAT_BASE64_NAME	"base64"
#define BASE64_TOKEN_BYTES	16

/* What an option parser returns when the command goes on. */
#define TOOL_CONTINUE	(-1)

enum {
	OPT_NAME = 256, OPT_USER, OPT_ROLE, OPT_POLICY, OPT_FROM, OPT_EXPIRES,
	OPT_DESCRIPTION, OPT_PARENT, OPT_NEW_ROLE, OPT_FORMAT,
};

static void
oom(void)
{
	warnx("out of memory");
}

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
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* A --format value of create: FORMAT_*, or -1 after saying why. */
static int
format_parse(const char *cmd, const char *v)
{
	struct shown sh;

	if (strcmp(cmd, "import") == 0) {
		warnx("import: --format: an imported token keeps the text it "
		    "has");
		return -1;
	}
	if (strcmp(v, FORMAT_NATIVE_NAME) == 0)
		return FORMAT_NATIVE;
	if (strcmp(v, FORMAT_BASE64_NAME) == 0)
		return FORMAT_BASE64;
	warnx("%s: --format: %s: want %s or %s", cmd, tool_shown(v, &sh),
	    FORMAT_NATIVE_NAME, FORMAT_BASE64_NAME);
	return -1;
}

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
		case OPT_FORMAT:
			if ((o->format = format_parse(cmd, optarg)) < 0)
				return EXIT_USAGE;
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
	if (optind != argc) {
		/* import's token goes to standard input: never print it. */
		if (strcmp(cmd, "import") == 0) {
			warnx("%s: %s", cmd, TOOL_TOKEN_ON_STDIN);
			return EXIT_USAGE;
		}
		return usage_cmd(cmd);
	}
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

/* Keptn's token: BASE64_TOKEN_BYTES random bytes in standard base64. */
static int
base64_token(char *text, size_t size)
{
	unsigned char raw[BASE64_TOKEN_BYTES];
	int r;

	if ((r = random_buf(raw, sizeof(raw))) == 0)
		r = base64_encode(raw, sizeof(raw), text, size, 0);
	explicit_bzero(raw, sizeof(raw));
	return r;
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
	/* The store's default-lifetime and max-lifetime (apitoken config). */
	if (tool_lifetime_apply(ctx, cmd, txn, o.expires != NULL, &rec) != 0 ||
	    (o.parent != NULL &&
	    create_apply_parent(ctx, cmd, txn, &o, &rec) != 0))
		goto out;
	if (o.parent == NULL && !o.new_role &&
	    (rv = create_role_known(ctx, cmd, txn, rec.name, rec.role)) != 0)
		goto out;
	rv = 1;
	if (!import && o.format == FORMAT_BASE64) {
		/* Made here, then stored as the import of that text. */
		if ((r = base64_token(text, sizeof(text))) != 0) {
			warnx("%s %s: %s", cmd, rec.name, tool_strerror(r));
			goto out;
		}
		if (import_token(cmd, s, txn, text, strlen(text), &tok,
		    &rec) != 0)
			goto out;
	} else if (import) {
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
	if (tool_commit_token(ctx, s, &txn, &rec, import ? NULL : text,
	    strlen(text), NULL) != 0)
		goto out;
	tool_announce(import ? "imported" : "created", &rec, !import, o.quiet);
	rv = tool_publish(ctx, cmd, s, rec.id, 1);
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

