// prune_bench: drover's pruners on synthetic learning curves (bench/hpo/curves.h), the C++
// side of the pruning comparison in bench/hpo/run.sh (not a test).
//   prune_bench PRUNER SEEDS TRIALS EPOCHS [LAG]
// PRUNER: median, asha, hyperband (drover's defaults, which are Optuna's). Trials run one
// after another; each reports epochs 0..EPOCHS-1 and stops when pruned. LAG > 0 applies a
// decision LAG epochs late, as a trial that is read only every so often would.
// One JSON line per seed: epochs run in all, and the best final loss of a complete trial.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/hpo/curves.h"
#include "hpo/hyperband.h"
#include "hpo/pruner.h"
#include "hpo/study.h"
#include "hpo/successive_halving.h"

using namespace drover;
using namespace drover::hpo;

namespace {

std::unique_ptr<Pruner> MakePruner(const std::string& name) {
  if (name == "median") return std::make_unique<PercentilePruner>(MakeMedianPruner());
  if (name == "asha") return std::make_unique<SuccessiveHalvingPruner>();
  if (name == "hyperband") return std::make_unique<HyperbandPruner>(HyperbandOptions{.study_name = "bench"});
  return nullptr;
}

// Runs one seed's study; returns false on a drover error.
bool RunSeed(const std::string& pruner, uint64_t seed, int trials, int epochs, int lag) {
  auto space = Space::Make({ParamSpec::Float("x", 0, 1)});
  if (!space.ok()) return false;
  Study study(*space, std::make_unique<RandomSampler>(), MakePruner(pruner), Direction::kMinimize, seed);
  long spent = 0;
  double best = 1e300;
  for (int n = 0; n < trials; ++n) {
    auto t = study.Ask();
    if (!t.ok()) return false;
    int prune_at = -1;  // the epoch at which the trial learns of a decision
    int e = 0;
    for (; e < epochs; ++e) {
      ++spent;
      auto p = study.Report(t->number, e, bench::CurveLoss(seed, t->number, e));
      if (!p.ok()) return false;
      if (*p && prune_at < 0) prune_at = e + lag;
      if (prune_at >= 0 && e >= prune_at) break;
    }
    if (prune_at >= 0 && e < epochs) {
      if (!study.TellPruned(t->number).ok()) return false;
    } else {
      const double v = bench::CurveLoss(seed, t->number, epochs - 1);
      if (!study.Tell(t->number, v).ok()) return false;
      best = std::min(best, v);
    }
  }
  std::printf("{\"impl\": \"drover%s\", \"pruner\": \"%s\", \"seed\": %llu, \"epochs\": %ld, \"best\": %.17g}\n",
              lag ? ("-lag" + std::to_string(lag)).c_str() : "", pruner.c_str(),
              static_cast<unsigned long long>(seed), spent, best);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || !MakePruner(argv[1])) {
    std::fprintf(stderr, "usage: prune_bench median|asha|hyperband SEEDS TRIALS EPOCHS [LAG]\n");
    return 2;
  }
  const int seeds = std::atoi(argv[2]), trials = std::atoi(argv[3]), epochs = std::atoi(argv[4]);
  const int lag = argc > 5 ? std::atoi(argv[5]) : 0;
  for (int s = 0; s < seeds; ++s)
    if (!RunSeed(argv[1], static_cast<uint64_t>(s), trials, epochs, lag)) return 1;
  return 0;
}
