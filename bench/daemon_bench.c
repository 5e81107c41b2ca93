/*
 * daemon_bench: apitokend's side of "make bench-daemon" (bench/daemon.sh).
 *
 *	daemon_bench rate SOCKET TOKENFILE USER THREADS SECONDS
 *	daemon_bench latency SOCKET TOKENFILE USER COUNT STALLED
 *
 * rate: THREADS clients ask VERIFY for USER with the token in TOKENFILE,
 * one connection a request, as pam_apitoken.so does, for SECONDS; prints
 * "rate R" (answers a second) and "ok N bad M".  latency: COUNT requests
 * one after another while STALLED other connections say nothing (kept
 * open: a thread reconnects each one the server drops); prints the
 * median and 99th percentile in microseconds.  The same frames work
 * against bench/echo_server, the floor.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "number.h"
#include "proto.h"
#include "request.h"
#include "timing.h"

#define BUFSZ		(PROTO_HEADER_BYTES + PROTO_FRAME_MAX)
#define TOKEN_MAX	1024

static struct sockaddr_un sun;
static unsigned char request[BUFSZ];
static size_t requestlen;
static atomic_int done;
static atomic_ulong nok, nbad;

static int
dial(void)
{
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			err(1, "connect %s", sun.sun_path);
		usleep(100);
	}
	return fd;
}

static int
readn(int fd, unsigned char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One request on a new connection: 1 answered ok, 0 otherwise. */
static int
ask(void)
{
	unsigned char buf[BUFSZ];
	struct proto_msg *rep;
	size_t len;
	int fd, ok = 0;

	fd = dial();
	if (write(fd, request, requestlen) != (ssize_t)requestlen)
		goto out;
	if (readn(fd, buf, PROTO_HEADER_BYTES) != 0 ||
	    proto_frame_len(buf, &len) != 0 || readn(fd, buf, len) != 0)
		goto out;
	if ((rep = malloc(sizeof(*rep))) == NULL)
		err(1, "malloc");
	ok = proto_decode(buf, len, rep) == 0 && rep->status == PROTO_ST_OK;
	free(rep);
 out:
	close(fd);
	return ok;
}

static void *
client(void *arg)
{
	while (!atomic_load(&done)) {
		if (ask())
			atomic_fetch_add(&nok, 1);
		else
			atomic_fetch_add(&nbad, 1);
	}
	return NULL;
}

/* Keep *arg connections open and silent until done. */
static void *
staller(void *arg)
{
	struct epoll_event ev, evs[64];
	int n = *(int *)arg, i, k, m, epfd;

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP;
	for (i = 0; i < n; i++) {
		ev.data.fd = dial();
		epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	while (!atomic_load(&done)) {
		m = epoll_wait(epfd, evs, 64, 100);
		for (k = 0; k < m; k++) {
			/* Dropped by the server: another takes its place. */
			epoll_ctl(epfd, EPOLL_CTL_DEL, evs[k].data.fd, NULL);
			close(evs[k].data.fd);
			ev.data.fd = dial();
			epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
		}
	}
	close(epfd);
	return NULL;
}

static void
make_request(const char *tokenfile, const char *user)
{
	struct proto_msg req;
	char token[TOKEN_MAX];

	verify_request(&req, token, sizeof(token), tokenfile, user, "bench");
	if (proto_encode(&req, request, sizeof(request), &requestlen) != 0)
		errx(1, "proto_encode");
}

static uint64_t
arg(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (number_parse(s, min, max, &v) != 0)
		errx(2, "%s: not a number from %llu to %llu", s,
		    (unsigned long long)min, (unsigned long long)max);
	return v;
}

int
main(int argc, char *argv[])
{
	struct rlimit rl;
	pthread_t *t, st;
	uint64_t *lat, t0, seconds;
	int i, n, stalled;

	if (argc != 7)
		errx(2, "usage: daemon_bench rate|latency SOCKET TOKENFILE "
		    "USER N SECONDS|STALLED");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[2]) >= sizeof(sun.sun_path))
		errx(1, "%s: too long", argv[2]);
	strcpy(sun.sun_path, argv[2]);
	make_request(argv[3], argv[4]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (strcmp(argv[1], "rate") == 0) {
		n = (int)arg(argv[5], 1, 256);
		seconds = arg(argv[6], 1, 3600);
		if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
			err(1, "calloc");
		t0 = now_ns();
		for (i = 0; i < n; i++)
			pthread_create(&t[i], NULL, client, NULL);
		sleep((unsigned)seconds);
		atomic_store(&done, 1);
		for (i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		printf("rate %.0f\nok %lu bad %lu\n",
		    (double)(atomic_load(&nok) + atomic_load(&nbad)) *
		    TIMING_NS_PER_S / (double)(now_ns() - t0),
		    atomic_load(&nok), atomic_load(&nbad));
		free(t);
		return atomic_load(&nbad) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "latency") != 0)
		errx(2, "rate or latency");
	n = (int)arg(argv[5], 1, 1000000);
	stalled = (int)arg(argv[6], 0, 100000);
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		err(1, "calloc");
	if (stalled > 0) {
		pthread_create(&st, NULL, staller, &stalled);
		sleep(1);
	}
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (!ask())
			atomic_fetch_add(&nbad, 1);
		lat[i] = now_ns() - t0;
	}
	atomic_store(&done, 1);
	if (stalled > 0)
		pthread_join(st, NULL);
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("p50_us %.1f\np99_us %.1f\nbad %lu\n", lat[n / 2] / 1000.0,
	    lat[(size_t)n * 99 / 100] / 1000.0, atomic_load(&nbad));
	free(lat);
	return atomic_load(&nbad) == 0 ? 0 : 1;
}
