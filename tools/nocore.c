/*
 * Secrets pass through memory: no core file, no ptrace by other users.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <err.h>

#include "nocore.h"

void
no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		err(1, "setrlimit");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		err(1, "prctl");
}
