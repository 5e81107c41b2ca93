/*
 * apitokend: options, the store, the socket, signals; then serve.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "apitokend.h"
#include "error.h"
#include "escape.h"
#include "number.h"
#include "nocore.h"
#include "opterr.h"
#include "etcd.h"
#include "fleet.h"
#include "store.h"

#define EXIT_USAGE		2
#define SD_LISTEN_FDS_START	3
#define SOCKET_MODE		0666	/* Anyone may ask; handle.c decides. */
#define SOCKET_DIR_MODE		0755
#define NOFILE_WANT		4096

static int log_stderr;

/*
 * One log line, escaped whole (escape.h): its fields come from clients,
 * and a newline or an ESC in a user or remote host name must neither
 * forge a second line nor reach the terminal of whoever reads the log.
 */
void
logmsg(int prio, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL, *esc = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0 || (esc = escape_text(line)) == NULL) {
		syslog(prio, "(a log line lost: out of memory)");
		free(line);
		return;
	}
	syslog(prio, "%s", esc);
	/* One line, one write: threads do not interleave it. */
	if (log_stderr)
		fprintf(stderr, "%s[%d]: %s\n", PROG, (int)getpid(), esc);
	free(line);
	free(esc);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--db PATH] [--socket PATH] "
	    "[--allow-group GROUP]...\n"
	    "                 [--workers N] [--max-failures N] "
	    "[--stderr]\n"
	    "                 [--etcd URL[,URL...] [--prefix P] "
	    "[--cacert FILE] [--cert FILE] [--key FILE]\n"
	    "                  [--trust FILE] [--host-name NAME] "
	    "[--report SECONDS]\n"
	    "                  [--usage-report SECONDS] "
	    "[--probe-interval SECONDS]]\n", PROG);
}

/* Room for the connections: the soft descriptor limit up to the hard. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < NOFILE_WANT) {
		rl.rlim_cur = rl.rlim_max < NOFILE_WANT ? rl.rlim_max :
		    NOFILE_WANT;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* systemd's notification (sd_notify(3)), without libsystemd. */
static void
notify(const char *state)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	size_t n;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + n)) == -1)
		logmsg(LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
	close(fd);
}

/* The socket systemd passed (socket activation), or -1. */
static int
activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	uint64_t p, n;
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (pid == NULL || fds == NULL ||
	    number_parse(pid, 1, INT_MAX, &p) != 0 || p != (uint64_t)getpid())
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (number_parse(fds, 1, 1, &n) != 0)
		errx(1, "LISTEN_FDS: one socket expected");
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type,
	    &len) == -1 || type != SOCK_STREAM ||
	    getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN,
	    &listening, &len) == -1 || !listening)
		errx(1, "the socket systemd passed is not a listening stream "
		    "socket");
	if (fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(SD_LISTEN_FDS_START, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	return SD_LISTEN_FDS_START;
}

/*
 * A socket left by a daemon that was killed is replaced; one that a live
 * daemon answers on is not, nor anything that is not a socket.
 */
static void
clear_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat sb;
	int fd, live;

	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT)
			return;
		err(1, "%s", path);
	}
	if (!S_ISSOCK(sb.st_mode))
		errx(1, "%s: exists and is not a socket", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno != ECONNREFUSED;
	close(fd);
	if (live)
		errx(1, "%s: another apitokend answers there", path);
	if (unlink(path) == -1 && errno != ENOENT)
		err(1, "%s: cannot remove the stale socket", path);
	logmsg(LOG_NOTICE, "%s: replaced a stale socket", path);
}

/* A missing directory of the socket is made (that one, not its parents). */
static void
make_socket_dir(const char *path)
{
	char *dir, *slash;

	if ((dir = strdup(path)) == NULL)
		err(1, "strdup");
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, SOCKET_DIR_MODE) == -1 && errno != EEXIST)
			err(1, "%s", dir);
	}
	free(dir);
}

/*
 * The socket is bound under a temporary name and renamed into place once
 * it listens: whoever sees the path can connect.
 */
static int
listen_on(const char *path)
{
	struct sockaddr_un sun, tmp;
	mode_t old;
	int fd, n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	tmp = sun;
	if (strlen(path) >= sizeof(sun.sun_path))
		errx(1, "%s: socket path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	n = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d", path,
	    (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp.sun_path))
		errx(1, "%s: socket path too long", path);
	make_socket_dir(path);
	clear_stale(path, &sun);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		err(1, "socket");
	(void)unlink(tmp.sun_path);
	/* Single-threaded here: the umask is ours for the bind. */
	old = umask(~SOCKET_MODE & 0777);
	if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) == -1)
		err(1, "%s: bind", path);
	umask(old);
	if (listen(fd, SOMAXCONN) == -1 ||
	    rename(tmp.sun_path, path) == -1) {
		(void)unlink(tmp.sun_path);
		err(1, "%s: listen", path);
	}
	return fd;
}

static gid_t
group_id(const char *name)
{
	struct group *gr;
	uint64_t n;

	if ((gr = getgrnam(name)) != NULL)
		return gr->gr_gid;
	if (number_parse(name, 0, UINT32_MAX - 1, &n) == 0)
		return (gid_t)n;
	errx(EXIT_USAGE, "--allow-group: no such group");
}

enum { OPT_DB = 256, OPT_SOCKET, OPT_ALLOW_GROUP, OPT_WORKERS,
    OPT_MAX_FAILURES, OPT_STDERR, OPT_VERSION, OPT_ETCD, OPT_PREFIX,
    OPT_CACERT, OPT_CERT, OPT_KEY, OPT_TRUST, OPT_HOST_NAME, OPT_REPORT,
    OPT_USAGE_REPORT, OPT_PROBE_INTERVAL };

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "allow-group", required_argument, NULL, OPT_ALLOW_GROUP },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "max-failures", required_argument, NULL, OPT_MAX_FAILURES },
	{ "stderr", no_argument, NULL, OPT_STDERR },
	{ "etcd", required_argument, NULL, OPT_ETCD },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "trust", required_argument, NULL, OPT_TRUST },
	{ "host-name", required_argument, NULL, OPT_HOST_NAME },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "usage-report", required_argument, NULL, OPT_USAGE_REPORT },
	{ "probe-interval", required_argument, NULL, OPT_PROBE_INTERVAL },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void
parse_args(int argc, char *argv[], struct conf *c)
{
	static char default_prefix[] = FLEET_PREFIX_DEFAULT;
	static char hostbuf[FLEET_HOST_MAX + 2];
	char why[WHY_MAX];
	const char *env;
	uint64_t n;
	int ch;

	memset(c, 0, sizeof(*c));
	env = getenv(STORE_ENV_VAR);
	c->db = env != NULL && *env != '\0' ? env : STORE_DEFAULT_PATH;
	c->socket = DEFAULT_SOCKET;
	c->workers = DEFAULT_WORKERS;
	c->max_failures = DEFAULT_MAX_FAILURES;
	c->report = DEFAULT_REPORT;
	c->usage = DEFAULT_USAGE_REPORT;
	c->probe = DEFAULT_PROBE;
	c->self = geteuid();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			if (optarg[0] != '/')
				errx(EXIT_USAGE, "--db: an absolute path");
			c->db = optarg;
			break;
		case OPT_SOCKET:
			if (optarg[0] != '/')
				errx(EXIT_USAGE, "--socket: an absolute path");
			c->socket = optarg;
			break;
		case OPT_ALLOW_GROUP:
			if (c->nallow == ALLOW_GROUPS_MAX)
				errx(EXIT_USAGE, "--allow-group: at most %d",
				    ALLOW_GROUPS_MAX);
			c->allow[c->nallow++] = group_id(optarg);
			break;
		case OPT_WORKERS:
			if (number_parse(optarg, 1, WORKERS_MAX, &n) != 0)
				errx(EXIT_USAGE, "--workers: 1 to %d",
				    WORKERS_MAX);
			c->workers = (int)n;
			break;
		case OPT_MAX_FAILURES:
			if (number_parse(optarg, 0, INT_MAX, &n) != 0)
				errx(EXIT_USAGE, "--max-failures: a number "
				    "(0: no limit)");
			c->max_failures = (int)n;
			break;
		case OPT_STDERR:
			log_stderr = 1;
			break;
		case OPT_ETCD:
			if (etcd_endpoints_check(optarg, why, sizeof(why)) !=
			    0)
				errx(EXIT_USAGE, "--etcd: %s", why);
			c->etcd = optarg;
			break;
		case OPT_PREFIX:
			if (!fleet_prefix_valid(optarg))
				errx(EXIT_USAGE, "--prefix: it starts and "
				    "ends with '/' and is at most %d printable "
				    "characters", FLEET_PREFIX_MAX);
			c->prefix = optarg;
			break;
		case OPT_HOST_NAME:
			if (!fleet_host_valid(optarg))
				errx(EXIT_USAGE, "--host-name: 1 to %d letters, "
				    "digits, '.', '_' or '-'", FLEET_HOST_MAX);
			c->host = optarg;
			break;
		case OPT_REPORT:
			if (number_parse(optarg, 0, 86400, &n) != 0)
				errx(EXIT_USAGE, "--report: seconds, 0 to 86400 "
				    "(0: no report)");
			c->report = (long)n;
			break;
		case OPT_USAGE_REPORT:
			if (number_parse(optarg, 0, 86400, &n) != 0)
				errx(EXIT_USAGE, "--usage-report: seconds, 0 to "
				    "86400 (0: this host's last uses stay "
				    "here)");
			c->usage = (long)n;
			break;
		case OPT_PROBE_INTERVAL:
			if (number_parse(optarg, 1, 3600, &n) != 0)
				errx(EXIT_USAGE, "--probe-interval: seconds, 1 "
				    "to 3600");
			c->probe = (long)n;
			break;
		case OPT_TRUST:
			if (optarg[0] != '/')
				errx(EXIT_USAGE, "--trust: an absolute path");
			c->trust = optarg;
			break;
		case OPT_CACERT:
		case OPT_CERT:
		case OPT_KEY:
			if (optarg[0] != '/')
				errx(EXIT_USAGE, "--%s: an absolute path",
				    ch == OPT_CACERT ? "cacert" :
				    ch == OPT_CERT ? "cert" : "key");
			*(ch == OPT_CACERT ? &c->cacert : ch == OPT_CERT ?
			    &c->cert : &c->key) = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(fflush(stdout) == EOF ? 1 : 0);
		case OPT_VERSION:
			printf("%s (%s) %s\n", PROG, PACKAGE_NAME,
			    PACKAGE_VERSION);
			exit(fflush(stdout) == EOF ? 1 : 0);
		default:
			opt_error(PROG, ch, argv, longopts);
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind != argc) {
		warnx("unexpected argument");
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (c->etcd == NULL && (c->prefix != NULL || c->cacert != NULL ||
	    c->cert != NULL || c->key != NULL || c->trust != NULL ||
	    c->host != NULL || c->report != DEFAULT_REPORT ||
	    c->usage != DEFAULT_USAGE_REPORT || c->probe != DEFAULT_PROBE))
		errx(EXIT_USAGE, "--prefix, --cacert, --cert, --key, --trust, "
		    "--host-name, --report, --usage-report and --probe-interval "
		    "go with --etcd");
	if (c->etcd != NULL && c->host == NULL) {
		/* The last byte stays the NUL of the static buffer. */
		if (gethostname(hostbuf, sizeof(hostbuf) - 1) != 0 ||
		    !fleet_host_valid(hostbuf))
			errx(EXIT_USAGE, "this host's name is not one a report "
			    "can carry: give --host-name");
		c->host = hostbuf;
	}
	if (c->etcd != NULL && c->prefix == NULL)
		c->prefix = default_prefix;
}

int
main(int argc, char *argv[])
{
	struct conf conf;
	struct fleet_conf fc;
	struct fleet *fleet = NULL;
	struct daemon d;
	sigset_t set;
	char why[WHY_MAX] = "";
	int lfd, sigfd, activated, r;

	no_core_dumps();
	parse_args(argc, argv, &conf);
	openlog(PROG, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	memset(&d, 0, sizeof(d));
	d.conf = &conf;

	/* Every thread started later inherits the blocked signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		err(1, "signalfd");
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();

	if ((r = shared_open(conf.db, &d.shared, why, sizeof(why))) != 0) {
		logmsg(LOG_ERR, "store %s refused: %s%s%s", conf.db,
		    atk_strerror(r), why[0] != '\0' ? ": " : "", why);
		errx(1, "%s: %s%s%s", conf.db, atk_strerror(r),
		    why[0] != '\0' ? ": " : "", why);
	}
	activated = (lfd = activated_socket()) != -1;
	if (!activated)
		lfd = listen_on(conf.socket);
	if ((r = limiter_new(conf.max_failures, &d.limiter)) != 0 ||
	    (r = usage_start(d.shared, &d.usage)) != 0)
		errx(1, "%s", atk_strerror(r));

	if (conf.etcd != NULL) {
		memset(&fc, 0, sizeof(fc));
		fc.etcd = conf.etcd;
		fc.prefix = conf.prefix;
		fc.cacert = conf.cacert;
		fc.cert = conf.cert;
		fc.key = conf.key;
		fc.trusted = conf.trust != NULL;
		fc.host = conf.host;
		fc.report = conf.report;
		fc.usage = conf.usage;
		fc.probe = conf.probe;
		if (fc.trusted && fleet_trust_read(conf.trust, fc.trust, why,
		    sizeof(why)) != 0)
			errx(1, "--trust: %s", why);
		if (!fc.trusted)
			logmsg(LOG_WARNING, "fleet: no --trust: applying "
			    "whatever the writers of %s in etcd put there",
			    fc.prefix);
		if ((r = fleet_start(d.shared, conf.db, &fc, &fleet, why,
		    sizeof(why))) != 0)
			errx(1, "--etcd: %s%s%s", atk_strerror(r),
			    why[0] != '\0' ? ": " : "", why);
	}
	d.fleet = fleet;
	logmsg(LOG_INFO, "serving %s on %s%s%s (%d workers)", conf.db,
	    activated ? "the socket systemd passed" : conf.socket,
	    conf.etcd != NULL ? ", in step with etcd at " : "",
	    conf.etcd != NULL ? conf.etcd : "", conf.workers);
	notify("READY=1");
	r = server_run(&d, lfd, sigfd);
	notify("STOPPING=1");
	close(lfd);
	if (!activated)
		unlink(conf.socket);
	fleet_stop(fleet);
	usage_stop(d.usage);
	limiter_free(d.limiter);
	shared_close(d.shared);
	if (r != 0) {
		logmsg(LOG_ERR, "stopped: %s", atk_strerror(r));
		return 1;
	}
	logmsg(LOG_INFO, "stopped");
	return 0;
}
