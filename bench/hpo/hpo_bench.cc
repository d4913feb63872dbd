// hpo_bench: the C++ side of bench/hpo (run.sh drives it; not a test).
//   hpo_bench quality SAMPLER FUNCTION SEEDS TRIALS [FIRST_SEED]   one JSON line per seed: best value
//   hpo_bench cost SIZES WINDOW ['SAMPLER ...']       mean us per ask+tell at each history size
//   hpo_bench check                                   function values at fixed points
//   hpo_bench suggest SAMPLER FUNCTION N < HISTORY     N independent next suggestions
// SAMPLER: tpe, tpe-mv (drover's defaults), tpe-optuna, tpe-mv-optuna (Optuna's), random, qmc, cmaes;
// 'tpe:key=value,...' or 'tpe-mv:key=value,...' for other TPE settings (TpeVariant).
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <iostream>
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

// "tpe:key=value,..." or "tpe-mv:key=value,...": TPE with options changed from drover's defaults,
// for trying settings (keys: startup, qmc, cand, jc, jcand, gamma, gsqrt, inc, xo, refine, rscale,
// prior, endpoints, clip, minbw, ramp, bw, bwpow, scott, sigma0; see TpeOptions).
std::unique_ptr<Sampler> TpeVariant(const std::string& name) {
  TpeOptions o;
  const size_t colon = name.find(':');
  o.multivariate = name.substr(0, colon) == "tpe-mv";
  std::stringstream ss(colon == std::string::npos ? "" : name.substr(colon + 1));
  for (std::string kv; std::getline(ss, kv, ',');) {
    const size_t eq = kv.find('=');
    const std::string k = kv.substr(0, eq);
    const double v = eq == std::string::npos ? 1.0 : std::stod(kv.substr(eq + 1));
    if (k == "cand") o.n_ei_candidates = static_cast<size_t>(v);
    else if (k == "startup") o.n_startup_trials = static_cast<size_t>(v);
    else if (k == "bw") o.bandwidth_weighted = v != 0;
    else if (k == "prior") o.prior_weight = v;
    else if (k == "endpoints") o.consider_endpoints = v != 0;
    else if (k == "clip") o.magic_clip = v != 0;
    else if (k == "minbw") o.min_bandwidth = v;
    else if (k == "ramp") o.weight_ramp = v != 0;
    else if (k == "sigma0") o.sigma0 = v;
    else if (k == "gamma") o.gamma = v;
    else if (k == "xo") o.crossover = v;
    else if (k == "gxo") o.grouped_crossover = v;
    else if (k == "jc") o.joint_candidates = v != 0;
    else if (k == "jcand") o.n_joint_candidates = static_cast<size_t>(v);
    else if (k == "scott") o.good_scott = v;
    else if (k == "qmc") o.startup_qmc = v != 0;
    else if (k == "bwpow") o.bandwidth_power = v;
    else if (k == "gsqrt") o.gamma_sqrt = v;
    else if (k == "inc") o.incumbent = v;
    else if (k == "refine") o.n_refine = static_cast<size_t>(v);
    else if (k == "rscale") o.refine_scale = v;
    else {
      std::fprintf(stderr, "unknown TPE option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return std::make_unique<TpeSampler>(o);
}

std::unique_ptr<Sampler> MakeSampler(const std::string& name) {
  if (name.find(':') != std::string::npos) return TpeVariant(name);
  if (name == "tpe") return std::make_unique<TpeSampler>();
  if (name == "tpe-mv") return std::make_unique<TpeSampler>(TpeOptions{.multivariate = true});
  // The textbook kernel densities (TpeOptions::bandwidth_weighted = false), for comparison.
  if (name == "tpe-density") return std::make_unique<TpeSampler>(TpeOptions{.bandwidth_weighted = false});
  if (name == "tpe-mv-density")
    return std::make_unique<TpeSampler>(TpeOptions{.multivariate = true, .bandwidth_weighted = false});
  // Optuna's algorithm (TpeOptions::Optuna), for comparison with drover's defaults.
  if (name == "tpe-optuna") return std::make_unique<TpeSampler>(TpeOptions::Optuna());
  if (name == "tpe-mv-optuna") return std::make_unique<TpeSampler>(TpeOptions::Optuna(true));
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

int Quality(const std::string& sampler, const std::string& fname, int seeds, int trials, int first_seed) {
  const TestFunction& f = Find(fname);
  for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
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
    for (std::string sampler; sl >> sampler;) {
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

// Suggestions from a fixed history: reads "x0 x1 ... value" lines from stdin
// (the history, told in order), then prints `n` suggestions, one per line,
// each from a fresh study (seed 0, 1, ...) so that they are independent
// draws of the sampler's next point. Compared with Optuna's by
// optuna_bench.py suggest (same history): the two distributions must agree.
int Suggest(const std::string& sampler, const std::string& fname, int n) {
  const TestFunction& f = Find(fname);
  std::vector<std::vector<double>> rows;
  for (double v; std::cin >> v;) {
    if (rows.empty() || rows.back().size() == static_cast<size_t>(f.dim) + 1) rows.emplace_back();
    rows.back().push_back(v);
  }
  for (int seed = 0; seed < n; ++seed) {
    Study study(SpaceOf(f), MakeSampler(sampler), nullptr, Direction::kMinimize, seed);
    for (const auto& r : rows) {
      Params p;
      for (int i = 0; i < f.dim; ++i) p["x" + std::to_string(i)] = r[i];
      if (!study.Add(p, r.back()).ok()) return 1;
    }
    auto t = study.Ask();
    if (!t.ok()) return 1;
    for (int i = 0; i < f.dim; ++i) std::printf("%s%.10g", i ? " " : "", std::get<double>(t->params.at("x" + std::to_string(i))));
    std::printf("\n");
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
  if (mode == "quality" && (argc == 6 || argc == 7))
    return Quality(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]), argc == 7 ? std::atoi(argv[6]) : 0);
  if (mode == "cost" && (argc == 4 || argc == 5)) return Cost(argv[2], std::atoi(argv[3]), argc == 5 ? argv[4] : "tpe tpe-mv");
  if (mode == "check") return Check();
  if (mode == "suggest" && argc == 5) return Suggest(argv[2], argv[3], std::atoi(argv[4]));
  std::fprintf(stderr, "usage: hpo_bench quality SAMPLER FUNCTION SEEDS TRIALS [FIRST_SEED] | cost SIZES WINDOW ['SAMPLER ...'] | check\n");
  return 2;
}
