/*
 * apitokend --etcd, inside: what fleet.c (the thread, the watch, one
 * token) and fleet_read.c (reading everything again) share.
 */
#ifndef APITOKEND_FLEET_INT_H
#define APITOKEND_FLEET_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "etcd.h"
#include "fleet.h"
#include "store.h"

/* apply_events()'s and resync()'s "read everything again". */
#define RESYNC		1

struct fleet {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	atomic_int	 stop;
	struct shared	*shared;
	const char	*db;
	struct fleet_conf conf;
	struct etcd	*etcd;
	char		*prefix;	/* conf.prefix */
	char		*end;		/* Of the range applied. */
	size_t		 endlen;
	int		 failing;	/* Said so once; quiet till it works. */
	unsigned int	 backoff;	/* The next pause, in ms. */
	/* Freshness: a second client for the watch's member, and when. */
	struct etcd	*probe;
	int64_t		 probed_ms;
	char		*meta_key;
	_Atomic int64_t	 fresh_at;	/* Monotonic seconds; -1: never. */
	int64_t		 fresh_wall;	/* The same, in Unix time. */
	int64_t		 reported_ms;	/* The last report, monotonic. */
	int64_t		 probe_failed_ms;	/* Failing since; 0: not. */
	char		*host_key;
	struct sign_key	*trust;		/* --trust, made once; or NULL. */
	struct fleet_uses *uses;	/* fleet_uses.c */
};

/* fleet.c */
int64_t	fleet_mono_ms(void);
void	fleet_working(struct fleet *, int64_t);
/* The store is in step with etcd as of now. */
void	fleet_fresh(struct fleet *);
int	fleet_put_revision(struct store_txn *, const char *, int64_t);
void	fleet_skipped(const struct etcd_kv *, const char *);
struct sign_key *fleet_trusted(const struct fleet *);
int	fleet_open_value(const struct fleet *, struct store_txn *,
	    const unsigned char *, const struct etcd_kv *, char **,
	    uint64_t *);
int	fleet_put_token(const struct fleet *, struct store_txn *,
	    const unsigned char *, const struct etcd_kv *, int *);

/*
 * fleet_uses.c: the uses noted (fleet_note_use()) put under usage/, when
 * --usage-report seconds have passed since the last time or now is set.
 */
int	fleet_uses_new(struct fleet_uses **);
void	fleet_uses_free(struct fleet_uses *);
void	fleet_uses_publish(struct fleet *, int);
/* A token deleted: its key under usage/ is to go too. */
void	fleet_forget_use(struct fleet *, const unsigned char *);

/* fleet_read.c: everything under the prefix, applied or swapped in. */
int	fleet_resync(struct fleet *, int64_t *, char *, size_t);

#endif /* APITOKEND_FLEET_INT_H */
