// fuzz-libs: vigil_flow
/*
 * fuzz_ipfix.c - libFuzzer target for the IPFIX decoder (the driver is
 * shared with the other decoders' targets: decoder_driver.h).
 */
#define FORCE_VERSION 10
#include "decoder_driver.h"
