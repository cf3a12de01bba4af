/*
 * cmd_web.c - `vigil web`: serve the web desk (page, JSON API, /metrics)
 * from [web] of vigil.conf until SIGTERM/SIGINT, and manage its people:
 *   vigil web [-c CONFIG] [--listen ADDR:PORT] [--root DIR] [--desk URL]
 *   vigil web user add NAME --role admin|analyst|readonly|site [--site S]...
 *                  [--password-file F]        (else stdin, or a prompt on a tty)
 *   vigil web user list | disable NAME | passwd NAME [--password-file F]
 *   vigil web token add NAME --label L        (prints the token once)
 * Passwords are stored as argon2id strings, tokens as SHA-256 hashes.
 */
#include "cli/commands.h"
#include "cli/run_web.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "desk/desk.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"
#include "web/web.h"
#include "whois/whois.h"

static const char usage_text[] =
	"usage: vigil web [-c CONFIG] [--listen ADDR:PORT] [--root DIR] [--desk URL]\n"
	"       vigil web user add NAME --role admin|analyst|readonly|site [--site SITE]...\n"
	"                      [--password-file FILE] [-c CONFIG] [--desk URL]\n"
	"       vigil web user list | disable NAME | passwd NAME [--password-file FILE]\n"
	"       vigil web token add NAME --label LABEL\n"
	"The password is read from --password-file (first line), else from standard\n"
	"input, else asked twice on the terminal. See vigil-web(1).\n";

struct opts {
	const char *conf, *desk, *listen, *root, *role, *pwfile, *label;
	const char *sites[DESK_USER_MAXSITES];
	size_t nsites;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "desk", required_argument, NULL, 'd' },   { "listen", required_argument, NULL, 'l' },
		{ "root", required_argument, NULL, 'R' },   { "role", required_argument, NULL, 'r' },
		{ "site", required_argument, NULL, 's' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'L' },  { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf = optarg; break;
		case 'd': o->desk = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'R': o->root = optarg; break;
		case 'r': o->role = optarg; break;
		case 'p': o->pwfile = optarg; break;
		case 'L': o->label = optarg; break;
		case 's':
			if (o->nsites == DESK_USER_MAXSITES) {
				fprintf(stderr, "vigil web: at most %d --site\n", DESK_USER_MAXSITES);
				return 2;
			}
			o->sites[o->nsites++] = optarg;
			break;
		case 'h': fputs(usage_text, stdout); return 1;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	return 0;
}

static int open_desk(const struct opts *o, struct conf **cf, struct desk **d)
{
	char err[512] = "";
	const char *url;

	if (conf_load(o->conf, cf, err, sizeof(err))) {
		fprintf(stderr, "vigil web: %s\n", err);
		return -1;
	}
	url = o->desk ? o->desk : conf_get(*cf, "desk", "url", DESK_DEFAULT_URL);
	if (desk_open(url, d, err, sizeof(err))) {
		fprintf(stderr, "vigil web: desk %s: %s\n", url, err);
		return -1;
	}
	return 0;
}

static int read_line(FILE *fp, char *buf, size_t n)
{
	size_t l;

	if (!fgets(buf, (int)n, fp))
		return -1;
	l = strlen(buf);
	while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
		buf[--l] = '\0';
	return 0;
}

static int prompt(const char *what, char *buf, size_t n)
{
	struct termios t, quiet;
	int rc;

	fprintf(stderr, "%s: ", what);
	if (tcgetattr(0, &t))
		return -1;
	quiet = t;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(0, TCSAFLUSH, &quiet);
	rc = read_line(stdin, buf, n);
	tcsetattr(0, TCSAFLUSH, &t);
	fprintf(stderr, "\n");
	return rc;
}

/* The password from the file, stdin or the terminal into pw[n]. */
static int get_password(const char *file, char *pw, size_t n)
{
	char again[1024];

	if (file) {
		FILE *fp = fopen(file, "r");
		int rc;

		if (!fp) {
			fprintf(stderr, "vigil web: cannot read %s\n", file);
			return -1;
		}
		rc = read_line(fp, pw, n);
		fclose(fp);
		if (rc || !*pw) {
			fprintf(stderr, "vigil web: %s: no password on its first line\n", file);
			return -1;
		}
		return 0;
	}
	if (!isatty(0)) {
		if (read_line(stdin, pw, n) || !*pw) {
			fprintf(stderr, "vigil web: no password on standard input\n");
			return -1;
		}
		return 0;
	}
	if (prompt("password", pw, n) || prompt("again", again, sizeof(again)) || strcmp(pw, again)) {
		fprintf(stderr, "vigil web: the passwords differ\n");
		return -1;
	}
	if (!*pw) {
		fprintf(stderr, "vigil web: an empty password is not allowed\n");
		return -1;
	}
	return 0;
}

static int print_user(void *ctx, const struct desk_user *u)
{
	char t[VTIME_STRLEN];

	(void)ctx;
	printf("%-20s %-9s %-9s %s ", u->name, u->role, u->disabled ? "disabled" : "active",
	       vtime_format_s(u->created, t));
	for (size_t i = 0; i < u->nsites; i++)
		printf("%s%s", i ? "," : "", u->sites[i]);
	printf("\n");
	return 0;
}

static int user_cmd(int argc, char **argv, struct opts *o)
{
	const char *verb = argc > 0 ? argv[0] : "";
	const char *name = argc > 1 ? argv[1] : NULL;
	struct conf *cf = NULL;
	struct desk *d = NULL;
	struct desk_user u;
	char pw[1024], err[512] = "";
	int rc = 1;

	if (strcmp(verb, "list") && !name) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(verb, "add") && !o->role) {
		fprintf(stderr, "vigil web user add: --role admin|analyst|readonly|site is needed\n");
		return 2;
	}
	if (open_desk(o, &cf, &d))
		goto out;
	desk_set_actor(d, conf_get(cf, "desk", "actor", NULL));
	if (!strcmp(verb, "list")) {
		rc = desk_user_list(d, print_user, NULL) ? 1 : 0;
	} else if (!strcmp(verb, "add") || !strcmp(verb, "passwd")) {
		memset(&u, 0, sizeof(u));
		if (get_password(o->pwfile, pw, sizeof(pw)))
			goto out;
		if (web_password_hash(pw, u.pwhash, sizeof(u.pwhash))) {
			fprintf(stderr, "vigil web: hashing the password failed\n");
			goto out;
		}
		memset(pw, 0, sizeof(pw));
		if (!strcmp(verb, "passwd")) {
			if ((rc = desk_user_password(d, name, u.pwhash)))
				fprintf(stderr, "vigil web: user %s: %s\n", name, vigil_strerror(rc));
			rc = rc ? 1 : 0;
			goto out;
		}
		snprintf(u.name, sizeof(u.name), "%s", name);
		snprintf(u.role, sizeof(u.role), "%s", o->role);
		for (size_t i = 0; i < o->nsites; i++)
			snprintf(u.sites[i], sizeof(u.sites[i]), "%s", o->sites[i]);
		u.nsites = o->nsites;
		if (desk_user_add(d, &u, err, sizeof(err))) {
			fprintf(stderr, "vigil web: %s\n", err);
			goto out;
		}
		printf("user %s added (%s)\n", u.name, u.role);
		rc = 0;
	} else if (!strcmp(verb, "disable")) {
		if ((rc = desk_user_disable(d, name)))
			fprintf(stderr, "vigil web: user %s: %s\n", name, vigil_strerror(rc));
		else
			printf("user %s disabled; its sessions and tokens are gone\n", name);
		rc = rc ? 1 : 0;
	} else {
		fputs(usage_text, stderr);
		rc = 2;
	}
out:
	desk_close(d);
	conf_free(cf);
	return rc;
}

static int token_cmd(int argc, char **argv, struct opts *o)
{
	struct conf *cf = NULL;
	struct desk *d = NULL;
	char tok[65], hash[65];
	int rc = 1;

	if (argc < 2 || strcmp(argv[0], "add")) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (open_desk(o, &cf, &d))
		goto out;
	desk_set_actor(d, conf_get(cf, "desk", "actor", NULL));
	if (web_secret(tok, hash)) {
		fprintf(stderr, "vigil web: no randomness\n");
		goto out;
	}
	if ((rc = desk_token_add(d, hash, argv[1], o->label ? o->label : ""))) {
		fprintf(stderr, "vigil web: token for %s: %s\n", argv[1], vigil_strerror(rc));
		rc = 1;
		goto out;
	}
	/* shown once: the desk keeps only its hash */
	printf("%s\n", tok);
	rc = 0;
out:
	desk_close(d);
	conf_free(cf);
	return rc;
}

static int serve(struct opts *o)
{
	struct conf *cf = NULL;
	struct whois_db *whois = NULL;
	struct run_web *rw = NULL;
	char err[512] = "";
	sigset_t sigs;
	int sig, rc = 1;

	if (conf_load(o->conf, &cf, err, sizeof(err))) {
		fprintf(stderr, "vigil web: %s\n", err);
		return 1;
	}
	if (log_get_level() < LOG_LVL_INFO)
		log_set_level(LOG_LVL_INFO);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cli_whois_open(cf, NULL, &whois) < 0)
		goto out;
	if (run_web_start(cf, o->desk, whois, NULL, true, o->listen, o->root, &rw))
		goto out;
	/* the port on stdout, so a script that asked for port 0 can find it */
	printf("listening on port %u\n", run_web_port(rw));
	fflush(stdout);
	sigwait(&sigs, &sig);
	log_info("web: signal %d, stopping", sig);
	rc = 0;
out:
	run_web_stop(rw);
	whois_free(whois);
	conf_free(cf);
	return rc;
}

int cmd_web(int argc, char **argv)
{
	struct opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	optind = 1;
	/* options may come before or after the verb: let getopt permute */
	if ((rc = parse(argc, argv, &o)))
		return rc == 1 ? 0 : rc;
	if (optind < argc && !strcmp(argv[optind], "user"))
		return user_cmd(argc - optind - 1, argv + optind + 1, &o);
	if (optind < argc && !strcmp(argv[optind], "token"))
		return token_cmd(argc - optind - 1, argv + optind + 1, &o);
	if (optind < argc && strcmp(argv[optind], "serve")) {
		fputs(usage_text, stderr);
		return 2;
	}
	return serve(&o);
}
