/*
 * test_crash.c - kill -9 of a writer at random moments never loses a flow it
 * reported durable, never returns a flow twice and never returns damaged
 * data. Runs tests/store/crashwriter 25 times against one store (each start
 * must recover the segment the previous one left open), killing it after a
 * random 50..600 ms; then reads the store (with the last segment still open)
 * and again after a writer's recovery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/err.h"

#include "gen.h"

#define RUNS 25
#define RUN_STRIDE 1000000000ull

static uint64_t durable[RUNS];

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Read everything; check every row and the durable promises. */
static void verify(const char *dir)
{
	struct store_reader *r;
	struct store_reader_stats rs;
	const struct flow *rows;
	size_t n, nids = 0, cap = 1 << 16;
	uint64_t *ids = malloc(cap * sizeof(*ids));
	int rc;

	assert_non_null(ids);
	assert_int_equal(store_reader_open(dir, NULL, &r), 0);
	while ((rc = store_reader_next(r, &rows, &n)) == 1) {
		for (size_t i = 0; i < n; i++) {
			struct flow want;

			gen_flow(7, rows[i].bytes, 1700000000000LL, &want);
			want.bytes = rows[i].bytes;
			assert_memory_equal(&rows[i], &want, sizeof(want));
			if (nids == cap) {
				cap *= 2;
				ids = realloc(ids, cap * sizeof(*ids));
				assert_non_null(ids);
			}
			ids[nids++] = rows[i].bytes;
		}
	}
	assert_int_equal(rc, 0);
	store_reader_get_stats(r, &rs);
	store_reader_close(r);
	assert_int_equal(rs.bad_blocks, 0);
	assert_int_equal(rs.bad_segments, 0);
	qsort(ids, nids, sizeof(*ids), cmp_u64);
	for (size_t i = 1; i < nids; i++)
		assert_true(ids[i] != ids[i - 1]); /* exactly once */
	for (int run = 0; run < RUNS; run++) {
		uint64_t lo = run * RUN_STRIDE, hi = lo + durable[run];
		size_t a = 0, b = nids;

		while (a < b) { /* first id >= lo */
			size_t m = (a + b) / 2;

			if (ids[m] < lo)
				a = m + 1;
			else
				b = m;
		}
		/* ids [lo, hi) must all be there, consecutively */
		for (uint64_t id = lo; id < hi; id++, a++) {
			if (a >= nids || ids[a] != id)
				fail_msg("run %d: durable flow %llu missing", run, (unsigned long long)id);
		}
	}
	free(ids);
}

static void test_kill9(void **state)
{
	char tmpl[] = "/tmp/vigil-crash-XXXXXX";
	char *dir = mkdtemp(tmpl), cmd[256];
	uint64_t total = 0;

	(void)state;
	assert_non_null(dir);
	srand((unsigned)time(NULL));
	for (int run = 0; run < RUNS; run++) {
		int fds[2], status;
		pid_t pid;
		char start[32], line[128];
		FILE *fp;
		struct timespec ts;
		long ms = 50 + rand() % 550;

		assert_int_equal(pipe(fds), 0);
		snprintf(start, sizeof(start), "%llu", (unsigned long long)(run * RUN_STRIDE));
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			close(fds[1]);
			execl(CRASHWRITER, "crashwriter", dir, start, (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		fp = fdopen(fds[0], "r");
		assert_non_null(fp);
		/* wait until it has recovered and started, then let it run */
		assert_non_null(fgets(line, sizeof(line), fp));
		assert_string_equal(line, "ready\n");
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		durable[run] = 0;
		while (fgets(line, sizeof(line), fp))
			if (!strncmp(line, "durable ", 8))
				durable[run] = strtoull(line + 8, NULL, 10);
		fclose(fp);
		total += durable[run];
	}
	print_message("kill -9 x%d: %llu flows reported durable\n", RUNS, (unsigned long long)total);
	assert_true(total > 0);
	verify(dir); /* the last run's segment is still open: read through its torn tail */
	{
		struct store_writer *w;

		assert_int_equal(store_writer_open(dir, NULL, &w), 0); /* recovers it */
		assert_int_equal(store_writer_close(w), 0);
	}
	verify(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
