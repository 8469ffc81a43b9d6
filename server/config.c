/* config.c — OPA's configuration file and `--set` overrides.
 *
 * The file may be YAML or JSON (YAML is a superset).  It is read with the
 * engine's own YAML reader through the public API (a throwaway engine
 * stages the text as a data document and gives it back as JSON), so the
 * server has no second YAML parser.  ${VAR} is replaced by the environment
 * variable's value first, as OPA does. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

jnode *yaml_to_tree(const char *text, size_t len, const char *source, char **error)
{
    *error = NULL;
    if (json_blank(text, len))
        return jn_new(JN_OBJECT);
    verdict_engine *scratch = verdict_new(NULL);
    if (!scratch) {
        *error = strdup("out of memory");
        return NULL;
    }
    verdict_errors *errs = NULL;
    char *json = NULL;
    jnode *tree = NULL;
    verdict_status st = verdict_add_data_yaml(scratch, "doc", text, len, source, &errs);
    if (st == VERDICT_OK)
        st = verdict_commit(scratch, &errs);
    if (st == VERDICT_OK)
        st = verdict_eval(scratch, "doc", NULL, 0, &json, &errs);
    if (st == VERDICT_OK && json) {
        json_err je;
        tree = jn_parse(json, strlen(json), 0, &je);
        if (!tree && asprintf(error, "%s: %s", source, je.msg) < 0)
            *error = NULL;
    } else if (errs && verdict_errors_count(errs)) {
        *error = verdict_error_string(errs, 0);
    } else if (st == VERDICT_UNDEFINED) {
        tree = jn_new(JN_NULL);
    } else {
        if (asprintf(error, "%s: cannot parse", source) < 0)
            *error = NULL;
    }
    free(json);
    verdict_errors_free(errs);
    verdict_free(scratch);
    return tree;
}

/* ${NAME} replaced by getenv(NAME) ("" when unset). */
static char *expand_env(const char *text, size_t len, size_t *outlen)
{
    buf out = BUF_INIT;
    size_t i = 0;
    while (i < len) {
        if (text[i] == '$' && i + 1 < len && text[i + 1] == '{') {
            const char *close = memchr(text + i + 2, '}', len - i - 2);
            if (close) {
                size_t n = (size_t)(close - (text + i + 2));
                char name[256];
                if (n < sizeof name) {
                    memcpy(name, text + i + 2, n);
                    name[n] = '\0';
                    const char *v = getenv(name);
                    buf_puts(&out, v ? v : "");
                    i = (size_t)(close - text) + 1;
                    continue;
                }
            }
        }
        buf_putc(&out, text[i++]);
    }
    *outlen = out.len;
    return buf_detach(&out);
}

jnode *config_load(const char *path, char **error)
{
    *error = NULL;
    if (!path)
        return jn_new(JN_OBJECT);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (asprintf(error, "open %s: %s", path, strerror(errno)) < 0)
            *error = NULL;
        return NULL;
    }
    buf raw = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&raw, chunk, n);
    int bad = ferror(f) || raw.oom;
    fclose(f);
    if (bad) {
        buf_free(&raw);
        if (asprintf(error, "read %s: failed", path) < 0)
            *error = NULL;
        return NULL;
    }
    size_t len = 0;
    char *text = expand_env(raw.data ? raw.data : "", raw.len, &len);
    buf_free(&raw);
    if (!text) {
        *error = strdup("out of memory");
        return NULL;
    }
    jnode *cfg = yaml_to_tree(text, len, path, error);
    free(text);
    if (cfg && cfg->type == JN_NULL) {
        jn_free(cfg);
        cfg = jn_new(JN_OBJECT);
    }
    if (cfg && cfg->type != JN_OBJECT) {
        jn_free(cfg);
        if (asprintf(error, "%s: the configuration must be an object", path) < 0)
            *error = NULL;
        return NULL;
    }
    return cfg;
}

/* A --set value typed as YAML types a plain scalar. */
static jnode *typed_value(const char *v)
{
    if (strcmp(v, "true") == 0)
        return jn_bool(1);
    if (strcmp(v, "false") == 0)
        return jn_bool(0);
    if (strcmp(v, "null") == 0)
        return jn_new(JN_NULL);
    if (*v && json_check(v, strlen(v), 1, NULL) == 0 && (isdigit((unsigned char)v[0]) || v[0] == '-'))
        return jn_number(v);
    return jn_cstring(v);
}

int config_set(jnode *cfg, const char *assignment, char **error)
{
    *error = NULL;
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        if (asprintf(error, "--set %s: expected key=value", assignment) < 0)
            *error = NULL;
        return -1;
    }
    jnode *at = cfg;
    const char *p = assignment;
    while (p < eq) {
        const char *dot = memchr(p, '.', (size_t)(eq - p));
        const char *end = dot ? dot : eq;
        size_t klen = (size_t)(end - p);
        if (klen == 0) {
            if (asprintf(error, "--set %s: empty key", assignment) < 0)
                *error = NULL;
            return -1;
        }
        if (!dot) {
            if (jn_setn(at, p, klen, typed_value(eq + 1)) != 0) {
                *error = strdup("out of memory");
                return -1;
            }
            return 0;
        }
        jnode *next = jn_getn(at, p, klen);
        if (!next || next->type != JN_OBJECT) {
            if (jn_setn(at, p, klen, jn_new(JN_OBJECT)) != 0) {
                *error = strdup("out of memory");
                return -1;
            }
            next = jn_getn(at, p, klen);
        }
        at = next;
        p = dot + 1;
    }
    return 0;
}

jnode *config_at(const jnode *cfg, const char *dotted)
{
    const jnode *at = cfg;
    const char *p = dotted;
    while (at && *p) {
        const char *dot = strchr(p, '.');
        size_t klen = dot ? (size_t)(dot - p) : strlen(p);
        at = jn_getn(at, p, klen);
        p += klen;
        if (*p == '.')
            p++;
    }
    return (jnode *)at;
}
