/* fuzz_bundle.c — bundle archives through verdict_load_bundle_buffer.
 *
 * An input that starts with gzip's magic bytes is the archive itself;
 * anything else is a bundle in text form (fuzz.h: "==> /path" lines, then
 * the file's content), packed into a .tar.gz here, so that mutations reach
 * manifests, patches, modules and data rather than only gzip's checksum.
 *
 * Each input is loaded over a fixed full bundle "b" under the same name (a
 * full bundle replaces it, a delta bundle patches it), then under another
 * name as a delta target of "b".  A text-form bundle with a
 * /.signatures.json is verified with the HMAC key "secret".  A load that fails must leave the active
 * state as it was: same generation, same revision, same data. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char base_text[] =
    "==> /.manifest\n"
    "{\"revision\": \"r1\", \"roots\": [\"authz\", \"users\"], \"metadata\": {\"owner\": \"a\"}}\n"
    "==> /authz/policy.rego\n"
    "package authz\n"
    "\n"
    "default allow := false\n"
    "\n"
    "allow if data.users[input.user].role == \"admin\"\n"
    "==> /users/data.json\n"
    "{\"alice\": {\"role\": \"admin\"}, \"bob\": {\"role\": \"dev\"}}\n"
    "==> /users/eu/data.yaml\n"
    "carol:\n  role: admin\n";

static char *snapshot_text(verdict_engine *eng)
{
    verdict_result *r = NULL;
    if (verdict_query(eng, "data", NULL, &r, NULL) != VERDICT_OK)
        fuzz_fail("the data query failed");
    char *j = verdict_result_json(r, 0);
    verdict_result_free(r);
    char *rev = verdict_bundle_revision(eng, "b");
    size_t n = strlen(j) + (rev ? strlen(rev) : 0) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s|%s", rev ? rev : "", j);
    free(rev);
    free(j);
    return s;
}

static void load(verdict_engine *eng, const char *name, const unsigned char *buf, size_t len, const char *target,
                 int verify)
{
    verdict_bundle_options bo;
    memset(&bo, 0, sizeof bo);
    bo.max_bytes = 8u << 20;
    bo.delta_target = target;
    if (verify)
        bo.verification_key = "secret"; /* HMAC: the signed seed is signed with it */
    char *before = snapshot_text(eng);
    uint64_t gen = verdict_generation(eng);
    verdict_errors *errs = NULL;
    verdict_status st = verdict_load_bundle_buffer(eng, name, buf, len, &bo, &errs);
    fuzz_check_errors(st, errs);
    if (st != VERDICT_OK) {
        char *after = snapshot_text(eng);
        if (verdict_generation(eng) != gen || strcmp(before, after) != 0)
            fuzz_fail("a failed bundle load changed the engine");
        free(after);
    }
    free(before);
}

FUZZ_TARGET(bundle)
{
    static unsigned char *base;
    static size_t base_len;
    if (!base && !(base = fuzz_pack_bundle(base_text, sizeof base_text - 1, &base_len)))
        fuzz_fail("cannot pack the base bundle");

    const unsigned char *buf = data;
    size_t len = size;
    unsigned char *packed = NULL;
    if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b)) {
        if (fuzz_uses_network((const char *)data, size))
            return 0;
        packed = fuzz_pack_bundle((const char *)data, size, &len);
        if (!packed)
            return 0;
        buf = packed;
    } else if (fuzz_uses_network((const char *)data, size)) {
        return 0;   /* only catches uncompressed text, but costs nothing */
    }

    verdict_engine *eng = fuzz_engine(0);
    verdict_errors *errs = NULL;
    verdict_bundle_options bo;
    memset(&bo, 0, sizeof bo);
    if (verdict_load_bundle_buffer(eng, "b", base, base_len, &bo, &errs) != VERDICT_OK)
        fuzz_fail("the base bundle does not load");

    /* a bundle in text form with a signatures file is verified (HS256 key "secret") */
    int verify = packed && memmem(data, size, "==> /.signatures.json", 21) != NULL;
    load(eng, "b", buf, len, NULL, verify);
    load(eng, "c", buf, len, "b", verify);
    fuzz_run_query(eng, "data", "{\"user\": \"alice\"}", 17);
    free(verdict_bundles_json(eng));
    verdict_free(eng);
    free(packed);
    return 0;
}
