/* emit.c — IR blocks to bytecode.
 *
 * Every block is emitted with two continuations: `fail`, the label to jump
 * to when a statement fails, and `done`, where to go when the block
 * completes.  DONE_RETRY as `done` means "after completing, look for the
 * next solution", i.e. jump to the current fail label, which inside a loop
 * is the loop's NEXT instruction.  That single rule gives loops, negation,
 * comprehensions and else chains their meaning (see ir.h). */
#include <stdlib.h>
#include <string.h>

#include "../engine/strbuf.h"
#include "ir.h"

#define DONE_RETRY (-1)

typedef struct emitter {
    ir_code *out;
    int *label_pos;             /* code offset of each label, -1 until placed */
    int nlabels, caplabels;
    struct fixup { uint32_t at; int label; } *fix;
    int nfix, capfix;
    int pending_jmp;            /* label of a JMP not yet written (-1: none) */
} emitter;

static void *grow(void *p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return p;
    int c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(p, (size_t)c * elem);
    if (!q)
        abort(); /* compile-time allocation failure; the compiler runs outside evaluation limits */
    *cap = c;
    return q;
}

static void put(emitter *e, uint32_t w)
{
    ir_code *o = e->out;
    if (o->n == o->cap) {
        int cap = (int)o->cap;
        o->code = grow(o->code, &cap, (int)o->n + 1, sizeof *o->code);
        o->cap = (uint32_t)cap;
    }
    o->code[o->n++] = w;
}

static int new_label(emitter *e)
{
    e->label_pos = grow(e->label_pos, &e->caplabels, e->nlabels + 1, sizeof *e->label_pos);
    e->label_pos[e->nlabels] = -1;
    return e->nlabels++;
}

static void put_label_ref(emitter *e, int label)
{
    e->fix = grow(e->fix, &e->capfix, e->nfix + 1, sizeof *e->fix);
    e->fix[e->nfix].at = e->out->n;
    e->fix[e->nfix].label = label;
    e->nfix++;
    put(e, 0);
}

/* A jump is held back until the next instruction, so that a jump to the
 * label placed right after it disappears. */
static void flush_jmp(emitter *e)
{
    if (e->pending_jmp >= 0) {
        int l = e->pending_jmp;
        e->pending_jmp = -1;
        put(e, OP_JMP);
        put_label_ref(e, l);
    }
}

static void jump(emitter *e, int label)
{
    flush_jmp(e);
    e->pending_jmp = label;
}

static void place(emitter *e, int label)
{
    if (e->pending_jmp == label)
        e->pending_jmp = -1;
    flush_jmp(e);
    e->label_pos[label] = (int)e->out->n;
}

static void emit_block(emitter *e, const ir_block *b, int fail, int done);

static void emit_op(emitter *e, const ir_stmt *s, int fail)
{
    flush_jmp(e);
    put(e, (uint32_t)s->op);
    int n = op_noperands[s->op];
    int has_fail = op_has_fail(s->op);
    for (int i = 0; i < n - has_fail; i++)
        put(e, s->w[i]);
    if (has_fail)
        put_label_ref(e, fail);
}

static void emit_block(emitter *e, const ir_block *b, int fail, int done)
{
    for (int i = 0; i < b->n; i++) {
        const ir_stmt *s = b->s[i];
        switch (s->kind) {
        case IR_OP:
            emit_op(e, s, fail);
            if (s->op == OP_JMP || s->op == OP_RET)
                return;
            break;
        case IR_SCAN: {
            flush_jmp(e);
            put(e, s->w[4] ? OP_SCAN : OP_SCANU);
            put(e, s->w[0]);
            put(e, s->w[1]);
            put_label_ref(e, fail);
            int next = new_label(e);
            place(e, next);
            put(e, OP_NEXT);
            put(e, s->w[0]);
            put(e, s->w[2]);
            put(e, s->w[3]);
            put_label_ref(e, fail);
            emit_block(e, s->body, next, done);
            return; /* a scan ends its block */
        }
        case IR_NOT: {
            int ok = new_label(e);
            emit_block(e, s->body, ok, fail);
            place(e, ok);
            break;
        }
        case IR_ALL: {
            int end = new_label(e);
            emit_block(e, s->body, end, DONE_RETRY);
            place(e, end);
            break;
        }
        case IR_EXISTS: {
            int ok = new_label(e);
            emit_block(e, s->body, fail, ok);
            place(e, ok);
            break;
        }
        case IR_FIRSTOF: {
            int end = new_label(e);
            for (int k = 0; k < s->nalts; k++) {
                int next = new_label(e);
                emit_block(e, s->alts[k], next, end);
                place(e, next);
            }
            jump(e, fail);
            place(e, end);
            break;
        }
        }
    }
    jump(e, done == DONE_RETRY ? fail : done);
}

void ir_emit_proc(ir_code *out, ir_block *b)
{
    emitter e;
    memset(&e, 0, sizeof e);
    e.out = out;
    e.pending_jmp = -1;
    int ret = new_label(&e);
    emit_block(&e, b, ret, ret);
    place(&e, ret);
    put(&e, OP_RET);
    for (int i = 0; i < e.nfix; i++)
        out->code[e.fix[i].at] = (uint32_t)e.label_pos[e.fix[i].label];
    free(e.label_pos);
    free(e.fix);
}

/* ---- construction ---- */

ir_block *ir_block_new(arena *a)
{
    ir_block *b = arena_zalloc(a, sizeof *b);
    return b;
}

ir_stmt *ir_add(arena *a, ir_block *b, ir_kind kind)
{
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 8;
        ir_stmt **s = arena_alloc(a, sizeof *s * (size_t)cap);
        if (b->n)
            memcpy(s, b->s, sizeof *s * (size_t)b->n);
        b->s = s;
        b->cap = cap;
    }
    ir_stmt *st = arena_zalloc(a, sizeof *st);
    st->kind = kind;
    b->s[b->n++] = st;
    return st;
}

ir_stmt *ir_op(arena *a, ir_block *b, int op, uint32_t w0, uint32_t w1, uint32_t w2,
               uint32_t w3, uint32_t w4)
{
    ir_stmt *s = ir_add(a, b, IR_OP);
    s->op = op;
    s->w[0] = w0;
    s->w[1] = w1;
    s->w[2] = w2;
    s->w[3] = w3;
    s->w[4] = w4;
    return s;
}

/* ---- listing ---- */

static void indent_to(strbuf *sb, int n)
{
    for (int i = 0; i < n; i++)
        sb_puts(sb, "  ");
}

static void reg_name(strbuf *sb, uint32_t r)
{
    if (r == NOREG)
        sb_puts(sb, "_");
    else
        sb_printf(sb, "r%u", r);
}

void ir_dump(strbuf *sb, const ir_block *b, int indent)
{
    for (int i = 0; i < b->n; i++) {
        const ir_stmt *s = b->s[i];
        indent_to(sb, indent);
        switch (s->kind) {
        case IR_OP: {
            sb_puts(sb, op_names[s->op]);
            int n = op_noperands[s->op] - op_has_fail(s->op);
            const char *letters = op_operands[s->op];
            for (int k = 0; k < n; k++) {
                sb_putc(sb, ' ');
                if (letters[k] == 'A' || letters[k] == 'B' || letters[k] == 'C')
                    reg_name(sb, s->w[k]);
                else
                    sb_printf(sb, "%c%u", letters[k], s->w[k]);
            }
            sb_putc(sb, '\n');
            break;
        }
        case IR_SCAN:
            sb_printf(sb, "SCAN i%u ", s->w[0]);
            reg_name(sb, s->w[1]);
            sb_puts(sb, " -> ");
            reg_name(sb, s->w[2]);
            sb_puts(sb, ", ");
            reg_name(sb, s->w[3]);
            sb_puts(sb, " {\n");
            ir_dump(sb, s->body, indent + 1);
            indent_to(sb, indent);
            sb_puts(sb, "}\n");
            break;
        case IR_NOT:
        case IR_ALL:
        case IR_EXISTS:
            sb_puts(sb, s->kind == IR_NOT ? "NOT {\n" : s->kind == IR_ALL ? "ALL {\n" : "EXISTS {\n");
            ir_dump(sb, s->body, indent + 1);
            indent_to(sb, indent);
            sb_puts(sb, "}\n");
            break;
        case IR_FIRSTOF:
            sb_puts(sb, "FIRSTOF");
            for (int k = 0; k < s->nalts; k++) {
                sb_puts(sb, " {\n");
                ir_dump(sb, s->alts[k], indent + 1);
                indent_to(sb, indent);
                sb_puts(sb, "}");
            }
            sb_putc(sb, '\n');
            break;
        }
    }
}
