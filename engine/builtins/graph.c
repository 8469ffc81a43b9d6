/* graph.c — builtin group "graph" (placeholder until its entries are written). */
#include "../builtins.h"

const builtin_def bi_group_graph[] = {
    {0},
};
