/*
 * apitoken export and restore: the whole store as JSON lines, for backups
 * and for moving tokens to another host.
 *
 * The first line describes the store: {"format":"apitoken-export",
 * "version":1,"schema":1,"prefix":"atk","key":"<base64>","exported":
 * "<RFC 3339>","count":N,"settings":{"default-lifetime":"P90D"}}.  The
 * key travels because the verifiers are keyed with it: without it no
 * restored token would verify.  "settings" holds every policy setting
 * (apitoken_config.c; an export made before them has none, and restores
 * none).  Then one object per token (apitoken_json.c), verifiers only,
 * never a secret.
 */
#include "config.h"

#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apitoken.h"
#include "error.h"
#include "opterr.h"
#include "outfile.h"
#include "record.h"
#include "rfc3339.h"
#include "store.h"
#include "token.h"

#define KEY_B64_BUFSZ	64
#define LOCK_SUFFIX	"-lock"
/* "restore: line N:" */
#define RESTORE_WHAT_BUFSZ	48

/* What the export callback needs. */
struct export_ctx {
	struct store_txn *txn;
	struct outfile	*of;		/* -o FILE, or NULL: stdout. */
	size_t		 n;
	int		 err;		/* ATK_ERR_*, 1: write error */
};

/* One line of the export, to -o's file or standard output; 0 or -1. */
static int
export_put(struct export_ctx *e, json_t *o)
{
	char *line;
	int r;

	if (e->of == NULL)
		return json_print_line(o);
	if ((line = json_line(o)) == NULL)
		return -1;
	r = outfile_write(e->of, line, strlen(line)) != 0 ||
	    outfile_write(e->of, "\n", 1) != 0 ? -1 : 0;
	/* The header holds the store's key. */
	explicit_bzero(line, strlen(line));
	free(line);
	return r;
}

/*
 * An export holds the store's HMAC key: refuse to write it to a regular
 * file that group or others may read ("export > tokens.jsonl" under
 * umask 022).  0 or -1 after saying why.
 */
static int
stdout_private(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
		return 0;
	warnx("export: standard output is a file that group or others may "
	    "read (mode %04o), and an export holds the store's key: use "
	    "export -o FILE (made 0600), or chmod 600 the file first",
	    (unsigned)(st.st_mode & 07777));
	return -1;
}

static int
count_cb(const struct record *rec, void *arg)
{
	struct export_ctx *e = arg;

	e->n++;
	return 0;
}

static int
export_cb(const struct record *rec, void *arg)
{
	struct export_ctx *e = arg;
	json_t *o;
	char *from = NULL;
	int64_t used = 0;

	if ((e->err = store_usage(e->txn, rec->id, &used, &from)) != 0)
		return 1;
	o = json_from_record(rec, used, from, 1);
	free(from);
	if (o == NULL) {
		e->err = ATK_ERR_NOMEM;
		return 1;
	}
	if (export_put(e, o) != 0)
		e->err = 1;
	json_decref(o);
	return e->err != 0;
}

static json_t *
export_header(struct store *s, struct store_txn *txn, size_t count,
    int64_t now)
{
	unsigned char key[STORE_KEY_BYTES];
	char b64[KEY_B64_BUFSZ], when[RFC3339_BUFSZ];
	json_t *o = NULL, *settings;

	if (store_get_key(s, key) != 0 ||
	    json_b64_encode(key, sizeof(key), b64, sizeof(b64)) != 0 ||
	    rfc3339_format(now, when, sizeof(when)) != 0 ||
	    (settings = tool_settings_json(txn)) == NULL)
		goto out;
	o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:I, s:o}",
	    "format", EXPORT_FORMAT, "version", EXPORT_VERSION,
	    "schema", RECORD_SCHEMA, "prefix", store_prefix(s), "key", b64,
	    "exported", when, "count", (json_int_t)count,
	    "settings", settings);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(b64, sizeof(b64));
	return o;
}

int
cmd_export(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct export_ctx e;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	json_t *head = NULL;
	const char *file = NULL, *where = "standard output";
	char why[STORE_WHY_MAX];
	int ch, rv = 1, r;

	memset(&e, 0, sizeof(e));
	while ((ch = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			file = optarg;
			break;
		case 'h':
			return help_cmd("export");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("export");
		}
	}
	if (optind != argc || (file != NULL && *file == '\0'))
		return usage_cmd("export");
	if (file != NULL && strcmp(file, OUTFILE_STDOUT) != 0) {
		where = file;
		/* Made 0600, whole or not at all, over an older export. */
		errno = 0;
		if ((r = outfile_open(file, 1, &e.of)) != 0) {
			if (r == ATK_ERR_SYSTEM)
				warn("export: %s", file);
			else
				warnx("export: %s: %s", file, atk_strerror(r));
			return 1;
		}
	}
	if (tool_open(ctx, STORE_RDONLY, &s) != 0 ||
	    (e.of == NULL && stdout_private() != 0))
		goto out;
	errno = 0;
	/* One read transaction: the export is one consistent snapshot. */
	if ((r = store_txn_begin(s, STORE_RDONLY, &txn, why,
	    sizeof(why))) != 0) {
		txn = NULL;
		goto fail;
	}
	e.txn = txn;
	if ((r = store_foreach(txn, count_cb, &e)) != 0)
		goto fail;
	if ((head = export_header(s, txn, e.n, ctx->now)) == NULL) {
		warnx("export: %s: cannot read the store's key or settings",
		    ctx->db);
		goto out;
	}
	if (export_put(&e, head) != 0)
		goto wfail;
	if ((r = store_foreach(txn, export_cb, &e)) != 0)
		goto fail;
	if (e.err == 1)
		goto wfail;
	if ((r = e.err) != 0)
		goto fail;
	if (fflush(stdout) == EOF)
		goto wfail;
	if (e.of != NULL) {
		r = outfile_commit(e.of);
		e.of = NULL;
		if (r != 0)
			goto wfail;
	}
	rv = 0;
	goto out;
wfail:
	warn("export: %s", where);
	goto out;
fail:
	tool_store_warn(ctx, "export", r, why);
out:
	outfile_abort(e.of);
	json_decref(head);
	store_txn_abort(txn);
	store_close(s);
	return rv;
}

/*
 * The header line of an export: checked before the store is touched.
 * *settings: its "settings" (a new reference), NULL when it has none.
 */
static int
restore_header(const struct ctx *ctx, const char *line, char *prefix,
    size_t prefixsz, unsigned char *key, json_int_t *count,
    json_t **settings)
{
	json_error_t jerr;
	json_t *o, *set = NULL;
	const char *format = NULL, *p = NULL, *k = NULL, *when = NULL;
	json_int_t version = 0, schema = 0;
	int rv = -1;

	if ((o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		warnx("restore: line 1: not JSON: %s", jerr.text);
		return -1;
	}
	if (json_unpack_ex(o, &jerr, JSON_STRICT,
	    "{s:s, s:I, s:I, s:s, s:s, s?s, s:I, s?o}", "format", &format,
	    "version", &version, "schema", &schema, "prefix", &p, "key", &k,
	    "exported", &when, "count", count, "settings", &set) != 0 ||
	    strcmp(format, EXPORT_FORMAT) != 0) {
		warnx("restore: line 1: not an apitoken export header");
		goto out;
	}
	if (version > EXPORT_VERSION || schema > RECORD_SCHEMA) {
		warnx("restore: export written by a newer apitoken (version "
		    "%lld, schema %lld): refused", (long long)version,
		    (long long)schema);
		goto out;
	}
	if (version < 1 || schema < 1 || *count < 0) {
		warnx("restore: line 1: bad version, schema or count");
		goto out;
	}
	if (!token_prefix_valid(p) ||
	    strlcpy(prefix, p, prefixsz) >= prefixsz) {
		warnx("restore: line 1: bad prefix");
		goto out;
	}
	if (json_b64_decode(k, key, STORE_KEY_BYTES) != 0) {
		warnx("restore: line 1: bad key");
		goto out;
	}
	if (set != NULL && tool_settings_check(ctx, set) != 0)
		goto out;
	*settings = json_incref(set);
	rv = 0;
out:
	json_decref(o);
	return rv;
}

/*
 * One token line into the open write transaction; limit: the latest
 * expiry max-lifetime allows (0: none), max its words.
 */
static int
restore_line(const char *line, size_t lineno, struct store_txn *txn,
    int64_t limit, const char *max)
{
	char what[RESTORE_WHAT_BUFSZ];
	json_error_t jerr;
	struct record rec;
	json_t *o;
	const char *why = NULL;
	char *from = NULL;
	int64_t used = 0;
	int rv = -1, r;

	memset(&rec, 0, sizeof(rec));
	if ((o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		warnx("restore: line %zu: not JSON: %s", lineno, jerr.text);
		return -1;
	}
	if (json_to_record(o, &rec, &used, &from, &why) != 0) {
		warnx("restore: line %zu: bad or unknown %s", lineno, why);
		goto out;
	}
	if (tool_lifetime_past(&rec, limit)) {
		snprintf(what, sizeof(what), "restore: line %zu:", lineno);
		tool_lifetime_warn(what, rec.name, rec.expires, max);
		goto out;
	}
	errno = 0;
	if ((r = store_put(txn, &rec, 0)) != 0) {
		if (r == ATK_ERR_EXISTS)
			warnx("restore: line %zu: %s: id or name twice",
			    lineno, rec.name);
		else
			warnx("restore: line %zu: %s: %s", lineno, rec.name,
			    tool_strerror(r));
		goto out;
	}
	if (used != 0 && (r = store_touch(txn, rec.id, used,
	    from != NULL ? from : "")) != 0) {
		warnx("restore: line %zu: %s: %s", lineno, rec.name,
		    tool_strerror(r));
		goto out;
	}
	rv = 0;
out:
	free(from);
	record_free(&rec);
	json_decref(o);
	return rv;
}

/* Remove a store restore made and could not fill. */
static void
remove_store(const char *path)
{
	char *lock;

	if (unlink(path) == -1)
		warn("%s", path);
	if (asprintf(&lock, "%s%s", path, LOCK_SUFFIX) == -1)
		return;
	if (unlink(lock) == -1 && errno != ENOENT)
		warn("%s", lock);
	free(lock);
}

/* Open the store for restore --atomic: a new generation to fill. */
static int
restore_gen(const struct ctx *ctx, const char *prefix, struct store_gen **gp,
    struct store **sp)
{
	char why[STORE_WHY_MAX];
	size_t n = strlen(ctx->db);
	int r;

	errno = 0;
	why[0] = '\0';
	if ((r = store_gen_begin(ctx->db, STORE_CHECK_SAFE, prefix, gp, sp,
	    why, sizeof(why))) == 0)
		return 0;
	if (why[0] == '\0')
		warnx("%s: %s", ctx->db, tool_strerror(r));
	else if (r == ATK_ERR_UNSAFE)
		warnx("%s: unsafe store, refused: %s", ctx->db, why);
	else if (strncmp(why, ctx->db, n) == 0 && why[n] == ':')
		warnx("%s", why);
	else
		warnx("%s: %s", ctx->db, why);
	return -1;
}

/*
 * Every line is checked as it is put into ONE write transaction that
 * first empties the store; anything wrong aborts it, so the store keeps
 * its old content, and a reader sees the old store or the new one, never
 * a mix.  With --atomic the transaction fills a new generation file
 * instead, which then replaces the whole store in one rename (store.h);
 * this host's last-used data is carried over.
 */
int
cmd_restore(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "atomic", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char key[STORE_KEY_BYTES];
	char prefix[TOKEN_PREFIX_MAX + 1], why[STORE_WHY_MAX];
	struct stat st;
	struct store *s = NULL;
	struct store_gen *gen = NULL;
	struct store_txn *txn = NULL;
	char *line = NULL;
	size_t linesz = 0, lineno = 1;
	json_int_t count = 0;
	json_t *settings = NULL;
	char *max = NULL;
	int64_t limit = 0;
	int atomic = 0, ch, created = 0, quiet = 0, rv = 1, r;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			atomic = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("restore");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("restore");
		}
	}
	if (optind != argc)
		return usage_cmd("restore");
	if (getline(&line, &linesz, stdin) == -1) {
		if (ferror(stdin))
			warn("restore: standard input");
		else
			warnx("restore: no export on standard input");
		goto out;
	}
	if (restore_header(ctx, line, prefix, sizeof(prefix), key, &count,
	    &settings) != 0)
		goto out;
	/* A new generation keeps the settings an old export does not have. */
	if (atomic && settings == NULL)
		settings = tool_settings_read(ctx);
	if (atomic) {
		if (restore_gen(ctx, prefix, &gen, &s) != 0)
			goto out;
	} else if (stat(ctx->db, &st) == -1 && errno == ENOENT) {
		errno = 0;
		why[0] = '\0';
		if ((r = store_init(ctx->db, prefix, why, sizeof(why))) != 0) {
			warnx("%s: %s", ctx->db,
			    why[0] != '\0' ? why : tool_strerror(r));
			goto out;
		}
		created = 1;
	}
	if (!atomic && tool_open(ctx, 0, &s) != 0)
		goto out;
	errno = 0;
	if ((r = store_txn_begin(s, 0, &txn, why, sizeof(why))) != 0) {
		txn = NULL;
		tool_store_warn(ctx, "write transaction", r, why);
		goto out;
	}
	if ((r = store_reset(txn, prefix, key)) != 0 ||
	    (r = tool_settings_put(txn, settings)) != 0) {
		tool_store_warn(ctx, "restore", r, NULL);
		goto out;
	}
	if (tool_lifetime_limit(ctx, txn, &limit, &max) != 0)
		goto out;
	while (getline(&line, &linesz, stdin) != -1) {
		if (++lineno - 1 > (size_t)count) {
			warnx("restore: line %zu: more tokens than the "
			    "header's count of %lld", lineno, (long long)count);
			goto out;
		}
		if (restore_line(line, lineno, txn, limit, max) != 0)
			goto out;
	}
	if (ferror(stdin)) {
		warn("restore: standard input");
		goto out;
	}
	if (lineno - 1 != (size_t)count) {
		warnx("restore: %zu tokens, the header says %lld: a truncated "
		    "export?", lineno - 1, (long long)count);
		goto out;
	}
	r = store_txn_commit(txn, why, sizeof(why));
	txn = NULL;
	if (r != 0) {
		tool_store_warn(ctx, "restore", r, why);
		goto out;
	}
	if (atomic) {
		why[0] = '\0';
		errno = 0;
		r = store_gen_commit(gen, why, sizeof(why));
		gen = NULL;
		s = NULL;
		if (r != 0) {
			warnx("%s: restore: %s", ctx->db,
			    why[0] != '\0' ? why : tool_strerror(r));
			goto out;
		}
		if (tool_open(ctx, 0, &s) != 0)
			goto out;
	}
	if (!quiet)
		fprintf(stderr, "Restored %lld token%s into %s%s.\n",
		    (long long)count, count == 1 ? "" : "s", ctx->db,
		    atomic ? " (swapped in whole)" : "");
	rv = tool_publish(ctx, "restore", s, NULL, 0);
out:
	store_txn_abort(txn);
	if (gen != NULL)
		store_gen_abort(gen);
	else
		store_close(s);
	if (rv != 0 && created)
		remove_store(ctx->db);
	explicit_bzero(key, sizeof(key));
	json_decref(settings);
	free(max);
	if (line != NULL)
		explicit_bzero(line, linesz);
	free(line);
	return rv;
}
