/* opcodes.c — opcode tables generated from the list in opcodes.h, and the
 * bytecode listing used by `verdict eval --dump-bytecode`. */
#include <stdlib.h>

#include "../engine/json.h"
#include "../engine/strbuf.h"
#include "program.h"

#define OPN(name, n, ops, doc) n,
const unsigned char op_noperands[OP__COUNT] = {VERDICT_OPCODES(OPN)};
#undef OPN
#define OPS(name, n, ops, doc) ops,
const char *const op_operands[OP__COUNT] = {VERDICT_OPCODES(OPS)};
#undef OPS
#define OPNAME(name, n, ops, doc) #name,
const char *const op_names[OP__COUNT] = {VERDICT_OPCODES(OPNAME)};
#undef OPNAME

void program_dump_proc(strbuf *sb, const program *p, const prog_proc *proc)
{
    sb_printf(sb, "proc %s  (params %u, registers %u, iterators %u)\n", proc->name ? proc->name : "?",
              proc->nparams, proc->nregs, proc->niters);
    for (uint32_t pc = 0; pc < proc->ncode;) {
        uint32_t op = proc->code[pc];
        sb_printf(sb, "  %4u  %-8s", pc, op < OP__COUNT ? op_names[op] : "???");
        if (op >= OP__COUNT) {
            sb_putc(sb, '\n');
            break;
        }
        const char *letters = op_operands[op];
        for (int k = 0; k < op_noperands[op]; k++) {
            uint32_t w = proc->code[pc + 1 + (uint32_t)k];
            char l = letters[k];
            if ((l == 'A' || l == 'B' || l == 'C') && w == NOREG)
                sb_puts(sb, " _");
            else if (l == 'A' || l == 'B' || l == 'C')
                sb_printf(sb, " r%u", w);
            else if (l == 'L')
                sb_printf(sb, " ->%u", w);
            else
                sb_printf(sb, " %c%u", l, w);
        }
        /* Say what constants, builtins and groups the operands name. */
        for (int k = 0; k < op_noperands[op]; k++) {
            uint32_t w = proc->code[pc + 1 + (uint32_t)k];
            char l = letters[k];
            if (l == 'K' && w < proc->nk) {
                sb_puts(sb, "   ; ");
                val_write_rego(sb, proc->k[w]);
            } else if (l == 'F' && w < proc->nbi) {
                sb_printf(sb, "   ; %s", proc->bi[w]->name);
            } else if (l == 'G' && w < p->ngroups) {
                sb_printf(sb, "   ; %s", p->groups[w].name);
            }
        }
        sb_putc(sb, '\n');
        pc += 1 + op_noperands[op];
    }
}

void program_dump(strbuf *sb, const program *p)
{
    for (uint32_t g = 0; g < p->ngroups; g++) {
        const prog_group *grp = &p->groups[g];
        sb_printf(sb, "group %s: %u definitions%s%s", grp->name, grp->ndefs, grp->stop_early ? ", stops early" : "",
                  grp->default_value || grp->default_proc >= 0 ? ", default" : "");
        if (grp->index) {
            sb_printf(sb, ", indexed on %s", grp->index->on_input ? "input" : "data");
            for (uint32_t i = 0; i < val_len(grp->index->path); i++) {
                sb_putc(sb, '.');
                val_write_rego(sb, val_array_items(grp->index->path)[i]);
            }
            sb_printf(sb, " (%u values, %u unindexed)", val_len(grp->index->keys), grp->index->nalways);
        }
        sb_putc(sb, '\n');
    }
    sb_putc(sb, '\n');
    for (uint32_t i = 0; i < p->nprocs; i++) {
        program_dump_proc(sb, p, &p->procs[i]);
        sb_putc(sb, '\n');
    }
}

void program_free(program *p)
{
    if (!p)
        return;
    arena_free(p->a);
    free(p);
}
