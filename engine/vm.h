/* vm.h — the register VM that runs a program's bytecode (rego/opcodes.h).
 *
 * One vm runs one evaluation at a time: it holds the evaluation's arena,
 * memo table, register stack and error.  A vm may be reused for many
 * evaluations (vm_reset), which is how a thread keeps its evaluation memory
 * warm.  Programs and base data are shared read-only.
 *
 * Errors (conflicts, strict builtin errors, limits) stop the evaluation
 * with a code, a message and a location; nothing is printed. */
#ifndef VERDICT_VM_H
#define VERDICT_VM_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "../rego/compile.h"
#include "../rego/program.h"
#include "arena.h"
#include "strbuf.h"
#include "value.h"

typedef struct vm_limits {
    uint64_t max_instructions;   /* loop iterations and calls; 0 = unlimited */
    size_t max_memory;           /* bytes of evaluation arena; 0 = unlimited */
    uint64_t timeout_ns;         /* wall-clock budget; 0 = none */
} vm_limits;

typedef struct vm_error {
    const char *code;            /* "eval_conflict_error", "eval_type_error", ... */
    char message[600];
    prog_loc loc;                /* file may be "" */
} vm_error;

typedef struct vm vm;

vm *vm_new(void);
void vm_free(vm *V);

typedef struct vm_eval_opts {
    const program *prog;
    val *data;                   /* base document (never NULL: an empty object at least) */
    val *input;                  /* NULL: no input */
    bool strict_builtin_errors;
    bool collect_builtin_errors; /* keep every builtin error (not under strict) */
    vm_limits limits;
    strbuf *prints;              /* print() output, or NULL to discard */
    strbuf *test_cases;          /* internal.test_case arguments, one JSON line each, or NULL */
} vm_eval_opts;

/* Begin an evaluation: resets the vm's arena and memo.  Values made by the
 * evaluation (results included) stay valid until the next vm_begin. */
void vm_begin(vm *V, const vm_eval_opts *opts);
arena *vm_arena(vm *V);
/* Set the input after vm_begin (e.g. parsed into vm_arena). NULL: none. */
void vm_set_input(vm *V, val *input);

/* Run a compiled query; on_row is called for each solution with the frame's
 * registers.  Returns 0, or -1 with vm_last_error set. */
typedef void (*vm_row_fn)(void *ud, val *const *regs);
int vm_run_query(vm *V, const compiled_query *q, vm_row_fn on_row, void *ud);

/* The document at data.<path> (an array of keys): *out is the value or NULL
 * when undefined.  Returns 0, or -1 with vm_last_error set. */
int vm_eval_path(vm *V, val *const *keys, int nkeys, val **out);

const vm_error *vm_last_error(const vm *V);
/* With collect_builtin_errors: fn is called for each builtin error of the
 * last evaluation, in the order they happened (before the next vm_begin).
 * Returns their number. */
size_t vm_builtin_errors(const vm *V, void (*fn)(void *ud, const vm_error *e), void *ud);
/* The last error is a builtin error of strict mode, reported after the
 * evaluation finished: the solutions found are complete and valid. */
bool vm_last_error_deferred(const vm *V);
/* Whether the evaluation used a non-deterministic builtin (not cacheable). */
bool vm_used_nondeterminism(const vm *V);
/* Counters of the last evaluation. */
uint64_t vm_instructions(const vm *V);

/* Work a builtin does in loops of its own (a template's ranges), counted
 * against the instruction budget and the deadline as loop steps are.  0, or
 * -1 once a limit is exceeded, with the limit's message in msg (the builtin
 * then fails with eval_cancel_error). */
int vm_charge(vm *V, uint64_t steps, char *msg, size_t n);

#endif
