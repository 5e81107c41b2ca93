/*
 * syslog_shim: a preloadable pam_syslog(3) and pam_vsyslog(3) for
 * tests/sshd_test, writing every line to standard error as
 * "SYSLOG(<priority>): <text>".
 *
 * Under pam_wrapper a module's log lines reach standard error only while
 * PAM_WRAPPER_DEBUGLEVEL is in the environment, and sshd's
 * keyboard-interactive child empties its environment before it calls
 * pam_authenticate(): the module's lines from that child would be lost.
 * Preloaded before libpam_wrapper.so, these two functions win the symbol
 * lookup and need no environment.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>

#define SHIM_TAG	"SYSLOG"

/* Write all of buf, as one write(2) when the pipe allows it. */
static void
write_all(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void
pam_vsyslog(const pam_handle_t *pamh, int priority, const char *fmt,
    va_list args)
{
	char *text = NULL, *line = NULL;
	int len;

	(void)pamh;
	if (vasprintf(&text, fmt, args) < 0)
		return;
	len = asprintf(&line, "%s(%d): %s\n", SHIM_TAG,
	    LOG_PRI(priority), text);
	if (len > 0)
		write_all(line, (size_t)len);
	free(line);
	free(text);
}

void
pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	pam_vsyslog(pamh, priority, fmt, args);
	va_end(args);
}
