/*
 * pam_bench: whole PAM logins (pam_start, pam_authenticate, pam_acct_mgmt,
 * pam_end) for "make bench" (issue 4, "Speed"), driven by bench/pam.sh
 * under pam_wrapper with a private service directory.
 *
 *	pam_bench loop [-c CYCLES] [-w WARMUP] [-m MODULE] [-o OUT]
 *	    SERVICE USER SECRET
 *		CYCLES logins in this one process after WARMUP untimed ones;
 *		one line per timed login appended to OUT (microseconds:
 *		total, pam_start, pam_authenticate, pam_acct_mgmt, pam_end);
 *		with -m, whether MODULE is still mapped after pam_end
 *	pam_bench once [-s] SERVICE USER SECRET
 *		one login, exit 0 when both PAM calls said PAM_SUCCESS; with
 *		-s libcrypto is set up first (its configuration loaded,
 *		SHA-256 fetched) as sshd has it before it calls PAM
 *	pam_bench nop [-s]
 *		nothing: the start-up of this program under the preload
 *		(with -s, and libcrypto's set-up)
 *	pam_bench spawn [-s] [-r RUNS] -d DIR USER ROW...
 *		RUNS rounds of fresh processes, one "once" per ROW
 *		("SERVICE=SECRET", or "nop") in an order rotated each round;
 *		each process timed from posix_spawn to waitpid, in
 *		microseconds, one line per run in DIR/fresh-SERVICE.us
 *		(with -s: "once -s" and "nop -s", in DIR/fresh-ssl-SERVICE.us)
 *
 * Every answer to a prompt is the secret; every login must succeed, or
 * this program stops with an error: a stack that fails cannot look fast.
 *
 * This program does not link libcrypto or LMDB (bench/pam_fill makes the
 * stores): a fresh process must load them the way login or su would,
 * through the module.  With -s it loads libcrypto itself, at run time.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* For its constants only: libcrypto is not linked (see above). */
#include <openssl/crypto.h>
#include <security/pam_appl.h>

#include "number.h"
#include "timing.h"

#define SECRET_MAX	4096
#define PATH_BUFSZ	4096
#define MAX_COUNT	100000000
#define MAX_ROWS	32
#define DEFAULT_CYCLES	2000
#define DEFAULT_WARMUP	200
#define DEFAULT_RUNS	200
#define SELF_EXE	"/proc/self/exe"
#define ROW_NOP		"nop"
#define SSL_TAG		"ssl-"
#define LIBCRYPTO	"libcrypto.so.3"
/* Columns of a loop sample: total and the four PAM calls. */
#define NPHASES		5

extern char **environ;

struct secret {
	char	 text[SECRET_MAX];
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pam_bench loop [-c CYCLES] [-w WARMUP] [-m MODULE] "
	    "[-o OUT] SERVICE USER SECRET\n"
	    "       pam_bench once [-s] SERVICE USER SECRET\n"
	    "       pam_bench nop [-s]\n"
	    "       pam_bench spawn [-s] [-r RUNS] -d DIR USER ROW...\n");
	exit(2);
}

static uint64_t
count_arg(const char *s, uint64_t max, const char *opt)
{
	uint64_t v;

	if (number_parse(s, 1, max, &v) != 0)
		errx(2, "%s %s: not a count", opt, s);
	return v;
}

/* The whole file, one trailing newline dropped; never cut short. */
static void
read_secret(const char *path, struct secret *s)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		err(1, "%s", path);
	for (;;) {
		n = read(fd, s->text + len, sizeof(s->text) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "%s", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(s->text) - 1)
			errx(1, "%s: longer than %d bytes", path,
			    SECRET_MAX - 1);
	}
	(void)close(fd);
	if (len > 0 && s->text[len - 1] == '\n')
		len--;
	s->text[len] = '\0';
	if (len == 0 || memchr(s->text, '\0', len) != NULL)
		errx(1, "%s: empty or not text", path);
}

/* --- logins ---------------------------------------------------------------- */

/* Every prompt is answered with the secret; other messages are dropped. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	const struct secret *s = appdata;
	struct pam_response *r;
	int i;

	*resp = NULL;
	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((r[i].resp = strdup(s->text)) == NULL)
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
 fail:
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

/*
 * One whole login; t[] gets the nanoseconds of the total and of each
 * call.  Any result but PAM_SUCCESS stops the program.
 */
static void
login(const char *service, const char *user, struct secret *s, uint64_t *t)
{
	struct pam_conv pc = { conv, s };
	pam_handle_t *pamh = NULL;
	uint64_t t0, t1, t2, t3, t4;
	int r;

	t0 = now_ns();
	r = pam_start(service, user, &pc, &pamh);
	t1 = now_ns();
	if (r != PAM_SUCCESS)
		errx(1, "%s: pam_start: %s", service, pam_strerror(NULL, r));
	if ((r = pam_authenticate(pamh, PAM_SILENT)) != PAM_SUCCESS)
		errx(1, "%s: pam_authenticate: %s", service,
		    pam_strerror(pamh, r));
	t2 = now_ns();
	if ((r = pam_acct_mgmt(pamh, PAM_SILENT)) != PAM_SUCCESS)
		errx(1, "%s: pam_acct_mgmt: %s", service,
		    pam_strerror(pamh, r));
	t3 = now_ns();
	if ((r = pam_end(pamh, PAM_SUCCESS)) != PAM_SUCCESS)
		errx(1, "%s: pam_end: %s", service, pam_strerror(NULL, r));
	t4 = now_ns();
	if (t != NULL) {
		t[0] = t4 - t0;
		t[1] = t1 - t0;
		t[2] = t2 - t1;
		t[3] = t3 - t2;
		t[4] = t4 - t3;
	}
}

static int
cmd_loop(int argc, char *argv[])
{
	struct secret s;
	const char *module = NULL, *out = NULL;
	uint64_t cycles = DEFAULT_CYCLES, warmup = DEFAULT_WARMUP;
	uint64_t *t;
	void *h;
	FILE *fp = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "c:m:o:w:")) != -1) {
		switch (ch) {
		case 'c':
			cycles = count_arg(optarg, MAX_COUNT, "-c");
			break;
		case 'm':
			module = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'w':
			if (number_parse(optarg, 0, MAX_COUNT, &warmup) != 0)
				errx(2, "-w %s: not a count", optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	read_secret(argv[optind + 2], &s);
	if ((t = calloc(cycles, NPHASES * sizeof(*t))) == NULL)
		err(1, NULL);
	for (uint64_t i = 0; i < warmup; i++)
		login(argv[optind], argv[optind + 1], &s, NULL);
	for (uint64_t i = 0; i < cycles; i++)
		login(argv[optind], argv[optind + 1], &s, t + i * NPHASES);
	explicit_bzero(&s, sizeof(s));
	if (module != NULL) {
		/* Still mapped after pam_end: RTLD_NOLOAD finds it. */
		h = dlopen(module, RTLD_LAZY | RTLD_NOLOAD);
		printf("%s\n", h != NULL ? "resident" : "unloaded");
		if (h != NULL)
			dlclose(h);
	}
	if (out != NULL) {
		if ((fp = fopen(out, "a")) == NULL)
			err(1, "%s", out);
		for (uint64_t i = 0; i < cycles; i++) {
			for (int p = 0; p < NPHASES; p++)
				fprintf(fp, "%s%.1f", p > 0 ? " " : "",
				    (double)t[i * NPHASES + p] / 1e3);
			fputc('\n', fp);
		}
		if (fclose(fp) != 0)
			err(1, "%s", out);
	}
	free(t);
	return 0;
}

/*
 * What sshd has done before it calls PAM: libcrypto set up with its
 * configuration, a digest fetched (OpenSSH's MACs and key exchange run on
 * EVP digests).
 */
static void
ssl_ready(void)
{
	int (*init)(uint64_t, const void *);
	void *(*fetch)(void *, const char *, const char *);
	void (*md_free)(void *);
	void *h, *md;

	/* Kept loaded, as in sshd: the module finds it there. */
	if ((h = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_GLOBAL)) == NULL)
		errx(1, "%s", dlerror());
	*(void **)&init = dlsym(h, "OPENSSL_init_crypto");
	*(void **)&fetch = dlsym(h, "EVP_MD_fetch");
	*(void **)&md_free = dlsym(h, "EVP_MD_free");
	if (init == NULL || fetch == NULL || md_free == NULL)
		errx(1, "%s: symbols missing", LIBCRYPTO);
	if (init(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    (md = fetch(NULL, "SHA256", NULL)) == NULL)
		errx(1, "libcrypto set-up failed");
	md_free(md);
}

/* "once" and "nop": -s sets libcrypto up first. */
static int
ssl_flag(int argc, char *argv[])
{
	int ch, ssl = 0;

	while ((ch = getopt(argc, argv, "s")) != -1) {
		if (ch != 's')
			usage();
		ssl = 1;
	}
	if (ssl)
		ssl_ready();
	return ssl;
}

static int
cmd_once(int argc, char *argv[])
{
	struct secret s;

	(void)ssl_flag(argc, argv);
	if (argc - optind != 3)
		usage();
	read_secret(argv[optind + 2], &s);
	login(argv[optind], argv[optind + 1], &s, NULL);
	explicit_bzero(&s, sizeof(s));
	return 0;
}

static int
cmd_nop(int argc, char *argv[])
{
	(void)ssl_flag(argc, argv);
	if (argc != optind)
		usage();
	return 0;
}

/* --- fresh processes ------------------------------------------------------- */

struct row {
	char		*service;	/* NULL for the nop row. */
	char		*secret;
	FILE		*out;
};

static uint64_t
spawn_one(const struct row *row, const char *user, int ssl)
{
	char *args[7];
	uint64_t t0, t;
	pid_t pid;
	int i = 0, rc, status;

	args[i++] = (char *)(uintptr_t)"pam_bench";
	args[i++] = (char *)(uintptr_t)(row->service == NULL ? ROW_NOP :
	    "once");
	if (ssl)
		args[i++] = (char *)(uintptr_t)"-s";
	if (row->service != NULL) {
		args[i++] = row->service;
		args[i++] = (char *)(uintptr_t)user;
		args[i++] = row->secret;
	}
	args[i] = NULL;
	t0 = now_ns();
	if ((rc = posix_spawn(&pid, SELF_EXE, NULL, NULL, args,
	    environ)) != 0) {
		errno = rc;
		err(1, "posix_spawn");
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			err(1, "waitpid");
	t = now_ns() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(1, "%s: a login in a fresh process failed",
		    row->service != NULL ? row->service : ROW_NOP);
	return t;
}

static int
cmd_spawn(int argc, char *argv[])
{
	char path[PATH_BUFSZ];
	struct row rows[MAX_ROWS];
	const char *dir = NULL, *user;
	uint64_t runs = DEFAULT_RUNS, t;
	size_t nrows = 0, k;
	char *eq;
	int ch, n, ssl = 0;

	while ((ch = getopt(argc, argv, "d:r:s")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 's':
			ssl = 1;
			break;
		case 'r':
			runs = count_arg(optarg, MAX_COUNT, "-r");
			break;
		default:
			usage();
		}
	}
	if (dir == NULL || argc - optind < 2)
		usage();
	user = argv[optind++];
	for (; optind < argc; optind++) {
		if (nrows == MAX_ROWS)
			errx(2, "at most %d rows", MAX_ROWS);
		memset(&rows[nrows], 0, sizeof(rows[nrows]));
		if (strcmp(argv[optind], ROW_NOP) != 0) {
			if ((eq = strchr(argv[optind], '=')) == NULL ||
			    eq == argv[optind] || eq[1] == '\0')
				errx(2, "%s: not SERVICE=SECRET", argv[optind]);
			*eq = '\0';
			rows[nrows].service = argv[optind];
			rows[nrows].secret = eq + 1;
		}
		n = snprintf(path, sizeof(path), "%s/fresh-%s%s.us", dir,
		    ssl ? SSL_TAG : "", rows[nrows].service != NULL ?
		    rows[nrows].service : ROW_NOP);
		if (n < 0 || (size_t)n >= sizeof(path))
			errx(1, "%s: path too long", dir);
		if ((rows[nrows].out = fopen(path, "w")) == NULL)
			err(1, "%s", path);
		nrows++;
	}
	/* One untimed run each: the files in the page cache. */
	for (k = 0; k < nrows; k++)
		(void)spawn_one(&rows[k], user, ssl);
	for (uint64_t r = 0; r < runs; r++) {
		for (size_t i = 0; i < nrows; i++) {
			k = (i + r) % nrows;
			t = spawn_one(&rows[k], user, ssl);
			fprintf(rows[k].out, "%.1f\n", (double)t / 1e3);
		}
	}
	for (k = 0; k < nrows; k++)
		if (fclose(rows[k].out) != 0)
			err(1, "%s", dir);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	argc--;
	argv++;
	if (strcmp(argv[0], "loop") == 0)
		return cmd_loop(argc, argv);
	if (strcmp(argv[0], "once") == 0)
		return cmd_once(argc, argv);
	if (strcmp(argv[0], ROW_NOP) == 0)
		return cmd_nop(argc, argv);
	if (strcmp(argv[0], "spawn") == 0)
		return cmd_spawn(argc, argv);
	usage();
	return 2;
}
