/*
 * apitokend: the token store's one owner (SPEC section 4a).
 *
 *	main.c		options, the socket, signals, start and stop
 *	server.c	the serving threads: each accepts, reads requests
 *			against a deadline and answers whole ones
 *	handle.c	one request: who may ask, rate limits, the decision
 *	shared.c	the store shared by the workers, reopened on a swap
 *	usage.c		last_used in batches: one write txn a second at most
 *	limit.c		failed attempts counted per user and per peer
 *	fleet.c		--etcd: the store kept equal to a prefix in etcd
 *	fleet_read.c	--etcd: everything read again
 *	fleet_uses.c	--etcd: this host's last uses, published
 */
#ifndef APITOKEND_H
#define APITOKEND_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define PROG			"apitokend"
#define DEFAULT_SOCKET		"/run/apitoken/apitokend.sock"
#define ALLOW_GROUPS_MAX	16
#define DEFAULT_WORKERS		4
#define WORKERS_MAX		64
#define DEFAULT_MAX_FAILURES	10	/* A user or a peer, a minute. */
#define DEFAULT_REPORT		10	/* Seconds between fleet reports. */
#define DEFAULT_USAGE_REPORT	5	/* Seconds between usage txns. */
#define DEFAULT_PROBE		1	/* Seconds between freshness reads. */
#define WHY_MAX			256

struct fleet;
struct fleet_conf;
struct shared;
struct store;
struct usage;
struct limiter;

struct conf {
	const char	*db;
	const char	*socket;
	gid_t		 allow[ALLOW_GROUPS_MAX];
	size_t		 nallow;
	int		 workers;
	int		 max_failures;	/* 0: no limit. */
	uid_t		 self;		/* Our own uid: asks like root. */
	/* --etcd and the rest (tools/fleet.h); etcd NULL: no fleet. */
	char		*etcd, *prefix, *cacert, *cert, *key, *trust, *host;
	long		 report;	/* Seconds between reports; 0: none. */
	long		 usage;		/* Between usage txns; 0: none. */
	long		 probe;		/* Between freshness reads. */
};

struct daemon {
	const struct conf	*conf;
	struct fleet		*fleet;		/* NULL without --etcd. */
	struct shared		*shared;
	struct usage		*usage;
	struct limiter		*limiter;
};

/* shared.c: the store, opened once and shared by every thread. */
int	shared_open(const char *, struct shared **, char *, size_t);
/*
 * The store as it is now, for one request (a read lock): a store that a
 * restore --atomic swapped, or that could not be opened, is opened again
 * first.  Every shared_acquire() that returned 0 is paired with one
 * shared_release().
 */
int	shared_acquire(struct shared *, struct store **, char *, size_t);
void	shared_release(struct shared *);
/*
 * fn(arg) with no request in the store and the store closed (it replaces
 * the store file: LMDB must not have a file open twice in a process); the
 * next shared_acquire() opens what is there then.
 */
int	shared_swap(struct shared *, int (*)(void *), void *);
/* 1 when the store could be opened for reading only: no last_used. */
int	shared_rdonly(struct shared *);
void	shared_close(struct shared *);

/* usage.c */
int	usage_start(struct shared *, struct usage **);
/* Note a use of the token id (22-character text); never blocks long. */
void	usage_note(struct usage *, const char *, int64_t, const char *);
/* Flush what is pending, stop the writer thread, free. */
void	usage_stop(struct usage *);

/* fleet.c: a thread that keeps the store at path equal to etcd's prefix. */
int	fleet_start(struct shared *, const char *, const struct fleet_conf *,
	    struct fleet **, char *, size_t);
void	fleet_stop(struct fleet *);		/* NULL-safe. */
/*
 * Note a use of the token id (22-character text) for the fleet's usage/
 * (NULL-safe); never blocks long.
 */
void	fleet_note_use(struct fleet *, const char *, int64_t, const char *);
/*
 * Seconds since the store was last known to be in step with etcd (a
 * change applied, everything read, or a linearizable read through the
 * watch's member while the watch runs); -1 if not since the start.
 */
int64_t	fleet_age(struct fleet *);

/* limit.c */
int	limiter_new(int, struct limiter **);
int	limiter_blocked(struct limiter *, const char *, int64_t);
void	limiter_failed(struct limiter *, const char *, int64_t);
void	limiter_free(struct limiter *);

/* handle.c: the reply to one request frame (decoded here). */
void	handle_request(struct daemon *, const struct ucred *,
	    const unsigned char *, size_t, unsigned char *, size_t,
	    size_t *);

/* server.c: serve until SIGTERM or SIGINT arrives on sigfd (blocking). */
int	server_run(struct daemon *, int, int);

/* main.c */
void	logmsg(int, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

#endif /* APITOKEND_H */
