/*
 * run_notify.h - notifications in `vigil run`: when [notify] smtp is set
 * (or [notify] enable = true, which composes into the outbox without a
 * server), a thread with its own desk connection runs one cycle (compose
 * what is due, remind, escalate, send) every [notify] interval; with -r,
 * once after the captures and the mail are filed.
 */
#ifndef VIGIL_CLI_RUN_NOTIFY_H
#define VIGIL_CLI_RUN_NOTIFY_H

#include <stdbool.h>

struct conf;
struct whois_db;
struct run_notify;

/* Nothing configured: 0 with *out NULL. Returns 0 or -1 (said on stderr). */
int run_notify_start(const struct conf *cf, const char *desk_url, const struct whois_db *whois,
		     bool live, struct run_notify **out);
/* One cycle now (capture mode). Returns 0 or -1. */
int run_notify_once(struct run_notify *r);
/* Stop the thread after its cycle, print the summary, free. NULL is fine. */
void run_notify_stop(struct run_notify *r);

#endif
