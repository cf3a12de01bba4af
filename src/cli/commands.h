/*
 * commands.h - the subcommands of `vigil`, one cmd_*.c each. Each takes
 * argc/argv with argv[0] the subcommand name, and returns the process exit
 * status: 0 success, 1 a finding/failure the command reports, 2 usage error.
 */
#ifndef VIGIL_CLI_COMMANDS_H
#define VIGIL_CLI_COMMANDS_H

#include <stddef.h>

int cmd_run(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
/* `vigil incident export` (cmd_export.c). */
int cmd_incident_export(int argc, char **argv);
int cmd_intel(int argc, char **argv);
int cmd_whois(int argc, char **argv);
int cmd_incident(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_nat(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_advisory(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_web(int argc, char **argv);

/* Report a bad line of an input file as "FILE:LINE: MSG" (a warning: the rest
 * loads), or a whole-file problem as an error; an intel/whois error callback. */
void cli_report_bad_line(void *ctx, const char *file, unsigned line, const char *msg);

struct conf;
struct vaddr;
struct whois_db;
/* The constituency as vigil.conf [whois] names it: a snapshot (db = ..., or
 * var/whois.db when nothing is configured), else the RPSL dumps and sites
 * table; *out stays NULL when there is none. sites_override (may be NULL)
 * replaces the configured sites table. Returns 0 or a negative code (logged). */
int cli_whois_open(const struct conf *cf, const char *sites_override, struct whois_db **out);
/* A desk_site_fn over a struct whois_db (ctx): the site id, else the
 * organisation or netname. */
int cli_site_of(void *ctx, const struct vaddr *a, char *site, size_t n);

struct whois_result;
/* The whois answer for ip as `vigil whois -o json` prints it (new
 * reference; NULL when out of memory). Needs <jansson.h>. */
struct json_t;
struct json_t *cli_whois_json(const char *ip, const struct whois_result *r);

/* Print the man-page-like help of one command (from the table in main.c). */
int cli_help(const char *name);

#endif
