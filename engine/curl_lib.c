/* libcurl loaded on first use (curl_lib.h says why). */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "curl_lib.h"

curl_lib curl_fn;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[256];

/* The soname Debian's libcurl4 (OpenSSL flavour) and libcurl3-gnutls ship. */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

static void *sym(void *h, const char *name, bool *ok)
{
    void *p = dlsym(h, name);
    if (!p && *ok) {
        snprintf(load_error, sizeof load_error, "libcurl has no %s", name);
        *ok = false;
    }
    return p;
}

static void load(void)
{
    void *h = NULL;
    for (size_t i = 0; i < sizeof sonames / sizeof *sonames && !h; i++)
        h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof load_error, "libcurl is not installed (%s)", dlerror());
        return;
    }
    bool ok = true;
    CURLcode (*global_init)(long);
    *(void **)(&global_init) = sym(h, "curl_global_init", &ok);
    /* void * to function pointer: POSIX guarantees dlsym results convert */
#define LOAD(field, name) *(void **)(&curl_fn.field) = sym(h, name, &ok)
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_getinfo, "curl_easy_getinfo");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(slist_append, "curl_slist_append");
    LOAD(slist_free_all, "curl_slist_free_all");
    LOAD(free, "curl_free");
    LOAD(url, "curl_url");
    LOAD(url_cleanup, "curl_url_cleanup");
    LOAD(url_set, "curl_url_set");
    LOAD(url_get, "curl_url_get");
    LOAD(url_strerror, "curl_url_strerror");
#undef LOAD
    if (!ok)
        return;  /* the library stays mapped: harmless, and dlclose could race */
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "libcurl could not be initialised");
        return;
    }
    loaded = true;  /* never cleaned up: other threads may still hold handles at exit */
}

bool curl_lib_load(char *err, size_t errlen)
{
    pthread_once(&load_once, load);
    if (!loaded && err && errlen)
        snprintf(err, errlen, "%s", load_error);
    return loaded;
}
