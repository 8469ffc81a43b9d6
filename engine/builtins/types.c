/* types.c — builtin group "types" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_types[] = {
    {0},
};
