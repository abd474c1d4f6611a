/* Oniguruma, the regex engine of Hugging Face's tokenizers (the onig crate, Ruby syntax),
 * behind four calls. Where vkbert uses a system's shared libonig on an ELF system, the
 * library is opened at first use with RTLD_LOCAL: its POSIX names (regcomp, regexec, ...)
 * must not enter the process's global scope, where they would shadow the C library's for
 * every other user — Mesa's driconf among them. Elsewhere (a static Oniguruma built
 * without its POSIX API, Windows, Android, macOS's two-level namespace) it is linked. */
#ifndef VKB_TEXT_REGEX_H
#define VKB_TEXT_REGEX_H

#include "vkbert.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct vkb_regex vkb_regex;           /* a compiled pattern, shareable across threads */
typedef struct vkb_regex_region vkb_regex_region; /* one search's match positions */

/* `pat` is UTF-8; `path` names the file in the error. */
vkbert_status vkb_regex_new(const char *pat, const char *path, vkb_regex **out);
void vkb_regex_free(vkb_regex *re);
/* "Oniguruma 6.9.8": the version of the headers vkbert was built with. */
const char *vkb_regex_version(void);
vkb_regex_region *vkb_regex_region_new(void); /* NULL: out of memory */
void vkb_regex_region_free(vkb_regex_region *r);
/* The first match in s[from..len): true and its byte span [*beg, *end); false for none
 * (or an engine error, which tokenizers treat as no further match). */
bool vkb_regex_search(const vkb_regex *re, vkb_regex_region *r, const char *s, size_t len, size_t from, size_t *beg,
                      size_t *end);

#endif
