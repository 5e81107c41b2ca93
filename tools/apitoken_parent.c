/*
 * What a new token may be, checked by create and import: a child within
 * its parent's bounds, and a role that is no typo.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apitoken.h"
#include "create.h"
#include "error.h"
#include "record.h"
#include "rfc3339.h"
#include "store.h"

/*
 * The Direktiv rule, made visible: a child token never gets a policy its
 * parent lacks, nor a later expiry, and we say what was taken away.
 * Asking for no policy at all gets the parent's; asking only for policies
 * the parent lacks is refused, as is another user or role than the
 * parent's, which the child takes.
 */
int
create_apply_parent(const struct ctx *ctx, const char *cmd, struct store_txn *txn,
    const struct create_opts *o, struct record *rec)
{
	struct record p;
	struct shown sh;
	char when[RFC3339_BUFSZ];
	size_t i, kept;
	int rv = -1;

	memset(&p, 0, sizeof(p));
	if (tool_find(ctx, txn, o->parent, &p) != 0)
		return -1;
	if (o->user != NULL && strcmp(o->user, p.user) != 0) {
		warnx("%s %s: user %s refused: a child token logs in as its "
		    "parent's user, %s", cmd, rec->name,
		    tool_shown(o->user, &sh), p.user);
		goto out;
	}
	if (o->role != NULL && strcmp(o->role, p.role) != 0) {
		warnx("%s %s: role %s refused: a child token has its parent's "
		    "role, %s", cmd, rec->name, tool_shown(o->role, &sh),
		    p.role);
		goto out;
	}
	free(rec->user);
	free(rec->role);
	if ((rec->user = strdup(p.user)) == NULL ||
	    (rec->role = strdup(p.role)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (p.revoked != 0) {
		warnx("%s %s: parent %s is revoked", cmd, rec->name, p.name);
		goto out;
	}
	if (p.expires != 0 && p.expires <= ctx->now) {
		warnx("%s %s: parent %s has expired", cmd, rec->name, p.name);
		goto out;
	}
	if (rec->npolicies == 0 && p.npolicies > 0) {
		if ((rec->policies = calloc(p.npolicies,
		    sizeof(*rec->policies))) == NULL) {
			warnx("out of memory");
			goto out;
		}
		for (; rec->npolicies < p.npolicies; rec->npolicies++)
			if ((rec->policies[rec->npolicies] =
			    strdup(p.policies[rec->npolicies])) == NULL) {
				warnx("out of memory");
				goto out;
			}
	}
	for (i = kept = 0; i < rec->npolicies; i++) {
		if (record_has_policy(&p, rec->policies[i])) {
			rec->policies[kept++] = rec->policies[i];
			continue;
		}
		warnx("%s %s: policy %s dropped: parent %s does not have it",
		    cmd, rec->name, rec->policies[i], p.name);
		free(rec->policies[i]);
	}
	rec->npolicies = kept;
	if (o->npolicies > 0 && kept == 0) {
		warnx("%s %s: nothing left of the policies asked for: parent "
		    "%s has none of them", cmd, rec->name, p.name);
		goto out;
	}
	if (p.expires != 0 && (rec->expires == 0 || rec->expires > p.expires)) {
		if (rfc3339_format(p.expires, when, sizeof(when)) != 0)
			goto out;
		warnx("%s %s: expiry clamped to %s: parent %s expires then",
		    cmd, rec->name, when, p.name);
		rec->expires = p.expires;
	}
	rec->has_parent = 1;
	memcpy(rec->parent, p.id, sizeof(rec->parent));
	rv = 0;
out:
	record_free(&p);
	return rv;
}

static int
role_cb(const struct record *rec, void *arg)
{
	const char **role = arg;

	return strcmp(rec->role, *role) == 0;
}

/*
 * A role that is built in or that another token carries; anything else is
 * more likely a typo ("Adminstrator") than a new role, which role= would
 * refuse at every login: --new-role says it is meant.  0, or an exit
 * status after saying why.
 */
int
create_role_known(const struct ctx *ctx, const char *cmd, struct store_txn *txn,
    const char *name, const char *role)
{
	struct shown sh;
	int r;

	if (strcmp(role, TOOL_ROLE_DEFAULT) == 0 ||
	    strcmp(role, TOOL_ROLE_ADMIN) == 0)
		return 0;
	errno = 0;
	if ((r = store_foreach(txn, role_cb, &role)) == 1)
		return 0;
	if (r != 0) {
		tool_store_warn(ctx, name, r, NULL);
		return 1;
	}
	warnx("%s %s: unknown role %s: not %s or %s, and no token has it "
	    "(--new-role to make it)", cmd, name, tool_shown(role, &sh),
	    TOOL_ROLE_ADMIN, TOOL_ROLE_DEFAULT);
	return EXIT_USAGE;
}
