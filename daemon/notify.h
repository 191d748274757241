/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* notify.h - systemd's readiness protocol (sd_notify(3)): one datagram of
 * "KEY=VALUE" lines to the socket named by $NOTIFY_SOCKET. A no-op when
 * that is unset (not started by systemd with Type=notify). Done here in a
 * few lines rather than with libsystemd: the protocol is one sendto(),
 * and lchatd then needs no library it would load only for that. */
#ifndef LCHAT_NOTIFY_H
#define LCHAT_NOTIFY_H

/* Send the formatted state ("READY=1\nSTATUS=..."); errors are logged
 * once and otherwise ignored: systemd's view is not worth a failure. */
void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
