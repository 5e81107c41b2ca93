/*
 * The apitoken admin tool: what its source files share.  Not a library:
 * these are the tool's own helpers, kept apart from lib/ because they
 * print and exit.
 */
#ifndef APITOKEN_TOOL_H
#define APITOKEN_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "record.h"
#include "store.h"

#define EXIT_USAGE		2
/* Said of a word after import's or verify's options: the token, likely. */
#define TOOL_TOKEN_ON_STDIN \
	"the token is read from standard input, not the command line"
/* A write kept in the store but not published to etcd. */
#define EXIT_UNPUBLISHED	3

/*
 * Token text read from stdin or a prompt: the longest token, CR, LF, one
 * byte more to see that a token is too long, and the NUL.
 */
#define TOOL_TOKEN_BUFSZ	(TOKEN_MAX_LEN + 4)
#define TOOL_PROMPT		"API token: "
#define TOOL_ROLE_DEFAULT	"User"
#define TOOL_ROLE_ADMIN		"Administrator"
/*
 * A new token's user unless --user: the store's "user-prefix" setting
 * (init --user-prefix), else "sa-", then the id in lower case.  The prefix
 * is a letter or "_", then letters, digits, "_" or "-", and short enough
 * for the user name to stay within useradd's 32 characters.
 */
#define TOOL_USER_PREFIX_DEFAULT "sa-"
#define TOOL_SETTING_USER_PREFIX "user-prefix"
#define TOOL_USER_NAME_MAX	32
#define TOOL_USER_PREFIX_MAX	(TOOL_USER_NAME_MAX - TOKEN_ID_CHARS)
/* prune keeps expired and revoked tokens this long for audit. */
#define TOOL_PRUNE_DEFAULT	"P30D"
/* The first line of an export. */
#define EXPORT_FORMAT		"apitoken-export"
#define EXPORT_VERSION		1
/* The store-wide policy settings (apitoken_config.c). */
#define SETTING_DEFAULT_LIFETIME	"default-lifetime"
#define SETTING_MAX_LIFETIME		"max-lifetime"
/* What init sets default-lifetime to. */
#define INIT_DEFAULT_LIFETIME		"P90D"

/* What every command gets. */
struct ctx {
	const char	*db;		/* Store path. */
	int64_t		 now;		/* One clock reading. */
};

/*
 * An option value as an error message may show it: quoted, escaped, cut
 * after TOOL_SHOWN_MAX bytes with "...", or not at all when it looks like
 * a secret (escape_secretlike()).
 */
#define TOOL_SHOWN_MAX		64
#define TOOL_SHOWN_SECRET	"(a value shaped like a token, not shown)"
struct shown {
	char	text[TOOL_SHOWN_MAX + sizeof("\"...\"")];
};

/* apitoken.c: messages and shared checks. */
const char *tool_shown(const char *, struct shown *);
/* A duration option's bad value: the hint every one of them gives. */
#define TOOL_DURATION_DIGITS	9
void	tool_duration_warn(const char *, const char *, int);
const char *tool_strerror(int);
void	tool_store_warn(const struct ctx *, const char *, int, const char *);
int	tool_open(const struct ctx *, int, struct store **);
int	tool_open_txn(const struct ctx *, int, struct store **,
	    struct store_txn **);
void	tool_why_warn(const struct ctx *, const char *, int);
int	tool_find(const struct ctx *, struct store_txn *, const char *,
	    struct record *);
int	tool_word_valid(const char *);
int	tool_text_valid(const char *);
int	tool_read_token(const char *, char *, size_t, size_t *);
int	tool_write_secret(const char *, size_t);

/*
 * apitoken_token.c: a new token out once and its commit (undone when it
 * could not be written), and what it is, on stderr.
 */
int	tool_commit_token(const struct ctx *, struct store *,
	    struct store_txn **, const struct record *, const char *, size_t,
	    const struct record *);
void	tool_announce(const char *, const struct record *, int, int);

/* apitoken_json.c: records to and from JSON objects. */
json_t	*json_from_record(const struct record *, int64_t, const char *,
	    int);
int	json_to_record(json_t *, struct record *, int64_t *, char **,
	    const char **);
int	json_print_line(json_t *);
char	*json_line(json_t *);
int	json_line_to_record(const char *, struct record *, int64_t *, char **,
	    const char **);
int	json_b64_encode(const unsigned char *, size_t, char *, size_t);
int	json_b64_decode(const char *, unsigned char *, size_t);

/*
 * apitoken_publish.c: after a write command's commit, publish the tokens
 * of ids (n of them, TOKEN_ID_BYTES each, any number; NULL: everything)
 * when the store publishes; 0, or EXIT_UNPUBLISHED after saying so.
 */
int	tool_publish(const struct ctx *, const char *, struct store *,
	    const unsigned char *, size_t);
/* apitoken_config.c: the policy settings and the lifetime checks. */
int	tool_setting_known(const char *);
int	tool_lifetime_apply(const struct ctx *, const char *,
	    struct store_txn *, int, struct record *);
int	tool_lifetime_check(const struct ctx *, const char *,
	    struct store_txn *, const struct record *);
int	tool_lifetime_limit(const struct ctx *, struct store_txn *,
	    int64_t *, char **);
int	tool_lifetime_past(const struct record *, int64_t);
void	tool_lifetime_warn(const char *, const char *, int64_t, const char *);
json_t	*tool_settings_json(struct store_txn *);
int	tool_settings_check(const struct ctx *, json_t *);
int	tool_settings_put(struct store_txn *, json_t *);
json_t	*tool_settings_read(const struct ctx *);

/* apitoken_scan.c: revoke --leaked. */
int	tool_revoke_leaked(struct ctx *, const char *);

/* The commands: each parses its own options and returns an exit status. */
int	cmd_config(struct ctx *, int, char **);
int	cmd_create(struct ctx *, int, char **);
int	cmd_delete(struct ctx *, int, char **);
int	cmd_export(struct ctx *, int, char **);
int	cmd_fleet_key(struct ctx *, int, char **);
int	cmd_import(struct ctx *, int, char **);
int	cmd_init(struct ctx *, int, char **);
int	cmd_list(struct ctx *, int, char **);
int	cmd_prune(struct ctx *, int, char **);
int	cmd_publish(struct ctx *, int, char **);
int	cmd_regenerate(struct ctx *, int, char **);
int	cmd_restore(struct ctx *, int, char **);
int	cmd_revoke(struct ctx *, int, char **);
int	cmd_scan(struct ctx *, int, char **);
int	cmd_show(struct ctx *, int, char **);
int	cmd_status(struct ctx *, int, char **);
int	cmd_verify(struct ctx *, int, char **);

/*
 * A command's synopsis: usage_cmd() to stderr, returns EXIT_USAGE;
 * help_cmd() to stdout for -h/--help, returns 0.
 */
int	usage_cmd(const char *);
int	help_cmd(const char *);

#endif /* APITOKEN_TOOL_H */
