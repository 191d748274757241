/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
#define _GNU_SOURCE
/* narrow_width.c - LD_PRELOAD shim for end-to-end tests: a C library whose
 * wcwidth() says every printable character is one column wide, as one
 * whose tables are older than the terminal's, or wrong, may: the client's
 * widths then disagree with the terminal's (which draws CJK and emoji two
 * columns wide), whatever client/wrap.c does about the widths it is told.
 * What must hold then is that the terminal never wraps a row by itself
 * (client/term.c turns its autowrap off while lchat prints). */
#include <wchar.h>

int wcwidth(wchar_t c)
{
	if (c == 0)
		return 0;
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return -1;
	return 1;
}
