#include "ronda/privilege.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ronda/log.h"

int
ronda_privilege_check_not_root(char *err, size_t errlen)
{
	const char *allow = getenv(RONDA_ALLOW_ROOT_ENV);

	if (getuid() != 0 && geteuid() != 0)
		return 0;
	if (allow != NULL && strcmp(allow, "1") == 0)
		return 0;
	snprintf(err, errlen, "refusing to run as root: run it as its own user (the "
	    "systemd unit uses User=ronda), or set %s=1 where uid 0 is not the host's "
	    "root (a rootless container)", RONDA_ALLOW_ROOT_ENV);
	return -1;
}

void
ronda_privilege_refuse_root(void)
{
	char err[512];

	if (ronda_privilege_check_not_root(err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (getuid() == 0 || geteuid() == 0)
		log_info("running as root (%s=1)", RONDA_ALLOW_ROOT_ENV);
}
