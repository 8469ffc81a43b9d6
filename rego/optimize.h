/* optimize.h — IR passes run before bytecode emission. */
#ifndef VERDICT_OPTIMIZE_H
#define VERDICT_OPTIMIZE_H

#include "ir.h"

/* Move loop-invariant pure lookups out of loops (optimize.c). */
void ir_optimize(arena *a, ir_block *b, uint32_t nregs);

#endif
