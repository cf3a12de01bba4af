/* cmd_collect.c - `vigil collect`: placeholder until its stage lands; replace whole. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_collect(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil collect: not built yet\n");
	return 2;
}
