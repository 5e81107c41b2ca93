/*
 * Failed verifications counted per key ("user:NAME", "peer:..."), in
 * windows of LIMIT_WINDOW seconds: a key with max failures in its window
 * is not checked again until the window ends.
 *
 * A fixed table, so an attacker who makes up names cannot grow it: keys
 * are kept as a keyed 64-bit hash (a random key per daemon, so collisions
 * cannot be aimed), and a full neighbourhood gives up its oldest window.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apitokend.h"
#include "error.h"
#include "random.h"

#define LIMIT_WINDOW	60	/* Seconds. */
#define LIMIT_SLOTS	4096	/* A power of two. */
#define LIMIT_PROBE	8

struct slot {
	uint64_t	hash;		/* 0: free. */
	int64_t		start;		/* The window's start. */
	int		count;
};

struct limiter {
	pthread_mutex_t	 lock;
	int		 max;
	uint64_t	 key[2];
	struct slot	 slots[LIMIT_SLOTS];
};

/* FNV-1a with a random key mixed in: enough to spread, not to aim. */
static uint64_t
hash(const struct limiter *l, const char *s)
{
	uint64_t h = l->key[0] ^ 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
		h ^= l->key[1];
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h == 0 ? 1 : h;
}

int
limiter_new(int max, struct limiter **lp)
{
	struct limiter *l;
	int r;

	*lp = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ATK_ERR_NOMEM;
	if ((r = random_buf(l->key, sizeof(l->key))) != 0) {
		free(l);
		return r;
	}
	l->max = max;
	pthread_mutex_init(&l->lock, NULL);
	*lp = l;
	return 0;
}

/* The slot of key, made (from the oldest of its neighbours) if need be. */
static struct slot *
find(struct limiter *l, const char *key, int64_t now, int make)
{
	struct slot *s, *oldest = NULL;
	uint64_t h = hash(l, key);
	size_t i;

	for (i = 0; i < LIMIT_PROBE; i++) {
		s = &l->slots[(h + i) & (LIMIT_SLOTS - 1)];
		if (s->hash == h)
			return s;
		if (oldest == NULL || s->hash == 0 || (oldest->hash != 0 &&
		    s->start < oldest->start))
			oldest = s;
	}
	if (!make)
		return NULL;
	oldest->hash = h;
	oldest->start = now;
	oldest->count = 0;
	return oldest;
}

int
limiter_blocked(struct limiter *l, const char *key, int64_t now)
{
	struct slot *s;
	int blocked = 0;

	if (l->max <= 0)
		return 0;
	pthread_mutex_lock(&l->lock);
	if ((s = find(l, key, now, 0)) != NULL &&
	    now - s->start < LIMIT_WINDOW)
		blocked = s->count >= l->max;
	pthread_mutex_unlock(&l->lock);
	return blocked;
}

void
limiter_failed(struct limiter *l, const char *key, int64_t now)
{
	struct slot *s;

	if (l->max <= 0)
		return;
	pthread_mutex_lock(&l->lock);
	s = find(l, key, now, 1);
	if (now - s->start >= LIMIT_WINDOW) {
		s->start = now;
		s->count = 0;
	}
	if (s->count < l->max)
		s->count++;
	pthread_mutex_unlock(&l->lock);
}

void
limiter_free(struct limiter *l)
{
	if (l == NULL)
		return;
	pthread_mutex_destroy(&l->lock);
	explicit_bzero(l->key, sizeof(l->key));
	free(l);
}
