/* units.c — builtin group "units" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_units[] = {
    {0},
};
