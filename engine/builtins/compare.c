/* compare.c — builtin group "compare" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_compare[] = {
    {0},
};
