/* main.c — the `verdict` command: dispatch to subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <verdict.h>

#include "bench.h"
#include "build.h"
#include "check.h"
#include "eval.h"
#include "run.h"
#include "test.h"

static void usage(FILE *out)
{
    fputs("Verdict, an Open Policy Agent compatible policy engine.\n"
          "\n"
          "Usage:\n"
          "  verdict <command> [flags]\n"
          "\n"
          "Commands:\n"
          "  bench       Benchmark a Rego query\n"
          "  build       Build a bundle (.tar.gz) from directories and files\n"
          "  capabilities Print the capabilities of this build (builtins and features)\n"
          "  check       Check Rego source files\n"
          "  eval        Evaluate a Rego query\n"
          "  help        Help about any command\n"
          "  inspect     Show what a bundle holds (manifest, namespaces, files)\n"
          "  run         Start the policy server (OPA's REST API)\n"
          "  test        Execute Rego test cases\n"
          "  version     Print the version of verdict\n"
          "\n"
          "Use \"verdict help <command>\" for more information about a command.\n",
          out);
}

static int version(void)
{
    printf("Version: %s\nRego Version: v1\n", VERDICT_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "eval") == 0) return cli_eval(argc - 1, argv + 1);
    if (strcmp(cmd, "bench") == 0) return cli_bench(argc - 1, argv + 1);
    if (strcmp(cmd, "build") == 0) return cli_build(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0) return cli_check(argc - 1, argv + 1);
    if (strcmp(cmd, "inspect") == 0) return cli_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0) return cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "test") == 0) return cli_test(argc - 1, argv + 1);
    if (strcmp(cmd, "capabilities") == 0) {
        /* `opa capabilities --current`: what this build supports */
        char *caps = verdict_capabilities_json(1);
        if (!caps)
            return 1;
        fputs(caps, stdout);
        free(caps);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) return version();
    if (strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(argv[2], "eval") == 0)
            cli_eval_usage(stdout);
        else if (argc > 2 && strcmp(argv[2], "check") == 0)
            cli_check_usage(stdout);
        else if (argc > 2 && strcmp(argv[2], "bench") == 0)
            cli_bench_usage(stdout);
        else if (argc > 2 && strcmp(argv[2], "run") == 0)
            cli_run_usage(stdout);
        else if (argc > 2 && strcmp(argv[2], "test") == 0)
            cli_test_usage(stdout);
        else if (argc > 2 && strcmp(argv[2], "version") == 0)
            puts("Print the version of verdict.\n\nUsage:\n  verdict version");
        else
            usage(stdout);
        return 0;
    }
    fprintf(stderr, "Error: unknown command \"%s\" for \"verdict\"\nRun 'verdict --help' for usage.\n",
            cmd);
    return 1;
}
