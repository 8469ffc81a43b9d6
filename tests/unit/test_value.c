/* Unit tests for engine/value: construction, OPA's order, equality and hash
 * agreement, lookups small and large, builders, deep copy. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json.h"
#include "engine/number.h"
#include "engine/value.h"

static arena A;

static void setup(void) { arena_init(&A, 4096); }
static void teardown(void) { arena_release(&A); }

static val *num(const char *s) { return val_number_text(&A, s, strlen(s)); }
static val *str(const char *s) { return val_cstring(&A, s); }

/* Parse JSON for compact fixtures. */
static val *J(const char *text)
{
    json_error err;
    val *v = json_parse(&A, text, strlen(text), 0, &err);
    ck_assert_msg(v != NULL, "fixture %s: %s", text, err.msg);
    return v;
}

static int sign(int c) { return c < 0 ? -1 : c > 0; }

/* ---- construction ---- */

START_TEST(singletons)
{
    ck_assert_ptr_eq(val_bool(true), VAL_TRUE_V);
    ck_assert_ptr_eq(val_bool(false), VAL_FALSE_V);
    ck_assert(val_is_true(VAL_TRUE_V) && val_is_false(VAL_FALSE_V));
    ck_assert_int_eq(val_kind_of(VAL_NULL_V), VAL_NULL);
    ck_assert_int_eq(val_len(VAL_EMPTY_ARRAY_V), 0);
    ck_assert_int_eq(val_len(VAL_EMPTY_OBJECT_V), 0);
    ck_assert_int_eq(val_len(VAL_EMPTY_SET_V), 0);
    ck_assert_ptr_eq(val_string(&A, "", 0), VAL_EMPTY_STRING_V);
    ck_assert_str_eq(val_str(VAL_EMPTY_STRING_V), "");
    ck_assert_ptr_eq(val_array(&A, NULL, 0), VAL_EMPTY_ARRAY_V);
    ck_assert_ptr_eq(val_object(&A, NULL, NULL, 0), VAL_EMPTY_OBJECT_V);
    ck_assert_ptr_eq(val_set(&A, NULL, 0), VAL_EMPTY_SET_V);
    ck_assert(VAL_NULL_V->flags & VAL_F_STATIC);
    ck_assert(VAL_EMPTY_SET_V->flags & VAL_F_STATIC);
    /* empty values made in an arena equal the statics, hashes included */
    varr *arr = val_array_alloc(&A, 0);
    ck_assert_ptr_eq(val_array_seal(arr), VAL_EMPTY_ARRAY_V);
    ck_assert(val_equal(val_string(&A, "x", 0), VAL_EMPTY_STRING_V));
}
END_TEST

START_TEST(small_ints_static)
{
    val *a = val_int(&A, 5), *b = val_int(&A, 5);
    ck_assert_ptr_eq(a, b);
    ck_assert(a->flags & VAL_F_STATIC);
    ck_assert(val_is_int(a));
    ck_assert_int_eq(val_int_value(val_int(&A, -128)), -128);
    ck_assert_int_eq(val_int_value(val_int(&A, 1023)), 1023);
    val *big = val_int(&A, 1024);
    ck_assert(!(big->flags & VAL_F_STATIC));
    ck_assert_int_eq(val_int_value(big), 1024);
    ck_assert(val_equal(big, num("1024")));
    ck_assert_uint_eq(val_hash(big), val_hash(num("1024.0")));
    ck_assert_uint_eq(val_hash(val_int(&A, 7)), val_hash(num("7e0")));
    ck_assert_int_eq(val_int_value(val_int(&A, INT64_MIN)), INT64_MIN);
}
END_TEST

START_TEST(strings)
{
    val *s = val_string(&A, "a\0b", 3);
    ck_assert_int_eq(val_len(s), 3);
    ck_assert_int_eq(memcmp(val_str(s), "a\0b", 4), 0);  /* NUL-terminated too */
    ck_assert_str_eq(val_type_name(s), "string");
    ck_assert(!val_equal(s, val_string(&A, "a", 1)));
    ck_assert(val_equal(s, val_string(&A, "a\0b", 3)));
    ck_assert_uint_eq(val_string_hash("abc", 3), val_hash(str("abc")));
    val *p = val_string_prehashed(&A, "abc", 3, val_string_hash("abc", 3));
    ck_assert(val_equal(p, str("abc")));
}
END_TEST

START_TEST(kind_names)
{
    const char *names[] = {"null", "boolean", "number", "string", "array", "object", "set"};
    for (int k = VAL_NULL; k <= VAL_SET; k++)
        ck_assert_str_eq(val_kind_name((val_kind)k), names[k]);
    ck_assert_str_eq(val_type_name(VAL_EMPTY_SET_V), "set");
}
END_TEST

/* ---- order ---- */

START_TEST(order_across_kinds)
{
    val *vals[] = {VAL_NULL_V, VAL_FALSE_V, VAL_TRUE_V, num("-1e400"), num("-1"), num("0"), num("0.5"), num("1"),
                   num("1e400"), VAL_EMPTY_STRING_V, str("A"), str("a"), str("ab"), str("b"),
                   VAL_EMPTY_ARRAY_V, J("[0]"), J("[1]"), J("[1,0]"), J("[1,\"a\"]"), J("[2]"),
                   VAL_EMPTY_OBJECT_V, J("{\"a\":1}"), J("{\"a\":1,\"b\":0}"), J("{\"a\":2}"), J("{\"b\":0}"),
                   VAL_EMPTY_SET_V};
    size_t n = sizeof vals / sizeof vals[0];
    val *s1 = val_set(&A, (val *[]){num("1")}, 1), *s12 = val_set(&A, (val *[]){num("2"), num("1")}, 2);
    val *s2 = val_set(&A, (val *[]){num("2")}, 1);
    val *all[40];
    memcpy(all, vals, n * sizeof *all);
    all[n++] = s1;
    all[n++] = s12;
    all[n++] = s2;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j;
            ck_assert_msg(sign(val_compare(all[i], all[j])) == want, "compare(%zu, %zu)", i, j);
            ck_assert(val_equal(all[i], all[j]) == (i == j));
        }
}
END_TEST

START_TEST(order_strings_bytewise)
{
    ck_assert_int_lt(val_compare(str("Z"), str("a")), 0);
    ck_assert_int_lt(val_compare(str("a"), str("\xc3\xa9")), 0);      /* bytes, not code points */
    ck_assert_int_lt(val_compare(val_string(&A, "a\0", 2), str("a\x01")), 0);
    ck_assert_int_lt(val_compare(str("a"), val_string(&A, "a\0", 2)), 0);
    ck_assert_int_gt(val_compare(str("\xff"), str("\x7f")), 0);
}
END_TEST

START_TEST(order_numbers_in_composites)
{
    ck_assert_int_eq(val_compare(J("[1, 2.0]"), J("[1.0, 2]")), 0);
    ck_assert(val_equal(J("[1, 2.0]"), J("[1.0, 2]")));
    ck_assert_uint_eq(val_hash(J("[1, 2.0]")), val_hash(J("[1.0, 2]")));
    ck_assert(val_equal(J("{\"a\": 1e2}"), J("{\"a\": 100}")));
    ck_assert_uint_eq(val_hash(J("{\"a\": 1e2}")), val_hash(J("{\"a\": 100}")));
    ck_assert_int_lt(val_compare(J("[1e399]"), J("[1e400]")), 0);
}
END_TEST

/* ---- equality and hashing ---- */

START_TEST(equal_numbers_hash_equal)
{
    const char *groups[][8] = {
        {"1", "1.0", "1e0", "10e-1", "0.1e1", "100e-2", "1.000", NULL},
        {"0", "-0", "0.0", "0e10", "-0.0e-5", "0.000", NULL},
        {"1.5", "15e-1", "0.15e1", "1.50", "150E-2", NULL},
        {"-2.25", "-225e-2", "-2.250", NULL},
        {"123456789012345678901234567890", "1.2345678901234567890123456789e29", "123456789012345678901234567890.000", NULL},
        {"1e400", "10e399", "0.1e401", NULL},
        {"9223372036854775807", "9.223372036854775807e18", NULL},
        {"-9223372036854775808", "-9.223372036854775808e18", NULL},
        {"9223372036854775808", "9.223372036854775808e18", NULL},
        {"1e-400", "0.1e-399", NULL},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        val *first = num(groups[g][0]);
        ck_assert_ptr_nonnull(first);
        for (size_t i = 1; groups[g][i]; i++) {
            val *v = num(groups[g][i]);
            ck_assert_ptr_nonnull(v);
            ck_assert_msg(val_equal(first, v), "%s == %s", groups[g][0], groups[g][i]);
            ck_assert_msg(val_hash(first) == val_hash(v), "hash %s == %s", groups[g][0], groups[g][i]);
        }
        if (g > 0)
            ck_assert(!val_equal(first, num(groups[g - 1][0])));
    }
    ck_assert(!val_equal(num("28857836529306024611913"), num("28857836529306024611912")));
    ck_assert(val_hash(num("28857836529306024611913")) != val_hash(num("28857836529306024611912")));
    ck_assert(val_hash(num("1")) != val_hash(str("1")));
    ck_assert(val_hash(VAL_EMPTY_ARRAY_V) != val_hash(VAL_EMPTY_SET_V));
}
END_TEST

START_TEST(composite_hash_order_independent)
{
    val *k[] = {str("b"), str("a"), num("3"), str("c")};
    val *v[] = {num("1"), num("2"), str("x"), J("[1]")};
    val *k2[] = {str("c"), num("3.0"), str("a"), str("b")};
    val *v2[] = {J("[1.0]"), str("x"), num("2"), num("1")};
    val *o1 = val_object(&A, k, v, 4), *o2 = val_object(&A, k2, v2, 4);
    ck_assert(val_equal(o1, o2));
    ck_assert_uint_eq(val_hash(o1), val_hash(o2));
    val *s1 = val_set(&A, k, 4), *s2 = val_set(&A, k2, 4);
    ck_assert(val_equal(s1, s2));
    ck_assert_uint_eq(val_hash(s1), val_hash(s2));
    /* canonical order: numbers before strings */
    ck_assert(val_is_int(val_object_keys(o1)[0]));
    ck_assert_str_eq(val_str(val_object_keys(o1)[1]), "a");
    ck_assert_str_eq(val_str(val_object_keys(o1)[3]), "c");
    /* arrays are order-sensitive */
    ck_assert(!val_equal(val_array(&A, k, 4), val_array(&A, k2, 4)));
}
END_TEST

/* ---- objects and sets ---- */

START_TEST(object_duplicates_last_wins)
{
    val *k[] = {str("a"), str("b"), str("a"), num("1"), num("1.0")};
    val *v[] = {num("1"), num("2"), num("3"), str("first"), str("second")};
    val *o = val_object(&A, k, v, 5);
    ck_assert_int_eq(val_len(o), 3);
    ck_assert(val_equal(val_object_get(o, str("a")), num("3")));
    ck_assert_str_eq(val_str(val_object_get(o, num("1"))), "second");
    /* the first key term stays (OPA keeps the original key) */
    ck_assert(val_is_int(val_object_keys(o)[0]));
}
END_TEST

START_TEST(set_duplicates_dropped)
{
    val *items[] = {num("2"), num("1"), num("2.0"), num("1.0"), str("x"), str("x")};
    val *s = val_set(&A, items, 6);
    ck_assert_int_eq(val_len(s), 3);
    /* the first of equal elements is kept */
    ck_assert(val_is_int(val_set_items(s)[0]));
    ck_assert(val_is_int(val_set_items(s)[1]));
    ck_assert(val_set_contains(s, num("1e0")));
    ck_assert(val_set_contains(s, str("x")));
    ck_assert(!val_set_contains(s, str("y")));
    ck_assert_int_eq(val_set_find(s, num("2")), 1);
}
END_TEST

START_TEST(small_object_lookups)
{
    val *o = J("{\"b\": 2, \"a\": 1, \"ab\": 3, \"\": 4}");
    ck_assert_int_eq(val_len(o), 4);
    ck_assert(val_equal(val_object_get_str(o, "a", 1), num("1")));
    ck_assert(val_equal(val_object_get_str(o, "ab", 2), num("3")));
    ck_assert(val_equal(val_object_get_str(o, "", 0), num("4")));
    ck_assert_ptr_null(val_object_get_str(o, "abc", 3));
    ck_assert_ptr_null(val_object_get_str(o, "c", 1));
    ck_assert_ptr_null(val_object_get_str(VAL_EMPTY_OBJECT_V, "a", 1));
    ck_assert_int_eq(val_object_find(o, str("b")), 3);
    ck_assert_int_eq(val_object_find(o, num("1")), -1);
    /* mixed key kinds around the strings */
    val *k[] = {num("1"), str("m"), J("[1]"), VAL_NULL_V, str("z"), VAL_TRUE_V};
    val *v[] = {str("one"), str("em"), str("arr"), str("nil"), str("zed"), str("yes")};
    val *m = val_object(&A, k, v, 6);
    ck_assert_str_eq(val_str(val_object_get_str(m, "m", 1)), "em");
    ck_assert_str_eq(val_str(val_object_get_str(m, "z", 1)), "zed");
    ck_assert_ptr_null(val_object_get_str(m, "1", 1));
    ck_assert_str_eq(val_str(val_object_get(m, num("1.0"))), "one");
    ck_assert_str_eq(val_str(val_object_get(m, J("[1.0]"))), "arr");
    ck_assert_str_eq(val_str(val_object_get(m, VAL_NULL_V)), "nil");
    ck_assert_str_eq(val_str(val_object_get(m, VAL_TRUE_V)), "yes");
    ck_assert_ptr_null(val_object_get(m, VAL_FALSE_V));
}
END_TEST

START_TEST(large_object_lookups)
{
    enum { N = 5000 };
    val **k = malloc(N * sizeof *k), **v = malloc(N * sizeof *v);
    char buf[32];
    for (int i = 0; i < N; i++) {
        int j = (i * 7919) % N;                 /* scrambled insertion order */
        snprintf(buf, sizeof buf, "key%05d", j);
        k[i] = str(buf);
        v[i] = val_int(&A, j);
    }
    val *o = val_object(&A, k, v, N);
    ck_assert_int_eq(val_len(o), N);
    for (int i = 1; i < N; i++)
        ck_assert_int_lt(val_compare(val_object_keys(o)[i - 1], val_object_keys(o)[i]), 0);
    for (int j = 0; j < N; j++) {
        snprintf(buf, sizeof buf, "key%05d", j);
        val *got = val_object_get_str(o, buf, strlen(buf));
        ck_assert_ptr_nonnull(got);
        ck_assert_int_eq(val_int_value(got), j);
        ck_assert_int_eq(val_object_find(o, str(buf)), j);
        ck_assert_ptr_eq(val_object_get(o, str(buf)), got);
    }
    ck_assert_ptr_null(val_object_get_str(o, "key", 3));
    ck_assert_ptr_null(val_object_get_str(o, "key99999", 8));
    ck_assert_ptr_null(val_object_get(o, num("1")));
    /* numeric keys in a large object, looked up by other spellings */
    for (int i = 0; i < N; i++)
        k[i] = val_int(&A, (i * 7919) % N);
    val *no = val_object(&A, k, v, N);
    ck_assert_str_eq(val_type_name(no), "object");
    ck_assert_int_eq(val_int_value(val_object_get(no, num("4999.0"))), 4999);
    ck_assert_int_eq(val_int_value(val_object_get(no, num("1e3"))), 1000);
    ck_assert_ptr_null(val_object_get(no, num("1.5")));
    /* sets of the same size */
    val *s = val_set(&A, k, N);
    ck_assert_int_eq(val_len(s), N);
    ck_assert(val_set_contains(s, num("2.5e3")));
    ck_assert_int_eq(val_set_find(s, num("4999")), 4999);
    ck_assert(!val_set_contains(s, num("5000")));
    ck_assert(!val_set_contains(s, str("1")));
    free(k);
    free(v);
}
END_TEST

/* ---- builders ---- */

START_TEST(object_builder)
{
    val_objb b;
    val_objb_init(&b, &A);
    ck_assert_ptr_null(val_objb_put(&b, str("x"), num("1")));
    ck_assert(val_equal(val_objb_put(&b, str("x"), num("2")), num("1")));  /* existing value returned */
    ck_assert(val_equal(val_objb_get(&b, str("x")), num("1")));
    val_objb_set(&b, str("x"), num("3"));
    val_objb_set(&b, str("a"), num("4"));
    ck_assert(val_equal(val_objb_get(&b, str("x")), num("3")));
    ck_assert_ptr_null(val_objb_get(&b, str("nope")));
    val *o = val_objb_finish(&b);
    ck_assert(val_equal(o, J("{\"a\": 4, \"x\": 3}")));
    ck_assert_uint_eq(val_hash(o), val_hash(J("{\"x\": 3, \"a\": 4}")));

    val_objb_init(&b, &A);
    ck_assert_ptr_eq(val_objb_finish(&b), VAL_EMPTY_OBJECT_V);
}
END_TEST

START_TEST(object_builder_large)
{
    enum { N = 3000 };
    val_objb b;
    val_objb_init(&b, &A);
    char buf[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < N; i++) {
            int j = (i * 104729) % N;
            snprintf(buf, sizeof buf, "k%d", j);
            val *prev = val_objb_put(&b, str(buf), val_int(&A, j + round * N));
            if (round == 0)
                ck_assert_ptr_null(prev);
            else
                ck_assert_int_eq(val_int_value(prev), j);
        }
    ck_assert_int_eq(b.n, N);
    /* numbers as keys: 1 and 1.0 collide */
    ck_assert_ptr_null(val_objb_put(&b, num("1"), str("one")));
    ck_assert_str_eq(val_str(val_objb_put(&b, num("1.0"), str("uno"))), "one");
    val *o = val_objb_finish(&b);
    ck_assert_int_eq(val_len(o), N + 1);
    for (int j = 0; j < N; j++) {
        snprintf(buf, sizeof buf, "k%d", j);
        ck_assert_int_eq(val_int_value(val_object_get_str(o, buf, strlen(buf))), j);
    }
    ck_assert_str_eq(val_str(val_object_get(o, num("1e0"))), "one");
    val *k[N + 1], *v[N + 1];
    for (uint32_t i = 0; i < val_len(o); i++) {
        k[i] = val_object_keys(o)[i];
        v[i] = val_object_values(o)[i];
    }
    ck_assert_uint_eq(val_hash(o), val_hash(val_object(&A, k, v, N + 1)));
}
END_TEST

START_TEST(set_builder)
{
    val_setb b;
    val_setb_init(&b, &A);
    ck_assert_ptr_eq(val_setb_finish(&b), VAL_EMPTY_SET_V);
    val_setb_init(&b, &A);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 2000; i++) {
            bool added = val_setb_add(&b, val_int(&A, (i * 31) % 2000));
            ck_assert(added == (round == 0));
        }
    ck_assert(val_setb_add(&b, num("0.5")));
    ck_assert(!val_setb_add(&b, num("5e-1")));
    ck_assert(val_setb_contains(&b, num("1999.0")));
    ck_assert(!val_setb_contains(&b, num("2000")));
    val *s = val_setb_finish(&b);
    ck_assert_int_eq(val_len(s), 2001);
    ck_assert(val_equal(val_set_items(s)[0], num("0")));
    ck_assert(val_equal(val_set_items(s)[1], num("0.5")));
    ck_assert(val_set_contains(s, num("1234")));
    for (uint32_t i = 1; i < val_len(s); i++)
        ck_assert_int_lt(val_compare(val_set_items(s)[i - 1], val_set_items(s)[i]), 0);
    /* small builder */
    val_setb_init(&b, &A);
    val_setb_add(&b, str("b"));
    val_setb_add(&b, str("a"));
    ck_assert(!val_setb_add(&b, str("b")));
    val *small = val_setb_finish(&b);
    ck_assert_int_eq(val_len(small), 2);
    ck_assert_str_eq(val_str(val_set_items(small)[0]), "a");
}
END_TEST

START_TEST(array_builder)
{
    val_arrb b;
    val_arrb_init(&b, &A);
    ck_assert_ptr_eq(val_arrb_finish(&b), VAL_EMPTY_ARRAY_V);
    val_arrb_init(&b, &A);
    val *items[1500];
    for (int i = 0; i < 1500; i++) {
        items[i] = val_int(&A, 1500 - i);
        val_arrb_push(&b, items[i]);
    }
    val *arr = val_arrb_finish(&b);
    ck_assert_int_eq(val_len(arr), 1500);
    ck_assert_int_eq(val_int_value(val_array_items(arr)[0]), 1500);
    ck_assert(val_equal(arr, val_array(&A, items, 1500)));
    ck_assert_uint_eq(val_hash(arr), val_hash(val_array(&A, items, 1500)));
    varr *raw = val_array_alloc(&A, 2);
    raw->items[0] = num("1");
    raw->items[1] = str("a");
    ck_assert(val_equal(val_array_seal(raw), J("[1, \"a\"]")));
}
END_TEST

/* ---- copy ---- */

START_TEST(deep_copy)
{
    arena *src = arena_new(1024), *dst = arena_new(1024);
    json_error err;
    const char *text = "{\"a\": [1, 1.50, \"x\", null, true, {\"b\": 123456789012345678901234567890}], "
                       "\"big\": 5000000000, \"s\": \"hello\"}";
    val *v = json_parse(src, text, strlen(text), 0, &err);
    ck_assert_ptr_nonnull(v);
    val_setb sb;
    val_setb_init(&sb, src);
    for (int i = 0; i < 50; i++)
        val_setb_add(&sb, val_int(src, i * 1000));
    val *k[] = {str("obj"), val_setb_finish(&sb)};
    val *vals[] = {v, VAL_EMPTY_SET_V};
    val *o = val_object(src, k, vals, 2);
    val *c = val_copy(dst, o);
    ck_assert_ptr_ne(c, o);
    ck_assert(val_equal(c, o));
    ck_assert_uint_eq(val_hash(c), val_hash(o));
    strbuf before = STRBUF_INIT, after = STRBUF_INIT;
    json_write(&before, o, 0);
    arena_free(src);                     /* the copy must not point into src */
    json_write(&after, c, 0);
    ck_assert_str_eq(before.data, after.data);
    ck_assert(val_set_contains(val_object_keys(c)[1], val_int(dst, 49000)));
    ck_assert_ptr_eq(val_copy(dst, VAL_NULL_V), VAL_NULL_V);
    ck_assert_ptr_eq(val_copy(dst, val_int(dst, 3)), val_int(dst, 3));
    sb_free(&before);
    sb_free(&after);
    arena_free(dst);
}
END_TEST

Suite *suite_value(void)
{
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, singletons);
    tcase_add_test(tc, small_ints_static);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, kind_names);
    tcase_add_test(tc, order_across_kinds);
    tcase_add_test(tc, order_strings_bytewise);
    tcase_add_test(tc, order_numbers_in_composites);
    tcase_add_test(tc, equal_numbers_hash_equal);
    tcase_add_test(tc, composite_hash_order_independent);
    tcase_add_test(tc, object_duplicates_last_wins);
    tcase_add_test(tc, set_duplicates_dropped);
    tcase_add_test(tc, small_object_lookups);
    tcase_add_test(tc, large_object_lookups);
    tcase_add_test(tc, object_builder);
    tcase_add_test(tc, object_builder_large);
    tcase_add_test(tc, set_builder);
    tcase_add_test(tc, array_builder);
    tcase_add_test(tc, deep_copy);
    suite_add_tcase(s, tc);
    return s;
}
