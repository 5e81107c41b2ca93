/*
 * apitoken status: how current each host of the fleet is.  Every host's
 * apitokend --etcd reports under <prefix>hosts/<name> the revision it has
 * applied and when it was last in step with etcd; this reads those
 * reports, and the revision of the newest change of the store's tokens,
 * from the cluster the store publishes to.  With --forget, a host gone for
 * good: its report and its last uses (<prefix>usage/<host>/) removed.
 */
#include "config.h"

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apitoken.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "opterr.h"
#include "rfc3339.h"
#include "store.h"

#define WHY_MAX		512
#define HOSTS_MAX	100000
/* A host whose report is older than this is "silent". */
#define SILENT_SECONDS	60

struct host {
	char		*name;
	int64_t		 revision;
	int64_t		 in_step;	/* 0: never. */
	int64_t		 reported;
	const char	*state;
};

struct hosts {
	struct host	*v;
	size_t		 n;
	int		 r;
};

/*
 * status --forget HOST...: each host's report and last uses removed (a
 * host still running reports again).  0, or 1 after saying why.
 */
static int
forget(struct etcd *e, const char *prefix, char **hosts, int n)
{
	struct etcd_op op;
	char why[WHY_MAX] = "", *key = NULL, *start = NULL, *end = NULL;
	int64_t rev;
	int i, r = 0;

	for (i = 0; i < n; i++)
		if (!fleet_host_valid(hosts[i])) {
			warnx("status: --forget: not a host name: 1 to %d "
			    "letters, digits, '.', '_' or '-'", FLEET_HOST_MAX);
			return EXIT_USAGE;
		}
	for (i = 0; i < n && r == 0; i++) {
		if ((key = fleet_host_key(prefix, hosts[i])) == NULL ||
		    (start = fleet_usage_key(prefix, hosts[i], NULL)) == NULL ||
		    (end = strdup(start)) == NULL)
			r = ATK_ERR_NOMEM;
		else {
			end[strlen(end) - 1]++;		/* "h1/" -> "h10" */
			memset(&op, 0, sizeof(op));
			op.key = key;
			op.keylen = strlen(key);
			if ((r = etcd_txn(e, &op, 1, &rev, why,
			    sizeof(why))) == 0 &&
			    (r = etcd_delete_range(e, start, strlen(start), end,
			    strlen(end), &rev, why, sizeof(why))) == 0)
				fprintf(stderr, "forgot host %s: its report and "
				    "its last uses\n", hosts[i]);
		}
		free(key);
		free(start);
		free(end);
		key = start = end = NULL;
	}
	if (r != 0) {
		warnx("status: --forget: %s", why[0] != '\0' ? why :
		    tool_strerror(r));
		return 1;
	}
	return 0;
}

static int
host_cb(const struct etcd_kv *kv, void *arg)
{
	struct hosts *hs = arg;
	struct host h, *v;
	json_error_t jerr;
	json_t *o;
	const char *name = NULL, *in = NULL, *rep = NULL;
	json_int_t rev = 0;

	memset(&h, 0, sizeof(h));
	if ((o = json_loadb((const char *)kv->value, kv->valuelen,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    json_unpack_ex(o, &jerr, 0, "{s:s, s:I, s?s, s:s}", "host", &name,
	    "revision", &rev, "in_step", &in, "reported", &rep) != 0 ||
	    !fleet_host_valid(name) || rev < 0 ||
	    rfc3339_parse(rep, &h.reported) != 0 ||
	    (in != NULL && rfc3339_parse(in, &h.in_step) != 0)) {
		warnx("status: %.*s: not a host's report: skipped",
		    (int)(kv->keylen > 200 ? 200 : kv->keylen), kv->key);
		json_decref(o);
		return 0;
	}
	h.revision = rev;
	h.name = strdup(name);
	json_decref(o);
	if (h.name == NULL || hs->n == HOSTS_MAX ||
	    (v = reallocarray(hs->v, hs->n + 1, sizeof(*v))) == NULL) {
		free(h.name);
		hs->r = ATK_ERR_NOMEM;
		return 1;
	}
	hs->v = v;
	hs->v[hs->n++] = h;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct host *)a)->name,
	    ((const struct host *)b)->name);
}

static void
when(int64_t t, int64_t now, char *buf, size_t size)
{
	if (t == 0)
		snprintf(buf, size, "never");
	else
		snprintf(buf, size, "%llds ago", (long long)(now - t));
}

int
cmd_status(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "forget", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hosts hs = { NULL, 0, 0 };
	struct fleet_conf conf;
	struct store *s = NULL;
	struct store_txn *t = NULL;
	struct etcd *e = NULL;
	char why[WHY_MAX], *meta = NULL, *end = NULL, *from = NULL;
	char a[32], b[32], hend[FLEET_PREFIX_MAX + 16];
	int64_t newest, rev, got;
	size_t i, behind = 0;
	int ch, json = 0, forgetting = 0, more, rv = 1, r;

	memset(&conf, 0, sizeof(conf));
	while ((ch = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "table") != 0) {
				warnx("status: -o table or json");
				return EXIT_USAGE;
			}
			break;
		case 'F':
			forgetting = 1;
			break;
		case 'h':
			return help_cmd("status");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("status");
		}
	}
	if (forgetting ? optind == argc || json : optind != argc)
		return usage_cmd("status");
	if (tool_open(ctx, STORE_RDONLY, &s) != 0)
		goto out;
	why[0] = '\0';
	if ((r = store_txn_begin(s, STORE_RDONLY, &t, why, sizeof(why))) ==
	    0)
		r = fleet_conf_get(t, &conf);
	store_txn_abort(t);
	if (r == ATK_ERR_NOTFOUND) {
		warnx("status: %s publishes nowhere (apitoken publish --etcd)",
		    ctx->db);
		goto out;
	}
	if (r != 0) {
		tool_store_warn(ctx, "status", r, why);
		goto out;
	}
	if ((meta = fleet_meta_key(conf.prefix)) == NULL ||
	    (end = fleet_range_end(conf.prefix)) == NULL ||
	    (from = fleet_host_key(conf.prefix, "")) == NULL) {
		warnx("status: %s", tool_strerror(ATK_ERR_NOMEM));
		goto out;
	}
	snprintf(hend, sizeof(hend), "%s", from);
	hend[strlen(hend) - 1]++;		/* "hosts/" -> "hosts0" */
	if (forgetting) {
		if ((r = fleet_client(&conf, &e, why, sizeof(why))) != 0)
			warnx("status: %s", why);
		else
			rv = forget(e, conf.prefix, argv + optind,
			    argc - optind);
		goto out;
	}
	if ((r = fleet_client(&conf, &e, why, sizeof(why))) != 0 ||
	    (r = etcd_newest(e, meta, strlen(meta), end, strlen(end), &newest,
	    &rev, why, sizeof(why))) != 0 ||
	    (r = etcd_range(e, from, strlen(from), hend, strlen(hend), 0, 0,
	    host_cb, &hs, &got, &more, why, sizeof(why))) != 0 ||
	    (r = hs.r) != 0) {
		warnx("status: %s", why[0] != '\0' ? why : tool_strerror(r));
		goto out;
	}
	qsort(hs.v, hs.n, sizeof(*hs.v), by_name);
	for (i = 0; i < hs.n; i++) {
		if (ctx->now - hs.v[i].reported > SILENT_SECONDS)
			hs.v[i].state = "silent";
		else if (hs.v[i].revision < newest)
			hs.v[i].state = "behind";
		else
			hs.v[i].state = "current";
		behind += strcmp(hs.v[i].state, "current") != 0;
	}
	if (!json)
		printf("%-24s %-10s %-8s %-12s %s\n", "HOST", "REVISION",
		    "STATE", "IN-STEP", "REPORTED");
	for (i = 0; i < hs.n; i++) {
		if (json) {
			json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:I}",
			    "host", hs.v[i].name, "revision",
			    (json_int_t)hs.v[i].revision, "state",
			    hs.v[i].state, "in_step_age", (json_int_t)
			    (hs.v[i].in_step == 0 ? -1 :
			    ctx->now - hs.v[i].in_step), "report_age",
			    (json_int_t)(ctx->now - hs.v[i].reported));

			if (o == NULL || json_print_line(o) != 0) {
				json_decref(o);
				warnx("status: standard output");
				goto out;
			}
			json_decref(o);
			continue;
		}
		when(hs.v[i].in_step, ctx->now, a, sizeof(a));
		when(hs.v[i].reported, ctx->now, b, sizeof(b));
		printf("%-24s %-10lld %-8s %-12s %s\n", hs.v[i].name,
		    (long long)hs.v[i].revision, hs.v[i].state, a, b);
	}
	if (fflush(stdout) == EOF) {
		warn("status: standard output");
		goto out;
	}
	if (!json)
		fprintf(stderr, "%zu host%s, %zu not current; the newest "
		    "change is at revision %lld\n", hs.n, hs.n == 1 ? "" : "s",
		    behind, (long long)newest);
	rv = behind == 0 ? 0 : 1;
out:
	for (i = 0; i < hs.n; i++)
		free(hs.v[i].name);
	free(hs.v);
	free(meta);
	free(end);
	free(from);
	etcd_free(e);
	fleet_conf_free(&conf);
	store_close(s);
	return rv;
}
