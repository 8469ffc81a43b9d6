/* arith.c — builtin group "arith" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_arith[] = {
    {0},
};
