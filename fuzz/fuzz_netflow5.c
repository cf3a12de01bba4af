// fuzz-libs: vigil_flow
/*
 * fuzz_netflow5.c - libFuzzer target for the NetFlow v5 decoder (the driver is
 * shared with the other decoders' targets: decoder_driver.h).
 */
#define FORCE_VERSION 5
#include "decoder_driver.h"
