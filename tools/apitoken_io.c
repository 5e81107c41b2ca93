/*
 * The apitoken tool's secret I/O: a token read from standard input or a
 * prompt without echo, and a new token written out with write(2), never
 * through a stdio buffer.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apitoken.h"
#include "error.h"
#include "textin.h"

/* Read all of fd into buf; -1 with errno, or -2 when it does not fit. */
static ssize_t
read_all(int fd, void *bufv, size_t size)
{
	unsigned char *buf = bufv;
	size_t off = 0;
	ssize_t n;

	while (off < size) {
		n = read(fd, buf + off, size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return (ssize_t)off;
		off += (size_t)n;
	}
	return -2;
}

/*
 * A token from standard input (one line, the newline optional), or from a
 * prompt without echo when standard input is a terminal.  Never argv: it
 * would show in ps(1) and in shell history.  A file saved by Windows
 * PowerShell (UTF-16LE with a byte-order mark, CRLF) or with a UTF-8 mark
 * reads as its text, as apitoken-decode reads one.  The caller wipes buf.
 */
int
tool_read_token(const char *cmd, char *buf, size_t size, size_t *lenp)
{
	/* UTF-16LE: two bytes a character, and the mark. */
	unsigned char raw[2 * TOOL_TOKEN_BUFSZ + TEXTIN_BOM_MAX];
	ssize_t n;
	size_t len = 0;
	int r, rv = -1;

	*lenp = 0;
	if (isatty(STDIN_FILENO)) {
		if (readpassphrase(TOOL_PROMPT, buf, size,
		    RPP_ECHO_OFF | RPP_REQUIRE_TTY) == NULL) {
			warn("%s: cannot read the token", cmd);
			goto out;
		}
		len = strlen(buf);
	} else {
		if ((n = read_all(STDIN_FILENO, raw, sizeof(raw))) == -1) {
			warn("%s: standard input", cmd);
			goto out;
		}
		r = n == -2 ? ATK_ERR_TOOLONG :
		    textin_whole(raw, (size_t)n, buf, size - 1, &len);
		if (r == ATK_ERR_TOOLONG) {
			warnx("%s: token longer than %d characters", cmd,
			    TOKEN_MAX_LEN);
			goto out;
		}
		if (r != 0) {
			warnx("%s: standard input: not ASCII text in UTF-16LE",
			    cmd);
			goto out;
		}
		buf[len] = '\0';
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
	}
	if (len == 0)
		warnx("%s: no token on standard input", cmd);
	else if (len > TOKEN_MAX_LEN)
		warnx("%s: token longer than %d characters", cmd,
		    TOKEN_MAX_LEN);
	else if (memchr(buf, '\n', len) != NULL)
		warnx("%s: more than one line on standard input", cmd);
	else {
		*lenp = len;
		rv = 0;
	}
 out:
	explicit_bzero(raw, sizeof(raw));
	return rv;
}

/*
 * A secret and a newline straight to standard output with write(2), so no
 * copy of it stays in a stdio buffer.
 */
int
tool_write_secret(const char *s, size_t len)
{
	const char *p = s;
	size_t left = len + 1;
	ssize_t n;

	if (fflush(stdout) == EOF)
		return -1;
	while (left > 0) {
		if (left == 1)
			n = write(STDOUT_FILENO, "\n", 1);
		else
			n = write(STDOUT_FILENO, p, left - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (left > 1)
			p += n;
		left -= (size_t)n;
	}
	return 0;
}
