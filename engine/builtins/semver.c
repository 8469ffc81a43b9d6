/* semver.c — builtin group "semver" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_semver[] = {
    {0},
};
