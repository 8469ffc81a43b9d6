/* strings_template.c — strings.render_template (placeholder). */
#include "../builtins.h"

bi_status txt_render_template(bi_ctx *c, val *const *args, val **out);

bi_status txt_render_template(bi_ctx *c, val *const *args, val **out)
{
    (void)args, (void)out;
    return bi_error(c, "not implemented");
}
