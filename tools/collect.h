/*
 * The tokens list shows and prune removes, collected from the store
 * (tools/apitoken_list.c): what the two files share.
 */
#ifndef APITOKEN_COLLECT_H
#define APITOKEN_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "duration.h"
#include "record.h"
#include "store.h"

enum state { ST_ANY, ST_EXPIRED, ST_ACTIVE };

/* One token as list and show see it: its record and its last use. */
struct item {
	struct record	 rec;
	int64_t		 used;
	char		*from;		/* Last used from where. */
	char		*host;		/* Seen by which host; NULL: here. */
};

/* Which tokens to collect, and where they go. */
struct collect {
	const char	*user;
	const char	*role;
	enum state	 state;
	int64_t		 now;
	int64_t		 until;		/* --expiring: by then. */
	const struct duration *older;	/* prune: past this long ago. */
	struct item	*items;
	size_t		 n, cap;
	int		 err;
};

/*
 * Every wanted token of the store into c->items (in name order), with
 * its last use when usage; c->older set: the prunable ones.
 */
int	collect(struct store_txn *, struct collect *, int);
void	collect_free(struct collect *);

/*
 * tools/apitoken_usage.c: on a store that publishes, the newest of each
 * item's last use and the fleet's (<prefix>usage/), with its host.  etcd
 * out of reach is only warned of (cmd: ...); 0, or a store error.
 */
struct ctx;
int	collect_fleet_usage(const struct ctx *, const char *,
	    struct store_txn *, struct item *, size_t);

#endif /* APITOKEN_COLLECT_H */
