/* capabilities.c — the capabilities document of this build: every builtin
 * Verdict implements, with OPA's declaration of it, in the form
 * `opa capabilities` prints, so tools that check policies against OPA
 * capabilities can check them against Verdict. */
#include <stdlib.h>
#include <string.h>

#include "../include/verdict.h"
#include "builtins.h"
#include "json.h"
#include "strbuf.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One entry: name and decl first, then the optional flags in OPA's order. */
static void write_entry(strbuf *sb, const val *e, int pretty)
{
    static const char *const order[] = {"name", "decl", "infix", "relation", "nondeterministic", "deprecated"};
    const char *nl = pretty ? "\n      " : "";
    sb_puts(sb, pretty ? "    {" : "{");
    int first = 1;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        val *v = val_object_get_str(e, order[k], strlen(order[k]));
        if (!v)
            continue;
        sb_printf(sb, "%s%s\"%s\":%s", first ? "" : ",", nl, order[k], pretty ? " " : "");
        json_write_indent(sb, v, pretty ? JSON_PRETTY : 0, 3);
        first = 0;
    }
    sb_puts(sb, pretty ? "\n    }" : "}");
}

char *verdict_capabilities_json(int pretty)
{
    arena *a = arena_new(64 * 1024);
    if (!a)
        return NULL;
    int n = builtin_count();
    const char **names = malloc(sizeof *names * (size_t)(n + 4));
    if (!names) {
        arena_free(a);
        return NULL;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        const char *name = builtin_at(i)->name;
        if (builtin_decl_json(name))
            names[m++] = name;
    }
    /* compiled by the compiler itself rather than registered as builtins */
    names[m++] = "print";
    names[m++] = "assign";
    names[m++] = "eq";
    qsort(names, (size_t)m, sizeof *names, cmp_names);
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, pretty ? "{\n  \"builtins\": [\n" : "{\"builtins\":[");
    for (int i = 0; i < m; i++) {
        const char *json = builtin_decl_json(names[i]);
        json_error je;
        val *e = json ? json_parse(a, json, strlen(json), 0, &je) : NULL;
        if (!e)
            continue;
        if (i)
            sb_puts(&sb, pretty ? ",\n" : ",");
        write_entry(&sb, e, pretty);
    }
    sb_puts(&sb, pretty ? "\n  ]" : "]");
    json_error je;
    val *rest = json_parse(a, builtin_capabilities_rest, strlen(builtin_capabilities_rest), 0, &je);
    static const char *const keys[] = {"future_keywords", "wasm_abi_versions", "features"};
    for (size_t k = 0; rest && k < sizeof keys / sizeof keys[0]; k++) {
        val *v = val_object_get_str(rest, keys[k], strlen(keys[k]));
        if (!v)
            continue;
        sb_printf(&sb, pretty ? ",\n  \"%s\": " : ",\"%s\":", keys[k]);
        json_write_indent(&sb, v, pretty ? JSON_PRETTY : 0, 1);
    }
    sb_puts(&sb, pretty ? "\n}\n" : "}");
    free(names);
    arena_free(a);
    return sb_detach(&sb);
}

/* ---- process-wide settings of the host ---- */

#include "builtins/http_host.h"

int verdict_set_runtime(const char *config_json)
{
    arena *a = arena_new(16 * 1024);
    if (!a)
        return -1;
    val *config = NULL;
    if (config_json) {
        json_error je;
        config = json_parse(a, config_json, strlen(config_json), 0, &je);
        if (!config || config->kind != VAL_OBJECT) {
            arena_free(a);
            return -1;
        }
    }
    int rc = opa_runtime_set(opa_runtime_default(a, config));
    arena_free(a);
    return rc;
}

void verdict_set_http_cache_bytes(size_t max_bytes) { http_cache_configure(max_bytes); }
