#include <check.h>
Suite *suite_builtins_text(void);
Suite *suite_builtins_text(void) { return suite_create("builtins_text"); }
