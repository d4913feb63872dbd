#include "engine/job_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "util/fs.h"

namespace drover {
namespace {

std::string TempDir(const std::string& name) {
  std::string d = ::testing::TempDir() + "/job_files_" + name;
  (void)RemoveAll(d);
  (void)MakeDirs(d);
  return d;
}

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
  std::string d = TempDir("arts");
  ASSERT_TRUE(MakeDirs(d + "/job").ok());
  ASSERT_TRUE(WriteFile(d + "/job/out.txt", "hello").ok());
  std::vector<ArtifactRecord> arts;
  ASSERT_TRUE(CollectArtifacts(d, "job", {"out.txt"}, &arts).ok());
  ASSERT_EQ(arts.size(), 1u);
  EXPECT_TRUE(ArtifactsIntact(d, arts));
  ASSERT_TRUE(WriteFile(d + "/job/out.txt", "hello").ok());  // same bytes, new mtime
  EXPECT_TRUE(ArtifactsIntact(d, arts));
  ASSERT_TRUE(WriteFile(d + "/job/out.txt", "HELLO").ok());
  EXPECT_FALSE(ArtifactsIntact(d, arts));
  ::unlink((d + "/job/out.txt").c_str());
  EXPECT_FALSE(ArtifactsIntact(d, arts));
  std::vector<ArtifactRecord> none;
  EXPECT_EQ(CollectArtifacts(d, "job", {"missing.pkl"}, &none).code(), Code::kNotFound);
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

}  // namespace
}  // namespace drover
