/* strings.c — builtin group "strings" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_strings[] = {
    {0},
};
