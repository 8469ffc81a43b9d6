/* fuzz.h — fuzz harnesses of Verdict, one per input surface (README.md).
 *
 * Each harness is written once with FUZZ_TARGET(name).  Built for libFuzzer
 * (-DFUZZ_LIBFUZZER, one binary per harness) it is LLVMFuzzerTestOneInput;
 * otherwise it is fuzz_<name>(), and the deterministic smoke driver
 * (smoke.c) links all of them into one program.
 *
 * A harness returns 0.  A broken promise that no sanitizer sees (an error
 * without a code, a failed change that changed something, output that does
 * not read back) calls fuzz_fail(), which aborts, so both drivers report it
 * as a crash with the input that caused it. */
#ifndef VERDICT_FUZZ_H
#define VERDICT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "verdict.h"

#ifdef FUZZ_LIBFUZZER
#define FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name) int fuzz_##name(const uint8_t *data, size_t size)
#endif

int fuzz_module(const uint8_t *data, size_t size);
int fuzz_query(const uint8_t *data, size_t size);
int fuzz_json(const uint8_t *data, size_t size);
int fuzz_yaml(const uint8_t *data, size_t size);
int fuzz_bundle(const uint8_t *data, size_t size);
int fuzz_request(const uint8_t *data, size_t size);

/* ---- common.c ---- */

/* Abort with a message naming the broken promise. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* An engine with the limits every harness runs under, so that no
 * evaluation can run or grow without bound (v0: Rego v0 modules). */
verdict_engine *fuzz_engine(int v0);

/* Check the errors a call returned with status st: an error status has at
 * least one error, every error has a code and a message, and the error
 * renderings work.  Frees errs. */
void fuzz_check_errors(verdict_status st, verdict_errors *errs);

/* Like fuzz_check_errors, and every Rego error (code "rego_...") points
 * into the text: a row, and a file when need_file (modules; a query has no
 * file name). */
void fuzz_check_located_errors(verdict_status st, verdict_errors *errs, int need_file);

/* Whether text mentions a builtin that reaches the network (http.send,
 * net.lookup_ip_addr): harnesses skip such inputs, a fuzzer must not send
 * requests or wait for DNS. */
int fuzz_uses_network(const char *text, size_t len);

/* A NUL-terminated copy of the input. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Evaluate `query` and render the result or the errors (checked, Rego
 * errors located). */
void fuzz_run_query(verdict_engine *eng, const char *query, const char *input, size_t input_len);

/* A bundle written as text, the form the bundle harness mutates:
 *     ==> /path/in/bundle
 *     file content...
 *     ==> /next/file
 * The newline before a header line ends the previous header's line, not
 * its file.  Packed into a .tar.gz in memory (malloc'd, *len set); NULL
 * when libarchive cannot write it. */
unsigned char *fuzz_pack_bundle(const char *text, size_t len, size_t *out_len);

#endif
