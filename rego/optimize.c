/* optimize.c — loop-invariant code motion on the IR.
 *
 * Lowering puts everything that follows an iteration inside the loop, so
 * `some g in grants; g.action == input.action` reads input.action once per
 * grant.  A pure lookup whose operands are all defined outside a loop can be
 * computed once before it.  Only instructions that never raise an error and
 * have no effect are moved (constants, input/data lookups, indexing,
 * building arrays/sets/objects from registers), and only when no statement
 * with an effect comes before them in the loop body: if the moved lookup
 * fails, every iteration would have failed at that point anyway, with
 * nothing done, so skipping the loop is the same. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "optimize.h"

typedef struct regset {
    uint8_t *bits;
    uint32_t n;
} regset;

static bool rs_has(const regset *s, uint32_t r) { return r < s->n && (s->bits[r >> 3] >> (r & 7)) & 1; }

static void rs_add(regset *s, uint32_t r)
{
    if (r < s->n)
        s->bits[r >> 3] |= (uint8_t)(1u << (r & 7));
}

/* Pure instructions: no error, no effect; fail only by being undefined. */
static bool pure_op(int op)
{
    switch (op) {
    case OP_LOADK:
    case OP_MOVE:
    case OP_INPUT:
    case OP_DATA:
    case OP_DOT:
    case OP_DOTK:
    case OP_MKARR:
    case OP_MKSET:
    case OP_MKOBJ:
        return true;
    default:
        return false;
    }
}

/* Instructions whose effect must not be skipped or repeated differently. */
static bool effect_op(int op)
{
    switch (op) {
    case OP_PUSH:
    case OP_PUT:
    case OP_RESULT:
    case OP_SETADD:
    case OP_OBJINS:
    case OP_OBJADD:
    case OP_YIELD:
    case OP_WITHPUSH:
    case OP_WITHPOP:
    case OP_CALLB:
    case OP_CALLF:
    case OP_CALLR:
    case OP_VDOC:
    case OP_NEWARR:
    case OP_NEWSET:
    case OP_NEWOBJ:
    case OP_FINISH:
    case OP_LINE:
        return true;
    default:
        return false;
    }
}

/* Registers an instruction writes. */
static void op_outputs(const ir_stmt *s, regset *out)
{
    switch (s->op) {
    case OP_LOADK:
    case OP_MOVE:
    case OP_INPUT:
    case OP_DATA:
    case OP_DOT:
    case OP_DOTK:
    case OP_CALLB:
    case OP_CALLF:
    case OP_CALLR:
    case OP_VDOC:
    case OP_MKARR:
    case OP_MKSET:
    case OP_MKOBJ:
    case OP_NEWARR:
    case OP_NEWSET:
    case OP_NEWOBJ:
    case OP_FINISH:
        rs_add(out, s->w[0]);
        break;
    default:
        break;
    }
}

/* Registers a pure instruction reads. */
static bool reads_only_outside(const ir_stmt *s, const regset *inside)
{
    switch (s->op) {
    case OP_LOADK:
    case OP_INPUT:
    case OP_DATA:
        return true;
    case OP_MOVE:
        return !rs_has(inside, s->w[1]);
    case OP_DOT:
        return !rs_has(inside, s->w[1]) && !rs_has(inside, s->w[2]);
    case OP_DOTK:
        return !rs_has(inside, s->w[1]);
    case OP_MKARR:
    case OP_MKSET:
    case OP_MKOBJ: {
        uint32_t n = s->op == OP_MKOBJ ? 2 * s->w[2] : s->w[2];
        for (uint32_t i = 0; i < n; i++)
            if (rs_has(inside, s->w[1] + i))
                return false;
        return true;
    }
    default:
        return false;
    }
}

static void collect_defs(const ir_block *b, regset *defs)
{
    for (int i = 0; i < b->n; i++) {
        const ir_stmt *s = b->s[i];
        switch (s->kind) {
        case IR_OP:
            op_outputs(s, defs);
            break;
        case IR_SCAN:
            if (s->w[2] != NOREG)
                rs_add(defs, s->w[2]);
            if (s->w[3] != NOREG)
                rs_add(defs, s->w[3]);
            collect_defs(s->body, defs);
            break;
        case IR_NOT:
        case IR_ALL:
        case IR_EXISTS:
            collect_defs(s->body, defs);
            break;
        case IR_FIRSTOF:
            for (int k = 0; k < s->nalts; k++)
                collect_defs(s->alts[k], defs);
            break;
        }
    }
}

static bool block_has_effect(const ir_block *b);

static bool stmt_has_effect(const ir_stmt *s)
{
    switch (s->kind) {
    case IR_OP:
        return effect_op(s->op);
    case IR_SCAN:
    case IR_NOT:
    case IR_ALL:
    case IR_EXISTS:
        return block_has_effect(s->body);
    case IR_FIRSTOF:
        for (int k = 0; k < s->nalts; k++)
            if (block_has_effect(s->alts[k]))
                return true;
        return false;
    }
    return true;
}

static bool block_has_effect(const ir_block *b)
{
    for (int i = 0; i < b->n; i++)
        if (stmt_has_effect(b->s[i]))
            return true;
    return false;
}

static void insert_at(arena *a, ir_block *b, int pos, ir_stmt *s)
{
    ir_add(a, b, IR_OP); /* grow by one */
    memmove(&b->s[pos + 1], &b->s[pos], sizeof *b->s * (size_t)(b->n - 1 - pos));
    b->s[pos] = s;
}

static void remove_at(ir_block *b, int pos)
{
    memmove(&b->s[pos], &b->s[pos + 1], sizeof *b->s * (size_t)(b->n - 1 - pos));
    b->n--;
}

static void hoist_block(arena *a, ir_block *b, uint32_t nregs);

/* Move invariant statements of scan b->s[at] out, before it. */
static void hoist_scan(arena *a, ir_block *b, int at, uint32_t nregs)
{
    ir_stmt *scan = b->s[at];
    hoist_block(a, scan->body, nregs); /* inner loops first, so things bubble out */
    regset inside = {calloc((nregs + 8) / 8, 1), nregs};
    if (!inside.bits)
        return;
    for (bool moved = true; moved;) {
        moved = false;
        memset(inside.bits, 0, (nregs + 8) / 8);
        if (scan->w[2] != NOREG)
            rs_add(&inside, scan->w[2]);
        if (scan->w[3] != NOREG)
            rs_add(&inside, scan->w[3]);
        collect_defs(scan->body, &inside);
        ir_block *body = scan->body;
        for (int i = 0; i < body->n; i++) {
            ir_stmt *s = body->s[i];
            if (stmt_has_effect(s) || s->kind != IR_OP)
                break;
            if (!pure_op(s->op) || !reads_only_outside(s, &inside))
                continue;
            /* its output must not be written anywhere else in the loop */
            regset one = {calloc((nregs + 8) / 8, 1), nregs};
            if (!one.bits)
                break;
            remove_at(body, i);
            regset rest = {calloc((nregs + 8) / 8, 1), nregs};
            if (rest.bits) {
                collect_defs(body, &rest);
                op_outputs(s, &one);
                bool clash = false;
                for (uint32_t r = 0; r < nregs && !clash; r++)
                    clash = rs_has(&one, r) && rs_has(&rest, r);
                if (clash) {
                    insert_at(a, body, i, s);
                } else {
                    insert_at(a, b, at, s);
                    at++;
                    moved = true;
                }
                free(rest.bits);
            } else {
                insert_at(a, body, i, s);
            }
            free(one.bits);
            if (moved)
                break;
        }
    }
    free(inside.bits);
}

static void hoist_block(arena *a, ir_block *b, uint32_t nregs)
{
    for (int i = 0; i < b->n; i++) {
        ir_stmt *s = b->s[i];
        switch (s->kind) {
        case IR_OP:
            break;
        case IR_SCAN: {
            int before = b->n;
            hoist_scan(a, b, i, nregs);
            i += b->n - before; /* skip what was inserted before the scan */
            break;
        }
        case IR_NOT:
        case IR_ALL:
        case IR_EXISTS:
            hoist_block(a, s->body, nregs);
            break;
        case IR_FIRSTOF:
            for (int k = 0; k < s->nalts; k++)
                hoist_block(a, s->alts[k], nregs);
            break;
        }
    }
}

void ir_optimize(arena *a, ir_block *b, uint32_t nregs)
{
    hoist_block(a, b, nregs);
}
