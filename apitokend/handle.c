/*
 * One request: decode, check that the peer may ask, then the decision of
 * lib/verify.c against the store as it is now, and the reply.
 *
 * Who may ask (SO_PEERCRED, taken at connect): root, and the daemon's own
 * uid (it owns the store; tests run the daemon so), about anyone; another
 * uid about its own user name only, unless its group is one of
 * --allow-group's.  Failed verifications count against the user and the
 * peer (limit.c): past the limit the token is not checked at all.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <grp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "apitokend.h"
#include "error.h"
#include "escape.h"
#include "number.h"
#include "proto.h"
#include "store.h"
#include "verify.h"

#define PW_BUFSZ	16384
#define GROUPS_MAX	1024
#define LIMIT_KEY_MAX	(PROTO_TEXT_MAX + 16)

static const char *
or_none(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* A user name for a log line: not one that may be a token typed there. */
static const char *
user_shown(const char *user)
{
	return escape_secretlike(user) ? "(token-shaped, not logged)" : user;
}

static int
in_allowed_group(const struct conf *c, gid_t gid)
{
	size_t i;

	for (i = 0; i < c->nallow; i++)
		if (c->allow[i] == gid)
			return 1;
	return 0;
}

/* 1 if the peer may ask about user. */
static int
peer_may_ask(const struct conf *c, const struct ucred *cred,
    const char *user)
{
	struct passwd pw, *pwp = NULL;
	gid_t groups[GROUPS_MAX];
	char *buf;
	int i, n = GROUPS_MAX, ok = 0;

	if (cred->uid == 0 || cred->uid == c->self)
		return 1;
	if (in_allowed_group(c, cred->gid))
		return 1;
	if ((buf = malloc(PW_BUFSZ)) == NULL)
		return 0;
	if (getpwuid_r(cred->uid, &pw, buf, PW_BUFSZ, &pwp) == 0 &&
	    pwp != NULL) {
		if (strcmp(pw.pw_name, user) == 0)
			ok = 1;
		else if (c->nallow > 0 && getgrouplist(pw.pw_name, pw.pw_gid,
		    groups, &n) != -1)
			for (i = 0; i < n && !ok; i++)
				ok = in_allowed_group(c, groups[i]);
	}
	free(buf);
	return ok;
}

/*
 * The peer's key for the rate limit: a non-root uid is one peer; root
 * (sshd, su, login) asks for many people, told apart by where they come
 * from.
 */
static void
peer_key(const struct conf *c, const struct ucred *cred,
    const struct proto_msg *req, char *key, size_t keysz)
{
	if (cred->uid != 0 && cred->uid != c->self)
		snprintf(key, keysz, "peer:uid:%u", (unsigned)cred->uid);
	else if (req->rhost != NULL && *req->rhost != '\0')
		snprintf(key, keysz, "peer:rhost:%s", req->rhost);
	else if (req->tty != NULL && *req->tty != '\0')
		snprintf(key, keysz, "peer:tty:%s", req->tty);
	else
		snprintf(key, keysz, "peer:local");
}

static void
has_token(struct daemon *d, const struct proto_msg *req,
    struct proto_msg *rep)
{
	struct store *st;
	struct store_txn *txn = NULL;
	char why[WHY_MAX] = "";
	int r;

	if ((r = shared_acquire(d->shared, &st, why, sizeof(why))) != 0)
		goto fail;
	if ((r = store_txn_begin(st, STORE_RDONLY, &txn, why,
	    sizeof(why))) == 0) {
		r = store_user_has_tokens(txn, req->user);
		store_txn_abort(txn);
	}
	shared_release(d->shared);
	if (r < 0)
		goto fail;
	rep->status = r > 0 ? PROTO_ST_OK : PROTO_ST_NOTOKEN;
	return;
 fail:
	logmsg(LOG_ERR, "service=%s user=%s: store %s: %s%s%s",
	    or_none(req->service), user_shown(req->user), d->conf->db,
	    atk_strerror(r),
	    why[0] != '\0' ? ": " : "", why);
	rep->status = PROTO_ST_ERROR;
	rep->why = "the store failed";
}

static void
request_of(const struct proto_msg *req, struct verify_request *vr)
{
	memset(vr, 0, sizeof(*vr));
	vr->user = req->user;
	vr->service = req->service;
	vr->rhost = req->rhost;
	vr->role = req->role;
	vr->policy = req->policy;
	vr->now = (int64_t)time(NULL);
}

/* The verify and account checks: kind is PROTO_VERIFY or PROTO_ACCOUNT. */
static void
decide(struct daemon *d, const struct ucred *cred, const struct proto_msg *req,
    struct proto_msg *rep, struct verify_result *res)
{
	struct verify_request vr;
	struct store *st;
	char why[WHY_MAX] = "", ukey[LIMIT_KEY_MAX], pkey[LIMIT_KEY_MAX];
	const char *what = req->type == PROTO_VERIFY ? "" : "account ";
	int r;

	request_of(req, &vr);
	snprintf(ukey, sizeof(ukey), "user:%s", req->user);
	peer_key(d->conf, cred, req, pkey, sizeof(pkey));
	if (req->type == PROTO_VERIFY &&
	    (limiter_blocked(d->limiter, ukey, vr.now) ||
	    limiter_blocked(d->limiter, pkey, vr.now))) {
		logmsg(LOG_WARNING, "service=%s user=%s rhost=%s: refused "
		    "unchecked: too many failures (uid %u pid %d)",
		    or_none(req->service), user_shown(req->user),
		    or_none(req->rhost), (unsigned)cred->uid, (int)cred->pid);
		rep->status = PROTO_ST_LIMITED;
		rep->why = "too many failed attempts";
		return;
	}
	if ((r = shared_acquire(d->shared, &st, why, sizeof(why))) == 0) {
		if (req->type == PROTO_VERIFY)
			r = verify_token(st, req->token, req->tokenlen, &vr,
			    res);
		else
			r = verify_account(st, req->id, &vr, res);
		shared_release(d->shared);
	}
	if (r != 0) {
		logmsg(LOG_ERR, "service=%s user=%s rhost=%s token=%s: "
		    "%scannot decide: %s%s%s", or_none(req->service),
		    user_shown(req->user), or_none(req->rhost), res->id, what,
		    atk_strerror(r), why[0] != '\0' ? ": " : "", why);
		rep->status = PROTO_ST_ERROR;
		rep->why = "the store failed";
		return;
	}
	rep->id = res->id;
	if (res->reason != VERIFY_OK) {
		logmsg(LOG_NOTICE, "service=%s user=%s rhost=%s token=%s: "
		    "%srefused: %s", or_none(req->service),
		    user_shown(req->user), or_none(req->rhost), res->id, what,
		    verify_reason_str(res->reason));
		if (req->type == PROTO_VERIFY) {
			limiter_failed(d->limiter, ukey, vr.now);
			limiter_failed(d->limiter, pkey, vr.now);
		}
		rep->status = PROTO_ST_REFUSED;
		rep->reason = (int)res->reason;
		rep->why = verify_reason_str(res->reason);
		return;
	}
	rep->status = PROTO_ST_OK;
	rep->name = res->name;
	rep->role = res->role;
	if (req->type != PROTO_VERIFY)
		return;
	logmsg(LOG_INFO, "service=%s user=%s rhost=%s token=%s name=%s: "
	    "accepted", or_none(req->service), user_shown(req->user),
	    or_none(req->rhost), res->id, or_none(res->name));
	if (req->flags > 0 && (req->flags & PROTO_LAST_USED)) {
		usage_note(d->usage, res->id, vr.now, req->rhost);
		fleet_note_use(d->fleet, res->id, vr.now, req->rhost);
	}
}

static void
encode_reply(const struct proto_msg *rep, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	if (proto_encode(rep, out, outsz, outlen) != 0)
		*outlen = 0;		/* Cannot happen: all ours, bounded. */
}

/*
 * maxstale= (SPEC section 11): on a fleet host last in step with etcd
 * longer ago than the request allows, stale=deny is answered "error" (the
 * module's PAM_AUTHINFO_UNAVAIL) and stale=allow goes on, with a warning
 * at most once a minute.  1 when the reply is made.  A host without
 * --etcd has no etcd to be behind.
 */
static int
too_stale(struct daemon *d, const struct proto_msg *req,
    struct proto_msg *rep, char *why, size_t whysz)
{
	static _Atomic int64_t warned;
	uint64_t max;
	int64_t age, now, last;

	if (req->maxstale == NULL)
		return 0;
	if (number_parse(req->maxstale, 1, INT32_MAX, &max) != 0) {
		rep->status = PROTO_ST_MALFORMED;
		return 1;
	}
	if (d->fleet == NULL || ((age = fleet_age(d->fleet)) >= 0 &&
	    (uint64_t)age <= max))
		return 0;
	if (age < 0)
		snprintf(why, whysz, "stale: not in step with etcd since "
		    "apitokend started (maxstale %llu s)",
		    (unsigned long long)max);
	else
		snprintf(why, whysz, "stale: last in step with etcd %lld s "
		    "ago (maxstale %llu s)", (long long)age,
		    (unsigned long long)max);
	if (req->flags >= 0 && (req->flags & PROTO_STALE_DENY)) {
		logmsg(LOG_WARNING, "service=%s user=%s: %s: refused "
		    "(stale=deny)", or_none(req->service),
		    user_shown(req->user), why);
		rep->status = PROTO_ST_ERROR;
		rep->why = why;
		return 1;
	}
	now = (int64_t)time(NULL);
	last = atomic_load(&warned);
	if (now - last >= 60 && atomic_compare_exchange_strong(&warned,
	    &last, now))
		logmsg(LOG_WARNING, "service=%s user=%s: %s: answered all the "
		    "same (stale=allow; said once a minute)",
		    or_none(req->service), user_shown(req->user), why);
	return 0;
}

void
handle_request(struct daemon *d, const struct ucred *cred,
    const unsigned char *frame, size_t len, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	struct proto_msg *req, rep;
	struct verify_result res;
	char whybuf[WHY_MAX];

	*outlen = 0;
	memset(&res, 0, sizeof(res));
	proto_init(&rep, PROTO_REPLY);
	if ((req = malloc(sizeof(*req))) == NULL) {
		rep.status = PROTO_ST_BUSY;
		goto out;
	}
	if (proto_decode(frame, len, req) != 0 || req->type == PROTO_REPLY) {
		logmsg(LOG_WARNING, "malformed request from uid %u pid %d: "
		    "refused", (unsigned)cred->uid, (int)cred->pid);
		rep.status = PROTO_ST_MALFORMED;
		goto out;
	}
	if (!peer_may_ask(d->conf, cred, req->user)) {
		logmsg(LOG_WARNING, "service=%s user=%s: uid %u (pid %d) may "
		    "not ask about another user: denied",
		    or_none(req->service), user_shown(req->user),
		    (unsigned)cred->uid,
		    (int)cred->pid);
		rep.status = PROTO_ST_DENIED;
		rep.why = "not allowed to ask about this user";
		goto out;
	}
	if (req->type == PROTO_HAS_TOKEN)
		has_token(d, req, &rep);
	else if (!too_stale(d, req, &rep, whybuf, sizeof(whybuf)))
		decide(d, cred, req, &rep, &res);
 out:
	encode_reply(&rep, out, outsz, outlen);
	verify_result_free(&res);
	if (req != NULL) {
		proto_clear(req);
		free(req);
	}
}
