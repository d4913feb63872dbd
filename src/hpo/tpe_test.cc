#include "hpo/tpe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "hpo/math.h"
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

// Past the incremental model's table threshold (and the multivariate
// normaliser table), asks stay valid and keep finding the optimum region.
// (Cost is measured by bench/hpo, not asserted here.)
TEST(TpeTest, LargeStudiesKeepSamplingWell) {
  for (bool multivariate : {false, true}) {
    std::vector<ParamSpec> ps;
    for (int i = 0; i < 3; ++i) ps.push_back(ParamSpec::Float("x" + std::to_string(i), -5, 5));
    Study study(*Space::Make(ps), std::make_unique<TpeSampler>(TpeOptions{.multivariate = multivariate}), nullptr,
                Direction::kMinimize, 1);
    Rng rng(2);
    for (int k = 0; k < 2000; ++k) {
      Params p = SampleUniform(study.space(), rng);
      ASSERT_TRUE(study.Add(p, Bowl(p)).ok());
    }
    std::vector<double> got;
    for (int k = 0; k < 40; ++k) {
      auto t = study.Ask();
      ASSERT_TRUE(t.ok());
      got.push_back(Bowl(t->params));
      ASSERT_TRUE(study.Tell(t->number, got.back()).ok());
    }
    // Uniform points have a median Bowl of about 28 here; TPE's must be far lower.
    EXPECT_LT(Median(got), 5.0) << multivariate;
  }
}

TEST(TpeTest, PriorWeightAndFlatWeights) {
  EXPECT_EQ(TpeWeights(30, false), std::vector<double>(30, 1.0));
  // One observation at 0.2 on [0, 1] with the prior weighted 3: weights 1/4, 3/4.
  KdeOptions o;
  o.prior_weight = 3.0;
  o.bandwidth_weighted = false;
  const NumericMixture m = NumericMixture::Build(std::vector<double>{0.2}, {0.0, 1.0, 0.0}, o);
  // sigma of the observation: gaps to the prior's 0.5 (its inner gap) = 0.3,
  // floor 1 / min(100, 3); the prior: centre 0.5, sigma 1.
  const double x = 0.4;
  const double k1 = math::TruncNormLogPdf(x, 0.2, 1.0 / 3.0, 0.0, 1.0);
  const double k2 = math::TruncNormLogPdf(x, 0.5, 1.0, 0.0, 1.0);
  EXPECT_NEAR(m.LogPdf(x), std::log(0.25 * std::exp(k1) + 0.75 * std::exp(k2)), 1e-12);
}

TEST(TpeTest, SigmasWithEndpointsAndWithoutMagicClip) {
  // Centres 0.1, 0.8 and the prior's 0.5 on [0, 1], padded with 0 and 1:
  // with endpoints 0.1 takes max(0.1, 0.4), 0.8 max(0.3, 0.2).
  KdeOptions o;
  o.consider_endpoints = true;
  auto s = TpeSigmas(std::vector<double>{0.8, 0.1}, 0.0, 1.0, o);
  EXPECT_DOUBLE_EQ(s[0], 0.3);
  EXPECT_DOUBLE_EQ(s[1], 0.4);
  // Without the magic clip the floor is min_bandwidth * range.
  KdeOptions f;
  f.magic_clip = false;
  f.min_bandwidth = 0.01;
  // Sorted: 0.5, the prior's 0.5, 0.9; the first uses its inner gap (0), the last its left gap.
  auto t = TpeSigmas(std::vector<double>{0.5, 0.9}, 0.0, 1.0, f);
  EXPECT_NEAR(t[0], 0.01, 1e-12);
  EXPECT_NEAR(t[1], 0.4, 1e-12);
  EXPECT_DOUBLE_EQ(TpeMinSigma(10, 2.0, KdeOptions{}), 2.0 / 12);
  EXPECT_DOUBLE_EQ(TpeMinSigma(500, 2.0, KdeOptions{}), 2.0 / 100);
}

TEST(TpeTest, CategoricalPriorWeight) {
  // Two observations of choice 0 among 3, prior weight 2:
  // each kernel: (2/3 + [c == 0]) / (1 + 3 * 2/3) = 5/9, 2/9, 2/9; prior 1/3 each, weight 2.
  KdeOptions o;
  o.prior_weight = 2.0;
  const CategoricalMixture m = CategoricalMixture::Build(std::vector<double>{0, 0}, 3, o);
  const double p0 = (2 * 5.0 / 9 + 2 * 1.0 / 3) / 4, p1 = (2 * 2.0 / 9 + 2 * 1.0 / 3) / 4;
  EXPECT_NEAR(std::exp(m.LogPdf(0)), p0, 1e-12);
  EXPECT_NEAR(std::exp(m.LogPdf(1)), p1, 1e-12);
  EXPECT_NEAR(std::exp(m.LogPdf(2)), p1, 1e-12);
}

// The product mixture against a direct sum of truncated normals: Scott's
// bandwidth, weights, prior; past the normaliser table threshold too.
TEST(TpeTest, ProductMixtureMatchesDirectSum) {
  for (size_t k : {3, 40, 3000}) {
    KdeOptions o;
    o.bandwidth_weighted = false;
    o.sigma0 = 0.12;
    std::vector<ProductMixture::Dim> dims = {{false, {0.0, 1.0, 0.0}, 0}, {false, {-2.0, 4.0, 0.0}, 0}};
    Rng rng(9);
    std::vector<double> rows;
    for (size_t i = 0; i < k; ++i) {
      rows.push_back(rng.Uniform());
      rows.push_back(-2.0 + 6.0 * rng.Uniform());
    }
    const ProductMixture m = ProductMixture::Build(dims, rows, o);
    const std::vector<double> w = TpeWeights(k);
    double total = 1.0;
    for (double v : w) total += v;
    const double f = 0.12 * std::pow(static_cast<double>(k), -1.0 / 6);
    const double s0 = std::max(f, 1.0 / std::min(100.0, k + 2.0)), s1 = 6.0 * s0;
    for (int c = 0; c < 5; ++c) {
      const double x[2] = {rng.Uniform(), -2.0 + 6.0 * rng.Uniform()};
      double sum = std::exp(math::TruncNormLogPdf(x[0], 0.5, 1.0, 0.0, 1.0) +
                            math::TruncNormLogPdf(x[1], 1.0, 6.0, -2.0, 4.0));
      for (size_t i = 0; i < k; ++i)
        sum += w[i] * std::exp(math::TruncNormLogPdf(x[0], rows[2 * i], s0, 0.0, 1.0) +
                               math::TruncNormLogPdf(x[1], rows[2 * i + 1], s1, -2.0, 4.0));
      EXPECT_NEAR(m.LogPdf(x), std::log(sum / total), 5e-4) << k;
    }
  }
}

// The incremental model with Optuna's other options matches the exact mixture.
TEST(TpeTest, IncrementalModelHonoursOptions) {
  KdeOptions o;
  o.prior_weight = 2.5;
  o.weight_ramp = false;
  o.consider_endpoints = true;
  const NumericDomain d{-1.0, 3.0, 0.0};
  AboveModel model(d, o);
  Rng rng(4);
  std::vector<double> obs;
  for (int n = 0; n < 300; ++n) {
    obs.push_back(d.lo + d.range() * (rng.Uniform() < 0.5 ? rng.Uniform() : std::clamp(0.7 + 0.03 * rng.Normal(), 0.0, 1.0)));
    model.Insert(n, obs.back());
  }
  const NumericMixture exact = NumericMixture::Build(obs, d, o);
  std::vector<double> xs, got(40);
  for (int i = 0; i < 40; ++i) xs.push_back(d.lo + d.range() * rng.Uniform());
  model.LogPdf(xs, {}, got);
  for (int i = 0; i < 40; ++i) EXPECT_NEAR(got[i], exact.LogPdf(xs[i]), 2e-3) << xs[i];
}

TEST(TpeTest, DefaultsPerModeAndOptunas) {
  EXPECT_DOUBLE_EQ(TpeOptions{}.Gamma(), 0.15);
  EXPECT_TRUE(TpeOptions{}.joint_candidates);
  EXPECT_DOUBLE_EQ(TpeOptions{.multivariate = true}.Gamma(), 0.1);
  EXPECT_DOUBLE_EQ(TpeOptions{.gamma = 0.3}.Gamma(), 0.3);
  const TpeOptions o = TpeOptions::Optuna(), m = TpeOptions::Optuna(true);
  EXPECT_FALSE(o.joint_candidates);
  EXPECT_DOUBLE_EQ(o.Gamma(), 0.1);
  EXPECT_EQ(o.n_ei_candidates, 24u);
  EXPECT_TRUE(m.multivariate);
  EXPECT_DOUBLE_EQ(m.sigma0, 0.2);
  // 20 finished trials: a good group of ceil(0.15 * 20) = 3 by default, ceil(0.1 * 20) = 2 with Optuna's.
  using Good = std::vector<int64_t>;
  for (const auto& [options, want] : {std::pair{TpeOptions{}, Good{0, 1, 2}}, std::pair{TpeOptions::Optuna(), Good{0, 1}}}) {
    auto sampler = std::make_unique<TpeSampler>(options);
    const TpeSampler* tpe = sampler.get();
    Study study(Box(1, 0, 1), std::move(sampler));
    for (int k = 0; k < 20; ++k) ASSERT_TRUE(study.Add({{"x0", 0.05 * k}}, k).ok());
    EXPECT_EQ(tpe->good(), want);
  }
}

TEST(TpeTest, GammaSqrtIsHyperoptsRule) {
  EXPECT_EQ(TpeGammaSqrt(100, 0.25), 3u);   // ceil(2.5)
  EXPECT_EQ(TpeGammaSqrt(16, 0.25), 1u);    // ceil(1.0)
  EXPECT_EQ(TpeGammaSqrt(17, 0.25), 2u);    // ceil(1.03)
  EXPECT_EQ(TpeGammaSqrt(1000000, 1.0), 25u);
}

TEST(TpeTest, ScottBandwidthIsSharedAndFloored) {
  KdeOptions o;
  o.scott = 1.06;
  // Centres 0.2 .. 0.8: std sqrt(0.05) = 0.2236 < IQR / 1.34 = 0.3 / 1.34 = 0.2239;
  // sigma = 1.06 * 0.2236 * 4^(-1/5) = 0.1796 > floor 1 / 6.
  auto s = TpeSigmas(std::vector<double>{0.8, 0.2, 0.6, 0.4}, 0.0, 1.0, o);
  ASSERT_EQ(s.size(), 4u);
  for (double v : s) EXPECT_NEAR(v, 1.06 * std::sqrt(0.05) * std::pow(4.0, -0.2), 1e-12);
  // Two close centres: the magic clip's floor 1 / min(100, 4).
  auto f = TpeSigmas(std::vector<double>{0.5, 0.51}, 0.0, 1.0, o);
  EXPECT_DOUBLE_EQ(f[0], 0.25);
  EXPECT_DOUBLE_EQ(f[1], 0.25);
}

TEST(TpeTest, BandwidthPowerWeighsKernels) {
  // One observation at 0.3 on [0, 1]: sigma = max(gap 0.2, floor 1/3) = 1/3; the prior (0.5, 1).
  // pdf(x) = sum over kernels of 1/2 * sigma^p * phi((x - mu) / sigma) / (sigma Z).
  const NumericDomain d{0.0, 1.0, 0.0};
  for (double p : {0.0, 1.0, 2.0}) {
    KdeOptions o;
    o.bandwidth_power = p;
    const NumericMixture m = NumericMixture::Build(std::vector<double>{0.3}, d, o);
    auto kernel = [&](double x, double mu, double sg) {
      const double z = (x - mu) / sg, zn = math::Ndtr((1 - mu) / sg) - math::Ndtr(-mu / sg);
      return 0.5 * std::pow(sg, p) * std::exp(-0.5 * z * z) / (std::sqrt(2 * M_PI) * sg * zn);
    };
    for (double x : {0.05, 0.3, 0.7}) {
      const double want = kernel(x, 0.3, 1.0 / 3) + kernel(x, 0.5, 1.0);
      EXPECT_NEAR(m.LogPdf(x), std::log(want), 1e-9) << "p=" << p << " x=" << x;
    }
  }
}

// 20 trials on [0, 1] at 0.025, 0.075, ...: the best at 0.125, the second
// at 0.875, the rest bad; gamma(20) = 2 puts both in the good group.
Result<Params> SuggestAfterTwoGoodOnes(TpeOptions o, uint64_t seed) {
  o.gamma = 0.1;
  Study study(Box(1, 0, 1), std::make_unique<TpeSampler>(o), nullptr, Direction::kMinimize, seed);
  for (int k = 0; k < 20; ++k) {
    const double x = 0.025 + 0.05 * k;
    (void)study.Add({{"x0", x}}, k == 2 ? 0.0 : k == 17 ? 1.0 : 10.0 + k);
  }
  auto t = study.Ask();
  if (!t.ok()) return t.status();
  return t->params;
}

TEST(TpeTest, IncumbentCandidatesComeFromTheBestTrial) {
  // One candidate, so the suggestion is that candidate. With incumbent = 1 it is a
  // draw from the best trial's kernel: N(0.125, 0.375) truncated to [0, 1] (sigma:
  // the gap to the prior's centre 0.5), of which (Phi(1) - Phi(-1/3)) /
  // (Phi(7/3) - Phi(-1/3)) = 0.760 lies below 0.5. Without, the two good kernels
  // are mirror images and the prior is symmetric: 0.5.
  const double want = (math::Ndtr(1.0) - math::Ndtr(-1.0 / 3)) / (math::Ndtr(7.0 / 3) - math::Ndtr(-1.0 / 3));
  const int n = 1000;
  int low_default = 0, low_incumbent = 0;
  for (uint64_t seed = 0; seed < n; ++seed) {
    const TpeOptions base{.n_ei_candidates = 1, .joint_candidates = false};
    TpeOptions inc = base;
    inc.incumbent = 1.0;
    low_default += std::get<double>(SuggestAfterTwoGoodOnes(base, seed)->at("x0")) < 0.5;
    low_incumbent += std::get<double>(SuggestAfterTwoGoodOnes(inc, seed)->at("x0")) < 0.5;
  }
  EXPECT_NEAR(low_default / double(n), 0.5, 0.05);  // about 3.5 standard deviations
  EXPECT_NEAR(low_incumbent / double(n), want, 0.045);
}

// Fraction of suggestions with both params on the same side of 0.5, after 20
// trials on the diagonal of [0, 1]^2 (0.025, 0.075, ...), the best at 0.125
// and the second at 0.875 (the good group), one candidate per ask.
double SameSide(TpeOptions o, int n) {
  o.n_ei_candidates = 1;
  o.n_joint_candidates = 1;
  o.gamma = 0.1;
  int same = 0;
  for (int seed = 0; seed < n; ++seed) {
    Study study(Box(2, 0, 1), std::make_unique<TpeSampler>(o), nullptr, Direction::kMinimize, seed);
    for (int k = 0; k < 20; ++k) {
      const double x = 0.025 + 0.05 * k;
      (void)study.Add({{"x0", x}, {"x1", x}}, k == 2 ? 0.0 : k == 17 ? 1.0 : 10.0 + k);
    }
    auto t = study.Ask();
    same += (std::get<double>(t->params.at("x0")) < 0.5) == (std::get<double>(t->params.at("x1")) < 0.5);
  }
  return same / static_cast<double>(n);
}

// P(a draw from N(mu, sigma) truncated to [0, 1] is below 0.5).
double BelowHalf(double mu, double sigma) {
  return (math::Ndtr((0.5 - mu) / sigma) - math::Ndtr(-mu / sigma)) /
         (math::Ndtr((1 - mu) / sigma) - math::Ndtr(-mu / sigma));
}

TEST(TpeTest, JointCandidatesDrawEachParamsKernelOnItsOwnUnlessAskedNotTo) {
  // Optuna's independent mode: the params are drawn independently, each symmetric: 1/2.
  EXPECT_NEAR(SameSide({.joint_candidates = false}, 2000), 0.5, 0.035);
  // The default, joint candidates with a kernel per param: independent again (the ranking
  // by the sum of the per-param log l - log g is symmetric here).
  EXPECT_NEAR(SameSide({}, 2000), 0.5, 0.035);
  // Without the crossover: one kernel for both params, chosen with weight 1/3 each
  // (the two good trials, sigma 0.375 = the gap to the prior's centre, and
  // the prior, which is symmetric): 2/3 (p^2 + (1-p)^2) + 1/3 * 1/2.
  const double p = BelowHalf(0.125, 0.375);
  EXPECT_NEAR(SameSide({.grouped_crossover = 0.0}, 2000), 2.0 / 3 * (p * p + (1 - p) * (1 - p)) + 1.0 / 6, 0.035);
}

TEST(TpeTest, CrossoverDrawsEachParamFromItsOwnKernel) {
  // Multivariate: one kernel for both params, sigma = max(0.12 * 2^(-1/6), 1/4) = 1/4.
  const double p = BelowHalf(0.125, 0.25);
  EXPECT_NEAR(SameSide({.multivariate = true}, 2000), 2.0 / 3 * (p * p + (1 - p) * (1 - p)) + 1.0 / 6, 0.035);
  // Crossover: a kernel per param, so the params are independent again.
  EXPECT_NEAR(SameSide({.multivariate = true, .crossover = 1.0}, 2000), 0.5, 0.035);
}

TEST(TpeTest, RefinementNeverLowersTheAcquisition) {
  // The same candidates are drawn first (same seed), so the refined choice scores at least as high.
  const NumericDomain d{0.0, 1.0, 0.0};
  std::vector<double> bad;
  for (int k = 0; k < 20; ++k)
    if (k != 2 && k != 17) bad.push_back(0.025 + 0.05 * k);
  const NumericMixture l = NumericMixture::Build(std::vector<double>{0.125, 0.875}, d);
  const NumericMixture g = NumericMixture::Build(bad, d);
  auto acq = [&](double x) { return l.LogPdf(x) - g.LogPdf(x); };
  int higher = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    TpeOptions refine = TpeOptions::Optuna();
    refine.n_refine = 16;
    const double base = std::get<double>(SuggestAfterTwoGoodOnes(TpeOptions::Optuna(), seed)->at("x0"));
    const double refined = std::get<double>(SuggestAfterTwoGoodOnes(refine, seed)->at("x0"));
    EXPECT_GE(acq(refined), acq(base) - 1e-12) << seed;
    higher += acq(refined) > acq(base) + 1e-9;
  }
  EXPECT_GT(higher, 10);
}

TEST(TpeTest, QuasiRandomStartupStratifiesAndIsSeeded) {
  auto run = [](uint64_t seed, TpeOptions o) {
    o.n_startup_trials = 8;
    Study study(Box(1, 0, 1), std::make_unique<TpeSampler>(o), nullptr, Direction::kMinimize, seed);
    std::vector<double> xs;
    for (int k = 0; k < 8; ++k) {
      auto t = study.Ask();
      xs.push_back(std::get<double>(t->params.at("x0")));
      EXPECT_TRUE(study.Tell(t->number, xs.back()).ok());
    }
    return xs;
  };
  for (uint64_t seed : {1u, 2u, 3u}) {
    const auto xs = run(seed, {.startup_qmc = true});
    std::vector<int> bins(8, 0);
    for (double x : xs) ++bins[static_cast<size_t>(x * 8)];
    EXPECT_EQ(bins, std::vector<int>(8, 1)) << seed;  // one point in each eighth
    EXPECT_EQ(xs, run(seed, {.startup_qmc = true}));
  }
  EXPECT_NE(run(1, {.startup_qmc = true}), run(2, {.startup_qmc = true}));
}

TEST(TpeTest, MultivariateIncumbentAndRefinementStayValidAndSeeded) {
  auto run = [](uint64_t seed) {
    std::vector<ParamSpec> ps = {ParamSpec::Float("x0", -5, 5), ParamSpec::Float("x1", -5, 5)};
    ps.push_back(ParamSpec::Categorical("c", {"a", "b", "c"}));
    TpeOptions o{.multivariate = true, .incumbent = 0.5, .n_refine = 8};
    Study study(*Space::Make(ps), std::make_unique<TpeSampler>(o), nullptr, Direction::kMinimize, seed);
    std::vector<Params> out;
    for (int k = 0; k < 40; ++k) {
      auto t = study.Ask();
      const double x0 = std::get<double>(t->params.at("x0")), x1 = std::get<double>(t->params.at("x1"));
      EXPECT_TRUE(x0 >= -5 && x0 <= 5 && x1 >= -5 && x1 <= 5);
      EXPECT_TRUE(study.Tell(t->number, (x0 - 1) * (x0 - 1) + (x1 - 1) * (x1 - 1)).ok());
      out.push_back(t->params);
    }
    EXPECT_LT(*study.Best()->value, 2.0);
    return out;
  };
  EXPECT_EQ(run(5), run(5));
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
