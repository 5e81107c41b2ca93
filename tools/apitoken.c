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
#include <getopt.h>
#include <readpassphrase.h>
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
};

#define PROG		"apitoken"
/* Longest command name, for "apitoken COMMAND" in getopt's messages. */
#define CMD_NAME_MAX	16
#define CMD_NAME_CHARS	"abcdefghijklmnopqrstuvwxyz-"

static const struct command commands[] = {
	{ "init", cmd_init, "init [--prefix P] [--user-prefix P]" },
	{ "create", cmd_create, "create --name N [--user U] [--role R] "
	    "[--policy P]... [--from CIDR]...\n"
	    "\t[--expires DUR|DATE|never] [--description D] "
	    "[--parent ID|NAME] [--new-role] [-q]" },
	{ "list", cmd_list, "list [-o table|json] [--user U] [--role R] "
	    "[--expired|--active] [--expiring DUR]" },
	{ "show", cmd_show, "show ID|NAME [-o table|json]" },
	{ "regenerate", cmd_regenerate,
	    "regenerate ID|NAME [--grace DUR] [-q]" },
	{ "revoke", cmd_revoke, "revoke ID|NAME [--reason TEXT]" },
	{ "delete", cmd_delete, "delete ID|NAME" },
	{ "import", cmd_import, "import --name N [--user U] [--role R] "
	    "[--policy P]... [--from CIDR]...\n"
	    "\t[--expires DUR|DATE|never] [--description D] "
	    "[--parent ID|NAME] [--new-role] [-q] < TOKEN" },
	{ "verify", cmd_verify, "verify --user U [--service S] "
	    "[--rhost HOST] [--role R] [--policy P]" },
	{ "prune", cmd_prune, "prune [--older-than DUR]" },
	{ "export", cmd_export, "export [-o FILE]" },
	{ "restore", cmd_restore, "restore [--atomic] < FILE" },
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
	fprintf(fp, "       %s -h | --help | --version\n", PROG);
}

static void
synopsis(FILE *fp, const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0) {
			fprintf(fp, "usage: %s %s%s\n", PROG, DB_PREFIX,
			    commands[i].synopsis);
			return;
		}
	usage(fp);
}

int
usage_cmd(const char *name)
{
	synopsis(stderr, name);
	return EXIT_USAGE;
}

int
help_cmd(const char *name)
{
	synopsis(stdout, name);
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
 * One line about the store: its path and why, the path once when the
 * reason begins with it (the store's own words name the file).
 */
void
tool_why_warn(const struct ctx *ctx, const char *why, int r)
{
	size_t n = strlen(ctx->db);

	if (why[0] == '\0')
		warnx("%s: %s", ctx->db, tool_strerror(r));
	else if (strncmp(why, ctx->db, n) == 0 && why[n] == ':')
		warnx("%s", why);
	else
		warnx("%s: %s", ctx->db, why);
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

/* Read all of fd into buf; -1 with errno, or -2 when it does not fit. */
static ssize_t
read_all(int fd, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;

	while (off < size) {
		n = read(fd, buf + off, size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return (ssize_t)off;
		off += (size_t)n;
	}
	return -2;
}

/*
 * A token from standard input (one line, the newline optional), or from a
 * prompt without echo when standard input is a terminal.  Never argv: it
 * would show in ps(1) and in shell history.  The caller wipes buf.
 */
int
tool_read_token(const char *cmd, char *buf, size_t size, size_t *lenp)
{
	ssize_t n;
	size_t len;

	*lenp = 0;
	if (isatty(STDIN_FILENO)) {
		if (readpassphrase(TOOL_PROMPT, buf, size,
		    RPP_ECHO_OFF | RPP_REQUIRE_TTY) == NULL) {
			warn("%s: cannot read the token", cmd);
			return -1;
		}
		len = strlen(buf);
	} else {
		if ((n = read_all(STDIN_FILENO, buf, size - 1)) == -1) {
			warn("%s: standard input", cmd);
			return -1;
		}
		if (n == -2) {
			warnx("%s: token longer than %d characters", cmd,
			    TOKEN_MAX_LEN);
			return -1;
		}
		len = (size_t)n;
		buf[len] = '\0';
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
	}
	if (len == 0) {
		warnx("%s: no token on standard input", cmd);
		return -1;
	}
	if (len > TOKEN_MAX_LEN) {
		warnx("%s: token longer than %d characters", cmd,
		    TOKEN_MAX_LEN);
		return -1;
	}
	if (memchr(buf, '\n', len) != NULL) {
		warnx("%s: more than one line on standard input", cmd);
		return -1;
	}
	*lenp = len;
	return 0;
}

/*
 * A secret and a newline straight to standard output with write(2), so no
 * copy of it stays in a stdio buffer.
 */
int
tool_write_secret(const char *s, size_t len)
{
	const char *p = s;
	size_t left = len + 1;
	ssize_t n;

	if (fflush(stdout) == EOF)
		return -1;
	while (left > 0) {
		if (left == 1)
			n = write(STDOUT_FILENO, "\n", 1);
		else
			n = write(STDOUT_FILENO, p, left - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (left > 1)
			p += n;
		left -= (size_t)n;
	}
	return 0;
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
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == NCOMMANDS) {
		/*
		 * Named only when it looks like a command: what else lands
		 * here may be a token pasted in the wrong place.
		 */
		if (strlen(argv[0]) <= CMD_NAME_MAX &&
		    strspn(argv[0], CMD_NAME_CHARS) == strlen(argv[0]))
			warnx("%s: unknown command", argv[0]);
		else
			warnx("unknown command");
		usage(stderr);
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
