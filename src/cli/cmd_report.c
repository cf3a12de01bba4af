/*
 * cmd_report.c - `vigil report` (being written; see vigil-report(1)).
 */
#include "cli/commands.h"

#include <stdio.h>

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil report: not built yet\n");
	return 2;
}
