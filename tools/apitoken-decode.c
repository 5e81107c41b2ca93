/*
 * apitoken-decode: base64 and certutil armor in, bytes out; or with -e,
 * bytes in, GNU base64 or certutil -encode text out.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apitoken-decode.h"
#include "armor.h"
#include "base64.h"
#include "error.h"
#include "escape.h"
#include "number.h"
#include "nocore.h"
#include "opterr.h"
#include "outfile.h"
#include "utf16.h"

#define PROG		"apitoken-decode"
#define STDIO_NAME	"-"
#define STDIN_NAME	"stdin"
#define STDOUT_NAME	"stdout"
#define GNU_COLS	76		/* GNU base64's default line width. */
#define TEXT_MAX	(16 * 1024 * 1024) /* Most --text held back. */
#define COLS_MAX	((uint64_t)SIZE_MAX / 8)

enum {
	OPT_CERTUTIL = 256,
	OPT_HELP,
	OPT_SECRET_KEY,
	OPT_TEXT,
	OPT_URL,
	OPT_VERSION,
};

static volatile sig_atomic_t caught;

static const struct option longopts[] = {
	{ "certutil",	no_argument,		NULL,	OPT_CERTUTIL },
	{ "decode",	no_argument,		NULL,	'd' },
	{ "help",	no_argument,		NULL,	OPT_HELP },
	{ "ignore-garbage", no_argument,	NULL,	'i' },
	{ "secret-key",	required_argument,	NULL,	OPT_SECRET_KEY },
	{ "text",	no_argument,		NULL,	OPT_TEXT },
	{ "url",	no_argument,		NULL,	OPT_URL },
	{ "version",	no_argument,		NULL,	OPT_VERSION },
	{ "wrap",	required_argument,	NULL,	'w' },
	{ NULL,		0,			NULL,	0 }
};

static void
print_usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-d] [-f] [-i] [--url] [--text] [--secret-key KEY] "
	    "[INFILE [OUTFILE]]\n"
	    "       " PROG " -e [-f] [--certutil] [--url] [-w COLS] "
	    "[INFILE [OUTFILE]]\n"
	    "       " PROG " [-f] -decode|-encode INFILE OUTFILE\n"
	    "       " PROG " -h | --help | --version\n");
}

static void __attribute__((noreturn))
usage(void)
{
	print_usage(stderr);
	exit(2);
}

static void __attribute__((noreturn))
done_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, STDOUT_NAME);
	exit(0);
}

static void __attribute__((noreturn))
help(void)
{
	print_usage(stdout);
	printf("\n"
	    "Decode base64 (GNU base64, certutil armor, base64url) from INFILE\n"
	    "to OUTFILE, or encode with -e.  \"-\" or no name is stdin/stdout.\n"
	    "\n"
	    "  -d, --decode      decode (the default; GNU base64's spelling)\n"
	    "  -e                encode instead of decode\n"
	    "  -f                overwrite an existing OUTFILE\n"
	    "  -i, --ignore-garbage  skip bytes that are not base64\n"
	    "  --url             base64url alphabet (encode: no padding)\n"
	    "  --text            show decoded UTF-16LE bytes as UTF-8 text\n"
	    "  --secret-key KEY  decode .data[KEY] of a Kubernetes Secret "
	    "(JSON)\n"
	    "  --certutil        encode as certutil -encode does\n"
	    "  -w, --wrap=COLS   wrap encoded lines at COLS (0: one line; "
	    "default 76)\n"
	    "  -decode IN OUT    certutil's spelling: decode IN into OUT\n"
	    "  -encode IN OUT    certutil's spelling: encode IN as certutil "
	    "does\n"
	    "  -h, --help, --version\n");
	done_stdout();
}

static void
on_signal(int sig)
{
	caught = sig;
}

/*
 * Stops on every signal whose default is to end the process, so that a
 * named temporary file (where O_TMPFILE is not to be had, lib/outfile.c)
 * goes away; SIGKILL leaves nothing only where the output is unnamed.
 */
static void
catch_signals(void)
{
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
		SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO, SIGPWR,
		SIGSTKFLT,
	};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read(2) must return. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			err(1, "sigaction");
	/* A closed pipe is a write error, reported, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

/* After the output is cleaned up, die of the signal caught. */
static void
die_if_caught(void)
{
	int sig = caught;

	if (sig == 0)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
	exit(1);
}

ssize_t
read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		if (caught) {
			errno = EINTR;
			return -1;
		}
		if ((n = read(fd, buf, len)) >= 0 || errno != EINTR)
			return n;
	}
}

/* A signal is no read error: it is reported by dying of it. */
void
read_error(const char *name)
{
	if (!caught)
		warn("%s", name);
}

static int
sink_write(struct sink *s, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (outfile_write(s->of, buf, len) != 0) {
		warn("%s", s->outname);
		return -1;
	}
	s->last = ((const char *)buf)[len - 1];
	s->nout += len;
	return 0;
}

/*
 * --text: n more bytes of text held back until the end, so that nothing
 * is printed of bytes that turn out not to be UTF-16LE text.  Grown by
 * hand so that no copy of a secret is left behind.
 */
static int
sink_hold(struct sink *s, const char *text, size_t n)
{
	size_t cap;
	char *p;

	if (n > TEXT_MAX - s->nheld) {
		warnx("--text: more than %d bytes of text", TEXT_MAX);
		return -1;
	}
	if (s->nheld + n > s->capheld) {
		cap = s->capheld == 0 ? IO_BUF : s->capheld * 2;
		while (cap < s->nheld + n)
			cap *= 2;
		if ((p = malloc(cap)) == NULL) {
			warn(NULL);
			return -1;
		}
		if (s->held != NULL) {
			memcpy(p, s->held, s->nheld);
			explicit_bzero(s->held, s->capheld);
			free(s->held);
		}
		s->held = p;
		s->capheld = cap;
	}
	memcpy(s->held + s->nheld, text, n);
	s->nheld += n;
	return 0;
}

/* Decoded bytes out, as they are or as text. */
int
sink_put(struct sink *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t at;
	size_t n, k, i;

	if (!s->text)
		return sink_write(s, buf, len);
	for (; len > 0; p += k, len -= k) {
		k = len < IO_BUF ? len : IO_BUF;
		/* A zero high byte: a code unit of a Latin character. */
		at = s->u.pos;
		for (i = 0; i < k && !s->latin; i++)
			s->latin = (at + i) % 2 == 1 && p[i] == 0;
		if (utf16_decoder_update(&s->u, p, k, s->tbuf, &n) != 0) {
			warnx("decoded bytes are not UTF-16LE text (byte %ju)",
			    (uintmax_t)s->u.errpos);
			return -1;
		}
		if (sink_hold(s, s->tbuf, n) != 0)
			return -1;
	}
	return 0;
}

int
sink_final(struct sink *s)
{
	if (!s->text)
		return 0;
	if (utf16_decoder_final(&s->u) != 0) {
		warnx("decoded bytes are not UTF-16LE text (byte %ju)",
		    (uintmax_t)s->u.errpos);
		return -1;
	}
	/*
	 * Eight-bit text ("hell") is valid UTF-16LE too, of CJK noise: text
	 * of the PowerShell recipe is ASCII, so without a byte-order mark a
	 * text with no Latin character at all is refused.
	 */
	if (s->nheld > 0 && !s->latin && !s->u.bom) {
		warnx("decoded bytes do not look like UTF-16LE text (no "
		    "byte-order mark, no Latin character): leave out --text");
		return -1;
	}
	if (sink_write(s, s->held, s->nheld) != 0)
		return -1;
	/* Text ends with a line end. */
	if (s->nout > 0 && s->last != '\n')
		return sink_write(s, "\n", 1);
	return 0;
}

void
decode_error(const char *name, const char *what, int r, uint64_t pos)
{
	warnx("%s%s: %s at byte %ju", name, what, atk_strerror(r),
	    (uintmax_t)pos);
}

static int
run_decode(const struct opts *o, int fd, struct sink *s)
{
	struct armor_reader *ar = NULL;
	unsigned char *in = NULL, *out = NULL;
	size_t n, most = 0;
	ssize_t got;
	int r, ret = -1;

	if ((ar = malloc(sizeof(*ar))) == NULL ||
	    (in = malloc(IO_BUF)) == NULL ||
	    (out = malloc(armor_reader_bound(IO_BUF))) == NULL) {
		warn(NULL);
		goto out;
	}
	armor_reader_init(ar, (o->url ? BASE64_URL : 0) |
	    (o->garbage ? BASE64_GARBAGE : 0));
	while ((got = read_some(fd, in, IO_BUF)) > 0) {
		if ((size_t)got > most)
			most = (size_t)got;
		r = armor_reader_update(ar, in, (size_t)got, out, &n);
		if (sink_put(s, out, n) != 0)
			goto out;
		if (r != 0) {
			decode_error(o->inname, "", r, ar->errpos);
			goto out;
		}
	}
	if (got < 0) {
		read_error(o->inname);
		goto out;
	}
	r = armor_reader_final(ar, out, &n);
	if (sink_put(s, out, n) != 0)
		goto out;
	if (r != 0) {
		decode_error(o->inname, "", r, ar->errpos);
		goto out;
	}
	ret = sink_final(s);
out:
	/*
	 * Wipe what was written, no more: a page never touched costs a
	 * page fault to clear, and a one-token decode is mostly start-up.
	 * The output of an update of k bytes fits in armor_reader_bound(k),
	 * the final output included.
	 */
	if (out != NULL)
		explicit_bzero(out, armor_reader_bound(most));
	if (in != NULL)
		explicit_bzero(in, most);
	if (ar != NULL)
		explicit_bzero(ar, sizeof(*ar));
	free(out);
	free(in);
	free(ar);
	return ret;
}

static int
run_encode(const struct opts *o, int fd, struct sink *s)
{
	struct base64_encoder e;
	struct armor_writer a;
	unsigned char *in = NULL;
	char *out = NULL;
	size_t n, bound;
	ssize_t got;
	int ret = -1;

	if (o->certutil) {
		armor_writer_init(&a);
		bound = armor_writer_bound(&a, IO_BUF);
	} else {
		base64_encoder_init(&e, o->url ? BASE64_URL | BASE64_NOPAD : 0,
		    o->cols, 0);
		bound = base64_encoder_bound(&e, IO_BUF);
	}
	if ((in = malloc(IO_BUF)) == NULL || (out = malloc(bound)) == NULL) {
		warn(NULL);
		goto out;
	}
	while ((got = read_some(fd, in, IO_BUF)) > 0) {
		if (o->certutil)
			n = armor_writer_update(&a, in, (size_t)got, out);
		else
			n = base64_encoder_update(&e, in, (size_t)got, out);
		if (sink_write(s, out, n) != 0)
			goto out;
	}
	if (got < 0) {
		read_error(o->inname);
		goto out;
	}
	n = o->certutil ? armor_writer_final(&a, out) :
	    base64_encoder_final(&e, out);
	ret = sink_write(s, out, n);
out:
	if (out != NULL)
		explicit_bzero(out, bound);
	if (in != NULL)
		explicit_bzero(in, IO_BUF);
	free(out);
	free(in);
	return ret;
}

/*
 * certutil's verbs, "-decode IN OUT" and "-encode IN OUT" (any case, as
 * certutil takes them), rewritten in argv to what getopt knows: "-decode"
 * to "-d", "-encode" to "-e" with --certutil's output set here.
 */
static void
certutil_verbs(int argc, char **argv, struct opts *o)
{
	static char dflag[] = "-d", eflag[] = "-e";
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcasecmp(argv[i], "-decode") == 0)
			argv[i] = dflag;
		else if (strcasecmp(argv[i], "-encode") == 0) {
			argv[i] = eflag;
			o->certutil = 1;
		}
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	uint64_t v;
	int ch;

	memset(o, 0, sizeof(*o));
	o->cols = GNU_COLS;
	certutil_verbs(argc, argv, o);
	while ((ch = getopt_long(argc, argv, ":defhiw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			o->decode = 1;
			break;
		case 'e':
			o->encode = 1;
			break;
		case 'i':
			o->garbage = 1;
			break;
		case 'h':
			help();
		case 'f':
			o->force = 1;
			break;
		case 'w':
			if (number_parse(optarg, 0, COLS_MAX, &v) != 0) {
				warnx("invalid line width: %s", optarg);
				usage();
			}
			o->cols = (size_t)v;
			o->cols_set = 1;
			break;
		case OPT_CERTUTIL:
			o->certutil = 1;
			break;
		case OPT_HELP:
			help();
		case OPT_SECRET_KEY:
			o->secret_key = optarg;
			break;
		case OPT_TEXT:
			o->text = 1;
			break;
		case OPT_URL:
			o->url = 1;
			break;
		case OPT_VERSION:
			printf("%s (%s) %s\n", PROG, PACKAGE_NAME,
			    PACKAGE_VERSION);
			done_stdout();
		default:
			opt_error(PROG, ch, argv, longopts);
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 2)
		usage();
	if (o->encode && o->decode) {
		warnx("-d and -e exclude each other");
		usage();
	}
	if (o->encode && o->garbage) {
		warnx("-i is for decoding");
		usage();
	}
	if (o->encode && (o->text || o->secret_key != NULL)) {
		warnx("--text and --secret-key are for decoding");
		usage();
	}
	if (!o->encode && (o->certutil || o->cols_set)) {
		warnx("--certutil and -w are for encoding (-e)");
		usage();
	}
	if (o->certutil && (o->url || o->cols_set)) {
		warnx("--certutil has its own alphabet and line width");
		usage();
	}
	o->inpath = argc > 0 ? argv[0] : STDIO_NAME;
	o->outpath = argc > 1 ? argv[1] : STDIO_NAME;
	o->inname = strcmp(o->inpath, STDIO_NAME) == 0 ? STDIN_NAME :
	    o->inpath;
	o->outname = strcmp(o->outpath, STDIO_NAME) == 0 ? STDOUT_NAME :
	    o->outpath;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	struct sink s;
	int fd = STDIN_FILENO, r, ret;

	no_core_dumps();
	/* opt_error() says what was wrong, never an option's value. */
	opterr = 0;
	parse_args(argc, argv, &o);
	catch_signals();
	memset(&s, 0, sizeof(s));
	s.outname = o.outname;
	s.text = o.text;
	if (s.text) {
		utf16_decoder_init(&s.u);
		s.tbufsz = utf16_decoder_bound(IO_BUF);
		if ((s.tbuf = malloc(s.tbufsz)) == NULL)
			err(1, NULL);
	}
	if (strcmp(o.inpath, STDIO_NAME) != 0 &&
	    (fd = open(o.inpath, O_RDONLY | O_CLOEXEC)) < 0) {
		/*
		 * A name that is not there and looks like encoded text is
		 * more likely a token typed where its file belongs
		 * ("apitoken-decode qU39...=="): not printed back.
		 */
		if (errno == ENOENT && escape_secretlike(o.inpath))
			errx(1, "no such file, and its name looks like "
			    "encoded text: to decode text, give it on "
			    "standard input");
		err(1, "%s", o.inpath);
	}
	if ((r = outfile_open(o.outpath, o.force, &s.of)) != 0) {
		if (r == ATK_ERR_EXISTS)
			errx(1, "%s: output file exists (use -f to overwrite)",
			    o.outname);
		if (r == ATK_ERR_SYSTEM)
			err(1, "%s", o.outname);
		errx(1, "%s: %s", o.outname, atk_strerror(r));
	}
	if (o.encode)
		ret = run_encode(&o, fd, &s);
	else if (o.secret_key != NULL)
		ret = run_secret(&o, fd, &s);
	else
		ret = run_decode(&o, fd, &s);
	if (s.tbuf != NULL) {
		explicit_bzero(s.tbuf, s.tbufsz);
		free(s.tbuf);
	}
	if (s.held != NULL) {
		explicit_bzero(s.held, s.capheld);
		free(s.held);
	}
	if (fd != STDIN_FILENO)
		(void)close(fd);
	if (caught && ret == 0)
		ret = -1;
	if (ret != 0) {
		outfile_abort(s.of);
		die_if_caught();
		exit(1);
	}
	if ((r = outfile_commit(s.of)) != 0) {
		if (r == ATK_ERR_EXISTS)
			errx(1, "%s: output file appeared meanwhile (use -f to "
			    "overwrite)", o.outname);
		err(1, "%s", o.outname);
	}
	return 0;
}
