/* ir.h — the loop-structured intermediate form between Rego and bytecode.
 *
 * A block is a list of statements run in order.  A plain statement (IR_OP)
 * is one bytecode instruction; if it can fail (its opcode ends in an L
 * operand) a failure abandons the rest of the block.  Structured statements
 * say where control goes:
 *
 *   IR_SCAN(I, src, key, value) { body }
 *       a loop: the body runs once per element of src.  A failure in the
 *       body moves to the next element.  SCAN is always the last statement
 *       of its block: whatever follows the iteration in Rego is inside body.
 *   IR_NOT { body }       fails when body completes at least once.
 *   IR_ALL { body }       runs every solution of body, then goes on (never fails).
 *   IR_EXISTS { body }    goes on after the first completion of body (keeping
 *                         its bindings); fails when body has none.
 *   IR_FIRSTOF { b1 } { b2 } ...   the first bi to complete wins (else chains).
 *
 * "Completion" of a block is reaching its end.  What happens then depends on
 * the construct around it; inside ALL it means "look for the next solution"
 * (jump to the innermost loop), inside NOT it means "the negation fails".
 * emit.c turns a block into bytecode with exactly those jumps. */
#ifndef VERDICT_IR_H
#define VERDICT_IR_H

#include <stdint.h>

#include "../engine/arena.h"
#include "opcodes.h"

typedef struct ir_block ir_block;

typedef enum ir_kind {
    IR_OP,
    IR_SCAN,
    IR_NOT,
    IR_ALL,
    IR_EXISTS,
    IR_FIRSTOF,
} ir_kind;

#define IR_MAXW 6

typedef struct ir_stmt {
    ir_kind kind;
    int op;                     /* IR_OP: opcode */
    uint32_t w[IR_MAXW];        /* IR_OP: operands without the jump target;
                                   IR_SCAN: w[0] iterator, w[1] source, w[2] key, w[3] value,
                                   w[4] 1 when the order of elements matters */
    ir_block *body;             /* SCAN, NOT, ALL, EXISTS */
    ir_block **alts;            /* FIRSTOF */
    int nalts;
} ir_stmt;

struct ir_block {
    ir_stmt **s;
    int n, cap;
};

ir_block *ir_block_new(arena *a);
ir_stmt *ir_add(arena *a, ir_block *b, ir_kind kind);
/* Append an instruction with its operands (as many as the opcode takes,
 * minus the jump target, which emit supplies). */
ir_stmt *ir_op(arena *a, ir_block *b, int op, uint32_t w0, uint32_t w1, uint32_t w2,
               uint32_t w3, uint32_t w4);

/* Bytecode for a block: `code` receives the instructions of `b` run as a
 * procedure body (completion and failure both end in RET). */
typedef struct ir_code {
    uint32_t *code;
    uint32_t n, cap;
} ir_code;

/* done_backtrack: the block is enumerated (ALL semantics) instead of run to
 * its first completion. */
void ir_emit_proc(ir_code *out, ir_block *b);

struct strbuf;
void ir_dump(struct strbuf *sb, const ir_block *b, int indent);

#endif
