/* time_go.c — Go's time package semantics for the time.* builtins: civil
 * dates, IANA zones from TZif files, Format/Parse layouts and
 * ParseDuration.  See time_go.h.
 *
 * Behaviour follows Go's src/time (format.go, zoneinfo.go,
 * zoneinfo_read.go, time.go); error texts are Go's, because OPA passes them
 * through to policy authors. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "time_go.h"

#define SECS_PER_DAY 86400
#define ALPHA INT64_MIN
#define OMEGA INT64_MAX

/* ------------------------------------------------------------------ */
/* civil calendar (proleptic Gregorian), days counted from 1970-01-01  */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

static const int days_before[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

static int days_in(int m, int64_t y)
{
    if (m == 2 && is_leap(y))
        return 29;
    return days_before[m] - days_before[m - 1];
}

static const char *const long_day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                             "Thursday", "Friday", "Saturday"};
static const char *const short_day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const short_month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const long_month_names[] = {"January", "February", "March",     "April",
                                               "May",     "June",     "July",      "August",
                                               "September", "October", "November", "December"};

const char *tgo_weekday_name(int wday) { return long_day_names[wday]; }

/* ------------------------------------------------------------------ */
/* locations                                                          */

const tgo_loc tgo_utc = {"UTC", 0, NULL, 0, NULL, NULL, NULL};

/* POSIX TZ strings (the TZif footer), as Go's tzset reads them. */

typedef struct tz_rule {
    int kind;   /* 0 Julian day (1..365, no leap day), 1 day of year (0..365), 2 month.week.day */
    int day, week, mon;
    int time;   /* seconds after local midnight */
} tz_rule;

static bool tzset_name(const char **s, const char *end, const char **name, size_t *n)
{
    const char *p = *s;
    if (p >= end)
        return false;
    if (*p != '<') {
        const char *q = p;
        while (q < end && !(*q >= '0' && *q <= '9') && *q != ',' && *q != '-' && *q != '+')
            q++;
        if (q - p < 3)
            return false;
        *name = p;
        *n = (size_t)(q - p);
        *s = q;
        return true;
    }
    const char *q = memchr(p, '>', (size_t)(end - p));
    if (!q)
        return false;
    *name = p + 1;
    *n = (size_t)(q - p - 1);
    *s = q + 1;
    return true;
}

static bool tzset_num(const char **s, const char *end, int min, int max, int *out)
{
    const char *p = *s;
    int num = 0;
    if (p >= end)
        return false;
    const char *q = p;
    while (q < end && *q >= '0' && *q <= '9') {
        num = num * 10 + (*q - '0');
        if (num > max)
            return false;
        q++;
    }
    if (q == p || num < min)
        return false;
    *out = num;
    *s = q;
    return true;
}

static bool tzset_offset(const char **s, const char *end, int *out)
{
    const char *p = *s;
    if (p >= end)
        return false;
    bool neg = false;
    if (*p == '+') {
        p++;
    } else if (*p == '-') {
        p++;
        neg = true;
    }
    int hours, mins = 0, secs = 0;
    if (!tzset_num(&p, end, 0, 24 * 7, &hours))
        return false;
    if (p < end && *p == ':') {
        p++;
        if (!tzset_num(&p, end, 0, 59, &mins))
            return false;
        if (p < end && *p == ':') {
            p++;
            if (!tzset_num(&p, end, 0, 59, &secs))
                return false;
        }
    }
    int off = hours * 3600 + mins * 60 + secs;
    *out = neg ? -off : off;
    *s = p;
    return true;
}

static bool tzset_rule(const char **s, const char *end, tz_rule *r)
{
    const char *p = *s;
    memset(r, 0, sizeof *r);
    if (p >= end)
        return false;
    if (*p == 'J') {
        p++;
        if (!tzset_num(&p, end, 1, 365, &r->day))
            return false;
        r->kind = 0;
    } else if (*p == 'M') {
        p++;
        if (!tzset_num(&p, end, 1, 12, &r->mon) || p >= end || *p != '.')
            return false;
        p++;
        if (!tzset_num(&p, end, 1, 5, &r->week) || p >= end || *p != '.')
            return false;
        p++;
        if (!tzset_num(&p, end, 0, 6, &r->day))
            return false;
        r->kind = 2;
    } else {
        if (!tzset_num(&p, end, 0, 365, &r->day))
            return false;
        r->kind = 1;
    }
    r->time = 2 * 3600;
    if (p < end && *p == '/') {
        p++;
        if (!tzset_offset(&p, end, &r->time))
            return false;
    }
    *s = p;
    return true;
}

/* Seconds since the start of year (UTC) at which rule r takes effect. */
static int64_t tzrule_time(int64_t year, const tz_rule *r, int off)
{
    int64_t s = 0;
    switch (r->kind) {
    case 0:
        s = (int64_t)(r->day - 1) * SECS_PER_DAY;
        if (is_leap(year) && r->day >= 60)
            s += SECS_PER_DAY;
        break;
    case 1:
        s = (int64_t)r->day * SECS_PER_DAY;
        break;
    default: {
        /* Zeller's congruence: weekday of the first of the month. */
        int64_t m1 = (r->mon + 9) % 12 + 1;
        int64_t yy0 = year;
        if (r->mon <= 2)
            yy0--;
        int64_t yy1 = yy0 / 100, yy2 = yy0 % 100;
        int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
        if (dow < 0)
            dow += 7;
        int64_t d = r->day - dow;
        if (d < 0)
            d += 7;
        for (int i = 1; i < r->week; i++) {
            if (d + 7 >= days_in(r->mon, year))
                break;
            d += 7;
        }
        d += days_before[r->mon - 1];
        if (is_leap(year) && r->mon > 2)
            d++;
        s = d * SECS_PER_DAY;
        break;
    }
    }
    return s + r->time - off;
}

/* Go's tzset: the zone a POSIX TZ string gives for Unix second sec; the
 * name is copied into namebuf. */
static bool tz_rule_lookup(const char *str, int64_t init_end, int64_t sec, const char **name, int *offset,
                  int64_t *start, int64_t *end, char *namebuf, size_t namebufn)
{
    const char *s = str, *e = str + strlen(str);
    const char *std_name, *dst_name;
    size_t std_n, dst_n;
    int std_off, dst_off;
    if (!tzset_name(&s, e, &std_name, &std_n) || !tzset_offset(&s, e, &std_off))
        return false;
    std_off = -std_off;
    if (s == e || *s == ',') {
        if (std_n >= namebufn)
            std_n = namebufn - 1;
        memcpy(namebuf, std_name, std_n);
        namebuf[std_n] = 0;
        *name = namebuf;
        *offset = std_off;
        *start = init_end;
        *end = OMEGA;
        return true;
    }
    if (!tzset_name(&s, e, &dst_name, &dst_n))
        return false;
    if (s == e || *s == ',') {
        dst_off = std_off + 3600;
    } else {
        if (!tzset_offset(&s, e, &dst_off))
            return false;
        dst_off = -dst_off;
    }
    const char *rules = s;
    const char *rules_end = e;
    static const char default_rules[] = ",M3.2.0,M11.1.0";
    if (s == e) {
        rules = default_rules;
        rules_end = default_rules + sizeof default_rules - 1;
    }
    if (*rules != ',' && *rules != ';')
        return false;
    rules++;
    tz_rule r1, r2;
    if (!tzset_rule(&rules, rules_end, &r1) || rules >= rules_end || *rules != ',')
        return false;
    rules++;
    if (!tzset_rule(&rules, rules_end, &r2) || rules != rules_end)
        return false;

    int64_t days = floor_div(sec, SECS_PER_DAY);
    int64_t year;
    int mo, dd;
    civil_from_days(days, &year, &mo, &dd);
    int64_t year_start_days = days_from_civil(year, 1, 1);
    int64_t ysec = (days - year_start_days) * SECS_PER_DAY + floor_mod(sec, SECS_PER_DAY);
    int64_t abs = year_start_days * SECS_PER_DAY;

    int64_t start_sec = tzrule_time(year, &r1, std_off);
    int64_t end_sec = tzrule_time(year, &r2, dst_off);
    if (end_sec < start_sec) {
        int64_t t = start_sec;
        start_sec = end_sec;
        end_sec = t;
        const char *tn = std_name;
        std_name = dst_name;
        dst_name = tn;
        size_t tl = std_n;
        std_n = dst_n;
        dst_n = tl;
        int to = std_off;
        std_off = dst_off;
        dst_off = to;
    }
    const char *nm;
    size_t nn;
    if (ysec < start_sec) {
        nm = std_name, nn = std_n;
        *offset = std_off;
        *start = abs;
        *end = start_sec + abs;
    } else if (ysec >= end_sec) {
        nm = std_name, nn = std_n;
        *offset = std_off;
        *start = end_sec + abs;
        *end = abs + 365 * SECS_PER_DAY;
    } else {
        nm = dst_name, nn = dst_n;
        *offset = dst_off;
        *start = start_sec + abs;
        *end = end_sec + abs;
    }
    if (nn >= namebufn)
        nn = namebufn - 1;
    memcpy(namebuf, nm, nn);
    namebuf[nn] = 0;
    *name = namebuf;
    return true;
}

static int lookup_first_zone(const tgo_loc *l)
{
    bool first_used = false;
    for (int i = 0; i < l->ntx; i++)
        if (l->tx_index[i] == 0) {
            first_used = true;
            break;
        }
    if (!first_used)
        return 0;
    if (l->ntx > 0 && l->zone[l->tx_index[0]].isdst)
        for (int zi = (int)l->tx_index[0] - 1; zi >= 0; zi--)
            if (!l->zone[zi].isdst)
                return zi;
    for (int zi = 0; zi < l->nzone; zi++)
        if (!l->zone[zi].isdst)
            return zi;
    return 0;
}

/* Names produced from a TZ rule are copied into thread-local storage: the
 * caller uses them before its next lookup. */
static _Thread_local char tz_namebuf[2][64];
static _Thread_local int tz_namebuf_next;

void tgo_lookup(const tgo_loc *l, int64_t sec, const char **name, int *offset, int64_t *start, int64_t *end)
{
    if (l->nzone == 0) {
        *name = "UTC";
        *offset = 0;
        *start = ALPHA;
        *end = OMEGA;
        return;
    }
    if (l->ntx == 0 || sec < l->tx_when[0]) {
        const tgo_zone *z = &l->zone[lookup_first_zone(l)];
        *name = z->name;
        *offset = z->offset;
        *start = ALPHA;
        *end = l->ntx > 0 ? l->tx_when[0] : OMEGA;
        return;
    }
    int64_t e = OMEGA;
    int lo = 0, hi = l->ntx;
    while (hi - lo > 1) {
        int m = lo + (hi - lo) / 2;
        int64_t lim = l->tx_when[m];
        if (sec < lim) {
            e = lim;
            hi = m;
        } else {
            lo = m;
        }
    }
    const tgo_zone *z = &l->zone[l->tx_index[lo]];
    *name = z->name;
    *offset = z->offset;
    *start = l->tx_when[lo];
    *end = e;
    if (lo == l->ntx - 1 && l->extend) {
        char *buf = tz_namebuf[tz_namebuf_next];
        tz_namebuf_next ^= 1;
        const char *en;
        int eo;
        int64_t es, ee;
        if (tz_rule_lookup(l->extend, *start, sec, &en, &eo, &es, &ee, buf, sizeof tz_namebuf[0])) {
            *name = en;
            *offset = eo;
            *start = es;
            *end = ee;
        }
    }
}

/* Location.lookupName: the offset of the zone called name in effect near
 * the given pseudo-Unix time. */
static bool lookup_name(const tgo_loc *l, const char *name, size_t n, int64_t unix, int *offset)
{
    for (int i = 0; i < l->nzone; i++) {
        const tgo_zone *z = &l->zone[i];
        if (strlen(z->name) == n && memcmp(z->name, name, n) == 0) {
            const char *nm;
            int off;
            int64_t s, e;
            tgo_lookup(l, unix - z->offset, &nm, &off, &s, &e);
            if (strcmp(nm, z->name) == 0) {
                *offset = off;
                return true;
            }
        }
    }
    for (int i = 0; i < l->nzone; i++) {
        const tgo_zone *z = &l->zone[i];
        if (strlen(z->name) == n && memcmp(z->name, name, n) == 0) {
            *offset = z->offset;
            return true;
        }
    }
    return false;
}

/* ---- reading TZif data ---- */

typedef struct rd {
    const unsigned char *p;
    size_t n;
    bool err;
} rd;

static const unsigned char *rd_take(rd *r, size_t n)
{
    if (r->err || r->n < n) {
        r->err = true;
        r->n = 0;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    r->n -= n;
    return p;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* One allocation holds the location and everything it points to. */
static tgo_loc *loc_from_tzdata(const char *name, const unsigned char *data, size_t len)
{
    rd d = {data, len, false};
    const unsigned char *magic = rd_take(&d, 4);
    if (!magic || memcmp(magic, "TZif", 4) != 0)
        return NULL;
    const unsigned char *hdr = rd_take(&d, 16);
    if (!hdr)
        return NULL;
    int version;
    switch (hdr[0]) {
    case 0: version = 1; break;
    case '2': version = 2; break;
    case '3': version = 3; break;
    case '4': version = 4; break;
    default: return NULL;
    }
    enum { NUTCLOCAL, NSTDWALL, NLEAP, NTIME, NZONE, NCHAR };
    size_t n[6];
    for (int i = 0; i < 6; i++) {
        const unsigned char *p = rd_take(&d, 4);
        if (!p)
            return NULL;
        n[i] = be32(p);
    }
    bool is64 = false;
    if (version > 1) {
        size_t skip = n[NTIME] * 4 + n[NTIME] + n[NZONE] * 6 + n[NCHAR] + n[NLEAP] * 8 + n[NSTDWALL] +
                      n[NUTCLOCAL] + 4 + 16;
        rd_take(&d, skip);
        is64 = true;
        for (int i = 0; i < 6; i++) {
            const unsigned char *p = rd_take(&d, 4);
            if (!p)
                return NULL;
            n[i] = be32(p);
        }
    }
    size_t size = is64 ? 8 : 4;
    if (n[NTIME] > len || n[NZONE] > len || n[NCHAR] > len || n[NLEAP] > len)
        return NULL;
    const unsigned char *txtimes = rd_take(&d, n[NTIME] * size);
    const unsigned char *txzones = rd_take(&d, n[NTIME]);
    const unsigned char *zonedata = rd_take(&d, n[NZONE] * 6);
    const unsigned char *abbrev = rd_take(&d, n[NCHAR]);
    rd_take(&d, n[NLEAP] * (size + 4));
    rd_take(&d, n[NSTDWALL]);
    rd_take(&d, n[NUTCLOCAL]);
    if (d.err)
        return NULL;
    const unsigned char *rest = d.p;
    size_t restn = d.n;
    const unsigned char *ext = NULL;
    size_t extn = 0;
    if (restn > 2 && rest[0] == '\n' && rest[restn - 1] == '\n') {
        ext = rest + 1;
        extn = restn - 2;
    }
    size_t nzone = n[NZONE];
    if (nzone == 0)
        return NULL;
    size_t ntx = n[NTIME] ? n[NTIME] : 1;
    size_t namelen = strlen(name);
    size_t total = sizeof(tgo_loc) + nzone * sizeof(tgo_zone) + ntx * sizeof(int64_t) + ntx +
                   (n[NCHAR] + 1) + (extn + 1) + (namelen + 1) + 16;
    char *mem = calloc(1, total);
    if (!mem)
        return NULL;
    tgo_loc *l = (tgo_loc *)mem;
    char *p = mem + sizeof(tgo_loc);
    tgo_zone *zones = (tgo_zone *)p;
    p += nzone * sizeof(tgo_zone);
    int64_t *when = (int64_t *)p;
    p += ntx * sizeof(int64_t);
    uint8_t *idx = (uint8_t *)p;
    p += ntx;
    char *abbr = p;
    memcpy(abbr, abbrev, n[NCHAR]);
    abbr[n[NCHAR]] = 0;
    p += n[NCHAR] + 1;
    char *extend = NULL;
    if (ext) {
        extend = p;
        memcpy(extend, ext, extn);
        extend[extn] = 0;
        p += extn + 1;
    }
    char *nm = p;
    memcpy(nm, name, namelen + 1);

    for (size_t i = 0; i < nzone; i++) {
        const unsigned char *z = zonedata + i * 6;
        zones[i].offset = (int32_t)be32(z);
        zones[i].isdst = z[4] != 0;
        if (z[5] >= n[NCHAR]) {
            free(mem);
            return NULL;
        }
        zones[i].name = abbr + z[5];   /* NUL-terminated at the next NUL (byteString) */
    }
    for (size_t i = 0; i < n[NTIME]; i++) {
        if (is64)
            when[i] = (int64_t)((uint64_t)be32(txtimes + i * 8) << 32 | be32(txtimes + i * 8 + 4));
        else
            when[i] = (int32_t)be32(txtimes + i * 4);
        if (txzones[i] >= nzone) {
            free(mem);
            return NULL;
        }
        idx[i] = txzones[i];
    }
    if (n[NTIME] == 0) {
        /* A fake transition covering all time (fixed zones such as Etc/GMT+5). */
        when[0] = ALPHA;
        idx[0] = 0;
    }
    l->name = nm;
    l->nzone = (int)nzone;
    l->zone = zones;
    l->ntx = (int)ntx;
    l->tx_when = when;
    l->tx_index = idx;
    l->extend = extend;
    return l;
}

/* Reads a whole file (at most 10 MB).  0 on success; otherwise an errno. */
static int read_file(const char *path, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return EISDIR;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return ENOMEM;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= (10u << 20)) {
                free(buf);
                close(fd);
                return EFBIG;
            }
            cap *= 2;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                close(fd);
                return ENOMEM;
            }
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
}

static const char *const zone_sources[] = {
    "/usr/share/zoneinfo/",
    "/usr/share/lib/zoneinfo/",
    "/usr/lib/locale/TZ/",
    "/etc/zoneinfo/",
};

/* Go's loadLocation over the given directories ("" for an absolute path):
 * the location, or NULL with the first meaningful error. */
static tgo_loc *load_from_sources(const char *name, const char *const *dirs, size_t ndirs, const char *zname,
                                  char *err, size_t errn)
{
    bool have_err = false;
    for (size_t i = 0; i < ndirs; i++) {
        char path[4096];
        int pn = snprintf(path, sizeof path, "%s%s", dirs[i], name);
        if (pn < 0 || (size_t)pn >= sizeof path)
            continue;
        unsigned char *data = NULL;
        size_t len = 0;
        int e = read_file(path, &data, &len);
        if (e == 0) {
            tgo_loc *l = loc_from_tzdata(zname, data, len);
            free(data);
            if (l)
                return l;
            if (!have_err) {
                snprintf(err, errn, "malformed time zone information");
                have_err = true;
            }
            continue;
        }
        if (!have_err && e != ENOENT) {
            /* Go reports the bare system error, as its syscall.Errno text */
            const char *msg;
            switch (e) {
            case EISDIR: msg = "is a directory"; break;
            case ENOTDIR: msg = "not a directory"; break;
            case EACCES: msg = "permission denied"; break;
            case ENAMETOOLONG: msg = "file name too long"; break;
            case ELOOP: msg = "too many levels of symbolic links"; break;
            case EFBIG: msg = "file too large"; break;
            default: msg = strerror(e); break;
            }
            snprintf(err, errn, "%s", msg);
            have_err = true;
        }
    }
    if (!have_err)
        snprintf(err, errn, "unknown time zone %s", name);
    return NULL;
}

/* Process-wide cache of loaded locations (like OPA's tzCache).  Entries are
 * never freed: they are few and shared by every evaluation. */
typedef struct loc_entry {
    struct loc_entry *next;
    tgo_loc *loc;
} loc_entry;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static loc_entry *cache_head;

static tgo_loc local_loc;
static tgo_loc *local_loaded;
static pthread_once_t local_once = PTHREAD_ONCE_INIT;

static void init_local(void)
{
    char err[256];
    const char *tz = getenv("TZ");
    tgo_loc *l = NULL;
    if (!tz) {
        static const char *const etc[] = {"/etc/"};
        l = load_from_sources("localtime", etc, 1, "Local", err, sizeof err);
    } else if (*tz) {
        if (*tz == ':')
            tz++;
        if (*tz == '/') {
            static const char *const root[] = {""};
            l = load_from_sources(tz, root, 1, strcmp(tz, "/etc/localtime") == 0 ? "Local" : tz, err,
                                  sizeof err);
        } else if (*tz && strcmp(tz, "UTC") != 0) {
            l = load_from_sources(tz, zone_sources, sizeof zone_sources / sizeof zone_sources[0], tz, err,
                                  sizeof err);
        }
    }
    if (l) {
        local_loaded = l;
        local_loc = *l;
    } else {
        local_loc = tgo_utc;
    }
}

const tgo_loc *tgo_local(void)
{
    pthread_once(&local_once, init_local);
    return &local_loc;
}

const tgo_loc *tgo_load_location(const char *name, char *err, size_t errn)
{
    if (!*name || strcmp(name, "UTC") == 0)
        return &tgo_utc;
    if (strcmp(name, "Local") == 0)
        return tgo_local();
    if (strstr(name, "..") || name[0] == '/' || name[0] == '\\') {
        snprintf(err, errn, "time: invalid location name");
        return NULL;
    }
    pthread_mutex_lock(&cache_mu);
    for (loc_entry *e = cache_head; e; e = e->next)
        if (strcmp(e->loc->name, name) == 0) {
            pthread_mutex_unlock(&cache_mu);
            return e->loc;
        }
    tgo_loc *l = NULL;
    const char *zi = getenv("ZONEINFO");
    if (zi && *zi) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/", zi);
        const char *dirs[] = {dir};
        char tmp[256];
        l = load_from_sources(name, dirs, 1, name, tmp, sizeof tmp);
    }
    if (!l)
        l = load_from_sources(name, zone_sources, sizeof zone_sources / sizeof zone_sources[0], name, err, errn);
    if (l) {
        loc_entry *e = malloc(sizeof *e);
        if (e) {
            e->loc = l;
            e->next = cache_head;
            cache_head = e;
        }
        /* Without memory for the entry, the location still serves this
         * call; it is simply not cached (and not freed). */
    }
    pthread_mutex_unlock(&cache_mu);
    return l;
}

/* ------------------------------------------------------------------ */
/* instants and civil time                                            */

void tgo_civil_of(tgo_time t, tgo_civil *c)
{
    const char *name;
    int offset;
    int64_t s, e;
    tgo_lookup(t.loc, t.sec, &name, &offset, &s, &e);
    int64_t local = t.sec + offset;
    int64_t days = floor_div(local, SECS_PER_DAY);
    int64_t secs = local - days * SECS_PER_DAY;
    civil_from_days(days, &c->year, &c->month, &c->day);
    c->yday = (int)(days - days_from_civil(c->year, 1, 1)) + 1;
    c->hour = (int)(secs / 3600);
    c->min = (int)(secs / 60 % 60);
    c->sec = (int)(secs % 60);
    c->wday = (int)floor_mod(days + 4, 7);
    c->zone = name;
    c->offset = offset;
}

bool tgo_date(int64_t year, int64_t month, int64_t day, int hour, int min, int sec, int nsec,
              const tgo_loc *loc, tgo_time *out)
{
    /* Go's norm() on (year, month-1), then on the clock fields. */
    __int128 y = year;
    __int128 m = (__int128)month - 1;
    __int128 q = m / 12, r = m % 12;
    if (r < 0) {
        r += 12;
        q--;
    }
    y += q;
    int mon = (int)r + 1;
    __int128 d = day;
    int64_t tsec = (int64_t)sec, tnsec = nsec;
    tsec += floor_div(tnsec, 1000000000);
    tnsec = floor_mod(tnsec, 1000000000);
    int64_t tmin = (int64_t)min + floor_div(tsec, 60);
    tsec = floor_mod(tsec, 60);
    int64_t thour = (int64_t)hour + floor_div(tmin, 60);
    tmin = floor_mod(tmin, 60);
    d += floor_div(thour, 24);
    thour = floor_mod(thour, 24);

    /* Far beyond anything representable in nanoseconds: say so rather than
     * wrap around as Go's fixed-width arithmetic would. */
    if (y > (__int128)100000000000LL || y < -(__int128)100000000000LL)
        return false;
    if (d > (__int128)4000000000000000LL || d < -(__int128)4000000000000000LL)
        return false;
    __int128 days = (__int128)days_from_civil((int64_t)y, mon, 1) + d - 1;
    __int128 unix = days * SECS_PER_DAY + thour * 3600 + tmin * 60 + tsec;
    if (unix > ((__int128)1 << 62) || unix < -((__int128)1 << 62))
        return false;
    int64_t u = (int64_t)unix;
    const char *name;
    int offset;
    int64_t start, end;
    tgo_lookup(loc, u, &name, &offset, &start, &end);
    if (offset != 0) {
        int64_t utc = u - offset;
        if (utc < start || utc >= end)
            tgo_lookup(loc, utc, &name, &offset, &start, &end);
        u -= offset;
    }
    out->sec = u;
    out->nsec = (int32_t)tnsec;
    out->loc = loc;
    return true;
}

/* Unix(0, MinInt64) and Unix(0, MaxInt64). */
#define MIN_SEC (-9223372037LL)
#define MIN_NSEC 145224192
#define MAX_SEC 9223372036LL
#define MAX_NSEC 854775807

bool tgo_unix_nano(tgo_time t, int64_t *ns)
{
    if (t.sec < MIN_SEC || (t.sec == MIN_SEC && t.nsec < MIN_NSEC))
        return false;
    if (t.sec > MAX_SEC || (t.sec == MAX_SEC && t.nsec > MAX_NSEC))
        return false;
    /* Computed so that the extremes do not overflow on the way. */
    if (t.sec < 0)
        *ns = (t.sec + 1) * 1000000000LL + (t.nsec - 1000000000LL);
    else
        *ns = t.sec * 1000000000LL + t.nsec;
    return true;
}

tgo_time tgo_from_unix_nano(int64_t ns, const tgo_loc *loc)
{
    tgo_time t;
    t.sec = ns / 1000000000LL;
    int64_t r = ns % 1000000000LL;
    if (r < 0) {
        r += 1000000000LL;
        t.sec--;
    }
    t.nsec = (int32_t)r;
    t.loc = loc;
    return t;
}

/* ------------------------------------------------------------------ */
/* layouts                                                            */

enum {
    STD_NONE = 0,
    STD_LONG_MONTH,
    STD_MONTH,
    STD_NUM_MONTH,
    STD_ZERO_MONTH,
    STD_LONG_WEEKDAY,
    STD_WEEKDAY,
    STD_DAY,
    STD_UNDER_DAY,
    STD_ZERO_DAY,
    STD_UNDER_YEARDAY,
    STD_ZERO_YEARDAY,
    STD_HOUR,
    STD_HOUR12,
    STD_ZERO_HOUR12,
    STD_MINUTE,
    STD_ZERO_MINUTE,
    STD_SECOND,
    STD_ZERO_SECOND,
    STD_LONG_YEAR,
    STD_YEAR,
    STD_PM_UPPER,
    STD_PM_LOWER,
    STD_TZ,
    STD_ISO_TZ,             /* Z0700 */
    STD_ISO_SECONDS_TZ,     /* Z070000 */
    STD_ISO_SHORT_TZ,       /* Z07 */
    STD_ISO_COLON_TZ,       /* Z07:00 */
    STD_ISO_COLON_SECONDS_TZ, /* Z07:00:00 */
    STD_NUM_TZ,             /* -0700 */
    STD_NUM_SECONDS_TZ,     /* -070000 */
    STD_NUM_SHORT_TZ,       /* -07 */
    STD_NUM_COLON_TZ,       /* -07:00 */
    STD_NUM_COLON_SECONDS_TZ, /* -07:00:00 */
    STD_FRAC0,              /* .000 */
    STD_FRAC9,              /* .999 */
};

typedef struct chunk {
    size_t prefix;      /* bytes of literal text before the element */
    int std;            /* STD_NONE: no element; the whole rest is literal */
    size_t stdlen;      /* bytes of the element in the layout */
    int ndigits;        /* fractional seconds: digits in the layout (mod 4096) */
    char sep;           /* fractional seconds: '.' or ',' */
} chunk;

static bool starts_lower(const char *s, size_t n) { return n > 0 && s[0] >= 'a' && s[0] <= 'z'; }

static bool has(const char *s, size_t n, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    return n >= i + k && memcmp(s + i, lit, k) == 0;
}

static bool digit_at(const char *s, size_t n, size_t i) { return i < n && s[i] >= '0' && s[i] <= '9'; }

/* nextStdChunk: the first layout element in s[0..n). */
static chunk next_chunk(const char *s, size_t n)
{
    chunk c = {0, STD_NONE, 0, 0, '.'};
    static const int std0x[] = {STD_ZERO_MONTH, STD_ZERO_DAY, STD_ZERO_HOUR12, STD_ZERO_MINUTE, STD_ZERO_SECOND,
                                STD_YEAR};
    for (size_t i = 0; i < n; i++) {
        int std = STD_NONE;
        size_t len = 0, pre = i;
        switch (s[i]) {
        case 'J':
            if (has(s, n, i, "Jan")) {
                if (has(s, n, i, "January"))
                    std = STD_LONG_MONTH, len = 7;
                else if (!starts_lower(s + i + 3, n - i - 3))
                    std = STD_MONTH, len = 3;
            }
            break;
        case 'M':
            if (n >= i + 3) {
                if (has(s, n, i, "Mon")) {
                    if (has(s, n, i, "Monday")) {
                        std = STD_LONG_WEEKDAY, len = 6;
                        break;
                    }
                    if (!starts_lower(s + i + 3, n - i - 3)) {
                        std = STD_WEEKDAY, len = 3;
                        break;
                    }
                }
                if (has(s, n, i, "MST"))
                    std = STD_TZ, len = 3;
            }
            break;
        case '0':
            if (n >= i + 2 && s[i + 1] >= '1' && s[i + 1] <= '6')
                std = std0x[s[i + 1] - '1'], len = 2;
            else if (n >= i + 3 && s[i + 1] == '0' && s[i + 2] == '2')
                std = STD_ZERO_YEARDAY, len = 3;
            break;
        case '1':
            if (n >= i + 2 && s[i + 1] == '5')
                std = STD_HOUR, len = 2;
            else
                std = STD_NUM_MONTH, len = 1;
            break;
        case '2':
            if (has(s, n, i, "2006"))
                std = STD_LONG_YEAR, len = 4;
            else
                std = STD_DAY, len = 1;
            break;
        case '_':
            if (n >= i + 2 && s[i + 1] == '2') {
                if (n >= i + 5 && memcmp(s + i + 1, "2006", 4) == 0) {
                    /* "_2006" is a literal underscore, then the year */
                    pre = i + 1;
                    std = STD_LONG_YEAR, len = 4;
                } else {
                    std = STD_UNDER_DAY, len = 2;
                }
            } else if (n >= i + 3 && s[i + 1] == '_' && s[i + 2] == '2') {
                std = STD_UNDER_YEARDAY, len = 3;
            }
            break;
        case '3':
            std = STD_HOUR12, len = 1;
            break;
        case '4':
            std = STD_MINUTE, len = 1;
            break;
        case '5':
            std = STD_SECOND, len = 1;
            break;
        case 'P':
            if (n >= i + 2 && s[i + 1] == 'M')
                std = STD_PM_UPPER, len = 2;
            break;
        case 'p':
            if (n >= i + 2 && s[i + 1] == 'm')
                std = STD_PM_LOWER, len = 2;
            break;
        case '-':
            if (has(s, n, i, "-070000"))
                std = STD_NUM_SECONDS_TZ, len = 7;
            else if (has(s, n, i, "-07:00:00"))
                std = STD_NUM_COLON_SECONDS_TZ, len = 9;
            else if (has(s, n, i, "-0700"))
                std = STD_NUM_TZ, len = 5;
            else if (has(s, n, i, "-07:00"))
                std = STD_NUM_COLON_TZ, len = 6;
            else if (has(s, n, i, "-07"))
                std = STD_NUM_SHORT_TZ, len = 3;
            break;
        case 'Z':
            if (has(s, n, i, "Z070000"))
                std = STD_ISO_SECONDS_TZ, len = 7;
            else if (has(s, n, i, "Z07:00:00"))
                std = STD_ISO_COLON_SECONDS_TZ, len = 9;
            else if (has(s, n, i, "Z0700"))
                std = STD_ISO_TZ, len = 5;
            else if (has(s, n, i, "Z07:00"))
                std = STD_ISO_COLON_TZ, len = 6;
            else if (has(s, n, i, "Z07"))
                std = STD_ISO_SHORT_TZ, len = 3;
            break;
        case '.':
        case ',':
            if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '9')) {
                char ch = s[i + 1];
                size_t j = i + 1;
                while (j < n && s[j] == ch)
                    j++;
                if (!digit_at(s, n, j)) {
                    c.prefix = i;
                    c.std = ch == '9' ? STD_FRAC9 : STD_FRAC0;
                    c.stdlen = j - i;
                    c.ndigits = (int)((j - (i + 1)) & 0xfff);
                    c.sep = s[i];
                    return c;
                }
            }
            break;
        default:
            break;
        }
        if (std != STD_NONE) {
            c.prefix = pre;
            c.std = std;
            c.stdlen = len;
            return c;
        }
    }
    c.prefix = n;
    return c;
}

/* appendInt: decimal x, zero-padded to width (the sign not counted). */
static void put_int(strbuf *sb, int64_t x, int width)
{
    char buf[32];
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    if (x < 0)
        sb_putc(sb, '-');
    int n = 0;
    do {
        buf[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (int pad = width - n; pad > 0; pad--)
        sb_putc(sb, '0');
    while (n > 0)
        sb_putc(sb, buf[--n]);
}

static void put_nano(strbuf *sb, int nsec, int std, int ndigits, char sep)
{
    bool trim = std == STD_FRAC9;
    if (trim && (ndigits == 0 || nsec == 0))
        return;
    char digits[10];
    snprintf(digits, sizeof digits, "%09d", nsec);
    int n = ndigits < 9 ? ndigits : 9;
    if (trim) {
        while (n > 0 && digits[n - 1] == '0')
            n--;
        if (n == 0)
            return;
    }
    sb_putc(sb, sep);
    sb_append(sb, digits, (size_t)n);
}

void tgo_format(strbuf *sb, tgo_time t, const char *layout, size_t n)
{
    tgo_civil c;
    tgo_civil_of(t, &c);
    /* touch the buffer so that an empty result is still a valid string */
    sb_reserve(sb, n + 16);
    while (n > 0) {
        chunk ch = next_chunk(layout, n);
        if (ch.prefix)
            sb_append(sb, layout, ch.prefix);
        if (ch.std == STD_NONE)
            break;
        layout += ch.prefix + ch.stdlen;
        n -= ch.prefix + ch.stdlen;
        switch (ch.std) {
        case STD_YEAR: {
            int64_t y = c.year < 0 ? -c.year : c.year;
            put_int(sb, y % 100, 2);
            break;
        }
        case STD_LONG_YEAR:
            put_int(sb, c.year, 4);
            break;
        case STD_MONTH:
            sb_puts(sb, short_month_names[c.month - 1]);
            break;
        case STD_LONG_MONTH:
            sb_puts(sb, long_month_names[c.month - 1]);
            break;
        case STD_NUM_MONTH:
            put_int(sb, c.month, 0);
            break;
        case STD_ZERO_MONTH:
            put_int(sb, c.month, 2);
            break;
        case STD_WEEKDAY:
            sb_puts(sb, short_day_names[c.wday]);
            break;
        case STD_LONG_WEEKDAY:
            sb_puts(sb, long_day_names[c.wday]);
            break;
        case STD_DAY:
            put_int(sb, c.day, 0);
            break;
        case STD_UNDER_DAY:
            if (c.day < 10)
                sb_putc(sb, ' ');
            put_int(sb, c.day, 0);
            break;
        case STD_ZERO_DAY:
            put_int(sb, c.day, 2);
            break;
        case STD_UNDER_YEARDAY:
            if (c.yday < 100) {
                sb_putc(sb, ' ');
                if (c.yday < 10)
                    sb_putc(sb, ' ');
            }
            put_int(sb, c.yday, 0);
            break;
        case STD_ZERO_YEARDAY:
            put_int(sb, c.yday, 3);
            break;
        case STD_HOUR:
            put_int(sb, c.hour, 2);
            break;
        case STD_HOUR12:
        case STD_ZERO_HOUR12: {
            int hr = c.hour % 12;
            if (hr == 0)
                hr = 12;
            put_int(sb, hr, ch.std == STD_HOUR12 ? 0 : 2);
            break;
        }
        case STD_MINUTE:
            put_int(sb, c.min, 0);
            break;
        case STD_ZERO_MINUTE:
            put_int(sb, c.min, 2);
            break;
        case STD_SECOND:
            put_int(sb, c.sec, 0);
            break;
        case STD_ZERO_SECOND:
            put_int(sb, c.sec, 2);
            break;
        case STD_PM_UPPER:
            sb_puts(sb, c.hour >= 12 ? "PM" : "AM");
            break;
        case STD_PM_LOWER:
            sb_puts(sb, c.hour >= 12 ? "pm" : "am");
            break;
        case STD_ISO_TZ:
        case STD_ISO_COLON_TZ:
        case STD_ISO_SECONDS_TZ:
        case STD_ISO_SHORT_TZ:
        case STD_ISO_COLON_SECONDS_TZ:
        case STD_NUM_TZ:
        case STD_NUM_COLON_TZ:
        case STD_NUM_SECONDS_TZ:
        case STD_NUM_SHORT_TZ:
        case STD_NUM_COLON_SECONDS_TZ: {
            bool iso = ch.std >= STD_ISO_TZ && ch.std <= STD_ISO_COLON_SECONDS_TZ;
            if (c.offset == 0 && iso) {
                sb_putc(sb, 'Z');
                break;
            }
            int zone = c.offset / 60;
            int absoff = c.offset;
            if (zone < 0) {
                sb_putc(sb, '-');
                zone = -zone;
                absoff = -absoff;
            } else {
                sb_putc(sb, '+');
            }
            put_int(sb, zone / 60, 2);
            if (ch.std == STD_ISO_COLON_TZ || ch.std == STD_NUM_COLON_TZ || ch.std == STD_ISO_COLON_SECONDS_TZ ||
                ch.std == STD_NUM_COLON_SECONDS_TZ)
                sb_putc(sb, ':');
            if (ch.std != STD_NUM_SHORT_TZ && ch.std != STD_ISO_SHORT_TZ)
                put_int(sb, zone % 60, 2);
            if (ch.std == STD_ISO_SECONDS_TZ || ch.std == STD_NUM_SECONDS_TZ || ch.std == STD_NUM_COLON_SECONDS_TZ ||
                ch.std == STD_ISO_COLON_SECONDS_TZ) {
                if (ch.std == STD_NUM_COLON_SECONDS_TZ || ch.std == STD_ISO_COLON_SECONDS_TZ)
                    sb_putc(sb, ':');
                put_int(sb, absoff % 60, 2);
            }
            break;
        }
        case STD_TZ:
            if (c.zone && *c.zone) {
                sb_puts(sb, c.zone);
                break;
            } else {
                int zone = c.offset / 60;
                if (zone < 0) {
                    sb_putc(sb, '-');
                    zone = -zone;
                } else {
                    sb_putc(sb, '+');
                }
                put_int(sb, zone / 60, 2);
                put_int(sb, zone % 60, 2);
            }
            break;
        case STD_FRAC0:
        case STD_FRAC9:
            put_nano(sb, t.nsec, ch.std, ch.ndigits, ch.sep);
            break;
        default:
            break;
        }
    }
}

/* ---- parsing ---- */

/* The time package's own quote(): ASCII printable kept (with \" and \\
 * escaped), everything else as \x bytes. */
static void go_time_quote(strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sb_putc(sb, '"');
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || c < ' ') {
            /* the bytes of one rune (or one invalid byte) */
            size_t w = 1;
            if (c >= 0xC0) {
                size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                size_t k = 1;
                while (k < want && i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
                    k++;
                if (k == want)
                    w = want;
            }
            for (size_t j = 0; j < w; j++) {
                unsigned char b = (unsigned char)s[i + j];
                sb_putc(sb, '\\');
                sb_putc(sb, 'x');
                sb_putc(sb, hex[b >> 4]);
                sb_putc(sb, hex[b & 15]);
            }
            i += w;
        } else {
            if (c == '"' || c == '\\')
                sb_putc(sb, '\\');
            sb_putc(sb, (char)c);
            i++;
        }
    }
    sb_putc(sb, '"');
}

typedef struct str {
    const char *p;
    size_t n;
} str;

static str sub(str s, size_t from) { return (str){s.p + from, s.n - from}; }

static bool sdigit(str s, size_t i) { return i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; }

/* leadingInt: the leading [0-9]* (false on overflow past 1<<63). */
static bool leading_int(str s, uint64_t *x, str *rem)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.n; i++) {
        char c = s.p[i];
        if (c < '0' || c > '9')
            break;
        if (v > (1ULL << 63) / 10)
            return false;
        v = v * 10 + (uint64_t)(c - '0');
        if (v > (1ULL << 63))
            return false;
    }
    *x = v;
    *rem = sub(s, i);
    return true;
}

/* atoi: optional sign, digits, nothing else. */
static bool go_atoi(str s, int64_t *out)
{
    bool neg = false;
    if (s.n > 0 && (s.p[0] == '-' || s.p[0] == '+')) {
        neg = s.p[0] == '-';
        s = sub(s, 1);
    }
    uint64_t q;
    str rem;
    if (!leading_int(s, &q, &rem) || rem.n > 0)
        return false;
    int64_t x = (int64_t)q;
    *out = neg ? -x : x;
    return true;
}

static bool getnum(str *s, bool fixed, int *out)
{
    if (!sdigit(*s, 0))
        return false;
    if (!sdigit(*s, 1)) {
        if (fixed)
            return false;
        *out = s->p[0] - '0';
        *s = sub(*s, 1);
        return true;
    }
    *out = (s->p[0] - '0') * 10 + (s->p[1] - '0');
    *s = sub(*s, 2);
    return true;
}

static bool getnum3(str *s, bool fixed, int *out)
{
    int n = 0;
    size_t i = 0;
    for (; i < 3 && sdigit(*s, i); i++)
        n = n * 10 + (s->p[i] - '0');
    if (i == 0 || (fixed && i != 3))
        return false;
    *out = n;
    *s = sub(*s, i);
    return true;
}

/* skip: remove the literal prefix from value, runs of spaces matching
 * runs of spaces. */
static bool skip(str *value, str prefix)
{
    while (prefix.n > 0) {
        if (prefix.p[0] == ' ') {
            if (value->n > 0 && value->p[0] != ' ')
                return false;
            while (prefix.n > 0 && prefix.p[0] == ' ')
                prefix = sub(prefix, 1);
            while (value->n > 0 && value->p[0] == ' ')
                *value = sub(*value, 1);
            continue;
        }
        if (value->n == 0 || value->p[0] != prefix.p[0])
            return false;
        prefix = sub(prefix, 1);
        *value = sub(*value, 1);
    }
    return true;
}

static bool match_fold(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c1 = (unsigned char)a[i], c2 = (unsigned char)b[i];
        if (c1 != c2) {
            c1 |= 'a' - 'A';
            c2 |= 'a' - 'A';
            if (c1 != c2 || c1 < 'a' || c1 > 'z')
                return false;
        }
    }
    return true;
}

static bool lookup_tab(const char *const *tab, int ntab, str *value, int *idx)
{
    for (int i = 0; i < ntab; i++) {
        size_t k = strlen(tab[i]);
        if (value->n >= k && match_fold(value->p, tab[i], k)) {
            *idx = i;
            *value = sub(*value, k);
            return true;
        }
    }
    return false;
}

static size_t parse_signed_offset(str v)
{
    if (v.n == 0 || (v.p[0] != '-' && v.p[0] != '+'))
        return 0;
    uint64_t x;
    str rem;
    str rest = sub(v, 1);
    if (!leading_int(rest, &x, &rem) || rem.n == rest.n)
        return 0;
    if (x > 23)
        return 0;
    return v.n - rem.n;
}

static bool parse_time_zone(str v, size_t *len)
{
    if (v.n < 3)
        return false;
    if (v.n >= 4 && (memcmp(v.p, "ChST", 4) == 0 || memcmp(v.p, "MeST", 4) == 0)) {
        *len = 4;
        return true;
    }
    if (memcmp(v.p, "GMT", 3) == 0) {
        *len = v.n == 3 ? 3 : 3 + parse_signed_offset(sub(v, 3));
        return true;
    }
    if (v.p[0] == '+' || v.p[0] == '-') {
        *len = parse_signed_offset(v);
        return *len > 0;
    }
    size_t up = 0;
    for (; up < 6; up++) {
        if (up >= v.n)
            break;
        char c = v.p[up];
        if (c < 'A' || c > 'Z')
            break;
    }
    switch (up) {
    case 5:
        if (v.p[4] == 'T') {
            *len = 5;
            return true;
        }
        break;
    case 4:
        if (v.p[3] == 'T' || memcmp(v.p, "WITA", 4) == 0) {
            *len = 4;
            return true;
        }
        break;
    case 3:
        *len = 3;
        return true;
    default:
        break;
    }
    return false;
}

static bool comma_or_period(char c) { return c == '.' || c == ','; }

/* parseNanoseconds over value[0..nbytes): a separator then digits.
 * Returns 0 ok, 1 bad, 2 out of range. */
static int parse_nanoseconds(str value, size_t nbytes, int *ns)
{
    if (!comma_or_period(value.p[0]))
        return 1;
    if (nbytes > 10)
        nbytes = 10;
    int64_t x;
    if (!go_atoi((str){value.p + 1, nbytes - 1}, &x))
        return 1;
    if (x < 0)
        return 2;
    for (size_t i = 0; i < 10 - nbytes; i++)
        x *= 10;
    *ns = (int)x;
    return 0;
}

static void parse_error(strbuf *err, str layout, str value, str lelem, str velem, const char *msg)
{
    sb_reset(err);
    sb_puts(err, "parsing time ");
    go_time_quote(err, value.p, value.n);
    if (msg) {
        sb_puts(err, msg);
        return;
    }
    sb_puts(err, " as ");
    go_time_quote(err, layout.p, layout.n);
    sb_puts(err, ": cannot parse ");
    go_time_quote(err, velem.p, velem.n);
    sb_puts(err, " as ");
    go_time_quote(err, lelem.p, lelem.n);
}

bool tgo_parse(const char *layout_p, size_t ln, const char *value_p, size_t vn, tgo_time *out, strbuf *err)
{
    str alayout = {layout_p, ln}, avalue = {value_p, vn};
    str layout = alayout, value = avalue;
    const char *range_err = NULL;
    bool am_set = false, pm_set = false;
    int64_t year = 0;
    int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
    bool z_utc = false;
    int zone_offset = -1;
    str zone_name = {NULL, 0};

    for (;;) {
        chunk ch = next_chunk(layout.p, layout.n);
        str prefix = {layout.p, ch.prefix};
        str stdstr = {layout.p + ch.prefix, ch.stdlen};
        if (!skip(&value, prefix)) {
            parse_error(err, alayout, avalue, prefix, value, NULL);
            return false;
        }
        if (ch.std == STD_NONE) {
            if (value.n != 0) {
                strbuf m = STRBUF_INIT;
                sb_puts(&m, ": extra text: ");
                go_time_quote(&m, value.p, value.n);
                parse_error(err, alayout, avalue, (str){"", 0}, value, m.data);
                sb_free(&m);
                return false;
            }
            break;
        }
        layout = sub(layout, ch.prefix + ch.stdlen);
        str hold = value;
        bool bad = false;
        switch (ch.std) {
        case STD_YEAR: {
            if (value.n < 2) {
                bad = true;
                break;
            }
            str p = {value.p, 2};
            value = sub(value, 2);
            int64_t y;
            if (!go_atoi(p, &y)) {
                bad = true;
                break;
            }
            year = y >= 69 ? y + 1900 : y + 2000;
            break;
        }
        case STD_LONG_YEAR: {
            if (value.n < 4 || !sdigit(value, 0)) {
                bad = true;
                break;
            }
            str p = {value.p, 4};
            value = sub(value, 4);
            if (!go_atoi(p, &year))
                bad = true;
            break;
        }
        case STD_MONTH:
            bad = !lookup_tab(short_month_names, 12, &value, &month);
            month++;
            break;
        case STD_LONG_MONTH:
            bad = !lookup_tab(long_month_names, 12, &value, &month);
            month++;
            break;
        case STD_NUM_MONTH:
        case STD_ZERO_MONTH:
            bad = !getnum(&value, ch.std == STD_ZERO_MONTH, &month);
            if (!bad && (month <= 0 || month > 12))
                range_err = "month";
            break;
        case STD_WEEKDAY: {
            int wd;
            bad = !lookup_tab(short_day_names, 7, &value, &wd);
            break;
        }
        case STD_LONG_WEEKDAY: {
            int wd;
            bad = !lookup_tab(long_day_names, 7, &value, &wd);
            break;
        }
        case STD_DAY:
        case STD_UNDER_DAY:
        case STD_ZERO_DAY:
            if (ch.std == STD_UNDER_DAY && value.n > 0 && value.p[0] == ' ')
                value = sub(value, 1);
            bad = !getnum(&value, ch.std == STD_ZERO_DAY, &day);
            break;
        case STD_UNDER_YEARDAY:
        case STD_ZERO_YEARDAY:
            for (int i = 0; i < 2; i++)
                if (ch.std == STD_UNDER_YEARDAY && value.n > 0 && value.p[0] == ' ')
                    value = sub(value, 1);
            bad = !getnum3(&value, ch.std == STD_ZERO_YEARDAY, &yday);
            break;
        case STD_HOUR:
            hour = 0;
            bad = !getnum(&value, false, &hour);
            if (hour < 0 || hour >= 24)
                range_err = "hour";
            break;
        case STD_HOUR12:
        case STD_ZERO_HOUR12:
            hour = 0;
            bad = !getnum(&value, ch.std == STD_ZERO_HOUR12, &hour);
            if (hour < 0 || hour > 12)
                range_err = "hour";
            break;
        case STD_MINUTE:
        case STD_ZERO_MINUTE:
            min = 0;
            bad = !getnum(&value, ch.std == STD_ZERO_MINUTE, &min);
            if (min < 0 || min >= 60)
                range_err = "minute";
            break;
        case STD_SECOND:
        case STD_ZERO_SECOND: {
            sec = 0;
            if (!getnum(&value, ch.std == STD_ZERO_SECOND, &sec)) {
                bad = true;
                break;
            }
            if (sec < 0 || sec >= 60) {
                range_err = "second";
                break;
            }
            /* A fractional second in the value that the layout does not ask for. */
            if (value.n >= 2 && comma_or_period(value.p[0]) && sdigit(value, 1)) {
                chunk nx = next_chunk(layout.p, layout.n);
                if (nx.std == STD_FRAC0 || nx.std == STD_FRAC9)
                    break;
                size_t k = 2;
                while (k < value.n && sdigit(value, k))
                    k++;
                int r = parse_nanoseconds(value, k, &nsec);
                if (r == 1)
                    bad = true;
                else if (r == 2)
                    range_err = "fractional second";
                value = sub(value, k);
            }
            break;
        }
        case STD_PM_UPPER:
        case STD_PM_LOWER: {
            if (value.n < 2) {
                bad = true;
                break;
            }
            str p = {value.p, 2};
            value = sub(value, 2);
            const char *pm = ch.std == STD_PM_UPPER ? "PM" : "pm";
            const char *am = ch.std == STD_PM_UPPER ? "AM" : "am";
            if (memcmp(p.p, pm, 2) == 0)
                pm_set = true;
            else if (memcmp(p.p, am, 2) == 0)
                am_set = true;
            else
                bad = true;
            break;
        }
        case STD_ISO_TZ:
        case STD_ISO_SHORT_TZ:
        case STD_ISO_COLON_TZ:
        case STD_ISO_SECONDS_TZ:
        case STD_ISO_COLON_SECONDS_TZ:
            if (value.n >= 1 && value.p[0] == 'Z') {
                value = sub(value, 1);
                z_utc = true;
                break;
            }
            /* fall through */
        case STD_NUM_TZ:
        case STD_NUM_SHORT_TZ:
        case STD_NUM_COLON_TZ:
        case STD_NUM_SECONDS_TZ:
        case STD_NUM_COLON_SECONDS_TZ: {
            str sign, hh, mm, ss;
            static const str zz = {"00", 2};
            int s = ch.std;
            if (s == STD_ISO_COLON_TZ || s == STD_NUM_COLON_TZ) {
                if (value.n < 6 || value.p[3] != ':') {
                    bad = true;
                    break;
                }
                sign = (str){value.p, 1}, hh = (str){value.p + 1, 2}, mm = (str){value.p + 4, 2}, ss = zz;
                value = sub(value, 6);
            } else if (s == STD_NUM_SHORT_TZ || s == STD_ISO_SHORT_TZ) {
                if (value.n < 3) {
                    bad = true;
                    break;
                }
                sign = (str){value.p, 1}, hh = (str){value.p + 1, 2}, mm = zz, ss = zz;
                value = sub(value, 3);
            } else if (s == STD_ISO_COLON_SECONDS_TZ || s == STD_NUM_COLON_SECONDS_TZ) {
                if (value.n < 9 || value.p[3] != ':' || value.p[6] != ':') {
                    bad = true;
                    break;
                }
                sign = (str){value.p, 1}, hh = (str){value.p + 1, 2}, mm = (str){value.p + 4, 2},
                ss = (str){value.p + 7, 2};
                value = sub(value, 9);
            } else if (s == STD_ISO_SECONDS_TZ || s == STD_NUM_SECONDS_TZ) {
                if (value.n < 7) {
                    bad = true;
                    break;
                }
                sign = (str){value.p, 1}, hh = (str){value.p + 1, 2}, mm = (str){value.p + 3, 2},
                ss = (str){value.p + 5, 2};
                value = sub(value, 7);
            } else {
                if (value.n < 5) {
                    bad = true;
                    break;
                }
                sign = (str){value.p, 1}, hh = (str){value.p + 1, 2}, mm = (str){value.p + 3, 2}, ss = zz;
                value = sub(value, 5);
            }
            /* Fields after a failed one stay 0; the range checks still see
             * the ones parsed before it. */
            int hr = 0, mi = 0, se = 0;
            bad = !getnum(&hh, true, &hr) || !getnum(&mm, true, &mi) || !getnum(&ss, true, &se);
            if (hr > 24)
                range_err = "time zone offset hour";
            if (mi > 60)
                range_err = "time zone offset minute";
            if (se > 60)
                range_err = "time zone offset second";
            zone_offset = (hr * 60 + mi) * 60 + se;
            if (sign.p[0] == '-')
                zone_offset = -zone_offset;
            else if (sign.p[0] != '+')
                bad = true;
            break;
        }
        case STD_TZ: {
            if (value.n >= 3 && memcmp(value.p, "UTC", 3) == 0) {
                z_utc = true;
                value = sub(value, 3);
                break;
            }
            size_t zl;
            if (!parse_time_zone(value, &zl)) {
                bad = true;
                break;
            }
            zone_name = (str){value.p, zl};
            value = sub(value, zl);
            break;
        }
        case STD_FRAC0: {
            size_t nd = 1 + (size_t)ch.ndigits;
            if (value.n < nd) {
                bad = true;
                break;
            }
            int r = parse_nanoseconds(value, nd, &nsec);
            if (r == 1)
                bad = true;
            else if (r == 2)
                range_err = "fractional second";
            value = sub(value, nd);
            break;
        }
        case STD_FRAC9: {
            if (value.n < 2 || !comma_or_period(value.p[0]) || value.p[1] < '0' || value.p[1] > '9')
                break;
            size_t i = 0;
            while (i + 1 < value.n && value.p[i + 1] >= '0' && value.p[i + 1] <= '9')
                i++;
            int r = parse_nanoseconds(value, 1 + i, &nsec);
            if (r == 1)
                bad = true;
            else if (r == 2)
                range_err = "fractional second";
            value = sub(value, 1 + i);
            break;
        }
        default:
            break;
        }
        if (range_err) {
            strbuf m = STRBUF_INIT;
            sb_printf(&m, ": %s out of range", range_err);
            parse_error(err, alayout, avalue, stdstr, value, m.data);
            sb_free(&m);
            return false;
        }
        if (bad) {
            parse_error(err, alayout, avalue, stdstr, hold, NULL);
            return false;
        }
    }
    if (pm_set && hour < 12)
        hour += 12;
    else if (am_set && hour == 12)
        hour = 0;

    if (yday >= 0) {
        int d = 0, m = 0;
        if (is_leap(year)) {
            if (yday == 31 + 29) {
                m = 2;
                d = 29;
            } else if (yday > 31 + 29) {
                yday--;
            }
        }
        if (yday < 1 || yday > 365) {
            parse_error(err, alayout, avalue, (str){"", 0}, value, ": day-of-year out of range");
            return false;
        }
        if (m == 0) {
            m = (yday - 1) / 31 + 1;
            if (days_before[m] < yday)
                m++;
            d = yday - days_before[m - 1];
        }
        if (month >= 0 && month != m) {
            parse_error(err, alayout, avalue, (str){"", 0}, value, ": day-of-year does not match month");
            return false;
        }
        month = m;
        if (day >= 0 && day != d) {
            parse_error(err, alayout, avalue, (str){"", 0}, value, ": day-of-year does not match day");
            return false;
        }
        day = d;
    } else {
        if (month < 0)
            month = 1;
        if (day < 0)
            day = 1;
    }
    if (day < 1 || day > days_in(month, year)) {
        parse_error(err, alayout, avalue, (str){"", 0}, value, ": day out of range");
        return false;
    }

    tgo_time t;
    if (!tgo_date(year, month, day, hour, min, sec, nsec, &tgo_utc, &t)) {
        parse_error(err, alayout, avalue, (str){"", 0}, value, ": day out of range");
        return false;
    }
    if (!z_utc && zone_offset != -1) {
        t.sec -= zone_offset;
    } else if (!z_utc && zone_name.n > 0) {
        int off;
        if (lookup_name(tgo_local(), zone_name.p, zone_name.n, t.sec, &off))
            t.sec -= off;
        /* Otherwise Go records a made-up zone and keeps the instant. */
    }
    *out = t;
    return true;
}

/* ------------------------------------------------------------------ */
/* durations                                                          */

static void duration_error(strbuf *err, const char *what, const char *s, size_t n)
{
    sb_reset(err);
    sb_puts(err, what);
    go_time_quote(err, s, n);
}

bool tgo_parse_duration(const char *s0, size_t n0, int64_t *out, strbuf *err)
{
    str orig = {s0, n0}, s = orig;
    uint64_t d = 0;
    bool neg = false;
    if (s.n > 0 && (s.p[0] == '-' || s.p[0] == '+')) {
        neg = s.p[0] == '-';
        s = sub(s, 1);
    }
    if (s.n == 1 && s.p[0] == '0') {
        *out = 0;
        return true;
    }
    if (s.n == 0) {
        duration_error(err, "time: invalid duration ", orig.p, orig.n);
        return false;
    }
    while (s.n > 0) {
        uint64_t v, f = 0;
        double scale = 1;
        if (!(s.p[0] == '.' || (s.p[0] >= '0' && s.p[0] <= '9'))) {
            duration_error(err, "time: invalid duration ", orig.p, orig.n);
            return false;
        }
        size_t pl = s.n;
        str rem;
        if (!leading_int(s, &v, &rem)) {
            duration_error(err, "time: invalid duration ", orig.p, orig.n);
            return false;
        }
        s = rem;
        bool pre = pl != s.n;
        bool post = false;
        if (s.n > 0 && s.p[0] == '.') {
            s = sub(s, 1);
            size_t pl2 = s.n;
            /* leadingFraction: digits past the precision of uint64 are dropped */
            size_t i = 0;
            bool overflow = false;
            for (; i < s.n; i++) {
                char c = s.p[i];
                if (c < '0' || c > '9')
                    break;
                if (overflow)
                    continue;
                if (f > (INT64_MAX) / 10) {
                    overflow = true;
                    continue;
                }
                uint64_t y = f * 10 + (uint64_t)(c - '0');
                if (y > (1ULL << 63)) {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10;
            }
            s = sub(s, i);
            post = pl2 != s.n;
        }
        if (!pre && !post) {
            duration_error(err, "time: invalid duration ", orig.p, orig.n);
            return false;
        }
        size_t i = 0;
        for (; i < s.n; i++) {
            char c = s.p[i];
            if (c == '.' || (c >= '0' && c <= '9'))
                break;
        }
        if (i == 0) {
            duration_error(err, "time: missing unit in duration ", orig.p, orig.n);
            return false;
        }
        str u = {s.p, i};
        s = sub(s, i);
        uint64_t unit = 0;
        static const struct {
            const char *name;
            uint64_t ns;
        } units[] = {
            {"ns", 1},
            {"us", 1000},
            {"\xc2\xb5s", 1000},    /* U+00B5 micro sign */
            {"\xce\xbcs", 1000},    /* U+03BC Greek mu */
            {"ms", 1000000},
            {"s", 1000000000ULL},
            {"m", 60000000000ULL},
            {"h", 3600000000000ULL},
        };
        for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
            if (strlen(units[k].name) == u.n && memcmp(units[k].name, u.p, u.n) == 0)
                unit = units[k].ns;
        if (!unit) {
            sb_reset(err);
            sb_puts(err, "time: unknown unit ");
            go_time_quote(err, u.p, u.n);
            sb_puts(err, " in duration ");
            go_time_quote(err, orig.p, orig.n);
            return false;
        }
        if (v > (1ULL << 63) / unit) {
            duration_error(err, "time: invalid duration ", orig.p, orig.n);
            return false;
        }
        v *= unit;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)unit / scale));
            if (v > (1ULL << 63)) {
                duration_error(err, "time: invalid duration ", orig.p, orig.n);
                return false;
            }
        }
        d += v;
        if (d > (1ULL << 63)) {
            duration_error(err, "time: invalid duration ", orig.p, orig.n);
            return false;
        }
    }
    if (neg) {
        *out = (int64_t)(0 - d);
        return true;
    }
    if (d > (uint64_t)INT64_MAX) {
        duration_error(err, "time: invalid duration ", orig.p, orig.n);
        return false;
    }
    *out = (int64_t)d;
    return true;
}

/* ------------------------------------------------------------------ */

const char *tgo_named_layout(const char *name, size_t n)
{
    static const struct {
        const char *name, *layout;
    } named[] = {
        {"ANSIC", "Mon Jan _2 15:04:05 2006"},
        {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
        {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
        {"RFC822", "02 Jan 06 15:04 MST"},
        {"RFC822Z", "02 Jan 06 15:04 -0700"},
        {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
        {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
        {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
        {"RFC3339", "2006-01-02T15:04:05Z07:00"},
        {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == n && memcmp(named[i].name, name, n) == 0)
            return named[i].layout;
    return NULL;
}
