// re2_shim.cc — Go's regexp semantics over RE2, behind the C interface of
// re2_shim.h.
//
// RE2 and Go's regexp/syntax are siblings (same author, same grammar, same
// leftmost-first matching), so most of Go's behaviour comes for free.  What
// this file adds:
//   - a pre-pass over the pattern (scan_pattern) for the places where Go and
//     the RE2 release we link differ: `(?<name>` groups (Go 1.22), capture
//     names (Go allows [A-Za-z0-9_] only, and duplicates), `\C` (Go rejects
//     it), `{01}` (Go reads a repeat with a leading zero as literal text),
//     surrogates encoded in UTF-8 (invalid for Go), capture nesting depth;
//   - Go's error wording (error parsing regexp: <code>: `<expr>`);
//   - Go's iteration rules for FindAll and ReplaceAll (empty matches,
//     advancing by one character) and Regexp.Expand for `$1`/`${name}`;
//   - Go's view of invalid UTF-8 in subjects: each bad byte is one U+FFFD.
//     RE2 cannot match such bytes, so the subject is converted (each bad byte
//     becomes EF BF BD) and positions are mapped back.
// Compiled patterns are cached process-wide (see Cache).  No C++ exception
// leaves this file.
#include "re2_shim.h"

#include <re2/re2.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kCacheCapacity = 256;
constexpr int64_t kMaxMemDefault = 8 << 20;   // RE2's default budget
constexpr int64_t kMaxMemLarge = 256 << 20;   // retried for patterns Go accepts but 8 MB does not fit
constexpr int kMaxCaptureDepth = 1000;        // Go's maxHeight, approximated by nested captures
constexpr size_t npos = std::string::npos;

// ---- UTF-8 as Go's unicode/utf8 reads it ----

// Width of the valid sequence at s[0..n) (n > 0), or 0 when it is invalid
// (overlong, surrogate, above U+10FFFF, truncated).
size_t valid_width(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    auto cont = [](unsigned b) { return b >= 0x80 && b <= 0xBF; };
    if (c < 0xE0)
        return n >= 2 && cont(s[1]) ? 2 : 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0xF0) {
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        return n >= 3 && s[1] >= lo && s[1] <= hi && cont(s[2]) ? 3 : 0;
    }
    if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    return n >= 4 && s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3]) ? 4 : 0;
}

size_t first_invalid(const char *s, size_t n)
{
    const unsigned char *u = reinterpret_cast<const unsigned char *>(s);
    for (size_t i = 0; i < n;) {
        size_t w = valid_width(u + i, n - i);
        if (w == 0)
            return i;
        i += w;
    }
    return n;
}

// utf8.DecodeRuneInString: the rune at s[0..n) (n > 0); U+FFFD of width 1
// for an invalid sequence.
uint32_t decode_rune(const char *s, size_t n, size_t *width)
{
    const unsigned char *u = reinterpret_cast<const unsigned char *>(s);
    size_t w = valid_width(u, n);
    *width = w ? w : 1;
    switch (w) {
    case 1:
        return u[0];
    case 2:
        return (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu);
    case 3:
        return (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
    case 4:
        return (u[0] & 0x07u) << 18 | (u[1] & 0x3Fu) << 12 | (u[2] & 0x3Fu) << 6 | (u[3] & 0x3Fu);
    default:
        return 0xFFFD;
    }
}

// unicode.IsLetter(r) || unicode.IsDigit(r), with RE2's Unicode tables.
bool is_letter_or_digit(uint32_t r)
{
    if (r < 0x80)
        return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
    if (r == 0xFFFD)
        return false;
    // Allocated once and never destroyed, so that threads still running at
    // exit cannot see it half torn down.
    static const RE2 *const letter = new RE2("[\\p{L}\\p{Nd}]");
    char buf[4];
    size_t n;
    if (r < 0x800) {
        buf[0] = static_cast<char>(0xC0 | (r >> 6));
        buf[1] = static_cast<char>(0x80 | (r & 0x3F));
        n = 2;
    } else if (r < 0x10000) {
        buf[0] = static_cast<char>(0xE0 | (r >> 12));
        buf[1] = static_cast<char>(0x80 | ((r >> 6) & 0x3F));
        buf[2] = static_cast<char>(0x80 | (r & 0x3F));
        n = 3;
    } else {
        buf[0] = static_cast<char>(0xF0 | (r >> 18));
        buf[1] = static_cast<char>(0x80 | ((r >> 12) & 0x3F));
        buf[2] = static_cast<char>(0x80 | ((r >> 6) & 0x3F));
        buf[3] = static_cast<char>(0x80 | (r & 0x3F));
        n = 4;
    }
    return RE2::FullMatch(re2::StringPiece(buf, n), *letter);
}

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// ---- the pre-pass over a pattern ----

struct Scan {
    std::string pattern;             // what RE2 compiles
    std::vector<std::string> names;  // capture names by group number; [0] is the whole match
    bool not_word_boundary = false;  // uses \B (see search())
    size_t err_pos = npos;           // first error only Go reports, as an offset in `pattern`
    std::string err;                 // its message, e.g. "invalid escape sequence: `\C`"
    bool err_mid_token = false;      // the error may sit inside a token (invalid UTF-8)
};

void note_error(Scan &sc, size_t pos, std::string msg, bool mid_token = false)
{
    if (pos < sc.err_pos) {
        sc.err_pos = pos;
        sc.err = std::move(msg);
        sc.err_mid_token = mid_token;
    }
}

// End of the character class that starts at p[i] == '[' (one past its `]`),
// or p.size() when it is not closed: the same extent Go's parseClass gives
// it, as far as finding the closing bracket goes.
size_t class_end(const std::string &p, size_t i)
{
    size_t n = p.size(), j = i + 1;
    if (j < n && p[j] == '^')
        j++;
    bool first = true;
    while (j < n) {
        if (p[j] == ']' && !first)
            return j + 1;
        first = false;
        if (p[j] == '[' && j + 2 < n && p[j + 1] == ':') {
            size_t e = p.find(":]", j + 2);
            if (e != npos) {
                j = e + 2;
                continue;
            }
        }
        if (p[j] == '\\' && j + 1 < n) {
            char d = p[j + 1];
            if ((d == 'p' || d == 'P' || d == 'x') && j + 2 < n && p[j + 2] == '{') {
                size_t e = p.find('}', j + 3);
                j = e == npos ? n : e + 1;
            } else {
                j += 2;
            }
            continue;
        }
        j++;
    }
    return n;
}

// A counted repetition at p[i] == '{', as Go's parseRepeat reads it.
struct Repeat {
    bool form = false;          // {n}, {n,} or {n,m}
    bool leading_zero = false;  // a number written with a leading zero: Go reads `{` as text
    bool bad_size = false;      // Go's "invalid repeat count"
    size_t end = 0;             // one past the `}`
};

Repeat parse_repeat(const std::string &p, size_t i)
{
    Repeat r;
    size_t n = p.size(), j = i + 1;
    long vals[2] = {0, 0};
    bool comma = false, open_max = false;
    for (int part = 0; part < 2; part++) {
        size_t start = j;
        while (j < n && is_digit(p[j]))
            j++;
        if (j == start) {
            if (part == 0)
                return r;
            open_max = true;
            break;
        }
        if (p[start] == '0' && j - start > 1)
            r.leading_zero = true;
        vals[part] = j - start > 9 ? 1000000000L : std::stol(p.substr(start, j - start));
        if (part == 1)
            break;
        if (j < n && p[j] == ',') {
            comma = true;
            j++;
        } else {
            break;
        }
    }
    if (j >= n || p[j] != '}')
        return r;
    r.form = true;
    r.end = j + 1;
    long min = vals[0], max = comma ? (open_max ? -1 : vals[1]) : min;
    r.bad_size = min > 1000 || max > 1000 || (max >= 0 && min > max);
    return r;
}

// Whether the pattern may turn case folding on: a flag group with `i`.
bool may_fold(const std::string &p)
{
    for (size_t i = p.find("(?"); i != npos; i = p.find("(?", i + 2)) {
        for (size_t j = i + 2; j < p.size() && (p[j] == 'i' || p[j] == 'm' || p[j] == 's' || p[j] == 'U' || p[j] == '-');
             j++)
            if (p[j] == 'i')
                return true;
    }
    return false;
}

void scan_pattern(const std::string &p, Scan &sc)
{
    size_t n = p.size(), i = 0;
    std::string &out = sc.pattern;
    out.reserve(n + 8);
    sc.names.emplace_back();
    std::vector<bool> groups;   // open groups: true for capturing ones
    int depth = 0;
    size_t bad = first_invalid(p.data(), n), bad_out = npos;
    // RE2 (2022-06) merges the alternatives of `a|(?i:A)` into one class
    // and drops the folded `A`.  An empty group at the end of every
    // alternative but the last keeps them apart and matches the same
    // strings.  (Only when folding is possible at all.)
    bool fold = may_fold(p);
    auto close_alternative = [&]() {
        if (fold)
            out += "(?:)";
    };

    while (i < n) {
        if (i <= bad)
            bad_out = out.size() + (bad - i);   // where the bad byte lands in `out`
        char c = p[i];
        if (c == '\\') {
            if (i + 1 >= n) {
                out += c;
                i++;
                continue;
            }
            char d = p[i + 1];
            if (d == 'Q') {
                size_t e = p.find("\\E", i + 2);
                size_t end = e == npos ? n : e + 2;
                out.append(p, i, end - i);
                i = end;
                continue;
            }
            if (d == 'C')
                note_error(sc, out.size(), "invalid escape sequence: `\\C`");
            if (d == 'B')
                sc.not_word_boundary = true;
            // The whole escape as Go reads it, up to the character it fails
            // on, so that nothing is inserted inside it.
            size_t len = 2;
            if ((d == 'x' || d == 'p' || d == 'P') && i + 2 < n && p[i + 2] == '{') {
                size_t e = p.find('}', i + 3);
                len = (e == npos ? n : e + 1) - i;
            } else if (d == 'x') {
                len = 4;
            } else if (d == 'p' || d == 'P') {
                len = 3;
            }
            if (i + len > n)
                len = n - i;
            while (i + len < n && (static_cast<unsigned char>(p[i + len]) & 0xC0) == 0x80)
                len++;
            out.append(p, i, len);
            i += len;
            continue;
        }
        if (c == '[') {
            size_t e = class_end(p, i);
            out.append(p, i, e - i);
            i = e;
            continue;
        }
        if (c == '{') {
            Repeat r = parse_repeat(p, i);
            if (r.form && r.leading_zero) {
                out += "\\{";
                i++;
                continue;
            }
            if (r.form && r.bad_size)   // Go checks the counts before anything else
                note_error(sc, out.size(), "invalid repeat count: `" + p.substr(i, r.end - i) + "`");
        }
        if (c == '|') {
            close_alternative();
            out += c;
            i++;
            continue;
        }
        if (c == ')') {
            close_alternative();
            if (!groups.empty()) {
                if (groups.back())
                    depth--;
                groups.pop_back();
            }
            out += c;
            i++;
            continue;
        }
        if (c != '(') {
            out += c;
            i++;
            continue;
        }
        size_t rest = n - i;
        if (rest >= 2 && p[i + 1] == '?') {
            bool with_p = rest > 4 && p[i + 2] == 'P' && p[i + 3] == '<';
            bool with_name = rest > 3 && p[i + 2] == '<';
            if (with_p || with_name) {
                size_t start = i + (with_p ? 4 : 3);
                size_t gt = p.find('>', i);
                if (gt == npos) {
                    size_t b = first_invalid(p.data() + i, rest);
                    if (b < rest)
                        note_error(sc, out.size(), "invalid UTF-8: `" + p.substr(i + b) + "`");
                    else
                        note_error(sc, out.size(), "invalid named capture: `" + p.substr(i) + "`");
                    out.append(p, i, npos);
                    i = n;
                    continue;
                }
                std::string name = p.substr(start, gt - start);
                size_t b = first_invalid(name.data(), name.size());
                if (b < name.size()) {
                    note_error(sc, out.size(), "invalid UTF-8: `" + name.substr(b) + "`");
                } else {
                    bool ok = !name.empty();
                    for (char ch : name)
                        ok = ok && is_name_char(ch);
                    if (!ok)
                        note_error(sc, out.size(), "invalid named capture: `" + p.substr(i, gt + 1 - i) + "`");
                }
                if (++depth >= kMaxCaptureDepth)
                    note_error(sc, out.size(), "expression nests too deeply: `" + p + "`");
                groups.push_back(true);
                sc.names.push_back(std::move(name));
                out += '(';
                i = gt + 1;
                continue;
            }
            // Flags, alone (`(?i)`) or opening a non-capturing group (`(?i:`).
            size_t j = i + 2;
            while (j < n && (p[j] == 'i' || p[j] == 'm' || p[j] == 's' || p[j] == 'U' || p[j] == '-'))
                j++;
            if (j < n && p[j] == ')') {
                out.append(p, i, j + 1 - i);
                i = j + 1;
                continue;
            }
            groups.push_back(false);
            if (j < n && p[j] == ':') {
                out.append(p, i, j + 1 - i);
                i = j + 1;
                continue;
            }
            // Not a flag group Go knows: Go stops here with an error, and
            // RE2 will report the same one, given the rest as written.
            out.append(p, i, npos);
            i = n;
            continue;
        }
        if (++depth >= kMaxCaptureDepth)
            note_error(sc, out.size(), "expression nests too deeply: `" + p + "`");
        groups.push_back(true);
        sc.names.emplace_back();
        out += '(';
        i++;
    }
    if (bad < n)
        note_error(sc, bad_out, "invalid UTF-8: `" + p.substr(bad) + "`", true);
}

// ---- Go's error text ----

const char *go_code_text(RE2::ErrorCode code)
{
    switch (code) {
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorUnexpectedParen: return "unexpected )";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    case RE2::ErrorPatternTooLarge: return "expression too large";
    default: return "regexp/syntax: internal error";
    }
}

const char kPrefix[] = "error parsing regexp: ";

// Go's message for RE2's error on the pattern `orig` (what the user wrote).
std::string go_message(const RE2 &re, const std::string &orig)
{
    std::string arg;
    switch (re.error_code()) {
    case RE2::ErrorMissingParen:
    case RE2::ErrorUnexpectedParen:
    case RE2::ErrorPatternTooLarge:
        arg = orig;   // Go names the whole expression
        break;
    case RE2::ErrorBadUTF8: {
        size_t b = first_invalid(orig.data(), orig.size());
        if (b < orig.size()) {
            arg = orig.substr(b);
            break;
        }
        // Valid text: RE2 says this of an escape cut short by the end of
        // the pattern (`\x{`), which Go calls an invalid escape.
        size_t slash = orig.rfind('\\');
        return std::string(kPrefix) + go_code_text(RE2::ErrorBadEscape) + ": `" +
               (slash == npos ? std::string() : orig.substr(slash)) + "`";
    }
    case RE2::ErrorBadEscape:
        arg = re.error_arg();
        // `\p` cut short by the end of the pattern: Go reads it as a
        // Unicode class with no name.
        if (arg.compare(0, 2, "\\p") == 0 || arg.compare(0, 2, "\\P") == 0)
            return std::string(kPrefix) + go_code_text(RE2::ErrorBadCharRange) + ": `" + arg + "`";
        break;
    default:
        arg = re.error_arg();
    }
    return std::string(kPrefix) + go_code_text(re.error_code()) + ": `" + arg + "`";
}

bool all_of(const std::string &s, size_t from, bool (*pred)(char))
{
    for (size_t i = from; i < s.size(); i++)
        if (!pred(s[i]))
            return false;
    return true;
}

bool is_flag_char(char c) { return c == 'i' || c == 'm' || c == 's' || c == 'U' || c == '-'; }
bool not_close_brace(char c) { return c != '}'; }

// RE2's error on a pattern cut short at a Go-only error: is it an artefact
// of the cut (then the Go-only error is the first one Go meets) or an error
// Go meets earlier?  Groups and classes left open are artefacts; when the cut
// may fall inside a token (invalid UTF-8), so is a half-written escape or
// flag group ending right at the cut.
bool cut_artefact(const RE2 &re, const std::string &cut, bool mid_token)
{
    RE2::ErrorCode code = re.error_code();
    if (code == RE2::ErrorMissingParen || code == RE2::ErrorMissingBracket || code == RE2::ErrorTrailingBackslash ||
        code == RE2::ErrorPatternTooLarge)
        return true;
    if (!mid_token)
        return false;
    const std::string &arg = re.error_arg();
    if (arg.size() > cut.size() || cut.compare(cut.size() - arg.size(), arg.size(), arg) != 0)
        return false;
    switch (code) {
    case RE2::ErrorBadPerlOp:
        return arg.compare(0, 2, "(?") == 0 && all_of(arg, 2, is_flag_char);
    case RE2::ErrorBadEscape:
        if (arg.compare(0, 2, "\\x") != 0)
            return false;
        if (arg.size() >= 3 && arg[2] == '{')
            return all_of(arg, 3, [](char c) { return is_hex(c); });
        return arg.size() == 2 || (arg.size() == 3 && is_hex(arg[2]));
    case RE2::ErrorBadCharRange:
        if (arg == "\\p" || arg == "\\P")
            return true;
        return (arg.compare(0, 3, "\\p{") == 0 || arg.compare(0, 3, "\\P{") == 0) && all_of(arg, 3, not_close_brace);
    default:
        return false;
    }
}

// ---- compiled patterns and their cache ----

struct Compiled {
    std::unique_ptr<RE2> re;         // null when the pattern does not compile
    std::string error;               // Go's message when it does not
    std::vector<std::string> names;  // capture names by group number
    int ngroups = 1;                 // capture groups + 1 (the whole match)
    bool not_word_boundary = false;  // the pattern uses \B
};
using CompiledPtr = std::shared_ptr<const Compiled>;

RE2::Options options(int64_t max_mem)
{
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(max_mem);
    return o;
}

CompiledPtr compile(const std::string &pat)
{
    auto c = std::make_shared<Compiled>();
    Scan sc;
    scan_pattern(pat, sc);
    if (sc.err_pos != npos) {
        // Go reports the first error it meets: RE2's on the text before
        // the Go-only error, unless that one only comes from the cut.
        std::string cut = sc.pattern.substr(0, sc.err_pos);
        RE2 before(cut, options(kMaxMemDefault));
        if (!before.ok() && !cut_artefact(before, cut, sc.err_mid_token))
            c->error = go_message(before, pat);
        else
            c->error = kPrefix + sc.err;
        return c;
    }
    auto re = std::make_unique<RE2>(sc.pattern, options(kMaxMemDefault));
    if (re->error_code() == RE2::ErrorPatternTooLarge)
        re = std::make_unique<RE2>(sc.pattern, options(kMaxMemLarge));
    if (!re->ok()) {
        c->error = go_message(*re, pat);
        return c;
    }
    c->ngroups = re->NumberOfCapturingGroups() + 1;
    c->not_word_boundary = sc.not_word_boundary;
    c->names = std::move(sc.names);
    c->names.resize(static_cast<size_t>(c->ngroups));
    c->re = std::move(re);
    return c;
}

// Least recently used entries go first.  Values are shared pointers, so an
// entry evicted while another thread matches with it lives until that
// thread lets go.  Compilation happens outside the lock; two threads
// compiling the same new pattern at once keep the first result stored.
class Cache {
public:
    CompiledPtr get(const std::string &key)
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = map_.find(key);
        if (it == map_.end())
            return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->value;
    }

    CompiledPtr put(const std::string &key, CompiledPtr value)
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = map_.find(key);
        if (it != map_.end())
            return it->second->value;
        lru_.push_front(Node{key, std::move(value)});
        map_.emplace(key, lru_.begin());
        while (map_.size() > kCacheCapacity) {
            map_.erase(lru_.back().key);
            lru_.pop_back();
        }
        return lru_.front().value;
    }

    size_t size()
    {
        std::lock_guard<std::mutex> lock(mu_);
        return map_.size();
    }

    void clear()
    {
        std::list<Node> old;
        {
            std::lock_guard<std::mutex> lock(mu_);
            map_.clear();
            old.swap(lru_);
        }
        // `old` (and the patterns only it held) goes here, outside the lock.
    }

private:
    struct Node {
        std::string key;
        CompiledPtr value;
    };
    std::mutex mu_;
    std::list<Node> lru_;
    std::unordered_map<std::string, std::list<Node>::iterator> map_;
};

// Never destroyed (see is_letter_or_digit); reachable until exit.
Cache &cache()
{
    static Cache *const c = new Cache;
    return *c;
}

std::atomic<unsigned long> compile_count{0};

void set_err(char *err, size_t cap, const std::string &msg)
{
    if (!err || cap == 0)
        return;
    size_t n = msg.size() < cap - 1 ? msg.size() : cap - 1;
    memcpy(err, msg.data(), n);
    err[n] = '\0';
}

re2s_status lookup(const char *pat, size_t plen, CompiledPtr &out, char *err, size_t errcap)
{
    std::string key(pat ? pat : "", plen);
    CompiledPtr c = cache().get(key);
    if (!c) {
        c = compile(key);
        compile_count.fetch_add(1, std::memory_order_relaxed);
        c = cache().put(key, c);
    }
    if (!c->re) {
        set_err(err, errcap, c->error);
        return RE2S_SYNTAX;
    }
    out = std::move(c);
    return RE2S_OK;
}

// ---- subjects: Go's view of invalid UTF-8 ----

// The subject as RE2 sees it: the caller's bytes when they are valid UTF-8,
// else a copy where each invalid byte is U+FFFD, with a map from offsets in
// the copy back to offsets in the caller's bytes.
class Subject {
public:
    Subject(const char *s, size_t n) : orig_(s ? s : ""), n_(n)
    {
        for (size_t i = 0; i < n && ascii_; i++)
            ascii_ = static_cast<unsigned char>(orig_[i]) < 0x80;
        size_t bad = ascii_ ? n : first_invalid(orig_, n);
        if (bad == n) {
            text_ = re2::StringPiece(orig_, n);
            return;
        }
        const unsigned char *u = reinterpret_cast<const unsigned char *>(orig_);
        conv_.reserve(n + n / 2 + 4);
        map_.reserve(n + n / 2 + 4);
        for (size_t i = 0; i < n;) {
            size_t w = valid_width(u + i, n - i);
            if (w == 0) {
                conv_ += "\xEF\xBF\xBD";
                map_.insert(map_.end(), 3, i);
                i++;
            } else {
                conv_.append(orig_ + i, w);
                for (size_t k = 0; k < w; k++)
                    map_.push_back(i + k);
                i += w;
            }
        }
        map_.push_back(n);
        text_ = re2::StringPiece(conv_);
    }

    const re2::StringPiece &text() const { return text_; }
    bool ascii() const { return ascii_; }
    const char *orig() const { return orig_; }
    size_t orig_len() const { return n_; }
    size_t to_orig(size_t p) const { return map_.empty() ? p : map_[p]; }

    // Width of the character at p in text() (0 at the end).
    size_t width_at(size_t p) const
    {
        if (p >= text_.size())
            return 0;
        size_t w = valid_width(reinterpret_cast<const unsigned char *>(text_.data()) + p, text_.size() - p);
        return w ? w : 1;
    }

    // Whether p in text() falls between two characters.
    bool boundary(size_t p) const
    {
        return p >= text_.size() || (static_cast<unsigned char>(text_[p]) & 0xC0) != 0x80;
    }

    // Start and end of a submatch in text(), or -1/-1 when it did not take part.
    void span(const re2::StringPiece &g, long *start, long *end) const
    {
        if (g.data() == nullptr) {
            *start = *end = -1;
            return;
        }
        size_t a = static_cast<size_t>(g.data() - text_.data());
        *start = static_cast<long>(to_orig(a));
        *end = static_cast<long>(to_orig(a + g.size()));
    }

private:
    const char *orig_;
    size_t n_;
    bool ascii_ = true;
    std::string conv_;
    std::vector<size_t> map_;
    re2::StringPiece text_;
};

// Go's doExecute(pos): the leftmost-first match starting at or after pos.
// RE2 tests empty-width assertions between bytes, so \B can hold inside a
// multi-byte character, where Go (which steps by characters) never looks;
// such a match (necessarily empty) is skipped and the search resumes at the
// next character.
bool search(const Compiled &c, const Subject &subj, size_t pos, re2::StringPiece *groups, int ngroups)
{
    const re2::StringPiece &t = subj.text();
    if (!c.not_word_boundary || subj.ascii())
        return c.re->Match(t, pos, t.size(), RE2::UNANCHORED, groups, ngroups);
    re2::StringPiece whole;
    if (ngroups == 0) {
        groups = &whole;
        ngroups = 1;
    }
    while (pos <= t.size()) {
        if (!c.re->Match(t, pos, t.size(), RE2::UNANCHORED, groups, ngroups))
            return false;
        size_t start = static_cast<size_t>(groups[0].data() - t.data());
        if (subj.boundary(start))
            return true;
        pos = start + 1;
        while (!subj.boundary(pos))
            pos++;
    }
    return false;
}

// ---- Regexp.Expand ----

// Go's extract: a group reference after `$`.  Returns false when there is
// none ("$" is then literal).
bool extract(const char *t, size_t n, std::string *name, long *num, size_t *used)
{
    if (n == 0)
        return false;
    size_t i = 0;
    bool brace = t[0] == '{';
    if (brace)
        i = 1;
    size_t start = i;
    while (i < n) {
        size_t w;
        uint32_t r = decode_rune(t + i, n - i, &w);
        if (r != '_' && !is_letter_or_digit(r))
            break;
        i += w;
    }
    if (i == start)
        return false;
    name->assign(t + start, i - start);
    if (brace) {
        if (i >= n || t[i] != '}')
            return false;
        i++;
    }
    long v = 0;
    for (char ch : *name) {
        if (!is_digit(ch) || v >= 100000000) {
            v = -1;
            break;
        }
        v = v * 10 + (ch - '0');
    }
    if ((*name)[0] == '0' && name->size() > 1)
        v = -1;
    *num = v;
    *used = i;
    return true;
}

void append_group(std::string &out, const Subject &subj, const re2::StringPiece &g)
{
    long a, b;
    subj.span(g, &a, &b);
    if (a >= 0)
        out.append(subj.orig() + a, static_cast<size_t>(b - a));
}

void expand(std::string &out, const Compiled &c, const char *tpl, size_t n, const Subject &subj,
            const re2::StringPiece *groups, int ngroups)
{
    size_t i = 0;
    while (i < n) {
        const void *d = memchr(tpl + i, '$', n - i);
        if (!d)
            break;
        size_t dollar = static_cast<size_t>(static_cast<const char *>(d) - tpl);
        out.append(tpl + i, dollar - i);
        i = dollar + 1;
        if (i < n && tpl[i] == '$') {
            out += '$';
            i++;
            continue;
        }
        std::string name;
        long num;
        size_t used;
        if (!extract(tpl + i, n - i, &name, &num, &used)) {
            out += '$';
            continue;
        }
        i += used;
        if (num >= 0) {
            if (num < ngroups)
                append_group(out, subj, groups[num]);
            continue;
        }
        for (int k = 0; k < ngroups && k < static_cast<int>(c.names.size()); k++) {
            if (c.names[static_cast<size_t>(k)] == name && groups[k].data() != nullptr) {
                append_group(out, subj, groups[k]);
                break;
            }
        }
    }
    out.append(tpl + i, n - i);
}

}  // namespace

// ---- the C interface ----

#define SHIM_TRY try {
#define SHIM_CATCH                                                   \
    }                                                                \
    catch (const std::bad_alloc &)                                   \
    {                                                                \
        set_err(err, errcap, "regexp: out of memory");               \
        return RE2S_NOMEM;                                           \
    }                                                                \
    catch (...)                                                      \
    {                                                                \
        set_err(err, errcap, "regexp/syntax: internal error");       \
        return RE2S_NOMEM;                                           \
    }

extern "C" re2s_status re2s_check(const char *pat, size_t plen, char *err, size_t errcap)
{
    SHIM_TRY
    CompiledPtr c;
    return lookup(pat, plen, c, err, errcap);
    SHIM_CATCH
}

extern "C" re2s_status re2s_match(const char *pat, size_t plen, const char *s, size_t slen, bool *matched,
                                  char *err, size_t errcap)
{
    SHIM_TRY
    CompiledPtr c;
    re2s_status st = lookup(pat, plen, c, err, errcap);
    if (st != RE2S_OK)
        return st;
    Subject subj(s, slen);
    *matched = search(*c, subj, 0, nullptr, 0);
    return RE2S_OK;
    SHIM_CATCH
}

extern "C" re2s_status re2s_find_all(const char *pat, size_t plen, const char *s, size_t slen, long n,
                                     bool with_groups, re2s_matches *out, char *err, size_t errcap)
{
    out->count = 0;
    out->ngroups = 1;
    out->pos = nullptr;
    SHIM_TRY
    CompiledPtr c;
    re2s_status st = lookup(pat, plen, c, err, errcap);
    if (st != RE2S_OK)
        return st;
    Subject subj(s, slen);
    int ng = with_groups ? c->ngroups : 1;
    long limit = n < 0 ? static_cast<long>(slen) + 1 : n;
    std::vector<re2::StringPiece> groups(static_cast<size_t>(ng));
    std::vector<long> pos;
    size_t end = subj.text().size(), at = 0;
    long found = 0, prev_end = -1;
    // Go's Regexp.allMatches: an empty match right after the previous
    // match is skipped, and after an empty match the search moves on by
    // one character.
    while (found < limit && at <= end) {
        if (!search(*c, subj, at, groups.data(), ng))
            break;
        size_t ms = static_cast<size_t>(groups[0].data() - subj.text().data());
        size_t me = ms + groups[0].size();
        bool accept = true;
        if (me == at) {
            if (static_cast<long>(ms) == prev_end)
                accept = false;
            size_t w = subj.width_at(at);
            at = w > 0 ? at + w : end + 1;
        } else {
            at = me;
        }
        prev_end = static_cast<long>(me);
        if (accept) {
            for (int g = 0; g < ng; g++) {
                long a, b;
                subj.span(groups[static_cast<size_t>(g)], &a, &b);
                pos.push_back(a);
                pos.push_back(b);
            }
            found++;
        }
    }
    if (found > 0) {
        long *p = static_cast<long *>(malloc(pos.size() * sizeof(long)));
        if (!p)
            throw std::bad_alloc();
        memcpy(p, pos.data(), pos.size() * sizeof(long));
        out->pos = p;
    }
    out->count = static_cast<size_t>(found);
    out->ngroups = ng;
    return RE2S_OK;
    SHIM_CATCH
}

extern "C" void re2s_matches_free(re2s_matches *m)
{
    if (!m)
        return;
    free(m->pos);
    m->pos = nullptr;
    m->count = 0;
}

extern "C" re2s_status re2s_replace_all(const char *pat, size_t plen, const char *s, size_t slen, const char *repl,
                                        size_t rlen, char **out, size_t *outlen, char *err, size_t errcap)
{
    *out = nullptr;
    *outlen = 0;
    SHIM_TRY
    CompiledPtr c;
    re2s_status st = lookup(pat, plen, c, err, errcap);
    if (st != RE2S_OK)
        return st;
    if (!repl)
        repl = "";
    Subject subj(s, slen);
    int ng = memchr(repl, '$', rlen) ? c->ngroups : 1;
    std::vector<re2::StringPiece> groups(static_cast<size_t>(ng));
    std::string res;
    res.reserve(slen);
    size_t end = subj.text().size(), last_end = 0, at = 0;
    // Go's Regexp.replaceAll.
    while (at <= end) {
        if (!search(*c, subj, at, groups.data(), ng))
            break;
        size_t a0 = static_cast<size_t>(groups[0].data() - subj.text().data());
        size_t a1 = a0 + groups[0].size();
        size_t from = subj.to_orig(last_end), to = subj.to_orig(a0);
        res.append(subj.orig() + from, to - from);
        // No replacement for an empty match right after the previous one.
        if (a1 > last_end || a0 == 0)
            expand(res, *c, repl, rlen, subj, groups.data(), ng);
        last_end = a1;
        size_t w = subj.width_at(at);
        if (at + w > a1)
            at += w;
        else if (at + 1 > a1)
            at++;
        else
            at = a1;
    }
    size_t from = subj.to_orig(last_end);
    res.append(subj.orig() + from, slen - from);
    char *buf = static_cast<char *>(malloc(res.size() + 1));
    if (!buf)
        throw std::bad_alloc();
    memcpy(buf, res.data(), res.size());
    buf[res.size()] = '\0';
    *out = buf;
    *outlen = res.size();
    return RE2S_OK;
    SHIM_CATCH
}

extern "C" size_t re2s_cache_size(void)
{
    try {
        return cache().size();
    } catch (...) {
        return 0;
    }
}

extern "C" unsigned long re2s_cache_compiles(void) { return compile_count.load(std::memory_order_relaxed); }

extern "C" void re2s_cache_clear(void)
{
    try {
        cache().clear();
    } catch (...) {
    }
}
