/*
 * block_int.h - the struct block_ctx the files of src/block share
 * (internal to src/block).
 */
#ifndef VIGIL_BLOCK_BLOCK_INT_H
#define VIGIL_BLOCK_BLOCK_INT_H

#include "block/block.h"

struct block_ctx {
	struct desk *d;
	struct block_allow *allow;
	struct block_render_conf rc;
	const struct block_renderer *push_r; /* [block] format: what [block] command reads */
	char command[1024];
	char store_dir[1024];
	int64_t max_active, min4, min6;
	int64_t max_duration, default_duration; /* ms; 0 none */
	int64_t grace, lag;                     /* ms, the effectiveness check */
	size_t check_max_lines;
	char err[256];
};

#endif
