/*
 * One request to apitokend over its Unix socket.
 *
 * Everything is non-blocking and measured against one deadline on the
 * monotonic clock, so a daemon that is stopped, gone or flooded costs a
 * login at most timeout= seconds, never a hang.  No signal: writes use
 * MSG_NOSIGNAL, so a daemon that closes early cannot SIGPIPE the program
 * that loaded the module.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "error.h"
#include "proto.h"

/* A connect() the listen queue turned away is tried again this often. */
#define RETRY_MS	10

static void set_why(char *, size_t, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
set_why(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(why, whysz, fmt, ap) < 0)
		why[0] = '\0';
	va_end(ap);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline: 1 ready, 0 timed out, -1. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static int
connect_to(const char *path, int64_t deadline, int *fdp, char *why,
    size_t whysz)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, err;

	*fdp = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		set_why(why, whysz, "%s: socket path too long", path);
		return ATK_ERR_TOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		set_why(why, whysz, "socket: %s", strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && deadline - now_ms() > 0) {
			/* The daemon's listen queue is full: wait a little. */
			poll(NULL, 0, RETRY_MS);
			continue;
		}
		if (errno == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, deadline) != 1)
				goto timeout;
			len = sizeof(err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				break;
			errno = err;
		}
		if (errno == EAGAIN)
			goto timeout;
		set_why(why, whysz, "%s: %s", path, strerror(errno));
		close(fd);
		return ATK_ERR_SYSTEM;
	}
	*fdp = fd;
	return 0;
 timeout:
	set_why(why, whysz, "%s: no connection within the timeout", path);
	close(fd);
	return ATK_ERR_TIMEOUT;
}

static int
send_all(int fd, const unsigned char *p, size_t n, int64_t deadline,
    char *why, size_t whysz)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN &&
		    wait_fd(fd, POLLOUT, deadline) == 1)
			continue;
		if (w == -1 && errno == EAGAIN) {
			set_why(why, whysz, "no room to send within the "
			    "timeout");
			return ATK_ERR_TIMEOUT;
		}
		set_why(why, whysz, "send: %s", strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	return 0;
}

/*
 * The reply frame, header and all, into buf: read as it comes, waiting
 * first (the daemon has only just been asked), so one poll() and one
 * recv() are the usual cost.  *len is the frame's length after its header.
 */
static int
recv_reply(int fd, unsigned char *buf, size_t bufsz, int64_t deadline,
    size_t *len, char *why, size_t whysz)
{
	size_t have = 0, want = PROTO_HEADER_BYTES;
	ssize_t r;
	int w;

	*len = 0;
	while (have < want) {
		if ((w = wait_fd(fd, POLLIN, deadline)) != 1) {
			set_why(why, whysz, w == 0 ? "no answer within the "
			    "timeout" : "poll: %s", strerror(errno));
			return w == 0 ? ATK_ERR_TIMEOUT : ATK_ERR_SYSTEM;
		}
		if ((r = recv(fd, buf + have, bufsz - have, 0)) == 0) {
			set_why(why, whysz, "the daemon closed the "
			    "connection without an answer");
			return ATK_ERR_TRUNCATED;
		}
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			set_why(why, whysz, "recv: %s", strerror(errno));
			return ATK_ERR_SYSTEM;
		}
		have += (size_t)r;
		if (want == PROTO_HEADER_BYTES && have >= want) {
			if (proto_frame_len(buf, len) != 0) {
				set_why(why, whysz, "malformed answer (bad "
				    "length)");
				return ATK_ERR_SYNTAX;
			}
			want = PROTO_HEADER_BYTES + *len;
		}
	}
	if (have != want) {
		set_why(why, whysz, "malformed answer (bytes after it)");
		return ATK_ERR_SYNTAX;
	}
	return 0;
}

int
client_ask(const char *path, int timeout, const struct proto_msg *req,
    struct proto_msg *rep, char *why, size_t whysz)
{
	unsigned char buf[PROTO_HEADER_BYTES + PROTO_FRAME_MAX];
	int64_t deadline = now_ms() + (int64_t)timeout * 1000;
	size_t len;
	int fd = -1, r;

	proto_clear(rep);
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	if ((r = proto_encode(req, buf, sizeof(buf), &len)) != 0) {
		set_why(why, whysz, "request cannot be encoded");
		goto out;
	}
	if ((r = connect_to(path, deadline, &fd, why, whysz)) != 0 ||
	    (r = send_all(fd, buf, len, deadline, why, whysz)) != 0)
		goto out;
	/* The token is on its way: nothing of it stays here. */
	explicit_bzero(buf, len);
	if ((r = recv_reply(fd, buf, sizeof(buf), deadline, &len, why,
	    whysz)) != 0)
		goto out;
	if ((r = proto_decode(buf + PROTO_HEADER_BYTES, len, rep)) != 0 ||
	    rep->type != PROTO_REPLY) {
		proto_clear(rep);
		set_why(why, whysz, "malformed answer");
		r = ATK_ERR_SYNTAX;
	}
 out:
	explicit_bzero(buf, sizeof(buf));
	if (fd != -1)
		close(fd);
	return r;
}
