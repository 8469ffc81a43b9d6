/* time.c — builtin group "time": time.now_ns, time.parse_ns,
 * time.parse_rfc3339_ns, time.parse_duration_ns, time.format, time.date,
 * time.clock, time.weekday, time.add_date, time.diff.
 *
 * Behaviour follows OPA's topdown/time.go on top of Go's time package,
 * whose semantics (layouts, zones, durations) live in time_go.c.  A time
 * argument is a number of nanoseconds since the Unix epoch, or an array
 * [ns, tz] or [ns, tz, layout] with an IANA zone name ("" and "UTC" are
 * UTC, "Local" the system's zone).
 *
 * Zones come from the system's zoneinfo files (Debian's tzdata package),
 * where OPA falls back on a copy of the database built into its binary.
 * time.add_date with amounts so large that Go's integer arithmetic would
 * wrap around reports "time outside of valid range" instead. */
#include <stdint.h>
#include <string.h>

#include <gmp.h>
#include <mpfr.h>

#include "../builtins.h"
#include "../strbuf.h"
#include "../value.h"
#include "strings_util.h"
#include "time_go.h"

#define RFC3339 "2006-01-02T15:04:05Z07:00"
#define RFC3339_NANO "2006-01-02T15:04:05.999999999Z07:00"

static const char *const tz_expect = "either number (ns) or [number (ns), string (tz)]";

/* The number as an int64, as Go's big.Float (64-bit mantissa) Int64 sees
 * it: only integral values in range qualify. */
static bool number_int64(const val *n, int64_t *out)
{
    if (val_is_int(n)) {
        *out = val_int_value(n);
        return true;
    }
    const char *text = ((const vnum *)n)->text;
    if (!text)
        return false;
    mpfr_t x;
    mpfr_init2(x, 64);
    bool ok = false;
    if (mpfr_set_str(x, text, 10, MPFR_RNDN) == 0 && mpfr_integer_p(x) && mpfr_fits_intmax_p(x, MPFR_RNDN)) {
        *out = (int64_t)mpfr_get_sj(x, MPFR_RNDN);
        ok = true;
    }
    mpfr_clear(x);
    return ok;
}

/* A zone name from a Rego string: "" and "UTC" are UTC, "Local" the
 * system's zone, anything else an IANA name. */
static const tgo_loc *load_zone(bi_ctx *c, const val *s)
{
    size_t n = val_len(s);
    char name[256];
    if (n >= sizeof name || memchr(val_str(s), 0, n)) {
        bi_error(c, "unknown time zone %.*s", (int)(n > 200 ? 200 : n), val_str(s));
        return NULL;
    }
    memcpy(name, val_str(s), n);
    name[n] = 0;
    char err[300];
    const tgo_loc *l = tgo_load_location(name, err, sizeof err);
    if (!l)
        bi_error(c, "%s", err);
    return l;
}

/* OPA's tzTime: the instant and location of a time argument, and the
 * layout when the array has a third element. */
static bi_status tz_time(bi_ctx *c, const val *a, tgo_time *t, const val **layout)
{
    const val *nval;
    const tgo_loc *loc = &tgo_utc;
    if (layout)
        *layout = NULL;
    switch (val_kind_of(a)) {
    case VAL_ARRAY: {
        size_t n = val_len(a);
        val *const *it = val_array_items(a);
        if (n == 0)
            return bi_operand_type(c, 1, a, tz_expect);
        if (val_kind_of(it[0]) != VAL_NUMBER)
            return bi_operand_type(c, 1, it[0], "number");
        nval = it[0];
        if (n > 1) {
            if (val_kind_of(it[1]) != VAL_STRING)
                return bi_operand_type(c, 1, it[1], "string");
            loc = load_zone(c, it[1]);
            if (!loc)
                return BI_ERR;
        }
        if (n > 2) {
            if (val_kind_of(it[2]) != VAL_STRING)
                return bi_operand_type(c, 1, it[2], "string");
            if (layout)
                *layout = it[2];
        }
        break;
    }
    case VAL_NUMBER:
        nval = a;
        break;
    default:
        return bi_operand_type(c, 1, a, tz_expect);
    }
    int64_t ns;
    if (!number_int64(nval, &ns))
        return bi_error(c, "timestamp too big");
    *t = tgo_from_unix_nano(ns, loc);
    return BI_OK;
}

static bi_status unix_nano_result(bi_ctx *c, tgo_time t, val **out)
{
    int64_t ns;
    if (!tgo_unix_nano(t, &ns))
        return bi_error(c, "time outside of valid range");
    *out = val_int(c->a, ns);
    return BI_OK;
}

/* ---- time.now_ns ---- */

static bi_status bi_now_ns(bi_ctx *c, val *const *args, val **out)
{
    (void)args;
    *out = val_int(c->a, c->now_ns);
    return BI_OK;
}

/* ---- parsing ---- */

static bi_status parse_with(bi_ctx *c, const char *layout, size_t ln, const val *value, val **out)
{
    tgo_time t;
    strbuf err = STRBUF_INIT;
    if (!tgo_parse(layout, ln, val_str(value), val_len(value), &t, &err)) {
        bi_error(c, "%s", err.data ? err.data : "");
        sb_free(&err);
        return BI_ERR;
    }
    sb_free(&err);
    return unix_nano_result(c, t, out);
}

static bi_status bi_parse_ns(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    if (val_kind_of(args[1]) != VAL_STRING)
        return bi_operand_type(c, 2, args[1], "string");
    const char *layout = val_str(args[0]);
    size_t ln = val_len(args[0]);
    const char *named = tgo_named_layout(layout, ln);
    if (named) {
        layout = named;
        ln = strlen(named);
    }
    return parse_with(c, layout, ln, args[1], out);
}

static bi_status bi_parse_rfc3339_ns(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    return parse_with(c, RFC3339, strlen(RFC3339), args[0], out);
}

static bi_status bi_parse_duration_ns(bi_ctx *c, val *const *args, val **out)
{
    if (val_kind_of(args[0]) != VAL_STRING)
        return bi_operand_type(c, 1, args[0], "string");
    int64_t d;
    strbuf err = STRBUF_INIT;
    if (!tgo_parse_duration(val_str(args[0]), val_len(args[0]), &d, &err)) {
        bi_error(c, "%s", err.data ? err.data : "");
        sb_free(&err);
        return BI_ERR;
    }
    sb_free(&err);
    *out = val_int(c->a, d);
    return BI_OK;
}

/* ---- time.format ---- */

static bi_status bi_format(bi_ctx *c, val *const *args, val **out)
{
    tgo_time t;
    const val *lv;
    if (tz_time(c, args[0], &t, &lv))
        return BI_ERR;
    const char *layout = RFC3339_NANO;
    size_t ln = strlen(layout);
    if (lv && val_len(lv) > 0) {
        const char *named = tgo_named_layout(val_str(lv), val_len(lv));
        if (named) {
            layout = named;
            ln = strlen(named);
        } else {
            layout = val_str(lv);
            ln = val_len(lv);
        }
    }
    strbuf sb = STRBUF_INIT;
    tgo_format(&sb, t, layout, ln);
    *out = txt_string_from_sb(c->a, &sb);
    return BI_OK;
}

/* ---- time.date, time.clock, time.weekday ---- */

static val *triple(bi_ctx *c, int64_t a, int64_t b, int64_t d)
{
    varr *arr = val_array_alloc(c->a, 3);
    arr->items[0] = val_int(c->a, a);
    arr->items[1] = val_int(c->a, b);
    arr->items[2] = val_int(c->a, d);
    return val_array_seal(arr);
}

static bi_status bi_date(bi_ctx *c, val *const *args, val **out)
{
    tgo_time t;
    if (tz_time(c, args[0], &t, NULL))
        return BI_ERR;
    tgo_civil cv;
    tgo_civil_of(t, &cv);
    *out = triple(c, cv.year, cv.month, cv.day);
    return BI_OK;
}

static bi_status bi_clock(bi_ctx *c, val *const *args, val **out)
{
    tgo_time t;
    if (tz_time(c, args[0], &t, NULL))
        return BI_ERR;
    tgo_civil cv;
    tgo_civil_of(t, &cv);
    *out = triple(c, cv.hour, cv.min, cv.sec);
    return BI_OK;
}

static bi_status bi_weekday(bi_ctx *c, val *const *args, val **out)
{
    tgo_time t;
    if (tz_time(c, args[0], &t, NULL))
        return BI_ERR;
    tgo_civil cv;
    tgo_civil_of(t, &cv);
    *out = val_cstring(c->a, tgo_weekday_name(cv.wday));
    return BI_OK;
}

/* ---- time.add_date ---- */

static bool add64(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }

static bi_status bi_add_date(bi_ctx *c, val *const *args, val **out)
{
    tgo_time t;
    if (tz_time(c, args[0], &t, NULL))
        return BI_ERR;
    int64_t years, months, days;
    if (txt_int_operand(c, args[1], 2, &years) || txt_int_operand(c, args[2], 3, &months) ||
        txt_int_operand(c, args[3], 4, &days))
        return BI_ERR;
    tgo_civil cv;
    tgo_civil_of(t, &cv);
    int64_t y, m, d;
    tgo_time r;
    if (!add64(cv.year, years, &y) || !add64(cv.month, months, &m) || !add64(cv.day, days, &d) ||
        !tgo_date(y, m, d, cv.hour, cv.min, cv.sec, t.nsec, t.loc, &r))
        return bi_error(c, "time outside of valid range");
    return unix_nano_result(c, r, out);
}

/* ---- time.diff ----
 * Both instants are seen in the first one's location; the result is the
 * (years, months, days, hours, minutes, seconds) between them, borrowing
 * as a person would (a month borrowed is the length of the earlier
 * instant's month). */

static bi_status bi_diff(bi_ctx *c, val *const *args, val **out)
{
    tgo_time t1, t2;
    if (tz_time(c, args[0], &t1, NULL) || tz_time(c, args[1], &t2, NULL))
        return BI_ERR;
    t2.loc = t1.loc;
    if (t1.sec > t2.sec || (t1.sec == t2.sec && t1.nsec > t2.nsec)) {
        tgo_time x = t1;
        t1 = t2;
        t2 = x;
    }
    tgo_civil a, b;
    tgo_civil_of(t1, &a);
    tgo_civil_of(t2, &b);
    int64_t year = b.year - a.year;
    int64_t month = b.month - a.month;
    int64_t day = b.day - a.day;
    int64_t hour = b.hour - a.hour;
    int64_t min = b.min - a.min;
    int64_t sec = b.sec - a.sec;
    if (sec < 0) {
        sec += 60;
        min--;
    }
    if (min < 0) {
        min += 60;
        hour--;
    }
    if (hour < 0) {
        hour += 24;
        day--;
    }
    if (day < 0) {
        /* days in a.month: the 32nd of it overflows into the next month */
        tgo_time t32;
        tgo_civil x;
        tgo_date(a.year, a.month, 32, 0, 0, 0, 0, &tgo_utc, &t32);
        tgo_civil_of(t32, &x);
        day += 32 - x.day;
        month--;
    }
    if (month < 0) {
        month += 12;
        year--;
    }
    varr *arr = val_array_alloc(c->a, 6);
    int64_t parts[6] = {year, month, day, hour, min, sec};
    for (int i = 0; i < 6; i++)
        arr->items[i] = val_int(c->a, parts[i]);
    *out = val_array_seal(arr);
    return BI_OK;
}

const builtin_def bi_group_time[] = {
    {"time.add_date", 4, bi_add_date, 0, NULL},
    {"time.clock", 1, bi_clock, 0, NULL},
    {"time.date", 1, bi_date, 0, NULL},
    {"time.diff", 2, bi_diff, 0, NULL},
    {"time.format", 1, bi_format, 0, NULL},
    {"time.now_ns", 0, bi_now_ns, BI_F_NONDET, NULL},
    {"time.parse_duration_ns", 1, bi_parse_duration_ns, 0, NULL},
    {"time.parse_ns", 2, bi_parse_ns, 0, NULL},
    {"time.parse_rfc3339_ns", 1, bi_parse_rfc3339_ns, 0, NULL},
    {"time.weekday", 1, bi_weekday, 0, NULL},
    {0},
};
