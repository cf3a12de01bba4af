/*
 * run_hunt.h - retro-hunts in `vigil run`: when a SIGHUP reloads the threat
 * lists and they gained entries, a thread with its own desk connection looks
 * for the new entries in the stored flows of the last [hunt] since (30 d)
 * and files what it finds as back-dated incidents marked as found by the
 * hunt. Reloads that come while a hunt runs are hunted after it, against
 * the lists as they were when that hunt began, so nothing is skipped.
 * [hunt] on_reload = no turns it off.
 */
#ifndef VIGIL_CLI_RUN_HUNT_H
#define VIGIL_CLI_RUN_HUNT_H

struct conf;
struct whois_db;
struct intel_handle;
struct run_hunt;

/* Off by configuration: 0 with *out NULL. The lists in force now (acquired
 * from h) are the baseline. Returns 0 or -1 (said on stderr). */
int run_hunt_start(const struct conf *cf, const char *desk_url, const char *store_dir,
		   const struct whois_db *whois, struct intel_handle *h, struct run_hunt **out);
/* The handle holds newly loaded lists: hunt what they gained. */
void run_hunt_reloaded(struct run_hunt *r);
/* Wait for a running hunt to end, stop the thread, free. NULL is fine. */
void run_hunt_stop(struct run_hunt *r);

#endif
