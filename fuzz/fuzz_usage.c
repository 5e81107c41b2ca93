/*
 * A host's last use as apitoken list and show read it from etcd
 * (tools/fleet_usage.c: fleet_usage_parse(), whatever a writer of the
 * prefix put under usage/).  A key and value taken are a valid host name,
 * a token id and a time after the epoch; the key made again from them is
 * the key read; the value made again from the time and remote host reads
 * back to the same.  A remote host that is not UTF-8 is made into a value
 * all the same (escaped).
 * Input: the key, a newline, the value.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "fleet.h"
#include "fuzz.h"

#define PREFIX		"/apitoken/v1/"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct etcd_kv kv;
	struct fleet_use u, back;
	const char *why;
	char *key, *value, *raw;
	size_t klen;

	if (nl == NULL)
		return 0;
	klen = (size_t)(nl - data);
	memset(&kv, 0, sizeof(kv));
	kv.key = data;
	kv.keylen = klen;
	kv.value = nl + 1;
	kv.valuelen = size - klen - 1;
	if (fleet_usage_parse(PREFIX, &kv, &u, &why) != 0) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		/* Any bytes as a remote host: a value all the same. */
		raw = fuzz_strndup(nl + 1, kv.valuelen);
		value = fleet_usage_value(1, raw);
		FUZZ_CHECK(value != NULL);
		free(value);
		free(raw);
		return 0;
	}
	FUZZ_CHECK(fleet_host_valid(u.host));
	FUZZ_CHECK(u.when > 0 && u.from != NULL &&
	    strlen(u.from) <= FLEET_USE_FROM_MAX);
	key = fleet_usage_key(PREFIX, u.host, u.id);
	FUZZ_CHECK(key != NULL && strlen(key) == klen &&
	    memcmp(key, data, klen) == 0);
	value = fleet_usage_value(u.when, u.from);
	FUZZ_CHECK(value != NULL);
	kv.value = (const unsigned char *)value;
	kv.valuelen = strlen(value);
	FUZZ_CHECK(fleet_usage_parse(PREFIX, &kv, &back, &why) == 0);
	FUZZ_CHECK(back.when == u.when && strcmp(back.from, u.from) == 0 &&
	    strcmp(back.host, u.host) == 0 &&
	    memcmp(back.id, u.id, sizeof(u.id)) == 0);
	free(back.from);
	free(value);
	free(key);
	free(u.from);
	return 0;
}
