// Reading good workflow files: the structure they parse into, units, overrides, env,
// retries, report tables, and the error format.
#include "spec/parser.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include "util/fs.h"

namespace drover {
namespace {

const char kWorkflow[] = R"(name: leaderboard
env: {OMP_NUM_THREADS: "1", HOME_DIR: "${HOME}"}
axes:
  task: [digits, wine]
  fraction: [0.10, 1e-3, "0.5"]
  seed: [0, 42]
steps:
  prepare:
    run: python3 prepare.py --out data.csv
    outputs: [data.csv, stats/summary.json]
    inputs: [raw/*.csv, /data/shared.csv]
  train:
    over: [task, fraction, seed]
    run: python3 train.py --task {task} --seed {seed} --data {prepare.data.csv}
    outputs: [model.pkl]
    resources: {cpus: 0.5, memory: 2G, gpus: 1, walltime: 1h30m}
    retries: 2
    env: {SEED: "{seed}", TASK: "{task}"}
    priority: 5
    grace: 30s
    executor: local
  evaluate:
    over: [task, fraction, seed]
    run: |
      python3 evaluate.py \
        --model {train.model.pkl} --task {task}
    retries: {count: 3, backoff: 5s, factor: 1.5, max_requeues: 7}
    after: [prepare]
  ensemble:
    over: [task]
    run: "python3 ensemble.py --models {train.model.pkl...}"
report:
  table: {rows: [seed], cols: [task, fraction], value: accuracy, agg: max, format: csv,
          step: evaluate, path: results/table.csv, precision: 3}
)";

Workflow MustParse(const std::string& text, const std::string& path = "exp/drover.yaml",
                   const std::vector<std::string>& sets = {}) {
  Result<Workflow> wf = ParseWorkflow(text, path, sets);
  EXPECT_TRUE(wf.ok()) << wf.status().message();
  return wf.ok() ? *wf : Workflow{};
}

std::string MustFail(const std::string& text, const std::vector<std::string>& sets = {}) {
  Result<Workflow> wf = ParseWorkflow(text, "w.yaml", sets);
  EXPECT_FALSE(wf.ok());
  return wf.ok() ? "" : wf.status().message();
}

TEST(ParserTest, GoodWorkflowStructure) {
  Workflow wf = MustParse(kWorkflow);
  EXPECT_EQ(wf.name, "leaderboard");
  ASSERT_EQ(wf.axes.size(), 3u);
  EXPECT_EQ(wf.axes[0].name, "task");
  EXPECT_EQ(wf.axes[1].values, (std::vector<std::string>{"0.10", "1e-3", "0.5"}));
  EXPECT_EQ(wf.axes[2].loc.line, 6);
  EXPECT_EQ(wf.axes[2].loc.col, 3);
  ASSERT_EQ(wf.steps.size(), 4u);
  const Step& prepare = wf.steps[0];
  EXPECT_EQ(prepare.name, "prepare");
  EXPECT_TRUE(prepare.over.empty());
  EXPECT_EQ(prepare.outputs, (std::vector<std::string>{"data.csv", "stats/summary.json"}));
  EXPECT_EQ(prepare.inputs, (std::vector<std::string>{"raw/*.csv", "/data/shared.csv"}));
  EXPECT_EQ(prepare.resources.cpus, 1);  // defaults
  EXPECT_EQ(prepare.resources.memory_bytes, 0);
  EXPECT_EQ(prepare.grace_s, 10);
  EXPECT_EQ(prepare.executor, "local");
  const Step& train = wf.steps[1];
  EXPECT_EQ(train.loc.line, 12);
  EXPECT_EQ(train.loc.col, 3);
  EXPECT_EQ(train.over, (std::vector<std::string>{"task", "fraction", "seed"}));
  EXPECT_EQ(train.run, "python3 train.py --task {task} --seed {seed} --data {prepare.data.csv}");
  EXPECT_EQ(train.resources.cpus, 0.5);
  EXPECT_EQ(train.resources.memory_bytes, 2LL << 30);
  EXPECT_EQ(train.resources.gpus, 1);
  EXPECT_EQ(train.resources.walltime_s, 5400);
  EXPECT_EQ(train.priority, 5);
  EXPECT_EQ(train.grace_s, 30);
  EXPECT_EQ(wf.steps[2].after, (std::vector<std::string>{"prepare"}));
  EXPECT_EQ(wf.steps[3].run, "python3 ensemble.py --models {train.model.pkl...}");
}

TEST(ParserTest, RunLocationPointsAtTheFirstCharacter) {
  Workflow wf = MustParse(kWorkflow);
  const Step& train = wf.steps[1];  // plain scalar
  EXPECT_EQ(train.run_loc.file, "exp/drover.yaml");
  EXPECT_EQ(train.run_loc.line, 14);
  EXPECT_EQ(train.run_loc.col, 10);
  EXPECT_FALSE(train.run_is_block);
  const Step& evaluate = wf.steps[2];  // block scalar: the first line of the block
  EXPECT_EQ(evaluate.run, "python3 evaluate.py \\\n  --model {train.model.pkl} --task {task}\n");
  EXPECT_EQ(evaluate.run_loc.line, 25);
  EXPECT_EQ(evaluate.run_loc.col, 7);
  EXPECT_TRUE(evaluate.run_is_block);
  const Step& ensemble = wf.steps[3];  // quoted: after the quote
  EXPECT_EQ(ensemble.run_loc.line, 31);
  EXPECT_EQ(ensemble.run_loc.col, 11);
  EXPECT_FALSE(ensemble.run_is_block);
}

TEST(ParserTest, PathsAreAbsoluteAndNameDefaultsToTheFolder) {
  Workflow wf = MustParse("steps:\n  a: {run: echo}\n", "some/where/sweep7/drover.yaml");
  EXPECT_EQ(wf.name, "sweep7");
  EXPECT_TRUE(std::filesystem::path(wf.path).is_absolute());
  EXPECT_EQ(wf.path, (std::filesystem::current_path() / "some/where/sweep7/drover.yaml").string());
  EXPECT_EQ(wf.dir, (std::filesystem::current_path() / "some/where/sweep7").string());
  EXPECT_EQ(MustParse("steps:\n  a: {run: echo}\n", "x/../lb/./drover.yaml").name, "lb");
  EXPECT_EQ(MustParse("steps:\n  a: {run: echo}\n", "./drover.yaml").name,
            std::filesystem::current_path().filename().string());
}

TEST(ParserTest, Env) {
  Workflow wf = MustParse(kWorkflow);
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(wf.env, (Env{{"OMP_NUM_THREADS", "1"}, {"HOME_DIR", "${HOME}"}}));
  EXPECT_EQ(wf.steps[1].env, (Env{{"SEED", "{seed}"}, {"TASK", "{task}"}}));
  EXPECT_NE(MustFail("steps:\n  a:\n    run: echo\n    env: {X: [1]}\n")
                .find("'X' in 'env' in step 'a' must be a string, got a list"),
            std::string::npos);
}

TEST(ParserTest, PartialGathersAreOffUnlessAskedFor) {
  const char* wf_text =
      "axes: {m: [a, b]}\nsteps:\n  train: {over: [m], run: echo, outputs: [x]}\n"
      "  ensemble:\n    run: cat {train.x...}\n    partial: %s\n";
  auto with = [&](const std::string& v) {
    std::string t = wf_text;
    return t.replace(t.find("%s"), 2, v);
  };
  EXPECT_FALSE(MustParse("steps:\n  a: {run: echo}\n").steps[0].partial);
  EXPECT_TRUE(MustParse(with("true")).steps[1].partial);
  EXPECT_FALSE(MustParse(with("false")).steps[1].partial);
  // Anything but true/false names where it is and what it got.
  EXPECT_EQ(MustFail(with("yes")).rfind(
                "w.yaml:6:14: error: 'partial' in step 'ensemble' must be true or false, got 'yes'",
                0),
            0u);
  EXPECT_NE(MustFail(with("[true]")).find("must be true or false, got a list"),
            std::string::npos);
}

TEST(ParserTest, PoliciesLimitsCategoriesDeadlinesAndFinal) {
  Workflow wf = MustParse(
      "deadline: 8h\nlimits: {gpu-heavy: 2, io: 1}\naxes: {m: [a, b]}\nsteps:\n"
      "  train: {over: [m], run: echo, outputs: [x], limit: 3, category: gpu-heavy}\n"
      "  tune: {run: echo, category: gpu-heavy, deadline: \"2026-12-04T09:00\"}\n"
      "  report: {run: \"cat {train.x...}\", partial: true, final: true, deadline: 90m}\n");
  ASSERT_EQ(wf.limits.size(), 2u);
  EXPECT_EQ(wf.limits[0], (std::pair<std::string, int>{"gpu-heavy", 2}));
  EXPECT_EQ(wf.limits[1], (std::pair<std::string, int>{"io", 1}));
  EXPECT_EQ(wf.deadline.kind, Deadline::Kind::kFromStart);
  EXPECT_EQ(wf.deadline.seconds, 8 * 3600);
  EXPECT_EQ(wf.steps[0].limit, 3);
  EXPECT_EQ(wf.steps[0].category, "gpu-heavy");
  EXPECT_EQ(wf.steps[0].deadline.kind, Deadline::Kind::kNone);  // the workflow's applies
  EXPECT_FALSE(wf.steps[0].final);
  EXPECT_EQ(wf.steps[1].limit, 0);
  std::tm tm{};
  tm.tm_year = 126, tm.tm_mon = 11, tm.tm_mday = 4, tm.tm_hour = 9, tm.tm_isdst = -1;
  EXPECT_EQ(wf.steps[1].deadline.kind, Deadline::Kind::kAt);
  EXPECT_EQ(wf.steps[1].deadline.seconds, static_cast<double>(std::mktime(&tm)));  // local
  EXPECT_TRUE(wf.steps[2].final);
  EXPECT_EQ(wf.steps[2].deadline.seconds, 90 * 60);
  // A step that uses no category may leave limits: categories unused; errors are located.
  EXPECT_NE(MustFail("steps:\n  a: {run: echo, final: maybe}\n")
                .find("w.yaml:2:25: error: 'final' in step 'a' must be true or false"),
            std::string::npos);
  EXPECT_NE(MustFail("steps:\n  a: {run: echo, deadline: [1h]}\n")
                .find("must be a time such as 2026-12-04T09:00 or a duration"),
            std::string::npos);
  EXPECT_NE(MustFail("steps:\n  a: {run: echo, category: 'bad name'}\n")
                .find("is not a valid category name"),
            std::string::npos);
  EXPECT_NE(MustFail("steps:\n  a: {run: echo, final: true, after: [b]}\n  b: {run: echo}\n")
                .find("is final (it runs after every other job, whatever their outcome), so it "
                      "needs no after:"),
            std::string::npos);
}

// partial: true where there is nothing to gather, or on a study, is a mistake the user must
// hear about at the partial: key, not a setting silently ignored.
TEST(ParserTest, PartialNeedsAGatheringReferenceInAPlainStep) {
  std::string msg = MustFail(
      "axes: {m: [a, b]}\nsteps:\n  train: {over: [m], run: echo, outputs: [x]}\n"
      "  score:\n    over: [m]\n    run: cat {train.x}\n    partial: true\n");
  EXPECT_EQ(msg.rfind("w.yaml:7:14: error: partial: true in step 'score' has no meaning: its "
                      "run: and env: have no gathering reference {step.output...}",
                      0),
            0u)
      << msg;
  // A gathering reference in env: counts as one.
  EXPECT_TRUE(MustParse("axes: {m: [a, b]}\nsteps:\n  train: {over: [m], run: echo, outputs: "
                        "[x]}\n  ens:\n    run: cat $M\n    env: {M: '{train.x...}'}\n"
                        "    partial: true\n")
                  .steps[1]
                  .partial);
  msg = MustFail("steps:\n  t:\n    study:\n      space: {x: {type: float, low: 0, high: 1}}\n"
                 "      trials: 3\n    run: echo {x}\n    partial: true\n");
  EXPECT_EQ(msg.rfind("w.yaml:7:14: error: partial: true in step 't' has no meaning: a study "
                      "step gathers no upstream jobs",
                      0),
            0u)
      << msg;
}

TEST(ParserTest, ExecutorsAndSlurmSettingsMergeStepOverWorkflow) {
  Workflow wf = MustParse(R"(steps:
  a:
    run: echo a
    slurm: {partition: gpu, sbatch_args: [--constraint=a100]}
  b:
    run: echo b
    executor: local
executor: slurm
slurm:
  partition: debug
  account: ml
  qos: short
  array_throttle: 7
  poll_interval: 2s
)");
  EXPECT_EQ(wf.executor, "slurm");
  EXPECT_EQ(wf.slurm_poll_s, 2);
  const Step& a = wf.steps[0];
  EXPECT_EQ(a.executor, "slurm");  // the workflow's default
  EXPECT_EQ(a.slurm.partition, "gpu");  // its own
  EXPECT_EQ(a.slurm.account, "ml");     // the rest from the workflow
  EXPECT_EQ(a.slurm.qos, "short");
  EXPECT_EQ(a.slurm.array_throttle, 7);
  EXPECT_EQ(a.slurm.sbatch_args, std::vector<std::string>{"--constraint=a100"});
  EXPECT_EQ(wf.steps[1].executor, "local");
  EXPECT_EQ(wf.steps[1].slurm.partition, "debug");
  // Without executor: everything is local, with the default settings.
  Workflow plain = MustParse("steps:\n  a:\n    run: echo\n");
  EXPECT_EQ(plain.steps[0].executor, "local");
  EXPECT_EQ(plain.steps[0].slurm.array_throttle, 100);
  EXPECT_EQ(plain.slurm_poll_s, 5);
}

TEST(ParserTest, RetriesShortAndLongForm) {
  Workflow wf = MustParse(kWorkflow);
  const RetryPolicy& short_form = wf.steps[1].retry;
  EXPECT_EQ(short_form.retries, 2);
  EXPECT_EQ(short_form.backoff_s, 0);  // defaults for the rest
  EXPECT_EQ(short_form.factor, 2.0);
  EXPECT_EQ(short_form.max_requeues, 100);
  const RetryPolicy& long_form = wf.steps[2].retry;
  EXPECT_EQ(long_form.retries, 3);
  EXPECT_EQ(long_form.backoff_s, 5);
  EXPECT_EQ(long_form.factor, 1.5);
  EXPECT_EQ(long_form.max_requeues, 7);
  EXPECT_EQ(wf.steps[0].retry.retries, 0);
}

TEST(ParserTest, ReportTable) {
  Workflow wf = MustParse(kWorkflow);
  ASSERT_TRUE(wf.report.has_value());
  EXPECT_EQ(wf.report->rows, (std::vector<std::string>{"seed"}));
  EXPECT_EQ(wf.report->cols, (std::vector<std::string>{"task", "fraction"}));
  EXPECT_EQ(wf.report->value, "accuracy");
  EXPECT_EQ(wf.report->agg, "max");
  EXPECT_EQ(wf.report->format, "csv");
  EXPECT_EQ(wf.report->steps, (std::vector<std::string>{"evaluate"}));
  EXPECT_EQ(wf.report->path, "results/table.csv");
  EXPECT_EQ(wf.report->precision, 3);
  Workflow plain = MustParse(
      "axes: {m: [a]}\nsteps:\n  s: {over: [m], run: echo}\n"
      "report:\n  table: {rows: [m], cols: [], value: loss}\n");
  EXPECT_EQ(plain.report->agg, "mean");
  EXPECT_EQ(plain.report->format, "markdown");
  EXPECT_EQ(plain.report->precision, 4);
  EXPECT_FALSE(MustParse("steps:\n  a: {run: echo}\n").report.has_value());
}

TEST(ParserTest, JoinsThatAreAllowed) {
  // Fan-out (prepare has no axes), gather (ensemble has fewer axes), one-to-one.
  MustParse(
      "axes: {t: [a, b], s: [1, 2]}\nsteps:\n"
      "  prep: {run: echo, outputs: [d]}\n"
      "  train: {over: [t, s], run: 'x {prep.d}', outputs: [m]}\n"
      "  eval: {over: [s, t], run: 'x {train.m}'}\n"
      "  ens: {over: [t], run: 'x {train.m...} {prep.d...}'}\n");
}

TEST(ParserTest, Durations) {
  const std::pair<const char*, double> good[] = {
      {"30m", 1800},          {"1h30m", 5400}, {"90s", 90},       {"2h", 7200},
      {"1d", 86400},          {"45", 45},      {"0.5", 0.5},      {"1.5h", 5400},
      {"1d12h", 129600},      {"1m30s", 90},   {"1:30:00", 5400}, {"2-00:00:00", 172800},
      {"1-12:30:15", 131415}, {"0", 0},
  };
  for (const auto& [text, seconds] : good) {
    Result<double> d = ParseDuration(text);
    ASSERT_TRUE(d.ok()) << text << ": " << d.status().message();
    EXPECT_EQ(*d, seconds) << text;
  }
  for (const char* bad : {"", "30x", "m", "1h1h", "30m1h", "1:30", "1:60:00", "-5", "1h 30m", "abc",
                          "1-2", "1.5-00:00:00", "h30"}) {
    Result<double> d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_NE(d.status().message().find("is not a duration"), std::string::npos);
    }
  }
}

TEST(ParserTest, Memory) {
  const std::pair<const char*, int64_t> good[] = {
      {"2G", 2LL << 30},  {"512M", 512LL << 20}, {"1.5GiB", 3LL << 29}, {"100k", 102400},
      {"1024", 1024},     {"1T", 1LL << 40},     {"10KB", 10240},       {"64mb", 64LL << 20},
      {"2Gi", 2LL << 30}, {"512B", 512},
  };
  for (const auto& [text, bytes] : good) {
    Result<int64_t> m = ParseMemory(text);
    ASSERT_TRUE(m.ok()) << text << ": " << m.status().message();
    EXPECT_EQ(*m, bytes) << text;
  }
  for (const char* bad : {"", "2X", "G", "1.5.5G", "-1G", "2GG", "2 G B", "99999999999P"}) {
    EXPECT_FALSE(ParseMemory(bad).ok()) << bad;
  }
}

TEST(ParserTest, OverridesReplaceAxisValues) {
  Workflow wf = MustParse(kWorkflow, "w.yaml", {"seed=1,2,3", "task=wine", "seed=7"});
  EXPECT_EQ(wf.FindAxis("seed")->values, (std::vector<std::string>{"7"}));  // last one wins
  EXPECT_EQ(wf.FindAxis("task")->values, (std::vector<std::string>{"wine"}));
  EXPECT_EQ(wf.FindAxis("fraction")->values.size(), 3u);
}

TEST(ParserTest, BadOverrides) {
  EXPECT_EQ(MustFail(kWorkflow, {"sed=1"}),
            "--set sed=1: 'sed' is not an axis of the workflow (axes: task, fraction, seed); "
            "did you mean 'seed'?");
  EXPECT_EQ(MustFail(kWorkflow, {"seed="}), "--set seed=: empty value; write seed=v1,v2");
  EXPECT_NE(MustFail(kWorkflow, {"seed=1,,2"}).find("empty value"), std::string::npos);
  EXPECT_NE(MustFail(kWorkflow, {"seed"}).find("write AXIS=VALUE"), std::string::npos);
  EXPECT_NE(MustFail(kWorkflow, {"seed=1,1"}).find("'1' appears twice"), std::string::npos);
}

// Duplicate values are found with a hash set: 200,000 values load in well under a
// second, where comparing each with every earlier one took minutes.
TEST(ParserTest, LargeAxesAndOverridesAreCheckedForDuplicatesInLinearTime) {
  constexpr int kValues = 200000;
  std::string list, set = "seed=";
  for (int i = 0; i < kValues; ++i) {
    list += (i ? ", " : "") + std::to_string(i);
    set += (i ? "," : "") + std::to_string(i);
  }
  const std::string head = "axes:\n  seed: [";
  const std::string tail = "]\nsteps:\n  s: {over: [seed], run: 'echo {seed}'}\n";
  Workflow wf = MustParse(head + list + tail);
  EXPECT_EQ(wf.FindAxis("seed")->values.size(), static_cast<size_t>(kValues));
  std::string msg = MustFail(head + list + ", 17" + tail);
  EXPECT_NE(msg.find("value '17' appears twice in axis 'seed'"), std::string::npos) << msg.substr(0, 200);
  Workflow over = MustParse(kWorkflow, "w.yaml", {set});
  EXPECT_EQ(over.FindAxis("seed")->values.size(), static_cast<size_t>(kValues));
  EXPECT_NE(MustFail(kWorkflow, {set + ",5"}).find("value '5' appears twice"), std::string::npos);
}

// A cross product is counted before anything is planned; --set is counted too.
TEST(ParserTest, TooManyJobsAreRefusedWithTheirCount) {
  std::string values = "v=";
  for (int i = 0; i < 5000; ++i) values += (i ? "," : "") + std::to_string(i);
  const std::string text =
      "axes: {a: [0], b: [0], c: [0]}\nsteps:\n  s: {over: [a, b, c], run: echo}\n";
  MustParse(text);
  std::string msg = MustFail(text, {"a=" + values.substr(2), "b=" + values.substr(2)});
  EXPECT_EQ(msg.rfind("with --set: step 's' expands to 25,000,000 jobs (a 5,000 x b 5,000 x c 1); "
                      "drover plans at most 10,000,000 jobs", 0), 0u) << msg;
  // Two steps under the limit each, over it together.
  std::string three = "=0";
  for (int i = 1; i < 3000; ++i) three += "," + std::to_string(i);
  const std::string two = "axes: {a: [0], b: [0]}\nsteps:\n  s: {over: [a, b], run: echo}\n"
                          "  t: {over: [a, b], run: echo}\n";
  msg = MustFail(two, {"a" + three, "b" + three});
  EXPECT_EQ(msg.rfind("with --set: step 't' (9,000,000 jobs) brings the workflow to 18,000,000 "
                      "jobs", 0), 0u) << msg;
}

// An anchor used inside itself, or nested past any real space, is an error, never a
// recursion without end.
TEST(ParserTest, SelfReferencingOrDeepSpacesAreErrors) {
  std::string msg = MustFail(
      "steps:\n  t:\n    study:\n      space: &s\n        x: {type: categorical, choices: [a],"
      " when: *s}\n      trials: 1\n    run: echo {x}\n");
  EXPECT_NE(msg.find("levels deep"), std::string::npos) << msg;
  std::string deep = std::string(40, '[') + std::string(40, ']');
  msg = MustFail("steps:\n  t:\n    study:\n      space: {x: {type: categorical, choices: " +
                 deep + "}}\n      trials: 1\n    run: echo {x}\n");
  EXPECT_NE(msg.find("levels deep"), std::string::npos) << msg;
}

// yaml-cpp 0.7's LoadAll never returns on these (it adds empty documents until memory
// runs out); the workflow loader reads the documents itself and reports a syntax error.
TEST(ParserTest, InputsThatHangYamlCppsLoadAllAreSyntaxErrors) {
  EXPECT_EQ(MustFail(",\n").rfind("w.yaml:1:1: error: YAML syntax error: unexpected ','", 0), 0u);
  std::string msg = MustFail("{\"a\": {\"type\": \"int\"},\n \"b\": [1]},\n \"c\": {}}}\n");
  EXPECT_EQ(msg.rfind("w.yaml:2:11: error: YAML syntax error: unexpected ','", 0), 0u) << msg;
  // Several documents and empty ones are still told apart.
  EXPECT_NE(MustFail("steps: {s: {run: echo}}\n---\na: 1\n").find("holds one YAML document"),
            std::string::npos);
  MustParse("steps: {s: {run: echo}}\n---\n");
  EXPECT_NE(MustFail("# nothing\n").find("the workflow is empty"), std::string::npos);
}

// yaml-cpp's YAML::Load reads the first document and drops the rest, even text after a
// dedent that no '---' starts: a search-space file is read whole, or refused.
TEST(ParserTest, ASpaceFileWithTextAfterItsDocumentIsRefused) {
  const std::string path = ::testing::TempDir() + "/dedent_space.yaml";
  ASSERT_TRUE(WriteFile(path, "    lr: {type: float, low: 0.1, high: 1}\n"
                              "  width: {type: int, low: 1, high: 4}\n").ok());
  auto space = LoadSpaceFile(path);
  ASSERT_FALSE(space.ok());
  EXPECT_EQ(space.status().message().rfind(path + ":2:3: error: a search-space file holds one "
                                                  "YAML document", 0), 0u)
      << space.status().message();
  ASSERT_TRUE(WriteFile(path, "lr: {type: float, low: 0.1, high: 1}\n").ok());
  EXPECT_TRUE(LoadSpaceFile(path).ok());
}

TEST(ParserTest, WorkflowEnvMayUseAxesOfEveryStep) {
  MustParse("env: {T: '{t}'}\naxes: {t: [a]}\nsteps:\n  x: {over: [t], run: echo}\n");
}

TEST(ParserTest, TaggedAndAnchoredScalarsAreLocated) {
  std::string msg = MustFail("axes: {t: [a]}\nsteps:\n  x:\n    run: !!str &r echo {s}\n");
  EXPECT_EQ(msg.rfind("w.yaml:4:24: error: step 'x' uses {s}", 0), 0u) << msg;
}

TEST(ParserTest, FormatLocated) {
  const std::string src = "a: 1\n\tb: {x}\nc: é{y}\n";
  EXPECT_EQ(FormatLocated({"f.yaml", 2, 6}, "bad", src),
            "f.yaml:2:6: error: bad\n    \tb: {x}\n    \t    ^");
  // The caret counts characters on the screen, not UTF-8 bytes.
  EXPECT_EQ(FormatLocated({"f.yaml", 3, 6}, "bad", src),
            "f.yaml:3:6: error: bad\n    c: é{y}\n        ^");
  EXPECT_EQ(FormatLocated({"f.yaml", 0, 0}, "bad", src), "f.yaml: error: bad");
  EXPECT_EQ(FormatLocated({"f.yaml", 9, 1}, "bad", src), "f.yaml:9:1: error: bad");
}

TEST(ParserTest, NeverThrowsOnOddYaml) {
  for (const char* text : {"", "~", "[", "{", "a: *x", "? [a]\n: b\n", "steps: !!binary AAAA",
                           "\xEF\xBB\xBFsteps:\n  a: {run: echo}\n", "steps:\n  [a]: {run: x}\n",
                           "steps:\n  a: {run: [1]}\n", "%YAML 1.2\n---\nsteps: 1\n"}) {
    Result<Workflow> wf = ParseWorkflow(text, "odd.yaml");
    if (!wf.ok()) {
      EXPECT_EQ(wf.status().message().rfind("odd.yaml", 0), 0u) << text;
    }
  }
}

// A grid study may leave trials: out (the whole grid, conditional params counted
// only where active); fewer trials than points are allowed, more are an error.
TEST(ParserTest, GridStudyTrialsDefaultToTheGrid) {
  const std::string base = R"(
steps:
  tune:
    study:
      space:
        model: {type: categorical, choices: [svm, tree]}
        c: {type: float, low: 0.1, high: 10, log: true, when: {model: [svm]}}
        depth: {type: int, low: 2, high: 4, when: {model: [tree]}}
      sampler: {name: grid, float_points: 4}
)";
  const std::string run = "    run: python3 train.py {model}\n";
  Workflow all = MustParse(base + run);
  ASSERT_TRUE(all.steps.at(0).study.has_value());
  EXPECT_EQ(all.steps[0].study->trials, 4 + 3);  // svm x 4 values of c, tree x 3 depths
  Workflow some = MustParse(base + "      trials: 5\n" + run);
  EXPECT_EQ(some.steps[0].study->trials, 5);
  EXPECT_NE(MustFail(base + "      trials: 8\n" + run).find("more than the grid's 7 points"),
            std::string::npos);
  // Samplers that never run out still need trials:.
  EXPECT_NE(MustFail("steps:\n  t:\n    study:\n      space: {x: {type: float, low: 0, high: 1}}\n"
                     "    run: echo {x}\n").find("has no trials:"),
            std::string::npos);
}

}  // namespace
}  // namespace drover
