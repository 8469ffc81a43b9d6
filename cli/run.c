/* run.c — `verdict run --server`: parse OPA's `opa run` flags, build the
 * engine with the options the configuration asks for, load the files and
 * bundles named on the command line, and hand over to server/. */
#include "run.h"
#include "usage.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <verdict.h>

#include "../server/server.h"
#include "errlist.h"
#include "load.h"
#include "watch.h"

void cli_run_usage(FILE *out)
{
    fputs("Start the policy server (OPA's REST API).\n"
          "\n"
          "Usage:\n"
          "  verdict run --server [flags] [files...]\n"
          "\n"
          "Files and directories are loaded as `verdict eval -d` loads them (.tar.gz\n"
          "files as bundles).\n"
          "\n"
          "Flags:\n"
          "  -a, --addr HOST:PORT              listen address (repeatable; default 127.0.0.1:8181)\n"
          "  -b, --bundle PATH                 load a bundle (.tar.gz or directory; repeatable),\n"
          "                                    named by its path\n"
          "  -c, --config-file FILE            OPA configuration file (YAML or JSON)\n"
          "      --diagnostic-addr HOST:PORT   also listen here, plain HTTP, for /health and\n"
          "                                    /metrics only (repeatable)\n"
          "      --disable-telemetry           accepted for OPA's command lines (Verdict sends none)\n"
          "  -h, --help                        help for run\n"
          "  -l, --log-level LEVEL             debug, info (default), warn or error\n"
          "      --log-format FORMAT           json (default), json-pretty or text\n"
          "  -s, --server                      start the server (required)\n"
          "      --set KEY=VALUE               override a configuration value (repeatable)\n"
          "      --shutdown-grace-period SECS  wait for in-flight requests on shutdown (default 10)\n"
          "      --skip-version-check          accepted for OPA's command lines (Verdict checks none)\n"
          "      --threads N                   service threads (default: one per core)\n"
          "      --tls-cert-file FILE          serve HTTPS with this PEM certificate (chain)\n"
          "      --tls-private-key-file FILE   the certificate's PEM private key\n"
          "      --min-tls-version VERSION     1.0, 1.1, 1.2 (default) or 1.3\n"
          "      --tls-ca-cert-file FILE       with --authentication=tls: CA certificates that\n"
          "                                    sign the client certificates accepted\n"
          "      --authentication MODE         off (default); token (a bearer token is\n"
          "                                    input.identity for --authorization); tls (clients\n"
          "                                    present a certificate --tls-ca-cert-file signed)\n"
          "      --authorization MODE          off (default) or basic: data.system.authz.allow\n"
          "                                    decides every API request, as in OPA\n"
          "      --v0-compatible               parse modules as Rego v0\n"
          "  -w, --watch                       load the policy and data files again when they\n"
          "                                    change (bundles are not watched)\n",
          out);
}

#define usage_error(...) cli_usage_error("run", 1, __VA_ARGS__)

typedef struct strvec {
    char **v;
    int n;
} strvec;

static int push(strvec *sv, char *s)
{
    char **grown = realloc(sv->v, sizeof *grown * (size_t)(sv->n + 1));
    if (!grown)
        return -1;
    sv->v = grown;
    sv->v[sv->n++] = s;
    return 0;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "--flag value", "--flag=value" and "-f value": the value, or NULL. */
static const char *flag_value(int argc, char **argv, int *i, const char *s, const char *l, int *matched)
{
    const char *a = argv[*i];
    size_t ln = strlen(l);
    *matched = 0;
    if (strncmp(a, l, ln) == 0 && a[ln] == '=') {
        *matched = 1;
        return a + ln + 1;
    }
    if (strcmp(a, l) == 0 || (s && strcmp(a, s) == 0)) {
        *matched = 1;
        if (*i + 1 >= argc)
            return NULL;
        return argv[++*i];
    }
    return NULL;
}

/* plain: the files and directories loaded as files (not bundles), for --watch */
static int load_everything(verdict_engine *eng, strvec *files, strvec *bundles, strvec *plain_out)
{
    errlist errs;
    errlist_init(&errs);
    /* plain files and directories are staged, then committed together */
    strvec plain = {0};
    for (int i = 0; i < files->n; i++) {
        struct stat st;
        if (has_suffix(files->v[i], ".tar.gz") && stat(files->v[i], &st) == 0 && S_ISREG(st.st_mode))
            push(bundles, files->v[i]);  /* OPA's loader reads tarballs as bundles */
        else
            push(&plain, files->v[i]);
    }
    if (plain.n) {
        load_data_paths(eng, plain.v, (size_t)plain.n, &errs);
        if (errlist_count(&errs) == 0) {
            verdict_errors *e = NULL;
            if (verdict_commit(eng, &e) != VERDICT_OK)
                errlist_add_engine(&errs, e);
            else
                verdict_errors_free(e);
        }
    }
    *plain_out = plain;
    for (int i = 0; i < bundles->n && errlist_count(&errs) == 0; i++) {
        verdict_errors *e = NULL;
        if (verdict_load_bundle_file(eng, bundles->v[i], bundles->v[i], NULL, &e) != VERDICT_OK) {
            if (e && verdict_errors_count(e))
                errlist_add_engine(&errs, e);
            else {
                verdict_errors_free(e);
                errlist_addf(&errs, "bundle %s: cannot load", bundles->v[i]);
            }
        } else {
            verdict_errors_free(e);
        }
    }
    int failed = errlist_count(&errs) != 0;
    if (failed) {
        fputs("error: ", stderr);
        errlist_print_text(&errs, stderr);
    }
    errlist_free(&errs);
    return failed ? -1 : 0;
}

int cli_run(int argc, char **argv)
{
    server_options o;
    memset(&o, 0, sizeof o);
    strvec addrs = {0}, diag_addrs = {0}, sets = {0}, files = {0}, bundles = {0};
    o.tls_min_minor = 2;  /* OPA's default minimum, TLS 1.2 */
    const char *tls_ca = NULL;
    int auth_tls = 0, watch = 0;
    int serve = 0, rc = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
        int m;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_run_usage(stdout);
            rc = 0;
            goto done;
        } else if (strcmp(a, "-s") == 0 || strcmp(a, "--server") == 0) {
            serve = 1;
        } else if (strcmp(a, "--v0-compatible") == 0) {
            o.v0_compatible = 1;
        } else if (strcmp(a, "--v1-compatible") == 0) {
            o.v0_compatible = 0;
        } else if ((v = flag_value(argc, argv, &i, "-a", "--addr", &m)) || m) {
            if (!v || push(&addrs, (char *)v) != 0) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
        } else if ((v = flag_value(argc, argv, &i, NULL, "--diagnostic-addr", &m)) || m) {
            if (!v || push(&diag_addrs, (char *)v) != 0) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
        } else if (strcmp(a, "-w") == 0 || strcmp(a, "--watch") == 0) {
            watch = 1;
        } else if (strcmp(a, "--disable-telemetry") == 0 || strcmp(a, "--skip-version-check") == 0) {
            /* nothing to turn off: Verdict reports nowhere */
        } else if ((v = flag_value(argc, argv, &i, "-b", "--bundle", &m)) || m) {
            if (!v || push(&bundles, (char *)v) != 0) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
        } else if ((v = flag_value(argc, argv, &i, "-c", "--config-file", &m)) || m) {
            if (!v) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
            o.config_file = v;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--set", &m)) || m) {
            if (!v || push(&sets, (char *)v) != 0) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
        } else if ((v = flag_value(argc, argv, &i, "-l", "--log-level", &m)) || m) {
            if (!v) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
            o.log_level = v;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--log-format", &m)) || m) {
            if (!v) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
            o.log_format = v;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--shutdown-grace-period", &m)) || m) {
            if (!v || atoi(v) < 0) {
                rc = usage_error("invalid argument for %s", a);
                goto done;
            }
            o.shutdown_grace_seconds = atoi(v);
        } else if ((v = flag_value(argc, argv, &i, NULL, "--threads", &m)) || m) {
            if (!v || atoi(v) <= 0) {
                rc = usage_error("invalid argument for %s", a);
                goto done;
            }
            o.threads = atoi(v);
        } else if ((v = flag_value(argc, argv, &i, NULL, "--tls-cert-file", &m)) || m) {
            if (!v) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
            o.tls_cert_file = v;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--tls-private-key-file", &m)) || m) {
            if (!v) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
            o.tls_private_key_file = v;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--tls-ca-cert-file", &m)) || m) {
            if (!v) {
                rc = usage_error("flag needs an argument: %s", a);
                goto done;
            }
            tls_ca = v;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--min-tls-version", &m)) || m) {
            if (!v || strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '3' || v[3]) {
                rc = usage_error("invalid argument for %s: 1.0, 1.1, 1.2 or 1.3", a);
                goto done;
            }
            o.tls_min_minor = v[2] - '0';
        } else if ((v = flag_value(argc, argv, &i, NULL, "--authentication", &m)) || m) {
            if (!v || (strcmp(v, "off") != 0 && strcmp(v, "tls") != 0 && strcmp(v, "token") != 0)) {
                rc = usage_error("invalid argument for %s: off, token or tls", a);
                goto done;
            }
            auth_tls = strcmp(v, "tls") == 0;
            o.auth_token = strcmp(v, "token") == 0;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--authorization", &m)) || m) {
            if (!v || (strcmp(v, "off") != 0 && strcmp(v, "basic") != 0)) {
                rc = usage_error("invalid argument for %s: off or basic", a);
                goto done;
            }
            o.authz_basic = strcmp(v, "basic") == 0;
        } else if (a[0] == '-' && a[1]) {
            rc = usage_error("unknown flag: %s", a);
            goto done;
        } else if (push(&files, (char *)a) != 0) {
            goto done;
        }
    }
    if (!serve) {
        rc = usage_error("the interactive shell is not supported: use verdict run --server");
        goto done;
    }
    if (!o.tls_cert_file != !o.tls_private_key_file) {
        rc = usage_error("--tls-cert-file and --tls-private-key-file go together");
        goto done;
    }
    if (auth_tls && (!o.tls_cert_file || !tls_ca)) {
        rc = usage_error("--authentication=tls needs --tls-cert-file, --tls-private-key-file and --tls-ca-cert-file");
        goto done;
    }
    /* as OPA: the CA file only matters for client certificates */
    o.tls_ca_cert_file = auth_tls ? tls_ca : NULL;
    o.addrs = (const char **)addrs.v;
    o.naddrs = addrs.n;
    o.diag_addrs = (const char **)diag_addrs.v;
    o.ndiag_addrs = diag_addrs.n;
    o.sets = (const char **)sets.v;
    o.nsets = sets.n;

    char *error = NULL;
    server *s = server_new(&o, &error);
    if (!s) {
        fprintf(stderr, "error: %s\n", error ? error : "cannot start the server");
        free(error);
        goto done;
    }
    verdict_engine *eng = verdict_new(server_engine_options(s));
    if (!eng) {
        fputs("error: out of memory\n", stderr);
        server_free(s);
        goto done;
    }
    strvec plain = {0};
    if (load_everything(eng, &files, &bundles, &plain) == 0) {
        watcher *wt = NULL;
        if (watch && plain.n && !(wt = watch_start(eng, plain.v, plain.n)))
            fputs("error: cannot start watching the files\n", stderr);
        else
            rc = server_run(s, eng);
        watch_stop(wt);
    }
    free(plain.v);
    server_free(s);
    verdict_free(eng);
done:
    free(addrs.v);
    free(diag_addrs.v);
    free(sets.v);
    free(files.v);
    free(bundles.v);
    return rc;
}
