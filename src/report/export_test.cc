#include "report/export.h"

#include <gtest/gtest.h>

namespace drover {
namespace {

JobAttempt Job(int64_t id, const std::string& name, const std::string& params,
               std::optional<AttemptState> state = std::nullopt, double ended = 0) {
  JobAttempt j;
  j.workflow = "wf";
  j.job.id = id;
  j.job.rec.key = "k" + std::to_string(id);
  j.job.rec.step = name.substr(0, name.find('/'));
  j.job.rec.name = name;
  j.job.rec.params_json = params;
  j.job.rec.dir = ".drover/jobs/k" + std::to_string(id);
  j.run = 3;
  if (state) {
    AttemptRecord a;
    a.job_id = id;
    a.number = 1;
    a.state = *state;
    a.started = ended - 1.5;
    a.ended = ended;
    a.host = "node1";
    a.handle = "slurm:77_1";
    j.attempt = a;
  }
  return j;
}

TEST(Export, ColumnsInDocumentedOrder) {
  ExportRow r{Job(1, "train/model=mlp,step=0", R"({"model":"mlp","step":"0"})",
                  AttemptState::kSucceeded, 1e9),
              {{"loss", 0.5, 1, 0}, {"accuracy", 0.75, 1, 0}, {"loss", 0.25, 2, 0}},
              {{".drover/jobs/k1/model.pkl", 3, 0, "h"}}};
  ExportTable t = BuildExport({r}, "/root");
  EXPECT_EQ(t.header, (std::vector<std::string>{
                          "workflow", "run", "step", "model", "axis.step", "job", "state", "key",
                          "attempt", "start", "duration", "host", "slurm_id", "metric.accuracy",
                          "metric.loss", "output.model.pkl"}));
  auto csv = RenderExport(t, "csv");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->substr(csv->find('\n') + 1),
            "wf,3,train,mlp,0,\"train/model=mlp,step=0\",succeeded,k1,1,2001-09-09T01:46:38Z,"
            "1.500,node1,77_1,0.75,0.25,/root/.drover/jobs/k1/model.pkl\n");
}

TEST(Export, JsonLinesKeepNumbersAndNulls) {
  ExportRow done{Job(1, "a/x=1", R"({"x":"1"})", AttemptState::kSucceeded, 100), {{"m", 2, {}, 0}}, {}};
  ExportRow never{Job(2, "a/x=\"2\"", R"({"x":"\"2\""})"), {}, {}};
  auto jsonl = RenderExport(BuildExport({done, never}, "/r"), "jsonl");
  ASSERT_TRUE(jsonl.ok());
  const std::string second = jsonl->substr(jsonl->find('\n') + 1);
  EXPECT_NE(jsonl->find("\"run\":3,"), std::string::npos);
  EXPECT_NE(jsonl->find("\"metric.m\":2}"), std::string::npos);
  EXPECT_EQ(second,
            "{\"workflow\":\"wf\",\"run\":3,\"step\":\"a\",\"x\":\"\\\"2\\\"\",\"job\":"
            "\"a/x=\\\"2\\\"\",\"state\":\"pending\",\"key\":\"k2\",\"attempt\":null,\"start\":"
            "null,\"duration\":null,\"host\":null,\"slurm_id\":null,\"metric.m\":null}\n");
  EXPECT_FALSE(RenderExport(BuildExport({}, "/r"), "xml").ok());
}

TEST(Export, CsvQuotesPerRfc4180) {
  EXPECT_EQ(CsvQuote("plain"), "plain");
  EXPECT_EQ(CsvQuote("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvQuote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvQuote("two\r\nlines"), "\"two\r\nlines\"");
}

TEST(Export, LatestSucceededKeepsOldResultAndFirstPlace) {
  // x=1: key k1 succeeded, then a new key k3 failed: k1's result stays, in k1's place.
  // x=2: retried, succeeded on its second attempt.
  std::vector<JobAttempt> all = {Job(1, "a/x=1", "{}", AttemptState::kSucceeded, 10),
                                 Job(2, "a/x=2", "{}", AttemptState::kFailed, 11),
                                 Job(2, "a/x=2", "{}", AttemptState::kSucceeded, 12),
                                 Job(3, "a/x=1", "{}", AttemptState::kFailed, 13),
                                 Job(4, "a/x=3", "{}", AttemptState::kFailed, 14)};
  all[2].attempt->number = 2;
  auto picked = LatestSucceeded(all);
  ASSERT_EQ(picked.size(), 3u);
  EXPECT_EQ(picked[0].job.id, 1);
  EXPECT_EQ(picked[1].job.id, 2);
  EXPECT_EQ(picked[1].attempt->number, 2);
  EXPECT_EQ(picked[2].job.id, 4);
  EXPECT_EQ(picked[2].attempt->state, AttemptState::kFailed);
  EXPECT_EQ(LatestAttemptPerJob(all).size(), 4u);
  EXPECT_EQ(LatestAttemptPerJob(all)[1].attempt->number, 2);
}

TEST(Export, MetricSeries) {
  std::vector<MetricRecord> s = {{"loss", 0.5, 0, 1e9}, {"loss", 0.25, 1, 1e9 + 1}};
  auto csv = RenderMetricSeries(s, "csv");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, "name,step,value,time\nloss,0,0.5,1000000000.000\nloss,1,0.25,1000000001.000\n");
  auto jsonl = RenderMetricSeries({{"acc", 1, std::nullopt, 2}}, "jsonl");
  ASSERT_TRUE(jsonl.ok());
  EXPECT_EQ(*jsonl, "{\"name\":\"acc\",\"step\":null,\"value\":1,\"time\":2.000}\n");
  auto text = RenderMetricSeries(s, "text");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("2001-09-09T01:46:41Z"), std::string::npos);
  EXPECT_FALSE(RenderMetricSeries(s, "xml").ok());
}

}  // namespace
}  // namespace drover
