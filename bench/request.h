/*
 * request.h: the VERIFY request the daemon benchmarks ask (daemon_bench,
 * fleet_bench).  Header-only (static inline): each program includes it
 * once.
 */
#ifndef BENCH_REQUEST_H
#define BENCH_REQUEST_H

#include <err.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/*
 * *req asks VERIFY for user with the token on the first line of tokenfile,
 * read into token (tokensz bytes, which req points into); a file that
 * cannot be read stops the program.
 */
static inline void
verify_request(struct proto_msg *req, char *token, size_t tokensz,
    const char *tokenfile, const char *user, const char *service)
{
	FILE *f;

	if ((f = fopen(tokenfile, "r")) == NULL)
		err(1, "%s", tokenfile);
	if (fgets(token, (int)tokensz, f) == NULL)
		errx(1, "%s: empty", tokenfile);
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	proto_init(req, PROTO_VERIFY);
	req->user = user;
	req->service = service;
	req->token = token;
	req->tokenlen = strlen(token);
}

#endif
