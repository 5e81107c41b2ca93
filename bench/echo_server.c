/*
 * echo_server: the floor for bench-daemon.  It does what apitokend's
 * socket side must do and nothing else: accept on a Unix socket, read one
 * length-prefixed request frame, answer a fixed reply frame, close.  One
 * thread, epoll, non-blocking: the cheapest server of that pattern.
 *
 *	echo_server SOCKET
 *
 * Runs until SIGTERM.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

#define EVENTS_MAX	64
#define FDS_MAX		4096
#define BUFSZ		(PROTO_HEADER_BYTES + PROTO_FRAME_MAX)

struct conn {
	size_t		have;
	unsigned char	buf[BUFSZ];
};

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	stop = 1;
}

int
main(int argc, char *argv[])
{
	struct epoll_event ev, events[EVENTS_MAX];
	struct sockaddr_un sun;
	struct proto_msg rep;
	static struct conn conns[FDS_MAX];
	unsigned char reply[BUFSZ];
	size_t replylen, want;
	ssize_t n;
	int lfd, epfd, fd, i, k;

	if (argc != 2)
		errx(2, "usage: echo_server SOCKET");
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	proto_init(&rep, PROTO_REPLY);
	rep.status = PROTO_ST_OK;
	rep.id = "0000000000000000000000";
	rep.name = "bench";
	rep.role = "User";
	if (proto_encode(&rep, reply, sizeof(reply), &replylen) != 0)
		errx(1, "proto_encode");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		errx(1, "%s: too long", argv[1]);
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, SOMAXCONN) == -1)
		err(1, "%s", argv[1]);
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == -1)
		err(1, "epoll_ctl");
	while (!stop) {
		if ((n = epoll_wait(epfd, events, EVENTS_MAX, 200)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		for (k = 0; k < n; k++) {
			if (events[k].data.fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
					if (fd >= FDS_MAX) {
						close(fd);
						continue;
					}
					conns[fd].have = 0;
					ev.data.fd = fd;
					epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			fd = events[k].data.fd;
			for (;;) {
				struct conn *c = &conns[fd];

				want = PROTO_HEADER_BYTES;
				if (c->have >= PROTO_HEADER_BYTES &&
				    proto_frame_len(c->buf, &want) == 0)
					want += PROTO_HEADER_BYTES;
				else if (c->have >= PROTO_HEADER_BYTES)
					goto done;
				if (c->have == want) {
					(void)send(fd, reply, replylen,
					    MSG_NOSIGNAL | MSG_DONTWAIT);
					goto done;
				}
				i = (int)recv(fd, c->buf + c->have,
				    want - c->have, 0);
				if (i == -1 && errno == EAGAIN)
					break;
				if (i <= 0)
					goto done;
				c->have += (size_t)i;
				continue;
 done:
				epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				break;
			}
		}
	}
	unlink(argv[1]);
	return 0;
}
