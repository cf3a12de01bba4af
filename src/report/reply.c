/* reply.c - "[vigil #N]" in a subject: the incident a reply is about. */
#include "report/report.h"

#include <string.h>

int64_t report_reply_incident(const char *subject)
{
	static const char tag[] = "[vigil #";
	const char *p = subject;

	if (!subject)
		return 0;
	while ((p = strstr(p, tag))) {
		const char *q = p + sizeof(tag) - 1;
		int64_t n = 0;
		int digits = 0;

		while (*q >= '0' && *q <= '9' && digits < 18) {
			n = n * 10 + (*q - '0');
			q++;
			digits++;
		}
		if (digits && *q == ']' && n > 0)
			return n;
		p++;
	}
	return 0;
}
