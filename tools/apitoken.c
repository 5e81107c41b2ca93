/*
 * apitoken: create, list, rotate, revoke and verify API tokens in the
 * LMDB store that pam_apitoken.so reads (SPEC sections 5 and 10).
 *
 * This file holds main(), the command table and the helpers the commands
 * share; each command lives in its own function in the other tools/
 * apitoken_*.c files and parses its own options.
 */
#include "config.h"


#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apitoken.h"
#include "error.h"
#include "escape.h"
#include "nocore.h"
#include "opterr.h"
#include "record.h"
#include "store.h"
#include "token.h"

struct command {
	const char	*name;
	int		(*fn)(struct ctx *, int, char **);
	const char	*synopsis;
	const char	*options;	/* What each option does, for --help. */
};

#define PROG		"apitoken"
/* After "Permission denied" on the default store, for a user not root. */
#define ROOT_STORE_HINT	" (root's store: run apitoken as root, or use " \
	"--db PATH for a store of your own)"
/* What create's and import's options do. */
#define CREATE_OPTIONS \
	"  --name N         a unique name (required)\n" \
	"  --user U         the user it logs in as (default sa-<id>)\n" \
	"  --role R         Administrator, User (default) or another's role\n" \
	"  --policy P       a policy it carries (a PAM service: sshd); " \
	"repeatable\n" \
	"  --from CIDR      a network it may log in from; repeatable\n" \
	"  --expires WHEN   a duration (P90D), a date (2027-06-30) or never\n" \
	"  --description D  one line of text\n" \
	"  --parent ID|NAME the token making it: no more than its parent\n" \
	"  --new-role       allow a role no token has yet\n" \
	"  -q, --quiet      print the token alone\n"
/* How far a mistyped command may be from a real one to be suggested. */
#define CMD_CLOSE	2
/* Longest command name, for "apitoken COMMAND" in getopt's messages. */
#define CMD_NAME_MAX	16
#define CMD_NAME_CHARS	"abcdefghijklmnopqrstuvwxyz-"

static const struct command commands[] = {
	{ "init", cmd_init, "init [--prefix P] [--user-prefix P] [-q]",
	    "  --prefix P       tokens begin with P_ (default atk)\n"
	    "  --user-prefix P  default users are P<id> (default sa-)\n"
	    "  -q, --quiet      do not say what was made\n" },
	{ "create", cmd_create, "create --name N [--user U] [--role R] "
	    "[--policy P]... [--from CIDR]...\n"
	    "\t[--expires DUR|DATE|never] [--description D] "
	    "[--parent ID|NAME] [--new-role]\n"
	    "\t[--format native|base64] [-q]", CREATE_OPTIONS
	    "  --format F       native (default), or base64: 16 random bytes "
	    "as Keptn's\n" },
	{ "list", cmd_list, "list [-o table|json] [--user U] [--role R] "
	    "[--expired|--active] [--expiring DUR]\n"
	    "\t[--local]",
	    "  -o, --output F   table (default) or json, one object a line\n"
	    "  --user U         only tokens that log in as U\n"
	    "  --role R         only tokens of role R\n"
	    "  --expired        only expired tokens\n"
	    "  --active         only tokens that work (not revoked or "
	    "expired)\n"
	    "  --expiring DUR   only working tokens that expire within DUR "
	    "(P7D)\n"
	    "  --local          this store's own last use, not the fleet's\n" },
	{ "show", cmd_show, "show ID|NAME [-o table|json] [--local]",
	    "  -o, --output F   table (default) or json\n"
	    "  --local          this store's own last use, not the fleet's\n" },
	{ "regenerate", cmd_regenerate,
	    "regenerate ID|NAME [--grace DUR] [-q]",
	    "  --grace DUR      the old secret works DUR longer (P1D)\n"
	    "  -q, --quiet      print the new token alone\n" },
	{ "revoke", cmd_revoke, "revoke ID|NAME... [--reason TEXT] [-q] | "
	    "revoke --leaked [--reason TEXT] < TOKEN",
	    "  --reason TEXT    why, kept for audit\n"
	    "  --leaked         the token whose text is on standard input\n"
	    "  -q, --quiet      do not say what was revoked\n" },
	{ "delete", cmd_delete, "delete ID|NAME... [-q]",
	    "  -q, --quiet      do not say what was deleted\n" },
	{ "import", cmd_import, "import --name N [--user U] [--role R] "
	    "[--policy P]... [--from CIDR]...\n"
	    "\t[--expires DUR|DATE|never] [--description D] "
	    "[--parent ID|NAME] [--new-role] [-q] < TOKEN", CREATE_OPTIONS },
	{ "verify", cmd_verify, "verify --user U [--service S] "
	    "[--rhost HOST] [--role R] [--policy P] < TOKEN",
	    "  --user U         the user logging in\n"
	    "  --service S      the PAM service (sshd)\n"
	    "  --rhost HOST     the remote host, checked against --from\n"
	    "  --role R         the token must have role R\n"
	    "  --policy P       the token must carry P (service: the "
	    "service's name)\n"
	    "The token is read from standard input, or a prompt without "
	    "echo.\n" },
	{ "prune", cmd_prune, "prune [--older-than DUR] [-q]",
	    "  --older-than DUR revoked or expired longer ago than DUR "
	    "(default P30D)\n"
	    "  -q, --quiet      do not say how many were removed\n" },
	{ "export", cmd_export, "export [-o FILE]",
	    "  -o, --output F   write F, mode 0600, whole or not at all\n" },
	{ "restore", cmd_restore, "restore [--atomic] [-q] < FILE",
	    "  --atomic         swap a new store file in with one rename\n"
	    "  -q, --quiet      do not say how many were restored\n" },
	{ "publish", cmd_publish, "publish [--etcd URL[,URL...] [--prefix P] "
	    "[--cacert FILE] [--cert FILE] [--key FILE]] [-q]",
	    "  --etcd URL,...   the cluster's endpoints (http:// or https://)\n"
	    "  --prefix P       the keys' prefix (default /apitoken/v1/)\n"
	    "  --cacert FILE    the CA that signs the cluster's certificates\n"
	    "  --cert FILE      a client certificate\n"
	    "  --key FILE       its private key\n"
	    "  -q, --quiet      do not say what was written\n"
	    "Without --etcd: where the store publishes already.\n" },
	{ "fleet-key", cmd_fleet_key, "fleet-key", NULL },
	{ "status", cmd_status, "status [-o table|json] | status --forget "
	    "HOST...",
	    "  -o, --output F   table (default) or json\n"
	    "  --forget         remove the report and last uses of hosts gone "
	    "for good\n" },
	{ "config", cmd_config, "config [KEY [VALUE]] | config --unset KEY",
	    "  --unset KEY      remove a setting\n"
	    "Keys: default-lifetime, max-lifetime (a duration or never).\n" },
	{ "scan", cmd_scan, "scan [-r] [--revoke] [--imported] [FILE...]",
	    "  -r               read directories whole\n"
	    "  --revoke         revoke every token of this store found\n"
	    "  --imported       find imported tokens too (slower)\n" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

#define DB_PREFIX	"[--db PATH] "

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: %s %sCOMMAND [options]\n", PROG, DB_PREFIX);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "       %s %s%s\n", PROG, DB_PREFIX,
		    commands[i].synopsis);
	fprintf(fp, "       %s help [COMMAND]\n", PROG);
	fprintf(fp, "       %s -h | --help | --version\n", PROG);
}

static void
synopsis(FILE *fp, const char *name, int options)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0) {
			fprintf(fp, "usage: %s %s%s\n", PROG, DB_PREFIX,
			    commands[i].synopsis);
			if (options && commands[i].options != NULL)
				fprintf(fp, "\n%s", commands[i].options);
			return;
		}
	usage(fp);
}

int
usage_cmd(const char *name)
{
	synopsis(stderr, name, 0);
	return EXIT_USAGE;
}

int
help_cmd(const char *name)
{
	synopsis(stdout, name, 1);
	return fflush(stdout) == EOF ? 1 : 0;
}

/*
 * The one way an error names a value typed on the command line: a whole
 * token typed in the wrong place must not land on the terminal, in a CI
 * log or in a transcript, and control characters must not reach the
 * terminal raw.
 */
const char *
tool_shown(const char *value, struct shown *sh)
{
	char *esc;
	size_t n;

	if (escape_secretlike(value))
		return TOOL_SHOWN_SECRET;
	if ((esc = escape_text(value)) == NULL)
		return "(?)";
	n = strlen(esc);
	if (n > TOOL_SHOWN_MAX)
		(void)snprintf(sh->text, sizeof(sh->text), "\"%.*s...\"",
		    TOOL_SHOWN_MAX, esc);
	else
		(void)snprintf(sh->text, sizeof(sh->text), "\"%s\"", esc);
	free(esc);
	return sh->text;
}

/*
 * Why a duration option's value was refused, the same for every one
 * (--expires, --expiring, --grace, --older-than): the ISO 8601 spelling
 * of a "7d", "720h" or "30m" habit, else what a duration looks like.
 */
void
tool_duration_warn(const char *what, const char *s, int r)
{
	static const char units[] = "ywdhms";
	static const char *const iso[] = { "P", "P", "P", "PT", "PT", "PT" };
	struct shown sh;
	const char *u;
	size_t n = strspn(s, "0123456789");

	if (n > 0 && n <= TOOL_DURATION_DIGITS && s[n] != '\0' &&
	    s[n + 1] == '\0' && (u = strchr(units, s[n] | 0x20)) != NULL) {
		warnx("%s: bad duration %s: ISO 8601 spells it %s%.*s%c "
		    "(P1Y, P2W, P7D, PT12H, PT30M)", what, tool_shown(s, &sh),
		    iso[u - units], (int)n, s, *u - 'a' + 'A');
		return;
	}
	if (r == ATK_ERR_RANGE)
		warnx("%s: bad duration %s: it must end after now, not at "
		    "once", what, tool_shown(s, &sh));
	else if (r == ATK_ERR_OVERFLOW)
		warnx("%s: bad duration %s: too long", what,
		    tool_shown(s, &sh));
	else
		warnx("%s: bad duration %s: want ISO 8601, such as P1Y, P2W, "
		    "P7D, P1DT12H or PT30M", what, tool_shown(s, &sh));
}

/* The words of an error code; errno's own words for a system error. */
const char *
tool_strerror(int r)
{
	if (r == ATK_ERR_SYSTEM && errno != 0)
		return strerror(errno);
	return atk_strerror(r);
}

/*
 * One line about a store operation that failed: the file, what was being
 * done, and why: the words of the call that take one (why, LMDB's own
 * words for an LMDB failure), else those of the code.  why may be NULL.
 */
void
tool_store_warn(const struct ctx *ctx, const char *what, int r,
    const char *why)
{
	if (why != NULL && *why != '\0')
		warnx("%s: %s: %s", ctx->db, what, why);
	else
		warnx("%s: %s: %s", ctx->db, what, tool_strerror(r));
}

/*
 * What a user who is not root is told when the default store, root's, is
 * out of reach: a "Permission denied" alone suggests something is broken.
 * Asked of the file again, as the effective user, once the open failed.
 */
static const char *
denied_hint(const struct ctx *ctx)
{
	if (geteuid() == 0 || strcmp(ctx->db, STORE_DEFAULT_PATH) != 0 ||
	    faccessat(AT_FDCWD, ctx->db, R_OK, AT_EACCESS) == 0 ||
	    errno != EACCES)
		return "";
	return ROOT_STORE_HINT;
}

/*
 * One line about the store: its path and why, the path once when the
 * reason begins with it (the store's own words name the file).
 */
void
tool_why_warn(const struct ctx *ctx, const char *why, int r)
{
	size_t n = strlen(ctx->db);
	const char *hint;

	/* errno first: the hint's own look at the file changes it. */
	if (why[0] == '\0')
		why = tool_strerror(r);
	hint = denied_hint(ctx);
	if (strncmp(why, ctx->db, n) == 0 && why[n] == ':')
		warnx("%s%s", why, hint);
	else
		warnx("%s: %s%s", ctx->db, why, hint);
}

/*
 * Open the store, or say why not in one line; 0 or -1.  Every command
 * checks the path as the module does (STORE_CHECK_SAFE): a store that
 * someone else could swap or rewrite, or a symbolic link where the store
 * should be, is refused before a verifier is written into it or a record
 * read out of it.
 */
int
tool_open(const struct ctx *ctx, int flags, struct store **sp)
{
	char why[STORE_WHY_MAX];
	int r;

	errno = 0;
	why[0] = '\0';
	if ((r = store_open(ctx->db, flags | STORE_CHECK_SAFE, sp, why,
	    sizeof(why))) == 0)
		return 0;
	*sp = NULL;
	if (r == ATK_ERR_NOTFOUND)
		warnx("%s: no store here (apitoken init makes one)", ctx->db);
	else if (r == ATK_ERR_UNSAFE)
		warnx("%s: unsafe store, refused: %s", ctx->db,
		    why[0] != '\0' ? why : tool_strerror(r));
	else
		tool_why_warn(ctx, why, r);
	return -1;
}

/*
 * Open the store and begin a transaction on it (flags: STORE_RDONLY for
 * a read one, else 0), or say why not in one line; 0 or -1.  On -1 both
 * are NULL (the store closed).
 */
int
tool_open_txn(const struct ctx *ctx, int flags, struct store **sp,
    struct store_txn **txnp)
{
	char why[STORE_WHY_MAX];
	int r;

	*txnp = NULL;
	if (tool_open(ctx, flags, sp) != 0)
		return -1;
	errno = 0;
	why[0] = '\0';
	if ((r = store_txn_begin(*sp, flags & STORE_RDONLY, txnp, why,
	    sizeof(why))) != 0) {
		*txnp = NULL;
		tool_store_warn(ctx, flags & STORE_RDONLY ?
		    "read transaction" : "write transaction", r, why);
		store_close(*sp);
		*sp = NULL;
		return -1;
	}
	return 0;
}

/*
 * A token by id or name, or one line naming what was asked for: named only
 * when it is shaped like an id or a name, since a whole token pasted in
 * place of its id must not be printed back.
 */
int
tool_find(const struct ctx *ctx, struct store_txn *txn, const char *what,
    struct record *rec)
{
	unsigned char id[TOKEN_ID_BYTES];
	struct token tok;
	int r, whole;

	errno = 0;
	if ((r = store_find(txn, what, rec)) == 0)
		return 0;
	if (r == ATK_ERR_NOTFOUND) {
		/* A native token, or one with a typo in it. */
		r = token_parse(what, strlen(what), &tok);
		whole = r == TOKEN_NATIVE || r == ATK_ERR_CHECKSUM;
		token_clear(&tok);
		if (whole)
			warnx("that looks like a whole token (a secret): give "
			    "its id or its name");
		else if (token_id_parse(what, id) == 0 ||
		    (record_name_valid(what) && !escape_secretlike(what)))
			warnx("%s: no such token", what);
		else if (record_name_valid(what))
			warnx("no such token: %s", TOOL_SHOWN_SECRET);
		else
			warnx("no such token: not an id or a name");
	} else
		tool_store_warn(ctx, what, r, NULL);
	return -1;
}

/*
 * A user, role or policy as the record takes it, and no comma: lists of
 * them print with commas.
 */
int
tool_word_valid(const char *s)
{
	return record_word_valid(s) && strchr(s, ',') == NULL;
}

/*
 * A store path from --db or APITOKEN_DB: every message about the store
 * names it, so one that looks like a token is refused here, unsaid.
 */
static int
db_check(const char *path)
{
	if (*path == '\0') {
		warnx("--db: empty path");
		return -1;
	}
	if (escape_secretlike(path)) {
		warnx("--db: %s: a store path, not a token", TOOL_SHOWN_SECRET);
		return -1;
	}
	return 0;
}

/*
 * The edit distance of a and b (optimal string alignment: a swap of two
 * letters is one edit), up to CMD_NAME_MAX characters each.
 */
static size_t
distance(const char *a, const char *b)
{
	size_t d[CMD_NAME_MAX + 1][CMD_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, c;

	if (la > CMD_NAME_MAX || lb > CMD_NAME_MAX)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			/* Two letters swapped ("lsit") count as one. */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

/*
 * An unknown command in one line, with the closest one when one is close,
 * and not the whole usage.  Named only when it looks like a command: what
 * else lands here may be a token pasted in the wrong place.
 */
static int
unknown_command(const char *word)
{
	size_t i, d, n, alone = 0, best = SIZE_MAX, pick = 0;

	if (strlen(word) > CMD_NAME_MAX ||
	    strspn(word, CMD_NAME_CHARS) != strlen(word)) {
		warnx("unknown command (%s help lists them)", PROG);
		return EXIT_USAGE;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if ((d = distance(word, commands[i].name)) < best) {
			best = d;
			pick = i;
		}
	/* Else the beginning of one command alone ("ver"). */
	for (i = 0, n = 0; best > CMD_CLOSE && i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, word, strlen(word)) == 0) {
			n++;
			alone = i;
		}
	if (best > CMD_CLOSE && n == 1) {
		best = 0;
		pick = alone;
	}
	if (best <= CMD_CLOSE)
		warnx("%s: unknown command; did you mean %s?", word,
		    commands[pick].name);
	else
		warnx("%s: unknown command (%s help lists them)", word, PROG);
	return EXIT_USAGE;
}

/* "apitoken help [COMMAND]": the usage, or one command's --help. */
static int
help(int argc, char **argv)
{
	size_t i;

	if (argc > 2)
		return usage_cmd("help");
	if (argc == 1) {
		usage(stdout);
		return fflush(stdout) == EOF ? 1 : 0;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return help_cmd(argv[1]);
	return unknown_command(argv[1]);
}

/*
 * The global --db PATH (or --db=PATH) given after the command, the way
 * kubectl takes its global flags anywhere: taken out of argv before the
 * command parses its own options.  Up to a "--".  0 or -1.
 */
static int
db_after_command(struct ctx *ctx, int *argcp, char **argv)
{
	int i, j, argc = *argcp, take;
	const char *path;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; ) {
		if (strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= argc) {
				warnx("option --db needs a value");
				return -1;
			}
			path = argv[i + 1];
			take = 2;
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			path = argv[i] + 5;
			take = 1;
		} else {
			i++;
			continue;
		}
		if (db_check(path) != 0)
			return -1;
		ctx->db = path;
		for (j = i; j + take <= argc; j++)
			argv[j] = argv[j + take];
		argc -= take;
	}
	*argcp = argc;
	return 0;
}

enum { OPT_DB = 256, OPT_VERSION };

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	char prog[sizeof(PROG) + 1 + CMD_NAME_MAX];
	struct ctx ctx;
	const char *env;
	size_t i;
	int ch, n;

	no_core_dumps();
	/* opt_error() says what was wrong, never an option's value. */
	opterr = 0;
	memset(&ctx, 0, sizeof(ctx));
	env = getenv(STORE_ENV_VAR);
	ctx.db = (env != NULL && *env != '\0') ? env : STORE_DEFAULT_PATH;
	if (ctx.db == env && db_check(env) != 0)
		return EXIT_USAGE;

	/* "+": stop at the command; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			if (db_check(optarg) != 0) {
				usage(stderr);
				return EXIT_USAGE;
			}
			ctx.db = optarg;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == EOF ? 1 : 0;
		case OPT_VERSION:
			printf("%s (%s) %s\n", PROG, PACKAGE_NAME,
			    PACKAGE_VERSION);
			return fflush(stdout) == EOF ? 1 : 0;
		default:
			opt_error(PROG, ch, argv, longopts);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0)
		return help(argc, argv);
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == NCOMMANDS)
		return unknown_command(argv[0]);
	if (db_after_command(&ctx, &argc, argv) != 0) {
		usage_cmd(argv[0]);
		return EXIT_USAGE;
	}
	ctx.now = (int64_t)time(NULL);
	/* 0, not 1: glibc then starts the next getopt afresh. */
	optind = 0;
	n = snprintf(prog, sizeof(prog), "%s %s", PROG, argv[0]);
	if (n > 0 && (size_t)n < sizeof(prog))
		argv[0] = prog;
	return commands[i].fn(&ctx, argc, argv);
}
