/* fuzz_request.c — request bodies as the decision server reads them
 * (server/json.c): the one-pass check, the "input" member found in place
 * and handed to the engine as bytes, string literals, re-indentation and
 * the small document tree used for configuration and decision logs.
 *
 * Not the public API, but the server's first contact with a client's
 * bytes.  The check and the tree must agree on what is JSON, and what the
 * server writes must read back: re-indented text checks, and the tree
 * written out parses to a tree that writes the same text.  The same bytes
 * also go through the chunked-body decoder (server/chunked.c), which must
 * not care how the bytes were split, and must read back what a chunked
 * encoder writes. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/chunked.h"
#include "server/json.h"

static int checks(const char *text, size_t len)
{
    json_err e;
    return json_check(text, len, JSON_MAX_DEPTH, &e) == 0;
}

static int dechunk_all(const uint8_t *data, size_t size, size_t piece, size_t limit, buf *out)
{
    dechunk d;
    dechunk_init(&d);
    int rc = DECHUNK_MORE;
    for (size_t at = 0, k = 0; at < size && rc == DECHUNK_MORE; k++) {
        size_t n = piece ? 1 + (k * 7 + piece) % piece : size;  /* pieces of 1..piece bytes */
        if (n > size - at)
            n = size - at;
        rc = dechunk_feed(&d, (const char *)data + at, n, out, limit);
        at += n;
    }
    if (out->len > limit)
        fuzz_fail("the chunked decoder kept %zu bytes over a limit of %zu", out->len, limit);
    return rc;
}

static void chunked_properties(const uint8_t *data, size_t size)
{
    buf whole = BUF_INIT, split = BUF_INIT, framed = BUF_INIT, back = BUF_INIT;
    int rc1 = dechunk_all(data, size, 0, 4096, &whole);
    int rc2 = dechunk_all(data, size, 5, 4096, &split);
    if (rc1 != rc2 || (rc1 >= 0 && (whole.len != split.len || (whole.len && memcmp(whole.data, split.data, whole.len)))))
        fuzz_fail("the chunked decoder read whole and split bytes differently (%d vs %d)", rc1, rc2);
    /* the bytes as a chunked body, chunk sizes taken from the bytes */
    for (size_t at = 0; at < size;) {
        size_t n = 1 + data[at] % 17;
        if (n > size - at)
            n = size - at;
        buf_printf(&framed, "%zx\r\n", n);
        buf_append(&framed, data + at, n);
        buf_puts(&framed, "\r\n");
        at += n;
    }
    buf_puts(&framed, "0\r\n\r\n");
    if (!framed.oom) {
        int rc = dechunk_all((const uint8_t *)framed.data, framed.len, 3, size, &back);
        if (rc != DECHUNK_DONE || back.len != size || (size && memcmp(back.data, data, size)))
            fuzz_fail("a chunked body did not read back (%d, %zu of %zu bytes)", rc, back.len, size);
        if (size) {
            buf_reset(&back);
            if (dechunk_all((const uint8_t *)framed.data, framed.len, 0, size - 1, &back) != DECHUNK_TOO_LARGE)
                fuzz_fail("a chunked body one byte over the limit was not refused");
        }
    }
    buf_free(&whole);
    buf_free(&split);
    buf_free(&framed);
    buf_free(&back);
}

FUZZ_TARGET(request)
{
    chunked_properties(data, size);
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
