/* jwt.c — builtin group "jwt" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_jwt[] = {
    {0},
};
