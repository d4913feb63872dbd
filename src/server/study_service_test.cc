#include "server/study_service.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "util/fs.h"

namespace drover::server {
namespace {

using json = nlohmann::json;

const char* kCreate = R"({"name": "s", "space": {"x": {"type": "float", "low": -5, "high": 5},
                          "k": {"type": "categorical", "choices": ["a", "b"]}}, "seed": 3})";

class StudyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/study_service_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(root_).ok());
    ASSERT_TRUE(MakeDirs(root_).ok());
    service_ = std::make_unique<StudyService>(root_);
    Reply r = service_->Create(kCreate);
    ASSERT_EQ(r.status, 201) << r.body.dump();
  }
  // Asks through the service and checks it worked.
  int64_t Ask() {
    Reply r = service_->Ask("s", "");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body.value("number", int64_t{-1});
  }
  int64_t TrialCount() {
    Reply r = service_->Get("s");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body.value("trials", int64_t{-1});
  }
  // Another process: its own store connection and its own StoredStudy, one transaction.
  template <typename F>
  void Elsewhere(F f) {
    auto store = OpenSqliteStore(root_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    Transaction tx(store->get());
    ASSERT_TRUE(tx.Begin().ok());
    auto s = study::StoredStudy::Load((*store)->studies(), "s");
    ASSERT_TRUE(s.ok()) << s.status().message();
    f(**s);
    ASSERT_TRUE(tx.Commit().ok());
  }

  std::string root_;
  std::unique_ptr<StudyService> service_;
};

TEST_F(StudyServiceTest, AskTellReportAndBest) {
  Reply a = service_->Ask("s", "{}");
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["number"], 0);
  EXPECT_TRUE(a.body["params"].contains("x"));
  Reply rep = service_->Report("s", 0, R"({"step": 1, "value": 0.5})");
  ASSERT_EQ(rep.status, 200) << rep.body.dump();
  EXPECT_EQ(rep.body["prune"], false);
  Reply t = service_->Tell("s", 0, R"({"value": 1.25})");
  ASSERT_EQ(t.status, 200) << t.body.dump();
  EXPECT_EQ(Ask(), 1);
  EXPECT_EQ(service_->Tell("s", 1, R"({"state": "pruned"})").status, 200);
  Reply g = service_->Get("s");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.body["best"]["number"], 0);
  EXPECT_EQ(g.body["best"]["value"], 1.25);
  EXPECT_EQ(g.body["counts"]["complete"], 1);
  EXPECT_EQ(g.body["counts"]["pruned"], 1);
  Reply list = service_->List();
  ASSERT_EQ(list.body["studies"].size(), 1u);
  EXPECT_EQ(list.body["studies"][0]["trials"], 2);
}

TEST_F(StudyServiceTest, ATrialIsToldOnce) {
  int64_t n = Ask();
  ASSERT_EQ(service_->Tell("s", n, R"({"value": 1})").status, 200);
  Reply again = service_->Tell("s", n, R"({"value": 2})");
  EXPECT_EQ(again.status, 409) << again.body.dump();
  EXPECT_NE(again.body["error"].get<std::string>().find("already complete"), std::string::npos);
  EXPECT_EQ(service_->Tell("s", n, R"({"state": "failed"})").status, 409);
  EXPECT_EQ(service_->Report("s", n, R"({"step": 2, "value": 1})").status, 409);
  EXPECT_EQ(service_->Tell("s", 99, R"({"value": 1})").status, 404);
  EXPECT_EQ(service_->Ask("nope", "").status, 404);
  EXPECT_EQ(service_->Get("nope").status, 404);
  EXPECT_EQ(service_->Create(kCreate).status, 409);
}

TEST_F(StudyServiceTest, TheWarmStudySeesAnotherProcesssTrialsAndTells) {
  int64_t mine = Ask();  // warm now
  Elsewhere([&](study::StoredStudy& s) {
    auto a = s.Ask();
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->number, 1);
    ASSERT_TRUE(s.Tell(a->number, 0.5).ok());
    ASSERT_TRUE(s.Tell(mine, 0.25).ok());  // the trial this service asked, told elsewhere
  });
  Reply t = service_->Tell("s", mine, R"({"value": 9})");
  EXPECT_EQ(t.status, 409) << t.body.dump();
  EXPECT_EQ(Ask(), 2);  // no duplicate number
  Reply g = service_->Get("s");
  EXPECT_EQ(g.body["counts"]["complete"], 2);
  EXPECT_EQ(g.body["best"]["number"], 0);
  EXPECT_EQ(g.body["best"]["value"], 0.25);
}

TEST_F(StudyServiceTest, BadBodiesAreRefusedAndStoreNothing) {
  int64_t n = Ask();
  const int64_t before = TrialCount();
  struct Case {
    const char* body;
    const char* says;
  } tells[] = {
      {"not json", "not valid JSON"},
      {"[1, 2]", "JSON object"},
      {"", "needs a JSON object"},
      {R"({"value": "high"})", "'value' must be a number"},
      {R"({"value": true})", "'value' must be a number"},
      {R"({"value": 1, "colour": 2})", "unknown field 'colour'"},
      {R"({"state": "done"})", "'state' must be"},
      {R"({"state": "pruned", "value": 1})", "takes no value"},
      {R"({})", "give the trial's value"},
  };
  for (const auto& c : tells) {
    Reply r = service_->Tell("s", n, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body["error"].get<std::string>().find(c.says), std::string::npos)
        << c.body << " -> " << r.body.dump();
  }
  EXPECT_EQ(service_->Ask("s", R"({"n": 2})").status, 400);
  EXPECT_EQ(service_->Report("s", n, R"({"step": -1, "value": 1})").status, 400);
  EXPECT_EQ(service_->Report("s", n, R"({"step": 1})").status, 400);
  Reply c = service_->Create(R"({"name": "t", "space": {"x": {"type": "float", "low": 1, "high": 0}}})");
  EXPECT_EQ(c.status, 400) << c.body.dump();
  c = service_->Create(R"({"name": "t", "space": {"x": {"type": "float", "low": 0, "high": 1}}, "sampler": "magic"})");
  EXPECT_EQ(c.status, 400) << c.body.dump();
  c = service_->Create(R"({"name": "t", "space": {"x": {"type": "float", "low": 0, "high": 1}}, "seed": "1"})");
  EXPECT_EQ(c.status, 400) << c.body.dump();
  c = service_->Create(R"({"name": "t", "spaces": {}})");
  EXPECT_EQ(c.status, 400);
  EXPECT_NE(c.body["error"].get<std::string>().find("unknown field 'spaces'"), std::string::npos);
  EXPECT_EQ(TrialCount(), before);
  EXPECT_EQ(service_->List().body["studies"].size(), 1u);
  Reply g = service_->Get("s");
  EXPECT_EQ(g.body["counts"]["running"], 1);
}

TEST_F(StudyServiceTest, TrialsSortAndPage) {
  for (int i = 0; i < 30; ++i) {
    int64_t n = Ask();
    ASSERT_EQ(service_->Tell("s", n, json{{"value", (i * 7) % 30}}.dump()).status, 200);
  }
  Ask();  // one running: no value, sorts last
  Reply r = service_->Trials("s", {{"sort", "value"}, {"order", "desc"}, {"limit", "5"}, {"offset", "1"}});
  json r_body = r.Json();
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r_body["total"], 31);
  ASSERT_EQ(r_body["trials"].size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r_body["trials"][i]["value"], 28 - i);
  Reply last = service_->Trials("s", {{"sort", "value"}, {"order", "desc"}, {"offset", "30"}});
  json last_body = last.Json();
  ASSERT_EQ(last_body["trials"].size(), 1u);
  EXPECT_EQ(last_body["trials"][0]["state"], "running");
  Reply running = service_->Trials("s", {{"state", "running"}});
  json running_body = running.Json();
  EXPECT_EQ(running_body["total"], 1);
  Reply by_param = service_->Trials("s", {{"sort", "params.x"}, {"limit", "100"}});
  json by_param_body = by_param.Json();
  ASSERT_EQ(by_param_body["trials"].size(), 31u);
  for (size_t i = 1; i < 31; ++i)
    EXPECT_LE(by_param_body["trials"][i - 1]["params"]["x"].get<double>(),
              by_param_body["trials"][i]["params"]["x"].get<double>());
  EXPECT_EQ(service_->Trials("s", {{"sort", "colour"}}).status, 400);
  EXPECT_EQ(service_->Trials("s", {{"limit", "0"}}).status, 400);
  EXPECT_EQ(service_->Trials("s", {{"page", "2"}}).status, 400);
  Reply imp = service_->Importance("s");
  ASSERT_EQ(imp.status, 200);
  EXPECT_EQ(imp.body["method"], "marginal-variance");
  EXPECT_EQ(imp.body["params"].size(), 2u);
}

TEST_F(StudyServiceTest, ManyThreadsGetDenseUniqueNumbers) {
  constexpr int kThreads = 8, kEach = 10;
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> got(kThreads);
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < kEach; ++k) {
        Reply a = service_->Ask("s", "");
        if (a.status != 200) continue;
        int64_t n = a.body["number"];
        if (service_->Tell("s", n, R"({"value": 1})").status == 200) got[i].push_back(n);
      }
    });
  for (auto& t : threads) t.join();
  std::set<int64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*all.rbegin(), kThreads * kEach - 1);
  EXPECT_EQ(service_->Get("s").body["counts"]["complete"], kThreads * kEach);
}

}  // namespace
}  // namespace drover::server
