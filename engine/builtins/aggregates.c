/* aggregates.c — builtin group "aggregates" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_aggregates[] = {
    {0},
};
