/* cli_util.c - small helpers shared by the subcommands (see commands.h). */
#include "cli/commands.h"

#include "util/log.h"

void cli_report_bad_line(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	if (line)
		log_warn("%s:%u: %s", file, line, msg);
	else
		log_error("%s: %s", file, msg);
}
