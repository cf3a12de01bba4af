/*
 * notify_open.h - what `vigil notify`, `vigil advisory` and `vigil run`
 * share to set up notifications from vigil.conf: the configuration, the
 * desk, the constituency, the flow store and the notify context.
 */
#ifndef VIGIL_CLI_NOTIFY_OPEN_H
#define VIGIL_CLI_NOTIFY_OPEN_H

#include <stdio.h>

struct conf;
struct desk;
struct whois_db;
struct notify;
struct notify_stats;

struct cli_notify_opts {
	const char *config, *desk, *actor, *store;
};

struct cli_notify {
	struct conf *cf;
	struct desk *d;
	struct whois_db *w;
	struct notify *n;
};

/* Open everything; on failure print why (prefixed by prog) and return 1. */
int cli_notify_open(const char *prog, const struct cli_notify_opts *o, struct cli_notify *out);
void cli_notify_close(struct cli_notify *c);
void cli_notify_print_stats(FILE *out, const struct notify_stats *st);

#endif
