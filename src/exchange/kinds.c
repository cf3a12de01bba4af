/*
 * kinds.c - one table: how each vigil kind is said in IODEF (SystemImpact
 * type in 2.0, Impact type in 1.0, the Expectation asked for, which end is
 * the source) and in X-ARF v4 (ReportClass / ReportType). Import reads the
 * same table backwards.
 */
#include "exchange/exchange.h"

#include <string.h>

static const struct exchange_kind_map kinds[] = {
	/* kind         2.0 impact            1.0 impact   action             X-ARF category    X-ARF type         host      peer */
	{ "cc",        "takeover-system",    "admin",     "remediate-other", "infrastructure", "botnet",          "source", "intermediate" },
	{ "bot",       "takeover-system",    "admin",     "remediate-other", "infrastructure", "botnet",          "source", "intermediate" },
	{ "blocklist", "unknown",            "unknown",   "investigate",     "reputation",     "blocklist",       "source", "target" },
	{ "scan",      "unknown",            "recon",     "investigate",     "connection",     "reconnaissance",  "source", "target" },
	{ "portscan",  "unknown",            "recon",     "investigate",     "connection",     "reconnaissance",       "source", "target" },
	{ "dos",       "availability-system","dos",       "investigate",     "connection",     "ddos",            "target", "source" },
	{ "ddos",      "availability-system","dos",       "investigate",     "connection",     "ddos",            "source", "target" },
	{ "amplifier", "availability-service","dos",      "harden-asset",    "vulnerability",  "open_service",    "source", "target" },
	{ "open-service", "availability-service", "misconfiguration", "harden-asset", "vulnerability", "open_service", "source", "target" },
	{ "vulnerable", "integrity-configuration", "misconfiguration", "upgrade-software", "vulnerability", "misconfiguration", "source", "target" },
	{ "copyright", "policy",             "policy",    "contact-source-site", "copyright",  "copyright",       "source", "target" },
	{ "malware",   "takeover-system",    "admin",     "remediate-other", "infrastructure", "compromised_server", "source", "target" },
	{ "compromised", "takeover-system",  "admin",     "rebuild-asset",   "infrastructure", "compromised_server", "source", "target" },
	{ "spam",      "policy",             "policy",    "investigate",     "messaging",      "spam",            "source", "target" },
	{ "phishing",  "breach-credential",  "info-leak", "investigate",     "content",        "phishing",        "source", "target" },
	{ "login-attack", "unknown",         "admin",     "investigate",     "connection",     "login_attack",    "source", "target" },
	{ "block-leak", "unknown",           "unknown",   "block-host",      "reputation",     "blocklist",       "source", "target" },
};

static const struct exchange_kind_map generic = {
	"report", "unknown", "unknown", "investigate", "reputation", "threat_intelligence", "source", "target"
};

const struct exchange_kind_map *exchange_kind(const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kind && !strcmp(kinds[i].kind, kind))
			return &kinds[i];
	return &generic;
}

const char *exchange_kind_of_impact(const char *impact)
{
	static const struct {
		const char *word, *kind;
	} words[] = {
		/* IODEF 1.0 Impact types */
		{ "recon", "scan" }, { "dos", "dos" }, { "admin", "compromised" },
		{ "user", "compromised" }, { "file", "compromised" }, { "info-leak", "compromised" },
		{ "misconfiguration", "vulnerable" }, { "policy", "report" },
		{ "social-engineering", "phishing" }, { "extortion", "report" },
		/* IODEF 2.0 SystemImpact types */
		{ "takeover-system", "compromised" }, { "takeover-account", "compromised" },
		{ "takeover-service", "compromised" }, { "availability-system", "dos" },
		{ "availability-service", "dos" }, { "availability-data", "dos" },
		{ "breach-credential", "phishing" }, { "integrity-configuration", "vulnerable" },
		/* X-ARF v4 types */
		{ "port_scan", "scan" }, { "botnet", "cc" }, { "ddos", "ddos" }, { "spam", "spam" },
		{ "phishing", "phishing" }, { "copyright", "copyright" }, { "login_attack", "login-attack" },
		{ "compromised_server", "compromised" }, { "open_service", "open-service" },
		{ "blocklist", "blocklist" }, { "infected_host", "bot" },
	};

	for (size_t i = 0; impact && i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(words[i].word, impact))
			return words[i].kind;
	return NULL;
}
