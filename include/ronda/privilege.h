/*
 * privilege.h — the daemons' rules about who they run as.
 *
 * The correlator parses what every collector sends and owns the SOC's
 * store: it never needs root, so it refuses to run as root. Where uid 0 is
 * not the host's root (a rootless or user-namespaced container), set
 * RONDA_ALLOW_ROOT=1 in its environment.
 */
#ifndef RONDA_PRIVILEGE_H
#define RONDA_PRIVILEGE_H

#include <stddef.h>

#define RONDA_ALLOW_ROOT_ENV "RONDA_ALLOW_ROOT"

/*
 * 0 when the process does not run as root (real or effective uid 0), or
 * does with RONDA_ALLOW_ROOT=1; -1 with one line in err otherwise.
 */
int ronda_privilege_check_not_root(char *err, size_t errlen);

/* For main(): the same check; logs the reason and exits 1 when refused. */
void ronda_privilege_refuse_root(void);

#endif
