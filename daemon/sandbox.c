/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sandbox.c - a child's privileges given up (see sandbox.h). capset(2)
 * directly: all three sets emptied, which needs no library. */
#include "sandbox.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int sandbox_enter(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0, 0, 0 } };

	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	/* The ambient set is emptied by capset's clearing of permitted. */
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
