/* duration.h - durations as people write them ("90", "90s", "10m", "2h",
 * "1d", "1h30m"), shared by the daemon's messages and lchat-admin. */
#ifndef LCHAT_DURATION_H
#define LCHAT_DURATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest duration accepted: ten years, in seconds. */
#define DURATION_MAX_S (10LL * 366 * 24 * 3600)

/* Parse s into seconds. A bare number is seconds; units s m h d w may be
 * combined ("1h30m"). "0", "forever" and "permanent" give 0: no end.
 * Returns false on anything else, or above DURATION_MAX_S. */
bool duration_parse(const char *s, int64_t *seconds);

/* Write seconds as a short text ("45s", "10m", "2h 5m", "3d 4h"), at most
 * the two largest units; 0 or less gives "forever". */
void duration_format(int64_t seconds, char *buf, size_t len);

#endif
