/*
 * conf.h - vigil.conf, one INI file for every stage (read with inih).
 *
 * Every setting has a default in the code that reads it, so an absent file
 * or section is fine: conf_load(NULL) gives an empty configuration. Keys may
 * repeat (e.g. `network = ...` once per prefix); conf_get() returns the last,
 * conf_each() visits all in file order. Section and key names are
 * case-insensitive.
 */
#ifndef VIGIL_UTIL_CONF_H
#define VIGIL_UTIL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;

/* Load path (NULL: empty). On a syntax error returns VIGIL_ESYNTAX and writes
 * "FILE:LINE: ..." into err. */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);
void conf_free(struct conf *c);
const char *conf_path(const struct conf *c); /* NULL when none was loaded */

const char *conf_get(const struct conf *c, const char *section, const char *key, const char *def);
int64_t conf_get_int(const struct conf *c, const char *section, const char *key, int64_t def);
bool conf_get_bool(const struct conf *c, const char *section, const char *key, bool def);
/* A duration ("30m", "1s", see vtime_parse_duration) in ms. */
int64_t conf_get_duration(const struct conf *c, const char *section, const char *key, int64_t def);
/* Calls fn for every value of section/key in file order; stops if fn returns non-zero
 * and returns that value. */
int conf_each(const struct conf *c, const char *section, const char *key,
	      int (*fn)(void *ctx, const char *value), void *ctx);
/* Collect every value of section/key in file order into v[0..max). Sets *n.
 * Returns 0, or VIGIL_ELIMIT when there are more than max (v holds the first max). */
int conf_get_all(const struct conf *c, const char *section, const char *key, const char **v,
		 size_t max, size_t *n);
/* Set (or add) a value, e.g. from a command-line override. */
int conf_set(struct conf *c, const char *section, const char *key, const char *value);

#endif
