/* bundle_api.c — building and inspecting bundles for the CLI (`verdict
 * build`, `verdict inspect`) through the public API; loading them into an
 * engine is a transaction in engine.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../bundle/bundle.h"
#include "engine.h"
#include "json.h"
#include "strbuf.h"

verdict_status verdict_build_bundle(char *const *inputs, int ninputs, const char *out_path,
                                    const verdict_build_options *opts, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!inputs || ninputs <= 0 || !out_path)
        return VERDICT_MISUSE;
    bundle_build_opts bo;
    memset(&bo, 0, sizeof bo);
    if (opts) {
        bo.revision = opts->revision;
        bo.signing_key = opts->signing_key;
        bo.signing_alg = opts->signing_alg;
        bo.key_id = opts->key_id;
        bo.scope = opts->scope;
    }
    bundle_error be;
    if (bundle_build(inputs, ninputs, out_path, &bo, &be) != 0) {
        verdict_errors *e = errs_new();
        errs_add(e, "bundle_error", be.message, out_path, 0, 0);
        return fail_with(e, errs);
    }
    return VERDICT_OK;
}

/* The package of a module, from its "package" line, as dotted text. */
static void module_package(strbuf *sb, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *line = p;
        while (p < end && *p != '\n')
            p++;
        const char *q = line;
        while (q < p && (*q == ' ' || *q == '\t'))
            q++;
        if ((size_t)(p - q) > 8 && strncmp(q, "package", 7) == 0 && (q[7] == ' ' || q[7] == '\t')) {
            q += 8;
            while (q < p && (*q == ' ' || *q == '\t'))
                q++;
            const char *e = q;
            while (e < p && *e != '#' && *e != ' ' && *e != '\t' && *e != '\r')
                e++;
            sb_puts(sb, "data.");
            sb_append(sb, q, (size_t)(e - q));
            return;
        }
        p++;
    }
}

char *verdict_inspect_bundle(const char *path, verdict_errors **errs)
{
    if (errs)
        *errs = NULL;
    if (!path)
        return NULL;
    bundle_error be;
    struct stat st;
    bundle *b = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? bundle_read_dir(path, NULL, NULL, &be)
                                                             : bundle_read_file(path, NULL, NULL, &be);
    if (!b) {
        verdict_errors *e = errs_new();
        errs_add(e, "bundle_error", be.message, path, 0, 0);
        fail_with(e, errs);
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "{\"manifest\":");
    if (b->manifest_json)
        sb_puts(&sb, b->manifest_json);
    else {
        sb_puts(&sb, "{\"revision\":");
        json_write_string(&sb, b->revision ? b->revision : "", strlen(b->revision ? b->revision : ""), 0);
        sb_puts(&sb, ",\"roots\":[");
        for (int i = 0; i < b->nroots; i++) {
            if (i)
                sb_putc(&sb, ',');
            json_write_string(&sb, b->roots[i], strlen(b->roots[i]), 0);
        }
        sb_puts(&sb, "]}");
    }
    /* namespaces: package -> the modules that define it */
    sb_puts(&sb, ",\"namespaces\":{");
    bool *done = calloc((size_t)b->nmodules + 1, sizeof *done);
    int first = 1;
    for (int i = 0; i < b->nmodules; i++) {
        if (done[i])
            continue;
        strbuf pkg = STRBUF_INIT;
        module_package(&pkg, b->modules[i].text, b->modules[i].len);
        const char *name = pkg.data ? pkg.data : "";
        if (!first)
            sb_putc(&sb, ',');
        first = 0;
        json_write_string(&sb, name, strlen(name), 0);
        sb_puts(&sb, ":[");
        for (int j = i, k = 0; j < b->nmodules; j++) {
            strbuf other = STRBUF_INIT;
            module_package(&other, b->modules[j].text, b->modules[j].len);
            if (strcmp(other.data ? other.data : "", name) == 0) {
                done[j] = true;
                if (k++)
                    sb_putc(&sb, ',');
                json_write_string(&sb, b->modules[j].path, strlen(b->modules[j].path), 0);
            }
            sb_free(&other);
        }
        sb_putc(&sb, ']');
        sb_free(&pkg);
    }
    free(done);
    sb_puts(&sb, "},\"files\":[");
    for (int i = 0; i < b->nfiles; i++) {
        if (i)
            sb_putc(&sb, ',');
        sb_puts(&sb, "{\"path\":");
        json_write_string(&sb, b->files[i].path, strlen(b->files[i].path), 0);
        sb_printf(&sb, ",\"size\":%zu}", b->files[i].size);
    }
    sb_printf(&sb, "],\"delta\":%s,\"signed\":%s}", b->is_delta ? "true" : "false", b->signed_ ? "true" : "false");
    bundle_free(b);
    return sb_detach(&sb);
}
