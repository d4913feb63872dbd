#include "engine/job_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "exec/executor.h"
#include "util/fs.h"
#include "util/hash.h"

namespace drover {
namespace {

std::string TempDir(const std::string& name) {
  std::string d = ::testing::TempDir() + "/job_files_" + name;
  (void)RemoveAll(d);
  (void)MakeDirs(d);
  return d;
}

// ReadMetrics for a file that is expected to be readable.
std::vector<MetricRecord> ReadMetrics(const std::string& path, std::vector<std::string>* problems) {
  std::vector<MetricRecord> out;
  Status st = drover::ReadMetrics(path, &out, problems);
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

bool Mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A job folder as the engine lays it out, under a store root.
struct JobFolder {
  std::string root, rel = ".drover/jobs/ab/abcdef", dir, outside;
  explicit JobFolder(const std::string& name)
      : root(TempDir(name)), dir(root + "/" + rel), outside(root + "/outside") {
    EXPECT_TRUE(MakeDirs(dir).ok());
    EXPECT_TRUE(MakeDirs(outside).ok());
    EXPECT_TRUE(WriteFile(outside + "/f", "not the job's").ok());
  }
};

TEST(ReadMetrics, GoodBadAndTruncatedLines) {
  std::string d = TempDir("metrics");
  ASSERT_TRUE(WriteFile(d + "/m.jsonl",
                        "{\"name\":\"acc\",\"value\":0.5,\"step\":1}\n"
                        "garbage\n"
                        "{\"name\":\"acc\"}\n"
                        "\n"
                        "{\"name\":\"loss\",\"value\":2}\n"
                        "{\"name\":\"acc\",\"val")
                  .ok());
  std::vector<std::string> problems;
  auto m = ReadMetrics(d + "/m.jsonl", &problems);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].name, "acc");
  EXPECT_EQ(*m[0].step, 1);
  EXPECT_FALSE(m[1].step.has_value());
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("metrics.jsonl:2"), std::string::npos);
  EXPECT_NE(problems[0].find("not valid JSON"), std::string::npos);
  EXPECT_NE(problems[2].find("truncated"), std::string::npos);
  problems.clear();
  EXPECT_TRUE(ReadMetrics(d + "/none.jsonl", &problems).empty());
  EXPECT_TRUE(problems.empty());
  // A non-finite value as Python's json.dumps writes it, and one too large for a double.
  ASSERT_TRUE(WriteFile(d + "/n.jsonl", "{\"name\":\"acc\",\"value\":NaN}\n{\"name\":\"acc\",\"value\":1e999}\n").ok());
  EXPECT_TRUE(ReadMetrics(d + "/n.jsonl", &problems).empty());
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("NaN and Infinity are not JSON"), std::string::npos) << problems[0];
}

TEST(Artifacts, IntactUntilChanged) {
  JobFolder j("arts");
  ASSERT_TRUE(WriteFile(j.dir + "/out.txt", "hello").ok());
  ASSERT_TRUE(MakeDirs(j.dir + "/sub").ok());
  std::vector<ArtifactRecord> arts;
  ASSERT_TRUE(CollectArtifacts(j.root, j.rel, {"out.txt", "sub"}, &arts).ok());
  ASSERT_EQ(arts.size(), 2u);
  EXPECT_EQ(arts[0].path, j.rel + "/out.txt");
  EXPECT_EQ(arts[0].hash, HashString("hello"));
  EXPECT_EQ(arts[1].hash, "dir");
  EXPECT_TRUE(ArtifactsIntact(j.root, arts));
  ASSERT_TRUE(WriteFile(j.dir + "/out.txt", "hello").ok());  // same bytes, new mtime
  EXPECT_TRUE(ArtifactsIntact(j.root, arts));
  ASSERT_TRUE(WriteFile(j.dir + "/out.txt", "HELLO").ok());
  EXPECT_FALSE(ArtifactsIntact(j.root, arts));
  ::unlink((j.dir + "/out.txt").c_str());
  EXPECT_FALSE(ArtifactsIntact(j.root, arts));
  std::vector<ArtifactRecord> none;
  EXPECT_EQ(CollectArtifacts(j.root, j.rel, {"missing.pkl"}, &none).code(), Code::kNotFound);
  EXPECT_EQ(CollectArtifacts(j.root, j.rel, {"nodir/x"}, &none).code(), Code::kNotFound);
  // A path not in a job folder's layout is never taken as intact.
  EXPECT_FALSE(ArtifactsIntact(j.root, {{"elsewhere/out.txt", 5, 0, HashString("hello")}}));
}

TEST(PrepareJobDir, KeepsCheckpointRemovesStaleFiles) {
  std::string d = TempDir("prep") + "/job";
  ASSERT_TRUE(PrepareJobDir(d, "echo hi", {"out"}, 1).ok());
  ASSERT_TRUE(MakeDirs(d + "/checkpoint").ok());  // as the job wrapper does
  ASSERT_TRUE(WriteFile(d + "/checkpoint/state", "epoch 3").ok());
  ASSERT_TRUE(WriteFile(d + "/status.json", "{}").ok());
  ASSERT_TRUE(WriteFile(d + "/out", "partial").ok());
  ASSERT_TRUE(WriteFile(d + "/stderr", "first attempt").ok());
  ASSERT_TRUE(PrepareJobDir(d, "echo hi", {"out"}, 2).ok());
  EXPECT_TRUE(PathExists(d + "/checkpoint/state"));
  EXPECT_FALSE(PathExists(d + "/status.json"));
  EXPECT_FALSE(PathExists(d + "/out"));
  EXPECT_EQ(*ReadFile(d + "/attempts/1.stderr"), "first attempt");
  EXPECT_EQ(*ReadFile(d + "/attempts/1.status.json"), "{}");
  EXPECT_EQ(*ReadFile(d + "/command.sh"),
            "#!/bin/sh\n# drover attempt 2\ntrap 'exit $?' TERM\necho hi\n");
}

// A job that makes a folder of its outputs a link to elsewhere: nothing there is
// removed before its retry, or hashed when it ends.
TEST(JobFolderLinks, AnOutputsFolderThatLeadsOutsideIsRefusedAndNotCleaned) {
  JobFolder j("linked_parent");
  ASSERT_EQ(::symlink(j.outside.c_str(), (j.dir + "/data").c_str()), 0);
  std::vector<ArtifactRecord> arts;
  Status st = CollectArtifacts(j.root, j.rel, {"data/f"}, &arts);
  EXPECT_EQ(st.code(), Code::kInvalid);
  EXPECT_TRUE(Mentions(st.message(), "declared output 'data/f'")) << st.message();
  EXPECT_TRUE(Mentions(st.message(), "leads outside")) << st.message();
  ASSERT_TRUE(PrepareJobDir(j.dir, "true", {"data/f"}, 2).ok());
  EXPECT_EQ(*ReadFile(j.outside + "/f"), "not the job's");
  RemoveOutputs(j.dir, {"data/f"});
  EXPECT_EQ(*ReadFile(j.outside + "/f"), "not the job's");
  // A recorded artifact reached through such a link later is not intact.
  ASSERT_EQ(::symlink(j.outside.c_str(), (j.dir + "/data").c_str()), 0);
  EXPECT_FALSE(ArtifactsIntact(j.root, {{j.rel + "/data/f", 13, 0, HashString("x")}}));
}

TEST(JobFolderLinks, AnOutputThatIsALinkIsRecordedAsALink) {
  JobFolder j("linked_output");
  ASSERT_EQ(::symlink((j.outside + "/f").c_str(), (j.dir + "/out").c_str()), 0);
  ASSERT_EQ(::symlink("/dev/zero", (j.dir + "/zero").c_str()), 0);
  std::vector<ArtifactRecord> arts;
  ASSERT_TRUE(CollectArtifacts(j.root, j.rel, {"out", "zero"}, &arts).ok());
  ASSERT_EQ(arts.size(), 2u);
  EXPECT_EQ(arts[0].hash, "symlink:" + j.outside + "/f");  // not the hash of what it points to
  EXPECT_EQ(arts[1].hash, "symlink:/dev/zero");            // and never read
  EXPECT_TRUE(ArtifactsIntact(j.root, arts));
  ASSERT_TRUE(WriteFile(j.outside + "/f", "changed").ok());
  EXPECT_TRUE(ArtifactsIntact(j.root, arts)) << "the link is the artifact, not its target";
  ::unlink((j.dir + "/out").c_str());
  ASSERT_EQ(::symlink("/etc/passwd", (j.dir + "/out").c_str()), 0);
  EXPECT_FALSE(ArtifactsIntact(j.root, arts));
  // Removing it before a retry removes the link, not its target.
  ASSERT_TRUE(PrepareJobDir(j.dir, "true", {"out", "zero"}, 2).ok());
  struct stat st;
  EXPECT_NE(::lstat((j.dir + "/out").c_str(), &st), 0);
  EXPECT_EQ(*ReadFile(j.outside + "/f"), "changed");
}

TEST(JobFolderLinks, AFifoOutputIsRefusedWithoutBlocking) {
  JobFolder j("fifo_output");
  ASSERT_EQ(::mkfifo((j.dir + "/out").c_str(), 0600), 0);
  std::vector<ArtifactRecord> arts;
  Status st = CollectArtifacts(j.root, j.rel, {"out"}, &arts);
  EXPECT_EQ(st.code(), Code::kInvalid);
  EXPECT_TRUE(Mentions(st.message(), "declared output 'out' is a FIFO")) << st.message();
}

TEST(ReadMetrics, HostileFilesFailTheAttemptWithoutBlocking) {
  std::string d = TempDir("hostile_metrics");
  std::vector<MetricRecord> out;
  std::vector<std::string> problems;
  ASSERT_EQ(::mkfifo((d + "/fifo").c_str(), 0600), 0);
  Status fifo = drover::ReadMetrics(d + "/fifo", &out, &problems);
  EXPECT_TRUE(Mentions(fifo.message(), "metrics.jsonl is a FIFO")) << fifo.message();
  ASSERT_EQ(::symlink("/dev/zero", (d + "/zero").c_str()), 0);
  Status zero = drover::ReadMetrics(d + "/zero", &out, &problems);
  EXPECT_TRUE(Mentions(zero.message(), "metrics.jsonl is a symbolic link")) << zero.message();
  EXPECT_TRUE(Mentions(zero.message(), "DROVER_METRICS")) << zero.message();
  // Larger than the limit (sparse: no disk space used).
  std::string big = d + "/big";
  ASSERT_TRUE(WriteFile(big, "").ok());
  ASSERT_EQ(::truncate(big.c_str(), kMaxMetricsBytes + 1), 0);
  Status large = drover::ReadMetrics(big, &out, &problems);
  EXPECT_TRUE(Mentions(large.message(), "larger than 256 MiB")) << large.message();
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(problems.empty());
}

TEST(ReadMetrics, AHugeLineIsSkippedAndTheRestRead) {
  std::string d = TempDir("huge_line");
  std::string huge = "{\"name\":\"acc\",\"value\":1,\"pad\":\"" + std::string(1 << 20, 'x') + "\"}";
  ASSERT_TRUE(WriteFile(d + "/m.jsonl", "{\"name\":\"acc\",\"value\":0.5}\n" + huge +
                                            "\n{\"name\":\"acc\",\"value\":0.7}\n" + huge)
                  .ok());
  std::vector<std::string> problems;
  auto m = ReadMetrics(d + "/m.jsonl", &problems);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].value, 0.7);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_TRUE(Mentions(problems[0], "metrics.jsonl:2: longer than 64 KiB")) << problems[0];
  EXPECT_TRUE(Mentions(problems[1], "metrics.jsonl:4:")) << problems[1];
}

TEST(ReadMetrics, StepsMustBeWholeNumbersThatFit) {
  std::string d = TempDir("steps");
  ASSERT_TRUE(WriteFile(d + "/m.jsonl",
                        "{\"name\":\"a\",\"value\":1,\"step\":1e300}\n"
                        "{\"name\":\"a\",\"value\":1,\"step\":18446744073709551615}\n"
                        "{\"name\":\"a\",\"value\":1,\"step\":2.5}\n"
                        "{\"name\":\"a\",\"value\":1,\"step\":3.0}\n"
                        "{\"name\":\"a\",\"value\":1,\"step\":-9223372036854775808}\n")
                  .ok());
  std::vector<std::string> problems;
  auto m = ReadMetrics(d + "/m.jsonl", &problems);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(*m[0].step, 3);
  EXPECT_EQ(*m[1].step, INT64_MIN);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_TRUE(Mentions(problems[0], "metrics.jsonl:1: \"step\" is 1e+300")) << problems[0];
  EXPECT_TRUE(Mentions(problems[0], "whole number")) << problems[0];
  EXPECT_TRUE(Mentions(problems[1], "metrics.jsonl:2:")) << problems[1];
  EXPECT_TRUE(Mentions(problems[2], "metrics.jsonl:3:")) << problems[2];
}

TEST(ReadMetrics, ManyBadLinesAreCountedNotListed) {
  std::string d = TempDir("many_bad");
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "garbage\n";
  ASSERT_TRUE(WriteFile(d + "/m.jsonl", text).ok());
  std::vector<std::string> problems;
  EXPECT_TRUE(ReadMetrics(d + "/m.jsonl", &problems).empty());
  ASSERT_EQ(problems.size(), 21u);
  EXPECT_EQ(problems.back(), "metrics.jsonl: 980 more malformed lines");
}

// A retry starts with no metrics: the failed attempt's stay in attempts/1.metrics.jsonl.
TEST(PrepareJobDir, EachAttemptHasItsOwnMetrics) {
  std::string d = TempDir("metrics_rotate") + "/job";
  ASSERT_TRUE(PrepareJobDir(d, "true", {}, 1).ok());
  ASSERT_TRUE(WriteFile(d + "/metrics.jsonl", "{\"name\":\"loss\",\"value\":9}\n").ok());
  ASSERT_TRUE(PrepareJobDir(d, "true", {}, 2).ok());
  std::vector<std::string> problems;
  EXPECT_TRUE(ReadMetrics(d + "/metrics.jsonl", &problems).empty());
  EXPECT_EQ(ReadMetrics(d + "/attempts/1.metrics.jsonl", &problems).size(), 1u);
}

// After a checkpoint requeue (exit 85) the resumed attempt continues the same curve.
TEST(PrepareJobDir, ARequeueKeepsTheMetricsCurve) {
  std::string d = TempDir("metrics_requeue") + "/job";
  ASSERT_TRUE(PrepareJobDir(d, "true", {}, 1).ok());
  ASSERT_TRUE(WriteFile(d + "/metrics.jsonl", "{\"name\":\"loss\",\"value\":9,\"step\":1}\n").ok());
  JobStatus requeued;
  requeued.exit_code = 85;
  ASSERT_TRUE(WriteFile(d + "/status.json", FormatStatus(requeued)).ok());
  ASSERT_TRUE(PrepareJobDir(d, "true", {}, 2).ok());
  std::vector<std::string> problems;
  EXPECT_EQ(ReadMetrics(d + "/metrics.jsonl", &problems).size(), 1u);
  EXPECT_FALSE(PathExists(d + "/attempts/1.metrics.jsonl"));
  EXPECT_TRUE(PathExists(d + "/attempts/1.status.json"));
}

}  // namespace
}  // namespace drover
