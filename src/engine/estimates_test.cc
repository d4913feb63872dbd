// Duration estimates and paths in seconds: their sources, and how often they are
// computed again as jobs finish (the engine's order is in engine_test.cc).
#include "engine/estimates.h"

#include <gtest/gtest.h>

#include <memory>
#include <numeric>

#include "spec/parser.h"

namespace drover {
namespace {

class EstimatesTest : public ::testing::Test {
 protected:
  // Plans `yaml` and builds its dependents' lists as the loop does.
  void Plan(const std::string& yaml) {
    auto wf = ParseWorkflow(yaml, ::testing::TempDir() + "/drover.yaml");
    ASSERT_TRUE(wf.ok()) << wf.status().message();
    wf_ = std::make_unique<Workflow>(std::move(*wf));
    auto plan = BuildPlan(*wf_, {::testing::TempDir()});
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::make_unique<drover::Plan>(std::move(*plan));
    size_t n = plan_->jobs().size();
    off_.assign(n + 1, 0);
    for (const PlannedJob& pj : plan_->jobs())
      for (uint32_t d : pj.deps) ++off_[d + 1];
    std::partial_sum(off_.begin(), off_.end(), off_.begin());
    list_.resize(off_[n]);
    std::vector<uint32_t> fill(off_.begin(), off_.end() - 1);
    for (uint32_t j = 0; j < n; ++j)
      for (uint32_t d : plan_->jobs()[j].deps) list_[fill[d]++] = j;
    est_ = std::make_unique<Estimates>(*plan_, off_, list_);
    est_->Compute();
  }
  uint32_t Job(const std::string& name) const {
    for (uint32_t j = 0; j < plan_->jobs().size(); ++j)
      if (plan_->Name(j) == name) return j;
    ADD_FAILURE() << "no job " << name;
    return 0;
  }
  std::unique_ptr<Workflow> wf_;
  std::unique_ptr<drover::Plan> plan_;
  std::vector<uint32_t> off_, list_;
  std::unique_ptr<Estimates> est_;
};

TEST_F(EstimatesTest, PathsAddEstimatesAlongTheLongestChain) {
  Plan(R"(
steps:
  a: {run: "true", resources: {walltime: 10s}}
  b: {run: "true", after: [a], resources: {walltime: 100s}}
  c: {run: "true", after: [a]}
  d: {run: "true", after: [b, c], resources: {walltime: 1s}}
)");
  EXPECT_EQ(est_->source(Job("c")), EstimateSource::kDefault);
  EXPECT_EQ(est_->source(Job("b")), EstimateSource::kWalltime);
  EXPECT_DOUBLE_EQ(est_->path(Job("d")), 1);
  EXPECT_DOUBLE_EQ(est_->path(Job("c")), kDefaultEstimateS + 1);
  EXPECT_DOUBLE_EQ(est_->path(Job("a")), 10 + 100 + 1);
}

TEST_F(EstimatesTest, RecomputesWhenAStepsMeanMovesNotOnEveryJob) {
  Plan("axes: {i: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}\n"
       "steps:\n  s: {over: [i], run: 'true', resources: {walltime: 10s}}\n");
  auto finish = [&](int i, double seconds) {
    uint32_t j = Job("s/i=" + std::to_string(i));
    est_->Started(j);
    est_->Succeeded(j, seconds);
  };
  EXPECT_FALSE(est_->Update());
  finish(0, 4);  // the first mean replaces the walltime
  EXPECT_TRUE(est_->Update());
  EXPECT_EQ(est_->source(Job("s/i=9")), EstimateSource::kStepMean);
  EXPECT_DOUBLE_EQ(est_->estimate(Job("s/i=9")), 4);
  finish(1, 4.2);  // moved 2.5 %
  EXPECT_FALSE(est_->Update());
  finish(2, 40);  // moved a lot
  EXPECT_TRUE(est_->Update());
  EXPECT_DOUBLE_EQ(est_->estimate(Job("s/i=9")), (4 + 4.2 + 40) / 3);
  finish(3, 40);  // moved a lot again, but until the step's count doubles (6) it waits
  EXPECT_FALSE(est_->Update());
  finish(4, 40);
  EXPECT_FALSE(est_->Update());
  finish(5, 40);
  EXPECT_TRUE(est_->Update());
  for (int i = 6; i < 10; ++i) est_->Started(Job("s/i=" + std::to_string(i)));
  finish(6, 1000);  // no job of the step waits for an order any more
  EXPECT_FALSE(est_->Update());
}

}  // namespace
}  // namespace drover
