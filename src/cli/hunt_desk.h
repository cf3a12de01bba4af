/*
 * hunt_desk.h - a retro-hunt (detect.h, hunt_run) whose events are filed in
 * the desk: what `vigil hunt --desk` and `vigil run` (when a SIGHUP brings
 * new list entries) share.
 */
#ifndef VIGIL_CLI_HUNT_DESK_H
#define VIGIL_CLI_HUNT_DESK_H

#include <stdint.h>
#include <stdio.h>

#include "desk/desk.h"
#include "detect/detect.h"

/* Run the hunt o over the store and file every event in d (one
 * transaction per 1000 events; sites from the desk's lookup). Returns 0 or
 * a vigil_err with a sentence in err. */
int hunt_to_desk(const struct conf *conf, const struct hunt_opts *o, struct desk *d,
		 struct hunt_stats *hs, struct desk_ingest_stats *ds, char *err, size_t errlen);

/* One line: what was looked for, what was read, what was found, and (ds
 * non-NULL) what the desk did with it. */
void hunt_print(FILE *f, const char *who, const struct hunt_stats *hs,
		const struct desk_ingest_stats *ds);

#endif
