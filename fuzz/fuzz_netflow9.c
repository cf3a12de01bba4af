// fuzz-libs: vigil_flow
/*
 * fuzz_netflow9.c - libFuzzer target for the NetFlow v9 decoder (the driver is
 * shared with the other decoders' targets: decoder_driver.h).
 */
#define FORCE_VERSION 9
#include "decoder_driver.h"
