/*
 * The event loop and the workers.
 *
 * One thread accepts and reads, never blocking: every connection has a
 * deadline (CLIENT_DEADLINE_MS from its accept) to send one whole request
 * frame, and a connection that misses it, or the oldest one when all
 * CONNS_MAX are taken, is closed.  A whole frame goes to a bounded queue
 * that WORKERS threads take from; a full queue answers "busy" at once.  A
 * worker decides (handle.c), sends the reply without waiting (it fits in
 * the socket's buffer; a client that cannot take it is dropped) and
 * closes.  So a client that says nothing, says it slowly, or is stopped
 * holds a slot and a descriptor for at most its deadline, and never a
 * thread, a lock or a transaction.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "apitokend.h"
#include "error.h"
#include "proto.h"

#define CLIENT_DEADLINE_MS	2000
#define CONNS_MAX		1024
#define QUEUE_MAX		256
#define EVENTS_MAX		64
#define FRAME_BUFSZ		(PROTO_HEADER_BYTES + PROTO_FRAME_MAX)
#define DROP_LOG_MS		10000	/* At most one "dropped" line per. */
#define TAG_LISTEN		(CONNS_MAX + 1)
#define TAG_SIGNAL		(CONNS_MAX + 2)

struct conn {
	int		 fd;		/* -1: a free slot. */
	struct ucred	 cred;
	int64_t		 deadline;
	size_t		 have, want;	/* want: header, then whole frame. */
	unsigned char	 buf[FRAME_BUFSZ];
};

struct job {
	int		 fd;
	struct ucred	 cred;
	size_t		 len;
	unsigned char	 frame[PROTO_FRAME_MAX];
};

struct server {
	struct daemon	*d;
	int		 epfd;
	struct conn	*conns;
	size_t		 nconns;
	/* The queue, a ring of jobs, and the workers. */
	pthread_mutex_t	 lock;
	pthread_cond_t	 ready;
	struct job	*queue[QUEUE_MAX];
	size_t		 head, count;
	int		 stop;
	pthread_t	*threads;
	int		 nthreads;
	unsigned long	 dropped;
	int64_t		 dropped_logged;
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

static void *
worker(void *arg)
{
	struct server *s = arg;
	unsigned char out[FRAME_BUFSZ];
	struct job *j;
	size_t len;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (s->count == 0 && !s->stop)
			pthread_cond_wait(&s->ready, &s->lock);
		if (s->count == 0) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		j = s->queue[s->head];
		s->head = (s->head + 1) % QUEUE_MAX;
		s->count--;
		pthread_mutex_unlock(&s->lock);

		handle_request(s->d, &j->cred, j->frame, j->len, out,
		    sizeof(out), &len);
		send_reply(j->fd, out, len);
		close(j->fd);
		explicit_bzero(j, sizeof(*j));
		free(j);
	}
}

static void
conn_close(struct server *s, struct conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	explicit_bzero(c->buf, c->have);
	c->fd = -1;
	c->have = 0;
	s->nconns--;
}

static void
note_dropped(struct server *s, int64_t now)
{
	s->dropped++;
	if (now - s->dropped_logged < DROP_LOG_MS)
		return;
	logmsg(LOG_WARNING, "dropped %lu client(s) that sent no whole "
	    "request in %d ms", s->dropped, CLIENT_DEADLINE_MS);
	s->dropped = 0;
	s->dropped_logged = now;
}

/* A whole frame: to the queue, or "busy" at once when it is full. */
static void
dispatch(struct server *s, struct conn *c)
{
	unsigned char out[FRAME_BUFSZ];
	struct job *j = NULL;
	size_t len;
	int queued = 0;

	/* Out of the loop's set first: once queued, the fd is the worker's. */
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if ((j = malloc(sizeof(*j))) != NULL) {
		j->fd = c->fd;
		j->cred = c->cred;
		j->len = c->have - PROTO_HEADER_BYTES;
		memcpy(j->frame, c->buf + PROTO_HEADER_BYTES, j->len);
		pthread_mutex_lock(&s->lock);
		if (s->count < QUEUE_MAX) {
			s->queue[(s->head + s->count) % QUEUE_MAX] = j;
			s->count++;
			queued = 1;
			pthread_cond_signal(&s->ready);
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (!queued) {
		if (j != NULL) {
			explicit_bzero(j, sizeof(*j));
			free(j);
		}
		logmsg(LOG_WARNING, "busy: %d requests waiting; answered "
		    "uid %u pid %d \"busy\"", QUEUE_MAX,
		    (unsigned)c->cred.uid, (int)c->cred.pid);
		handle_status_reply(PROTO_ST_BUSY, out, sizeof(out), &len);
		send_reply(c->fd, out, len);
		close(c->fd);
	}
	explicit_bzero(c->buf, c->have);
	c->fd = -1;
	c->have = 0;
	s->nconns--;
}

static void
conn_read(struct server *s, struct conn *c)
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
			conn_close(s, c);	/* Gone before a whole frame. */
			return;
		}
		c->have += (size_t)n;
		if (c->have < c->want)
			continue;
		if (c->want > PROTO_HEADER_BYTES) {
			dispatch(s, c);
			return;
		}
		if (proto_frame_len(c->buf, &len) != 0) {
			logmsg(LOG_WARNING, "malformed request from uid %u "
			    "pid %d: bad length: closed",
			    (unsigned)c->cred.uid, (int)c->cred.pid);
			conn_close(s, c);
			return;
		}
		c->want = PROTO_HEADER_BYTES + len;
	}
}

/* The slot for a new connection; the oldest one's when all are taken. */
static struct conn *
free_slot(struct server *s, int64_t now)
{
	struct conn *oldest = NULL;
	size_t i;

	for (i = 0; i < CONNS_MAX; i++) {
		if (s->conns[i].fd == -1)
			return &s->conns[i];
		if (oldest == NULL ||
		    s->conns[i].deadline < oldest->deadline)
			oldest = &s->conns[i];
	}
	note_dropped(s, now);
	conn_close(s, oldest);
	return oldest;
}

static void
accept_all(struct server *s, int lfd)
{
	struct epoll_event ev;
	struct conn *c;
	socklen_t len;
	int64_t now;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				logmsg(LOG_ERR, "accept: %s",
				    strerror(errno));
			return;
		}
		now = now_ms();
		c = free_slot(s, now);
		c->fd = fd;
		len = sizeof(c->cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred,
		    &len) == -1 || len != sizeof(c->cred)) {
			logmsg(LOG_ERR, "SO_PEERCRED: %s", strerror(errno));
			close(fd);
			c->fd = -1;
			continue;
		}
		c->deadline = now + CLIENT_DEADLINE_MS;
		c->have = 0;
		c->want = PROTO_HEADER_BYTES;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)(c - s->conns);
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			logmsg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
			close(fd);
			c->fd = -1;
			continue;
		}
		s->nconns++;
	}
}

/* Close the connections past their deadline; the time to the next one. */
static int
expire(struct server *s)
{
	int64_t now = now_ms(), next = -1;
	size_t i;

	for (i = 0; i < CONNS_MAX; i++) {
		if (s->conns[i].fd == -1)
			continue;
		if (s->conns[i].deadline <= now) {
			note_dropped(s, now);
			conn_close(s, &s->conns[i]);
		} else if (next == -1 || s->conns[i].deadline < next)
			next = s->conns[i].deadline;
	}
	return next == -1 ? -1 : (int)(next - now);
}

static int
start_workers(struct server *s)
{
	int i;

	if ((s->threads = calloc((size_t)s->d->conf->workers,
	    sizeof(*s->threads))) == NULL)
		return ATK_ERR_NOMEM;
	for (i = 0; i < s->d->conf->workers; i++) {
		if (pthread_create(&s->threads[i], NULL, worker, s) != 0)
			return ATK_ERR_SYSTEM;
		s->nthreads++;
	}
	return 0;
}

/* Let the workers answer what is queued, then join them. */
static void
stop_workers(struct server *s)
{
	int i;

	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_cond_broadcast(&s->ready);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	free(s->threads);
}

int
server_run(struct daemon *d, int lfd, int sigfd)
{
	struct epoll_event ev, events[EVENTS_MAX];
	struct signalfd_siginfo si;
	struct server s;
	size_t i;
	int n, k, timeout, r = 0, done = 0;

	memset(&s, 0, sizeof(s));
	s.d = d;
	s.epfd = -1;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.ready, NULL);
	if ((s.conns = calloc(CONNS_MAX, sizeof(*s.conns))) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < CONNS_MAX; i++)
		s.conns[i].fd = -1;
	if ((s.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_LISTEN;
	if (epoll_ctl(s.epfd, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	ev.data.u64 = TAG_SIGNAL;
	if (epoll_ctl(s.epfd, EPOLL_CTL_ADD, sigfd, &ev) == -1 ||
	    (r = start_workers(&s)) != 0) {
		r = r != 0 ? r : ATK_ERR_SYSTEM;
		goto out;
	}
	while (!done) {
		timeout = expire(&s);
		n = epoll_wait(s.epfd, events, EVENTS_MAX, timeout);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			logmsg(LOG_ERR, "epoll_wait: %s", strerror(errno));
			r = ATK_ERR_SYSTEM;
			break;
		}
		for (k = 0; k < n; k++) {
			if (events[k].data.u64 == TAG_LISTEN)
				accept_all(&s, lfd);
			else if (events[k].data.u64 == TAG_SIGNAL) {
				if (read(sigfd, &si, sizeof(si)) ==
				    (ssize_t)sizeof(si)) {
					logmsg(LOG_NOTICE, "signal %u: "
					    "stopping", si.ssi_signo);
					done = 1;
				}
			} else if (s.conns[events[k].data.u64].fd != -1)
				conn_read(&s, &s.conns[events[k].data.u64]);
		}
	}
 out:
	if (s.threads != NULL)
		stop_workers(&s);
	if (s.conns != NULL)
		for (i = 0; i < CONNS_MAX; i++)
			if (s.conns[i].fd != -1)
				conn_close(&s, &s.conns[i]);
	free(s.conns);
	if (s.epfd != -1)
		close(s.epfd);
	pthread_cond_destroy(&s.ready);
	pthread_mutex_destroy(&s.lock);
	return r;
}
