#pragma once
// `braintorch run`: simulate a network described in JSON (or the built-in COBA network) and write
// summary.json, spikes.npz and raster.svg.
namespace braintorch::cli {
int run_command(int argc, char** argv);  // argv[0] is "run"
}
