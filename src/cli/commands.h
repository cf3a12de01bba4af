/*
 * commands.h - the subcommands of `vigil`, one cmd_*.c each. Each takes
 * argc/argv with argv[0] the subcommand name, and returns the process exit
 * status: 0 success, 1 a finding/failure the command reports, 2 usage error.
 */
#ifndef VIGIL_CLI_COMMANDS_H
#define VIGIL_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_intel(int argc, char **argv);
int cmd_whois(int argc, char **argv);
int cmd_incident(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_nat(int argc, char **argv);

/* Report a bad line of an input file as "FILE:LINE: MSG" (a warning: the rest
 * loads), or a whole-file problem as an error; an intel/whois error callback. */
void cli_report_bad_line(void *ctx, const char *file, unsigned line, const char *msg);

/* Print the man-page-like help of one command (from the table in main.c). */
int cli_help(const char *name);

#endif
