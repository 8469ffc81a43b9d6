/* objects.c — builtin group "objects" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_objects[] = {
    {0},
};
