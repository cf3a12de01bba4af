/*
 * cmd_nat.c - `vigil nat` (being written; see vigil-nat(1)).
 */
#include "cli/commands.h"

#include <stdio.h>

int cmd_nat(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil nat: not built yet\n");
	return 2;
}
