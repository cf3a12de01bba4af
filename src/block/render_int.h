/*
 * render_int.h - what the renderer files share (internal to src/block):
 * the renderer table entries and small formatting helpers.
 */
#ifndef VIGIL_BLOCK_RENDER_INT_H
#define VIGIL_BLOCK_RENDER_INT_H

#include "block/block.h"

extern const struct block_renderer block_cisco, block_juniper, block_exabgp, block_flowspec;

/* The address of it and its length as people write it. */
static inline unsigned item_len(const struct block_item *it)
{
	return prefix_display_len(&it->p);
}

#endif
