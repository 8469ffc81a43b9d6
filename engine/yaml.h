/* yaml.h — YAML text -> values (libyaml), as OPA reads YAML data files:
 * the document is converted as ghodss/yaml does (YAML 1.1 scalars resolved to
 * null, booleans, numbers or strings; mapping keys become strings). */
#ifndef VERDICT_YAML_H
#define VERDICT_YAML_H

#include <stddef.h>

#include "arena.h"
#include "json.h"
#include "value.h"

/* Parse the first document.  NULL and err filled on failure (line:col). */
val *yaml_parse(arena *a, const char *text, size_t len, json_error *err);

#endif
