/* cmd_flows.c - `vigil flows`: placeholder until its stage lands; replace whole. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_flows(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil flows: not built yet\n");
	return 2;
}
