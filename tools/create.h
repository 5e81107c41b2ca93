/*
 * What create and import share (tools/apitoken_create.c): their options,
 * and the checks of what a new token may be (tools/apitoken_parent.c).
 */
#ifndef APITOKEN_CREATE_H
#define APITOKEN_CREATE_H

#include <stddef.h>

#include "apitoken.h"
#include "record.h"
#include "store.h"

/* Options shared by create and import. */
struct create_opts {
	const char	*name;
	const char	*user;
	const char	*role;
	const char	*description;
	const char	*expires;
	const char	*parent;
	const char	**policies;
	size_t		 npolicies;
	const char	**from;
	size_t		 nfrom;
	int		 quiet;
	int		 new_role;	/* --new-role */
	int		 format;	/* create --format: FORMAT_* */
};

/*
 * A child token within its parent's bounds (o->parent): its user and
 * role, the policies the parent has, an expiry no later.  0, or -1 after
 * saying why.
 */
int	create_apply_parent(const struct ctx *, const char *, struct store_txn *,
	    const struct create_opts *, struct record *);
/*
 * A role built in or carried by another token (else a typo, unless
 * --new-role): 0, or an exit status after saying why.
 */
int	create_role_known(const struct ctx *, const char *, struct store_txn *,
	    const char *, const char *);

#endif /* APITOKEN_CREATE_H */
