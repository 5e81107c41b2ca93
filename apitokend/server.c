/*
 * The serving threads.
 *
 * WORKERS threads each run an event loop of their own over the one
 * listening socket (EPOLLEXCLUSIVE: a new connection wakes one of them)
 * and a table of their own connections.  A thread never waits on a
 * client: every connection has a deadline (CLIENT_DEADLINE_MS from its
 * accept) to send one whole request frame, and one that misses it, or the
 * oldest one when the thread's table is full, is closed.  A whole frame is
 * decided at once on the same thread (handle.c: a read txn, a hash, no
 * wait on anything outside the process), the reply sent without waiting
 * (it fits in the socket's buffer; a client that cannot take it loses it)
 * and the connection closed.  So a client that says nothing, says it
 * slowly, or is stopped holds a slot and a descriptor for at most its
 * deadline, and never a thread, a lock or a transaction; and no request
 * is handed from thread to thread on its way.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "apitokend.h"
#include "error.h"
#include "proto.h"

#define CLIENT_DEADLINE_MS	2000
#define CONNS_MAX		1024	/* All threads together. */
#define ACCEPT_BATCH		16	/* A thread's accepts a wake-up. */
#define EVENTS_MAX		64
#define FRAME_BUFSZ		(PROTO_HEADER_BYTES + PROTO_FRAME_MAX)
#define DROP_LOG_MS		10000	/* At most one "dropped" line per. */
#define TAG_LISTEN		UINT64_MAX
#define TAG_STOP		(UINT64_MAX - 1)

struct conn {
	int		 fd;		/* -1: a free slot. */
	struct ucred	 cred;
	int64_t		 deadline;
	size_t		 have, want;	/* want: header, then whole frame. */
	unsigned char	 buf[FRAME_BUFSZ];
};

struct server;

struct loop {
	struct server	*s;
	pthread_t	 thread;
	int		 epfd;
	struct conn	*conns;
	size_t		 nconns, maxconns;
	unsigned long	 dropped;
	int64_t		 dropped_logged;
};

struct server {
	struct daemon	*d;
	int		 lfd;
	int		 stopfd;	/* An eventfd: readable once stopping. */
	struct loop	*loops;
	int		 nloops;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send what fits now; a client that cannot take its reply loses it. */
static void
send_reply(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void
conn_close(struct loop *l, struct conn *c)
{
	/*
	 * Closing the descriptor takes it out of the epoll set too: no
	 * connection's descriptor is ever duplicated or inherited.
	 */
	close(c->fd);
	/* What was read may hold a token. */
	explicit_bzero(c->buf, c->have);
	c->fd = -1;
	c->have = 0;
	l->nconns--;
}

static void
note_dropped(struct loop *l, int64_t now)
{
	l->dropped++;
	if (now - l->dropped_logged < DROP_LOG_MS)
		return;
	logmsg(LOG_WARNING, "dropped %lu client(s) that sent no whole "
	    "request in %d ms", l->dropped, CLIENT_DEADLINE_MS);
	l->dropped = 0;
	l->dropped_logged = now;
}

/* A whole frame: decide, answer, close. */
static void
answer(struct loop *l, struct conn *c)
{
	unsigned char out[FRAME_BUFSZ];
	size_t len;

	handle_request(l->s->d, &c->cred, c->buf + PROTO_HEADER_BYTES,
	    c->have - PROTO_HEADER_BYTES, out, sizeof(out), &len);
	send_reply(c->fd, out, len);
	conn_close(l, c);
}

static void
conn_read(struct loop *l, struct conn *c)
{
	size_t len;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, c->buf + c->have, c->want - c->have, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(l, c);	/* Gone before a whole frame. */
			return;
		}
		c->have += (size_t)n;
		if (c->have < c->want)
			continue;
		if (c->want > PROTO_HEADER_BYTES) {
			answer(l, c);
			return;
		}
		if (proto_frame_len(c->buf, &len) != 0) {
			logmsg(LOG_WARNING, "malformed request from uid %u "
			    "pid %d: bad length: closed",
			    (unsigned)c->cred.uid, (int)c->cred.pid);
			conn_close(l, c);
			return;
		}
		c->want = PROTO_HEADER_BYTES + len;
	}
}

/* The slot for a new connection; the oldest one's when all are taken. */
static struct conn *
free_slot(struct loop *l, int64_t now)
{
	struct conn *oldest = NULL;
	size_t i;

	for (i = 0; i < l->maxconns; i++) {
		if (l->conns[i].fd == -1)
			return &l->conns[i];
		if (oldest == NULL ||
		    l->conns[i].deadline < oldest->deadline)
			oldest = &l->conns[i];
	}
	note_dropped(l, now);
	conn_close(l, oldest);
	return oldest;
}

static void
accept_some(struct loop *l)
{
	struct epoll_event ev;
	struct conn *c;
	socklen_t len;
	int64_t now;
	int fd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = accept4(l->s->lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				logmsg(LOG_ERR, "accept: %s",
				    strerror(errno));
			return;
		}
		now = now_ms();
		c = free_slot(l, now);
		len = sizeof(c->cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred,
		    &len) == -1 || len != sizeof(c->cred)) {
			logmsg(LOG_ERR, "SO_PEERCRED: %s", strerror(errno));
			close(fd);
			continue;
		}
		c->fd = fd;
		c->deadline = now + CLIENT_DEADLINE_MS;
		c->have = 0;
		c->want = PROTO_HEADER_BYTES;
		l->nconns++;
		/*
		 * Most clients have sent their request by now: answered
		 * at once, it never joins the epoll set.
		 */
		conn_read(l, c);
		if (c->fd == -1)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)(c - l->conns);
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			logmsg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
			conn_close(l, c);
		}
	}
}

/* Close the connections past their deadline; the time to the next one. */
static int
expire(struct loop *l)
{
	int64_t now = now_ms(), next = -1;
	size_t i;

	if (l->nconns == 0)
		return -1;
	for (i = 0; i < l->maxconns; i++) {
		if (l->conns[i].fd == -1)
			continue;
		if (l->conns[i].deadline <= now) {
			note_dropped(l, now);
			conn_close(l, &l->conns[i]);
		} else if (next == -1 || l->conns[i].deadline < next)
			next = l->conns[i].deadline;
	}
	return next == -1 ? -1 : (int)(next - now);
}

static void *
serve(void *arg)
{
	struct loop *l = arg;
	struct epoll_event events[EVENTS_MAX];
	uint64_t tag;
	int n, k;

	for (;;) {
		n = epoll_wait(l->epfd, events, EVENTS_MAX, expire(l));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			logmsg(LOG_ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (k = 0; k < n; k++) {
			tag = events[k].data.u64;
			if (tag == TAG_STOP)
				return NULL;
			if (tag == TAG_LISTEN)
				accept_some(l);
			else if (l->conns[tag].fd != -1)
				conn_read(l, &l->conns[tag]);
		}
	}
	return NULL;
}

static int
loop_init(struct server *s, struct loop *l, size_t maxconns)
{
	struct epoll_event ev;
	size_t i;

	l->s = s;
	l->maxconns = maxconns;
	if ((l->conns = calloc(maxconns, sizeof(*l->conns))) == NULL)
		return ATK_ERR_NOMEM;
	for (i = 0; i < maxconns; i++)
		l->conns[i].fd = -1;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return ATK_ERR_SYSTEM;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.u64 = TAG_LISTEN;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, s->lfd, &ev) == -1)
		return ATK_ERR_SYSTEM;
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_STOP;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, s->stopfd, &ev) == -1)
		return ATK_ERR_SYSTEM;
	return 0;
}

static void
loop_free(struct loop *l)
{
	size_t i;

	if (l->conns != NULL)
		for (i = 0; i < l->maxconns; i++)
			if (l->conns[i].fd != -1)
				conn_close(l, &l->conns[i]);
	free(l->conns);
	if (l->epfd != -1)
		close(l->epfd);
}

int
server_run(struct daemon *d, int lfd, int sigfd)
{
	struct signalfd_siginfo si;
	struct server s;
	uint64_t one = 1;
	ssize_t n;
	int i, started = 0, r = 0;

	memset(&s, 0, sizeof(s));
	s.d = d;
	s.lfd = lfd;
	s.nloops = d->conf->workers;
	if ((s.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		return ATK_ERR_SYSTEM;
	if ((s.loops = calloc((size_t)s.nloops, sizeof(*s.loops))) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < s.nloops; i++)
		s.loops[i].epfd = -1;
	for (i = 0; i < s.nloops; i++)
		if ((r = loop_init(&s, &s.loops[i],
		    CONNS_MAX / (size_t)s.nloops)) != 0)
			goto out;
	for (; started < s.nloops; started++)
		if (pthread_create(&s.loops[started].thread, NULL, serve,
		    &s.loops[started]) != 0) {
			r = ATK_ERR_SYSTEM;
			goto out;
		}
	/* This thread waits for SIGTERM or SIGINT. */
	while ((n = read(sigfd, &si, sizeof(si))) != (ssize_t)sizeof(si))
		if (n != -1 || errno != EINTR) {
			r = ATK_ERR_SYSTEM;
			goto out;
		}
	logmsg(LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
 out:
	if (write(s.stopfd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		logmsg(LOG_ERR, "eventfd: %s", strerror(errno));
	for (i = 0; i < started; i++)
		pthread_join(s.loops[i].thread, NULL);
	if (s.loops != NULL)
		for (i = 0; i < s.nloops; i++)
			loop_free(&s.loops[i]);
	free(s.loops);
	close(s.stopfd);
	return r;
}
