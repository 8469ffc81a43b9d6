/* server.h — `verdict run --server`: OPA's REST API over an engine.
 *
 * The one interface between cli/run.c and server/.  A server is built in
 * two steps so that the CLI can load files between them with the engine
 * options the configuration asks for:
 *
 *     server *s = server_new(&opts, &err);        // configuration, logging
 *     verdict_engine *eng = verdict_new(server_engine_options(s));
 *     ... stage and commit files, load -b bundles ...
 *     int rc = server_run(s, eng);                // until SIGTERM / SIGINT
 *     server_free(s); verdict_free(eng);
 */
#ifndef VERDICT_SERVER_H
#define VERDICT_SERVER_H

#include <verdict.h>

typedef struct server_options {
    const char **addrs;         /* "host:port", ":port"; default 127.0.0.1:8181 */
    int naddrs;
    const char **diag_addrs;    /* --diagnostic-addr: plain HTTP, /health and /metrics only */
    int ndiag_addrs;
    const char *config_file;    /* OPA configuration file (YAML or JSON) */
    const char **sets;          /* --set a.b=c overrides */
    int nsets;
    const char *log_level;      /* debug, info (default), warn, error */
    const char *log_format;     /* json (default), json-pretty, text */
    int shutdown_grace_seconds; /* wait for in-flight requests; default 10 */
    int threads;                /* service threads; 0 = one per core */
    int v0_compatible;
    /* HTTPS (opa run --tls-cert-file/--tls-private-key-file): both or
     * neither; with tls_ca_cert_file, clients must present a certificate
     * it signed (OPA's --authentication=tls). */
    const char *tls_cert_file;
    const char *tls_private_key_file;
    const char *tls_ca_cert_file;
    int tls_min_minor;          /* --min-tls-version 1.x: x (OPA's default 1.2) */
    int auth_token;             /* --authentication=token: a bearer token is input.identity */
    int authz_basic;            /* --authorization=basic: data.system.authz.allow decides each API request */
} server_options;

typedef struct server server;

/* Read the configuration and set up logging.  NULL with *error (malloc'd)
 * when the configuration is unusable. */
server *server_new(const server_options *opts, char **error);
/* The engine options the configuration asks for (deadline, cache). */
const verdict_options *server_engine_options(const server *s);
/* Serve with eng until SIGTERM or SIGINT; returns the process exit code. */
int server_run(server *s, verdict_engine *eng);
void server_free(server *s);
/* A line in the server's log (info, or error when `error` is set), for
 * the parts of `verdict run` outside the server (file watching). */
void server_log(int error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
