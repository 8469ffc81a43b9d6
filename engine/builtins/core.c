/* core.c — builtin group "core" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_core[] = {
    {0},
};
