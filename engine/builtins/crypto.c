/* crypto.c — builtin group "crypto" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_crypto[] = {
    {0},
};
