/* Unit tests for engine/arena. */
#include <check.h>
#include <string.h>

#include "engine/arena.h"

START_TEST(alloc_aligned_and_reset)
{
    arena a;
    arena_init(&a, 1024);
    char *p = arena_alloc(&a, 3);
    char *q = arena_alloc(&a, 5);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(((uintptr_t)q) % 8, 0);
    void *big = arena_alloc(&a, 10000);
    memset(big, 1, 10000);
    ck_assert_uint_ge(a.used, 10000);
    arena_reset(&a);
    ck_assert_uint_eq(a.used, 0);
    arena_release(&a);
}
END_TEST

START_TEST(limit_jumps)
{
    arena a;
    jmp_buf jb;
    arena_init(&a, 1024);
    a.limit = 4096;
    a.oom = &jb;
    volatile int hit = 0;
    if (setjmp(jb) == 0) {
        for (int i = 0; i < 1000; i++)
            arena_alloc(&a, 64);
    } else {
        hit = 1;
    }
    ck_assert_int_eq(hit, 1);
    ck_assert_int_eq(a.oom_code, ARENA_LIMIT);
    arena_release(&a);
}
END_TEST

Suite *suite_arena(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, alloc_aligned_and_reset);
    tcase_add_test(tc, limit_jumps);
    suite_add_tcase(s, tc);
    return s;
}
