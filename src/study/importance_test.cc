#include "study/importance.h"

#include <gtest/gtest.h>

#include <random>

namespace drover::study {
namespace {

using json = nlohmann::json;

hpo::Space ThreeParams() {
  auto s = hpo::Space::FromJson(json::parse(R"({
    "lr": {"type": "float", "low": 1e-4, "high": 1, "log": true},
    "width": {"type": "int", "low": 1, "high": 64},
    "opt": {"type": "categorical", "choices": ["adam", "sgd", "rms"]}})"));
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(*s);
}

std::vector<hpo::Trial> Trials(size_t n, double (*objective)(double, int64_t, const std::string&)) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  const char* opts[] = {"adam", "sgd", "rms"};
  std::vector<hpo::Trial> out;
  for (size_t i = 0; i < n; ++i) {
    hpo::Trial t;
    t.number = static_cast<int64_t>(i);
    double lr = std::exp(std::log(1e-4) + u(rng) * (std::log(1.0) - std::log(1e-4)));
    int64_t width = 1 + static_cast<int64_t>(u(rng) * 63.999);
    std::string opt = opts[static_cast<size_t>(u(rng) * 2.999)];
    t.params = {{"lr", lr}, {"width", width}, {"opt", opt}};
    t.state = hpo::TrialState::kComplete;
    t.value = objective(lr, width, opt) + 0.01 * u(rng);
    out.push_back(t);
  }
  return out;
}

TEST(ImportanceTest, TheParameterThatDrivesTheObjectiveComesFirst) {
  auto trials = Trials(400, [](double lr, int64_t width, const std::string& opt) {
    return std::pow(std::log10(lr) + 2.0, 2) + 0.001 * static_cast<double>(width) +
           (opt == "sgd" ? 0.05 : 0.0);
  });
  auto imp = Importance(ThreeParams(), trials);
  ASSERT_EQ(imp.size(), 3u);
  EXPECT_EQ(imp[0].name, "lr");
  EXPECT_GT(imp[0].importance, 0.8);
  EXPECT_GT(imp[0].variance_share, 0.8);
  double sum = 0;
  for (const auto& p : imp) sum += p.importance;
  EXPECT_NEAR(sum, 1.0, 1e-9);
}

TEST(ImportanceTest, ACategoricalCanDominate) {
  auto trials = Trials(300, [](double, int64_t, const std::string& opt) {
    return opt == "adam" ? 0.1 : opt == "sgd" ? 0.9 : 0.5;
  });
  auto imp = Importance(ThreeParams(), trials);
  EXPECT_EQ(imp[0].name, "opt");
  EXPECT_GT(imp[0].importance, 0.8);
}

TEST(ImportanceTest, UnfinishedTrialsAndAFlatObjectiveGiveZeros) {
  auto trials = Trials(50, [](double, int64_t, const std::string&) { return 1.0; });
  for (auto& t : trials) t.value = 1.0;  // no noise: no variance at all
  auto imp = Importance(ThreeParams(), trials);
  for (const auto& p : imp) EXPECT_EQ(p.importance, 0.0) << p.name;
  std::vector<hpo::Trial> running(3);
  for (auto& t : running) t.params = {{"lr", 0.1}, {"width", int64_t{3}}, {"opt", std::string("sgd")}};
  for (const auto& p : Importance(ThreeParams(), running)) EXPECT_EQ(p.importance, 0.0) << p.name;
}

}  // namespace
}  // namespace drover::study
