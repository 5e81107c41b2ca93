/*
 * The module's side of the apitokend protocol (lib/proto.h): one
 * connection, one request, one reply, all within a deadline.
 */
#ifndef PAM_APITOKEN_CLIENT_H
#define PAM_APITOKEN_CLIENT_H

#include <stddef.h>

#include "proto.h"

/*
 * Ask the daemon at path and wait at most timeout seconds in all.  0 with
 * the decoded reply in *rep; otherwise a negative ATK_ERR_* code with
 * what went wrong in why (never the request's contents).  Keeps no state:
 * safe from many threads at once and across fork().
 */
int	client_ask(const char *, int, const struct proto_msg *,
	    struct proto_msg *, char *, size_t);

#endif /* PAM_APITOKEN_CLIENT_H */
