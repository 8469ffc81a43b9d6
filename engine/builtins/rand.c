/* rand.c — builtin group "rand" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_rand[] = {
    {0},
};
