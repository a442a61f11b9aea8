// The braintorch command line: `braintorch run [NETWORK.json] [options]`.
#include <cstdio>
#include <cstring>
#include <string>

#include "csrc/cli/run_command.h"

namespace {
void usage(FILE* out) {
  std::fprintf(out,
               "braintorch: a differentiable brain simulator on LibTorch\n\n"
               "usage:\n"
               "  braintorch run [NETWORK.json] [--duration MS] [--dt MS] [--seed N] [--device cpu|cuda]\n"
               "                 [--threads N] [--out DIR] [--no-progress] [--profile]\n"
               "  braintorch run --help\n"
               "  braintorch --version\n\n"
               "With no NETWORK, `run` simulates the built-in COBA network (networks/coba.json).\n");
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    usage(stdout);
    return 0;
  }
  if (command == "--version") {
    std::printf("braintorch 0.1.0\n");
    return 0;
  }
  if (command == "run") return braintorch::cli::run_command(argc - 1, argv + 1);
  std::fprintf(stderr, "error: unknown command '%s' (try `braintorch --help`)\n", command.c_str());
  return 2;
}
