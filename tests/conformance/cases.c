/* cases.c — reading OPA's YAML conformance cases (see cases.h). */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/yaml.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static const val *member(const val *obj, const char *key)
{
    return val_object_get_str(obj, key, strlen(key));
}

static const char *string_member(const val *obj, const char *key)
{
    const val *v = member(obj, key);
    return v && val_kind_of(v) == VAL_STRING ? val_str(v) : NULL;
}

static int bool_member(const val *obj, const char *key, int dflt)
{
    const val *v = member(obj, key);
    if (!v || val_kind_of(v) != VAL_BOOL) return dflt;
    return val_is_true(v);
}

/* "v1/<folder>/..." -> "<folder>" (copied into the arena) */
static const char *folder_of(arena *a, const char *rel)
{
    const char *start = strchr(rel, '/');
    start = start ? start + 1 : rel;
    const char *end = strchr(start, '/');
    return arena_strndup(a, start, end ? (size_t)(end - start) : strlen(start));
}

int conf_file_load(conf_file *f, const char *path, const char *rel, int v0)
{
    memset(f, 0, sizeof *f);
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        snprintf(f->error, sizeof f->error, "%s: cannot read", path);
        return -1;
    }
    f->a = arena_new(1 << 16);
    json_error err;
    memset(&err, 0, sizeof err);
    const val *doc = f->a ? yaml_parse(f->a, text, len, &err) : NULL;
    free(text);
    if (!doc) {
        snprintf(f->error, sizeof f->error, "%s:%d:%d: %s", path, err.line, err.col, err.msg);
        return -1;
    }
    const val *cases = val_kind_of(doc) == VAL_OBJECT ? member(doc, "cases") : NULL;
    if (!cases || val_kind_of(cases) != VAL_ARRAY) {
        snprintf(f->error, sizeof f->error, "%s: no 'cases' list", path);
        return -1;
    }
    const char *file = arena_strndup(f->a, path, strlen(path));
    const char *folder = folder_of(f->a, rel);
    size_t n = val_len(cases);
    f->cases = arena_zalloc(f->a, (n ? n : 1) * sizeof *f->cases);
    for (size_t i = 0; i < n; i++) {
        const val *c = val_array_items(cases)[i];
        conf_case *tc = &f->cases[f->ncases++];
        char id[1200];
        snprintf(id, sizeof id, "%s#%zu", rel, i);
        tc->id = arena_strndup(f->a, id, strlen(id));
        tc->file = file;
        tc->folder = folder;
        tc->v0 = v0;
        tc->want_defined = -1;
        if (val_kind_of(c) != VAL_OBJECT) continue;
        tc->note = string_member(c, "note");
        tc->query = string_member(c, "query");
        const val *mods = member(c, "modules");
        if (mods && val_kind_of(mods) == VAL_ARRAY) {
            tc->modules = arena_zalloc(f->a, (val_len(mods) + 1) * sizeof *tc->modules);
            for (size_t m = 0; m < val_len(mods); m++) {
                const val *mv = val_array_items(mods)[m];
                tc->modules[tc->nmodules++] = val_kind_of(mv) == VAL_STRING ? val_str(mv) : "";
            }
        }
        tc->data = member(c, "data");
        if (tc->data && val_kind_of(tc->data) == VAL_NULL) tc->data = NULL;
        /* Go unmarshals "input: null" into a nil pointer: no input. */
        tc->input = member(c, "input");
        if (tc->input && val_kind_of(tc->input) == VAL_NULL) tc->input = NULL;
        tc->input_term = string_member(c, "input_term");
        tc->want_result = member(c, "want_result");
        if (tc->want_result && val_kind_of(tc->want_result) != VAL_ARRAY) tc->want_result = NULL;
        tc->want_error_code = string_member(c, "want_error_code");
        tc->want_error = string_member(c, "want_error");
        tc->sort_bindings = bool_member(c, "sort_bindings", 0);
        tc->strict_error = bool_member(c, "strict_error", 0);
        const val *wd = member(c, "want_defined");
        if (wd && val_kind_of(wd) == VAL_BOOL) tc->want_defined = val_is_true(wd);
    }
    return 0;
}

void conf_file_free(conf_file *f)
{
    if (f->a) arena_free(f->a);
    memset(f, 0, sizeof *f);
}
