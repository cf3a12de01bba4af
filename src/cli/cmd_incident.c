/* cmd_incident.c - `vigil incident`: placeholder until its stage lands; replace whole. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_incident(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil incident: not built yet\n");
	return 2;
}
