/* base64.c — Go's encoding/base64 (see base64.h). */
#include "base64.h"

#include <stdint.h>
#include <string.h>

const char base64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char base64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64_encode(char *out, const unsigned char *p, size_t n, const char *alpha, bool pad)
{
    size_t k = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[k++] = alpha[v >> 18 & 63];
        out[k++] = alpha[v >> 12 & 63];
        out[k++] = alpha[v >> 6 & 63];
        out[k++] = alpha[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        out[k++] = alpha[v >> 18 & 63];
        out[k++] = alpha[v >> 12 & 63];
        if (i + 1 < n)
            out[k++] = alpha[v >> 6 & 63];
        else if (pad)
            out[k++] = '=';
        if (pad)
            out[k++] = '=';
    }
    return k;
}

void base64_put(strbuf *sb, const unsigned char *p, size_t n, const char *alpha, bool pad)
{
    char q[4];
    for (size_t i = 0; i < n; i += 3) /* a quantum at a time: no buffer to size */
        sb_append(sb, q, base64_encode(q, p + i, n - i < 3 ? n - i : 3, alpha, pad));
}

/* The quantum loop of Go's Decode. */
long base64_decode(const char *src, size_t n, const char *alpha, bool padded, unsigned char *dst, size_t *dn)
{
    signed char map[256];
    memset(map, -1, sizeof map);
    for (int i = 0; i < 64; i++)
        map[(unsigned char)alpha[i]] = (signed char)i;
    size_t si = 0, k = 0;
    while (si < n) {
        unsigned char d[4] = {0, 0, 0, 0};
        int dlen = 4;
        long err = -1;
        for (int j = 0; j < 4; j++) {
            if (si == n) {
                if (j == 0) {
                    *dn = k;
                    return -1;
                }
                if (j == 1 || padded)
                    return (long)(si - (size_t)j);
                dlen = j;
                break;
            }
            unsigned char in = (unsigned char)src[si++];
            if (map[in] >= 0) {
                d[j] = (unsigned char)map[in];
                continue;
            }
            if (in == '\n' || in == '\r') {
                j--;
                continue;
            }
            if (!padded || in != '=')
                return (long)(si - 1);
            if (j < 2)
                return (long)(si - 1);
            if (j == 2) {
                while (si < n && (src[si] == '\n' || src[si] == '\r'))
                    si++;
                if (si == n)
                    return (long)n;
                if (src[si] != '=')
                    return (long)(si - 1);
                si++;
            }
            while (si < n && (src[si] == '\n' || src[si] == '\r'))
                si++;
            if (si < n)
                err = (long)si;
            dlen = j;
            break;
        }
        uint32_t v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 | (uint32_t)d[2] << 6 | d[3];
        if (dlen >= 2)
            dst[k++] = (unsigned char)(v >> 16);
        if (dlen >= 3)
            dst[k++] = (unsigned char)(v >> 8);
        if (dlen >= 4)
            dst[k++] = (unsigned char)v;
        if (err >= 0)
            return err;
    }
    *dn = k;
    return -1;
}
