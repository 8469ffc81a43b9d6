/* sets.c — builtin group "sets" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_sets[] = {
    {0},
};
