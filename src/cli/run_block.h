/*
 * run_block.h - blocks in `vigil run` (unless [block] enable = false): a
 * thread with its own desk connection runs one cycle every [block]
 * interval (60s): end the blocks whose end has come, feed [block] command
 * the changes it has not had, and check the blocks against the flow store
 * ([block] check = false skips that); with -r, once after the captures
 * are filed and before the sites are told.
 */
#ifndef VIGIL_CLI_RUN_BLOCK_H
#define VIGIL_CLI_RUN_BLOCK_H

#include <stdbool.h>

struct conf;
struct run_block;

/* Switched off: 0 with *out NULL. Returns 0 or -1 (said on stderr). */
int run_block_start(const struct conf *cf, const char *desk_url, bool live, struct run_block **out);
/* One cycle now (capture mode). Returns 0 or -1. */
int run_block_once(struct run_block *r);
/* Stop the thread after its cycle, print the summary, free. NULL is fine. */
void run_block_stop(struct run_block *r);

#endif
