// IngredientsMaker: what each planned key is made of, as `drover explain` compares it.
#include "plan/ingredients.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "spec/parser.h"
#include "util/fs.h"
#include "util/hash.h"

namespace drover {
namespace {

using Json = nlohmann::json;

std::string Short(const std::string& data) { return HashString(data).substr(0, 16); }

class IngredientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/ingredients_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_TRUE(MakeDirs(dir_ + "/raw").ok());
    ASSERT_TRUE(WriteFile(dir_ + "/train.py", "print(1)\n").ok());
    ASSERT_TRUE(WriteFile(dir_ + "/raw/0.csv", "a\n").ok());
    ASSERT_TRUE(WriteFile(dir_ + "/raw/1.csv", "b\n").ok());
  }

  // The ingredients of every job of `yaml`'s plan, by job name.
  std::map<std::string, Json> Of(const std::string& yaml) {
    auto wf = ParseWorkflow(yaml, dir_ + "/drover.yaml");
    EXPECT_TRUE(wf.ok()) << wf.status().message();
    wf_ = std::make_unique<Workflow>(std::move(*wf));
    auto plan = BuildPlan(*wf_, {dir_});
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::make_unique<Plan>(std::move(*plan));
    IngredientsMaker maker(*plan_);
    std::map<std::string, Json> out;
    for (uint32_t j = 0; j < plan_->jobs().size(); ++j) {
      auto text = maker.Of(j);
      EXPECT_TRUE(text.ok()) << text.status().message();
      out[plan_->Name(j)] = Json::parse(*text);
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<Workflow> wf_;
  std::unique_ptr<Plan> plan_;
};

const char kYaml[] = R"(name: ing
axes:
  seed: [0, 1]
steps:
  train:
    over: [seed]
    env: {LR: "0.1", SEED: "s{seed}"}
    inputs: ["raw/{seed}.csv"]
    run: python3 train.py {seed}
    outputs: [model.txt]
  score:
    run: cat {train.model.txt...}
)";

TEST_F(IngredientsTest, NameEachPartOfTheKey) {
  auto all = Of(kYaml);
  const Json& t0 = all["train/seed=0"];
  EXPECT_EQ(t0["run"], Short("python3 train.py {seed}"));
  EXPECT_EQ(t0["code"], (Json{{"train.py", Short("print(1)\n")}}));
  EXPECT_EQ(t0["in"], (Json{{"raw/0.csv", Short("a\n")}}));
  EXPECT_EQ(t0["env"], (Json{{"LR", "0.1"}, {"SEED", "s0"}}));
  EXPECT_EQ(t0["out"], (Json{"model.txt"}));
  EXPECT_FALSE(t0.contains("dep"));  // consumes no job
  EXPECT_FALSE(t0.contains("study"));
  EXPECT_EQ(all["train/seed=1"]["in"], (Json{{"raw/1.csv", Short("b\n")}}));

  const Json& score = all["score"];
  EXPECT_FALSE(score.contains("code"));  // parts without content are left out
  EXPECT_FALSE(score.contains("in"));
  EXPECT_FALSE(score.contains("env"));
  ASSERT_TRUE(score.contains("dep"));
  EXPECT_EQ(score["dep"].get<std::string>().size(), 16u);
}

// Table-driven: a change to one thing changes exactly the parts that hold it.
TEST_F(IngredientsTest, AChangeShowsInItsOwnPartOnly) {
  struct Case {
    const char* what;
    std::function<std::string()> change;  // changes files; returns the workflow
    std::string job;
    std::set<std::string> changed;        // the members that differ
  };
  const std::string yaml = kYaml;
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string y = yaml;
    y.replace(y.find(from), from.size(), to);
    return y;
  };
  std::vector<Case> cases = {
      {"nothing", [&] { return yaml; }, "train/seed=0", {}},
      {"code file", [&] { (void)WriteFile(dir_ + "/train.py", "print(2)\n"); return yaml; },
       "train/seed=0", {"code"}},
      {"input of seed 1", [&] { (void)WriteFile(dir_ + "/raw/1.csv", "c\n"); return yaml; },
       "train/seed=1", {"in"}},
      {"input of seed 1, seen from seed 0", [&] { (void)WriteFile(dir_ + "/raw/1.csv", "d\n"); return yaml; },
       "train/seed=0", {}},
      {"env", [&] { return replace("LR: \"0.1\"", "LR: \"0.2\""); }, "train/seed=0", {"env"}},
      {"command", [&] { return replace("train.py {seed}", "train.py {seed} --fast"); },
       "train/seed=0", {"run"}},
      {"upstream key", [&] { return replace("LR: \"0.1\"", "LR: \"0.3\""); }, "score", {"dep"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ASSERT_TRUE(WriteFile(dir_ + "/train.py", "print(1)\n").ok());
    ASSERT_TRUE(WriteFile(dir_ + "/raw/1.csv", "b\n").ok());
    Json before = Of(yaml)[c.job];
    Json after = Of(c.change())[c.job];
    std::set<std::string> changed;
    for (auto it = after.begin(); it != after.end(); ++it)
      if (!before.contains(it.key()) || before[it.key()] != it.value()) changed.insert(it.key());
    for (auto it = before.begin(); it != before.end(); ++it)
      if (!after.contains(it.key())) changed.insert(it.key());
    EXPECT_EQ(changed, c.changed);
  }
}

}  // namespace
}  // namespace drover
