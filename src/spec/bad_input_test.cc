// Malformed workflow files (tests/bad/*.yaml): each must fail with an error at exactly
// the expected file:line:col, naming the problem. Also: no prefix of a good workflow,
// and no single-byte corruption of one, makes the parser throw or crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "spec/parser.h"

namespace drover {
namespace {

struct BadCase {
  const char* file;  // under tests/bad/
  int line;
  int col;
  const char* message;  // a substring of the error
};

// Columns come from the fixture text, not from the parser: the first occurrence of the
// offending token on its line (the '{' of a template part, the item of a list, ...).
const BadCase kBadCases[] = {
    {"yaml_unclosed_flow.yaml", 3, 6, "YAML syntax error: end of sequence flow not found"},
    {"yaml_bad_indent.yaml", 4, 4, "YAML syntax error: end of map not found"},
    {"yaml_colon_in_run.yaml", 3, 34, "YAML syntax error: illegal map value"},
    {"yaml_template_in_flow_list.yaml", 5, 19,
     "inside [ ] or { } must be quoted, such as [\"data/{name}.csv\"]"},
    {"empty.yaml", 1, 1, "the workflow is empty"},
    {"study_bad_space.yaml", 5, 9, "search space: parameter 'lr': low must be < high"},
    {"study_unknown_sampler.yaml", 5, 16, "unknown sampler 'bayesian'; use one of"},
    {"study_no_trials.yaml", 3, 5, "has no trials:"},
    {"study_name_same_for_every_segment.yaml", 8, 13,
     "the study name 'fixed' of step 'tune' is the same for every ds; put the segment axes in it, such as name: fixed-{ds}"},
    {"study_segment_typo_used_in_run.yaml", 7, 18, "names 'dss', which is not an axis (axes: ds); did you mean 'ds'?"},
    {"study_run_uses_axis_not_in_segments.yaml", 7, 23,
     "its study has no segment over 'ds'; add it to study: segments: (now [])"},
    {"study_space_unknown_key.yaml", 6, 9,
     "parameter 'depth': unknown key 'condition' for an int parameter"},
    {"study_grid_too_many_trials.yaml", 8, 15,
     "trials: 8 is more than the grid's 6 points; set trials: 6 or fewer"},
    {"study_over.yaml", 4, 11, "write its axes as study: segments:"},
    {"study_unknown_param.yaml", 6, 46, "is neither a parameter of its study (lr)"},
    {"study_best_unknown.yaml", 8, 32, "study 'tune' has no parameter 'rate' (parameters: lr)"},
    {"study_best_segments.yaml", 10, 32, "'tune' has one study per data"},
    {"study_bad_pruner_option.yaml", 5, 15, "pruner 'asha': option 'eta' is unknown"},
    {"study_warm_self.yaml", 6, 19, "cannot warm-start from itself"},
    {"study_bad_direction.yaml", 5, 18, "must be minimize or maximize, got 'up'"},
    {"study_segment_unknown_axis.yaml", 7, 18, "names 'dataset', which is not an axis"},
    {"top_level_list.yaml", 1, 1, "a workflow is a map"},
    {"unknown_top_key.yaml", 2, 1, "unknown key 'stpes' in the workflow; did you mean 'steps'?"},
    {"no_steps.yaml", 2, 1, "has no steps:"},
    {"empty_steps.yaml", 3, 1, "steps: is empty"},
    {"multi_doc.yaml", 4, 1, "one YAML document"},
    {"duplicate_key.yaml", 4, 5, "duplicate key 'run' in step 'train' (first on line 3)"},
    {"duplicate_step.yaml", 4, 3, "duplicate key 'train' in steps"},
    {"unknown_step_key.yaml", 4, 5, "unknown key 'retry' in step 'train'; did you mean 'retries'?"},
    {"unknown_resource.yaml", 4, 17, "did you mean 'cpus'?"},
    {"missing_run.yaml", 2, 3, "step 'train' has no run:"},
    {"policy_unknown_category.yaml", 5, 15,
     "has category: gpu-hevy, but the workflow's limits: has no category 'gpu-hevy'; add "
     "limits: {gpu-hevy: N} at the top of the workflow; did you mean 'gpu-heavy'?"},
    {"policy_limit_zero.yaml", 4, 12, "'limit' in step 'train' must be at least 1, got 0"},
    {"policy_limits_negative.yaml", 2, 14, "limits: gpu-heavy must be at least 1, got -1"},
    {"policy_bad_deadline.yaml", 4, 15, "'2026-13-04T09:00' is not a time; write YYYY-MM-DDTHH:MM"},
    {"policy_final_plain_ref.yaml", 7, 14,
     "may use other steps' outputs only as a partial gather: write {train.model.pkl...} and "
     "partial: true"},
    {"policy_depends_on_final.yaml", 7, 13, "no step can depend on a final step"},
    {"empty_run.yaml", 3, 10, "is empty; write the command"},
    {"step_is_list.yaml", 2, 10, "step 'train' must be a map"},
    {"bad_step_name.yaml", 2, 3, "'train.v2' is not a valid step name"},
    {"bad_axis_name.yaml", 2, 3, "not a valid axis name"},
    {"empty_axis.yaml", 3, 3, "axis 'seed' has no values"},
    {"duplicate_axis_value.yaml", 2, 17, "value '0' appears twice in axis 'seed'"},
    {"axis_not_list.yaml", 2, 9, "must be a list of values"},
    {"axis_value_map.yaml", 2, 13, "must list plain values, got a map"},
    {"axis_null_value.yaml", 2, 13, "must list plain values, got nothing"},
    {"over_unknown_axis.yaml", 6, 18,
     "names 'sed', which is not an axis (axes: task, seed); did you mean 'seed'?"},
    {"over_duplicate.yaml", 6, 18, "'task' is listed twice"},
    {"over_not_list.yaml", 6, 11, "must be a list"},
    {"param_not_axis.yaml", 7, 34,
     "'sed' is not an axis of the workflow (axes: task, seed); did you mean 'seed'?"},
    {"param_not_in_over.yaml", 7, 34, "does not run over 'seed'; add it to over:"},
    {"param_is_step.yaml", 6, 34, "'prepare' is a step, not an axis"},
    {"param_no_axes.yaml", 3, 25, "'x' is not an axis of the workflow (it declares no axes:)"},
    {"ref_unknown_step.yaml", 6, 38, "there is no step 'trian'; did you mean 'train'?"},
    {"ref_unknown_output.yaml", 6, 38, "declares no output 'model.pk' (outputs: model.pkl)"},
    {"ref_no_outputs.yaml", 5, 38, "step 'train' declares no outputs"},
    {"ref_needs_gather.yaml", 11, 39, "write {train.model.pkl...} to gather them"},
    {"ref_axis_as_step.yaml", 7, 34, "'task' is an axis: write {task}"},
    {"ref_self.yaml", 3, 34, "uses its own output"},
    {"cycle_refs.yaml", 6, 15, "cycle: a -> b -> a"},
    {"cycle_after.yaml", 7, 13, "cycle: a -> c -> b -> a"},
    {"after_unknown.yaml", 6, 22, "not a step; did you mean 'prepare'?"},
    {"after_self.yaml", 4, 13, "lists itself in after:"},
    {"template_unclosed.yaml", 6, 34, "unclosed '{'"},
    {"template_stray_close.yaml", 3, 19, "stray '}'"},
    {"template_empty_braces.yaml", 3, 26, "empty '{}'"},
    {"template_awk.yaml", 3, 21, "'{print $1}' is neither {axis} nor {step.output}"},
    {"template_block.yaml", 9, 16, "'seed' is not an axis of the workflow"},
    {"template_folded.yaml", 9, 13, "unclosed '{'"},
    {"template_double_quoted.yaml", 6, 35, "did you mean 'seed'?"},
    {"template_in_step_env.yaml", 7, 18, "'sed' is not an axis"},
    {"workflow_env_axis.yaml", 1, 14, "step 'prepare' does not run over it"},
    {"env_bad_name.yaml", 4, 11, "is not a variable name"},
    {"bad_duration.yaml", 4, 27, "'30x' is not a duration"},
    {"zero_walltime.yaml", 4, 27, "must be more than 0"},
    {"null_walltime.yaml", 5, 7, "'walltime' in 'resources' in step 'train' has no value"},
    {"bad_grace.yaml", 4, 12, "'soon' is not a duration"},
    {"bad_memory.yaml", 4, 25, "'2X' is not an amount of memory"},
    {"bad_cpus.yaml", 4, 23, "must be more than 0"},
    {"bad_gpus.yaml", 4, 23, "must be a whole number"},
    {"resources_list.yaml", 4, 16, "must be a map"},
    {"negative_retries.yaml", 4, 14, "must be 0 or more"},
    {"retries_typo.yaml", 4, 25, "did you mean 'backoff'?"},
    {"retries_list.yaml", 4, 14, "must be a count such as 2"},
    {"priority_text.yaml", 4, 15, "must be a whole number"},
    {"output_absolute.yaml", 4, 15, "is absolute"},
    {"output_dotdot.yaml", 4, 26, "leaves the job's folder"},
    {"executor_unknown.yaml", 4, 15, "unknown executor 'slurmm'; use 'local' or 'slurm'; did you mean 'slurm'?"},
    {"slurm_poll_in_step.yaml", 6, 13, "poll_interval is set once for the whole workflow"},
    {"slurm_reserved_arg.yaml", 2, 36, "'--array=0-9' in 'sbatch_args' in slurm: is set by drover itself"},
    {"slurm_unknown_key.yaml", 3, 3, "did you mean 'partition'?"},
    {"slurm_bad_throttle.yaml", 4, 29, "must be 0 or more"},
    {"report_missing_value.yaml", 8, 3, "report.table has no value:"},
    {"report_unknown_axis.yaml", 9, 18, "did you mean 'model'?"},
    {"report_bad_agg.yaml", 8, 57, "must be one of mean, median, max, min, last, std"},
    {"report_bad_format.yaml", 8, 60, "must be one of text, markdown, csv"},
    {"report_step_unknown.yaml", 8, 58, "did you mean 'train'?"},
    {"report_rows_cols_overlap.yaml", 8, 32, "axis 'task' is in both rows and cols"},
    {"study_space_alias_bomb.yaml", 5, 9,
     "'space' in 'study' in step 'tune' is too large: more than 100000 values or 32 levels deep"},
    {"study_space_not_utf8.yaml", 5, 51, "holds the byte 0xff, which is not UTF-8 text"},
    {"study_grid_wide_int.yaml", 6, 16,
     "parameter 'x' (0 .. 9000000000000, step 1) alone has 9000000000001 values"},
    {"too_many_jobs.yaml", 9, 3,
     "step 'train' expands to 1,000,000,000 jobs (task 1,000 x seed 1,000 x model 1,000); drover "
     "plans at most 10,000,000 jobs"},
};

std::string BadDir() { return std::string(DROVER_SOURCE_DIR) + "/tests/bad/"; }

class BadInputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInputTest, FailsAtTheOffendingToken) {
  const BadCase& c = GetParam();
  std::string path = BadDir() + c.file;
  Result<Workflow> wf = LoadWorkflow(path);
  ASSERT_FALSE(wf.ok()) << path << " loaded, but it is malformed";
  const std::string& msg = wf.status().message();
  std::string head =
      path + ":" + std::to_string(c.line) + ":" + std::to_string(c.col) + ": error: ";
  EXPECT_EQ(msg.rfind(head, 0), 0u) << "expected " << head << "\ngot " << msg;
  EXPECT_NE(msg.find(c.message), std::string::npos) << "expected \"" << c.message << "\" in\n"
                                                    << msg;
  // The offending line and a caret under the column follow the first line.
  size_t nl = msg.find('\n');
  ASSERT_NE(nl, std::string::npos) << msg;
  size_t caret = msg.find('^', nl);
  ASSERT_NE(caret, std::string::npos) << msg;
  size_t caret_line = msg.rfind('\n', caret) + 1;
  EXPECT_EQ(caret - caret_line, 4u + static_cast<size_t>(c.col) - 1) << msg;
}

std::string CaseName(const ::testing::TestParamInfo<BadCase>& info) {
  std::string name = info.param.file;
  name = name.substr(0, name.find('.'));
  for (char& ch : name)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BadInputTest, ::testing::ValuesIn(kBadCases), CaseName);

TEST(BadInputTest, EveryFixtureIsInTheTable) {
  std::set<std::string> listed;
  for (const auto& c : kBadCases) listed.insert(c.file);
  EXPECT_GE(listed.size(), 35u);
  for (const auto& entry : std::filesystem::directory_iterator(BadDir())) {
    std::string name = entry.path().filename().string();
    EXPECT_TRUE(listed.count(name)) << name << " has no expectation in kBadCases";
  }
}

TEST(BadInputTest, MissingFileNamesThePath) {
  Result<Workflow> wf = LoadWorkflow("/nonexistent/drover.yaml");
  ASSERT_FALSE(wf.ok());
  EXPECT_EQ(wf.status().code(), Code::kNotFound);
  EXPECT_NE(wf.status().message().find("'/nonexistent/drover.yaml'"), std::string::npos);
}

const char kGood[] = R"(name: leaderboard   # a comment
env: {OMP_NUM_THREADS: "1"}
axes:
  task: [digits, wine]
  fraction: [0.10, 0.5]
  seed: [0, 42]
steps:
  prepare:
    run: python3 prepare.py --out data.csv
    outputs: [data.csv]
    inputs: [raw/*.csv]
  train:
    over: [task, fraction, seed]
    run: |
      python3 train.py --task {task} --fraction {fraction} \
        --seed {seed} --data {prepare.data.csv} --out model.pkl
    outputs: [model.pkl]
    resources: {cpus: 0.5, memory: 1.5GiB, gpus: 0, walltime: "1:30:00"}
    retries: {count: 2, backoff: 5s, factor: 2, max_requeues: 10}
    env: {SEED: "{seed}", HOME_DIR: "${HOME}"}
    priority: -1
    grace: 1m
  evaluate:
    over: [task, fraction, seed]
    run: "python3 evaluate.py --model {train.model.pkl} --task '{task}' {{x}}"
    after: [prepare]
  ensemble:
    over: [task]
    run: >
      python3 ensemble.py
      --models {train.model.pkl...}
report:
  table: {rows: [seed], cols: [task, fraction], value: accuracy, step: evaluate}
)";

TEST(BadInputTest, GoodWorkflowParses) {
  Result<Workflow> wf = ParseWorkflow(kGood, "good/drover.yaml");
  ASSERT_TRUE(wf.ok()) << wf.status().message();
}

// Every prefix of a good file is either a workflow or a located error; never a throw.
TEST(BadInputTest, EveryTruncationFailsCleanly) {
  std::string good = kGood;
  for (size_t n = 0; n <= good.size(); ++n) {
    Result<Workflow> wf = ParseWorkflow(good.substr(0, n), "cut.yaml");
    if (!wf.ok()) {
      EXPECT_EQ(wf.status().message().rfind("cut.yaml:", 0), 0u) << n;
    }
  }
}

// The same for a good file with one byte replaced by a character that YAML or templates
// treat specially (a different one at each position, to keep the test fast).
TEST(BadInputTest, EveryCorruptedByteFailsCleanly) {
  const std::string specials("{}[]:\"'\t\n#&*|->!%,\0", 19);
  std::string good = kGood;
  for (size_t i = 0; i < good.size(); ++i) {
    std::string text = good;
    text[i] = specials[i % specials.size()];
    Result<Workflow> wf = ParseWorkflow(text, "flip.yaml");
    if (!wf.ok()) {
      EXPECT_EQ(wf.status().message().rfind("flip.yaml", 0), 0u) << i;
    }
  }
}

}  // namespace
}  // namespace drover
