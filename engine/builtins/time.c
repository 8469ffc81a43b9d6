/* time.c — builtin group "time" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_time[] = {
    {0},
};
