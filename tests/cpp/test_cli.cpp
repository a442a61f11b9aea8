// `braintorch run` end to end: a short run writes its files; every bad input exits non-zero with a
// message on stderr, never a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>


namespace {

struct Outcome {
  int code;
  std::string output;  // stdout and stderr
};

Outcome run_cli(const std::string& args) {
  const std::string cmd = std::string(BRAINTORCH_BINARY_DIR) + "/bin/braintorch " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), int(buf.size()), pipe)) out += buf.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

// Shell and POSIX calls rather than std::filesystem, whose symbols libtorch.so also exports (and some
// of those crash when they win symbol resolution).
void remove_tree(const std::string& d) { EXPECT_EQ(std::system(("rm -rf '" + d + "'").c_str()), 0); }
bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}
std::string temp_dir(const std::string& name) {
  const std::string d = "/tmp/braintorch_cli_test_" + name + "_" + std::to_string(::getpid());
  remove_tree(d);
  EXPECT_EQ(::mkdir(d.c_str(), 0777), 0);
  return d;
}
void write(const std::string& p, const std::string& text) { std::ofstream(p) << text; }

}  // namespace

TEST(Cli, ShortRunWritesSummarySpikesAndRaster) {
  const std::string out = temp_dir("ok");
  Outcome r = run_cli("run --duration 100 --seed 3 --no-progress --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* f : {"summary.json", "spikes.npz", "raster.svg"}) EXPECT_TRUE(exists(out + "/" + f)) << f;
  nlohmann::json s = nlohmann::json::parse(std::ifstream(out + "/summary.json"));
  for (const char* key : {"model", "duration_ms", "dt_ms", "steps", "neurons", "synapses", "seed", "threads",
                          "wall_seconds", "setup_seconds", "spike_count", "synaptic_events", "groups", "device"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_EQ(s["steps"], 1000);
  EXPECT_EQ(s["seed"], 3);
  EXPECT_EQ(s["neurons"], 4000);
  const int64_t e = s["groups"]["E"]["spike_count"], i = s["groups"]["I"]["spike_count"];
  EXPECT_EQ(e + i, s["spike_count"].get<int64_t>());
  EXPECT_GT(s["synaptic_events"].get<int64_t>(), 50 * (e + i));  // ~80 targets per spike
  EXPECT_NEAR(s["groups"]["E"]["mean_rate_hz"].get<double>(), double(e) / 3200 / 0.1, 1e-9);
  std::ifstream svg(out + "/raster.svg");
  std::string head(5, ' ');
  svg.read(head.data(), 4);
  EXPECT_EQ(head.substr(0, 4), "<svg");
  remove_tree(out);
}

TEST(Cli, BadInputExitsNonZeroWithAMessage) {
  const std::string dir = temp_dir("bad");
  write(dir + "/broken.json", "{\"name\": \"x\", \"groups\": [");
  write(dir + "/unknown.json", "{\"groups\": [{\"name\": \"n\", \"type\": \"LIF\", \"size\": 10, \"colour\": 1}]}");
  write(dir + "/blocker", "a file where a directory should be");
  struct Case {
    std::string args, expected;
  };
  const std::vector<Case> cases = {
      {dir + "/broken.json", "invalid JSON"},
      {dir + "/unknown.json", "groups[0].colour: unknown key"},
      {dir + "/missing.json", "cannot read network file"},
      {"--dt 0", "--dt must be > 0"},
      {"--dt -0.1", "--dt must be > 0"},
      {"--duration -5", "--duration must be > 0"},
      {"--device tpu", "--device must be cpu or cuda"},
      {"--threads 0", "--threads must be >= 1"},
      {"--bogus-flag", "error:"},
      {"--out " + dir + "/blocker/sub", "cannot create output directory"},
  };
  for (const auto& c : cases) {
    Outcome r = run_cli("run --duration 1 --no-progress --out " + dir + "/o" + " " + c.args);
    EXPECT_NE(r.code, 0) << c.args;
    EXPECT_LT(r.code, 128) << "crashed on " << c.args;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << c.args << " -> " << r.output;
  }
  EXPECT_NE(run_cli("frobnicate").code, 0);
  EXPECT_EQ(run_cli("--help").code, 0);
  remove_tree(dir);
}
