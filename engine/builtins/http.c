/* http.c — builtin group "http" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_http[] = {
    {0},
};
