/* hexdigit.h — the value of one hexadecimal digit, shared by every reader
 * of hex text (JSON and Rego \u escapes, percent-encoding, hex.decode,
 * UUIDs, CIDRs, chunk sizes, digests). */
#ifndef VERDICT_HEXDIGIT_H
#define VERDICT_HEXDIGIT_H

/* 0..15, or -1 when c is not a hex digit (any int, EOF and negative chars included). */
static inline int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
