/* encoding.c — builtin group "encoding" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_encoding[] = {
    {0},
};
