/* tls.h — checking the HTTPS certificate, key and client CA files before
 * serving, so a wrong path or a key that does not match the certificate is
 * a clear error at start rather than a libwebsockets context that cannot
 * be made (or connections that fail one by one). */
#ifndef VERDICT_SERVER_TLS_H
#define VERDICT_SERVER_TLS_H

#include "server.h"

/* 0 when the files named in opts (if any) are usable; otherwise -1 with a
 * malloc'd *error naming the flag and the file. */
int tls_check_files(const server_options *opts, char **error);

#endif
