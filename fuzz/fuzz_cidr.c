/*
 * CIDR networks.  A parsed network (or the network cidr_parse() suggests
 * for one with host bits) formats to a text that parses to the same
 * network, formats to the same text again, and contains its own network
 * address; cidr_match() of any text agrees with a bitwise reference.
 * Input: the network text, a NUL byte, the address text.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "error.h"
#include "fuzz.h"

#define V4_OFFSET	12	/* Of an IPv4 address in its mapped form. */

static const unsigned char v4mapped[V4_OFFSET] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
same(const struct cidr *a, const struct cidr *b)
{
	size_t len = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && a->prefix == b->prefix &&
	    memcmp(a->addr, b->addr, len) == 0;
}

static int
bit(const unsigned char *p, unsigned int i)
{
	return (p[i / 8] >> (7 - i % 8)) & 1;
}

/* cidr_match() as cidr.h describes it, one bit at a time. */
static int
reference_match(const struct cidr *c, const char *s)
{
	unsigned char a[16], *v4 = a + V4_OFFSET;
	unsigned int i;
	int family;

	memset(a, 0, sizeof(a));
	if (strlen(s) >= INET6_ADDRSTRLEN)
		return 0;
	if (inet_pton(AF_INET, s, v4) == 1) {
		memcpy(a, v4mapped, sizeof(v4mapped));
		family = AF_INET;
	} else if (inet_pton(AF_INET6, s, a) == 1)
		family = memcmp(a, v4mapped, sizeof(v4mapped)) == 0 ?
		    AF_INET : AF_INET6;
	else
		return 0;
	if (c->family == AF_INET) {
		if (family != AF_INET)
			return 0;
		for (i = 0; i < c->prefix; i++)
			if (bit(c->addr, i) != bit(v4, i))
				return 0;
		return 1;
	}
	for (i = 0; i < c->prefix; i++)
		if (bit(c->addr, i) != bit(a, i))
			return 0;
	return 1;
}

static void
check_network(const struct cidr *c, const char *addr)
{
	char buf[CIDR_BUFSZ], buf2[CIDR_BUFSZ], host[INET6_ADDRSTRLEN];
	struct cidr c2;
	unsigned int bits, i;
	char *slash;

	bits = c->family == AF_INET ? 32 : 128;
	FUZZ_CHECK(c->family == AF_INET || c->family == AF_INET6);
	FUZZ_CHECK(c->prefix <= bits);
	for (i = c->prefix; i < bits; i++)
		FUZZ_CHECK(bit(c->addr, i) == 0);
	FUZZ_CHECK(cidr_format(c, buf, sizeof(buf)) == 0);
	FUZZ_CHECK(cidr_parse(buf, &c2) == 0);
	FUZZ_CHECK(same(c, &c2));
	FUZZ_CHECK(cidr_format(&c2, buf2, sizeof(buf2)) == 0);
	FUZZ_CHECK(strcmp(buf, buf2) == 0);
	FUZZ_CHECK(cidr_format(c, buf2, strlen(buf)) == ATK_ERR_INVAL);
	/* The network address is in the network. */
	FUZZ_CHECK((slash = strchr(buf, '/')) != NULL);
	memcpy(host, buf, (size_t)(slash - buf));
	host[slash - buf] = '\0';
	FUZZ_CHECK(cidr_match(c, host) == 1);
	FUZZ_CHECK(cidr_match(c, addr) == reference_match(c, addr));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr c;
	const uint8_t *nul;
	char *net, *addr;
	size_t netlen;
	int r;

	nul = memchr(data, '\0', size);
	netlen = nul != NULL ? (size_t)(nul - data) : size;
	net = fuzz_strndup(data, netlen);
	addr = nul != NULL ? fuzz_strndup(nul + 1, size - netlen - 1) :
	    fuzz_strndup(data, 0);
	r = cidr_parse(net, &c);
	FUZZ_CHECK(r == 0 || r == ATK_ERR_SYNTAX || r == ATK_ERR_OVERFLOW ||
	    r == ATK_ERR_RANGE);
	if (r == 0 || r == ATK_ERR_RANGE)
		check_network(&c, addr);
	else
		FUZZ_CHECK(c.family == 0 && c.prefix == 0);
	/* Never a match for a network that did not parse. */
	if (r != 0 && r != ATK_ERR_RANGE)
		FUZZ_CHECK(cidr_match(&c, addr) == 0);
	FUZZ_CHECK(cidr_match(NULL, addr) == 0);
	free(net);
	free(addr);
	return 0;
}
