/*
 * template.h - the notification templates a team edits (internal to
 * src/notify): plain text with Mustache-style tags over a JSON object,
 * compiled once, rendered many times.
 *
 *     {{name}}            the value at name (dotted: {{site.name}}; {{.}} the
 *                         current item); strings as they are, numbers as
 *                         written, true/false, null and missing as nothing
 *     {{#name}}...{{/name}}  a section: once per element of an array (each
 *                         element becomes the current item), once with an
 *                         object as the current item, once for any other
 *                         true value; not at all for false, null, missing,
 *                         "", 0 or []
 *     {{^name}}...{{/name}}  the inverse: only where a section would not run
 *     {{! text }}         a comment (may span lines)
 *
 * Names resolve from the innermost item outwards, as in Mustache. No HTML
 * escaping: these are text mails. A tag alone on its line (section, inverse,
 * close, comment) takes the whole line with it, so loops do not leave blank
 * lines. Every error names the template and the line: "cc.en.txt:12:
 * section 'flows' opened on line 7 is never closed".
 */
#ifndef VIGIL_NOTIFY_TEMPLATE_H
#define VIGIL_NOTIFY_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

#define TMPL_MAX_DEPTH 16        /* nested sections */
#define TMPL_MAX_SIZE (1u << 20) /* bytes of template text */

struct tmpl;

/* Compile text[0..len) named name (used in messages; copied). Returns 0 and
 * *out (free with tmpl_free), VIGIL_ESYNTAX with "NAME:LINE: reason" in err,
 * VIGIL_ELIMIT (too large or too deep) or VIGIL_ENOMEM. */
int tmpl_compile(const char *name, const char *text, size_t len, struct tmpl **out, char *err,
		 size_t errlen);
/* Read and compile a file; its path is the name. VIGIL_EIO when unreadable. */
int tmpl_load(const char *path, struct tmpl **out, char *err, size_t errlen);
void tmpl_free(struct tmpl *t);
const char *tmpl_name(const struct tmpl *t);

/* Append the rendering with data (an object) to out. Returns 0, VIGIL_ELIMIT
 * when out's cap is reached, VIGIL_ENOMEM. */
int tmpl_render(const struct tmpl *t, const json_t *data, struct buf *out);

/* Calls fn for every variable and section name in the template with the
 * line it is on and the names of the sections around it (outermost first),
 * so a caller can check names against what it will supply; stops and
 * returns fn's value when it is non-zero. */
int tmpl_each_name(const struct tmpl *t,
		   int (*fn)(void *ctx, const char *name, unsigned line, const char *const *outer,
			     size_t nouter),
		   void *ctx);

#endif
