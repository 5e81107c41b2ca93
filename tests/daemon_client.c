/*
 * daemon_client: the clients of apitokend that tests/daemon_test needs and
 * the module is not: silent ones, malformed ones, many at once, and logins
 * stopped at random moments.
 *
 *	daemon_client flood SOCKET N SECONDS
 *		Hold N connections that never say anything for SECONDS,
 *		connecting again whenever the daemon drops one.  Prints
 *		"connected N" once all N are up, and at the end the drops.
 *	daemon_client raw [-s] SOCKET FILE
 *		Send FILE's bytes as they are (-s: then shut down the sending
 *		side) and print the reply's status number, or "closed" when
 *		the daemon closes without a reply.
 *	daemon_client ask [-u | -r RHOST] [-s SECONDS[:allow]] SOCKET USER
 *	    TOKENFILE
 *		One VERIFY, as the module sends it; prints the status word.
 *		-u: with last_used, from the remote host ASK_RHOST; -r: the
 *		same from RHOST (any bytes); -s: with maxstale SECONDS and
 *		stale=deny (or allow).
 *	daemon_client load SOCKET THREADS SECONDS USER:TOKENFILE:ok|refused...
 *		THREADS threads send HAS_TOKEN, VERIFY (with last_used) and,
 *		for an accepted token, ACCOUNT, in a loop for SECONDS; every
 *		answer must be the one given.  Prints the counts.
 *	daemon_client notify SOCKET SECONDS
 *		Play systemd's side of sd_notify(3): bind a datagram socket
 *		at SOCKET, then print each message that arrives, one a line,
 *		until "READY=1" has come or SECONDS have passed (exit 1).
 *	daemon_client stop N MAXMS INPUT PREFIX COMMAND [ARG...]
 *		Start COMMAND N times, each in a session of its own with INPUT
 *		as standard input and PREFIX.I.out, PREFIX.I.err as its
 *		output, and SIGSTOP each one a random 0 to MAXMS ms after its
 *		start.  Prints "PID STATE" for each: "exited" (done before its
 *		stop), "socket" (stopped with a socket open) or "stopped".
 *
 * Exit status: 0 when all went as expected, 1 otherwise, 2 for a usage
 * error.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "error.h"
#include "number.h"
#include "proto.h"
#include "random.h"
#include "token.h"

#define EXIT_USAGE	2
#define FLOOD_MAX	4096
#define FLOOD_SPARE	64	/* Descriptors beside the flood's. */
#define RETRY_MS	10
#define RAW_MAX		65536
#define REPLY_WAIT_MS	10000	/* The daemon's own deadline is 2 s. */
#define ASK_TIMEOUT	10	/* Seconds, as the module's timeout=. */
#define ASK_RHOST	"fleet.example"	/* ask -u: the remote host noted. */
#define THREADS_MAX	64
#define NOTIFY_MAX	4096	/* One sd_notify(3) message. */
#define SPECS_MAX	64
#define TOKEN_BUFSZ	(TOKEN_MAX_LEN + 2)	/* And its newline, NUL. */
#define STOP_MAX	256
#define WRONG_SHOWN	5	/* Wrong answers told on stderr, at most. */
#define WRONG_MAX	100	/* A thread gives up after so many. */
#define SERVICE		"daemon_client"
#define WHY_BUFSZ	256

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint64_t
number(const char *s, uint64_t min, uint64_t max, const char *what)
{
	uint64_t n;

	if (number_parse(s, min, max, &n) != 0)
		errx(EXIT_USAGE, "%s: %llu to %llu", what,
		    (unsigned long long)min, (unsigned long long)max);
	return n;
}

static void
address(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		errx(EXIT_USAGE, "%s: socket path too long", path);
	memcpy(sun->sun_path, path, strlen(path) + 1);
}

/* The first line of file, without its newline. */
static void
read_token(const char *file, char *buf, size_t bufsz)
{
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	if (fgets(buf, (int)bufsz, f) == NULL)
		errx(1, "%s: no token", file);
	buf[strcspn(buf, "\n")] = '\0';
	(void)fclose(f);
}

/* --- flood ---------------------------------------------------------------- */

/* Room for n descriptors: the soft limit raised towards the hard one. */
static void
want_descriptors(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	if (rl.rlim_cur >= n)
		return;
	if (rl.rlim_max < n)
		errx(1, "RLIMIT_NOFILE: %llu descriptors wanted, the hard "
		    "limit is %llu", (unsigned long long)n,
		    (unsigned long long)rl.rlim_max);
	rl.rlim_cur = n;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "setrlimit");
}

/* A connected socket, or -1 when the daemon's queue is full for now. */
static int
connect_silent(const struct sockaddr_un *sun)
{
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		err(1, "socket");
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		return fd;
	if (errno != EAGAIN && errno != EINTR)
		err(1, "%s", sun->sun_path);
	close(fd);
	return -1;
}

static int
cmd_flood(int argc, char *argv[])
{
	struct sockaddr_un sun;
	struct pollfd *pfd;
	unsigned long drops = 0, refusals = 0;
	int64_t end;
	size_t n, i, up = 0;
	int said = 0, k;
	char c;

	if (argc != 4)
		return -1;
	address(argv[1], &sun);
	n = (size_t)number(argv[2], 1, FLOOD_MAX, "N");
	end = now_ms() + 1000 * (int64_t)number(argv[3], 1, 3600, "SECONDS");
	want_descriptors((rlim_t)(n + FLOOD_SPARE));
	if ((pfd = calloc(n, sizeof(*pfd))) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++)
		pfd[i].fd = -1;
	while (now_ms() < end) {
		for (i = 0; i < n; i++) {
			if (pfd[i].fd != -1)
				continue;
			if ((pfd[i].fd = connect_silent(&sun)) == -1) {
				refusals++;
				break;
			}
			pfd[i].events = POLLIN;
			up++;
		}
		if (!said && up == n) {
			printf("connected %zu\n", n);
			if (fflush(stdout) == EOF)
				err(1, "stdout");
			said = 1;
		}
		/* Only a close (or an unasked-for reply) wakes us. */
		k = poll(pfd, n, up < n ? RETRY_MS : 100);
		if (k == -1 && errno != EINTR)
			err(1, "poll");
		for (i = 0; k > 0 && i < n; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if (recv(pfd[i].fd, &c, 1, MSG_DONTWAIT) == -1 &&
			    errno == EAGAIN)
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			pfd[i].revents = 0;
			up--;
			drops++;
		}
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	free(pfd);
	printf("%lu dropped by the daemon, %lu connects refused\n", drops,
	    refusals);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return said ? 0 : 1;
}

/* --- raw ------------------------------------------------------------------ */

/* Wait for events on fd until deadline: 1 ready, 0 timed out. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p;
	int64_t left;
	int k;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return 0;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		if ((k = poll(&p, 1, (int)left)) > 0)
			return 1;
		if (k == 0)
			return 0;
		if (errno != EINTR)
			err(1, "poll");
	}
}

/* Read n bytes: 0, or -1 when the connection ended first. */
static int
recv_all(int fd, unsigned char *p, size_t n, int64_t deadline)
{
	ssize_t r;

	while (n > 0) {
		if ((r = recv(fd, p, n, MSG_DONTWAIT)) > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (errno == EAGAIN && !wait_fd(fd, POLLIN, deadline))
			errx(1, "no reply and no close within %d ms",
			    REPLY_WAIT_MS);
	}
	return 0;
}

static int
cmd_raw(int argc, char *argv[])
{
	unsigned char *buf, hdr[PROTO_HEADER_BYTES];
	struct sockaddr_un sun;
	struct proto_msg *rep;
	int64_t deadline;
	size_t len, off;
	ssize_t w;
	int fd, ch, shut = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "s")) != -1) {
		if (ch != 's')
			return -1;
		shut = 1;
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		return -1;
	address(argv[0], &sun);
	if ((fd = open(argv[1], O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", argv[1]);
	if ((buf = malloc(RAW_MAX)) == NULL)
		err(1, "malloc");
	for (len = 0; len < RAW_MAX; len += (size_t)w)
		if ((w = read(fd, buf + len, RAW_MAX - len)) <= 0) {
			if (w == -1)
				err(1, "%s", argv[1]);
			break;
		}
	close(fd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "%s", argv[0]);
	for (off = 0; off < len; off += (size_t)w)
		if ((w = send(fd, buf + off, len - off, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			/* Closed on us mid-way: as good as a close. */
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			err(1, "send");
		}
	if (shut && shutdown(fd, SHUT_WR) == -1 && errno != ENOTCONN)
		err(1, "shutdown");
	deadline = now_ms() + REPLY_WAIT_MS;
	if (recv_all(fd, hdr, sizeof(hdr), deadline) != 0) {
		printf("closed\n");
		goto out;
	}
	if (proto_frame_len(hdr, &len) != 0)
		errx(1, "a reply with a bad length");
	if (recv_all(fd, buf, len, deadline) != 0)
		errx(1, "the reply ends early");
	if ((rep = malloc(sizeof(*rep))) == NULL)
		err(1, "malloc");
	if (proto_decode(buf, len, rep) != 0 || rep->type != PROTO_REPLY)
		errx(1, "a malformed reply");
	printf("%d\n", rep->status);
	free(rep);
 out:
	close(fd);
	free(buf);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return 0;
}

/* --- ask and load --------------------------------------------------------- */

static int
cmd_ask(int argc, char *argv[])
{
	struct proto_msg req, rep;
	char tok[TOKEN_BUFSZ], why[WHY_BUFSZ], stale[32] = "";
	const char *rhost = ASK_RHOST;
	int used = 0, deny = 1, r;

	for (;;) {
		if (argc >= 5 && strcmp(argv[1], "-u") == 0) {
			used = 1;
			argc--;
			argv++;
		} else if (argc >= 6 && strcmp(argv[1], "-r") == 0) {
			used = 1;
			rhost = argv[2];
			argc -= 2;
			argv += 2;
		} else if (argc >= 6 && strcmp(argv[1], "-s") == 0) {
			snprintf(stale, sizeof(stale), "%s", argv[2]);
			if (strchr(stale, ':') != NULL) {
				deny = strcmp(strchr(stale, ':'), ":allow") != 0;
				*strchr(stale, ':') = '\0';
			}
			argc -= 2;
			argv += 2;
		} else
			break;
	}
	if (argc != 4)
		return -1;
	read_token(argv[3], tok, sizeof(tok));
	proto_init(&req, PROTO_VERIFY);
	req.user = argv[2];
	req.service = SERVICE;
	if (used) {
		req.flags = PROTO_LAST_USED;
		req.rhost = rhost;
	}
	if (stale[0] != '\0') {
		req.maxstale = stale;
		if (deny)
			req.flags = (req.flags < 0 ? 0 : req.flags) |
			    PROTO_STALE_DENY;
	}
	req.token = tok;
	req.tokenlen = strlen(tok);
	r = client_ask(argv[1], ASK_TIMEOUT, &req, &rep, why, sizeof(why));
	explicit_bzero(tok, sizeof(tok));
	if (r != 0)
		errx(1, "%s", why[0] != '\0' ? why : atk_strerror(r));
	printf("%s\n", proto_status_str(rep.status));
	r = rep.status == PROTO_ST_OK ? 0 : 1;
	proto_clear(&rep);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return r;
}

struct spec {
	const char	*user;
	char		 token[TOKEN_BUFSZ];
	int		 ok;		/* 1: accepted; 0: refused. */
};

struct loader {
	pthread_t		 thread;
	const char		*socket;
	const struct spec	*specs;
	size_t			 nspecs;
	size_t			 first;
	int64_t			 end;
	unsigned long		 requests, wrong;
};

/* One request; 1 when its answer is the status expected. */
static int
expect(struct loader *l, const struct proto_msg *req, int want,
    struct proto_msg *rep)
{
	char why[WHY_BUFSZ];
	int r;

	l->requests++;
	r = client_ask(l->socket, ASK_TIMEOUT, req, rep, why, sizeof(why));
	if (r == 0 && rep->status == want)
		return 1;
	if (l->wrong++ < WRONG_SHOWN)
		warnx("type %d user %s: %s, %s expected", req->type,
		    req->user, r != 0 ? why : proto_status_str(rep->status),
		    proto_status_str(want));
	return 0;
}

static void *
loader(void *arg)
{
	struct loader *l = arg;
	struct proto_msg req, rep;
	const struct spec *s;
	char id[PROTO_TEXT_MAX + 1];
	size_t i;

	for (i = l->first; now_ms() < l->end && l->wrong < WRONG_MAX; i++) {
		s = &l->specs[i % l->nspecs];
		proto_init(&req, PROTO_HAS_TOKEN);
		req.user = s->user;
		req.service = SERVICE;
		(void)expect(l, &req, PROTO_ST_OK, &rep);
		proto_clear(&rep);

		proto_init(&req, PROTO_VERIFY);
		req.user = s->user;
		req.service = SERVICE;
		req.token = s->token;
		req.tokenlen = strlen(s->token);
		req.flags = PROTO_LAST_USED;
		if (!expect(l, &req, s->ok ? PROTO_ST_OK : PROTO_ST_REFUSED,
		    &rep) || !s->ok || rep.id == NULL) {
			proto_clear(&rep);
			continue;
		}
		snprintf(id, sizeof(id), "%s", rep.id);
		proto_clear(&rep);

		proto_init(&req, PROTO_ACCOUNT);
		req.user = s->user;
		req.service = SERVICE;
		req.id = id;
		(void)expect(l, &req, PROTO_ST_OK, &rep);
		proto_clear(&rep);
	}
	return NULL;
}

static int
cmd_load(int argc, char *argv[])
{
	static struct spec specs[SPECS_MAX];
	struct loader *l;
	unsigned long requests = 0, wrong = 0;
	int64_t end;
	size_t nthreads, nspecs, i;
	char *arg, *file, *want;

	if (argc < 5)
		return -1;
	nthreads = (size_t)number(argv[2], 1, THREADS_MAX, "THREADS");
	end = now_ms() + 1000 * (int64_t)number(argv[3], 1, 3600, "SECONDS");
	if ((nspecs = (size_t)(argc - 4)) > SPECS_MAX)
		errx(EXIT_USAGE, "at most %d tokens", SPECS_MAX);
	for (i = 0; i < nspecs; i++) {
		if ((arg = strdup(argv[4 + i])) == NULL)
			err(1, "strdup");
		if ((file = strchr(arg, ':')) == NULL ||
		    (want = strchr(file + 1, ':')) == NULL)
			errx(EXIT_USAGE, "%s: USER:TOKENFILE:ok|refused",
			    argv[4 + i]);
		*file++ = '\0';
		*want++ = '\0';
		if (strcmp(want, "ok") != 0 && strcmp(want, "refused") != 0)
			errx(EXIT_USAGE, "%s: ok or refused", argv[4 + i]);
		specs[i].user = arg;
		specs[i].ok = strcmp(want, "ok") == 0;
		read_token(file, specs[i].token, sizeof(specs[i].token));
	}
	if ((l = calloc(nthreads, sizeof(*l))) == NULL)
		err(1, "calloc");
	for (i = 0; i < nthreads; i++) {
		l[i].socket = argv[1];
		l[i].specs = specs;
		l[i].nspecs = nspecs;
		l[i].first = i;
		l[i].end = end;
		if ((errno = pthread_create(&l[i].thread, NULL, loader,
		    &l[i])) != 0)
			err(1, "pthread_create");
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(l[i].thread, NULL);
		requests += l[i].requests;
		wrong += l[i].wrong;
	}
	free(l);
	printf("%lu requests from %zu threads, %lu wrong answers\n",
	    requests, nthreads, wrong);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return wrong == 0 && requests > 0 ? 0 : 1;
}

/* --- stop ----------------------------------------------------------------- */

struct victim {
	pid_t		 pid;
	int64_t		 at;		/* When to stop it. */
	const char	*state;
};

/* Does pid hold a socket (talking to the daemon, surely)? */
static int
has_socket(pid_t pid)
{
	char dir[64], path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int found = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		found = strncmp(link, "socket:", 7) == 0;
	}
	closedir(d);
	return found;
}

static void
redirect(const char *path, int flags, int to)
{
	int fd;

	if ((fd = open(path, flags, 0644)) == -1)
		err(1, "%s", path);
	if (dup2(fd, to) == -1)
		err(1, "dup2");
	close(fd);
}

static int
cmd_stop(int argc, char *argv[])
{
	static struct victim v[STOP_MAX];
	char out[PATH_MAX];
	int64_t start;
	uint32_t ms;
	size_t n, i, next;
	uint64_t maxms;
	pid_t pid;
	int status;

	if (argc < 6)
		return -1;
	n = (size_t)number(argv[1], 1, STOP_MAX, "N");
	maxms = number(argv[2], 0, 60000, "MAXMS");
	for (i = 0; i < n; i++) {
		if (random_uniform((uint32_t)maxms + 1, &ms) != 0)
			errx(1, "random_uniform failed");
		start = now_ms();
		if ((pid = fork()) == -1)
			err(1, "fork");
		if (pid == 0) {
			/*
			 * A session of its own: when we exit, a stopped
			 * child is not in a newly orphaned process group,
			 * which the kernel would SIGHUP and SIGCONT.
			 */
			if (setsid() == -1)
				err(1, "setsid");
			redirect(argv[3], O_RDONLY, STDIN_FILENO);
			snprintf(out, sizeof(out), "%s.%zu.out", argv[4], i);
			redirect(out, O_WRONLY | O_CREAT | O_TRUNC,
			    STDOUT_FILENO);
			snprintf(out, sizeof(out), "%s.%zu.err", argv[4], i);
			redirect(out, O_WRONLY | O_CREAT | O_TRUNC,
			    STDERR_FILENO);
			execvp(argv[5], argv + 5);
			err(127, "%s", argv[5]);
		}
		v[i].pid = pid;
		v[i].at = start + ms;
		v[i].state = NULL;
	}
	/* Stop each at its time, the earliest first. */
	for (;;) {
		next = n;
		for (i = 0; i < n; i++)
			if (v[i].state == NULL &&
			    (next == n || v[i].at < v[next].at))
				next = i;
		if (next == n)
			break;
		sleep_ms(v[next].at - now_ms());
		if (waitpid(v[next].pid, &status, WNOHANG) == v[next].pid) {
			v[next].state = "exited";
			continue;
		}
		if (kill(v[next].pid, SIGSTOP) == -1)
			err(1, "kill %d", (int)v[next].pid);
		v[next].state = "stopped";
	}
	/* What each was doing: only a stopped process stays put to look. */
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].state, "stopped") == 0) {
			while (waitpid(v[i].pid, &status, WUNTRACED) == -1)
				if (errno != EINTR)
					err(1, "waitpid");
			if (!WIFSTOPPED(status))
				v[i].state = "exited";	/* Just before. */
			else if (has_socket(v[i].pid))
				v[i].state = "socket";
		}
		printf("%d %s\n", (int)v[i].pid, v[i].state);
	}
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return 0;
}

/* --- main ----------------------------------------------------------------- */

static int
cmd_notify(int argc, char *argv[])
{
	struct sockaddr_un sun;
	char msg[NOTIFY_MAX + 1];
	int64_t deadline;
	ssize_t n;
	int fd, ready = 0;

	if (argc != 3)
		return -1;
	address(argv[1], &sun);
	deadline = now_ms() + (int64_t)number(argv[2], 1, 600, "seconds") *
	    1000;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "%s", argv[1]);
	while (!ready && wait_fd(fd, POLLIN, deadline) == 1) {
		if ((n = recv(fd, msg, NOTIFY_MAX, 0)) < 0)
			err(1, "recv");
		msg[n] = '\0';
		printf("%s\n", msg);
		ready = strstr(msg, "READY=1") != NULL;
	}
	fflush(stdout);
	close(fd);
	return ready ? 0 : 1;
}

static const struct {
	const char	*name;
	int		(*fn)(int, char *[]);
} commands[] = {
	{ "flood", cmd_flood },
	{ "raw", cmd_raw },
	{ "ask", cmd_ask },
	{ "load", cmd_load },
	{ "stop", cmd_stop },
	{ "notify", cmd_notify },
};

static void usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: daemon_client flood socket n seconds\n"
	    "       daemon_client raw [-s] socket file\n"
	    "       daemon_client ask [-u | -r rhost] [-s seconds[:allow]] "
	    "socket user tokenfile\n"
	    "       daemon_client load socket threads seconds "
	    "user:tokenfile:ok|refused ...\n"
	    "       daemon_client notify socket seconds\n"
	    "       daemon_client stop n maxms input prefix command "
	    "[arg ...]\n");
	exit(EXIT_USAGE);
}

int
main(int argc, char *argv[])
{
	size_t i;
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if ((r = commands[i].fn(argc - 1, argv + 1)) < 0)
			usage();
		return r;
	}
	usage();
}
