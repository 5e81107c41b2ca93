/*
 * A fleet on etcd (SPEC section 11): what apitoken publish writes under
 * the prefix and what apitokend --etcd reads back, shared by both.
 *
 *	<prefix>meta		{"format":"apitoken-fleet","version":1,
 *				"schema":1,"prefix":"atk","key":"<base64>"}
 *	<prefix>tokens/<id>	the line export writes for the token, without
 *				last_used and last_from (each host's own)
 *
 * Settings of a store (lib/store.h) that say where it publishes (an admin
 * store) or what it has applied (a host's store).
 */
#ifndef APITOKEN_FLEET_H
#define APITOKEN_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define FLEET_PREFIX_DEFAULT	"/apitoken/v1/"
#define FLEET_PREFIX_MAX	200
#define FLEET_META		"meta"
#define FLEET_TOKENS		"tokens/"
#define FLEET_FORMAT		"apitoken-fleet"
#define FLEET_VERSION		1

#define SET_FLEET_ETCD		"fleet.etcd"
#define SET_FLEET_PREFIX	"fleet.prefix"
#define SET_FLEET_CACERT	"fleet.cacert"
#define SET_FLEET_CERT		"fleet.cert"
#define SET_FLEET_KEY		"fleet.key"
/* An admin store: a change not yet published ("1"). */
#define SET_FLEET_PENDING	"fleet.pending"
/* A host's store: the etcd revision it holds, in decimal. */
#define SET_FLEET_REVISION	"fleet.revision"

/* Where a store publishes, or a daemon reads: endpoints, prefix, TLS. */
struct fleet_conf {
	char		*etcd;
	char		*prefix;
	char		*cacert, *cert, *key;
};

enum fleet_key {
	FLEET_KEY_META,
	FLEET_KEY_TOKEN,
	FLEET_KEY_OTHER
};

/* "/..." ending in "/", printable ASCII, at most FLEET_PREFIX_MAX. */
int	fleet_prefix_valid(const char *);
/* What a key under prefix is; a token's id into id (may be NULL). */
enum fleet_key fleet_key_kind(const char *, const unsigned char *, size_t,
	    unsigned char *);
/* Allocated keys (NULL: no memory). */
char	*fleet_meta_key(const char *);
char	*fleet_token_key(const char *, const unsigned char *);

/* The meta value of a store (allocated), and back. */
char	*fleet_meta_value(struct store *);
int	fleet_meta_parse(const void *, size_t, char *, size_t, unsigned char *,
	    const char **);
/* A token's value (allocated), and back (record_free() it either way). */
char	*fleet_record_value(const struct record *);
int	fleet_record_parse(const void *, size_t, struct record *,
	    const char **);

/* The conf a store keeps (ATK_ERR_NOTFOUND: it publishes nowhere). */
int	fleet_conf_get(struct store_txn *, struct fleet_conf *);
int	fleet_conf_put(struct store_txn *, const struct fleet_conf *);
void	fleet_conf_free(struct fleet_conf *);
/* A client for the conf. */
int	fleet_client(const struct fleet_conf *, struct etcd **, char *,
	    size_t);

#endif /* APITOKEN_FLEET_H */
