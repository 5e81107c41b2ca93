/*
 * apitoken show: every field of one token (tools/apitoken_list.c has what
 * it shares with list).
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apitoken.h"
#include "cidr.h"
#include "collect.h"
#include "error.h"
#include "escape.h"
#include "opterr.h"
#include "record.h"
#include "store.h"
#include "token.h"

enum { OPT_LOCAL = 256 };

/*
 * One "Label: value" line of show; stored text escaped (escape.h), so
 * that an ESC or a CR in it cannot rewrite the admin's terminal.
 */
static void
field(const char *label, const char *value)
{
	char *e;

	e = escape_text(value);
	printf("%-13s %s\n", label, e != NULL ? e : "(?)");
	free(e);
}

static void
show_list(const char *label, char *const *words, size_t n, const char *none)
{
	size_t i;

	printf("%-13s ", label);
	if (n == 0)
		fputs(none, stdout);
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? ", " : "", words[i]);
	putchar('\n');
}

static void
show_table(struct store_txn *txn, const struct item *it, int64_t now)
{
	const struct record *rec = &it->rec;
	struct record parent;
	char buf[LIST_CELL_BUFSZ], age[LIST_CELL_BUFSZ], net[CIDR_BUFSZ];
	char id[TOKEN_ID_BUFSZ], *from;
	size_t i;

	token_id_format(rec->id, id);
	field("Name:", rec->name);
	field("ID:", id);
	field("Token:", "(not stored; shown only at creation)");
	field("Status:", rec->revoked != 0 ? "revoked" :
	    list_is_expired(rec, now) ? "expired" : "active");
	field("Description:", rec->description != NULL ?
	    rec->description : "(none)");
	field("User:", rec->user);
	field("Role:", rec->role);
	show_list("Policies:", rec->policies, rec->npolicies, "(none)");
	printf("%-13s ", "From:");
	if (rec->nfrom == 0)
		fputs("any", stdout);
	for (i = 0; i < rec->nfrom; i++)
		if (cidr_format(&rec->from[i], net, sizeof(net)) == 0)
			printf("%s%s", i > 0 ? ", " : "", net);
	putchar('\n');
	list_time_text(rec->created, buf, sizeof(buf));
	list_age_text(now - rec->created, " ago", age, sizeof(age));
	printf("%-13s %s (%s)\n", "Created:", buf, age);
	if (rec->expires == 0)
		field("Expires:", DURATION_NEVER);
	else {
		list_time_text(rec->expires, buf, sizeof(buf));
		printf("%-13s %s%s\n", "Expires:", buf,
		    list_is_expired(rec, now) ? " (expired)" : "");
	}
	if (rec->revoked == 0)
		field("Revoked:", "no");
	else {
		list_time_text(rec->revoked, buf, sizeof(buf));
		printf("%-13s %s\n", "Revoked:", buf);
		field("Reason:", rec->revoke_reason != NULL ?
		    rec->revoke_reason : "(none given)");
	}
	if (it->used == 0)
		field("Last used:", DURATION_NEVER);
	else {
		list_time_text(it->used, buf, sizeof(buf));
		from = it->from != NULL && *it->from != '\0' ?
		    escape_text(it->from) : NULL;
		printf("%-13s %s from %s%s%s\n", "Last used:", buf,
		    from != NULL ? from : "(unknown)", it->host != NULL ?
		    " on host " : "", it->host != NULL ? it->host : "");
		free(from);
	}
	if (!rec->has_parent)
		field("Parent:", "(none)");
	else {
		token_id_format(rec->parent, id);
		memset(&parent, 0, sizeof(parent));
		if (store_get(txn, rec->parent, &parent) == 0)
			printf("%-13s %s (%s)\n", "Parent:", parent.name, id);
		else
			printf("%-13s %s (deleted)\n", "Parent:", id);
		record_free(&parent);
	}
	field("Imported:", rec->imported ? "yes" : "no");
	if (rec->old_until > now) {
		list_time_text(rec->old_until, buf, sizeof(buf));
		printf("%-13s works until %s\n", "Old secret:", buf);
	}
}

int
cmd_show(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "local", no_argument, NULL, OPT_LOCAL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct item it;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	enum format fmt = FMT_TABLE;
	int ch, local = 0, rv = 1, r;

	memset(&it, 0, sizeof(it));
	while ((ch = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (list_format_parse("show", optarg, &fmt) != 0)
				return usage_cmd("show");
			break;
		case OPT_LOCAL:
			local = 1;
			break;
		case 'h':
			return help_cmd("show");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("show");
		}
	}
	if (optind + 1 != argc)
		return usage_cmd("show");
	if (tool_open_txn(ctx, STORE_RDONLY, &s, &txn) != 0 ||
	    tool_find(ctx, txn, argv[optind], &it.rec) != 0)
		goto out;
	errno = 0;
	if ((r = store_usage(txn, it.rec.id, &it.used, &it.from)) != 0) {
		tool_store_warn(ctx, it.rec.name, r, NULL);
		goto out;
	}
	if (!local && collect_fleet_usage(ctx, "show", txn, &it, 1) != 0)
		goto out;
	if (fmt == FMT_TABLE)
		show_table(txn, &it, ctx->now);
	else if (list_print_json(&it) != 0) {
		warnx("show: cannot write JSON");
		goto out;
	}
	if (fflush(stdout) == EOF) {
		warn("show: standard output");
		goto out;
	}
	rv = 0;
out:
	record_free(&it.rec);
	free(it.from);
	free(it.host);
	store_txn_abort(txn);
	store_close(s);
	return rv;
}
