/* cmd_store.c - `vigil store`: placeholder until its stage lands; replace whole. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_store(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil store: not built yet\n");
	return 2;
}
