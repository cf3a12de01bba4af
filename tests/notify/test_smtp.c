/*
 * test_smtp.c - smtp_send against a real server (tests/notify/smtpd.py on
 * a free loopback port): what arrives is byte for byte what was sent, with
 * its envelope; a refused recipient is a permanent error with the server's
 * 550, a dead port and a server dying in DATA are errors to retry, AUTH is
 * used. The server is killed after every test, pass or fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "notify/compose.h"
#include "notify/smtp.h"
#include "util/err.h"

#define SMTPD VIGIL_SOURCE_DIR "/tests/notify/smtpd.py"

static char tmp[64];
static pid_t srv = -1;
static int port;

static void stop_server(void)
{
	if (srv > 0) {
		kill(srv, SIGTERM);
		waitpid(srv, NULL, 0);
		srv = -1;
	}
}

static int teardown(void **state)
{
	(void)state;
	stop_server();
	return 0;
}

static void path_of(char *p, size_t n, const char *sub, const char *name)
{
	snprintf(p, n, "%s/%s/%s", tmp, sub, name);
}

/* Start smtpd.py on a free port over tmp/sub with extra arguments (up to 4,
 * NULL-terminated) and wait until it listens. */
static void start_server(const char *sub, const char *a1, const char *a2)
{
	char dir[128], pf[160];
	struct timespec ts = {0, 50 * 1000 * 1000};
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", tmp, sub);
	mkdir(dir, 0700);
	path_of(pf, sizeof(pf), sub, "smtpd.port");
	unlink(pf);
	srv = fork();
	assert_true(srv >= 0);
	if (srv == 0) {
		execl("/usr/bin/python3", "python3", SMTPD, "--port", "0", "--dir", dir, a1, a2,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		int st;

		if ((f = fopen(pf, "r"))) {
			assert_int_equal(fscanf(f, "%d", &port), 1);
			fclose(f);
			return;
		}
		if (waitpid(srv, &st, WNOHANG) == srv) {
			srv = -1;
			fail_msg("smtpd.py exited before listening (status %d)", st);
		}
		nanosleep(&ts, NULL);
	}
	fail_msg("smtpd.py did not listen within 10 s");
}

static int send_to(int p, const char *const *rcpt, size_t n, const char *msg, size_t len,
		   const char *user, const char *pass, bool *perm, char *err, size_t errlen)
{
	char url[64];
	struct smtp_conf c = {.url = url, .helo = "vigil.test", .user = user, .password = pass,
			      .timeout_ms = 10000, .from = "csirt@example.net"};

	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", p);
	return smtp_send(&c, rcpt, n, msg, len, perm, err, errlen);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return s;
}

/* tmp/sub/NNNNNN.eml is msg exactly and its envelope is from/rcpt. */
static void assert_stored(const char *sub, int seq, const char *msg, size_t len,
			  const char *const *rcpt, size_t n)
{
	char name[32], p[160];
	json_error_t je;
	json_t *env, *tos;
	size_t got;
	char *data;

	snprintf(name, sizeof(name), "%06d.eml", seq);
	path_of(p, sizeof(p), sub, name);
	data = slurp(p, &got);
	assert_non_null(data);
	assert_int_equal(got, len);
	assert_memory_equal(data, msg, len);
	free(data);
	snprintf(name, sizeof(name), "%06d.env", seq);
	path_of(p, sizeof(p), sub, name);
	env = json_load_file(p, 0, &je);
	assert_non_null(env);
	assert_string_equal(json_string_value(json_object_get(env, "mail_from")),
			    "csirt@example.net");
	tos = json_object_get(env, "rcpt_tos");
	assert_int_equal(json_array_size(tos), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(tos, i)), rcpt[i]);
	json_decref(env);
}

static bool stored(const char *sub, int seq)
{
	char name[32], p[160];

	snprintf(name, sizeof(name), "%06d.eml", seq);
	path_of(p, sizeof(p), sub, name);
	return access(p, F_OK) == 0;
}

/* Three messages: composed, hand-made with dot lines, and a big one. */
static char *msgs[3];
static size_t lens[3];

static void make_messages(void)
{
	static const char hand[] = "From: csirt@example.net\r\nTo: a@site.example\r\n"
				   "Subject: dots\r\n\r\n.\r\n..two dots\r\n.one dot\r\nend\r\n";
	static unsigned char big[300000];
	struct mail_attach att = {"big.bin", "application/octet-stream", big, sizeof(big)};
	struct mail_out m = {.from = "CSIRT <csirt@example.net>", .to = "a@site.example",
			     .subject = "Rhybudd diogelwch: ŵ ŷ", .message_id = "t1@example.net",
			     .date_ms = 1700000000000LL, .body = "Helo.\n.\nDiolch.\n"};
	char err[256];

	if (msgs[0])
		return;
	assert_int_equal(mail_compose(&m, NULL, &msgs[0], &lens[0], err, sizeof(err)), 0);
	msgs[1] = strdup(hand);
	lens[1] = sizeof(hand) - 1;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 131 + (i >> 9));
	m.message_id = "t3@example.net";
	m.att = &att;
	m.natt = 1;
	assert_int_equal(mail_compose(&m, NULL, &msgs[2], &lens[2], err, sizeof(err)), 0);
}

static void test_send(void **state)
{
	const char *rcpt[3][2] = {{"one@site.example", "two@site.example"},
				  {"three@site.example", "Four@Site.Example"},
				  {"five@site.example", "six@other.example"}};
	char err[256];
	bool perm;

	(void)state;
	make_messages();
	start_server("send", NULL, NULL);
	for (int i = 0; i < 3; i++) {
		err[0] = '\0';
		assert_int_equal(send_to(port, rcpt[i], 2, msgs[i], lens[i], NULL, NULL, &perm, err,
					 sizeof(err)), 0);
		assert_false(perm);
	}
	for (int i = 0; i < 3; i++)
		assert_stored("send", i + 1, msgs[i], lens[i], rcpt[i], 2);
	assert_false(stored("send", 4));
}

static void test_reject(void **state)
{
	const char *both[] = {"good@site.example", "bad@site.example"}, *good[] = {both[0]};
	char err[256];
	bool perm;

	(void)state;
	make_messages();
	start_server("reject", "--reject", "bad@site.example");
	assert_int_equal(send_to(port, both, 2, msgs[0], lens[0], NULL, NULL, &perm, err,
				 sizeof(err)), VIGIL_EIO);
	assert_true(perm);
	assert_non_null(strstr(err, "550"));
	print_message("refused: %s\n", err);
	assert_false(stored("reject", 1)); /* nobody got half of it */
	assert_int_equal(send_to(port, good, 1, msgs[0], lens[0], NULL, NULL, &perm, err,
				 sizeof(err)), 0);
	assert_stored("reject", 1, msgs[0], lens[0], good, 1);
}

static void test_dead_port(void **state)
{
	const char *rcpt[] = {"a@site.example"};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	char err[256] = "";
	bool perm = true;
	int fd;

	(void)state;
	make_messages();
	/* a port that was free a moment ago and has no listener */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	assert_int_equal(send_to(ntohs(sa.sin_port), rcpt, 1, msgs[0], lens[0], NULL, NULL, &perm,
				 err, sizeof(err)), VIGIL_EIO);
	assert_false(perm);
	assert_true(strlen(err) > 0);
	print_message("dead port: %s\n", err);
}

static void test_fail_after(void **state)
{
	const char *rcpt[] = {"one@site.example", "two@site.example"};
	char err[256];
	bool perm;
	int st;

	(void)state;
	make_messages();
	start_server("fail", "--fail-after", "1");
	assert_int_equal(send_to(port, rcpt, 2, msgs[0], lens[0], NULL, NULL, &perm, err,
				 sizeof(err)), 0);
	assert_int_equal(send_to(port, rcpt, 2, msgs[1], lens[1], NULL, NULL, &perm, err,
				 sizeof(err)), VIGIL_EIO);
	assert_false(perm); /* the server went away: try again later */
	print_message("server died: %s\n", err);
	assert_int_equal(waitpid(srv, &st, 0), srv);
	srv = -1;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	assert_false(stored("fail", 2));
	/* restarted, the batch goes on where it stopped */
	start_server("fail", NULL, NULL);
	for (int i = 1; i < 3; i++)
		assert_int_equal(send_to(port, rcpt, 2, msgs[i], lens[i], NULL, NULL, &perm, err,
					 sizeof(err)), 0);
	for (int i = 0; i < 3; i++)
		assert_stored("fail", i + 1, msgs[i], lens[i], rcpt, 2);
	assert_false(stored("fail", 4));
}

static void test_auth(void **state)
{
	const char *rcpt[] = {"one@site.example"};
	char err[256];
	bool perm;

	(void)state;
	make_messages();
	start_server("auth", "--auth", "vigil:s3cret");
	assert_int_equal(send_to(port, rcpt, 1, msgs[1], lens[1], "vigil", "s3cret", &perm, err,
				 sizeof(err)), 0);
	assert_stored("auth", 1, msgs[1], lens[1], rcpt, 1);
	assert_int_equal(send_to(port, rcpt, 1, msgs[1], lens[1], "vigil", "wrong", &perm, err,
				 sizeof(err)), VIGIL_EIO);
	assert_true(perm);
	assert_non_null(strstr(err, "535"));
	print_message("bad password: %s\n", err);
	assert_null(strstr(err, "wrong"));
	assert_false(stored("auth", 2));
}

static void test_bad_conf(void **state)
{
	const char *rcpt[] = {"a@site.example"};
	struct smtp_conf c = {.url = "http://127.0.0.1:1", .from = "csirt@example.net"};
	char err[256];
	bool perm;

	(void)state;
	assert_int_equal(smtp_send(&c, rcpt, 1, "x\r\n", 3, &perm, err, sizeof(err)), VIGIL_EINVAL);
	c.url = "smtp://127.0.0.1:1";
	assert_int_equal(smtp_send(&c, rcpt, 0, "x\r\n", 3, &perm, err, sizeof(err)), VIGIL_EINVAL);
}

static void cleanup(void)
{
	char cmd[128];

	stop_server();
	for (int i = 0; i < 3; i++)
		free(msgs[i]);
	if (tmp[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_send, teardown),
		cmocka_unit_test_teardown(test_reject, teardown),
		cmocka_unit_test_teardown(test_dead_port, teardown),
		cmocka_unit_test_teardown(test_fail_after, teardown),
		cmocka_unit_test_teardown(test_auth, teardown),
		cmocka_unit_test(test_bad_conf),
	};
	int rc;

	if (access("/usr/bin/python3", X_OK) != 0) {
		fprintf(stderr, "/usr/bin/python3 is missing: SMTP tests skipped\n");
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/vigil-smtp-XXXXXX");
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	atexit(cleanup);
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests_name("smtp", tests, NULL, NULL);
	return rc;
}
