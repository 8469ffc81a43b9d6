/* glob.c — builtin group "glob" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_glob[] = {
    {0},
};
