/* cmd_detect.c - `vigil detect`: placeholder until its stage lands; replace whole. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_detect(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil detect: not built yet\n");
	return 2;
}
