/* tls.c — the HTTPS files, read once with OpenSSL before serving (tls.h). */
#include "tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(error, fmt, ap) < 0)
        *error = NULL;
    va_end(ap);
    ERR_clear_error();
    return -1;
}

static FILE *open_or_fail(const char *flag, const char *path, char **error)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail(error, "%s %s: %s", flag, path, strerror(errno));
    return f;
}

int tls_check_files(const server_options *opts, char **error)
{
    if (!opts->tls_cert_file)
        return 0;
    FILE *f = open_or_fail("--tls-cert-file", opts->tls_cert_file, error);
    if (!f)
        return -1;
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!cert)
        return fail(error, "--tls-cert-file %s: no PEM certificate in it", opts->tls_cert_file);
    f = open_or_fail("--tls-private-key-file", opts->tls_private_key_file, error);
    if (!f) {
        X509_free(cert);
        return -1;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    int rc = 0;
    if (!key)
        rc = fail(error, "--tls-private-key-file %s: no PEM private key in it (or it is encrypted)",
                  opts->tls_private_key_file);
    else if (X509_check_private_key(cert, key) != 1)
        rc = fail(error, "--tls-private-key-file %s does not match the certificate of --tls-cert-file %s",
                  opts->tls_private_key_file, opts->tls_cert_file);
    EVP_PKEY_free(key);
    X509_free(cert);
    if (rc != 0 || !opts->tls_ca_cert_file)
        return rc;
    f = open_or_fail("--tls-ca-cert-file", opts->tls_ca_cert_file, error);
    if (!f)
        return -1;
    X509 *ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!ca)
        return fail(error, "--tls-ca-cert-file %s: no PEM certificate in it", opts->tls_ca_cert_file);
    X509_free(ca);
    return 0;
}
