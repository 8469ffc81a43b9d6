/* libcurl, loaded on first use.
 *
 * libcurl and the libraries it pulls in (GnuTLS, Kerberos, LDAP, SSH, ...)
 * are over thirty shared objects; mapping and relocating them at start cost
 * about 4 ms of the 7 ms a `verdict eval` process took, although only
 * http.send and the server's bundle downloads use it.  So nothing links
 * against libcurl: the first caller of curl_lib_load() dlopen()s it and the
 * names below resolve to the loaded functions.  Include this header instead
 * of <curl/curl.h> and call curl_lib_load() before any curl function.
 * (docs/decisions.md, "libcurl loaded on first use".) */
#ifndef VERDICT_CURL_LIB_H
#define VERDICT_CURL_LIB_H

#include <curl/curl.h>
#include <stdbool.h>

typedef struct curl_lib {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    void (*free)(void *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
    const char *(*url_strerror)(CURLUcode);
} curl_lib;

/* Loads libcurl and runs curl_global_init once per process (thread-safe).
 * On failure returns false and, when err is given, says why. */
bool curl_lib_load(char *err, size_t errlen);

/* The loaded functions; valid after curl_lib_load() returned true. */
extern curl_lib curl_fn;

/* curl.h wraps some of these in type-checking macros; the calls below go to
 * the loaded functions instead. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_init      (curl_fn.easy_init)
#define curl_easy_setopt    (curl_fn.easy_setopt)
#define curl_easy_getinfo   (curl_fn.easy_getinfo)
#define curl_easy_perform   (curl_fn.easy_perform)
#define curl_easy_cleanup   (curl_fn.easy_cleanup)
#define curl_easy_strerror  (curl_fn.easy_strerror)
#define curl_slist_append   (curl_fn.slist_append)
#define curl_slist_free_all (curl_fn.slist_free_all)
#define curl_free           (curl_fn.free)
#define curl_url            (curl_fn.url)
#define curl_url_cleanup    (curl_fn.url_cleanup)
#define curl_url_set        (curl_fn.url_set)
#define curl_url_get        (curl_fn.url_get)
#define curl_url_strerror   (curl_fn.url_strerror)

#endif
