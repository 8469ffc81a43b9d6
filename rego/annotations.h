/* annotations.h — METADATA comment blocks (OPA's annotations).
 *
 * A block starts with a comment whose text, trimmed, begins with METADATA;
 * the comments on the following rows that start in column 1 hold YAML:
 *
 *   # METADATA
 *   # title: My rule
 *   # scope: document
 *   # authors:
 *   # - Jane Doe <jane@example.com>
 *   p if { ... }
 *
 * The parser (parse.c) hands the comments of a module to
 * annotations_parse_blocks, which reads each block as OPA does (gopkg.in/
 * yaml.v3 semantics, OPA's checks and error texts), and then to
 * annotations_attach, which attaches each block to the statement after it,
 * defaults its scope and checks that the scope fits the statement.  The
 * blocks end up in ast_module.annotations.
 *
 * The compiler then answers rego.metadata.rule() and rego.metadata.chain()
 * for a rule with annotations_rule and annotations_chain, and reports
 * annotations declared twice for one package or document with
 * annotations_check (OPA's BuildAnnotationSet). */
#ifndef VERDICT_ANNOTATIONS_H
#define VERDICT_ANNOTATIONS_H

#include "ast.h"

/* A comment as the scanner saw it: the '#' is at row:col (1-based, col in
 * characters) and at byte off of the source; the comment's text, after the
 * '#', is src[off + 1 .. end). */
typedef struct annot_comment {
    int row, col;
    unsigned off, end;
} annot_comment;

/* Where errors go: a rego_parse_error at row:col with a message that lives
 * in the arena given to the function reporting it. */
typedef void (*annot_error_fn)(void *ctx, int row, int col, unsigned off, const char *msg);

/* ---- parser side ---- */

/* The METADATA blocks among comments[0..n) (in source order), each read as
 * YAML.  Blocks that fail to read are reported through err and left out.
 * Returns the blocks (allocated in a, *nblocks of them, in source order). */
ast_annotation_block **annotations_parse_blocks(arena *a, const char *file, const char *src,
                                                const annot_comment *comments, int n, int *nblocks,
                                                annot_error_fn err, void *ctx);

/* Attaches blocks[0..n) to the statements of m (package, imports and rules
 * must be set): each block goes to the first statement on a later row than
 * its METADATA comment.  A block without a scope gets the one its statement
 * implies (rule, or document when it is an entrypoint; package); a scope
 * that does not fit the statement is an error, as in OPA.  Sets
 * m->annotations.  Returns false when an error was reported. */
bool annotations_attach(arena *a, ast_module *m, ast_annotation_block **blocks, int n, annot_error_fn err,
                        void *ctx);

/* ---- compiler side ----
 *
 * mods[0..nmods) are all modules being compiled, in the order OPA sorts
 * them (by file name); m is the module of rule r, and r is a rule as the
 * parser made it (an element of m->rules, or a link of its else chain: the
 * links carry no annotations of their own, as in OPA).  Results are
 * allocated in a. */

/* What rego.metadata.rule() returns inside r: the object form of the
 * rule-scope block closest above r, or {} when there is none. */
val *annotations_rule(arena *a, ast_module *const *mods, int nmods, const ast_module *m, const ast_rule *r);

/* What rego.metadata.chain() returns inside r: an array of
 * {"path": [...], "annotations": {...}} from r outwards: r's rule-scope
 * blocks, closest first (or {"path"} alone when r has none), then the
 * document-scope block of r's path, the package-scope block of r's package
 * and the subpackages-scope blocks of the package and its ancestors,
 * closest first.  Paths leave out "data". */
val *annotations_chain(arena *a, ast_module *const *mods, int nmods, const ast_module *m, const ast_rule *r);

/* OPA's BuildAnnotationSet check: a second package-scope block for one
 * package path, or a second document- or subpackages-scope block for one
 * path, is a rego_type_error "<scope> annotation redeclared: <file:row>" at
 * the later block.  Returns the number of errors added to errs. */
int annotations_check(ast_module *const *mods, int nmods, rego_errors *errs);

#endif
