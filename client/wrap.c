/* wrap.c - fold a rendered line to the terminal's width, indenting the
 * continuation rows (see wrap.h). */
#include <string.h>
#include <wchar.h>

#include "sanitize.h"
#include "wrap.h"

int wrap_cp_width(uint32_t cp)
{
	int w = wcwidth((wchar_t)cp);

	if (w >= 0)
		return w;
	return codepoint_is_nonspacing(cp) ? 0 : 1;
}

/* Length of the escape sequence "ESC [ params final" at s, or 0. */
static size_t csi_len(const char *s)
{
	size_t i = 2;

	if (s[0] != '\033' || s[1] != '[')
		return 0;
	while (s[i] >= 0x20 && s[i] <= 0x3F)
		i++;
	return s[i] >= 0x40 && s[i] <= 0x7E ? i + 1 : 0;
}

static const char spaces[] = "        ";
_Static_assert(sizeof(spaces) > WRAP_INDENT, "the indent fits in spaces[]");

int wrap_line(struct buffer *out, const char *line, int cols)
{
	size_t n = strlen(line), i = 0;
	int limit = cols - 1, col = 0;

	if (cols < 2 * WRAP_INDENT + 2)
		return buffer_append(out, line, n);
	while (i < n) {
		size_t len = csi_len(line + i);
		uint32_t cp;
		int w = 0;

		if (len == 0) {
			len = utf8_decode(line + i, n - i, &cp);
			if (len == 0) {
				len = 1;	/* not UTF-8: one column, as is */
				w = 1;
			} else {
				w = wrap_cp_width(cp);
			}
		}
		if (w > 0 && col + w > limit) {
			if (buffer_append(out, "\n", 1) < 0 ||
			    buffer_append(out, spaces, WRAP_INDENT) < 0)
				return -1;
			col = WRAP_INDENT;
		}
		if (buffer_append(out, line + i, len) < 0)
			return -1;
		col += w;
		i += len;
	}
	return 0;
}
