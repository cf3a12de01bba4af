/* proto.h - IP protocol numbers and the names people use for them. */
#ifndef VIGIL_UTIL_PROTO_H
#define VIGIL_UTIL_PROTO_H

#include <stdint.h>

/* "tcp", "udp", "icmp", "icmp6", "gre", "esp", ... or NULL when it has no common name. */
const char *proto_name(uint8_t proto);
/* Name or decimal number; returns 0..255 or -1. */
int proto_parse(const char *s);

#endif
