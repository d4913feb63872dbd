#include "hpo/cmaes.h"

#include <gtest/gtest.h>

#include <cmath>

#include "hpo/study.h"

namespace drover::hpo {
namespace {

double SphereBest(CmaEsOptions o, uint64_t seed, int trials, bool with_categorical) {
  std::vector<ParamSpec> ps;
  for (int i = 0; i < 5; ++i) ps.push_back(ParamSpec::Float("x" + std::to_string(i), -2, 3));
  if (with_categorical) ps.push_back(ParamSpec::Categorical("c", {"a", "b"}));
  Study study(*Space::Make(ps), std::make_unique<CmaEsSampler>(o), nullptr, Direction::kMinimize, seed);
  for (int k = 0; k < trials; ++k) {
    auto t = study.Ask();
    double s = 0;
    for (int i = 0; i < 5; ++i) {
      const double x = std::get<double>(t->params.at("x" + std::to_string(i)));
      s += (x - 0.7) * (x - 0.7);
    }
    EXPECT_TRUE(study.Tell(t->number, s).ok());
  }
  return *study.Best()->value;
}

TEST(CmaEsTest, SolvesTheSphere) {
  for (uint64_t seed : {1, 2, 3}) {
    EXPECT_LT(SphereBest({}, seed, 600, false), 1e-4) << seed;
    EXPECT_LT(SphereBest({.separable = true}, seed, 600, false), 1e-4) << seed;
  }
}

TEST(CmaEsTest, CategoricalParamsFallBackToRandom) {
  EXPECT_LT(SphereBest({}, 4, 600, true), 1e-4);
}

}  // namespace
}  // namespace drover::hpo
