/* log.c - leveled logging to stderr, one line a message, with a level tag. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level cur_level = LOG_LVL_WARN;

void log_set_level(enum log_level lvl) { cur_level = lvl; }
enum log_level log_get_level(void) { return cur_level; }

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (lvl > cur_level)
		return;
	fprintf(stderr, "vigil: %s: ", tag[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
