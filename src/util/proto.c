/* proto.c - protocol name table (see proto.h). */
#include "util/proto.h"

#include <stdlib.h>
#include <strings.h>

static const struct {
	uint8_t num;
	const char *name;
} protos[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 4, "ipip" }, { 6, "tcp" }, { 17, "udp" },
	{ 41, "ipv6" }, { 47, "gre" }, { 50, "esp" }, { 51, "ah" }, { 58, "icmp6" },
	{ 89, "ospf" }, { 103, "pim" }, { 112, "vrrp" }, { 132, "sctp" },
};

const char *proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].name;
	return NULL;
}

int proto_parse(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcasecmp(protos[i].name, s))
			return protos[i].num;
	if (!strcasecmp(s, "ipv6-icmp") || !strcasecmp(s, "icmpv6"))
		return 58;
	v = strtol(s, &end, 10);
	if (end == s || *end || v < 0 || v > 255)
		return -1;
	return (int)v;
}
