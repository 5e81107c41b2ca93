/*
 * A fleet on etcd (SPEC section 11): what apitoken publish writes under
 * the prefix and what apitokend --etcd reads back, shared by both.
 *
 *	<prefix>meta		{"format":"apitoken-fleet","version":1,
 *				"schema":1,"prefix":"atk","key":"<base64>"}
 *	<prefix>tokens/<id>	the line export writes for the token, without
 *				last_used and last_from (each host's own)
 *	<prefix>hosts/<host>	a host's report (apitoken status)
 *	<prefix>usage/<host>/<id>  the last use a host saw of a token
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
#include "sign.h"
#include "store.h"
#include "token.h"

#define FLEET_PREFIX_DEFAULT	"/apitoken/v1/"
#define FLEET_PREFIX_MAX	200
#define FLEET_META		"meta"
#define FLEET_TOKENS		"tokens/"
/* What publish owns and hosts apply: [<prefix>meta, <prefix>tokens0). */
#define FLEET_RANGE_END		"tokens0"
/* Each host's report: <prefix>hosts/<host name>. */
#define FLEET_HOSTS		"hosts/"
#define FLEET_HOST_MAX		64
/* Each host's last use of each token: <prefix>usage/<host>/<id>. */
#define FLEET_USAGE		"usage/"
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
/* An admin store: its Ed25519 signing key (base64), the last serial. */
#define SET_FLEET_SIGN_KEY	"fleet.sign-key"
#define SET_FLEET_SERIAL	"fleet.serial"
/*
 * A host's store: the serial of the newest signed version applied, per
 * token ("fleet.s." and the id in hex; kept after a delete, so that no
 * older version comes back) and for the meta ("fleet.s.meta").
 */
#define SET_FLEET_SERIAL_MARK	"fleet.s."
#define FLEET_SERIAL_NAME_BUFSZ	(sizeof(SET_FLEET_SERIAL_MARK) + 2 * 16)

/* Where a store publishes, or a daemon reads: endpoints, prefix, TLS. */
struct fleet_conf {
	char		*etcd;
	char		*prefix;
	char		*cacert, *cert, *key;
	/* A host's --trust: the admin store's public key. */
	int		 trusted;
	unsigned char	 trust[SIGN_PUBLIC_BYTES];
	/* A host's report under <prefix>hosts/: its name, every seconds. */
	const char	*host;
	long		 report;
	/* And its last uses under <prefix>usage/<host>/: every seconds. */
	long		 usage;
	/* A quorum read to confirm it is in step: every seconds. */
	long		 probe;
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
char	*fleet_range_end(const char *);
char	*fleet_host_key(const char *, const char *);
/* A host name for a report: 1 to FLEET_HOST_MAX of [A-Za-z0-9._-]. */
int	fleet_host_valid(const char *);
char	*fleet_token_key(const char *, const unsigned char *);

/*
 * A host's last use of a token (tools/fleet_usage.c): the key (host "":
 * the start of every host's; id NULL: of one host's), the value
 * (allocated; NULL: no memory), and both back: 0, or -1 and *why (u->from
 * allocated only on 0).
 */
#define FLEET_USE_FROM_MAX	1024
#define FLEET_USE_VALUE_MAX	4096
struct fleet_use {
	char		 host[FLEET_HOST_MAX + 1];
	unsigned char	 id[TOKEN_ID_BYTES];
	int64_t		 when;
	char		*from;
};
char	*fleet_usage_key(const char *, const char *, const unsigned char *);
char	*fleet_usage_value(int64_t, const char *);
int	fleet_usage_parse(const char *, const struct etcd_kv *,
	    struct fleet_use *, const char **);

/*
 * The policy settings the meta carries (apitoken config's keys; NULL:
 * unset), so that every copy holds the store's whole: a host keeps them.
 */
#define FLEET_SETTINGS		2
extern const char *const fleet_setting_names[FLEET_SETTINGS];
struct fleet_settings {
	char		*v[FLEET_SETTINGS];
};
void	fleet_settings_free(struct fleet_settings *);
/* In a write txn: the store's settings made these. */
int	fleet_settings_put(struct store_txn *, const struct fleet_settings *);

/*
 * The meta value of a store (allocated; the txn reads its settings), and
 * back (settings may be NULL: not wanted).
 */
char	*fleet_meta_value(struct store *, struct store_txn *);
int	fleet_meta_parse(const void *, size_t, char *, size_t, unsigned char *,
	    struct fleet_settings *, const char **);
/* A token's value (allocated), and back (record_free() it either way). */
char	*fleet_record_value(const struct record *);
int	fleet_record_parse(const void *, size_t, struct record *,
	    const char **);

/*
 * Signed values: the body (a token's export line, or the meta) with
 * ,"serial":N,"sig":"<base64>" before its closing brace, the signature
 * Ed25519 over "apitoken-fleet-v1\n", the etcd key, "\n", and the value
 * without its "sig" member.  fleet_seal() allocates the value.
 * fleet_unseal() gives the body back (allocated) and the serial; with a
 * public key it refuses (-1, *why) a value that is not signed or does not
 * verify, without one it takes unsigned values too (serial 0).
 */
char	*fleet_seal(const char *, const char *, uint64_t, struct sign_key *);
int	fleet_unseal(const void *, size_t, const void *, size_t,
	    struct sign_key *, char **, uint64_t *, const char **);
/* The admin store's signing key; with make, made if missing (write txn). */
int	fleet_sign_key(struct store_txn *, int, unsigned char *);
/* --trust FILE: one base64 public key line ('#' comments); 0 or -1. */
int	fleet_trust_read(const char *, unsigned char *, char *, size_t);
/* A host's serial of a token (id) or of the meta (NULL); 0 if none. */
void	fleet_serial_name(const unsigned char *, char *);
int	fleet_serial_get(struct store_txn *, const unsigned char *,
	    uint64_t *);
int	fleet_serial_put(struct store_txn *, const unsigned char *, uint64_t);

/* The conf a store keeps (ATK_ERR_NOTFOUND: it publishes nowhere). */
int	fleet_conf_get(struct store_txn *, struct fleet_conf *);
int	fleet_conf_put(struct store_txn *, const struct fleet_conf *);
void	fleet_conf_free(struct fleet_conf *);
/* A client for the conf. */
int	fleet_client(const struct fleet_conf *, struct etcd **, char *,
	    size_t);

/*
 * tools/publish.c (apitoken's own): make the prefix hold exactly the store
 * (publish_all()), or put or remove the tokens of n ids (publish_ids(), n
 * at most ETCD_TXN_OPS_MAX), every value signed.  0, or an error with its
 * words in why; *stats says what was written.
 */
struct publish_stats {
	size_t		 tokens, written, removed;
	int64_t		 revision;
};
int	publish_all(struct store *, struct etcd *, const char *,
	    struct publish_stats *, char *, size_t);
int	publish_ids(struct store *, struct etcd *, const char *,
	    const unsigned char *, size_t, struct publish_stats *, char *,
	    size_t);

#endif /* APITOKEN_FLEET_H */
