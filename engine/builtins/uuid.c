/* uuid.c — builtin group "uuid" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_uuid[] = {
    {0},
};
