/* time_go.h — Go's time package as OPA's time.* builtins see it: instants,
 * civil dates in IANA zones (TZif files read from the system's zoneinfo),
 * layout-driven formatting and parsing (time.Format / time.Parse with Go's
 * reference-time elements), and time.ParseDuration.  Private to
 * engine/builtins (time.c is the only caller).
 *
 * An instant is Unix seconds plus nanoseconds; a location maps instants to
 * zone offsets exactly as Go's *time.Location does (transitions, then the
 * TZif footer's POSIX TZ rule for later instants). */
#ifndef VERDICT_BUILTINS_TIME_GO_H
#define VERDICT_BUILTINS_TIME_GO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../strbuf.h"

typedef struct tgo_zone {
    const char *name;       /* abbreviation, "CET" */
    int32_t offset;         /* seconds east of UTC */
    bool isdst;
} tgo_zone;

typedef struct tgo_loc {
    const char *name;
    int nzone;              /* 0: UTC */
    const tgo_zone *zone;
    int ntx;
    const int64_t *tx_when; /* transition instants, ascending */
    const uint8_t *tx_index;
    const char *extend;     /* POSIX TZ rule for instants after the last transition, or NULL */
} tgo_loc;

typedef struct tgo_time {
    int64_t sec;            /* Unix seconds */
    int32_t nsec;           /* 0 .. 999999999 */
    const tgo_loc *loc;
} tgo_time;

extern const tgo_loc tgo_utc;

/* time.LoadLocation for name ("" and "UTC" give UTC, "Local" the system
 * zone).  Locations are cached for the life of the process and shared by
 * all threads.  NULL with Go's error text in err on failure. */
const tgo_loc *tgo_load_location(const char *name, char *err, size_t errn);
const tgo_loc *tgo_local(void);

/* Location.lookup: the zone in effect at Unix second sec. */
void tgo_lookup(const tgo_loc *l, int64_t sec, const char **name, int *offset, int64_t *start, int64_t *end);

/* Civil fields of t in its location. */
typedef struct tgo_civil {
    int64_t year;
    int month, day, yday;   /* yday 1..366 */
    int hour, min, sec;
    int wday;               /* 0 = Sunday */
    const char *zone;
    int offset;
} tgo_civil;

void tgo_civil_of(tgo_time t, tgo_civil *c);

/* time.Date: normalises month into year and adds day-1 days to the first of
 * the month; the offset is found as Go finds it.  false when the result is
 * beyond any sensible range (Go would wrap around). */
bool tgo_date(int64_t year, int64_t month, int64_t day, int hour, int min, int sec, int nsec,
              const tgo_loc *loc, tgo_time *out);

/* The instant as int64 nanoseconds, if it is within the range OPA accepts
 * (1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z). */
bool tgo_unix_nano(tgo_time t, int64_t *ns);
tgo_time tgo_from_unix_nano(int64_t ns, const tgo_loc *loc);

/* Time.Format. */
void tgo_format(strbuf *sb, tgo_time t, const char *layout, size_t n);

/* time.Parse (default location UTC, zone names looked up in Local).  On
 * failure false, and err holds Go's message (ParseError text). */
bool tgo_parse(const char *layout, size_t ln, const char *value, size_t vn, tgo_time *out, strbuf *err);

/* time.ParseDuration; err holds Go's message on failure. */
bool tgo_parse_duration(const char *s, size_t n, int64_t *out, strbuf *err);

/* The weekday name ("Sunday"...). */
const char *tgo_weekday_name(int wday);

/* The layout a name from OPA's list of Go constants ("RFC3339", "ANSIC",
 * ...) stands for, or NULL. */
const char *tgo_named_layout(const char *name, size_t n);

#endif
