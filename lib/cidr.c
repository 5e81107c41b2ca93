/*
 * CIDR networks, parsed and printed with inet_pton(3)/inet_ntop(3) only, so
 * no text ever reaches the resolver; see cidr.h for the rules.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "error.h"

#define CIDR_V4_BITS	32
#define CIDR_V6_BITS	128
#define CIDR_V4_LEN	4
#define CIDR_V6_LEN	16
#define CIDR_V4_OFFSET	12	/* Where an IPv4 address sits when mapped. */
#define CIDR_PREFIX_MAX_DIGITS 3

/* ::ffff:0:0/96, RFC 4291 2.5.5.2. */
static const unsigned char v4mapped_prefix[CIDR_V4_OFFSET] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * Numeric address text to 16 bytes: IPv6 as is, IPv4 in its mapped form.
 * *family tells which the text was.  The text must fit an address: longer
 * text is not one, and the copy keeps inet_pton from reading past a '/'.
 */
static int
addr_parse(const char *s, size_t len, int *family, unsigned char *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(text))
		return ATK_ERR_SYNTAX;
	memcpy(text, s, len);
	text[len] = '\0';
	memset(addr, 0, CIDR_V6_LEN);
	if (inet_pton(AF_INET, text, addr + CIDR_V4_OFFSET) == 1) {
		memcpy(addr, v4mapped_prefix, sizeof(v4mapped_prefix));
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return ATK_ERR_SYNTAX;
}

/* Decimal without sign or leading zeros; more than three digits is too big. */
static int
prefix_parse(const char *s, unsigned int *prefix)
{
	size_t i;

	*prefix = 0;
	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return ATK_ERR_SYNTAX;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return ATK_ERR_SYNTAX;
	if (i > CIDR_PREFIX_MAX_DIGITS)
		return ATK_ERR_OVERFLOW;
	for (i = 0; s[i] != '\0'; i++)
		*prefix = *prefix * 10 + (unsigned int)(s[i] - '0');
	return 0;
}

/* Do the first prefix bits of a and b agree? */
static int
prefix_equal(const unsigned char *a, const unsigned char *b,
    unsigned int prefix)
{
	unsigned int whole = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int
cidr_parse(const char *s, struct cidr *c)
{
	unsigned char addr[CIDR_V6_LEN], *net;
	const char *slash;
	unsigned int prefix, bits, i, hostbits = 0;
	size_t len;
	int family, r;

	memset(c, 0, sizeof(*c));
	if (s == NULL)
		return ATK_ERR_SYNTAX;
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if ((r = addr_parse(s, len, &family, addr)) != 0)
		return r;
	bits = family == AF_INET ? CIDR_V4_BITS : CIDR_V6_BITS;
	prefix = bits;
	if (slash != NULL) {
		if ((r = prefix_parse(slash + 1, &prefix)) != 0)
			return r;
		if (prefix > bits)
			return ATK_ERR_OVERFLOW;
	}
	c->family = family;
	c->prefix = prefix;
	net = family == AF_INET ? addr + CIDR_V4_OFFSET : addr;
	memcpy(c->addr, net, bits / 8);
	/* Clear what follows the prefix, noting whether any bit was set. */
	for (i = prefix; i < bits; i++) {
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			hostbits = 1;
			c->addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		}
	}
	if (hostbits)
		return ATK_ERR_RANGE;
	return 0;
}

int
cidr_match(const struct cidr *c, const char *addr)
{
	unsigned char a[CIDR_V6_LEN];
	int family;

	if (c == NULL || addr == NULL)
		return 0;
	/* A zone ("fe80::1%eth0") names a link we cannot check: no match. */
	if (addr_parse(addr, strlen(addr), &family, a) != 0)
		return 0;
	if (family == AF_INET6 &&
	    memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0)
		family = AF_INET;
	switch (c->family) {
	case AF_INET:
		if (family != AF_INET || c->prefix > CIDR_V4_BITS)
			return 0;
		return prefix_equal(c->addr, a + CIDR_V4_OFFSET, c->prefix);
	case AF_INET6:
		/* An IPv4 address is compared in its mapped form. */
		if (c->prefix > CIDR_V6_BITS)
			return 0;
		return prefix_equal(c->addr, a, c->prefix);
	default:
		return 0;
	}
}

int
cidr_format(const struct cidr *c, char *buf, size_t bufsz)
{
	char text[INET6_ADDRSTRLEN];
	unsigned int bits;
	int n;

	if (buf == NULL || bufsz == 0)
		return ATK_ERR_INVAL;
	buf[0] = '\0';
	if (c == NULL || (c->family != AF_INET && c->family != AF_INET6))
		return ATK_ERR_INVAL;
	bits = c->family == AF_INET ? CIDR_V4_BITS : CIDR_V6_BITS;
	if (c->prefix > bits ||
	    inet_ntop(c->family, c->addr, text, sizeof(text)) == NULL)
		return ATK_ERR_INVAL;
	n = snprintf(buf, bufsz, "%s/%u", text, c->prefix);
	if (n < 0 || (size_t)n >= bufsz) {
		buf[0] = '\0';
		return ATK_ERR_INVAL;
	}
	return 0;
}
