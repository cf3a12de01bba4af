/* cmd_intel.c - `vigil intel`: placeholder until its stage lands; replace whole. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_intel(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil intel: not built yet\n");
	return 2;
}
