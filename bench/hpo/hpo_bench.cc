// hpo_bench: the C++ side of bench/hpo (run.sh drives it; not a test).
//   hpo_bench quality SAMPLER FUNCTION SEEDS TRIALS   one JSON line per seed: best value
//   hpo_bench cost SIZES WINDOW [SAMPLERS]            mean us per ask+tell at each history size
//   hpo_bench check                                   function values at fixed points
// SAMPLER: tpe, tpe-mv, random, qmc, cmaes.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "bench/hpo/functions.h"
#include "hpo/cmaes.h"
#include "hpo/qmc.h"
#include "hpo/study.h"
#include "hpo/tpe.h"

using namespace drover;
using namespace drover::hpo;
using drover::bench::TestFunction;

namespace {

std::unique_ptr<Sampler> MakeSampler(const std::string& name) {
  if (name == "tpe") return std::make_unique<TpeSampler>();
  if (name == "tpe-mv") return std::make_unique<TpeSampler>(TpeOptions{.multivariate = true});
  // The textbook kernel densities (TpeOptions::bandwidth_weighted = false), for comparison.
  if (name == "tpe-density") return std::make_unique<TpeSampler>(TpeOptions{.bandwidth_weighted = false});
  if (name == "tpe-mv-density")
    return std::make_unique<TpeSampler>(TpeOptions{.multivariate = true, .bandwidth_weighted = false});
  if (name == "random") return std::make_unique<RandomSampler>();
  if (name == "qmc") return std::make_unique<QuasiRandomSampler>(1);
  if (name == "cmaes") return std::make_unique<CmaEsSampler>();
  std::fprintf(stderr, "unknown sampler %s\n", name.c_str());
  std::exit(2);
}

Space SpaceOf(const TestFunction& f) {
  std::vector<ParamSpec> ps;
  for (int i = 0; i < f.dim; ++i) {
    ParamSpec p;
    p.name = "x" + std::to_string(i);
    bench::Bounds(f, i, p.low, p.high);
    ps.push_back(p);
  }
  return *Space::Make(ps);
}

double Eval(const TestFunction& f, const Params& p) {
  std::vector<double> x;
  for (int i = 0; i < f.dim; ++i) x.push_back(std::get<double>(p.at("x" + std::to_string(i))));
  return f.f(x);
}

const TestFunction& Find(const std::string& name) {
  static const auto all = bench::AllFunctions();
  for (const auto& f : all)
    if (f.name == name) return f;
  std::fprintf(stderr, "unknown function %s\n", name.c_str());
  std::exit(2);
}

int Quality(const std::string& sampler, const std::string& fname, int seeds, int trials) {
  const TestFunction& f = Find(fname);
  for (int seed = 0; seed < seeds; ++seed) {
    Study study(SpaceOf(f), MakeSampler(sampler), nullptr, Direction::kMinimize, seed);
    for (int k = 0; k < trials; ++k) {
      auto t = study.Ask();
      if (!t.ok() || !study.Tell(t->number, Eval(f, t->params)).ok()) return 1;
    }
    std::printf("{\"impl\":\"drover\",\"sampler\":\"%s\",\"function\":\"%s\",\"seed\":%d,\"best\":%.10g}\n",
                sampler.c_str(), fname.c_str(), seed, *study.Best()->value);
  }
  return 0;
}

// Mean microseconds per ask+tell over `window` trials once `size` trials exist
// (filled with random points, as optuna_bench.py does), on Hartmann6.
int Cost(const std::string& sizes, int window, const std::string& samplers) {
  const TestFunction& f = Find("hartmann6");
  std::stringstream ss(sizes);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const int size = std::stoi(item);
    std::stringstream sl(samplers);
    for (std::string sampler; std::getline(sl, sampler, ',');) {
      Study study(SpaceOf(f), MakeSampler(sampler), nullptr, Direction::kMinimize, 1);
      Rng rng(7);
      for (int k = 0; k < size; ++k) {
        Params p = SampleUniform(study.space(), rng);
        if (!study.Add(p, Eval(f, p)).ok()) return 1;
      }
      for (int k = 0; k < 3; ++k) (void)study.Tell(study.Ask()->number, 0.0);  // warm up
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpu_start = std::clock();
      for (int k = 0; k < window; ++k) {
        auto t = study.Ask();
        if (!t.ok() || !study.Tell(t->number, Eval(f, t->params)).ok()) return 1;
      }
      const double us =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / window;
      const double cpu_us = 1e6 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC / window;
      std::printf("{\"impl\":\"drover\",\"sampler\":\"%s\",\"storage\":\"memory\",\"size\":%d,\"us\":%.3f,"
                  "\"cpu_us\":%.3f}\n", sampler.c_str(), size, us, cpu_us);
    }
  }
  return 0;
}

int Check() {
  for (const auto& f : bench::AllFunctions()) {
    std::vector<double> x;
    for (int i = 0; i < f.dim; ++i) {
      double lo, hi;
      bench::Bounds(f, i, lo, hi);
      x.push_back(lo + (hi - lo) * (0.1 + 0.8 * ((i * 7) % 10) / 10.0));
    }
    std::printf("{\"function\":\"%s\",\"value\":%.12g}\n", f.name.c_str(), f.f(x));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "quality" && argc == 6) return Quality(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
  if (mode == "cost" && (argc == 4 || argc == 5)) return Cost(argv[2], std::atoi(argv[3]), argc == 5 ? argv[4] : "tpe,tpe-mv");
  if (mode == "check") return Check();
  std::fprintf(stderr, "usage: hpo_bench quality SAMPLER FUNCTION SEEDS TRIALS | cost SIZES WINDOW [SAMPLERS] | check\n");
  return 2;
}
