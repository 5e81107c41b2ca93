/*
 * apitoken publish, and the publishing every write command does on a
 * store that publishes (SPEC section 11): the prefix in etcd made to hold
 * exactly the admin store, a meta key and one key per token
 * (tools/fleet.h), in etcd transactions.
 *
 * A whole publish reads the prefix, compares it with the store, and
 * writes only the difference: run twice, the second writes nothing.  A
 * write command publishes the tokens it changed, or everything when an
 * earlier publish failed (the store's fleet.pending); when it cannot, the
 * change stays in the store, one line names "apitoken publish" as the
 * retry, and the exit status is 3.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apitoken.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "opterr.h"
#include "sign.h"
#include "store.h"
#include "token.h"

#define WHY_MAX		512

enum {
	OPT_ETCD = 256, OPT_PREFIX, OPT_CACERT, OPT_CERT, OPT_KEY
};

/* Set or clear the store's fleet.pending (and the conf, when given). */
static int
mark(const struct ctx *ctx, struct store *s, const struct fleet_conf *conf,
    int pending)
{
	struct store_txn *t;
	char why[STORE_WHY_MAX];
	int r;

	if ((r = store_txn_begin(s, 0, &t, why, sizeof(why))) != 0 ||
	    (conf != NULL && (r = fleet_conf_put(t, conf)) != 0) ||
	    (r = store_setting_put(t, SET_FLEET_PENDING,
	    pending ? "1" : NULL)) != 0 ||
	    (r = store_txn_commit(t, why, sizeof(why))) != 0) {
		if (r != 0 && t != NULL)
			store_txn_abort(t);
		tool_store_warn(ctx, "publish", r, why);
		return -1;
	}
	return 0;
}

/* The store's conf and pending mark: ATK_ERR_NOTFOUND if none. */
static int
read_conf(struct store *s, struct fleet_conf *conf, int *pending, char *why,
    size_t whysz)
{
	struct store_txn *t;
	char *p = NULL;
	int r;

	*pending = 0;
	if ((r = store_txn_begin(s, STORE_RDONLY, &t, why, whysz)) != 0)
		return r;
	if ((r = fleet_conf_get(t, conf)) == 0) {
		r = store_setting_get(t, SET_FLEET_PENDING, &p);
		*pending = r == 0;
		if (r == ATK_ERR_NOTFOUND)
			r = 0;
		free(p);
		if (r != 0)
			fleet_conf_free(conf);
	}
	store_txn_abort(t);
	return r;
}

int
tool_publish(const struct ctx *ctx, const char *cmd, struct store *s,
    const unsigned char *ids, size_t n)
{
	struct fleet_conf conf;
	struct etcd *e = NULL;
	struct publish_stats st;
	char why[WHY_MAX];
	int pending, r;

	why[0] = '\0';
	if ((r = read_conf(s, &conf, &pending, why, sizeof(why))) ==
	    ATK_ERR_NOTFOUND)
		return 0;
	if (r == 0 && (r = fleet_client(&conf, &e, why, sizeof(why))) == 0) {
		if (pending || ids == NULL || n > ETCD_TXN_OPS_MAX)
			r = publish_all(s, e, conf.prefix, &st, why,
			    sizeof(why));
		else
			r = publish_ids(s, e, conf.prefix, ids, n, &st, why,
			    sizeof(why));
	}
	etcd_free(e);
	if (r != 0) {
		warnx("%s: saved in %s but not published to etcd: %s; "
		    "'apitoken publish' sends it", cmd, ctx->db,
		    why[0] != '\0' ? why : tool_strerror(r));
		if (!pending)
			(void)mark(ctx, s, NULL, 1);
		fleet_conf_free(&conf);
		return EXIT_UNPUBLISHED;
	}
	fleet_conf_free(&conf);
	if (pending && mark(ctx, s, NULL, 0) != 0)
		return EXIT_UNPUBLISHED;
	return 0;
}

int
cmd_publish(struct ctx *ctx, int argc, char **argv)
{
	static char default_prefix[] = FLEET_PREFIX_DEFAULT;
	static const struct option opts[] = {
		{ "etcd", required_argument, NULL, OPT_ETCD },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct fleet_conf conf, given;
	struct store *s = NULL;
	struct etcd *e = NULL;
	struct publish_stats st;
	char why[WHY_MAX];
	int ch, quiet = 0, pending, published, rv = 1, r;

	memset(&conf, 0, sizeof(conf));
	memset(&given, 0, sizeof(given));
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_ETCD:
			given.etcd = optarg;
			break;
		case OPT_PREFIX:
			given.prefix = optarg;
			break;
		case OPT_CACERT:
			given.cacert = optarg;
			break;
		case OPT_CERT:
			given.cert = optarg;
			break;
		case OPT_KEY:
			given.key = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("publish");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("publish");
		}
	}
	if (optind != argc)
		return usage_cmd("publish");
	if (given.etcd != NULL &&
	    etcd_endpoints_check(given.etcd, why, sizeof(why)) != 0) {
		warnx("publish: bad --etcd: %s", why);
		return EXIT_USAGE;
	}
	if (given.prefix != NULL && !fleet_prefix_valid(given.prefix)) {
		warnx("publish: bad --prefix: it starts and ends with '/' and "
		    "is at most %d printable characters", FLEET_PREFIX_MAX);
		return EXIT_USAGE;
	}
	if (given.etcd == NULL && (given.prefix != NULL ||
	    given.cacert != NULL || given.cert != NULL || given.key != NULL)) {
		warnx("publish: --prefix, --cacert, --cert and --key go with "
		    "--etcd");
		return EXIT_USAGE;
	}
	if (tool_open(ctx, 0, &s) != 0)
		goto out;
	why[0] = '\0';
	r = read_conf(s, &conf, &pending, why, sizeof(why));
	if (r == ATK_ERR_NOTFOUND && given.etcd == NULL) {
		warnx("publish: %s publishes nowhere yet: give --etcd URL",
		    ctx->db);
		goto out;
	}
	if (r != 0 && r != ATK_ERR_NOTFOUND) {
		tool_store_warn(ctx, "publish", r, why);
		goto out;
	}
	published = r == 0;
	if (given.etcd != NULL) {
		if (given.prefix == NULL)
			given.prefix = default_prefix;
		fleet_conf_free(&conf);
	}
	if ((r = fleet_client(given.etcd != NULL ? &given : &conf, &e, why,
	    sizeof(why))) != 0 ||
	    (r = publish_all(s, e, given.etcd != NULL ? given.prefix :
	    conf.prefix, &st, why, sizeof(why))) != 0) {
		warnx("publish: %s", why[0] != '\0' ? why : tool_strerror(r));
		/* Half written, maybe: the next write publishes everything. */
		if (published && !pending)
			(void)mark(ctx, s, NULL, 1);
		goto out;
	}
	/* Remembered once it worked: from now on every write publishes. */
	if (mark(ctx, s, given.etcd != NULL ? &given : NULL, 0) != 0)
		goto out;
	if (!quiet)
		fprintf(stderr, "published %zu token%s to %s: %zu written, "
		    "%zu removed%s\n", st.tokens, st.tokens == 1 ? "" : "s",
		    etcd_endpoint(e), st.written, st.removed,
		    st.written + st.removed == 0 ? " (already equal)" : "");
	rv = 0;
out:
	etcd_free(e);
	fleet_conf_free(&conf);
	store_close(s);
	return rv;
}

/*
 * The public key of the store's signing key, for --trust on the hosts;
 * the key is made now if the store has none yet.
 */
int
cmd_fleet_key(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char seed[SIGN_SEED_BYTES], pub[SIGN_PUBLIC_BYTES];
	char b64[64], why[STORE_WHY_MAX];
	struct store *s = NULL;
	struct store_txn *t = NULL;
	int ch, rv = 1, r;

	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return help_cmd("fleet-key");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("fleet-key");
		}
	}
	if (optind != argc)
		return usage_cmd("fleet-key");
	if (tool_open(ctx, 0, &s) != 0)
		goto out;
	why[0] = '\0';
	if ((r = store_txn_begin(s, 0, &t, why, sizeof(why))) != 0 ||
	    (r = fleet_sign_key(t, 1, seed)) != 0 ||
	    (r = store_txn_commit(t, why, sizeof(why))) != 0) {
		if (r != 0 && t != NULL)
			store_txn_abort(t);
		t = NULL;
		tool_store_warn(ctx, "fleet-key", r, why);
		goto out;
	}
	t = NULL;
	if ((r = sign_public(seed, pub)) != 0 ||
	    json_b64_encode(pub, sizeof(pub), b64, sizeof(b64)) != 0) {
		warnx("fleet-key: %s", tool_strerror(r != 0 ? r :
		    ATK_ERR_CRYPTO));
		goto out;
	}
	if (printf("%s\n", b64) < 0 || fflush(stdout) == EOF) {
		warn("fleet-key: standard output");
		goto out;
	}
	rv = 0;
out:
	explicit_bzero(seed, sizeof(seed));
	store_close(s);
	return rv;
}
