/*
 * apitoken prune: remove the tokens revoked or expired longer ago than a
 * retention time, the ones list would show as revoked or expired, and
 * publish their removal when the store publishes.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apitoken.h"
#include "collect.h"
#include "duration.h"
#include "error.h"
#include "opterr.h"
#include "store.h"
#include "token.h"

enum { OPT_OLDER = 256 };

/* The pruned tokens' deletes, when the store publishes. */
static int
publish_pruned(const struct ctx *ctx, struct store *s,
    const struct collect *c)
{
	unsigned char *ids;
	int rv;

	if ((ids = reallocarray(NULL, c->n, TOKEN_ID_BYTES)) == NULL)
		return tool_publish(ctx, "prune", s, NULL, 0);
	for (size_t i = 0; i < c->n; i++)
		memcpy(ids + i * TOKEN_ID_BYTES, c->items[i].rec.id,
		    TOKEN_ID_BYTES);
	rv = tool_publish(ctx, "prune", s, ids, c->n);
	free(ids);
	return rv;
}

int
cmd_prune(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, OPT_OLDER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct collect c;
	struct duration d;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	const char *older = TOOL_PRUNE_DEFAULT;
	char id[TOKEN_ID_BUFSZ], why[STORE_WHY_MAX];
	size_t i;
	int ch, quiet = 0, rv = 1, r;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_OLDER:
			older = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("prune");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("prune");
		}
	}
	if (optind != argc)
		return usage_cmd("prune");
	if ((r = duration_parse(older, &d)) != 0) {
		tool_duration_warn("prune --older-than", older, r);
		return EXIT_USAGE;
	}
	c.now = ctx->now;
	c.older = &d;
	if (tool_open_txn(ctx, 0, &s, &txn) != 0)
		goto out;
	if ((r = collect(txn, &c, 0)) != 0)
		goto fail;
	for (i = 0; i < c.n; i++)
		if ((r = store_delete(txn, c.items[i].rec.id)) != 0)
			goto fail;
	r = store_txn_commit(txn, why, sizeof(why));
	txn = NULL;
	if (r != 0)
		goto fail;
	for (i = 0; i < c.n; i++) {
		token_id_format(c.items[i].rec.id, id);
		printf("pruned %s %s\n", c.items[i].rec.name, id);
	}
	if (fflush(stdout) == EOF) {
		warn("prune: standard output");
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "Pruned %zu token%s (revoked or expired more "
		    "than %s ago).\n", c.n, c.n == 1 ? "" : "s", older);
	rv = c.n > 0 ? publish_pruned(ctx, s, &c) : 0;
	goto out;
fail:
	/* Words only from the commit: the others leave why empty. */
	tool_store_warn(ctx, "prune", r, why);
out:
	collect_free(&c);
	store_txn_abort(txn);
	store_close(s);
	return rv;
}
