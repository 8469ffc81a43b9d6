/* bits.c — builtin group "bits" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_bits[] = {
    {0},
};
