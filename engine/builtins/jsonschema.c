/* jsonschema.c — builtin group "jsonschema" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_jsonschema[] = {
    {0},
};
