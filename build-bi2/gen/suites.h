X(suite_builtins_text)
