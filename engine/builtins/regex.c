/* regex.c — builtin group "regex" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_regex[] = {
    {0},
};
