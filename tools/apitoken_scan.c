/*
 * apitoken scan and revoke --leaked: find this store's tokens in text
 * (logs, diffs, trees) and revoke a leaked one in one step (issue 15).
 *
 * lib/scan.c finds the candidates in large blocks of input: native tokens
 * of the store's prefix with a good checksum, and with --imported the
 * words an imported token could be, each then looked up by its keyed
 * digest (an HMAC a word).
 *
 * No secret is ever printed: a finding is FILE:LINE, the token's id and
 * what the store says of it.  The store is read in one short transaction
 * per block, never while waiting for input.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apitoken.h"
#include "error.h"
#include "mac.h"
#include "opterr.h"
#include "record.h"
#include "scan.h"
#include "store.h"
#include "token.h"

/* A block of input, and room for what the one before carries over. */
#define SCAN_BLOCK		(1024 * 1024)
#define SCAN_BUFSZ		(SCAN_BLOCK + SCAN_CARRY_MAX)
#define SCAN_STDIN		"(standard input)"
#define SCAN_LEAKED		"leaked"
/* scan's exit status for an error: 1 says "found". */
#define SCAN_EXIT_ERROR		2

/* What the store says of a token found. */
enum leak {
	LEAK_UNKNOWN,		/* No such id in this store. */
	LEAK_KNOWN,		/* This store's, and the secret is right. */
	LEAK_STALE,		/* The id is known, the secret is not its own. */
	LEAK_REVOKED,		/* Revoked already. */
};

static const char *const leak_words[] = {
	[LEAK_UNKNOWN] = "unknown",
	[LEAK_KNOWN] = "known",
	[LEAK_STALE] = "stale",
	[LEAK_REVOKED] = "revoked",
};

/* One finding in a block, reported once the block is done. */
struct hit {
	size_t		 pos;
	unsigned char	 id[TOKEN_ID_BYTES];
	enum leak	 leak;
};

struct leaks {
	const struct ctx *ctx;
	struct store	*s;
	struct store_txn *txn;		/* A block's read txn, or NULL. */
	int		 revoke;
	int		 imported;	/* --imported, and the store has some. */
	int		 found;
	int		 failed;
	int		 unpublished;	/* A revocation not sent to etcd. */
	struct hit	*hits;
	size_t		 nhits, hitsz;
	/* The input being read. */
	const char	*file;
	char		*buf;
	uintmax_t	 line;		/* Line number at buf[0]. */
};

enum { OPT_REVOKE = 256, OPT_IMPORTED };

/*
 * What the store says of a parsed token: by id for a native one (its
 * secret checked against the verifier, and the old one during a grace
 * period), by the digest of its text for an imported one.  The record is
 * returned in rec for LEAK_KNOWN, LEAK_STALE and LEAK_REVOKED.
 */
static int
leak_lookup(struct store *s, struct store_txn *txn, int64_t now,
    const struct token *tok, struct record *rec, enum leak *leak)
{
	unsigned char v[RECORD_VERIFIER_BYTES], id[TOKEN_ID_BYTES];
	int r, right;

	*leak = LEAK_UNKNOWN;
	if ((r = store_token_verifier(s, tok, v)) != 0)
		goto out;
	if (tok->kind == TOKEN_NATIVE)
		memcpy(id, tok->id, sizeof(id));
	else if ((r = store_lookup_digest(txn, v, id)) != 0)
		goto out;
	if ((r = store_get(txn, id, rec)) != 0)
		goto out;
	right = mac_equal(v, rec->verifier, sizeof(v)) ||
	    (rec->old_until > now &&
	    mac_equal(v, rec->old_verifier, sizeof(v)));
	if (rec->revoked != 0)
		*leak = LEAK_REVOKED;
	else
		*leak = right ? LEAK_KNOWN : LEAK_STALE;
out:
	explicit_bzero(v, sizeof(v));
	return r == ATK_ERR_NOTFOUND ? 0 : r;
}

/*
 * Revoke the token of id with the reason, in its own write transaction:
 * 0 revoked now, 1 revoked already, -1 after saying why.
 */
static int
revoke_id(const struct ctx *ctx, struct store *s, const unsigned char *idp,
    const char *reason, struct record *rec)
{
	unsigned char id[TOKEN_ID_BYTES];
	struct store_txn *txn = NULL;
	char why[STORE_WHY_MAX];
	int r;

	/* idp may be rec's own. */
	memcpy(id, idp, sizeof(id));
	record_free(rec);
	errno = 0;
	if ((r = store_txn_begin(s, 0, &txn, why, sizeof(why))) != 0) {
		tool_store_warn(ctx, "write transaction", r, why);
		return -1;
	}
	if ((r = store_get(txn, id, rec)) != 0) {
		store_txn_abort(txn);
		tool_store_warn(ctx, "revoke", r, NULL);
		return -1;
	}
	if (rec->revoked != 0) {
		store_txn_abort(txn);
		return 1;
	}
	rec->revoked = ctx->now;
	free(rec->revoke_reason);
	if ((rec->revoke_reason = strdup(reason)) == NULL) {
		store_txn_abort(txn);
		warnx("out of memory");
		return -1;
	}
	if ((r = store_put(txn, rec, STORE_REPLACE)) != 0) {
		store_txn_abort(txn);
		tool_store_warn(ctx, rec->name, r, NULL);
		return -1;
	}
	r = store_txn_commit(txn, why, sizeof(why));
	if (r != 0) {
		tool_store_warn(ctx, rec->name, r, why);
		return -1;
	}
	return 0;
}

/* --- scan: one block -------------------------------------------------- */

/* The block's read transaction, begun at its first candidate. */
static int
scan_txn(struct leaks *sc)
{
	char why[STORE_WHY_MAX];
	int r;

	if (sc->txn != NULL)
		return 0;
	errno = 0;
	if ((r = store_txn_begin(sc->s, STORE_RDONLY, &sc->txn, why,
	    sizeof(why))) != 0) {
		sc->txn = NULL;
		tool_store_warn(sc->ctx, "read transaction", r, why);
		return -1;
	}
	return 0;
}

/* A candidate from lib/scan.c: look it up and keep it as a hit. */
static int
scan_found(const struct token *tok, size_t pos, void *arg)
{
	struct leaks *sc = arg;
	struct record rec;
	struct hit *h;
	enum leak leak;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (scan_txn(sc) != 0)
		return -1;
	errno = 0;
	r = leak_lookup(sc->s, sc->txn, sc->ctx->now, tok, &rec, &leak);
	if (r != 0) {
		tool_store_warn(sc->ctx, "scan", r, NULL);
		return -1;
	}
	/* An imported text is a token only if the store has it. */
	if (tok->kind == TOKEN_IMPORTED && rec.name == NULL)
		return 0;
	if (sc->nhits == sc->hitsz) {
		h = reallocarray(sc->hits, sc->hitsz * 2 + 16, sizeof(*h));
		if (h == NULL) {
			record_free(&rec);
			warnx("out of memory");
			return -1;
		}
		sc->hits = h;
		sc->hitsz = sc->hitsz * 2 + 16;
	}
	h = &sc->hits[sc->nhits++];
	h->pos = pos;
	h->leak = leak;
	memcpy(h->id, rec.name != NULL ? rec.id : tok->id, sizeof(h->id));
	record_free(&rec);
	return 0;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Lines from buf[from] to buf[to]. */
static uintmax_t
count_lines(const char *buf, size_t from, size_t to)
{
	const char *p = buf + from, *end = buf + to;
	uintmax_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* Print the block's hits in order (and revoke them); lines up to cut. */
static int
scan_report(struct leaks *sc, size_t cut)
{
	char id[TOKEN_ID_BUFSZ], *reason = NULL;
	struct record rec;
	size_t i, done = 0;
	enum leak leak;
	int rv = 0, r;

	memset(&rec, 0, sizeof(rec));
	if (sc->nhits > 1)
		qsort(sc->hits, sc->nhits, sizeof(*sc->hits), hit_cmp);
	for (i = 0; i < sc->nhits; i++) {
		sc->line += count_lines(sc->buf, done, sc->hits[i].pos);
		done = sc->hits[i].pos;
		sc->found = 1;
		leak = sc->hits[i].leak;
		token_id_format(sc->hits[i].id, id);
		if (sc->revoke && leak == LEAK_KNOWN) {
			free(reason);
			if (asprintf(&reason, "%s: %s:%ju", SCAN_LEAKED,
			    sc->file, sc->line + 1) == -1) {
				reason = NULL;
				warnx("out of memory");
				rv = -1;
				break;
			}
			/* A file name that is no record text: its line. */
			if (!tool_text_valid(reason))
				snprintf(reason, strlen(reason) + 1,
				    "%s: line %ju", SCAN_LEAKED, sc->line + 1);
			if ((r = revoke_id(sc->ctx, sc->s, sc->hits[i].id,
			    reason, &rec)) < 0) {
				rv = -1;
				break;
			}
			if (r == 0) {
				fprintf(stderr, "apitoken scan: revoked token "
				    "%s, id %s: %s\n", rec.name, id, reason);
				/* A fleet refuses it too. */
				if (tool_publish(sc->ctx, "scan", sc->s,
				    rec.id, 1) != 0)
					sc->unpublished = 1;
			} else
				leak = LEAK_REVOKED;
		}
		printf("%s:%ju: %s %s\n", sc->file, sc->line + 1, id,
		    leak_words[leak]);
	}
	sc->line += count_lines(sc->buf, done, cut);
	sc->nhits = 0;
	free(reason);
	record_free(&rec);
	return rv;
}

/*
 * One read: bytes added, 0 at EOF, -1 with errno.  What a pipe has is
 * scanned at once, so "tail -f log | apitoken scan" reports as it goes.
 */
static ssize_t
fill(int fd, char *buf, size_t room)
{
	ssize_t n;

	while ((n = read(fd, buf, room)) == -1 && errno == EINTR)
		;
	return n;
}

/* One input, open on fd; 0 or -1 (said why). */
static int
scan_fd(struct leaks *sc, int fd, const char *file)
{
	struct scan scan;
	size_t have = 0, cut;
	ssize_t n;
	int eof = 0, rv = -1;

	if (scan_init(&scan, store_prefix(sc->s), sc->imported ?
	    SCAN_WORDS : 0) != 0) {
		warnx("%s: bad prefix in the store", sc->ctx->db);
		return -1;
	}
	sc->file = file;
	sc->line = 0;
	while (!eof) {
		if ((n = fill(fd, sc->buf + have, SCAN_BUFSZ - have)) == -1) {
			warn("scan: %s", file);
			goto out;
		}
		eof = n == 0;
		have += (size_t)n;
		if (scan_block(&scan, sc->buf, have, eof, scan_found, sc,
		    &cut) != 0)
			goto out;
		store_txn_abort(sc->txn);
		sc->txn = NULL;
		if (scan_report(sc, cut) != 0 || fflush(stdout) == EOF)
			goto out;
		memmove(sc->buf, sc->buf + cut, have - cut);
		have -= cut;
	}
	rv = 0;
out:
	store_txn_abort(sc->txn);
	sc->txn = NULL;
	sc->nhits = 0;
	/* The buffer held the text scanned, secrets and all. */
	explicit_bzero(sc->buf, SCAN_BUFSZ);
	return rv;
}

/* One file named on the command line or found by -r. */
static int
scan_path(struct leaks *sc, const char *path, const char *accpath)
{
	int fd, r;

	if ((fd = open(accpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		warn("scan: %s", path);
		return -1;
	}
	r = scan_fd(sc, fd, path);
	close(fd);
	return r;
}

static int
name_cmp(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* The regular files under path, in name order, symbolic links not followed. */
static int
scan_tree(struct leaks *sc, char *path)
{
	char *paths[2] = { path, NULL };
	FTS *fts;
	FTSENT *e;
	int rv = 0;

	if ((fts = fts_open(paths, FTS_PHYSICAL | FTS_COMFOLLOW | FTS_NOCHDIR,
	    name_cmp)) == NULL) {
		warn("scan: %s", path);
		return -1;
	}
	while ((e = fts_read(fts)) != NULL) {
		switch (e->fts_info) {
		case FTS_F:
			if (scan_path(sc, e->fts_path, e->fts_accpath) != 0)
				rv = -1;
			break;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			warnx("scan: %s: %s", e->fts_path,
			    strerror(e->fts_errno));
			rv = -1;
			break;
		default:
			break;
		}
	}
	if (errno != 0) {
		warn("scan: %s", path);
		rv = -1;
	}
	fts_close(fts);
	return rv;
}

/* One operand: "-" is standard input; a directory wants -r. */
static int
scan_operand(struct leaks *sc, char *path, int recurse)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return scan_fd(sc, STDIN_FILENO, SCAN_STDIN);
	if (recurse)
		return scan_tree(sc, path);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		warnx("scan: %s: is a directory (-r scans a tree)", path);
		return -1;
	}
	return scan_path(sc, path, path);
}

/* 1 if the store holds an imported token, 0 if not, -1 on an error. */
static int
has_imported(struct leaks *sc)
{
	unsigned char digest[STORE_DIGEST_BYTES], id[TOKEN_ID_BYTES];
	int found, r;

	memset(digest, 0, sizeof(digest));
	if (scan_txn(sc) != 0)
		return -1;
	r = store_lookup_digest_near(sc->txn, digest, id, &found);
	store_txn_abort(sc->txn);
	sc->txn = NULL;
	if (r == ATK_ERR_NOTFOUND)
		return 0;
	if (r != 0) {
		tool_store_warn(sc->ctx, "scan", r, NULL);
		return -1;
	}
	return 1;
}

int
cmd_scan(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "revoke", no_argument, NULL, OPT_REVOKE },
		{ "imported", no_argument, NULL, OPT_IMPORTED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct leaks sc;
	int ch, recurse = 0, i, rv = SCAN_EXIT_ERROR, r;

	memset(&sc, 0, sizeof(sc));
	sc.ctx = ctx;
	while ((ch = getopt_long(argc, argv, ":hr", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			recurse = 1;
			break;
		case OPT_REVOKE:
			sc.revoke = 1;
			break;
		case OPT_IMPORTED:
			sc.imported = 1;
			break;
		case 'h':
			return help_cmd("scan");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("scan");
		}
	}
	if (tool_open(ctx, sc.revoke ? 0 : STORE_RDONLY, &sc.s) != 0)
		goto out;
	if (sc.imported && (r = has_imported(&sc)) != 1) {
		if (r != 0)
			goto out;
		sc.imported = 0;
	}
	if ((sc.buf = malloc(SCAN_BUFSZ)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (optind == argc)
		sc.failed |= scan_fd(&sc, STDIN_FILENO, SCAN_STDIN) != 0;
	for (i = optind; i < argc; i++)
		sc.failed |= scan_operand(&sc, argv[i], recurse) != 0;
	if (fflush(stdout) == EOF) {
		warn("scan: standard output");
		goto out;
	}
	if (sc.unpublished)
		rv = EXIT_UNPUBLISHED;
	else if (!sc.failed)
		rv = sc.found ? 1 : 0;
out:
	free(sc.buf);
	free(sc.hits);
	store_close(sc.s);
	return rv;
}

/* --- revoke --leaked ---------------------------------------------------- */

/*
 * The token whose text is on standard input, revoked with the reason
 * (NULL: "leaked"); said on standard output by name and id.
 */
int
tool_revoke_leaked(struct ctx *ctx, const char *reason)
{
	char buf[TOOL_TOKEN_BUFSZ], why[STORE_WHY_MAX], id[TOKEN_ID_BUFSZ];
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	struct record rec;
	struct token tok;
	enum leak leak;
	size_t len;
	int rv = 1, r;

	memset(&rec, 0, sizeof(rec));
	memset(&tok, 0, sizeof(tok));
	if (reason == NULL)
		reason = SCAN_LEAKED;
	if (tool_read_token("revoke", buf, sizeof(buf), &len) != 0)
		goto out;
	if ((r = token_parse(buf, len, &tok)) == ATK_ERR_CHECKSUM) {
		warnx("revoke: not a whole token: its checksum is wrong (a "
		    "typo, or cut short?)");
		goto out;
	}
	if (r < 0) {
		warnx("revoke: not a token: %s", atk_strerror(r));
		goto out;
	}
	if (tool_open(ctx, 0, &s) != 0)
		goto out;
	if (tok.kind == TOKEN_NATIVE && strcmp(tok.prefix,
	    store_prefix(s)) != 0) {
		warnx("revoke: a token of prefix %s, not this store's %s",
		    tok.prefix, store_prefix(s));
		goto out;
	}
	errno = 0;
	if ((r = store_txn_begin(s, STORE_RDONLY, &txn, why,
	    sizeof(why))) != 0) {
		txn = NULL;
		tool_store_warn(ctx, "read transaction", r, why);
		goto out;
	}
	r = leak_lookup(s, txn, ctx->now, &tok, &rec, &leak);
	store_txn_abort(txn);
	txn = NULL;
	if (r != 0) {
		tool_store_warn(ctx, "revoke", r, NULL);
		goto out;
	}
	if (rec.name != NULL)
		token_id_format(rec.id, id);
	switch (leak) {
	case LEAK_UNKNOWN:
		warnx("revoke: no token of this store has that text");
		goto out;
	case LEAK_STALE:
		warnx("%s: id %s, but not its secret (an old one, or made "
		    "up): not revoked", rec.name, id);
		goto out;
	case LEAK_REVOKED:
		warnx("%s: already revoked", rec.name);
		goto out;
	case LEAK_KNOWN:
		break;
	}
	if ((r = revoke_id(ctx, s, rec.id, reason, &rec)) < 0)
		goto out;
	if (r == 1) {
		warnx("%s: already revoked", rec.name);
		goto out;
	}
	printf("revoked token %s, id %s\n", rec.name, id);
	if (fflush(stdout) == EOF)
		goto out;
	rv = tool_publish(ctx, "revoke", s, rec.id, 1);
out:
	explicit_bzero(buf, sizeof(buf));
	token_clear(&tok);
	record_free(&rec);
	store_close(s);
	return rv;
}
