/*
 * auth.h — classify auth-log messages (sshd, sudo, su, PAM, FTP daemons,
 * dropbear) into structured events.
 */
#ifndef RONDA_AUTH_H
#define RONDA_AUTH_H

#include "ronda/event.h"

/*
 * From ev->program and ev->message (set by ronda_parse_syslog), set
 * ev->action ("ssh_login_failed", "ssh_invalid_user", "ssh_login_succeeded",
 * "ssh_preauth_disconnect", "ssh_max_auth_tries", "ssh_scan_kex_error",
 * "sudo_auth_failed", "sudo_command", "su_failed", "su_succeeded",
 * "pam_auth_failed", "ftp_login_failed", "ftp_login_succeeded", ...),
 * ev->outcome ("success", "failure", "unknown"), ev->user_name,
 * ev->source_ip, ev->source_port and ev->auth_method, with slices into the
 * message. Returns 1 when the line is an auth action, 0 when it is not
 * (ev untouched apart from nothing). Never reads outside the message.
 */
int ronda_auth_classify(struct ronda_event *ev);

#endif
