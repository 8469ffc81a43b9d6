/* The embedded library under threads (issue 6): evaluations racing bundle
 * swaps and data writes, the decision cache's invalidation on every kind of
 * change, and no caching of non-deterministic decisions.  Also run under
 * ThreadSanitizer (make unit-tsan). */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/verdict.h"

static const char *POLICY_A = "package authz\nallow if input.user == \"alice\"\nversion := \"a\"\n";
static const char *POLICY_B = "package authz\nallow if input.user == \"bob\"\nversion := \"b\"\n";

typedef struct race {
    verdict_engine *e;
    int stop;
    int bad;
    long evals;
} race;

/* Every answer must come from one policy version: one evaluation of the whole
 * package sees version a with alice allowed, or version b with bob allowed,
 * never a mix.  (Separate calls may straddle a change, so each check is one
 * evaluation.) */
static void *reader(void *p)
{
    race *r = p;
    static const char *const users[] = {"{\"user\":\"alice\"}", "{\"user\":\"bob\"}"};
    for (unsigned n = 0; !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE); n++) {
        const char *in = users[n % 2];
        char *v = NULL;
        if (verdict_eval(r->e, "authz", in, strlen(in), &v, NULL) != VERDICT_OK) {
            __atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
            continue;
        }
        int is_a = strstr(v, "\"version\":\"a\"") != NULL;
        int is_b = strstr(v, "\"version\":\"b\"") != NULL;
        int allowed = strstr(v, "\"allow\":true") != NULL;
        int want_allowed = n % 2 == 0 ? is_a : is_b;
        if (is_a == is_b || allowed != want_allowed)
            __atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
        free(v);
        __atomic_add_fetch(&r->evals, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

START_TEST(evaluations_race_with_policy_and_data_changes)
{
    race r = {verdict_new(NULL), 0, 0, 0};
    ck_assert_int_eq(verdict_put_module(r.e, "authz.rego", POLICY_A, strlen(POLICY_A), NULL), VERDICT_OK);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, reader, &r);
    /* the changes must overlap evaluations however the threads are
     * scheduled: start once readers run, go on until they made some */
    while (__atomic_load_n(&r.evals, __ATOMIC_RELAXED) + __atomic_load_n(&r.bad, __ATOMIC_RELAXED) < 4)
        sched_yield();
    for (int i = 0; i < 150 || (i < 20000 && __atomic_load_n(&r.evals, __ATOMIC_RELAXED) < 200); i++) {
        const char *p = i % 2 ? POLICY_A : POLICY_B;
        ck_assert_int_eq(verdict_put_module(r.e, "authz.rego", p, strlen(p), NULL), VERDICT_OK);
        char doc[64];
        snprintf(doc, sizeof doc, "{\"n\": %d}", i);
        ck_assert_int_eq(verdict_put_data(r.e, "counters", doc, strlen(doc), NULL), VERDICT_OK);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(r.bad, 0);
    ck_assert_int_gt(r.evals, 0);
    verdict_free(r.e);
}
END_TEST

static void *delta_reader(void *p)
{
    race *r = p;
    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
        char *v = NULL;
        verdict_status st = verdict_eval(r->e, "app/limits/max", NULL, 0, &v, NULL);
        if (st != VERDICT_OK || (strcmp(v, "1") != 0 && strcmp(v, "2") != 0))
            __atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
        free(v);
    }
    return NULL;
}

START_TEST(evaluations_race_with_bundles)
{
    char dir[] = "/tmp/verdict-threads-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[1024];
    /* two full bundle revisions and a delta, made with tar and gzip */
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p a/app b/app d && "
             "echo '{\"revision\":\"1\",\"roots\":[\"app\"]}' > a/.manifest && "
             "echo '{\"limits\":{\"max\":1}}' > a/app/data.json && "
             "echo '{\"revision\":\"2\",\"roots\":[\"app\"]}' > b/.manifest && "
             "echo '{\"limits\":{\"max\":2}}' > b/app/data.json && "
             "echo '{\"revision\":\"3\",\"roots\":[\"app\"]}' > d/.manifest && "
             "echo '{\"data\":[{\"op\":\"replace\",\"path\":\"/app/limits/max\",\"value\":1}]}' > d/patch.json && "
             "(cd a && tar czf ../a.tar.gz .manifest app) && (cd b && tar czf ../b.tar.gz .manifest app) && "
             "(cd d && tar czf ../d.tar.gz .manifest patch.json)",
             dir);
    ck_assert_int_eq(system(cmd), 0);
    char a[256], b[256], d[256];
    snprintf(a, sizeof a, "%s/a.tar.gz", dir);
    snprintf(b, sizeof b, "%s/b.tar.gz", dir);
    snprintf(d, sizeof d, "%s/d.tar.gz", dir);
    race r = {verdict_new(NULL), 0, 0, 0};
    ck_assert_int_eq(verdict_load_bundle_file(r.e, "app", a, NULL, NULL), VERDICT_OK);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, delta_reader, &r);
    for (int i = 0; i < 60; i++) {
        const char *next = i % 3 == 0 ? a : i % 3 == 1 ? b : d;
        verdict_errors *errs = NULL;
        ck_assert_int_eq(verdict_load_bundle_file(r.e, "app", next, NULL, &errs), VERDICT_OK);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(r.bad, 0);
    verdict_free(r.e);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static uint64_t hits(verdict_engine *e)
{
    verdict_metrics m;
    verdict_get_metrics(e, &m);
    return m.cache_hits;
}

START_TEST(cache_hits_and_invalidation)
{
    verdict_engine *e = verdict_new(NULL);
    const char *m = "package app\nallow if data.app.users[input.user].admin\n";
    ck_assert_int_eq(verdict_put_module(e, "app.rego", m, strlen(m), NULL), VERDICT_OK);
    const char *users = "{\"users\":{\"alice\":{\"admin\":true}}}";
    ck_assert_int_eq(verdict_put_data(e, "app", users, strlen(users), NULL), VERDICT_OK);
    const char *in = "{\"user\":\"alice\"}", *in2 = "{ \"user\" : \"alice\" }";
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 1);
    uint64_t h = hits(e);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 1);
    ck_assert_uint_eq(hits(e), h + 1);
    /* the same input written differently is the same decision */
    ck_assert_int_eq(verdict_allow(e, "app/allow", in2, strlen(in2)), 1);
    ck_assert_uint_eq(hits(e), h + 2);
    /* a data write invalidates */
    const char *none = "{\"users\":{\"alice\":{\"admin\":false}}}";
    ck_assert_int_eq(verdict_put_data(e, "app", none, strlen(none), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 0);
    /* a policy change invalidates */
    const char *m2 = "package app\nallow if input.user == \"alice\"\n";
    ck_assert_int_eq(verdict_put_module(e, "app.rego", m2, strlen(m2), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 1);
    /* a patch and a delete invalidate */
    const char *m3 = "package app\nallow if data.app.open\n";
    ck_assert_int_eq(verdict_put_module(e, "app.rego", m3, strlen(m3), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 0);
    const char *patch = "[{\"op\":\"add\",\"path\":\"/open\",\"value\":true}]";
    ck_assert_int_eq(verdict_patch_data(e, "app", patch, strlen(patch), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 1);
    ck_assert_int_eq(verdict_delete_data(e, "app/open", NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(e, "app/allow", in, strlen(in)), 0);
    verdict_free(e);
}
END_TEST

/* A thread keeps its recent decisions for every engine it serves: engines
 * with the same paths and inputs must never see each other's answers, nor
 * an engine made after another was freed. */
START_TEST(one_thread_many_engines)
{
    const char *yes = "package app\nallow := true\n", *no = "package app\nallow := false\n";
    const char *in = "{\"user\":\"alice\"}";
    verdict_engine *a = verdict_new(NULL), *b = verdict_new(NULL);
    ck_assert_int_eq(verdict_put_module(a, "app.rego", yes, strlen(yes), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_put_module(b, "app.rego", no, strlen(no), NULL), VERDICT_OK);
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(verdict_allow(a, "app/allow", in, strlen(in)), 1);
        ck_assert_int_eq(verdict_allow(b, "app/allow", in, strlen(in)), 0);
    }
    ck_assert_uint_eq(hits(a), 49);
    ck_assert_uint_eq(hits(b), 49);
    verdict_free(a);
    verdict_engine *c = verdict_new(NULL);
    ck_assert_int_eq(verdict_put_module(c, "app.rego", no, strlen(no), NULL), VERDICT_OK);
    ck_assert_int_eq(verdict_allow(c, "app/allow", in, strlen(in)), 0);
    ck_assert_uint_eq(hits(c), 0);
    verdict_free(b);
    verdict_free(c);
}
END_TEST

START_TEST(nondeterministic_decisions_are_not_cached)
{
    verdict_engine *e = verdict_new(NULL);
    const char *m = "package nd\nn := rand.intn(\"x\", 1000000000)\nt := time.now_ns()\nfixed := 1\n";
    ck_assert_int_eq(verdict_put_module(e, "nd.rego", m, strlen(m), NULL), VERDICT_OK);
    verdict_metrics before, after;
    verdict_get_metrics(e, &before);
    int differ = 0;
    char *prev = NULL;
    for (int i = 0; i < 20; i++) {
        char *v = NULL;
        ck_assert_int_eq(verdict_eval(e, "nd/n", NULL, 0, &v, NULL), VERDICT_OK);
        differ |= prev && strcmp(prev, v) != 0;
        free(prev);
        prev = v;
        ck_assert_int_eq(verdict_eval(e, "nd/t", NULL, 0, &v, NULL), VERDICT_OK);
        free(v);
    }
    free(prev);
    verdict_get_metrics(e, &after);
    ck_assert_uint_eq(after.cache_hits, before.cache_hits); /* nothing came from the cache */
    ck_assert_int_eq(differ, 1);                           /* and the answers were fresh */
    char *v = NULL;
    ck_assert_int_eq(verdict_eval(e, "nd/fixed", NULL, 0, &v, NULL), VERDICT_OK);
    free(v);
    ck_assert_int_eq(verdict_eval(e, "nd/fixed", NULL, 0, &v, NULL), VERDICT_OK);
    free(v);
    verdict_get_metrics(e, &after);
    ck_assert_uint_eq(after.cache_hits, before.cache_hits + 1);
    verdict_free(e);
}
END_TEST

Suite *suite_threads(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("concurrency");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, evaluations_race_with_policy_and_data_changes);
    tcase_add_test(tc, evaluations_race_with_bundles);
    tcase_add_test(tc, one_thread_many_engines);
    tcase_add_test(tc, cache_hits_and_invalidation);
    tcase_add_test(tc, nondeterministic_decisions_are_not_cached);
    suite_add_tcase(s, tc);
    return s;
}
