/*
 * fleet_bench: the poller of "make bench-fleet" (bench/fleet.sh, issue 13).
 *
 *	fleet_bench reach [-i INPUT] [-t SECONDS] TOKENFILE USER SOCKLIST CMD...
 *	fleet_bench wait [-t SECONDS] ok|refused TOKENFILE USER SOCKET
 *	fleet_bench uses ENDPOINTS PREFIX HOSTS < IDS
 *
 * Each host is asked VERIFY for USER with the token in TOKENFILE over its
 * socket, as pam_apitoken.so asks (pam_apitoken/client.c's client_ask()),
 * without recording a use.
 *
 * reach: first until every socket of SOCKLIST (a file, one path a line)
 * accepts the token; then runs CMD (stdin from INPUT, else /dev/null;
 * its stdout to stderr), which must exit 0; then asks, in sweeps, every
 * host not refusing the token yet, until all refuse.  Prints one line:
 * "ready_ms R cmd_ms C reach_ms X first_ms F median_ms M sweeps S
 * sweep_ms W errors E": the wait for the token to be accepted everywhere,
 * CMD's own time (spawn to exit), and from CMD's exit until the last host
 * refused (X), the first (F) and the median host (M); the sweeps that
 * took, and the time of the first one (every host asked once: the
 * resolution of X); the requests that got no answer.  Between sweeps it
 * sleeps SWEEP_PAUSE_US, so that the daemons it measures get the CPU.
 *
 * wait: until SOCKET answers ok (accepted) or refused; prints "ms T".
 *
 * uses: what HOSTS hosts named u1, u2, ... would have published of their
 * last use of each token id read from IDS (one a line): the keys
 * PREFIXusage/uN/ID (tools/fleet.h), in etcd txns of ETCD_TXN_OPS_MAX
 * puts, through the etcd client the tools use (lib/etcd.c).  Prints
 * "keys K ms T".
 *
 * Each gives up after SECONDS (60) with status 1.
 */
#include "config.h"

#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "etcd.h"
#include "number.h"
#include "proto.h"
#include "request.h"
#include "timing.h"

#define TOKEN_MAX	1024
#define PATH_MAX_LEN	4096
#define MAX_HOSTS	100000
#define ASK_TIMEOUT_S	2
#define SWEEP_PAUSE_US	200
#define NS_PER_MS	1e6

extern char **environ;

static struct proto_msg req;
static char token[TOKEN_MAX];
static unsigned long errors;

struct host {
	char		*path;
	uint64_t	 at;		/* When it answered as wanted; 0: not yet. */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: fleet_bench reach [-i INPUT] [-t SECONDS] "
	    "TOKENFILE USER SOCKLIST CMD...\n"
	    "       fleet_bench wait [-t SECONDS] ok|refused TOKENFILE USER "
	    "SOCKET\n"
	    "       fleet_bench uses ENDPOINTS PREFIX HOSTS < IDS\n");
	exit(2);
}

static void
make_request(const char *tokenfile, const char *user)
{
	verify_request(&req, token, sizeof(token), tokenfile, user,
	    "bench-fleet");
}

/* The host's answer: PROTO_ST_*, or -1 when none came. */
static int
ask(const char *path)
{
	struct proto_msg *rep;
	char why[256];
	int st = -1;

	if ((rep = malloc(sizeof(*rep))) == NULL)
		err(1, "malloc");
	proto_init(rep, 0);
	if (client_ask(path, ASK_TIMEOUT_S, &req, rep, why, sizeof(why)) == 0)
		st = rep->status;
	else
		errors++;
	proto_clear(rep);
	free(rep);
	return st;
}

static void
pause_sweep(void)
{
	struct timespec ts = { 0, SWEEP_PAUSE_US * 1000L };

	nanosleep(&ts, NULL);
}

/*
 * Sweep the hosts not yet answering want until all do (each one's time
 * in at), or the deadline: 0, or -1 naming the first laggard.  *sweeps
 * counts the rounds.
 */
static int
sweep(struct host *h, size_t n, int want, uint64_t deadline,
    unsigned long *sweeps, uint64_t *first)
{
	size_t left = n, i;
	uint64_t t, t0 = now_ns();

	for (i = 0; i < n; i++)
		h[i].at = 0;
	for (*sweeps = 0; left > 0; (*sweeps)++) {
		for (i = 0; i < n; i++) {
			if (h[i].at != 0)
				continue;
			if (ask(h[i].path) == want) {
				t = now_ns();
				h[i].at = t;
				left--;
			}
		}
		if (*sweeps == 0)
			*first = now_ns() - t0;
		if (left == 0)
			break;
		if (now_ns() > deadline) {
			for (i = 0; i < n; i++)
				if (h[i].at == 0) {
					warnx("%s: not %s after the deadline "
					    "(%zu of %zu hosts not)", h[i].path,
					    proto_status_str(want), left, n);
					break;
				}
			return -1;
		}
		pause_sweep();
	}
	return 0;
}

static size_t
read_list(const char *file, struct host **hp)
{
	char line[PATH_MAX_LEN];
	struct host *h = NULL;
	size_t n = 0;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (n == MAX_HOSTS)
			errx(1, "%s: more than %d hosts", file, MAX_HOSTS);
		if ((h = reallocarray(h, n + 1, sizeof(*h))) == NULL ||
		    (h[n].path = strdup(line)) == NULL)
			err(1, "malloc");
		h[n].at = 0;
		n++;
	}
	fclose(f);
	if (n == 0)
		errx(1, "%s: no sockets", file);
	*hp = h;
	return n;
}

/* Run argv with stdin from input; its exit must be 0. */
static void
run(char **argv, const char *input)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, r;

	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 0,
	    input != NULL ? input : "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, 2, 1) != 0)
		errx(1, "posix_spawn_file_actions");
	if ((r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) != 0)
		errx(1, "%s: %s", argv[0], strerror(r));
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) != pid)
		err(1, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		errx(1, "%s: exit status %d", argv[0],
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static double
ms(uint64_t ns)
{
	return (double)ns / NS_PER_MS;
}

static int
reach(int argc, char **argv, const char *input, uint64_t timeout)
{
	struct host *h;
	uint64_t *d, t0, t1, t2, first;
	unsigned long sweeps;
	size_t n, i;

	if (argc < 4)
		usage();
	make_request(argv[0], argv[1]);
	n = read_list(argv[2], &h);
	t0 = now_ns();
	if (sweep(h, n, PROTO_ST_OK, t0 + timeout, &sweeps, &first) != 0)
		return 1;
	t1 = now_ns();
	run(argv + 3, input);
	t2 = now_ns();
	errors = 0;
	if (sweep(h, n, PROTO_ST_REFUSED, t2 + timeout, &sweeps, &first) != 0)
		return 1;
	if ((d = calloc(n, sizeof(*d))) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++)
		d[i] = h[i].at - t2;
	qsort(d, n, sizeof(*d), cmp_u64);
	printf("ready_ms %.2f cmd_ms %.2f reach_ms %.2f first_ms %.2f "
	    "median_ms %.2f sweeps %lu sweep_ms %.2f errors %lu\n",
	    ms(t1 - t0), ms(t2 - t1), ms(d[n - 1]), ms(d[0]),
	    median(d, n) / NS_PER_MS, sweeps + 1, ms(first), errors);
	free(d);
	for (i = 0; i < n; i++)
		free(h[i].path);
	free(h);
	return 0;
}

static int
wait_one(int argc, char **argv, uint64_t timeout)
{
	struct host h;
	unsigned long sweeps;
	uint64_t t0, first;
	int want;

	if (argc != 4)
		usage();
	if (strcmp(argv[0], "ok") == 0)
		want = PROTO_ST_OK;
	else if (strcmp(argv[0], "refused") == 0)
		want = PROTO_ST_REFUSED;
	else
		usage();
	make_request(argv[1], argv[2]);
	h.path = argv[3];
	t0 = now_ns();
	if (sweep(&h, 1, want, t0 + timeout, &sweeps, &first) != 0)
		return 1;
	printf("ms %.2f\n", ms(h.at - t0));
	return 0;
}

/* One txn of the n ops whose keys and values are in kv (2 a op). */
static void
put_all(struct etcd *e, char **kv, size_t n)
{
	struct etcd_op ops[ETCD_TXN_OPS_MAX];
	char why[256];
	int64_t rev;
	size_t i;

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < n; i++) {
		ops[i].key = kv[2 * i];
		ops[i].keylen = strlen(kv[2 * i]);
		ops[i].value = kv[2 * i + 1];
		ops[i].valuelen = strlen(kv[2 * i + 1]);
	}
	if (etcd_txn(e, ops, n, &rev, why, sizeof(why)) != 0)
		errx(1, "uses: %s", why);
	for (i = 0; i < 2 * n; i++)
		free(kv[i]);
}

static int
uses(int argc, char **argv)
{
	struct etcd *e;
	char why[256], line[256], *kv[2 * ETCD_TXN_OPS_MAX];
	uint64_t hosts, h, t0, keys = 0;
	size_t n = 0, len;

	if (argc != 3 || number_parse(argv[2], 1, MAX_HOSTS, &hosts) != 0)
		usage();
	if (etcd_new(argv[0], NULL, &e, why, sizeof(why)) != 0)
		errx(1, "uses: %s", why);
	t0 = now_ns();
	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strcspn(line, "\n");
		line[len] = '\0';
		for (h = 1; h <= hosts; h++) {
			if (asprintf(&kv[2 * n], "%susage/u%llu/%s", argv[1],
			    (unsigned long long)h, line) == -1 ||
			    asprintf(&kv[2 * n + 1], "{\"last_used\":"
			    "\"2026-12-01T00:00:%02lluZ\",\"last_from\":"
			    "\"10.0.%llu.1\"}", (unsigned long long)(h % 60),
			    (unsigned long long)(h % 250)) == -1)
				errx(1, "uses: out of memory");
			keys++;
			if (++n == ETCD_TXN_OPS_MAX) {
				put_all(e, kv, n);
				n = 0;
			}
		}
	}
	if (n > 0)
		put_all(e, kv, n);
	printf("keys %llu ms %.1f\n", (unsigned long long)keys,
	    (double)(now_ns() - t0) / NS_PER_MS);
	etcd_free(e);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *mode, *input = NULL;
	uint64_t seconds = 60;
	int ch, r;

	if (argc < 2)
		usage();
	mode = argv[1];
	argc--;
	argv++;
	/* "+": the options stop at the first operand (CMD has its own). */
	while ((ch = getopt(argc, argv, "+i:t:")) != -1) {
		switch (ch) {
		case 'i':
			input = optarg;
			break;
		case 't':
			if (number_parse(optarg, 1, 86400, &seconds) != 0)
				errx(2, "-t %s: not a number of seconds",
				    optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(mode, "reach") == 0)
		r = reach(argc, argv, input, seconds * TIMING_NS_PER_S);
	else if (strcmp(mode, "wait") == 0 && input == NULL)
		r = wait_one(argc, argv, seconds * TIMING_NS_PER_S);
	else if (strcmp(mode, "uses") == 0 && input == NULL)
		r = uses(argc, argv);
	else
		usage();
	explicit_bzero(token, sizeof(token));
	return r;
}
