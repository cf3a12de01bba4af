/*
 * test_template.c - the notification template engine: names (plain, dotted,
 * ".", looked up from the inside out), sections over lists, objects and
 * other values, inverses, comments, the standalone-line rule, how scalars
 * print, every compile error with its message and line, the output cap and
 * the work cap, tmpl_each_name, tmpl_load, and the shipped templates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify/template.h"
#include "util/err.h"

static struct tmpl *compile_ok(const char *text)
{
	struct tmpl *t = NULL;
	char err[256] = "";
	int rc = tmpl_compile("t.txt", text, strlen(text), &t, err, sizeof(err));

	if (rc)
		print_error("compile: %d: %s\n", rc, err);
	assert_int_equal(rc, 0);
	assert_non_null(t);
	return t;
}

static json_t *parse(const char *js)
{
	json_error_t je;
	json_t *v = json_loads(js, JSON_DECODE_ANY, &je);

	if (!v)
		print_error("json: %s\n", je.text);
	assert_non_null(v);
	return v;
}

/* text rendered over data (JSON text) equals want. */
static void check(const char *text, const char *data, const char *want)
{
	struct tmpl *t = compile_ok(text);
	json_t *d = parse(data);
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(tmpl_render(t, d, &b), 0);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
	json_decref(d);
	tmpl_free(t);
}

/* text does not compile: rc, and exactly the message msg. */
static void check_err(const char *text, int want_rc, const char *msg)
{
	struct tmpl *t = (struct tmpl *)&t; /* must be reset to NULL */
	char err[256] = "";

	assert_int_equal(tmpl_compile("t.txt", text, strlen(text), &t, err, sizeof(err)), want_rc);
	assert_null(t);
	assert_string_equal(err, msg);
}

static const char SITE[] = "{\"site\": {\"name\": \"Coleg\", \"id\": 7},"
                           " \"team\": {\"name\": \"CSIRT\"}, \"who\": \"you\"}";

static void test_variables(void **state)
{
	(void)state;
	check("Hello {{who}}!", SITE, "Hello you!");
	check("{{ who }}|{{\twho\t}}", SITE, "you|you");
	check("[{{missing}}]", SITE, "[]");
	check("no tags at all\n", SITE, "no tags at all\n");
	check("", SITE, "");
	check("{ not a tag } {x} }} {", SITE, "{ not a tag } {x} }} {");
	check("{{who}}{{who}}", SITE, "youyou");
	check("{{a-b}} {{a_b}} {{A1}}", "{\"a-b\": 1, \"a_b\": 2, \"A1\": 3}", "1 2 3");
	check("{{s}}", "{\"s\": \"caf\\u00e9 {{who}}\"}", "café {{who}}"); /* not re-expanded */
}

static void test_dotted(void **state)
{
	(void)state;
	check("{{site.name}} #{{site.id}}", SITE, "Coleg #7");
	check("[{{site.missing}}][{{nope.name}}][{{site.name.x}}][{{who.x}}]", SITE, "[][][][]");
	check("{{a.b.c.d}}", "{\"a\": {\"b\": {\"c\": {\"d\": \"deep\"}}}}", "deep");
	/* a.b takes a from the innermost item that has one, even without b */
	check("{{#inner}}[{{site.name}}]{{/inner}}",
	      "{\"site\": {\"name\": \"out\"},"
	      " \"inner\": {\"site\": {\"id\": 1}}}",
	      "[]");
	check("{{#inner}}{{site.name}}{{/inner}}",
	      "{\"site\": {\"name\": \"out\"},"
	      " \"inner\": {\"x\": 1}}",
	      "out");
}

static void test_section_list(void **state)
{
	(void)state;
	check("{{#events}}<{{host}}:{{port}}>{{/events}}",
	      "{\"events\": [{\"host\": \"a\", \"port\": 1}, {\"host\": \"b\"},"
	      " {\"host\": \"c\", \"port\": 3}]}",
	      "<a:1><b:><c:3>");
	check("{{#asn}}AS{{.}} {{/asn}}", "{\"asn\": [64500, 64501]}", "AS64500 AS64501 ");
	check("{{#l}}({{.}}){{/l}}", "{\"l\": [\"x\", null, true, 2.5, [1, 2]]}",
	      "(x)()(true)(2.5)([1,2])");
	check("a{{#l}}x{{/l}}b", "{\"l\": []}", "ab");
	/* a list of lists: the inner list is the item */
	check("{{#l}}[{{#.}}{{.}}{{/.}}]{{/l}}", "{\"l\": [[1, 2], [3]]}", "[12][3]");
}

static void test_nested(void **state)
{
	(void)state;
	check("{{#incidents}}{{incident.tag}}:{{#events}} {{host}}{{/events}};{{/incidents}}",
	      "{\"incidents\": ["
	      "{\"incident\": {\"tag\": \"#1\"}, \"events\": [{\"host\": \"h1\"}, {\"host\": "
	      "\"h2\"}]},"
	      "{\"incident\": {\"tag\": \"#2\"}, \"events\": []},"
	      "{\"incident\": {\"tag\": \"#3\"}, \"events\": [{\"host\": \"h3\"}]}]}",
	      "#1: h1 h2;#2:;#3: h3;");
	check("{{#a}}{{#b}}{{#c}}{{v}}{{/c}}{{/b}}{{/a}}",
	      "{\"a\": {\"b\": {\"c\": {\"v\": \"three\"}}}}", "three");
	/* the same name nested: the inner one is looked up in the outer's item */
	check("{{#a}}{{#a}}{{x}}{{/a}}{{/a}}", "{\"a\": {\"a\": {\"x\": 2}, \"x\": 1}}", "2");
}

static void test_outer_names(void **state)
{
	(void)state;
	/* inside events, host is the event's; site and team come from outside */
	check("{{#events}}{{host}}@{{site.name}}/{{team.name}}/{{who}} {{/events}}",
	      "{\"site\": {\"name\": \"S\"}, \"team\": {\"name\": \"T\"}, \"who\": \"w\","
	      " \"host\": \"top\", \"events\": [{\"host\": \"e1\"}, {\"who\": \"inner\"}]}",
	      "e1@S/T/w top@S/T/inner ");
	/* inside a section on a non-object value, every name is from outside */
	check("{{#from}}between {{from}} and {{to}}{{/from}}",
	      "{\"from\": \"09:00\", \"to\": \"10:00\"}", "between 09:00 and 10:00");
	check("{{#packets}}{{flows}} flows, {{packets}} packets{{/packets}}",
	      "{\"flows\": 3, \"packets\": 10}", "3 flows, 10 packets");
}

static void test_section_values(void **state)
{
	(void)state;
	/* an object is the current item; other true values are too */
	check("{{#site}}{{name}}{{/site}}", SITE, "Coleg");
	check("{{#site}}{{.}}{{/site}}", "{\"site\": {\"a\": 1}}", "{\"a\":1}");
	check("{{#t}}yes {{.}}{{/t}}", "{\"t\": true}", "yes true");
	check("{{#s}}<{{.}}>{{/s}}", "{\"s\": \"str\"}", "<str>");
	check("{{#asn}}AS{{.}}{{/asn}}", "{\"asn\": 64500}", "AS64500");
	check("{{#n}}{{.}}{{/n}}", "{\"n\": -1.5}", "-1.5");
	check("{{#o}}run{{/o}}", "{\"o\": {}}", "run");
	/* not at all for false, null, missing, "", 0, 0.0 or [] */
	check("{{#f}}x{{/f}}{{#z}}x{{/z}}{{#m}}x{{/m}}{{#e}}x{{/e}}{{#i}}x{{/i}}{{#r}}x{{/r}}"
	      "{{#l}}x{{/l}}.",
	      "{\"f\": false, \"z\": null, \"e\": \"\", \"i\": 0, \"r\": 0.0, \"l\": []}", ".");
}

static void test_inverse(void **state)
{
	(void)state;
	static const char FALSY[] = "{\"f\": false, \"z\": null, \"e\": \"\", \"i\": 0,"
	                            " \"r\": 0.0, \"l\": []}";
	static const char TRUTHY[] = "{\"f\": true, \"z\": {}, \"e\": \"x\", \"i\": 2,"
	                             " \"r\": 0.5, \"l\": [0]}";
	static const char T[] = "{{^f}}f{{/f}}{{^z}}z{{/z}}{{^m}}m{{/m}}{{^e}}e{{/e}}{{^i}}i{{/i}}"
	                        "{{^r}}r{{/r}}{{^l}}l{{/l}}.";

	check(T, FALSY, "fzmeirl.");
	check(T, TRUTHY, "m.");
	/* an inverse does not change the current item */
	check("{{#s}}{{^none}}{{.}}{{/none}}{{/s}}", "{\"s\": \"cur\"}", "cur");
	check("{{#csv}}attached{{/csv}}{{^csv}}ask us{{/csv}}", "{\"csv\": true}", "attached");
	check("{{#csv}}attached{{/csv}}{{^csv}}ask us{{/csv}}", "{\"csv\": false}", "ask us");
	/* a section inside an inverse */
	check("{{^network}}{{#site}}{{name}}{{/site}}{{/network}}", SITE, "Coleg");
}

static void test_comments(void **state)
{
	(void)state;
	check("a{{! a comment }}b", SITE, "ab");
	check("a{{!}}b{{!no blanks}}c", SITE, "abc");
	check("a{{! spans\nthree\nlines }}b", SITE, "ab");
	check("a {{! {{who is not expanded }}b", SITE, "a b");
	/* a comment ends at the first }} */
	check("a{{! {{who}} x }}b", SITE, "a x }}b");
	/* multi-line comment alone on its lines: all of them go */
	check("one\n  {{! first\n   second }}  \ntwo\n", SITE, "one\ntwo\n");
}

static void test_standalone(void **state)
{
	(void)state;
	static const char EV[] = "{\"events\": [{\"first\": \"1\", \"host\": \"a\"},"
	                         " {\"first\": \"2\", \"host\": \"b\"}]}";

	check("Evidence:\n{{#events}}\n  {{first}} {{host}}\n{{/events}}\nEnd\n", EV,
	      "Evidence:\n  1 a\n  2 b\nEnd\n");
	/* blanks around a standalone tag go too, CRLF line ends as well */
	check("x\r\n  {{#events}}  \r\n{{host}}\r\n\t{{/events}}\r\ny\r\n", EV,
	      "x\r\na\r\nb\r\ny\r\n");
	/* first and last line of the file */
	check("{{#events}}\n{{host}}\n{{/events}}", EV, "a\nb\n");
	check("{{^events}}\nnone\n{{/events}}\nrest", "{}", "none\nrest");
	check("{{! note }}\nbody\n{{! end }}", SITE, "body\n");
	/* a variable alone on its line keeps the line, even when empty */
	check("a\n{{missing}}\nb\n", SITE, "a\n\nb\n");
	check("a\n  {{who}}  \nb\n", SITE, "a\n  you  \nb\n");
	/* not standalone when anything else is on the line */
	check("a {{#events}}\n{{host}}\n{{/events}} b\n", EV, "a \na\n\nb\n b\n");
	check("{{#events}}{{host}}{{/events}}\n", EV, "ab\n");
	check("{{#events}} {{/events}}\n", EV, "  \n");
	check("{{#e}}\n{{/e}}\n|", "{\"e\": true}", "|");
	/* two standalone lines in a row; an inline section stays inline */
	check("{{#t}}\n{{#t}}\nin\n{{/t}}\n{{/t}}\nNet: {{#c}}({{c}}){{/c}}.\n",
	      "{\"t\": true, \"c\": \"GB\"}", "in\nNet: (GB).\n");
	/* a lone CR is not a line end */
	check("{{#t}}\rx\n{{/t}}", "{\"t\": true}", "\rx\n");
}

static void test_scalars(void **state)
{
	(void)state;
	check("{{i}} {{n}} {{big}} {{zero}}",
	      "{\"i\": 42, \"n\": -7, \"big\": 9007199254740993, \"zero\": 0}",
	      "42 -7 9007199254740993 0");
	check("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
	      "{\"a\": 0.5, \"b\": 2.0, \"c\": 0.1, \"d\": 1e300, \"e\": -0.25,"
	      " \"f\": 0.30000000000000004}",
	      "0.5 2.0 0.1 1e+300 -0.25 0.30000000000000004");
	check("{{t}} {{f}} [{{z}}]", "{\"t\": true, \"f\": false, \"z\": null}", "true false []");
	check("{{l}} {{o}}", "{\"l\": [1, \"x\", null], \"o\": {\"k\": [true]}}",
	      "[1,\"x\",null] {\"k\":[true]}");
	check("{{.}}", "{\"k\": 1}", "{\"k\":1}");
}

static void test_errors(void **state)
{
	(void)state;
	check_err("a\n{{#flows}}\nx\ny\n", VIGIL_ESYNTAX,
	          "t.txt:4: section 'flows' opened on line 2 is never closed");
	check_err("a\n{{#flows}}\nx\ny", VIGIL_ESYNTAX,
	          "t.txt:4: section 'flows' opened on line 2 is never closed");
	check_err("{{#a}}\n{{#b}}\n{{/b}}\n", VIGIL_ESYNTAX,
	          "t.txt:3: section 'a' opened on line 1 is never closed");
	check_err("a\nb\n{{/a}}\n", VIGIL_ESYNTAX, "t.txt:3: '{{/a}}' closes no section");
	check_err("{{#a}}{{/a}}\n{{/a}}", VIGIL_ESYNTAX, "t.txt:2: '{{/a}}' closes no section");
	check_err("x\n{{#a}}\n{{#b}}\n{{/b}}\n{{/c}}\n", VIGIL_ESYNTAX,
	          "t.txt:5: '{{/c}}' does not close section 'a' opened on line 2");
	check_err("{{#a}}\n{{^b}}\n{{/a}}\n", VIGIL_ESYNTAX,
	          "t.txt:3: '{{/a}}' does not close section 'b' opened on line 2");
	check_err("ok\nDear {{site.name}", VIGIL_ESYNTAX,
	          "t.txt:2: tag opened with '{{' is never closed with '}}'");
	check_err("{{", VIGIL_ESYNTAX, "t.txt:1: tag opened with '{{' is never closed with '}}'");
	/* a name ends on its line: a stray {{ is not matched with a later }} */
	check_err("ok\nDear {{site.name\n}", VIGIL_ESYNTAX,
	          "t.txt:2: tag opened with '{{' is not closed with '}}' on its line");
	check_err("a\nb {{ c\n d }}\n", VIGIL_ESYNTAX,
	          "t.txt:2: tag opened with '{{' is not closed with '}}' on its line");
	check_err("a\n{{! never\nends }\n", VIGIL_ESYNTAX,
	          "t.txt:2: tag opened with '{{' is never closed with '}}'");
	check_err("a\n\n{{}}", VIGIL_ESYNTAX, "t.txt:3: empty name in a tag");
	check_err("{{#}}{{/}}", VIGIL_ESYNTAX, "t.txt:1: empty name in a tag");
	check_err("{{#a}}{{/ }}", VIGIL_ESYNTAX, "t.txt:1: empty name in a tag");
	check_err("{{^\t}}", VIGIL_ESYNTAX, "t.txt:1: empty name in a tag");
	check_err("x\n{{site name}}", VIGIL_ESYNTAX,
	          "t.txt:2: bad name 'site name' (letters, digits, '_', '-', dots)");
	check_err("{{a..b}}", VIGIL_ESYNTAX,
	          "t.txt:1: bad name 'a..b' (letters, digits, '_', '-', dots)");
	check_err("{{.a}}", VIGIL_ESYNTAX,
	          "t.txt:1: bad name '.a' (letters, digits, '_', '-', dots)");
	check_err("{{{a}}}", VIGIL_ESYNTAX,
	          "t.txt:1: bad name '{a' (letters, digits, '_', '-', dots)");
	/* lines are counted through multi-line comments and standalone tags */
	check_err("{{! one\ntwo\nthree }}\n{{#s}}\n\n{{/t}}", VIGIL_ESYNTAX,
	          "t.txt:6: '{{/t}}' does not close section 's' opened on line 4");
	check_err("a\r\nb\r\n{{/x}}\r\n", VIGIL_ESYNTAX, "t.txt:3: '{{/x}}' closes no section");
}

/* depth sections named s0..s(depth-1) nested around "x". */
static char *nest(int depth)
{
	struct buf b;

	buf_init(&b, 4096);
	for (int i = 0; i < depth; i++)
		assert_int_equal(buf_printf(&b, "{{#s%d}}\n", i), 0);
	assert_int_equal(buf_addstr(&b, "x\n"), 0);
	for (int i = depth - 1; i >= 0; i--)
		assert_int_equal(buf_printf(&b, "{{/s%d}}\n", i), 0);
	return buf_steal(&b);
}

static void test_limits(void **state)
{
	char *text, err[256];
	struct tmpl *t;
	json_t *d = json_object();

	(void)state;
	text = nest(TMPL_MAX_DEPTH);
	for (int i = 0; i < TMPL_MAX_DEPTH; i++) {
		char k[16];

		snprintf(k, sizeof(k), "s%d", i);
		json_object_set_new(d, k, json_true());
	}
	t = compile_ok(text);
	{
		struct buf b;

		buf_init(&b, 64);
		assert_int_equal(tmpl_render(t, d, &b), 0);
		assert_string_equal(b.data, "x\n");
		buf_free(&b);
	}
	tmpl_free(t);
	free(text);
	json_decref(d);

	text = nest(TMPL_MAX_DEPTH + 1);
	check_err(text, VIGIL_ELIMIT, "t.txt:17: sections nested deeper than 16");
	free(text);

	/* TMPL_MAX_SIZE bytes compile, one more does not */
	text = malloc(TMPL_MAX_SIZE + 1);
	assert_non_null(text);
	memset(text, 'a', TMPL_MAX_SIZE + 1);
	assert_int_equal(tmpl_compile("big", text, TMPL_MAX_SIZE, &t, err, sizeof(err)), 0);
	tmpl_free(t);
	assert_int_equal(tmpl_compile("big", text, TMPL_MAX_SIZE + 1, &t, err, sizeof(err)),
	                 VIGIL_ELIMIT);
	assert_null(t);
	assert_string_equal(err, "big:1: template of 1048577 bytes is larger than the 1048576 "
	                         "allowed");
	free(text);

	/* no room for a message is fine, a short one is cut */
	assert_int_equal(tmpl_compile("n", "{{/x}}", 6, &t, NULL, 0), VIGIL_ESYNTAX);
	assert_int_equal(tmpl_compile("n", "{{/x}}", 6, &t, err, 5), VIGIL_ESYNTAX);
	assert_string_equal(err, "n:1:");
}

static void test_buffer_cap(void **state)
{
	struct tmpl *t = compile_ok("0123{{v}}89");
	json_t *d = parse("{\"v\": \"4567\", \"l\": [1, 2, 3]}");
	struct buf b;

	(void)state;
	buf_init(&b, 9); /* one short: nothing is left of the rendering */
	assert_int_equal(tmpl_render(t, d, &b), VIGIL_ELIMIT);
	assert_int_equal(b.len, 0);
	assert_true(!b.data || !b.data[0]);
	buf_free(&b);
	buf_init(&b, 10); /* exactly */
	assert_int_equal(tmpl_render(t, d, &b), 0);
	assert_string_equal(b.data, "0123456789");
	/* appends to what is there; at the cap, leaves that as it was */
	assert_int_equal(tmpl_render(t, d, &b), VIGIL_ELIMIT);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	buf_free(&b);
	buf_init(&b, 30);
	assert_int_equal(buf_addstr(&b, "head:"), 0);
	assert_int_equal(tmpl_render(t, d, &b), 0);
	assert_string_equal(b.data, "head:0123456789");
	buf_free(&b);
	tmpl_free(t);

	/* a variable that is a list, dumped as JSON into the capped buffer */
	t = compile_ok("{{l}}");
	buf_init(&b, 6);
	assert_int_equal(tmpl_render(t, d, &b), VIGIL_ELIMIT);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_init(&b, 7);
	assert_int_equal(tmpl_render(t, d, &b), 0);
	assert_string_equal(b.data, "[1,2,3]");
	buf_free(&b);
	tmpl_free(t);

	/* a section over a list cut by the cap */
	t = compile_ok("{{#l}}item {{.}}\n{{/l}}");
	buf_init(&b, 20);
	assert_int_equal(tmpl_render(t, d, &b), VIGIL_ELIMIT);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_init(&b, 21);
	assert_int_equal(tmpl_render(t, d, &b), 0);
	assert_string_equal(b.data, "item 1\nitem 2\nitem 3\n");
	buf_free(&b);
	tmpl_free(t);
	json_decref(d);
}

/* Sixteen sections over the same list write nothing but would run 3^16
 * times: the work cap stops them. */
static void test_work_cap(void **state)
{
	struct buf b;
	struct tmpl *t;
	json_t *d = parse("{\"l\": [1, 2, 3]}");
	char text[512] = "";

	(void)state;
	for (int i = 0; i < TMPL_MAX_DEPTH; i++)
		strncat(text, "{{#l}}", sizeof(text) - strlen(text) - 1);
	for (int i = 0; i < TMPL_MAX_DEPTH; i++)
		strncat(text, "{{/l}}", sizeof(text) - strlen(text) - 1);
	t = compile_ok(text);
	buf_init(&b, 1 << 20);
	assert_int_equal(tmpl_render(t, d, &b), VIGIL_ELIMIT);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	tmpl_free(t);
	json_decref(d);
}

static void test_render_again(void **state)
{
	struct tmpl *t = compile_ok("{{#l}}{{.}},{{/l}}|{{x}}");
	json_t *d1 = parse("{\"l\": [1, 2], \"x\": \"a\"}");
	json_t *d2 = parse("{\"l\": [], \"x\": \"b\"}");
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(tmpl_render(t, d1, &b), 0);
	assert_int_equal(tmpl_render(t, d2, &b), 0);
	assert_int_equal(tmpl_render(t, d1, &b), 0);
	assert_string_equal(b.data, "1,2,|a|b1,2,|a");
	buf_free(&b);
	assert_string_equal(tmpl_name(t), "t.txt");
	tmpl_free(t);
	tmpl_free(NULL);
	json_decref(d1);
	json_decref(d2);
}

struct seen {
	char got[1024];
	int calls, stop_at;
};

static int collect(void *ctx, const char *name, unsigned line, const char *const *outer,
                   size_t nouter)
{
	struct seen *s = ctx;
	size_t l = strlen(s->got);

	snprintf(s->got + l, sizeof(s->got) - l, "%s@%u", name, line);
	for (size_t i = 0; i < nouter; i++) {
		l = strlen(s->got);
		snprintf(s->got + l, sizeof(s->got) - l, "%s%s", i ? "/" : " in ", outer[i]);
	}
	l = strlen(s->got);
	snprintf(s->got + l, sizeof(s->got) - l, ";");
	return ++s->calls == s->stop_at ? 42 : 0;
}

static void test_each_name(void **state)
{
	struct tmpl *t = compile_ok("Subject: {{incident.tag}}\n"
	                            "{{! team.name in a comment }}\n"
	                            "{{#events}}\n"
	                            "  {{host}}{{#peer}} -> {{ peer }}{{/peer}}\n"
	                            "{{#report}}\n"
	                            "    {{sender}} {{.}}\n"
	                            "{{/report}}\n"
	                            "{{/events}}\n"
	                            "{{^network}}ours{{/network}} {{team.name}}\n");
	struct seen s = {.stop_at = -1};

	(void)state;
	assert_int_equal(tmpl_each_name(t, collect, &s), 0);
	assert_string_equal(s.got, "incident.tag@1;"
	                           "events@3;"
	                           "host@4 in events;"
	                           "peer@4 in events;"
	                           "peer@4 in events/peer;"
	                           "report@5 in events;"
	                           "sender@6 in events/report;"
	                           ".@6 in events/report;"
	                           "network@9;"
	                           "team.name@9;");
	/* a non-zero return stops the walk and is returned */
	memset(&s, 0, sizeof(s));
	s.stop_at = 3;
	assert_int_equal(tmpl_each_name(t, collect, &s), 42);
	assert_int_equal(s.calls, 3);
	assert_string_equal(s.got, "incident.tag@1;events@3;host@4 in events;");
	tmpl_free(t);
}

static void test_load(void **state)
{
	char path[] = "/tmp/test-template-XXXXXX", err[512] = "";
	struct tmpl *t = (struct tmpl *)&t;
	const char *missing = "/nonexistent/dir/cc.txt";
	FILE *fp;
	int fd;
	struct buf b;
	json_t *d;

	(void)state;
	assert_int_equal(tmpl_load(missing, &t, err, sizeof(err)), VIGIL_EIO);
	assert_null(t);
	assert_string_equal(err, "/nonexistent/dir/cc.txt: cannot be read: No such file or "
	                         "directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs("Hi {{who}}\n{{#l}}\n", fp);
	fclose(fp);
	/* the path names the template in messages */
	assert_int_equal(tmpl_load(path, &t, err, sizeof(err)), VIGIL_ESYNTAX);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:2: section 'l' opened on line 2 is never closed",
		         path);
		assert_string_equal(err, want);
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("Hi {{who}}\n{{#l}}\n- {{.}}\n{{/l}}\n", fp);
	fclose(fp);
	assert_int_equal(tmpl_load(path, &t, err, sizeof(err)), 0);
	assert_string_equal(tmpl_name(t), path);
	d = parse("{\"who\": \"all\", \"l\": [\"a\", \"b\"]}");
	buf_init(&b, 100);
	assert_int_equal(tmpl_render(t, d, &b), 0);
	assert_string_equal(b.data, "Hi all\n- a\n- b\n");
	buf_free(&b);
	json_decref(d);
	tmpl_free(t);

	/* an empty file is an empty template */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(tmpl_load(path, &t, err, sizeof(err)), 0);
	tmpl_free(t);
	unlink(path);

	/* a directory is not a template */
	assert_int_equal(tmpl_load("/tmp", &t, err, sizeof(err)), VIGIL_EIO);
	assert_null(t);
}

/* Every template shipped in templates/LANG/ compiles. */
static void test_shipped(void **state)
{
	char dir[1024], sub[1300], file[1600], err[512];
	DIR *top, *d;
	struct dirent *de, *fe;
	int n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/templates", VIGIL_SOURCE_DIR);
	if (!(top = opendir(dir)))
		skip();
	while ((de = readdir(top))) {
		if (de->d_name[0] == '.' ||
		    !(d = opendir((snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name), sub))))
			continue;
		while ((fe = readdir(d))) {
			size_t l = strlen(fe->d_name);
			struct tmpl *t;
			int rc;

			if (l < 5 || strcmp(fe->d_name + l - 4, ".txt"))
				continue;
			snprintf(file, sizeof(file), "%s/%s", sub, fe->d_name);
			rc = tmpl_load(file, &t, err, sizeof(err));
			if (rc)
				print_error("%s\n", err);
			assert_int_equal(rc, 0);
			tmpl_free(t);
			n++;
		}
		closedir(d);
	}
	closedir(top);
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_variables),    cmocka_unit_test(test_dotted),
	    cmocka_unit_test(test_section_list), cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_outer_names),  cmocka_unit_test(test_section_values),
	    cmocka_unit_test(test_inverse),      cmocka_unit_test(test_comments),
	    cmocka_unit_test(test_standalone),   cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_errors),       cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_buffer_cap),   cmocka_unit_test(test_work_cap),
	    cmocka_unit_test(test_render_again), cmocka_unit_test(test_each_name),
	    cmocka_unit_test(test_load),         cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
