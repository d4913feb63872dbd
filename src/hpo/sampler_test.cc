#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "hpo/grid.h"
#include "hpo/qmc.h"
#include "hpo/sampler.h"
#include "hpo/study.h"
#include "hpo/tpe.h"

namespace drover::hpo {
namespace {

Space MustParse(const std::string& text) {
  auto s = Space::Parse(text);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return *s;
}

double AsDouble(const ParamValue& v) {
  return std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v)) : std::get<double>(v);
}

// Kolmogorov-Smirnov distance between a sample and the uniform CDF on [0, 1].
double KsUniform(std::vector<double> u) {
  std::sort(u.begin(), u.end());
  double d = 0;
  for (size_t i = 0; i < u.size(); ++i)
    d = std::max({d, std::abs(u[i] - double(i) / u.size()), std::abs(u[i] - double(i + 1) / u.size())});
  return d;
}

TEST(RandomSamplerTest, FloatIsUniform) {
  Space s = MustParse(R"({"x": {"type":"float","low":-2,"high":3}})");
  Rng rng(1);
  std::vector<double> u;
  for (int i = 0; i < 20000; ++i) u.push_back((AsDouble(SampleUniform(s[0], rng)) + 2) / 5);
  // KS critical value at alpha = 0.001 is 1.95 / sqrt(n) = 0.0138.
  EXPECT_LT(KsUniform(u), 0.0138);
  EXPECT_GE(*std::min_element(u.begin(), u.end()), 0.0);
  EXPECT_LE(*std::max_element(u.begin(), u.end()), 1.0);
}

TEST(RandomSamplerTest, LogFloatIsLogUniform) {
  Space s = MustParse(R"({"x": {"type":"float","low":1e-4,"high":1e-1,"log":true}})");
  Rng rng(2);
  std::vector<double> u;
  for (int i = 0; i < 20000; ++i) u.push_back((std::log10(AsDouble(SampleUniform(s[0], rng))) + 4) / 3);
  EXPECT_LT(KsUniform(u), 0.0138);
}

TEST(RandomSamplerTest, IntAndStepCoverEveryValueEvenly) {
  Space s = MustParse(R"({"i": {"type":"int","low":1,"high":4}, "f": {"type":"float","low":0,"high":1,"step":0.25},
                          "l": {"type":"int","low":1,"high":100,"log":true}})");
  Rng rng(3);
  std::map<int64_t, int> ints;
  std::map<double, int> steps;
  int small_log = 0;
  const int n = 8000;
  for (int k = 0; k < n; ++k) {
    Params p = SampleUniform(s, rng);
    ++ints[std::get<int64_t>(p["i"])];
    ++steps[std::get<double>(p["f"])];
    const int64_t l = std::get<int64_t>(p["l"]);
    ASSERT_GE(l, 1);
    ASSERT_LE(l, 100);
    small_log += l <= 10;
  }
  ASSERT_EQ(ints.size(), 4u);
  for (auto [v, c] : ints) EXPECT_NEAR(c, n / 4, 200) << v;  // sd ~ 39
  ASSERT_EQ(steps.size(), 5u);
  for (auto [v, c] : steps) {
    EXPECT_NEAR(c, n / 5, 200) << v;
    EXPECT_NEAR(std::fmod(v, 0.25), 0.0, 1e-12);
  }
  // log-uniform on [0.5, 100.5]: P(l <= 10) = log(10.5/0.5)/log(201) = 0.574.
  EXPECT_NEAR(small_log / double(n), 0.574, 0.03);
}

TEST(RandomSamplerTest, ConditionalParamsAbsentWhenInactive) {
  Space s = MustParse(R"({"opt": {"type":"categorical","choices":["adam","sgd"]},
                          "momentum": {"type":"float","low":0,"high":0.99,"when":{"opt":["sgd"]}},
                          "nesterov": {"type":"categorical","choices":["y","n"],"when":{"opt":["sgd"]}},
                          "nd": {"type":"int","low":0,"high":3,"when":{"nesterov":["y"]}}})");
  for (auto* sampler : std::initializer_list<Sampler*>{new RandomSampler, new QuasiRandomSampler(4), new TpeSampler}) {
    Study study(s, std::unique_ptr<Sampler>(sampler), nullptr, Direction::kMinimize, 5);
    int sgd = 0;
    for (int k = 0; k < 60; ++k) {
      auto t = study.Ask();
      ASSERT_TRUE(t.ok()) << t.status().message();
      const bool is_sgd = std::get<std::string>(t->params.at("opt")) == "sgd";
      sgd += is_sgd;
      EXPECT_EQ(t->params.count("momentum"), is_sgd ? 1u : 0u);
      const bool nd = is_sgd && std::get<std::string>(t->params.at("nesterov")) == "y";
      EXPECT_EQ(t->params.count("nd"), nd ? 1u : 0u);
      ASSERT_TRUE(study.Tell(t->number, is_sgd ? AsDouble(t->params.at("momentum")) : 1.0).ok());
    }
    EXPECT_GT(sgd, 5) << sampler->name();
  }
}

TEST(RandomSamplerTest, SameSeedSameSuggestions) {
  Space s = MustParse(R"({"x": {"type":"float","low":0,"high":1}, "c": {"type":"categorical","choices":["a","b","c"]}})");
  auto run = [&](uint64_t seed, Sampler* sampler) {
    Study study(s, std::unique_ptr<Sampler>(sampler), nullptr, Direction::kMinimize, seed);
    std::vector<Params> out;
    for (int k = 0; k < 30; ++k) {
      auto t = study.Ask();
      out.push_back(t->params);
      EXPECT_TRUE(study.Tell(t->number, AsDouble(t->params.at("x"))).ok());
    }
    return out;
  };
  EXPECT_EQ(run(7, new RandomSampler), run(7, new RandomSampler));
  EXPECT_NE(run(7, new RandomSampler), run(8, new RandomSampler));
  EXPECT_EQ(run(7, new TpeSampler), run(7, new TpeSampler));
  EXPECT_NE(run(7, new TpeSampler), run(8, new TpeSampler));
  EXPECT_EQ(run(1, new QuasiRandomSampler(3)), run(2, new QuasiRandomSampler(3)));
  EXPECT_NE(run(1, new QuasiRandomSampler(3)), run(1, new QuasiRandomSampler(4)));
}

// A stepped float's points are the decimals a user writes (0.9, not 0 + 3 * 0.3 =
// 0.8999999999999999), in the grid and from every other sampler.
TEST(GridSamplerTest, SteppedFloatPointsAreTheDecimals) {
  Space s = MustParse(R"({"x": {"type":"float","low":0,"high":1,"step":0.3}})");
  auto pts = GridSampler::Enumerate(s, GridOptions{});
  ASSERT_TRUE(pts.ok());
  std::vector<double> xs;
  for (const Params& p : *pts) xs.push_back(std::get<double>(p.at("x")));
  EXPECT_EQ(xs, (std::vector<double>{0.0, 0.3, 0.6, 0.9}));
  EXPECT_EQ(std::get<double>(s[0].FromInternal(0.91)), 0.9);
  EXPECT_EQ(s[0].grid_high(), 0.9);
}

// So are a continuous float's: exp(log(0.0001)) is 0.00010000000000000009 in binary.
TEST(GridSamplerTest, ContinuousFloatPointsAreTheDecimals) {
  Space s = MustParse(R"({"lr": {"type":"float","low":0.0001,"high":0.1,"log":true},
                          "w": {"type":"float","low":0.1,"high":0.3}})");
  auto pts = GridSampler::Enumerate(s, GridOptions{.float_points = 4});
  ASSERT_TRUE(pts.ok());
  std::set<double> lrs, ws;
  for (const Params& p : *pts) lrs.insert(std::get<double>(p.at("lr"))), ws.insert(std::get<double>(p.at("w")));
  EXPECT_EQ(lrs, (std::set<double>{0.0001, 0.001, 0.01, 0.1}));
  EXPECT_EQ(ws, (std::set<double>{0.1, 0.166666666667, 0.233333333333, 0.3}));
}

TEST(GridSamplerTest, CompleteWithoutDuplicatesThenExhausted) {
  Space s = MustParse(R"({"i": {"type":"int","low":1,"high":3}, "c": {"type":"categorical","choices":["a","b"]},
                          "f": {"type":"float","low":0,"high":1,"step":0.5},
                          "m": {"type":"float","low":0,"high":1,"when":{"c":["b"]}}})");
  // a: 3*3 = 9 points; b: 3*3*5 (m has 5 float points) = 45.
  for (bool shuffle : {false, true}) {
    auto sampler = std::make_unique<GridSampler>(GridOptions{5, shuffle, 11});
    GridSampler* g = sampler.get();
    Study study(s, std::move(sampler));
    std::set<std::string> seen;
    std::vector<std::string> order;
    for (int k = 0; k < 54; ++k) {
      auto t = study.Ask();
      ASSERT_TRUE(t.ok()) << t.status().message();
      const std::string key = ParamsToJson(t->params).dump();
      EXPECT_TRUE(seen.insert(key).second) << "duplicate " << key;
      order.push_back(key);
    }
    EXPECT_TRUE(g->Exhausted());
    auto t = study.Ask();
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), Code::kNotFound);
    EXPECT_EQ(seen.size(), 54u);
    if (!shuffle) {
      EXPECT_EQ(order.front(), R"({"c":"a","f":0.0,"i":1})");
    }
  }
}

TEST(GridSamplerTest, ShuffleDependsOnSeedAndResumesWithoutRepeats) {
  Space s = MustParse(R"({"i": {"type":"int","low":0,"high":9}, "j": {"type":"int","low":0,"high":9}})");
  auto a = GridSampler::Enumerate(s, {5, true, 1}), b = GridSampler::Enumerate(s, {5, true, 2});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  Study first(s, std::make_unique<GridSampler>());
  for (int k = 0; k < 40; ++k) ASSERT_TRUE(first.Tell(first.Ask()->number, 1.0).ok());
  Study resumed(s, std::make_unique<GridSampler>());
  ASSERT_TRUE(resumed.Load(first.ToJson()).ok());
  std::set<std::string> seen;
  for (const auto& t : resumed.history().trials()) seen.insert(ParamsToJson(t.params).dump());
  for (int k = 0; k < 60; ++k) {
    auto t = resumed.Ask();
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(seen.insert(ParamsToJson(t->params).dump()).second);
  }
  EXPECT_FALSE(resumed.Ask().ok());
}

// A grid is counted before it is listed: a wide int range (2^43 values), a continuous
// float with millions of points or a product of mid-sized ranges is refused with its
// count, instead of running out of memory, however few trials are asked for.
TEST(GridSamplerTest, AGridTooLargeToListIsAnErrorWithItsSize) {
  Space wide = MustParse(R"({"x": {"type":"int","low":0,"high":9000000000000}})");
  auto n = GridSampler::Count(wide, {});
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("parameter 'x' (0 .. 9000000000000, step 1) alone has "
                                      "9000000000001 values; a grid lists at most 1000000 points"),
            std::string::npos) << n.status().message();
  Study study(wide, std::make_unique<GridSampler>());
  auto t = study.Ask();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kInvalid);

  Space tiny_step = MustParse(R"({"f": {"type":"float","low":0,"high":1,"step":1e-300}})");
  EXPECT_FALSE(GridSampler::Count(tiny_step, {}).ok());
  Space floats = MustParse(R"({"f": {"type":"float","low":0,"high":1}})");
  EXPECT_FALSE(GridSampler::Count(floats, GridOptions{.float_points = 2000000000}).ok());

  Space product = MustParse(R"({"a": {"type":"int","low":1,"high":1000}, "b": {"type":"int","low":1,"high":1000},
                                "c": {"type":"int","low":1,"high":1000}})");
  auto p = GridSampler::Count(product, {});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("grid has 1000000000 points"), std::string::npos) << p.status().message();
  // The same behind a condition: listed only up to the limit, then refused.
  Space conditional = MustParse(R"({"c": {"type":"categorical","choices":["on"]},
                                    "a": {"type":"int","low":1,"high":1000,"when":{"c":["on"]}},
                                    "b": {"type":"int","low":1,"high":1001}})");
  auto q = GridSampler::Count(conditional, {});
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("more than 1000000 points"), std::string::npos) << q.status().message();
}

TEST(QuasiRandomSamplerTest, StratifiesEachDimension) {
  QuasiRandomSampler q(9);
  for (size_t dim = 0; dim < 4; ++dim) {
    std::vector<double> u;
    for (uint64_t i = 0; i < 1024; ++i) u.push_back(q.Coordinate(dim, i));
    // Far more even than random (KS ~ 1.36/32 = 0.04 for random at alpha 0.05).
    EXPECT_LT(KsUniform(u), 0.01) << dim;
  }
}

}  // namespace
}  // namespace drover::hpo
