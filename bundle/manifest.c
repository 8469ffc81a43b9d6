/* manifest.c — the bundle's .manifest: reading it as OPA's encoding/json
 * reads its Manifest struct, writing it as OPA writes one, and the globs of
 * file_rego_versions.
 *
 * Reading follows Go's rules: field names match case-insensitively, null
 * leaves a field unset, unknown fields are ignored, and a value of the wrong
 * type is an error in Go's words ("json: cannot unmarshal number into Go
 * struct field Manifest.revision of type string").  Roots are trimmed of
 * '/' as OPA does before using them; a manifest without roots owns [""]. */
#include "bundle/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/json.h"

void bmanifest_init(bmanifest *m)
{
    memset(m, 0, sizeof *m);
}

void bmanifest_free(bmanifest *m)
{
    free(m->revision);
    bstrs_free(&m->roots);
    for (int i = 0; i < m->nfile_versions; i++)
        free(m->file_versions[i].pattern);
    free(m->file_versions);
    free(m->metadata_json);
    for (int i = 0; i < m->nwasm; i++) {
        free(m->wasm[i].entrypoint);
        free(m->wasm[i].module);
        free(m->wasm[i].annotations_json);
    }
    free(m->wasm);
    memset(m, 0, sizeof *m);
}

/* ---- reading ---- */

typedef struct mparse {
    const char *path;
    bundle_error *err;
    int failed;
} mparse;

static const char *go_kind(const val *v)
{
    switch (val_kind_of(v)) {
    case VAL_STRING: return "string";
    case VAL_NUMBER: return "number";
    case VAL_OBJECT: return "object";
    case VAL_ARRAY: return "array";
    case VAL_BOOL: return "bool";
    default: return "null";
    }
}

static void type_error(mparse *p, const val *v, const char *field, const char *type)
{
    if (p->failed)
        return;
    p->failed = 1;
    berr(p->err, "bundle load failed on manifest decode: %s: json: cannot unmarshal %s into Go struct field %s of type %s",
         p->path, go_kind(v), field, type);
}

static void oom(mparse *p)
{
    if (!p->failed)
        berr(p->err, "bundle load failed on manifest decode: %s: out of memory", p->path);
    p->failed = 1;
}

/* The value of a field: an exact key first, else one equal ignoring case (Go's rule). */
static const val *field(const val *obj, const char *name)
{
    val *const *keys = val_object_keys(obj);
    val *const *vals = val_object_values(obj);
    uint32_t n = val_len(obj);
    for (uint32_t i = 0; i < n; i++)
        if (val_kind_of(keys[i]) == VAL_STRING && strcmp(val_str(keys[i]), name) == 0)
            return vals[i];
    for (uint32_t i = 0; i < n; i++)
        if (val_kind_of(keys[i]) == VAL_STRING && strcasecmp(val_str(keys[i]), name) == 0)
            return vals[i];
    return NULL;
}

static char *dup_string(mparse *p, const val *v, const char *fieldname)
{
    if (!v || val_kind_of(v) == VAL_NULL)
        return strdup("");
    if (val_kind_of(v) != VAL_STRING) {
        type_error(p, v, fieldname, "string");
        return NULL;
    }
    char *s = malloc(val_len(v) + 1);
    if (!s) {
        oom(p);
        return NULL;
    }
    memcpy(s, val_str(v), val_len(v) + 1);
    return s;
}

/* A JSON number into a Go int. */
static int get_int(mparse *p, const val *v, const char *fieldname, int *out)
{
    if (val_kind_of(v) != VAL_NUMBER) {
        type_error(p, v, fieldname, "int");
        return -1;
    }
    if (!val_is_int(v) || val_int_value(v) < -2147483647 - 1 || val_int_value(v) > 2147483647) {
        if (!p->failed) {
            p->failed = 1;
            strbuf sb = STRBUF_INIT;
            json_write(&sb, v, 0);
            berr(p->err,
                 "bundle load failed on manifest decode: %s: json: cannot unmarshal number %s into Go struct field %s of type int",
                 p->path, sb.data, fieldname);
            sb_free(&sb);
        }
        return -1;
    }
    *out = (int)val_int_value(v);
    return 0;
}

static char *to_json(mparse *p, const val *v)
{
    strbuf sb = STRBUF_INIT;
    json_write(&sb, v, 0);
    char *s = sb_detach(&sb);
    if (!s)
        oom(p);
    return s;
}

static void read_roots(mparse *p, bmanifest *m, const val *v)
{
    if (!v || val_kind_of(v) == VAL_NULL)
        return;
    if (val_kind_of(v) != VAL_ARRAY) {
        type_error(p, v, "Manifest.roots", "[]string");
        return;
    }
    m->has_roots = true;
    for (uint32_t i = 0; i < val_len(v) && !p->failed; i++) {
        const val *r = val_array_items(v)[i];
        const char *s = "";
        size_t n = 0;
        if (val_kind_of(r) == VAL_STRING) {
            s = val_str(r);
            n = val_len(r);
        } else if (val_kind_of(r) != VAL_NULL) {
            type_error(p, r, "Manifest.roots", "string");
            return;
        }
        while (n && s[0] == '/')
            s++, n--;
        while (n && s[n - 1] == '/')
            n--;
        if (bstrs_push(&m->roots, s, n) != 0)
            oom(p);
    }
}

static int cmp_versions(const void *a, const void *b)
{
    return strcmp(((const bfile_version *)a)->pattern, ((const bfile_version *)b)->pattern);
}

static void read_file_versions(mparse *p, bmanifest *m, const val *v)
{
    if (!v || val_kind_of(v) == VAL_NULL)
        return;
    if (val_kind_of(v) != VAL_OBJECT) {
        type_error(p, v, "Manifest.file_rego_versions", "map[string]int");
        return;
    }
    uint32_t n = val_len(v);
    if (n == 0)
        return;
    m->file_versions = calloc(n, sizeof *m->file_versions);
    if (!m->file_versions) {
        oom(p);
        return;
    }
    for (uint32_t i = 0; i < n && !p->failed; i++) {
        const val *k = val_object_keys(v)[i];
        const val *x = val_object_values(v)[i];
        int ver = 0;
        if (val_kind_of(x) != VAL_NULL && get_int(p, x, "Manifest.file_rego_versions", &ver) != 0)
            return;
        char *pat = strdup(val_str(k));
        if (!pat) {
            oom(p);
            return;
        }
        m->file_versions[m->nfile_versions++] = (bfile_version){pat, ver};
    }
    qsort(m->file_versions, (size_t)m->nfile_versions, sizeof *m->file_versions, cmp_versions);
}

static void read_wasm(mparse *p, bmanifest *m, const val *v)
{
    if (!v || val_kind_of(v) == VAL_NULL)
        return;
    if (val_kind_of(v) != VAL_ARRAY) {
        type_error(p, v, "Manifest.wasm", "[]bundle.WasmResolver");
        return;
    }
    uint32_t n = val_len(v);
    if (n == 0)
        return;
    m->wasm = calloc(n, sizeof *m->wasm);
    if (!m->wasm) {
        oom(p);
        return;
    }
    for (uint32_t i = 0; i < n && !p->failed; i++) {
        const val *w = val_array_items(v)[i];
        bwasm_resolver *r = &m->wasm[m->nwasm++];
        if (val_kind_of(w) == VAL_NULL) {
            r->entrypoint = strdup("");
            r->module = strdup("");
        } else if (val_kind_of(w) != VAL_OBJECT) {
            type_error(p, w, "Manifest.wasm", "bundle.WasmResolver");
            return;
        } else {
            r->entrypoint = dup_string(p, field(w, "entrypoint"), "Manifest.wasm.entrypoint");
            r->module = dup_string(p, field(w, "module"), "Manifest.wasm.module");
            const val *an = field(w, "annotations");
            if (an && val_kind_of(an) != VAL_NULL) {
                if (val_kind_of(an) != VAL_ARRAY)
                    type_error(p, an, "Manifest.wasm.annotations", "[]*ast.Annotations");
                else if (val_len(an) > 0)
                    r->annotations_json = to_json(p, an);
            }
        }
        if (!p->failed && (!r->entrypoint || !r->module))
            oom(p);
    }
}

int bmanifest_parse(bmanifest *m, const char *path, const char *text, size_t len, bundle_error *err)
{
    bmanifest_free(m);
    m->present = true;
    arena a;
    arena_init(&a, 16384);
    json_error je;
    val *doc = json_parse(&a, text, len, 0, &je);
    if (!doc) {
        berr(err, "bundle load failed on manifest decode: %s:%d:%d: %s", path, je.line, je.col, je.msg);
        arena_release(&a);
        return -1;
    }
    mparse p = {path, err, 0};
    if (val_kind_of(doc) == VAL_NULL) {
        /* Go leaves the struct as it was */
    } else if (val_kind_of(doc) != VAL_OBJECT) {
        p.failed = 1;
        berr(err, "bundle load failed on manifest decode: %s: json: cannot unmarshal %s into Go value of type bundle.Manifest",
             path, go_kind(doc));
    } else {
        m->revision = dup_string(&p, field(doc, "revision"), "Manifest.revision");
        read_roots(&p, m, field(doc, "roots"));
        const val *rv = field(doc, "rego_version");
        if (!p.failed && rv && val_kind_of(rv) != VAL_NULL) {
            if (get_int(&p, rv, "Manifest.rego_version", &m->rego_version) == 0)
                m->has_rego_version = true;
        }
        if (!p.failed)
            read_file_versions(&p, m, field(doc, "file_rego_versions"));
        if (!p.failed)
            read_wasm(&p, m, field(doc, "wasm"));
        const val *md = field(doc, "metadata");
        if (!p.failed && md && val_kind_of(md) != VAL_NULL) {
            if (val_kind_of(md) != VAL_OBJECT)
                type_error(&p, md, "Manifest.metadata", "map[string]interface {}");
            else
                m->metadata_json = to_json(&p, md);
        }
    }
    if (!p.failed && !m->revision && !(m->revision = strdup("")))
        oom(&p);
    if (!p.failed && !m->has_roots && bstrs_push(&m->roots, "", 0) != 0)
        oom(&p);
    arena_release(&a);
    return p.failed ? -1 : 0;
}

/* ---- file_rego_versions globs (gobwas/glob without separators) ---- */

/* One UTF-8 code point at s (bytes taken in *n); invalid bytes count as one. */
static unsigned rune_at(const char *s, int *n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80 || !u[1]) {
        *n = 1;
        return u[0];
    }
    int len = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc0 ? 2 : 1;
    unsigned r = len == 4 ? u[0] & 7u : len == 3 ? u[0] & 15u : len == 2 ? u[0] & 31u : u[0];
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *n = 1;
            return u[0];
        }
        r = (r << 6) | (u[i] & 63u);
    }
    *n = len;
    return r;
}

/* End of the bracket or brace group starting at p (pointing past it), or NULL. */
static const char *group_end(const char *p, char open, char close)
{
    int depth = 1;
    for (p++; *p; p++) {
        if (*p == '\\') {
            if (!p[1])
                return NULL;
            p++;
        } else if (*p == open && open != '[') {
            depth++;
        } else if (*p == close && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

static int class_match(const char *p, const char *end, unsigned c)
{
    p++;                          /* '[' */
    end--;                        /* ']' */
    bool neg = *p == '!';
    if (neg)
        p++;
    bool hit = false;
    while (p < end) {
        int n;
        if (*p == '\\')
            p++;
        unsigned lo = rune_at(p, &n);
        p += n;
        unsigned hi = lo;
        if (p + 1 < end && *p == '-') {
            p++;
            if (*p == '\\')
                p++;
            hi = rune_at(p, &n);
            p += n;
        }
        if (c >= lo && c <= hi)
            hit = true;
    }
    return hit != neg;
}

/* Matching.  A pattern is compiled to a small NFA (Thompson's
 * construction) and run over the name with a set of states per byte
 * position: time |pattern| x |name|.  The backtracking matcher this
 * replaces took time exponential in the number of '*' and '{..}' groups
 * (30 stars against a 200-byte name did not finish), and a manifest is
 * input from whoever built the bundle.  Literals match bytes, '*' any
 * bytes, '?' and classes one code point. */
enum { GI_BYTE, GI_ANYBYTE, GI_RUNE, GI_CLASS, GI_SPLIT, GI_JMP, GI_MATCH };

typedef struct ginst {
    unsigned char op;
    int x, y;                 /* GI_BYTE: the byte; GI_SPLIT: both targets; GI_JMP: x */
    const char *cls, *end;    /* GI_CLASS: the bracket group */
} ginst;

typedef struct gprog {
    ginst *in;
    int n, cap;
} gprog;

#define GLOB_MAX_NEST 64          /* nested {..} groups (the old matcher's depth limit) */
#define GLOB_MAX_LEN (64 * 1024)  /* longer patterns are refused rather than compiled */

static int gemit(gprog *g, int op, int x, int y)
{
    if (g->n == g->cap)
        return -1; /* cannot happen: cap is sized from the pattern */
    g->in[g->n] = (ginst){(unsigned char)op, x, y, NULL, NULL};
    return g->n++;
}

/* The sequence p..end into g; -1 for a malformed pattern. */
static int gcomp(gprog *g, const char *p, const char *end, int nest)
{
    while (p < end) {
        switch (*p) {
        case '*': {
            while (p < end && *p == '*')
                p++;
            int split = gemit(g, GI_SPLIT, 0, 0);
            if (split < 0 || gemit(g, GI_ANYBYTE, 0, 0) < 0 || gemit(g, GI_JMP, split, 0) < 0)
                return -1;
            g->in[split].x = split + 1;
            g->in[split].y = g->n;
            break;
        }
        case '?':
            if (gemit(g, GI_RUNE, 0, 0) < 0)
                return -1;
            p++;
            break;
        case '[': {
            const char *e = group_end(p, '[', ']');
            int i = e ? gemit(g, GI_CLASS, 0, 0) : -1;
            if (i < 0)
                return -1;
            g->in[i].cls = p;
            g->in[i].end = e;
            p = e;
            break;
        }
        case '{': {
            const char *e = group_end(p, '{', '}');
            if (!e || nest >= GLOB_MAX_NEST)
                return -1;
            /* alternatives at top-level commas: SPLIT to each, each JMPs past the group */
            int jumps_from = -1;
            const char *alt = p + 1;
            for (const char *q = alt;; q++) {
                int d = 0;
                for (; q < e - 1; q++) {
                    if (*q == '\\')
                        q++;
                    else if (*q == '{')
                        d++;
                    else if (*q == '}')
                        d--;
                    else if (*q == ',' && d == 0)
                        break;
                }
                bool last = q >= e - 1;
                int split = last ? -1 : gemit(g, GI_SPLIT, 0, 0);
                if (!last && split < 0)
                    return -1;
                if (!last)
                    g->in[split].x = g->n;
                if (gcomp(g, alt, q < e - 1 ? q : e - 1, nest + 1) != 0)
                    return -1;
                /* chain the JMPs through y until the group's end is known */
                int j = gemit(g, GI_JMP, 0, jumps_from);
                if (j < 0)
                    return -1;
                jumps_from = j;
                if (last)
                    break;
                g->in[split].y = g->n;
                alt = q + 1;
            }
            for (int j = jumps_from; j >= 0;) {
                int next = g->in[j].y;
                g->in[j].x = g->n;
                g->in[j].y = 0;
                j = next;
            }
            p = e;
            break;
        }
        case '\\':
            if (p + 1 >= end)
                return -1;
            p++;
            /* fall through */
        default:
            if (gemit(g, GI_BYTE, (unsigned char)*p, 0) < 0)
                return -1;
            p++;
        }
    }
    return 0;
}

/* States of the byte positions still ahead: a code point is at most 4
 * bytes, so positions i..i+4 are enough (a ring). */
#define GRING 5

typedef struct gset {
    int *list, n;
    int *mark;                /* mark[pc] == position + 1: pc is in the set */
} gset;

static bool gadd(const gprog *g, gset *set, int pos, int pc, int *stack)
{
    int sp = 0;
    stack[sp++] = pc;
    while (sp) {
        pc = stack[--sp];
        if (set->mark[pc] == pos + 1)
            continue;
        set->mark[pc] = pos + 1;
        const ginst *in = &g->in[pc];
        if (in->op == GI_JMP) {
            stack[sp++] = in->x;
        } else if (in->op == GI_SPLIT) {
            stack[sp++] = in->y;
            stack[sp++] = in->x;
        } else {
            set->list[set->n++] = pc;
        }
    }
    return true;
}

static int grun(const gprog *g, const char *s)
{
    size_t len = strlen(s);
    int n = g->n;
    gset ring[GRING];
    int *mem = malloc(sizeof *mem * ((size_t)n * (2 * GRING + 2) + 1));
    if (!mem)
        return -1;
    for (int k = 0; k < GRING; k++) {
        ring[k].list = mem + (size_t)n * (2 * (size_t)k);
        ring[k].mark = mem + (size_t)n * (2 * (size_t)k + 1);
        ring[k].n = 0;
        for (int i = 0; i < n; i++)
            ring[k].mark[i] = 0;
    }
    int *stack = mem + (size_t)n * 2 * GRING; /* 2n + 1: one push per epsilon edge, and the first */
    gadd(g, &ring[0], 0, 0, stack);
    int result = 0;
    for (size_t i = 0; i <= len && !result; i++) {
        gset *cur = &ring[i % GRING];
        for (int k = 0; k < cur->n; k++) {
            const ginst *in = &g->in[cur->list[k]];
            int next = cur->list[k] + 1, w = 0;
            if (in->op == GI_MATCH) {
                if (i == len)
                    result = 1;
                continue;
            }
            if (i == len)
                continue;
            switch (in->op) {
            case GI_BYTE:
                w = (unsigned char)s[i] == (unsigned)in->x;
                break;
            case GI_ANYBYTE:
                w = 1;
                break;
            case GI_RUNE:
                rune_at(s + i, &w);
                break;
            case GI_CLASS: {
                unsigned c = rune_at(s + i, &w);
                if (!class_match(in->cls, in->end, c))
                    w = 0;
                break;
            }
            }
            if (w > 0)
                gadd(g, &ring[(i + (size_t)w) % GRING], (int)(i + (size_t)w), next, stack);
        }
        cur->n = 0;
    }
    free(mem);
    return result;
}

static int gmatch(const char *pattern, const char *s)
{
    size_t len = strlen(pattern);
    if (len > GLOB_MAX_LEN)
        return -1;
    /* each pattern byte makes at most 3 instructions, each ',' 2 more */
    gprog g = {malloc(sizeof *g.in * (5 * len + 2)), 0, (int)(5 * len + 2)};
    if (!g.in)
        return -1;
    int r = gcomp(&g, pattern, pattern + len, 0) == 0 && gemit(&g, GI_MATCH, 0, 0) >= 0 ? grun(&g, s) : -1;
    free(g.in);
    return r;
}

int bglob_match(const char *pattern, const char *s)
{
    /* a malformed group is an error even where matching stops before it */
    for (const char *p = pattern; *p; p++) {
        if (*p == '\\') {
            if (!p[1])
                return -1;
            p++;
        } else if (*p == '[' || *p == '{') {
            const char *end = group_end(p, *p, *p == '[' ? ']' : '}');
            if (!end)
                return -1;
            if (*p == '[')
                p = end - 1;
        }
    }
    return gmatch(pattern, s);
}

int bmanifest_version_for(const bmanifest *m, const char *module_path, const char **bad_pattern)
{
    for (int i = 0; i < m->nfile_versions; i++) {
        int r = bglob_match(m->file_versions[i].pattern, module_path);
        if (r < 0) {
            *bad_pattern = m->file_versions[i].pattern;
            return -2;
        }
        if (r > 0)
            return m->file_versions[i].version;
    }
    return m->has_rego_version ? m->rego_version : -1;
}

/* ---- writing ---- */

static void put_string(strbuf *sb, const char *s)
{
    json_write_string(sb, s, strlen(s), JSON_ESCAPE_HTML);
}

/* Canonical JSON text re-encoded with Go's default HTML escaping. */
static void put_json(strbuf *sb, const char *json)
{
    arena a;
    arena_init(&a, 4096);
    json_error je;
    val *v = json_parse(&a, json, strlen(json), 0, &je);
    if (v)
        json_write(sb, v, JSON_ESCAPE_HTML);
    else
        sb_puts(sb, "null");
    arena_release(&a);
}

void bmanifest_write(strbuf *sb, const bmanifest *m)
{
    sb_puts(sb, "{\"revision\":");
    put_string(sb, m->revision ? m->revision : "");
    sb_puts(sb, ",\"roots\":[");
    for (int i = 0; i < m->roots.n; i++) {
        if (i)
            sb_putc(sb, ',');
        put_string(sb, m->roots.v[i]);
    }
    sb_putc(sb, ']');
    if (m->nwasm > 0) {
        sb_puts(sb, ",\"wasm\":[");
        for (int i = 0; i < m->nwasm; i++) {
            const bwasm_resolver *w = &m->wasm[i];
            sb_puts(sb, i ? ",{" : "{");
            bool any = false;
            if (w->entrypoint && w->entrypoint[0]) {
                sb_puts(sb, "\"entrypoint\":");
                put_string(sb, w->entrypoint);
                any = true;
            }
            if (w->module && w->module[0]) {
                sb_puts(sb, any ? ",\"module\":" : "\"module\":");
                put_string(sb, w->module);
                any = true;
            }
            if (w->annotations_json) {
                sb_puts(sb, any ? ",\"annotations\":" : "\"annotations\":");
                put_json(sb, w->annotations_json);
            }
            sb_putc(sb, '}');
        }
        sb_putc(sb, ']');
    }
    if (m->has_rego_version)
        sb_printf(sb, ",\"rego_version\":%d", m->rego_version);
    if (m->nfile_versions > 0) {
        sb_puts(sb, ",\"file_rego_versions\":{");
        for (int i = 0; i < m->nfile_versions; i++) {
            if (i)
                sb_putc(sb, ',');
            put_string(sb, m->file_versions[i].pattern);
            sb_printf(sb, ":%d", m->file_versions[i].version);
        }
        sb_putc(sb, '}');
    }
    if (m->metadata_json) {
        sb_puts(sb, ",\"metadata\":");
        put_json(sb, m->metadata_json);
    }
    sb_putc(sb, '}');
}
