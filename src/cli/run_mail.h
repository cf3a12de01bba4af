/*
 * run_mail.h - the [report] maildir of `vigil run`: abuse mail filed while
 * flows are collected. A thread of its own with its own desk connection
 * (so the desk's site lookup for reports never meets the detectors'), every
 * [report] poll in live mode; once, after the captures, with -r.
 */
#ifndef VIGIL_CLI_RUN_MAIL_H
#define VIGIL_CLI_RUN_MAIL_H

#include <stdbool.h>

struct conf;
struct whois_db;
struct run_mail;

/* Nothing configured ([report] maildir unset): 0 with *out NULL. Otherwise
 * opens the desk at desk_url, the NAT index ([nat] dir, if any) and, when
 * live, starts the polling thread. Returns 0 or -1 (said on stderr). */
int run_mail_start(const struct conf *cf, const char *desk_url, const struct whois_db *whois,
		   bool live, struct run_mail **out);
/* File what is in the maildir now (capture mode). Returns 0 or -1. */
int run_mail_once(struct run_mail *m);
/* Stop the thread (after the mail in hand is filed), print the summary
 * line, free. NULL is fine. */
void run_mail_stop(struct run_mail *m);

#endif
