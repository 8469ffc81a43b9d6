/* fuzz_request.c — request bodies as the decision server reads them
 * (server/json.c): the one-pass check, the "input" member found in place
 * and handed to the engine as bytes, string literals, re-indentation and
 * the small document tree used for configuration and decision logs.
 *
 * Not the public API, but the server's first contact with a client's
 * bytes.  The check and the tree must agree on what is JSON, and what the
 * server writes must read back: re-indented text checks, and the tree
 * written out parses to a tree that writes the same text. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/json.h"

static int checks(const char *text, size_t len)
{
    json_err e;
    return json_check(text, len, JSON_MAX_DEPTH, &e) == 0;
}

FUZZ_TARGET(request)
{
    static verdict_engine *eng;
    if (!eng) {
        static const char echo[] = "package fz\n\necho := input\n";
        eng = fuzz_engine(0);
        if (verdict_put_module(eng, "fz.rego", echo, sizeof echo - 1, NULL) != VERDICT_OK)
            fuzz_fail("the echo policy does not load");
    }
    const char *text = (const char *)data;
    int ok = checks(text, size);
    json_err e;
    jnode *n = jn_parse(text, size, JSON_MAX_DEPTH, &e);
    if (ok != (n != NULL))
        fuzz_fail("json_check says %s, jn_parse says %s", ok ? "JSON" : "not JSON", n ? "JSON" : "not JSON");
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz: %s\n", ok ? "JSON" : e.msg);
    if (!ok)
        return 0;
    (void)json_blank(text, size);

    /* {"input": ...}: the member's bytes go to the engine as they are */
    const char *v;
    size_t vlen;
    if (json_member(text, size, "input", &v, &vlen) == 1) {
        if (!checks(v, vlen))
            fuzz_fail("the input member of checked JSON does not check");
        char *out = NULL;
        verdict_errors *errs = NULL;
        verdict_status st = verdict_eval(eng, "fz/echo", v, vlen, &out, &errs);
        free(out);
        fuzz_check_errors(st, errs);
    }
    if (size && text[0] == '"') {
        size_t dl;
        free(json_decode_string(text, size, &dl));
    }

    buf pretty = BUF_INIT;
    json_pretty(&pretty, text, size);
    if (!pretty.oom && !checks(pretty.data ? pretty.data : "", pretty.len))
        fuzz_fail("json_pretty wrote text that does not check: %s", pretty.data);
    buf_free(&pretty);

    buf once = BUF_INIT, twice = BUF_INIT;
    jn_write(&once, n, 0);
    jnode *again = once.oom ? NULL : jn_parse(once.data, once.len, JSON_MAX_DEPTH, &e);
    if (!once.oom && !again)
        fuzz_fail("jn_write wrote text that does not parse: %s", once.data);
    if (again) {
        jn_write(&twice, again, 0);
        if (!twice.oom && (twice.len != once.len || memcmp(twice.data, once.data, once.len) != 0))
            fuzz_fail("tree round trip changed the text: %s -> %s", once.data, twice.data);
    }
    jn_free(again);
    jn_free(n);
    buf_free(&once);
    buf_free(&twice);
    return 0;
}
