/*
 * The tokens list shows and prune removes, collected from the store
 * (tools/apitoken_list.c): what the two files share.
 */
#ifndef APITOKEN_COLLECT_H
#define APITOKEN_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "duration.h"
#include "fleet.h"
#include "record.h"
#include "rfc3339.h"
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
 * What list and show share (tools/apitoken_list.c): -o table|json (0, or
 * after saying why), whether a token has expired by now, a time as RFC
 * 3339 and an age ("5m" and a suffix) into a cell, one item as a JSON
 * line (-1: it could not be written).
 */
enum format { FMT_TABLE, FMT_JSON };
#define LIST_CELL_BUFSZ	(RFC3339_BUFSZ + DURATION_AGE_BUFSZ + \
			    sizeof(" on ") + FLEET_HOST_MAX)
int	list_format_parse(const char *, const char *, enum format *);
int	list_is_expired(const struct record *, int64_t);
void	list_time_text(int64_t, char *, size_t);
void	list_age_text(int64_t, const char *, char *, size_t);
int	list_print_json(const struct item *);

/*
 * tools/apitoken_usage.c: on a store that publishes, the newest of each
 * item's last use and the fleet's (<prefix>usage/), with its host.  etcd
 * out of reach is only warned of (cmd: ...); 0, or a store error.
 */
struct ctx;
int	collect_fleet_usage(const struct ctx *, const char *,
	    struct store_txn *, struct item *, size_t);

#endif /* APITOKEN_COLLECT_H */
