/* internal.h — what the files of bundle/ share and nobody else uses.
 *
 * A bundle is read in two steps.  First a source (a .tar.gz file, a buffer
 * holding one, or a directory; read.c) becomes a list of raw files: safe,
 * normalised paths ("/a/b/data.json") with their bytes, within the limits.
 * Then the list becomes a `bundle` (layout.c): manifest (manifest.c),
 * signature checks (sign.c), modules and their packages (package.c), data
 * documents and their places under data, delta patches (patch.c), roots.
 * build.c runs the same reader over its inputs and writes a new archive. */
#ifndef VERDICT_BUNDLE_INTERNAL_H
#define VERDICT_BUNDLE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"
#include "engine/arena.h"
#include "engine/strbuf.h"
#include "engine/value.h"

#define BUNDLE_DEFAULT_MAX_TOTAL (512ull << 20)
#define BUNDLE_DEFAULT_MAX_FILE (256ull << 20)
#define BUNDLE_DEFAULT_MAX_ENTRIES 100000u

/* ---- util.c ---- */

/* One file of a bundle: path normalised to a leading '/', bytes NUL-terminated. */
typedef struct bfile {
    char *path;
    char *data;
    size_t len;
} bfile;

typedef struct bfiles {
    bfile *v;
    int n, cap;
} bfiles;

/* Appends, taking ownership of path and data (freed here on failure). */
int bfiles_add(bfiles *fs, char *path, char *data, size_t len);
const bfile *bfiles_find(const bfiles *fs, const char *path);
void bfiles_free(bfiles *fs);

void berr(bundle_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable list of malloc'd strings. */
typedef struct bstrs {
    char **v;
    int n, cap;
} bstrs;

int bstrs_push(bstrs *l, const char *s, size_t n);   /* copies; -1 when out of memory */
void bstrs_free(bstrs *l);

/* Normalise an entry name: strips "./" and leading '/', drops empty and "."
 * segments.  Returns a malloc'd "/a/b" ("" for the bundle root itself), or
 * NULL with *why set when the name has a ".." segment (why: "absolute path
 * escapes the bundle" or "path escapes the bundle"), or when out of memory
 * (*why == NULL). */
char *bpath_normalise(const char *name, const char **why);

/* Go's fmt %v of a []string: "[a b]". */
void bstrs_format(strbuf *sb, char *const *v, int n);

const char *bpath_base(const char *path);     /* after the last '/' */

/* Limits with defaults applied. */
typedef struct blimits {
    uint64_t max_total, max_file;
    uint32_t max_entries;
} blimits;
void blimits_init(blimits *l, const bundle_limits *user);

/* ---- read.c ---- */

/* Read the raw files of a source. 0, or -1 with err filled. */
int bread_archive_file(const char *path, const blimits *lim, bfiles *out, bundle_error *err);
int bread_archive_buffer(const void *buf, size_t len, const char *src, const blimits *lim, bfiles *out,
                         bundle_error *err);
int bread_dir(const char *dir, const blimits *lim, bfiles *out, bundle_error *err);

/* ---- manifest.c ---- */

typedef struct bwasm_resolver {
    char *entrypoint;
    char *module;
    char *annotations_json;     /* as found, canonical JSON, or NULL */
} bwasm_resolver;

typedef struct bfile_version {
    char *pattern;              /* a glob over module paths, e.g. "/authz/x*.rego" */
    int version;
} bfile_version;

typedef struct bmanifest {
    bool present;               /* there was a .manifest */
    char *revision;             /* never NULL */
    bool has_roots;             /* "roots" given (possibly empty) */
    bstrs roots;                /* trimmed of '/'; [""] when not given */
    bool has_rego_version;
    int rego_version;
    bfile_version *file_versions;   /* sorted by pattern */
    int nfile_versions;
    char *metadata_json;        /* canonical JSON object, or NULL */
    bwasm_resolver *wasm;
    int nwasm;
} bmanifest;

void bmanifest_init(bmanifest *m);      /* an absent manifest: roots [""] */
/* Parse a manifest file.  Errors are OPA's "bundle load failed on manifest
 * decode: ..." with the file and line:col. */
int bmanifest_parse(bmanifest *m, const char *path, const char *text, size_t len, bundle_error *err);
void bmanifest_free(bmanifest *m);
/* The Rego version a module gets: a matching file_rego_versions pattern,
 * else the manifest's rego_version, else -1 (the default, v1).  -2 with
 * *bad_pattern set when a pattern is not a valid glob. */
int bmanifest_version_for(const bmanifest *m, const char *module_path, const char **bad_pattern);
/* The manifest as OPA's encoding/json writes its Manifest struct: compact,
 * fields in struct order, empty ones left out. */
void bmanifest_write(strbuf *sb, const bmanifest *m);
/* Whether a gobwas/glob pattern (no separators) matches s; -1 for a malformed pattern. */
int bglob_match(const char *pattern, const char *s);

/* ---- package.c ---- */

/* The package of a module, found by scanning for its `package` line
 * (comments and whitespace skipped).  0 with the path segments in *segs
 * ("a", "b" for `package a.b`), -1 when no package clause can be found (the
 * engine's parser reports it). */
int bpackage_scan(const char *text, size_t len, bstrs *segs);
/* "package a.b" / "package a[\"b-c\"]" as OPA prints a package. */
void bpackage_format(strbuf *sb, const bstrs *segs);
/* The package's path as OPA's Ref.Ptr() makes it: segments URL-escaped, joined by '/'. */
void bpackage_ptr(strbuf *sb, const bstrs *segs);

/* ---- patch.c ---- */

/* Parse a delta bundle's patch file into patches.  Errors name the file. */
int bpatch_parse(const char *path, const char *text, size_t len, bundle_patch **out, int *nout, bundle_error *err);
void bpatch_free(bundle_patch *p, int n);

/* ---- layout.c ---- */

/* Make a bundle of raw files.  The bytes of modules and data documents move
 * into the bundle (their entries in files are left with data == NULL); the
 * rest stays in files for the caller (build.c copies wasm modules). */
bundle *bassemble(bfiles *files, const char *src, const bundle_verify *v, bundle_error *err);
/* Parse a data document (JSON, or YAML when is_yaml) into a, naming the file and line:col on error. */
val *bdata_parse(arena *a, const char *path, const char *text, size_t len, bool is_yaml, bundle_error *err);
/* Insert v at keys into the object *root (NULL: empty) as OPA's bundle
 * reader merges data files: objects merge key by key, anything else at a
 * key both define is a conflict.  0, BDATA_CONFLICT, or BDATA_NOT_OBJECT
 * when nkeys == 0 and v is not an object; *root is unchanged on failure. */
enum { BDATA_CONFLICT = 1, BDATA_NOT_OBJECT = 2 };
int bdata_insert(arena *a, val **root, char *const *keys, int nkeys, val *v);
/* Where a data file goes: the folder's segments, trimmed of leading '/' and '.' as OPA does. */
int bdata_keys(const char *path, bstrs *keys);
/* OPA's check that data sits under the roots (fills err; -1 on violation). */
int bdata_check_roots(const val *root, char *const *roots, int nroots, bundle_error *err);

/* ---- sign.c ---- */

typedef struct bsig_file {
    char *name;                 /* without a leading '/' */
    char *hash;                 /* hex */
    char *algorithm;            /* "SHA-256" ... */
    bool seen;
} bsig_file;

typedef struct bsig_files {
    bsig_file *v;
    int n;
} bsig_files;

/* Verify the JWS of a .signatures.json and collect its file list: 0 when
 * verified, 1 when the file holds no signature config at all ({}), -1 with
 * err filled. */
int bsig_verify_signatures(const char *text, size_t len, const bundle_verify *v, bsig_files *out, bundle_error *err);
/* Check one bundle file (path with a leading '/') against the list. */
int bsig_verify_file(bsig_files *files, const char *path, const char *data, size_t len, bundle_error *err);
/* Files listed but never seen: an error naming them (OPA's wording). */
int bsig_check_all_seen(const bsig_files *files, bundle_error *err);
void bsig_files_free(bsig_files *files);

/* SHA-256 hex digests as OPA computes them: of the bytes, or of a JSON
 * value's canonical form (keys sorted, Go's encoding of primitives). */
void bsig_hex_digest_bytes(const char *data, size_t len, char out[65]);
void bsig_hex_digest_value(const val *v, char out[65]);

/* The signed token for a list of files ({name, hash} pairs; algorithm SHA-256). */
char *bsig_sign(const bsig_files *files, const bundle_build_opts *o, bundle_error *err);

#endif
