/* bundle.h — OPA policy bundles: reading (tar.gz archives, buffers and
 * directories), manifests, signatures, delta bundles, and writing them.
 *
 * This module knows files and archives; it knows nothing of evaluation.  A
 * bundle read here is handed to the engine (engine/api.c) which compiles it
 * and activates it atomically.  Everything a bundle holds is plain text and
 * paths: parsing Rego and JSON/YAML into values is the engine's job, but
 * JSON/YAML documents are checked for syntax here so that errors can name
 * the file and position.
 *
 * Format (OPA's): a gzipped tar (or a directory) with
 *   /.manifest           JSON: revision, roots, rego_version, file_rego_versions,
 *                        metadata, wasm
 *   /.signatures.json    JWS over the file list with SHA-256 digests
 *   <dir>/data.json|yaml a data document placed at the path of its folder
 *   <dir>/<name>.rego    a module (Rego v1 unless the manifest says v0)
 *   /patch.json          delta bundles only: {"data": [{op, path, value}]}
 *   /policy.wasm, ...    wasm modules (kept, not evaluated)
 */
#ifndef VERDICT_BUNDLE_H
#define VERDICT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bundle_module {
    char *path;             /* path inside the bundle, with a leading '/' ("/authz/policy.rego") */
    char *text;             /* NUL-terminated */
    size_t len;
    int rego_v0;            /* the manifest (or file_rego_versions) says Rego v0 */
} bundle_module;

typedef struct bundle_data {
    char *path;             /* file path inside the bundle ("/users/data.json") */
    char **keys;            /* where it goes under data: the folder's segments ("users") */
    int nkeys;
    char *text;             /* NUL-terminated JSON or YAML text */
    size_t len;
    int is_yaml;
} bundle_data;

typedef enum bundle_patch_op { BUNDLE_PATCH_UPSERT, BUNDLE_PATCH_REMOVE, BUNDLE_PATCH_REPLACE } bundle_patch_op;

typedef struct bundle_patch {
    bundle_patch_op op;
    char **keys;            /* the operation's path under data, split into segments */
    int nkeys;
    char *value;            /* JSON text of the value (NULL for remove) */
    size_t value_len;
} bundle_patch;

typedef struct bundle {
    /* manifest */
    char *revision;         /* "" when absent */
    char **roots;           /* path prefixes ("a/b"); a manifest without roots owns [""] (everything) */
    int nroots;
    int rego_v0;            /* manifest rego_version == 0 */
    char *metadata_json;    /* the manifest's metadata object as JSON text, or NULL */
    char *manifest_json;    /* the whole manifest as JSON text, or NULL when there was none */
    /* contents */
    bundle_module *modules;
    int nmodules;
    bundle_data *data;
    int ndata;
    bundle_patch *patches;  /* delta bundles */
    int npatches;
    bool is_delta;          /* has patch.json (and no data or modules) */
    /* every file with its size, for `verdict inspect` */
    struct bundle_file { char *path; size_t size; } *files;
    int nfiles;
    bool signed_;           /* had .signatures.json and it verified */
} bundle;

/* Why a read failed: the message names the file (and position) at fault. */
typedef struct bundle_error {
    char message[1024];
} bundle_error;

typedef struct bundle_limits {
    uint64_t max_total_bytes;   /* decompressed size of all entries; 0 = default 512 MiB */
    uint64_t max_file_bytes;    /* one entry; 0 = default 256 MiB */
    uint32_t max_entries;       /* 0 = default 100000 */
} bundle_limits;

typedef struct bundle_verify {
    const char *key;            /* PEM public key / certificate, or HMAC secret; NULL: no verification */
    const char *key_id;         /* expected "keyid" (may be NULL) */
    const char *alg;            /* RS256 ... HS512; NULL: take the header's */
    const char *scope;          /* expected "scope" claim (may be NULL) */
    bool skip;                  /* do not verify even if signed */
} bundle_verify;

/* Read a bundle from a .tar.gz file, a buffer holding one, or a directory.
 * NULL with err filled on failure: bad archive, unsafe entry (absolute path,
 * "..", link, device), limits exceeded, malformed manifest/JSON/YAML/patch,
 * files outside the roots, signature problems. */
bundle *bundle_read_file(const char *path, const bundle_limits *lim, const bundle_verify *v, bundle_error *err);
bundle *bundle_read_buffer(const void *buf, size_t len, const bundle_limits *lim, const bundle_verify *v,
                           bundle_error *err);
bundle *bundle_read_dir(const char *dir, const bundle_limits *lim, const bundle_verify *v, bundle_error *err);
void bundle_free(bundle *b);

/* Whether root a contains path p (both slash-separated, no leading '/'). */
bool bundle_root_contains(const char *root, const char *path);
/* Whether two roots overlap (one is a prefix of the other at a segment boundary). */
bool bundle_roots_overlap(const char *a, const char *b);

/* Writing (`verdict build`). */
typedef struct bundle_build_opts {
    const char *revision;       /* NULL: keep the manifest's / none */
    const char *signing_key;    /* PEM private key or HMAC secret; NULL: unsigned */
    const char *signing_alg;    /* default RS256 */
    const char *key_id;
    const char *scope;
} bundle_build_opts;

/* Build a .tar.gz bundle from directories/files (as `opa build`), writing to
 * out_path.  0 on success, -1 with err filled. */
int bundle_build(char *const *inputs, int ninputs, const char *out_path, const bundle_build_opts *o, bundle_error *err);

#endif
