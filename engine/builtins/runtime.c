/* runtime.c — builtin group "runtime" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_runtime[] = {
    {0},
};
