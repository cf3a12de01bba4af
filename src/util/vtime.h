/*
 * vtime.h - time as vigil keeps it: int64 milliseconds since the Unix epoch,
 * UTC. Never time_t in a struct that is stored or sent.
 */
#ifndef VIGIL_UTIL_VTIME_H
#define VIGIL_UTIL_VTIME_H

#include <stddef.h>
#include <stdint.h>

#define VTIME_STRLEN 32

/* Current wall-clock time in ms (from VIGIL_CLOCK=TIME on, when set: a
 * clock for tests that starts at TIME and runs). */
int64_t vtime_now_ms(void);
/* Monotonic clock in ns, for measuring intervals. */
uint64_t vtime_mono_ns(void);

/* "2024-01-02T03:04:05.678Z" into buf (>= VTIME_STRLEN); returns buf. */
char *vtime_format(int64_t ms, char *buf);
/* Same with seconds precision: "2024-01-02T03:04:05Z". */
char *vtime_format_s(int64_t ms, char *buf);

/*
 * Parse a point in time. Accepts RFC 3339 ("2024-01-02T03:04:05Z",
 * "...05.123+01:00"), a space instead of 'T', no zone (= UTC), nfdump's
 * "2024/01/02.03:04:05", a bare date "2024-01-02", and "@<epoch seconds>".
 * Returns 0 or VIGIL_EINVAL.
 */
int vtime_parse(const char *s, int64_t *ms);

/*
 * Parse a range "FROM-TO" or "FROM" (TO = open end) as used by -t; FROM and
 * TO use vtime_parse() formats. Also accepts a relative "-7d", "-12h", "-30m"
 * (from now-N to now). Unset ends become INT64_MIN / INT64_MAX.
 */
int vtime_parse_range(const char *s, int64_t *from, int64_t *to);

/* Parse a duration "200ms", "30m", "5s", "2h", "7d", "1w" or plain seconds into ms.
 * VIGIL_EINVAL for anything else, negative or too large for an int64 of ms. */
int vtime_parse_duration(const char *s, int64_t *ms);

#endif
