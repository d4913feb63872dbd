// drover_fuzz: a mutation fuzzer for the workflow parser and the search-space parser.
//
//   drover_fuzz [--seconds N] [--seed S] [--out DIR] [--max-jobs N] [SEED_FILE_OR_DIR...]
//
// Starts from seed files (default: tests/bad/*.yaml, examples/*/drover.yaml and
// tests/fuzz/seeds/*), mutates them with a fixed-seed generator (byte flips, YAML and
// template tokens, very long numbers, bytes that are not UTF-8, deletions, duplicated
// chunks, splices of two inputs) and feeds each input to:
//   - the workflow loader: parse and validate, then the plan (when it has at most
//     --max-jobs jobs), then each study step's space, sampler and a few asks;
//   - the search-space loader (the file of `drover study create --space`), and the JSON
//     space parser.
// Inputs that load become seeds too. Every error must come back as a Status: an
// exception that escapes, a crash (signal) or one input running past 20 s stops the run
// with exit 1, the input saved to DIR/fuzz-failure.yaml. Otherwise it runs for N seconds
// (default 10) and prints how many inputs ran.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/mutator.h"
#include "hpo/space.h"
#include "hpo/study.h"
#include "plan/plan.h"
#include "spec/parser.h"
#include "study/settings.h"
#include "util/fs.h"

namespace drover::fuzz {
namespace {

struct Options {
  double seconds = 10;
  uint64_t seed = 1;
  std::string out = ".";
  uint64_t max_jobs = 10000;
  std::vector<std::string> seeds;
};

// The input under test, for the signal handlers (which may only use write(2)).
const std::string* g_input = nullptr;
char g_failure_path[4096];

// Writes the input under test to the failure file; async-signal-safe.
void SaveInput() {
  if (g_input == nullptr) return;
  int fd = ::open(g_failure_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  ssize_t ignored = ::write(fd, g_input->data(), g_input->size());
  (void)ignored;
  ::close(fd);
}

void Say(const char* text) {
  ssize_t ignored = ::write(2, text, std::strlen(text));
  (void)ignored;
}

void OnSignal(int sig) {
  SaveInput();
  Say(sig == SIGALRM ? "drover_fuzz: one input ran past 20 s; saved to "
                     : "drover_fuzz: crashed on an input (a signal); saved to ");
  Say(g_failure_path);
  Say("\n");
  if (sig == SIGALRM) ::_exit(1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Signal handlers on their own stack, so that a stack overflow is reported too.
void InstallHandlers() {
  static std::vector<char> stack(1 << 16);
  stack_t ss{};
  ss.ss_sp = stack.data();
  ss.ss_size = stack.size();
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa{};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_ONSTACK;
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGALRM}) ::sigaction(sig, &sa, nullptr);
}

// Outside the sanitizers, a memory limit turns a runaway allocation into a bad_alloc
// (a failure) instead of swapping the machine.
// Also keeps freed memory in the heap: giving it back to the kernel after each input
// and faulting it in again for the next took most of the time.
void LimitMemory() {
#if !defined(__SANITIZE_ADDRESS__)
  rlimit r{4ull << 30, 4ull << 30};
  ::setrlimit(RLIMIT_AS, &r);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
}

// A study step's space, sampler and pruner, as `drover run` builds them, and a few asks.
void RunStudy(const StudySpec& s) {
  auto json = nlohmann::json::parse(s.space_json, nullptr, false);
  auto space = hpo::Space::FromJson(json);
  if (!space.ok()) return;
  auto sampler_json = nlohmann::json::parse(s.sampler_json, nullptr, false);
  if (!study::MaxTrials(sampler_json, *space).ok()) return;
  auto sampler = study::MakeSampler(sampler_json, static_cast<uint64_t>(s.seed));
  auto pruner = study::MakePruner(nlohmann::json::parse(s.pruner_json, nullptr, false), "fuzz");
  if (!sampler.ok() || !pruner.ok()) return;
  hpo::Study study(std::move(*space), std::move(*sampler), std::move(*pruner));
  for (int i = 0; i < 3; ++i) {
    auto t = study.Ask();
    if (!t.ok()) return;
    (void)study.Tell(t->number, i * 0.5);
  }
}

// The workflow loader and what `drover run` does next; true when it loaded.
bool RunWorkflow(const std::string& text, const std::string& dir, uint64_t max_jobs) {
  auto wf = ParseWorkflow(text, dir + "/drover.yaml");
  // The loader turns an unexpected exception (bad_alloc included) into kInternal: a bug.
  if (!wf.ok() && wf.status().code() == Code::kInternal) throw std::runtime_error(wf.status().message());
  if (!wf.ok()) return false;
  uint64_t jobs = 0;
  for (const Step& step : wf->steps) jobs += StepJobCount(*wf, step);
  if (jobs <= max_jobs) (void)BuildPlan(*wf, {dir});
  for (const Step& step : wf->steps)
    if (step.study) RunStudy(*step.study);
  return true;
}

// The search-space loaders; true when it loaded.
bool RunSpace(const std::string& text, const std::string& dir) {
  (void)hpo::Space::Parse(text);
  const std::string path = dir + "/space.yaml";
  if (!WriteFile(path, text).ok()) return false;
  auto space = LoadSpaceFile(path);
  if (!space.ok()) return false;
  return hpo::Space::Parse(*space).ok();
}

// Runs one input through both targets; on an exception, saves it and exits 1.
bool RunOne(const std::string& text, const std::string& dir, uint64_t max_jobs) {
  g_input = &text;
  ::alarm(20);
  bool loaded = false;
  try {
    loaded = RunWorkflow(text, dir, max_jobs);
    loaded = RunSpace(text, dir) || loaded;
  } catch (const std::exception& e) {
    SaveInput();
    std::fprintf(stderr, "drover_fuzz: an exception escaped: %s; input saved to %s\n", e.what(),
                 g_failure_path);
    std::exit(1);
  } catch (...) {
    SaveInput();
    std::fprintf(stderr, "drover_fuzz: an exception escaped; input saved to %s\n", g_failure_path);
    std::exit(1);
  }
  ::alarm(0);
  g_input = nullptr;
  return loaded;
}

// The input that took longest, to look at after a run.
struct Slowest {
  std::string input;
  double seconds = 0;
  void Note(const std::string& in, double s) {
    if (s > seconds) input = in, seconds = s;
  }
};

// The default seeds: bad and good workflows of the repository and the space seeds.
std::vector<std::string> DefaultSeedPaths() {
  const std::string src = DROVER_SOURCE_DIR;
  return {src + "/tests/bad", src + "/examples/hpo/drover.yaml", src + "/examples/hpo/no_pruning.yaml",
          src + "/examples/leaderboard/drover.yaml", src + "/tests/fuzz/seeds"};
}

std::vector<std::string> ReadSeeds(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  auto add = [&](const std::filesystem::path& p) {
    auto text = ReadFile(p.string());
    if (text.ok()) out.push_back(*text);
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(path, ec)) files.push_back(e.path());
      std::sort(files.begin(), files.end());  // a fixed order, for a fixed seed
      for (const auto& f : files) add(f);
    } else {
      add(path);
    }
  }
  return out;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--seconds" && has_value) o->seconds = std::atof(argv[++i]);
    else if (a == "--seed" && has_value) o->seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--out" && has_value) o->out = argv[++i];
    else if (a == "--max-jobs" && has_value) o->max_jobs = std::strtoull(argv[++i], nullptr, 10);
    else if (!a.empty() && a[0] == '-') return false;
    else o->seeds.push_back(a);
  }
  if (o->seeds.empty()) o->seeds = DefaultSeedPaths();
  return o->seconds > 0;
}

int Main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    std::fprintf(stderr, "usage: drover_fuzz [--seconds N] [--seed S] [--out DIR] [--max-jobs N] "
                         "[SEED_FILE_OR_DIR...]\n");
    return 2;
  }
  std::snprintf(g_failure_path, sizeof g_failure_path, "%s/fuzz-failure.yaml", o.out.c_str());
  std::vector<std::string> pool = ReadSeeds(o.seeds);
  if (pool.empty()) {
    std::fprintf(stderr, "drover_fuzz: no seed inputs found\n");
    return 2;
  }
  char tmpl[] = "/tmp/drover-fuzz.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 2;
  const std::string dir = tmpl;
  InstallHandlers();
  LimitMemory();
  Mutator mutator(o.seed);
  const size_t seeds = pool.size();
  uint64_t runs = 0, loaded = 0;
  Slowest slowest;
  auto run = [&](const std::string& input) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = RunOne(input, dir, o.max_jobs);
    slowest.Note(input, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    ++runs;
    loaded += ok;
    return ok;
  };
  for (const std::string& s : std::vector<std::string>(pool)) run(s);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.seconds);
  while (std::chrono::steady_clock::now() < end) {
    std::string input = mutator.Mutate(pool);
    if (run(input)) mutator.Keep(&pool, std::move(input), seeds);
  }
  (void)RemoveAll(dir);
  const std::string slow_path = o.out + "/fuzz-slowest.yaml";
  (void)WriteFile(slow_path, slowest.input);
  std::printf("drover_fuzz: %llu inputs ran (%llu loaded) in %.0f s from %zu seeds (seed %llu); "
              "no exception escaped and nothing crashed; the slowest took %.3f s (%s)\n",
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(loaded),
              o.seconds, seeds, static_cast<unsigned long long>(o.seed), slowest.seconds,
              slow_path.c_str());
  return 0;
}

}  // namespace
}  // namespace drover::fuzz

int main(int argc, char** argv) { return drover::fuzz::Main(argc, argv); }
