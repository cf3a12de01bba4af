/*
 * test_report_time.c - times as abuse senders write them, all to UTC
 * (report_time_parse), and the "[vigil #N]" tag of replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/err.h"
#include "util/vtime.h"

static void test_times(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "2015-06-02T10:11:12Z", "2015-06-02T10:11:12Z" },
		{ "2015-06-02T10:11:12.345Z", "2015-06-02T10:11:12Z" },
		{ "2015-06-02T10:11:12+02:00", "2015-06-02T08:11:12Z" },
		{ "2015-06-02 10:11:12", "2015-06-02T10:11:12Z" },            /* no zone: UTC */
		{ "2015-06-02 10:11:12 UTC", "2015-06-02T10:11:12Z" },
		{ "2015-06-02 10:11:12 GMT", "2015-06-02T10:11:12Z" },
		{ "2015-06-02 10:11:12 +0100", "2015-06-02T09:11:12Z" },
		{ "2015-06-02 10:11:12 EST (GMT -0500)", "2015-06-02T15:11:12Z" }, /* as ACNS senders write it */
		{ "2015-06-02 10:11:12 EDT", "2015-06-02T14:11:12Z" },
		{ "2015-06-02 10:11:12 PST", "2015-06-02T18:11:12Z" },
		{ "2015-06-02 10:11:12 CET", "2015-06-02T09:11:12Z" },
		{ "Tue, 2 Jun 2015 10:11:12 +0200", "2015-06-02T08:11:12Z" },  /* RFC 2822 */
		{ "Tue, 02 Jun 2015 10:11:12 -0700 (PDT)", "2015-06-02T17:11:12Z" },
		{ "1433239872", "2015-06-02T10:11:12Z" },                       /* epoch seconds */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = 0;
		char buf[40];
		int rc = report_time_parse(cases[i].in, &ms);
		if (rc != 0)
			fail_msg("%s: not read", cases[i].in);
		vtime_format_s(ms, buf);
		if (strcmp(buf, cases[i].want))
			fail_msg("%s: %s, want %s", cases[i].in, buf, cases[i].want);
	}
	static const char *const badt[] = { "", "yesterday", "2015-13-40 99:99:99", "10:11:12", "Tue, 2 Foo 2015" };
	for (size_t i = 0; i < sizeof(badt) / sizeof(badt[0]); i++) {
		int64_t ms;
		if (report_time_parse(badt[i], &ms) == 0)
			fail_msg("\"%s\" should not be read as a time", badt[i]);
	}
}

static void test_reply_tag(void **state)
{
	(void)state;
	assert_int_equal(report_reply_incident("Re: [vigil #42] Copyright notice"), 42);
	assert_int_equal(report_reply_incident("AW: Re: [vigil #7]"), 7);
	assert_int_equal(report_reply_incident("[vigil #] nothing"), 0);
	assert_int_equal(report_reply_incident("[vigil #12 unterminated"), 0);
	assert_int_equal(report_reply_incident("[vigil #0]"), 0);
	assert_int_equal(report_reply_incident("no tag"), 0);
	assert_int_equal(report_reply_incident(NULL), 0);
	assert_int_equal(report_reply_incident("[vigil #x] [vigil #9]"), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_reply_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
