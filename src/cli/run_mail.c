/*
 * run_mail.c - the [report] maildir of `vigil run` (see run_mail.h).
 */
#include "cli/run_mail.h"
#include "cli/intake.h"
#include "desk/desk.h"
#include "nat/nat.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DEFAULT_POLL_MS (30 * 1000)

struct run_mail {
	char maildir[1024];
	int64_t poll_ms;
	struct desk *desk;
	struct nat_index *nat;
	struct intake *in;
	struct intake_stats st;
	pthread_t thr;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int rc;
};

static void *mail_main(void *arg)
{
	struct run_mail *m = arg;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		pthread_mutex_unlock(&m->mu);
		int rc = intake_maildir(m->in, m->maildir, &m->st);
		if (rc < 0)
			log_error("run: %s: mail left in new/ for the next poll", m->maildir);
		pthread_mutex_lock(&m->mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(m->poll_ms / 1000);
		ts.tv_nsec += (long)(m->poll_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

static void mail_free(struct run_mail *m)
{
	intake_free(m->in);
	desk_close(m->desk);
	nat_index_close(m->nat);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m);
}

int run_mail_start(const struct conf *cf, const char *desk_url, const struct whois_db *whois,
		   bool live, struct run_mail **out)
{
	const char *dir = conf_get(cf, "report", "maildir", NULL);
	const char *natdir = conf_get(cf, "nat", "dir", NULL);
	char err[512] = "";
	struct run_mail *m;

	*out = NULL;
	if (!dir)
		return 0;
	if (!(m = calloc(1, sizeof(*m))))
		return -1;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	snprintf(m->maildir, sizeof(m->maildir), "%s", dir);
	m->poll_ms = conf_get_duration(cf, "report", "poll", DEFAULT_POLL_MS);
	if (m->poll_ms < 1000)
		m->poll_ms = 1000;
	/* like an MTA delivering to it would: make the maildir when absent */
	char sub[1100];
	mkdir(dir, 0750);
	for (int i = 0; i < 3; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, i == 0 ? "new" : i == 1 ? "cur" : "tmp");
		mkdir(sub, 0750);
	}
	if (!intake_is_maildir(dir)) {
		fprintf(stderr, "vigil run: [report] maildir %s: not a maildir (no new/ and cur/)\n", dir);
		mail_free(m);
		return -1;
	}
	if (natdir && nat_index_open(natdir, false, &m->nat, err, sizeof(err))) {
		log_warn("run: %s; NAT gateways in reports stay unresolved", err);
		m->nat = NULL;
	}
	if (desk_open(desk_url, &m->desk, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil run: desk %s: %s\n", desk_url, err);
		mail_free(m);
		return -1;
	}
	desk_set_actor(m->desk, "vigil-run");
	desk_set_windows(m->desk, conf_get_duration(cf, "desk", "window", 0),
			 conf_get_duration(cf, "desk", "recurrence", 0));
	struct intake_opts io = { 0 };
	io.rejected_dir = conf_get(cf, "report", "rejected", "./var/rejected");
	io.nat = m->nat;
	io.nat_opts.skew_ms = conf_get_duration(cf, "nat", "skew", NAT_DEFAULT_SKEW_MS);
	io.nat_opts.max_open_ms = conf_get_duration(cf, "nat", "max_open", NAT_DEFAULT_MAX_OPEN_MS);
	io.whois = whois;
	if (intake_new(m->desk, &io, &m->in)) {
		mail_free(m);
		return -1;
	}
	if (live) {
		if (pthread_create(&m->thr, NULL, mail_main, m)) {
			mail_free(m);
			return -1;
		}
		m->running = true;
		log_info("run: filing abuse mail from %s every %llds", dir, (long long)(m->poll_ms / 1000));
	}
	*out = m;
	return 0;
}

int run_mail_once(struct run_mail *m)
{
	if (!m)
		return 0;
	return intake_maildir(m->in, m->maildir, &m->st) < 0 ? -1 : 0;
}

void run_mail_stop(struct run_mail *m)
{
	if (!m)
		return;
	if (m->running) {
		pthread_mutex_lock(&m->mu);
		m->stop = true;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->thr, NULL);
	}
	fprintf(stderr, "vigil run: reports from %s: ", m->maildir);
	intake_print(&m->st, stderr);
	mail_free(m);
}
