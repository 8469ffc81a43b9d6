/* arrays.c — builtin group "arrays" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_arrays[] = {
    {0},
};
