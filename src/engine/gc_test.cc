#include "engine/gc.h"

#include <gtest/gtest.h>

#include <vector>

namespace drover {
namespace {

JobFolderRow Row(int64_t id, const std::string& name, JobState state, int64_t run_id,
                 int64_t workflow = 1) {
  JobFolderRow r;
  r.id = id;
  r.workflow_id = workflow;
  r.name = name;
  r.dir = ".drover/jobs/00/k" + std::to_string(id);
  r.state = state;
  r.run_id = run_id;
  return r;
}

TEST(GcTest, TheLatestKeyOfEachNameIsReachedAndOlderKeysAreNot) {
  // t/i=0 planned by runs 1 (key 1) and 2 (key 3): run 2's key is the current one.
  std::vector<JobFolderRow> jobs = {Row(1, "t/i=0", JobState::kSucceeded, 1),
                                    Row(2, "t/i=1", JobState::kSucceeded, 1),
                                    Row(3, "t/i=0", JobState::kSucceeded, 2)};
  EXPECT_EQ(ReachedJobs(jobs, {}), (std::vector<bool>{false, true, true}));
}

TEST(GcTest, TheLatestSucceededKeyStaysWhenTheNewestFailed) {
  std::vector<JobFolderRow> jobs = {Row(1, "t/i=0", JobState::kSucceeded, 1),
                                    Row(2, "t/i=0", JobState::kSucceeded, 2),
                                    Row(3, "t/i=0", JobState::kFailed, 3)};
  EXPECT_EQ(ReachedJobs(jobs, {}), (std::vector<bool>{false, true, true}));
}

TEST(GcTest, RunningJobsAndTrialsAreAlwaysReached) {
  std::vector<JobFolderRow> jobs = {Row(1, "t/i=0", JobState::kRunning, 1),
                                    Row(2, "t/i=0", JobState::kFailed, 1),
                                    Row(3, "t/i=0", JobState::kPending, 1),
                                    Row(4, "tune/trial", JobState::kSucceeded, 1),
                                    Row(5, "t/i=0", JobState::kPending, 2)};
  jobs[3].trial = true;
  jobs.push_back(Row(6, "tune/trial", JobState::kSucceeded, 2));
  // Job 2 has an attempt still marked running (drover was killed while it ran).
  EXPECT_EQ(ReachedJobs(jobs, {2}), (std::vector<bool>{true, true, false, true, true, true}));
}

TEST(GcTest, NamesAreSeparatePerWorkflow) {
  std::vector<JobFolderRow> jobs = {Row(1, "t/i=0", JobState::kSucceeded, 1, 1),
                                    Row(2, "t/i=0", JobState::kSucceeded, 2, 2)};
  EXPECT_EQ(ReachedJobs(jobs, {}), (std::vector<bool>{true, true}));
}

}  // namespace
}  // namespace drover
