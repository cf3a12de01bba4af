/*
 * main.c - `vigil`, one binary with subcommands (like git). The command table
 * below is the only list of subcommands; usage and `vigil help` come from it.
 */
#include "cli/commands.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run the whole service (collector, detectors, desk) from one config",
	  "vigil run [-c CONFIG] [-r CAPTURE ...] [-p PORT ...] [--desk URL]" },
	{ "collect", cmd_collect, "receive NetFlow/IPFIX and store the flows",
	  "vigil collect [-c CONFIG] [-w STOREDIR] [-p PORT] [-r CAPTURE ...] "
	  "[--publish amqp://USER:PASS@HOST:PORT/VHOST,... [--partitions P]]" },
	{ "flows", cmd_flows, "query flows in nfdump's filter syntax, top-N reports",
	  "vigil flows [-C CONFIG] [-r CAPTURE ... | -R STOREDIR] [-t FROM[-TO] | -t -1h] [-s KEY[/ORDER] ...] "
	  "[-a | -A KEY,... | -b | -B] [-O ORDER] [-c N] [-n N] "
	  "[-o table|csv|json|line|long|extended|null|fmt:...] [-q] [-N] [-f FILTERFILE | 'FILTER']" },
	{ "store", cmd_store, "inspect, verify and expire the flow store",
	  "vigil store info|verify|expire [-R STOREDIR] [--max-age AGE] [--max-size BYTES]" },
	{ "detect", cmd_detect, "find scans, DoS, amplifiers and list hits in flows",
	  "vigil detect [-r CAPTURE ... | -R STOREDIR] [-t FROM-TO] --network CIDR ... "
	  "--list FILE ... [-c CONFIG] | vigil detect --consume URLS --partitions LIST "
	  "[--partition-count P] [--desk URL] [--drain] [-c CONFIG]" },
	{ "hunt", cmd_hunt, "retro-hunt: look in the stored flows for what a list names now",
	  "vigil hunt --list [FORMAT:]FILE ... [--old FILE ...] [--since 90d] [-R STOREDIR] "
	  "[--desk URL] [-c CONFIG]" },
	{ "intel", cmd_intel, "load, check and look up threat lists",
	  "vigil intel check|lookup [--list [FORMAT:]FILE ...] [IP ...]" },
	{ "whois", cmd_whois, "who is responsible for an address (RPSL, local sites)",
	  "vigil whois [--rpsl FILE ...] [--sites FILE] IP ... [-o json] | vigil whois import ..." },
	{ "incident", cmd_incident, "the incident desk: list, show, change, ingest, verify",
	  "vigil incident list|show|new|set|note|merge|split|link|resolve|reject|verify|ingest|export "
	  "[--desk URL] ..." },
	{ "report", cmd_report, "abuse mail in: parse and file ACNS, Shadowserver, X-ARF, plain reports",
	  "vigil report parse|ingest [--desk URL] [--nat DIR] [-c CONFIG] [-o json] FILE.eml|MAILDIR|-" },
	{ "nat", cmd_nat, "NAT logs: index gateway translations, find the inside host of ip:port@time",
	  "vigil nat ingest|lookup|info|expire -w|-R DIR [--format F] [-o json] ..." },
	{ "notify", cmd_notify, "tell the sites: notices, digests, reminders and escalation, the outbox",
	  "vigil notify run|preview|check|outbox|show|retry [-c CONFIG] [--desk URL] ..." },
	{ "advisory", cmd_advisory, "advisories to every site or to the sites a flow query concerns",
	  "vigil advisory new|list|show|preview|send [-c CONFIG] ..." },
	{ "block", cmd_block, "border blocks of incidents: add, lift, expire, render for routers, check",
	  "vigil block add|list|show|activate|remove|extend|render|changes|push|expire|check ..." },
	{ "web", cmd_web, "the web desk: HTTP server and JSON API, its users and API tokens",
	  "vigil web [-c CONFIG] [--listen ADDR:PORT] [--root DIR] [--desk URL] | "
	  "vigil web user add|list|disable|passwd ... | vigil web token add NAME --label L" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil [-v] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-10s %s\n", "help", "help on a command: vigil help COMMAND");
	fprintf(out, "  %-10s %s\n", "version", "print the version");
	fprintf(out, "\nSee vigil(1) and vigil.conf(5).\n");
}

int cli_help(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			printf("vigil %s - %s\n\nusage: %s\n\n"
			       "Options and examples: man vigil-%s (docs/man/vigil-%s.1 in the source).\n",
			       commands[i].name, commands[i].summary, commands[i].usage,
			       commands[i].name, commands[i].name);
			return 0;
		}
	}
	fprintf(stderr, "vigil: no such command: %s\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-v"))
			log_set_level(log_get_level() < LOG_LVL_DEBUG ? log_get_level() + 1 : LOG_LVL_DEBUG);
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc)
			return cli_help(argv[i + 1]);
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[i], "version") || !strcmp(argv[i], "--version")) {
		printf("vigil %s\n", VIGIL_VERSION);
		return 0;
	}
	for (size_t c = 0; c < NCOMMANDS; c++) {
		if (strcmp(commands[c].name, argv[i]) == 0) {
			if (i + 1 < argc && (!strcmp(argv[i + 1], "-h") || !strcmp(argv[i + 1], "--help")))
				return cli_help(argv[i]);
			return commands[c].fn(argc - i, argv + i);
		}
	}
	fprintf(stderr, "vigil: unknown command '%s'\n\n", argv[i]);
	usage(stderr);
	return 2;
}
