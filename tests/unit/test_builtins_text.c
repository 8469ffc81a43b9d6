/* Unit tests for the text builtin groups: strings (with sprintf and
 * render_template), objects, arrays, encoding.  Each builtin is called
 * through the registry as the VM calls it.
 *
 * Cases are table rows (tcase in builtin_harness.h): the builtin, its
 * arguments as JSON text (with {"$set": [...]} for a set and {"$obj": ...}
 * for an object with non-string keys), and the outcome expected ("=TEXT"
 * with the result as Rego text, "!code: msg" or "?").
 * Many rows port OPA's conformance cases (strings, sprintf, trim*,
 * replacen, object*, json*, base64*, hexbuiltins, urlbuiltins, array,
 * subset); the rest pin down Go behaviour OPA inherits. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "engine/builtins.h"
#include "engine/strbuf.h"
#include "engine/value.h"

#include "builtin_harness.h"

/* ---- strings ---- */

static const tcase strings_cases[] = {
    /* concat */
    {"concat", {"\"/\"", "[\"\", \"foo\", \"bar\", \"0\", \"baz\"]"}, "=\"/foo/bar/0/baz\""},
    {"concat", {"\",\"", "{\"$set\": [\"3\", \"1\", \"2\"]}"}, "=\"1,2,3\""},
    {"concat", {"\",\"", "[]"}, "=\"\""},
    {"concat", {"\",\"", "[\"x\"]"}, "=\"x\""},
    {"concat", {"1", "[]"}, "!eval_type_error: operand 1 must be string but got number"},
    {"concat", {"\",\"", "\"ab\""}, "!eval_type_error: operand 2 must be one of {set, array} but got string"},
    {"concat", {"\",\"", "[\"a\", 1]"}, "!eval_type_error: operand 2 must be array of strings but got array containing number"},
    {"concat", {"\",\"", "{\"$set\": [\"a\", 1]}"}, "!eval_type_error: operand 2 must be set of strings but got set containing number"},
    /* contains, startswith, endswith */
    {"contains", {"\"abcdefgh\"", "\"defg\""}, "=true"},
    {"contains", {"\"abcdefgh\"", "\"ac\""}, "=false"},
    {"contains", {"\"abc\"", "\"\""}, "=true"},
    {"contains", {"\"abc\"", "1"}, "!eval_type_error: operand 2 must be string but got number"},
    {"startswith", {"\"abcdefgh\"", "\"abcd\""}, "=true"},
    {"startswith", {"\"abcdefgh\"", "\"bcd\""}, "=false"},
    {"endswith", {"\"abcdefgh\"", "\"fgh\""}, "=true"},
    {"endswith", {"\"abcdefgh\"", "\"fg\""}, "=false"},
    {"endswith", {"1", "\"fg\""}, "!eval_type_error: operand 1 must be string but got number"},
    /* format_int */
    {"format_int", {"15.5", "16"}, "=\"f\""},
    {"format_int", {"-15.5", "16"}, "=\"-f\""},
    {"format_int", {"3.1", "10"}, "=\"3\""},
    {"format_int", {"10", "2"}, "=\"1010\""},
    {"format_int", {"-8", "8"}, "=\"-10\""},
    {"format_int", {"255", "16"}, "=\"ff\""},
    /* read as Go's 64-bit big.Float, as OPA does: huge inputs lose digits */
    {"format_int", {"123456789012345678901234567890", "10"}, "=\"123456789012345678899921813504\""},
    {"format_int", {"4.1", "199"}, "!eval_type_error: operand 2 must be one of {2, 8, 10, 16}"},
    {"format_int", {"4.1", "2.0"}, "!eval_type_error: operand 2 must be one of {2, 8, 10, 16}"},
    {"format_int", {"\"4\"", "2"}, "!eval_type_error: operand 1 must be number but got string"},
    /* indexof, indexof_n */
    {"indexof", {"\"abcdefgh\"", "\"cde\""}, "=2"},
    {"indexof", {"\"abcabcabcdefgh\"", "\"cde\""}, "=8"},
    {"indexof", {"\"abcdefgh\"", "\"xyz\""}, "=-1"},
    {"indexof", {"\"μx\"", "\"x\""}, "=1"},
    {"indexof", {"\"μ\"", "\"μμ\""}, "=-1"},
    {"indexof", {"\"skön var våren\"", "\"vår\""}, "=9"},
    {"indexof", {"\"🍧🍨🧁🍰🍮\"", "\"🍮\""}, "=4"},
    {"indexof", {"\"🍧🍨🧁🍰🍮\"", "\"🍧🍨🧁🍰🍮\""}, "=0"},
    {"indexof", {"\"abc\"", "\"\""}, "!eval_builtin_error: empty search character"},
    {"indexof_n", {"\"dogcat\"", "\"cat\""}, "=[3]"},
    {"indexof_n", {"\"dogcatdogcat\"", "\"cat\""}, "=[3, 9]"},
    {"indexof_n", {"\"dogcat\"", "\"rabbit\""}, "=[]"},
    {"indexof_n", {"\"😇😀😇😀😇😀\"", "\"😀\""}, "=[1, 3, 5]"},
    {"indexof_n", {"\"aaa\"", "\"aa\""}, "=[0, 1]"},
    /* lower, upper */
    {"lower", {"\"AbCdEf\""}, "=\"abcdef\""},
    {"upper", {"\"AbCdEf\""}, "=\"ABCDEF\""},
    {"upper", {"\"héllo ß\""}, "=\"HÉLLO ß\""},
    {"lower", {"\"ÅÄÖ ΣΑΣ\""}, "=\"åäö σασ\""},
    {"lower", {"[]"}, "!eval_type_error: operand 1 must be string but got array"},
    /* split, strings.split_n */
    {"split", {"\"\"", "\".\""}, "=[\"\"]"},
    {"split", {"\"foo\"", "\".\""}, "=[\"foo\"]"},
    {"split", {"\"foo.bar.baz\"", "\".\""}, "=[\"foo\", \"bar\", \"baz\"]"},
    {"split", {"\"a..b.\"", "\".\""}, "=[\"a\", \"\", \"b\", \"\"]"},
    {"split", {"\"test\"", "\"\""}, "=[\"t\", \"e\", \"s\", \"t\"]"},
    {"split", {"\"\"", "\"\""}, "=[]"},
    {"split", {"\"åb\"", "\"\""}, "=[\"å\", \"b\"]"},
    {"strings.split_n", {"\"a.b.c.d\"", "\".\"", "2"}, "=[\"a\", \"b\"]"},
    {"strings.split_n", {"\"a.b.c.d\"", "\".\"", "-2"}, "=[\"c\", \"d\"]"},
    {"strings.split_n", {"\"a.b\"", "\".\"", "5"}, "=[\"a\", \"b\"]"},
    {"strings.split_n", {"\"a.b\"", "\".\"", "0"}, "=[]"},
    {"strings.split_n", {"\"a.b\"", "\".\"", "1.5"}, "!eval_type_error: operand 3 must be integer number but got floating-point number"},
    /* replace, strings.replace_n */
    {"replace", {"\"\"", "\"hi\"", "\"bye\""}, "=\"\""},
    {"replace", {"\"foo.bar\"", "\".\"", "\",\""}, "=\"foo,bar\""},
    {"replace", {"\"foo.bar.baz\"", "\".\"", "\",\""}, "=\"foo,bar,baz\""},
    {"replace", {"\"foo...bar\"", "\"..\"", "\",,\""}, "=\"foo,,.bar\""},
    {"replace", {"\"abc\"", "\"\"", "\"-\""}, "=\"-a-b-c-\""},
    {"replace", {"\"abc\"", "\"b\"", "1"}, "!eval_type_error: operand 3 must be string but got number"},
    {"strings.replace_n", {"{\"<\": \"&lt;\", \">\": \"&gt;\"}", "\"This is <b>HTML</b>!\""}, "=\"This is &lt;b&gt;HTML&lt;/b&gt;!\""},
    {"strings.replace_n", {"{\"f\": \"x\", \"foo\": \"xxx\"}", "\"foobar\""}, "=\"xoobar\""},
    {"strings.replace_n", {"{\"old1\": \"new1\", \"old2\": \"new2\"}", "\"Everything is new1, new2\""}, "=\"Everything is new1, new2\""},
    {"strings.replace_n", {"{\"$obj\": [[2, \"x\"]]}", "\"foo\""}, "!eval_type_error: operand 1 non-string key found in pattern object"},
    {"strings.replace_n", {"{\"f\": 100}", "\"foo\""}, "!eval_type_error: operand 1 non-string value found in pattern object"},
    {"strings.replace_n", {"{\"foo\": \"baz\"}", "100"}, "!eval_type_error: operand 2 must be string but got number"},
    {"strings.replace_n", {"{\"$obj\": [[2, \"x\"]]}", "100"}, "!eval_type_error: operand 2 must be string but got number"},
    /* substring */
    {"substring", {"\"abcdefgh\"", "2", "3"}, "=\"cde\""},
    {"substring", {"\"åäö\"", "0", "2"}, "=\"åä\""},
    {"substring", {"\"abcdefgh\"", "2", "-1"}, "=\"cdefgh\""},
    {"substring", {"\"aåäö\"", "2", "-1"}, "=\"äö\""},
    {"substring", {"\"abcdefgh\"", "2", "10000"}, "=\"cdefgh\""},
    {"substring", {"\"abcdefghåäö\"", "2", "10000"}, "=\"cdefghåäö\""},
    {"substring", {"\"aaa\"", "-1", "-1"}, "!eval_builtin_error: negative offset"},
    {"substring", {"\"åäö\"", "-1", "-1"}, "!eval_builtin_error: negative offset"},
    {"substring", {"\"aaa\"", "3", "-1"}, "=\"\""},
    {"substring", {"\"åäö\"", "3", "-1"}, "=\"\""},
    {"substring", {"\"aaa\"", "4", "-1"}, "=\"\""},
    {"substring", {"\"åäö\"", "4", "-1"}, "=\"\""},
    {"substring", {"\"aaa\"", "1.5", "1"}, "!eval_type_error: operand 2 must be integer number but got floating-point number"},
    {"substring", {"\"aaa\"", "1", "\"x\""}, "!eval_type_error: operand 3 must be number but got string"},
    /* trim family */
    {"trim", {"\"\"", "\".\""}, "=\"\""},
    {"trim", {"\"foo.bar...\"", "\".\""}, "=\"foo.bar\""},
    {"trim", {"\"...foo.bar\"", "\".\""}, "=\"foo.bar\""},
    {"trim", {"\"...foo.bar...\"", "\".fr\""}, "=\"oo.ba\""},
    {"trim", {"\"...foo.bar...\"", "\".o\""}, "=\"foo.bar\""},
    {"trim", {"\"¡¡¡foo, bar!!!\"", "\"!¡\""}, "=\"foo, bar\""},
    {"trim", {"\"¡¡¡foo, bar!!!\"", "\"i\""}, "=\"¡¡¡foo, bar!!!\""},
    {"trim_left", {"\"¡¡¡foo, bar!!!\"", "\"!¡\""}, "=\"foo, bar!!!\""},
    {"trim_left", {"\"!!!foo, bar¡¡¡\"", "\"¡\""}, "=\"!!!foo, bar¡¡¡\""},
    {"trim_right", {"\"¡¡¡foo, bar!!!\"", "\"!¡\""}, "=\"¡¡¡foo, bar\""},
    {"trim_right", {"\"!!!foo, bar¡¡¡\"", "\"!\""}, "=\"!!!foo, bar¡¡¡\""},
    {"trim_prefix", {"\"¡¡¡foo, bar!!!\"", "\"¡¡¡foo\""}, "=\", bar!!!\""},
    {"trim_prefix", {"\"¡¡¡foo, bar!!!\"", "\"¡¡¡bar\""}, "=\"¡¡¡foo, bar!!!\""},
    {"trim_suffix", {"\"¡¡¡foo, bar!!!\"", "\", bar!!!\""}, "=\"¡¡¡foo\""},
    {"trim_suffix", {"\"¡¡¡foo, bar!!!\"", "\", foo!!!\""}, "=\"¡¡¡foo, bar!!!\""},
    {"trim_space", {"\" \\t\\n foo, bar \\n\\t\\r\\n\""}, "=\"foo, bar\""},
    {"trim_space", {"\"foo, bar\""}, "=\"foo, bar\""},
    {"trim_space", {"\"\\u00a0\\u2003x\\u3000\""}, "=\"x\""},
    {"trim", {"1", "\".\""}, "!eval_type_error: operand 1 must be string but got number"},
    /* strings.any_prefix_match / any_suffix_match */
    {"strings.any_prefix_match", {"[\"a/b/c\", \"a/b/d\", \"e/f/g\"]", "[\"a/\", \"d/\"]"}, "=true"},
    {"strings.any_prefix_match", {"[\"a/b/c\", \"a/b/d\", \"e/f/g\"]", "[\"f/\", \"d/\"]"}, "=false"},
    {"strings.any_prefix_match", {"[\"aa/bb/cc\"]", "[\"a/b\", \"e/f\"]"}, "=false"},
    {"strings.any_prefix_match", {"[]", "[\"a/b\"]"}, "=false"},
    {"strings.any_prefix_match", {"[\"a\"]", "[]"}, "=false"},
    {"strings.any_prefix_match", {"\"a/b/c\"", "{\"$set\": [\"a/\", \"d/\"]}"}, "=true"},
    {"strings.any_prefix_match", {"[\"a/b/c\"]", "\"d/\""}, "=false"},
    {"strings.any_prefix_match", {"[1, 2, 3]", "[\"f/\"]"}, "!eval_type_error: operand 1 must be array of strings but got array containing number"},
    {"strings.any_prefix_match", {"1", "[\"f/\"]"}, "!eval_type_error: operand 1 must be one of {string, set, array} but got number"},
    {"strings.any_prefix_match", {"[\"a\"]", "[1, 2]"}, "!eval_type_error: operand 2 must be array of strings but got array containing number"},
    {"strings.any_prefix_match", {"[\"a\"]", "1"}, "!eval_type_error: operand 2 must be one of {string, set, array} but got number"},
    {"strings.any_suffix_match", {"[\"a/b/c\", \"a/b/d\", \"e/f/g\"]", "[\"/c\", \"/a\"]"}, "=true"},
    {"strings.any_suffix_match", {"[\"a/b/c\", \"a/b/d\", \"e/f/g\"]", "[\"/f\", \"/a\"]"}, "=false"},
    {"strings.any_suffix_match", {"[\"aa/bb/cc\"]", "[\"b/cc\", \"f/g\"]"}, "=true"},
    {"strings.any_suffix_match", {"\"a/b/g\"", "[\"/c\", \"/a\"]"}, "=false"},
    {"strings.any_suffix_match", {"{\"$set\": [1]}", "\"x\""}, "!eval_type_error: operand 1 must be set of strings but got set containing number"},
    /* strings.count, strings.reverse */
    {"strings.count", {"\"cheese\"", "\"e\""}, "=3"},
    {"strings.count", {"\"hello hello hello world\"", "\"hello\""}, "=3"},
    {"strings.count", {"\"dummy\"", "\"x\""}, "=0"},
    {"strings.count", {"\"åäö\"", "\"\""}, "=4"},
    {"strings.reverse", {"\"bar\""}, "=\"rab\""},
    {"strings.reverse", {"\"2\\ufe0f\\u20e3\""}, "=\"\u20e3\ufe0f2\""},
    {"strings.reverse", {"\"1\\ud83d\\ude00\\ud835\\udefe\""}, "=\"\U0001d6fe\U0001f6001\""},
    {"strings.reverse", {"\"\""}, "=\"\""},
    {"strings.reverse", {"123"}, "!eval_type_error: operand 1 must be string but got number"},
    {"strings.reverse", {"{\"bar\": \"baz\"}"}, "!eval_type_error: operand 1 must be string but got object"},
};

START_TEST(strings_builtins) { RUN(strings_cases); }
END_TEST

/* ---- sprintf: Go's fmt over OPA's conversion of Rego values ---- */

static const tcase sprintf_cases[] = {
    {"sprintf", {"\"hi\"", "[]"}, "=\"hi\""},
    {"sprintf", {"\"hi %s\"", "[\"there\"]"}, "=\"hi there\""},
    {"sprintf", {"\"hi %02d\"", "[5]"}, "=\"hi 05\""},
    {"sprintf", {"\"hi %02X.%02X\"", "[127, 1]"}, "=\"hi 7F.01\""},
    {"sprintf", {"\"hi %.2f\"", "[3.1415]"}, "=\"hi 3.14\""},
    {"sprintf", {"\"hi %v\"", "[2e308]"}, "=\"hi 2e308\""},
    {"sprintf", {"\"hi %s\"", "[true]"}, "=\"hi true\""},
    {"sprintf", {"\"hi %v\"", "[[\"there\", 5, 3.14]]"}, "=\"hi [\\\"there\\\", 5, 3.14]\""},
    {"sprintf", {"\"%s\"", "[123456789123456789123]"}, "=\"123456789123456789123\""},
    {"sprintf", {"\"%s\"", "[1208925819614629174706175]"}, "=\"1208925819614629174706175\""},
    {"sprintf", {"\"%d\"", "[1]"}, "=\"1\""},
    {"sprintf", {"\"%x %X %o %b %08d %+d\"", "[123456789123456789123, 123456789123456789123, 8, 5, 123456789123456789123, 123456789123456789123]"},
     "=\"6b14e9f9b0df36a83 6B14E9F9B0DF36A83 10 101 123456789123456789123 +123456789123456789123\""},
    {"sprintf", {"\"%f\"", "[123456789123456789123]"}, "=\"%!f(big.Int=123456789123456789123)\""},
    /* widths, flags, precision */
    {"sprintf", {"\"%5s|%-5s|%05s|%.2s\"", "[\"abc\", \"abc\", \"abc\", \"abc\"]"}, "=\"  abc|abc  |00abc|ab\""},
    {"sprintf", {"\"%5d|%-5d|%05d|%+d|% d|%x|%#x|%#o|%b\"", "[42, 42, -42, 42, 42, 255, 255, 8, 5]"}, "=\"   42|42   |-0042|+42| 42|ff|0xff|010|101\""},
    {"sprintf", {"\"%.0d|%.3d|%010.3d\"", "[0, 7, -1]"}, "=\"|007|      -001\""},
    {"sprintf", {"\"%c|%q|%U|%#U\"", "[65, 65, 9786, 9786]"}, "=\"A|'A'|U+263A|U+263A '☺'\""},
    {"sprintf", {"\"%q|%+q|%#q|%x|% X\"", "[\"a\\\"b\", \"☺\", \"ab\", \"hi\", \"hi\"]"}, "=\"\\\"a\\\\\\\"b\\\"|\\\"\\\\u263a\\\"|`ab`|6869|68 69\""},
    {"sprintf", {"\"%v|%v|%v|%v|%g\"", "[1e6, 123456789.5, 100000.5, 0.00001, 1.5]"}, "=\"1e+06|1.234567895e+08|100000.5|1e-05|1.5\""},
    {"sprintf", {"\"%e|%E|%.3e|%G\"", "[1.5, 1234.5678, 1.0, 1e-9]"}, "=\"1.500000e+00|1.234568E+03|1.000e+00|1E-09\""},
    {"sprintf", {"\"%07.2f|% .2f|%+.2f|%8.3f|%-8.1f|\"", "[-1.5, 1.5, 1.5, 3.14159, 2.25]"}, "=\"-001.50| 1.50|+1.50|   3.142|2.2     |\""},
    {"sprintf", {"\"%*d|%-*d|%.*f\"", "[5, 42, 4, 7, 1, 2.25]"}, "=\"   42|7   |2.2\""},
    {"sprintf", {"\"%[2]v %[1]v\"", "[\"a\", \"b\"]"}, "=\"b a\""},
    {"sprintf", {"\"%T %T %T %T %T\"", "[1, 1.5, \"s\", [1], 123456789123456789123]"}, "=\"int float64 string string *big.Int\""},
    {"sprintf", {"\"%#v|%+v\"", "[\"x\", 5]"}, "=\"\\\"x\\\"|5\""},
    /* Go's error forms */
    {"sprintf", {"\"%d\"", "[\"hello\"]"}, "=\"%!d(string=hello)\""},
    {"sprintf", {"\"%s\"", "[5]"}, "=\"%!s(int=5)\""},
    {"sprintf", {"\"%d\"", "[1.5]"}, "=\"%!d(float64=1.5)\""},
    {"sprintf", {"\"%t\"", "[true]"}, "=\"%!t(string=true)\""},
    {"sprintf", {"\"%d %d\"", "[1]"}, "=\"1 %!d(MISSING)\""},
    {"sprintf", {"\"%d\"", "[1, \"a\"]"}, "=\"1%!(EXTRA string=a)\""},
    {"sprintf", {"\"%s %\"", "[\"hello\"]"}, "=\"hello %!(NOVERB)\""},
    {"sprintf", {"\"%.\"", "[3]"}, "=\"%!.(int=3)\""},
    {"sprintf", {"\"%[3]d\"", "[1, 2]"}, "=\"%!d(BADINDEX)\""},
    {"sprintf", {"\"%*d\"", "[\"x\", 1]"}, "=\"%!(BADWIDTH)1\""},
    {"sprintf", {"\"100%%\"", "[]"}, "=\"100%\""},
    {"sprintf", {"\"%v|%v|%s\"", "[null, {\"$set\": []}, {\"a\": [1, \"x\"]}]"}, "=\"null|set()|{\\\"a\\\": [1, \\\"x\\\"]}\""},
    {"sprintf", {"1", "[]"}, "!eval_type_error: operand 1 must be string but got number"},
    {"sprintf", {"\"%s\"", "\"x\""}, "!eval_type_error: operand 2 must be array but got string"},
};

START_TEST(sprintf_builtin) { RUN(sprintf_cases); }
END_TEST

/* ---- strings.render_template ---- */

static const tcase template_cases[] = {
    {"strings.render_template", {"\"{{.test}}\"", "{\"test\": \"hello world\"}"}, "=\"hello world\""},
    {"strings.render_template", {"\"{{.test}}\"", "{\"test\": 2023}"}, "=\"2023\""},
    {"strings.render_template", {"\"{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}\"", "{\"hellonames\": [\"rohan\", \"john doe\"]}"}, "=\"hello rohan,hello john doe\""},
    {"strings.render_template", {"\"test {{.foo}} {{.bar}} {{.baz}}\"", "{\"baz\": 1}"}, "=\"test <undefined> <undefined> 1\""},
    {"strings.render_template", {"\"a {{- .x -}} b|{{/* c */}}{{.m}}|{{.l}}|{{.n}}|{{.f}}\"", "{\"x\": \"X\", \"m\": {\"b\": [1, \"z\"], \"a\": null}, \"l\": [1, 2.5], \"n\": null, \"f\": 1e21}"},
     "=\"aXb|map[a:<nil> b:[1 z]]|[1 2.5]|<no value>|1e+21\""},
    {"strings.render_template", {"\"{{if eq .a \\\"x\\\"}}yes{{else if .b}}b{{else}}no{{end}}|{{with .m}}{{.k}}{{else}}none{{end}}|{{range .e}}x{{else}}empty{{end}}|{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}\"", "{\"a\": \"y\", \"b\": true, \"m\": {\"k\": \"v\", \"j\": 1}, \"e\": []}"},
     "=\"b|v|empty|j=1;k=v;\""},
    {"strings.render_template", {"\"{{$x := 5}}{{$x}}{{$x = \\\"y\\\"}}{{$x}}|{{.a | printf \\\"%q\\\"}}|{{and 1 0 2}} {{or 0 \\\"\\\" \\\"z\\\"}} {{not true}}|{{html \\\"<a&b>\\\"}} {{urlquery \\\"a b\\\"}}|{{len .l}} {{index .l 1}} {{lt 1 2}}\"", "{\"a\": \"x\", \"l\": [\"p\", \"q\"]}"},
     "=\"5y|\\\"x\\\"|0 z false|&lt;a&amp;b&gt; a+b|2 q true\""},
    {"strings.render_template", {"\"{{range $i, $v := .l}}{{if eq $i 2}}{{break}}{{end}}{{if eq $i 0}}{{continue}}{{end}}{{$v}}{{end}}\"", "{\"l\": [\"a\", \"b\", \"c\"]}"}, "=\"b\""},
    {"strings.render_template", {"\"{{.a.b}}\"", "{\"a\": 1}"}, "!eval_builtin_error: template: template:1: executing \"template\" at <.a.b>: can't evaluate field b in type float64"},
    {"strings.render_template", {"\"{{if .a}}\"", "{\"a\": 1}"}, "!eval_builtin_error: template: template:1: unexpected EOF"},
    {"strings.render_template", {"\"{{foo}}\"", "{}"}, "!eval_builtin_error: template: template:1: function \"foo\" not defined"},
    {"strings.render_template", {"\"{{eq .a 1}}\"", "{\"a\": 1}"}, "!eval_builtin_error: template: template:1: error calling eq: incompatible types for comparison"},
    {"strings.render_template", {"1", "{}"}, "!eval_type_error: operand 1 must be string but got number"},
    {"strings.render_template", {"\"x\"", "[]"}, "!eval_type_error: operand 2 must be object but got array"},
};

START_TEST(render_template) { RUN(template_cases); }
END_TEST

/* ---- objects ---- */

static const tcase object_cases[] = {
    /* object.get */
    {"object.get", {"{\"a\": \"b\"}", "\"a\"", "\"c\""}, "=\"b\""},
    {"object.get", {"{\"a\": \"b\"}", "\"c\"", "\"c\""}, "=\"c\""},
    {"object.get", {"{\"$obj\": [[1, 2]]}", "1", "3"}, "=2"},
    {"object.get", {"{\"$obj\": [[1, 2]]}", "2", "3"}, "=3"},
    {"object.get", {"{\"a\": {\"b\": \"c\"}}", "\"a\"", "true"}, "={\"b\": \"c\"}"},
    {"object.get", {"{\"a\": 1}", "[]", "2"}, "={\"a\": 1}"},
    {"object.get", {"{\"a\": {\"b\": {\"c\": 1}}}", "[\"a\", \"b\", \"c\"]", "2"}, "=1"},
    {"object.get", {"{\"a\": {\"b\": {\"c\": 1}}}", "[\"a\", \"b\", \"a\"]", "2"}, "=2"},
    {"object.get", {"{\"$obj\": [[1, {\"b\": {\"$obj\": [[[1, 2, 3], 1]]}}]]}", "[1, \"b\", [1, 2, 3]]", "2"}, "=1"},
    {"object.get", {"{\"a\": {\"b\": [1, 2, 3]}}", "[\"a\", \"b\", \"a\"]", "2"}, "=2"},
    {"object.get", {"{\"a\": {\"b\": [{\"c\": 1}]}}", "[\"a\", \"b\", 0, \"c\"]", "2"}, "=1"},
    {"object.get", {"{\"a\": {\"$set\": [\"x\"]}}", "[\"a\", \"x\"]", "2"}, "=\"x\""},
    {"object.get", {"\"x\"", "[\"a\"]", "2"}, "!eval_type_error: operand 1 must be object but got string"},
    /* object.keys */
    {"object.keys", {"{\"a\": 1, \"b\": 2}"}, "={\"a\", \"b\"}"},
    {"object.keys", {"{\"$obj\": [[{\"a\": 1}, 1], [{\"b\": 2}, 2]]}"}, "={{\"a\": 1}, {\"b\": 2}}"},
    {"object.keys", {"{}"}, "=set()"},
    {"object.keys", {"\"x\""}, "!eval_type_error: operand 1 must be object but got string"},
    /* object.remove */
    {"object.remove", {"{\"a\": 1, \"b\": {\"c\": 3}}", "{\"$set\": [\"a\"]}"}, "={\"b\": {\"c\": 3}}"},
    {"object.remove", {"{\"a\": 1, \"b\": {\"c\": 3}, \"d\": 4}", "[\"d\", \"b\"]"}, "={\"a\": 1}"},
    {"object.remove", {"{\"a\": 1, \"b\": {\"c\": 3}, \"d\": 4}", "{\"b\": 1, \"d\": \"\"}"}, "={\"a\": 1}"},
    {"object.remove", {"{\"a\": {\"b\": {\"c\": 2}}, \"x\": 123}", "{\"a\": {\"b\": {\"foo\": \"bar\"}}}"}, "={\"x\": 123}"},
    {"object.remove", {"{}", "{\"$set\": [\"a\", \"b\"]}"}, "={}"},
    {"object.remove", {"{\"a\": 1}", "{\"$set\": [\"z\"]}"}, "={\"a\": 1}"},
    {"object.remove", {"{\"$obj\": [[\"a\", 1], [[[7]], 2]]}", "{\"$set\": [[[7]]]}"}, "={\"a\": 1}"},
    {"object.remove", {"[1]", "{\"$set\": [\"a\"]}"}, "!eval_type_error: operand 1 must be object but got array"},
    {"object.remove", {"{\"a\": 1}", "null"}, "!eval_type_error: operand 2 must be one of {object, set, array} but got null"},
    /* object.filter */
    {"object.filter", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "{\"$set\": [\"a\"]}"}, "={\"a\": {\"b\": {\"c\": 7, \"d\": 8}}}"},
    {"object.filter", {"{\"a\": 1, \"b\": 2, \"c\": 3, \"e\": 9}", "[\"a\", \"e\"]"}, "={\"a\": 1, \"e\": 9}"},
    {"object.filter", {"{\"a\": 1, \"b\": 2, \"c\": 3, \"e\": 9}", "{\"a\": \"foo\", \"e\": \"\"}"}, "={\"a\": 1, \"e\": 9}"},
    {"object.filter", {"{\"a\": 7}", "[]"}, "={}"},
    {"object.filter", {"{\"$obj\": [[\"a\", 1], [[[7]], 2]]}", "{\"$set\": [[[7]]]}"}, "={[[7]]: 2}"},
    {"object.filter", {"true", "[]"}, "!eval_type_error: operand 1 must be object but got boolean"},
    {"object.filter", {"{\"a\": 1}", "1"}, "!eval_type_error: operand 2 must be one of {object, set, array} but got number"},
    /* object.union, object.union_n */
    {"object.union", {"{}", "{}"}, "={}"},
    {"object.union", {"{}", "{\"a\": 1}"}, "={\"a\": 1}"},
    {"object.union", {"{\"a\": {\"b\": {\"c\": 1}}}", "{\"b\": 2}"}, "={\"a\": {\"b\": {\"c\": 1}}, \"b\": 2}"},
    {"object.union", {"{\"a\": 1}", "{\"a\": {\"b\": {\"c\": 1}}, \"d\": 7}"}, "={\"a\": {\"b\": {\"c\": 1}}, \"d\": 7}"},
    {"object.union", {"{\"a\": {\"b\": {\"c\": 1}}, \"e\": 1}", "{\"a\": {\"b\": \"foo\", \"b1\": \"bar\"}, \"d\": 7, \"e\": 17}"}, "={\"a\": {\"b\": \"foo\", \"b1\": \"bar\"}, \"d\": 7, \"e\": 17}"},
    {"object.union", {"[]", "{\"b\": 2}"}, "!eval_type_error: operand 1 must be object but got array"},
    {"object.union", {"{\"a\": 1}", "[]"}, "!eval_type_error: operand 2 must be object but got array"},
    {"object.union_n", {"[{}]"}, "={}"},
    {"object.union_n", {"[]"}, "={}"},
    {"object.union_n", {"[{\"foo\": \"bar\"}, {\"foo\": \"baz\"}]"}, "={\"foo\": \"baz\"}"},
    {"object.union_n", {"[{\"a\": 1, \"b\": 2, \"c\": 3}, {\"foo\": \"baz\", \"a\": \"a\", \"b\": 2, \"d\": 4}, {\"a\": \"final A!\", \"e\": 5.0}]"}, "={\"a\": \"final A!\", \"b\": 2, \"c\": 3, \"d\": 4, \"e\": 5.0, \"foo\": \"baz\"}"},
    {"object.union_n", {"[{\"a\": {\"b\": 2}}, {\"a\": 4}, {\"a\": {\"c\": 3}}]"}, "={\"a\": {\"c\": 3}}"},
    {"object.union_n", {"[1, {}, \"x\"]"}, "!eval_type_error: operand 1 must be array of objects but got array containing string"},
    {"object.union_n", {"{}"}, "!eval_type_error: operand 1 must be array but got object"},
    /* object.subset */
    {"object.subset", {"{\"a\": 5, \"b\": 7, \"c\": 15}", "{\"a\": 5}"}, "=true"},
    {"object.subset", {"{\"a\": 5}", "{\"a\": 5, \"b\": 7}"}, "=false"},
    {"object.subset", {"{\"a\": 5, \"n\": {\"x\": 10, \"y\": 15, \"s\": {\"$set\": [1, 2, 3]}, \"r\": [6, 7, 8, 9]}}", "{\"n\": {\"x\": 10, \"s\": {\"$set\": [1]}, \"r\": [7, 8]}}"}, "=true"},
    {"object.subset", {"{\"$set\": [1, 2, 3]}", "{\"$set\": [3, 2]}"}, "=true"},
    {"object.subset", {"{\"$set\": [1, 2, {\"$set\": [\"a\", \"b\"]}]}", "{\"$set\": [2, {\"$set\": [\"a\"]}]}"}, "=false"},
    {"object.subset", {"[1, 2, 3, 4, 5, 6]", "[3, 4, 5]"}, "=true"},
    {"object.subset", {"[1, 2, 3, 4, 5, 6]", "[4, 5, 6, 8]"}, "=false"},
    {"object.subset", {"[1, 1, 2]", "[1, 2]"}, "=true"},
    {"object.subset", {"[1, 2, 3, 4, 5, 6]", "{\"$set\": [4, 3, 2]}"}, "=true"},
    {"object.subset", {"[1, 2, 3]", "{\"$set\": [9]}"}, "=false"},
    {"object.subset", {"[]", "{\"$set\": []}"}, "=false"},
    {"object.subset", {"{\"$set\": [1]}", "[1]"}, "!eval_type_error: both arguments object.subset must be of the same type or array and set"},
};

START_TEST(object_builtins) { RUN(object_cases); }
END_TEST

static const tcase json_path_cases[] = {
    /* json.filter */
    {"json.filter", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "{\"$set\": [\"a/b/c\"]}"}, "={\"a\": {\"b\": {\"c\": 7}}}"},
    {"json.filter", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "[\"a/b/c\", \"e\"]"}, "={\"a\": {\"b\": {\"c\": 7}}, \"e\": 9}"},
    {"json.filter", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8}, \"e\": 9}}", "{\"$set\": [\"a/b/c\", \"a/e\"]}"}, "={\"a\": {\"b\": {\"c\": 7}, \"e\": 9}}"},
    {"json.filter", {"{\"a\": {\"b\": 7}}", "{\"$set\": [\"a\", \"a/b\"]}"}, "={\"a\": {\"b\": 7}}"},
    {"json.filter", {"{\"a\": 7}", "{\"$set\": []}"}, "={}"},
    {"json.filter", {"{}", "{\"$set\": [\"a/b\"]}"}, "={}"},
    {"json.filter", {"{\"a\": [{\"b\": 7, \"c\": 8}, {\"d\": 9}]}", "{\"$set\": [\"a/0/b\", \"a/1\"]}"}, "={\"a\": [{\"b\": 7}, {\"d\": 9}]}"},
    {"json.filter", {"{\"a\": [{\"1\": [\"b\", \"c\", \"d\"]}, {\"x\": \"y\"}]}", "{\"$set\": [\"a/0/1/2\"]}"}, "={\"a\": [{\"1\": [\"d\"]}]}"},
    {"json.filter", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "{\"$set\": [[\"a\", \"b\", \"c\"], [\"e\"]]}"}, "={\"a\": {\"b\": {\"c\": 7}}, \"e\": 9}"},
    {"json.filter", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8, \"x\": 0}}, \"e\": 9}", "{\"$set\": [\"a/b/d\", [\"a\", \"b\", \"c\"]]}"}, "={\"a\": {\"b\": {\"c\": 7, \"d\": 8}}}"},
    {"json.filter", {"{\"a~b\": 1, \"c/d\": 2, \"e\": 3}", "[\"/a~0b\", \"c~1d\"]"}, "={\"a~b\": 1, \"c/d\": 2}"},
    {"json.filter", {"[]", "[]"}, "!eval_type_error: operand 1 must be object but got array"},
    /* json.remove */
    {"json.remove", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "{\"$set\": [\"a/b/c\"]}"}, "={\"a\": {\"b\": {\"d\": 8}}, \"e\": 9}"},
    {"json.remove", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "[\"a/b/c\", \"e\"]"}, "={\"a\": {\"b\": {\"d\": 8}}}"},
    {"json.remove", {"{\"a\": {\"b\": 7}, \"c\": 1}", "{\"$set\": [\"a\", \"a/b\"]}"}, "={\"c\": 1}"},
    {"json.remove", {"{\"a\": 7}", "{\"$set\": []}"}, "={\"a\": 7}"},
    {"json.remove", {"{\"a\": {\"b\": 7}, \"c\": 1}", "{\"$set\": [\"a\", \"c\"]}"}, "={}"},
    {"json.remove", {"{\"a\": {\"b\": 7}, \"c\": 1}", "{\"$set\": [\"a/b\", \"c\"]}"}, "={\"a\": {}}"},
    {"json.remove", {"{\"a\": [{\"b\": 7, \"c\": 8}, {\"d\": 9}]}", "{\"$set\": [\"a/0/b\", \"a/1\"]}"}, "={\"a\": [{\"c\": 8}]}"},
    {"json.remove", {"{\"a\": [{\"1\": [\"b\", \"c\", \"d\"]}, {\"x\": \"y\"}]}", "{\"$set\": [\"a/0/1/2\"]}"}, "={\"a\": [{\"1\": [\"b\", \"c\"]}, {\"x\": \"y\"}]}"},
    {"json.remove", {"{\"a\": {\"b\": {\"c\": 7, \"d\": 8, \"x\": 0}}, \"e\": 9}", "{\"$set\": [\"a/b/d\", [\"a\", \"b\", \"c\"]]}"}, "={\"a\": {\"b\": {\"x\": 0}}, \"e\": 9}"},
    {"json.remove", {"{\"s\": {\"$set\": [\"x\", \"y\"]}}", "[\"s/x\"]"}, "={\"s\": {\"y\"}}"},
    {"json.remove", {"\"x\"", "[\"a\"]"}, "!eval_type_error: operand 1 must be object but got string"},
    {"json.remove", {"{\"a\": 1}", "\"a\""}, "!eval_type_error: operand 2 must be one of {set, array} but got string"},
    {"json.remove", {"{\"a\": 1}", "{\"a\": 1}"}, "!eval_type_error: operand 2 must be one of {set, array} but got object"},
    {"json.remove", {"{\"a\": 1}", "{\"$set\": [1]}"}, "!eval_type_error: operand 2 must be one of {set, array} containing string paths or array of path segments but got number"},
    {"json.remove", {"{\"a\": 1}", "[{\"a\": 1}]"}, "!eval_type_error: operand 2 must be one of {set, array} containing string paths or array of path segments but got object"},
};

START_TEST(json_filter_remove) { RUN(json_path_cases); }
END_TEST

static const tcase json_patch_cases[] = {
    /* RFC 6902 appendix A, as OPA runs it */
    {"json.patch", {"{\"foo\": \"bar\"}", "[{\"op\": \"add\", \"path\": \"/baz\", \"value\": \"qux\"}]"}, "={\"baz\": \"qux\", \"foo\": \"bar\"}"},
    {"json.patch", {"{\"foo\": [\"bar\", \"baz\"]}", "[{\"op\": \"add\", \"path\": \"/foo/1\", \"value\": \"qux\"}]"}, "={\"foo\": [\"bar\", \"qux\", \"baz\"]}"},
    {"json.patch", {"{\"baz\": \"qux\", \"foo\": \"bar\"}", "[{\"op\": \"remove\", \"path\": \"/baz\"}]"}, "={\"foo\": \"bar\"}"},
    {"json.patch", {"{\"foo\": [\"bar\", \"qux\", \"baz\"]}", "[{\"op\": \"remove\", \"path\": \"/foo/1\"}]"}, "={\"foo\": [\"bar\", \"baz\"]}"},
    {"json.patch", {"{\"baz\": \"qux\", \"foo\": \"bar\"}", "[{\"op\": \"replace\", \"path\": \"/baz\", \"value\": \"boo\"}]"}, "={\"baz\": \"boo\", \"foo\": \"bar\"}"},
    {"json.patch", {"{\"foo\": {\"bar\": \"baz\", \"waldo\": \"fred\"}, \"qux\": {\"corge\": \"grault\"}}", "[{\"op\": \"move\", \"from\": \"/foo/waldo\", \"path\": \"/qux/thud\"}]"}, "={\"foo\": {\"bar\": \"baz\"}, \"qux\": {\"corge\": \"grault\", \"thud\": \"fred\"}}"},
    {"json.patch", {"{\"foo\": [\"all\", \"grass\", \"cows\", \"eat\"]}", "[{\"op\": \"move\", \"from\": \"/foo/1\", \"path\": \"/foo/3\"}]"}, "={\"foo\": [\"all\", \"cows\", \"eat\", \"grass\"]}"},
    {"json.patch", {"{\"baz\": \"qux\", \"foo\": [\"a\", 2, \"c\"]}", "[{\"op\": \"test\", \"path\": \"/baz\", \"value\": \"qux\"}, {\"op\": \"test\", \"path\": \"/foo/1\", \"value\": 2}]"}, "={\"baz\": \"qux\", \"foo\": [\"a\", 2, \"c\"]}"},
    {"json.patch", {"{\"baz\": \"qux\"}", "[{\"op\": \"test\", \"path\": \"/baz\", \"value\": \"bar\"}]"}, "?"},
    {"json.patch", {"{\"foo\": \"bar\"}", "[{\"op\": \"add\", \"path\": \"/baz/bat\", \"value\": \"qux\"}]"}, "?"},
    {"json.patch", {"{\"foo\": \"bar\"}", "[{\"op\": \"add\", \"path\": \"/baz\", \"value\": \"qux\", \"xyz\": 123}]"}, "={\"baz\": \"qux\", \"foo\": \"bar\"}"},
    {"json.patch", {"{\"foo\": \"bar\"}", "[{\"op\": \"copy\", \"from\": \"/foo\", \"path\": \"/x\"}]"}, "={\"foo\": \"bar\", \"x\": \"bar\"}"},
    /* edges */
    {"json.patch", {"[]", "[{\"op\": \"add\", \"path\": \"/-\", \"value\": \"hi\"}]"}, "=[\"hi\"]"},
    {"json.patch", {"{}", "[{\"op\": \"add\", \"path\": \"\", \"value\": []}]"}, "=[]"},
    {"json.patch", {"{}", "[{\"op\": \"add\", \"path\": \"/\", \"value\": 1}]"}, "={\"\": 1}"},
    {"json.patch", {"{\"bar\": [1, 2]}", "[{\"op\": \"add\", \"path\": \"/bar/8\", \"value\": \"5\"}]"}, "?"},
    {"json.patch", {"{\"bar\": [1, 2]}", "[{\"op\": \"add\", \"path\": \"/bar/-1\", \"value\": \"5\"}]"}, "?"},
    {"json.patch", {"{\"bar\": [1, 2]}", "[{\"op\": \"add\", \"path\": \"/bar/01\", \"value\": \"5\"}]"}, "?"},
    {"json.patch", {"{\"a\": 1}", "[{\"op\": \"remove\", \"path\": \"\"}]"}, "?"},
    {"json.patch", {"{\"a\": 1}", "[{\"op\": \"spam\", \"path\": \"/a\"}]"}, "?"},
    {"json.patch", {"{\"a\": 1}", "[{\"path\": \"/a\"}]"}, "?"},
    {"json.patch", {"{\"a\": 1}", "[1]"}, "?"},
    {"json.patch", {"[1, 2, 3]", "[{\"op\": \"add\", \"path\": \"1.2\", \"value\": \"foo\"}]"}, "?"},
    {"json.patch", {"{\"foo\": {\"$set\": [\"a\", \"b\", \"c\"]}}", "[{\"op\": \"remove\", \"path\": \"foo/b\"}]"}, "={\"foo\": {\"a\", \"c\"}}"},
    {"json.patch", {"{\"foo\": {\"$set\": [\"a\", \"b\", \"c\"]}}", "[{\"op\": \"add\", \"path\": \"foo/d\", \"value\": \"d\"}]"}, "={\"foo\": {\"a\", \"b\", \"c\", \"d\"}}"},
    {"json.patch", {"{\"foo\": {\"$set\": [\"a\", \"b\", \"c\"]}}", "[{\"op\": \"add\", \"path\": \"foo/d\", \"value\": \"e\"}]"}, "?"},
    {"json.patch", {"{\"foo\": {\"$set\": [\"a\", \"b\"]}, \"bar\": {\"$set\": [\"c\", \"d\"]}}", "[{\"op\": \"move\", \"from\": \"foo/a\", \"path\": \"bar/a\"}]"}, "={\"bar\": {\"a\", \"c\", \"d\"}, \"foo\": {\"b\"}}"},
    {"json.patch", {"{\"$set\": [[1]]}", "[{\"op\": \"add\", \"path\": [[1], 1], \"value\": 2}]"}, "={[1, 2]}"},
    {"json.patch", {"\"x\"", "[{\"op\": \"replace\", \"path\": \"\", \"value\": 1}]"}, "=1"},
    {"json.patch", {"{}", "{}"}, "!eval_type_error: operand 2 must be array but got object"},
};

START_TEST(json_patch) { RUN(json_patch_cases); }
END_TEST

/* ---- arrays ---- */

static const tcase array_cases[] = {
    {"array.concat", {"[1, 2]", "[3, 4]"}, "=[1, 2, 3, 4]"},
    {"array.concat", {"[]", "[3]"}, "=[3]"},
    {"array.concat", {"{\"v1\": \"hello\"}", "[3, 4]"}, "!eval_type_error: operand 1 must be array but got object"},
    {"array.concat", {"[1, 2]", "{\"v1\": \"hello\"}"}, "!eval_type_error: operand 2 must be array but got object"},
    {"array.slice", {"[1, 2, 3, 4, 5]", "1", "3"}, "=[2, 3]"},
    {"array.slice", {"[1, 2, 3]", "0", "0"}, "=[]"},
    {"array.slice", {"[1, 2, 3, 4, 5]", "-4", "-1"}, "=[]"},
    {"array.slice", {"[1, 2, 3, 4, 5]", "4", "1"}, "=[]"},
    {"array.slice", {"[1, 2, 3, 4, 5]", "-1", "2"}, "=[1, 2]"},
    {"array.slice", {"[1, 2, 3, 4, 5]", "3", "6"}, "=[4, 5]"},
    {"array.slice", {"[]", "1000", "2000"}, "=[]"},
    {"array.slice", {"[1, 2, 3]", "1000", "2000"}, "=[]"},
    {"array.slice", {"[1, 2, 3]", "0.5", "2"}, "!eval_type_error: operand 2 must be integer number but got floating-point number"},
    {"array.slice", {"[1, 2, 3]", "0", "\"2\""}, "!eval_type_error: operand 3 must be number but got string"},
    {"array.reverse", {"[1, 2, 3]"}, "=[3, 2, 1]"},
    {"array.reverse", {"[]"}, "=[]"},
    {"array.reverse", {"{\"bar\": \"baz\"}"}, "!eval_type_error: operand 1 must be array but got object"},
    {"array.flatten", {"[[1, 2], 3, [[4]], []]"}, "=[1, 2, 3, [4]]"},
    {"array.flatten", {"[[1]]"}, "=[1]"},
    {"array.flatten", {"[]"}, "=[]"},
    {"array.flatten", {"{\"$set\": []}"}, "!eval_type_error: operand 1 must be array but got set"},
};

START_TEST(array_builtins) { RUN(array_cases); }
END_TEST

/* ---- encoding ---- */

static const tcase encoding_cases[] = {
    /* base64 */
    {"base64.encode", {"\"hello\""}, "=\"aGVsbG8=\""},
    {"base64.encode", {"\"there\""}, "=\"dGhlcmU=\""},
    {"base64.encode", {"\"subjects?_d\""}, "=\"c3ViamVjdHM/X2Q=\""},
    {"base64.decode", {"\"aGVsbG8=\""}, "=\"hello\""},
    {"base64.decode", {"\"c3ViamVjdHM/X2Q=\""}, "=\"subjects?_d\""},
    {"base64.decode", {"\"aGVs\\nbG8=\""}, "=\"hello\""},
    {"base64.decode", {"\"aGVsbG8\""}, "!eval_builtin_error: illegal base64 data at input byte 4"},
    {"base64.decode", {"\"aGVsbG8=x\""}, "!eval_builtin_error: illegal base64 data at input byte 8"},
    {"base64.decode", {"\"aGV!\""}, "!eval_builtin_error: illegal base64 data at input byte 3"},
    {"base64.decode", {"\"aGVsbA=\""}, "!eval_builtin_error: illegal base64 data at input byte 7"},
    {"base64.decode", {"1"}, "!eval_type_error: operand 1 must be string but got number"},
    {"base64.is_valid", {"\"aGVsbG8=\""}, "=true"},
    {"base64.is_valid", {"\"{'not':'base64'}\""}, "=false"},
    {"base64.is_valid", {"1"}, "=false"},
    {"base64url.encode", {"\"hello\""}, "=\"aGVsbG8=\""},
    {"base64url.encode", {"\"\\u00fb\\u00ef\""}, "=\"w7vDrw==\""},
    {"base64url.encode_no_pad", {"\"hello\""}, "=\"aGVsbG8\""},
    {"base64url.encode_no_pad", {"\"there\""}, "=\"dGhlcmU\""},
    {"base64url.decode", {"\"aGVsbG8=\""}, "=\"hello\""},
    {"base64url.decode", {"\"aGVsbG8\""}, "=\"hello\""},
    {"base64url.decode", {"\"w7vDrw\""}, "=\"ûï\""},
    {"base64url.decode", {"\"a\""}, "!eval_builtin_error: illegal base64url string: a"},
    /* hex */
    {"hex.encode", {"\"lorem ipsum\""}, "=\"6c6f72656d20697073756d\""},
    {"hex.decode", {"\"6c6f72656d20697073756d\""}, "=\"lorem ipsum\""},
    {"hex.decode", {"\"fghijkl\""}, "!eval_builtin_error: encoding/hex: invalid byte: U+0067 'g'"},
    {"hex.decode", {"\"6c6\""}, "!eval_builtin_error: encoding/hex: odd length hex string"},
    {"hex.decode", {"\"6c\\n\""}, "!eval_builtin_error: encoding/hex: invalid byte: U+000A"},
    /* urlquery */
    {"urlquery.encode", {"\"a=b+1\""}, "=\"a%3Db%2B1\""},
    {"urlquery.encode", {"\"\""}, "=\"\""},
    {"urlquery.encode", {"\"a b~ü\""}, "=\"a+b~%C3%BC\""},
    {"urlquery.decode", {"\"a%3Db%2B1\""}, "=\"a=b+1\""},
    {"urlquery.decode", {"\"a+b\""}, "=\"a b\""},
    {"urlquery.decode", {"\"a%zzb\""}, "!eval_builtin_error: invalid URL escape \"%zz\""},
    {"urlquery.decode", {"\"a%4\""}, "!eval_builtin_error: invalid URL escape \"%4\""},
    {"urlquery.encode_object", {"{}"}, "=\"\""},
    {"urlquery.encode_object", {"{\"a\": \"b\", \"c\": \"d\"}"}, "=\"a=b&c=d\""},
    {"urlquery.encode_object", {"{\"a\": \"c=b+1\"}"}, "=\"a=c%3Db%2B1\""},
    {"urlquery.encode_object", {"{\"a\": [\"b+1\", \"c+2\"]}"}, "=\"a=b%2B1&a=c%2B2\""},
    {"urlquery.encode_object", {"{\"a\": {\"$set\": [\"b+1\"]}}"}, "=\"a=b%2B1\""},
    {"urlquery.encode_object", {"{\"b\": [], \"a\": \"x\"}"}, "=\"a=x\""},
    {"urlquery.encode_object", {"{\"a\": 1}"}, "!eval_type_error: operand 1 values must be string, array[string], or set[string]"},
    {"urlquery.encode_object", {"[]"}, "!eval_type_error: operand 1 must be object but got array"},
    {"urlquery.decode_object", {"\"a=value_a1&b=value_b&a=value_a2\""}, "={\"a\": [\"value_a1\", \"value_a2\"], \"b\": [\"value_b\"]}"},
    {"urlquery.decode_object", {"\"a=value_a1&b\""}, "={\"a\": [\"value_a1\"], \"b\": [\"\"]}"},
    {"urlquery.decode_object", {"\"\""}, "={}"},
    {"urlquery.decode_object", {"\"x%20y=1+2&&\""}, "={\"x y\": [\"1 2\"]}"},
    {"urlquery.decode_object", {"\"a=1;b=2\""}, "!eval_builtin_error: invalid semicolon separator in query"},
    {"urlquery.decode_object", {"\"a=%zz\""}, "!eval_builtin_error: invalid URL escape \"%zz\""},
};

START_TEST(encoding_builtins) { RUN(encoding_cases); }
END_TEST

static const tcase json_yaml_cases[] = {
    {"json.marshal", {"[{\"foo\": {\"$set\": [1, 2, 3]}}]"}, "=\"[{\\\"foo\\\":[1,2,3]}]\""},
    {"json.marshal", {"[\"<a&b>\", 1.0]"}, "=\"[\\\"\\\\u003ca\\\\u0026b\\\\u003e\\\",1.0]\""},
    {"json.marshal", {"{\"$obj\": [[1, \"a\"], [[1, 2], \"b\"]]}"}, "=\"{\\\"1\\\":\\\"a\\\",\\\"[1,2]\\\":\\\"b\\\"}\""},
    {"json.marshal_with_options", {"[1234567890, 2000000, 1000000000]", "{\"indent\": \"  \"}"}, "=\"[\\n  1234567890,\\n  2000000,\\n  1000000000\\n]\""},
    {"json.marshal_with_options", {"[1, 2]", "{}"}, "=\"[1,2]\""},
    {"json.marshal_with_options", {"[1]", "{\"pretty\": true}"}, "=\"[\\n\\t1\\n]\""},
    {"json.marshal_with_options", {"[1]", "{\"pretty\": false, \"prefix\": \"NO!\", \"indent\": \"BAD!\"}"}, "=\"[1]\""},
    {"json.marshal_with_options", {"{\"foo\": \"bar\", \"bar\": \"baz\"}", "{\"prefix\": \"JSON => \"}"}, "=\"JSON => {\\nJSON => \\t\\\"bar\\\": \\\"baz\\\",\\nJSON => \\t\\\"foo\\\": \\\"bar\\\"\\nJSON => }\""},
    {"json.marshal_with_options", {"[]", "{\"indent\": \"    \", \"prefix\": \"---\"}"}, "=\"---[]\""},
    {"json.marshal_with_options", {"[[[]], {}]", "{\"indent\": \" \"}"}, "=\"[\\n [\\n  []\\n ],\\n {}\\n]\""},
    {"json.marshal_with_options", {"[]", "{\"indent\": \"    \", \"include_winning_lottery_numbers\": true}"}, "!eval_type_error: operand 2 object contained unknown key \"include_winning_lottery_numbers\""},
    {"json.marshal_with_options", {"[]", "{\"prefix\": 1}"}, "!eval_type_error: operand 2 key \"prefix\" failed cast to string: operand 0 must be string but got number"},
    {"json.marshal_with_options", {"[]", "{\"pretty\": 1}"}, "!eval_type_error: operand 2 key \"pretty\" failed cast to bool"},
    {"json.marshal_with_options", {"[]", "[]"}, "!eval_type_error: operand 2 must be object but got array"},
    {"json.unmarshal", {"\"[{\\\"foo\\\":[1,2,3]}]\""}, "=[{\"foo\": [1, 2, 3]}]"},
    {"json.unmarshal", {"1"}, "!eval_type_error: operand 1 must be string but got number"},
    {"json.is_valid", {"\"plainstring\""}, "=false"},
    {"json.is_valid", {"\"{\""}, "=false"},
    {"json.is_valid", {"\"{\\\"json\\\": \\\"ok\\\"}\""}, "=true"},
    {"json.is_valid", {"1"}, "=false"},
    {"yaml.marshal", {"[{\"foo\": {\"$set\": [1, 2, 3]}}]"}, "=\"- foo:\\n  - 1\\n  - 2\\n  - 3\\n\""},
    {"yaml.marshal", {"{\"b\": 1.0, \"a10\": \"x\", \"a2\": \"true\", \"_z\": \"\", \"n\": null, \"e\": 1e6, \"ml\": \"l1\\nl2\", \"d\": \"2001-12-14\", \"o\": {}, \"l\": []}"},
     "=\"_z: \\\"\\\"\\na2: \\\"true\\\"\\na10: x\\nb: 1\\nd: \\\"2001-12-14\\\"\\ne: 1e+06\\nl: []\\nml: |-\\n  l1\\n  l2\\n\\\"n\\\": null\\no: {}\\n\""},
    {"yaml.marshal", {"\"foo\""}, "=\"foo\\n\""},
    {"yaml.marshal", {"\"x\\n\\n\""}, "=\"|+\\n  x\\n\\n\""},
    {"yaml.marshal", {"{\"k\": \"a: b\", \"big\": 123456789012345678901234567890, \"neg\": -0}"}, "=\"big: 1.2345678901234568e+29\\nk: 'a: b'\\nneg: 0\\n\""},
    {"yaml.unmarshal", {"\"foo:\\n - qux: bar\\n - baz: 2\""}, "={\"foo\": [{\"qux\": \"bar\"}, {\"baz\": 2}]}"},
    {"yaml.unmarshal", {"\"[1,2,3\""}, "!eval_builtin_error: yaml: line 1: did not find expected ',' or ']'"},
    {"yaml.unmarshal", {"\"a: b: c\""}, "!eval_builtin_error: yaml: mapping values are not allowed in this context"},
    {"yaml.unmarshal", {"1"}, "!eval_type_error: operand 1 must be string but got number"},
    {"yaml.is_valid", {"\"foo:\\n - qux: bar\\n - baz: 2\""}, "=true"},
    {"yaml.is_valid", {"\"foo:\\n - qux: bar\\n - baz: {\""}, "=false"},
    {"yaml.is_valid", {"\"{\\\"json\\\": \\\"ok\\\"}\""}, "=true"},
    {"yaml.is_valid", {"1"}, "=false"},
};

START_TEST(json_yaml) { RUN(json_yaml_cases); }
END_TEST

/* yaml.marshal then yaml.unmarshal gives the value back (sets as arrays). */
START_TEST(yaml_round_trip)
{
    val *v = J("[{\"foo\": {\"$set\": [1, 2, 3]}, \"s\": [\"yes\", \"1.5\", \"\", \"x: y\", \"#c\", \"- d\", \"multi\\nline\"]}]");
    val *m = NULL, *back = NULL;
    ck_assert_int_eq(builtin_lookup("yaml.marshal")->fn(&ctx, &v, &m), BI_OK);
    ck_assert_int_eq(builtin_lookup("yaml.unmarshal")->fn(&ctx, &m, &back), BI_OK);
    ck_assert(val_equal(back, J("[{\"foo\": [1, 2, 3], \"s\": [\"yes\", \"1.5\", \"\", \"x: y\", \"#c\", \"- d\", \"multi\\nline\"]}]")));
}
END_TEST

/* Every builtin of these groups is registered under OPA's name and arity. */
START_TEST(registered_with_arity)
{
    static const struct {
        const char *name;
        int arity;
    } want[] = {
        {"concat", 2}, {"contains", 2}, {"endswith", 2}, {"startswith", 2}, {"format_int", 2}, {"indexof", 2},
        {"indexof_n", 2}, {"lower", 1}, {"upper", 1}, {"replace", 3}, {"split", 2}, {"sprintf", 2},
        {"substring", 3}, {"trim", 2}, {"trim_left", 2}, {"trim_prefix", 2}, {"trim_right", 2}, {"trim_space", 1},
        {"trim_suffix", 2}, {"strings.any_prefix_match", 2}, {"strings.any_suffix_match", 2}, {"strings.count", 2},
        {"strings.replace_n", 2}, {"strings.reverse", 1}, {"strings.split_n", 3}, {"strings.render_template", 2},
        {"object.get", 3}, {"object.keys", 1}, {"object.remove", 2}, {"object.filter", 2}, {"object.union", 2},
        {"object.union_n", 1}, {"object.subset", 2}, {"json.filter", 2}, {"json.remove", 2}, {"json.patch", 2},
        {"array.concat", 2}, {"array.slice", 3}, {"array.reverse", 1}, {"array.flatten", 1},
        {"base64.encode", 1}, {"base64.decode", 1}, {"base64.is_valid", 1}, {"base64url.encode", 1},
        {"base64url.encode_no_pad", 1}, {"base64url.decode", 1}, {"hex.encode", 1}, {"hex.decode", 1},
        {"urlquery.encode", 1}, {"urlquery.decode", 1}, {"urlquery.encode_object", 1},
        {"urlquery.decode_object", 1}, {"json.marshal", 1}, {"json.marshal_with_options", 2},
        {"json.unmarshal", 1}, {"json.is_valid", 1}, {"yaml.marshal", 1}, {"yaml.unmarshal", 1},
        {"yaml.is_valid", 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const builtin_def *d = builtin_lookup(want[i].name);
        ck_assert_msg(d != NULL, "%s not registered", want[i].name);
        ck_assert_int_eq(d->arity, want[i].arity);
    }
}
END_TEST

/* When the arena runs out while a malloc'd buffer is being turned into the
 * result, the buffer is freed and the jump passed on (ASan checks the leak). */
START_TEST(arena_limit_does_not_leak)
{
    static const char *names[] = {"sprintf", "concat", "yaml.marshal", "json.marshal", "strings.render_template"};
    /* big inputs live in A; results would go to the small arena */
    strbuf big = STRBUF_INIT;
    for (int i = 0; i < 5000; i++)
        sb_puts(&big, "abcdefgh");
    val *s = val_string(&A, big.data, big.len);
    sb_free(&big);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        val *args[2];
        if (!strcmp(names[k], "sprintf")) {
            args[0] = val_cstring(&A, "%s");
            args[1] = val_array(&A, &s, 1);
        } else if (!strcmp(names[k], "concat")) {
            val *two[2] = {s, s};
            args[0] = val_cstring(&A, ",");
            args[1] = val_array(&A, two, 2);
        } else if (!strcmp(names[k], "strings.render_template")) {
            val *key = val_cstring(&A, "x");
            args[0] = val_cstring(&A, "{{.x}}{{.x}}");
            args[1] = val_object(&A, &key, &s, 1);
        } else {
            args[0] = s;
        }
        expect_arena_limit_hit(names[k], args);
    }
}
END_TEST

Suite *suite_builtins_text(void);

Suite *suite_builtins_text(void)
{
    Suite *s = suite_create("builtins_text");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, builtin_setup, builtin_teardown);
    tcase_add_test(tc, strings_builtins);
    tcase_add_test(tc, sprintf_builtin);
    tcase_add_test(tc, render_template);
    tcase_add_test(tc, object_builtins);
    tcase_add_test(tc, json_filter_remove);
    tcase_add_test(tc, json_patch);
    tcase_add_test(tc, array_builtins);
    tcase_add_test(tc, encoding_builtins);
    tcase_add_test(tc, json_yaml);
    tcase_add_test(tc, yaml_round_trip);
    tcase_add_test(tc, registered_with_arity);
    tcase_add_test(tc, arena_limit_does_not_leak);
    suite_add_tcase(s, tc);
    return s;
}
