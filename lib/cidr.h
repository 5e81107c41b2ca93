/*
 * Source networks of a token ("--from CIDR"), matched against PAM_RHOST.
 *
 * cidr_parse() takes "ADDR" or "ADDR/LEN", IPv4 or IPv6, through
 * inet_pton(3) only: never a name lookup.  A bare address is /32 or /128.
 * LEN is decimal without leading zeros.  Errors: ATK_ERR_SYNTAX for a
 * malformed text; ATK_ERR_OVERFLOW for LEN above 32 or 128; ATK_ERR_RANGE
 * when bits are set after the prefix ("10.1.2.3/8"): then, and only then,
 * *c holds the network with those bits cleared, so a caller can suggest
 * "did you mean 10.0.0.0/8".
 *
 * cidr_match() is 1 if addr is a numeric address inside c, else 0; never an
 * error.  A host name, an empty string, NULL or an IPv6 address with a zone
 * ("fe80::1%eth0") never matches: fail closed.  An IPv4-mapped IPv6 address
 * ("::ffff:192.0.2.1") matches IPv4 networks, and an IPv4 address matches
 * IPv6 networks through its mapped form.
 *
 * cidr_format() writes the canonical text (inet_ntop(3)), always with
 * "/LEN"; ATK_ERR_INVAL if buf is too small (CIDR_BUFSZ is always enough).
 */
#ifndef APITOKEN_CIDR_H
#define APITOKEN_CIDR_H

#include <stddef.h>

#define CIDR_BUFSZ	50	/* INET6_ADDRSTRLEN + "/128". */

struct cidr {
	int		family;		/* AF_INET or AF_INET6. */
	unsigned char	addr[16];	/* Network; AF_INET uses the first 4. */
	unsigned int	prefix;
};

int	cidr_parse(const char *, struct cidr *);
int	cidr_match(const struct cidr *, const char *);
int	cidr_format(const struct cidr *, char *, size_t);

#endif /* APITOKEN_CIDR_H */
