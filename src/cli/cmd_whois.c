/* cmd_whois.c - `vigil whois`: placeholder until its stage lands; replace whole. */
#include "cli/commands.h"

#include <stdio.h>

int cmd_whois(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vigil whois: not built yet\n");
	return 2;
}
