/*
 * run_web.h - the web desk inside `vigil run` (and `vigil web`): the
 * [web] section turned into a running server over its own desk
 * connection, with the constituency and, under `vigil run`, the
 * collector's counters for /metrics.
 */
#ifndef VIGIL_CLI_RUN_WEB_H
#define VIGIL_CLI_RUN_WEB_H

#include <stdbool.h>

struct conf;
struct whois_db;
struct collect;
struct run_web;

/* Start the server when [web] listen is set (or always with force;
 * listen_override/root_override may be NULL). 0 with *out NULL when not
 * configured; -1 (said on stderr) on failure. */
int run_web_start(const struct conf *cf, const char *desk_url, const struct whois_db *whois,
		  struct collect *col, bool force, const char *listen_override,
		  const char *root_override, struct run_web **out);
/* The port it listens on. */
unsigned run_web_port(const struct run_web *r);
/* Stop and free. NULL is fine. */
void run_web_stop(struct run_web *r);

#endif
