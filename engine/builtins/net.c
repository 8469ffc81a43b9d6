/* net.c — builtin group "net" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_net[] = {
    {0},
};
