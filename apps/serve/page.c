/* The demo page's files (placeholder until the page lands: no files). */
#include "serve.h"

const serve_file *serve_page_file(const char *url) {
    (void)url;
    return NULL;
}
