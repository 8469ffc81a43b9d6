/* log.c — the server's own log lines on standard error, as OPA writes
 * them: one JSON object per line ({"level", "msg", "time", fields...}) or
 * plain text.  One lock keeps lines from different threads whole. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int min_level = LOG_INFO;
static enum { FMT_JSON, FMT_JSON_PRETTY, FMT_TEXT } format = FMT_JSON;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"debug", "info", "warning", "error"};

int log_setup(const char *level, const char *fmt, char **error)
{
    if (level) {
        if (strcmp(level, "debug") == 0) min_level = LOG_DEBUG;
        else if (strcmp(level, "info") == 0) min_level = LOG_INFO;
        else if (strcmp(level, "warn") == 0 || strcmp(level, "warning") == 0) min_level = LOG_WARN;
        else if (strcmp(level, "error") == 0) min_level = LOG_ERROR;
        else {
            if (asprintf(error, "invalid log level \"%s\": use debug, info, warn or error", level) < 0)
                *error = NULL;
            return -1;
        }
    }
    if (fmt) {
        if (strcmp(fmt, "json") == 0) format = FMT_JSON;
        else if (strcmp(fmt, "json-pretty") == 0) format = FMT_JSON_PRETTY;
        else if (strcmp(fmt, "text") == 0) format = FMT_TEXT;
        else {
            if (asprintf(error, "invalid log format \"%s\": use json, json-pretty or text", fmt) < 0)
                *error = NULL;
            return -1;
        }
    }
    return 0;
}

int log_enabled(int level)
{
    return level >= min_level;
}

static void local_time(char *out, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    char zone[8];
    strftime(zone, sizeof zone, "%z", &tm);  /* +0100 -> +01:00 */
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s%c%c%c:%c%c", date, zone[0], zone[1], zone[2], zone[3], zone[4]);
}

void log_line(int level, const char *fields, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char when[48];
    local_time(when, sizeof when);

    buf line = BUF_INIT;
    if (format == FMT_TEXT) {
        buf_printf(&line, "%s %-7s %s", when, level_names[level], msg);
        if (fields && *fields)
            buf_printf(&line, " {%s}", fields);
        buf_putc(&line, '\n');
    } else {
        buf obj = BUF_INIT;
        buf_putc(&obj, '{');
        if (fields && *fields) {
            buf_puts(&obj, fields);
            buf_putc(&obj, ',');
        }
        buf_puts(&obj, "\"level\":");
        buf_json_cstr(&obj, level_names[level]);
        buf_puts(&obj, ",\"msg\":");
        buf_json_cstr(&obj, msg);
        buf_puts(&obj, ",\"time\":");
        buf_json_cstr(&obj, when);
        buf_putc(&obj, '}');
        if (format == FMT_JSON_PRETTY && !obj.oom)
            json_pretty(&line, obj.data, obj.len);
        else
            buf_append(&line, obj.data, obj.len);
        buf_putc(&line, '\n');
        buf_free(&obj);
    }
    if (!line.oom) {
        pthread_mutex_lock(&lock);
        fwrite(line.data, 1, line.len, stderr);
        fflush(stderr);
        pthread_mutex_unlock(&lock);
    }
    buf_free(&line);
}

void log_raw_line(const char *text, size_t len)
{
    pthread_mutex_lock(&lock);
    fwrite(text, 1, len, stderr);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}
