#include "hpo/tpe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "hpo/study.h"

namespace drover::hpo {
namespace {

Space Box(int d, double lo, double hi) {
  std::vector<ParamSpec> ps;
  for (int i = 0; i < d; ++i) ps.push_back(ParamSpec::Float("x" + std::to_string(i), lo, hi));
  return *Space::Make(ps);
}

// A smooth bowl, minimum 0 at x = 1.
double Bowl(const Params& p) {
  double s = 0;
  for (const auto& [k, v] : p) s += (std::get<double>(v) - 1) * (std::get<double>(v) - 1);
  return s;
}

double BestAfter(std::unique_ptr<Sampler> sampler, uint64_t seed, int trials) {
  Study study(Box(3, -5, 5), std::move(sampler), nullptr, Direction::kMinimize, seed);
  for (int k = 0; k < trials; ++k) {
    auto t = study.Ask();
    EXPECT_TRUE(study.Tell(t->number, Bowl(t->params)).ok());
  }
  return *study.Best()->value;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(TpeTest, ConvergesFasterThanRandomOverManySeeds) {
  std::vector<double> tpe, multi, rnd;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    tpe.push_back(BestAfter(std::make_unique<TpeSampler>(), seed, 60));
    multi.push_back(BestAfter(std::make_unique<TpeSampler>(TpeOptions{.multivariate = true}), seed, 60));
    rnd.push_back(BestAfter(std::make_unique<RandomSampler>(), seed, 60));
  }
  EXPECT_LT(Median(tpe), 0.5 * Median(rnd)) << Median(tpe) << " vs " << Median(rnd);
  EXPECT_LT(Median(multi), 0.5 * Median(rnd)) << Median(multi) << " vs " << Median(rnd);
}

TEST(TpeTest, GammaAndWeightsFollowOptuna) {
  EXPECT_EQ(TpeGamma(10), 1u);
  EXPECT_EQ(TpeGamma(11), 2u);
  EXPECT_EQ(TpeGamma(249), 25u);
  EXPECT_EQ(TpeGamma(1000), 25u);
  auto w = TpeWeights(30);  // 5 ramp weights from 1/30 to 1, then 25 ones
  EXPECT_DOUBLE_EQ(w[0], 1.0 / 30);
  EXPECT_DOUBLE_EQ(w[4], 1.0);
  EXPECT_DOUBLE_EQ(w[2], 1.0 / 30 + (1 - 1.0 / 30) / 2);
  EXPECT_EQ(TpeWeights(24), std::vector<double>(24, 1.0));
}

TEST(TpeTest, SigmasFollowTheBandwidthRule) {
  // Centres 0.1, 0.8 and the prior's 0.5 on [0, 1]: sorted 0.1, 0.5, 0.8.
  // Outermost use their inner gaps (0.4, 0.3); min sigma = 1 / min(100, 4).
  auto s = TpeSigmas(std::vector<double>{0.8, 0.1}, 0.0, 1.0);
  EXPECT_DOUBLE_EQ(s[0], 0.3);
  EXPECT_DOUBLE_EQ(s[1], 0.4);
  auto clipped = TpeSigmas(std::vector<double>{0.5, 0.5001}, 0.0, 1.0);
  EXPECT_DOUBLE_EQ(clipped[0], 0.25);
}

TEST(TpeTest, PrunedTrialsFillTheGoodGroupDeepestFirst) {
  Space s = Box(1, 0, 1);
  Study study(s, std::make_unique<TpeSampler>(TpeOptions{.n_startup_trials = 100}));
  // 10 pruned trials at different depths, 1 complete: gamma(11) = 2.
  for (int k = 0; k < 10; ++k) {
    auto t = study.Ask();
    for (int step = 0; step <= k % 5; ++step) ASSERT_TRUE(study.Report(t->number, step, 10.0 - k).ok());
    ASSERT_TRUE(study.TellPruned(t->number).ok());
  }
  auto t = study.Ask();
  ASSERT_TRUE(study.Tell(t->number, 100.0).ok());
  // The complete trial, then the deepest pruned (step 4: trials 4 and 9) with the lower value: 9.
  const auto& tpe = dynamic_cast<const TpeSampler&>(study.sampler());
  EXPECT_EQ(tpe.good(), (std::vector<int64_t>{9, 10}));
}

// The incremental model must agree with the from-scratch mixture.
void CompareModel(const NumericDomain& d, bool discrete) {
  Rng rng(5);
  AboveModel model(d);
  std::vector<double> obs;
  auto draw = [&] {
    double x = d.lo + rng.Uniform() * d.range();
    // Clustered data like TPE produces: half the points near 0.3 of the range.
    if (rng.Uniform() < 0.5) x = d.lo + d.range() * (0.3 + 0.02 * rng.Normal());
    return d.Round(std::clamp(x, d.lo, d.hi));
  };
  for (int n = 0; n < 700; ++n) {
    obs.push_back(draw());
    model.Insert(n, obs.back());
    if (n == 100 || n == 300 || n == 699) {
      const NumericMixture exact = NumericMixture::Build(obs, d);
      std::vector<double> xs, got(50);
      for (int i = 0; i < 50; ++i) xs.push_back(draw());
      model.LogPdf(xs, {}, got);
      for (int i = 0; i < 50; ++i) EXPECT_NEAR(got[i], exact.LogPdf(xs[i]), discrete ? 1e-6 : 2e-3) << n << " " << xs[i];
    }
  }
}

TEST(TpeTest, IncrementalModelMatchesExactMixture) {
  CompareModel({-3.0, 7.0, 0.0}, false);
  CompareModel({0.5, 20.5, 1.0}, true);
}

TEST(TpeTest, ConstantLiarSpreadsParallelAsks) {
  Space s = Box(1, 0, 1);
  auto spread = [&](bool liar) {
    Study study(s, std::make_unique<TpeSampler>(TpeOptions{.constant_liar = liar}), nullptr, Direction::kMinimize, 3);
    for (int k = 0; k < 30; ++k) {
      auto t = study.Ask();
      EXPECT_TRUE(study.Tell(t->number, std::abs(std::get<double>(t->params.at("x0")) - 0.5)).ok());
    }
    std::vector<double> xs;
    for (int k = 0; k < 8; ++k) xs.push_back(std::get<double>(study.Ask()->params.at("x0")));
    std::sort(xs.begin(), xs.end());
    return xs.back() - xs.front();
  };
  EXPECT_GT(spread(true), spread(false));
}

TEST(TpeTest, AskStaysCheapAtFiveThousandTrials) {
  std::vector<ParamSpec> ps;
  for (int i = 0; i < 5; ++i) ps.push_back(ParamSpec::Float("x" + std::to_string(i), -5, 5));
  ps.push_back(ParamSpec::Categorical("c", {"a", "b", "c"}));
  Study study(*Space::Make(ps), std::make_unique<TpeSampler>(), nullptr, Direction::kMinimize, 1);
  Rng rng(2);
  for (int k = 0; k < 5000; ++k) ASSERT_TRUE(study.Add(SampleUniform(study.space(), rng), rng.Uniform()).ok());
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(study.Tell(study.Ask()->number, rng.Uniform()).ok());  // warm up
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < 50; ++k) {
    auto t = study.Ask();
    ASSERT_TRUE(study.Tell(t->number, rng.Uniform()).ok());
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / 50;
  EXPECT_LT(us, 1000.0) << "ask+tell took " << us << " us";
}

}  // namespace
}  // namespace drover::hpo

namespace drover::hpo {
namespace {

TEST(TpeTest, MixedSpaceStaysValidPastTheTableThreshold) {
  auto space = Space::Parse(R"({
    "lr": {"type":"float","low":1e-5,"high":1,"log":true},
    "units": {"type":"int","low":8,"high":512,"log":true},
    "layers": {"type":"int","low":1,"high":6},
    "batch": {"type":"int","low":0,"high":100000,"step":10},
    "drop": {"type":"float","low":0,"high":0.5,"step":0.05},
    "opt": {"type":"categorical","choices":["adam","sgd","rmsprop"]},
    "momentum": {"type":"float","low":0.5,"high":0.99,"when":{"opt":["sgd","rmsprop"]}}})");
  ASSERT_TRUE(space.ok()) << space.status().message();
  for (bool multivariate : {false, true}) {
    Study study(*space, std::make_unique<TpeSampler>(TpeOptions{.multivariate = multivariate}), nullptr,
                Direction::kMaximize, 4);
    for (int k = 0; k < 260; ++k) {
      auto t = study.Ask();
      ASSERT_TRUE(t.ok()) << t.status().message();  // Ask validates the params against the space
      const double lr = std::get<double>(t->params.at("lr"));
      const double v = -std::pow(std::log10(lr) + 2.5, 2) - std::abs(std::get<int64_t>(t->params.at("layers")) - 3) -
                       std::get<int64_t>(t->params.at("batch")) / 50000.0;
      ASSERT_TRUE(study.Tell(t->number, v).ok());
    }
    EXPECT_GT(*study.Best()->value, -0.3) << multivariate;
  }
}

}  // namespace
}  // namespace drover::hpo
