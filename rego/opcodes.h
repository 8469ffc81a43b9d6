/* opcodes.h — Verdict's bytecode.  This list is the VM's specification.
 *
 * Code is an array of 32-bit words.  An instruction is its opcode word
 * followed by its operands, one word each; the count is fixed per opcode.
 * Operands:  A B C   registers of the current frame (R[A]; NOREG = none)
 *            K       index into the procedure's constant table (K[K])
 *            N       a count
 *            I       iterator slot of the frame
 *            G       rule group (program.groups), T tree node (program.nodes)
 *            F       builtin (the procedure's builtin table)
 *            X       location (the procedure's location table), for errors
 *            W       with-descriptor (the procedure's with table)
 *            L       jump target (absolute word offset in the procedure)
 * An instruction with an L operand that "fails" jumps to L — that is how a
 * failing expression moves on to the next iteration of the innermost loop
 * (see docs/lowering.md).  A register holding NULL is undefined.
 *
 * OP(name, operand count, operand letters, effect) */
#ifndef VERDICT_OPCODES_H
#define VERDICT_OPCODES_H

#define NOREG 0xFFFFFFu

#define VERDICT_OPCODES(OP)                                                                   \
    OP(NOP,      0, "",       "nothing")                                                      \
    OP(JMP,      1, "L",      "pc := L")                                                      \
    OP(LOADK,    2, "AK",     "R[A] := K[K]")                                                 \
    OP(MOVE,     2, "AB",     "R[A] := R[B]")                                                 \
    OP(INPUT,    2, "AL",     "R[A] := input; if there is no input: goto L")                  \
    OP(DATA,     3, "AKL",    "R[A] := base document at path K[K] (array of keys), seen "     \
                              "through `with` overrides; if undefined: goto L")               \
    OP(DOT,      4, "ABCL",   "R[A] := R[B][R[C]]; if undefined: goto L")                     \
    OP(DOTK,     4, "ABKL",   "R[A] := R[B][K[K]]; if undefined: goto L")                     \
    OP(SCAN,     3, "IBL",    "iterator I := start of R[B]; if R[B] is not a collection: "    \
                              "goto L")                                                       \
    OP(SCANU,    3, "IBL",    "as SCAN, in any order (sets in the order they were built)")     \
    OP(NEXT,     4, "IBCL",   "R[B], R[C] := next key, value of iterator I (B or C may be "   \
                              "NOREG); if exhausted: goto L")                                 \
    OP(EQ,       3, "ABL",    "if R[A] != R[B]: goto L")                                      \
    OP(NEQ,      3, "ABL",    "if R[A] == R[B]: goto L")                                      \
    OP(EQK,      3, "AKL",    "if R[A] != K[K]: goto L")                                      \
    OP(LT,       3, "ABL",    "if not R[A] < R[B]: goto L")                                   \
    OP(LE,       3, "ABL",    "if not R[A] <= R[B]: goto L")                                  \
    OP(GT,       3, "ABL",    "if not R[A] > R[B]: goto L")                                   \
    OP(GE,       3, "ABL",    "if not R[A] >= R[B]: goto L")                                  \
    OP(TRUTHY,   2, "AL",     "if R[A] is false: goto L")                                     \
    OP(ISARR,    3, "ANL",    "if R[A] is not an array of length N: goto L")                  \
    OP(ISOBJ,    3, "ANL",    "if R[A] is not an object of N keys: goto L")                   \
    OP(ISCOLL,   2, "AL",     "if R[A] is not an array, object or set: goto L")               \
    OP(CALLB,    6, "AFBNXL", "R[A] := builtin F(R[B] .. R[B+N-1]); if undefined (or a "     \
                              "non-strict error): goto L; errors located at X")               \
    OP(CALLF,    6, "AGBNXL", "R[A] := function group G(R[B] .. R[B+N-1]); if undefined: "   \
                              "goto L")                                                       \
    OP(CALLR,    3, "AGL",    "R[A] := value of rule group G (memoised); if undefined: "      \
                              "goto L")                                                       \
    OP(VDOC,     3, "ATL",    "R[A] := virtual document of tree node T (base data merged "    \
                              "with every rule below); if undefined: goto L")                 \
    OP(MKARR,    3, "ABN",    "R[A] := [R[B], .., R[B+N-1]]")                                 \
    OP(MKSET,    3, "ABN",    "R[A] := {R[B], .., R[B+N-1]}")                                 \
    OP(MKOBJ,    3, "ABN",    "R[A] := {R[B]: R[B+1], ..} (N pairs)")                         \
    OP(NEWARR,   1, "A",      "R[A] := new array builder")                                    \
    OP(NEWSET,   1, "A",      "R[A] := new set builder")                                      \
    OP(NEWOBJ,   1, "A",      "R[A] := new object builder")                                   \
    OP(PUSH,     2, "AB",     "builder R[A] += R[B] (array append / set add)")                \
    OP(PUT,      4, "ABCX",   "object builder R[A][R[B]] := R[C]; a different value for an "  \
                              "existing key is eval_conflict_error at X")                     \
    OP(FINISH,   1, "A",      "R[A] := the value built by builder R[A]")                      \
    OP(RESULT,   2, "AX",     "the rule's (or function's) value := R[A]; a different value "  \
                              "already set is eval_conflict_error at X")                      \
    OP(SETADD,   1, "A",      "add R[A] to the partial set being built")                      \
    OP(OBJINS,   4, "ABNX",   "generic rule: at path R[A] .. R[A+N-1] of the object being "   \
                              "built put R[B]; conflicting value: eval_conflict_error at X")  \
    OP(OBJADD,   4, "ABNX",   "generic rule: add R[B] to the set at path R[A] .. R[A+N-1]")   \
    OP(YIELD,    0, "",       "report one solution of the query")                             \
    OP(WITHPUSH, 2, "WB",     "apply with-descriptor W with values R[B] ..; fresh memo")      \
    OP(WITHPOP,  0, "",       "undo the newest WITHPUSH")                                     \
    OP(LINE,     1, "X",      "coverage: mark probe X (a source line) as executed")            \
    OP(RET,      0, "",       "return from the procedure")

enum {
#define OPENUM(name, n, ops, doc) OP_##name,
    VERDICT_OPCODES(OPENUM)
#undef OPENUM
    OP__COUNT
};

/* Operand counts and letters, indexed by opcode (opcodes.c). */
extern const unsigned char op_noperands[OP__COUNT];
extern const char *const op_operands[OP__COUNT];
extern const char *const op_names[OP__COUNT];

/* Whether the last operand is a jump target (letter 'L'). */
static inline int op_has_fail(int op) {
    const char *s = op_operands[op];
    int n = op_noperands[op];
    return n > 0 && s[n - 1] == 'L';
}

#endif
