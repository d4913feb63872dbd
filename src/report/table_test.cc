#include "report/table.h"

#include <gtest/gtest.h>

namespace drover {
namespace {

TableEntry E(const std::string& step, std::vector<std::pair<std::string, std::string>> params,
             std::optional<double> value) {
  return {step, std::move(params), value, false};
}

// model: [mlp, logreg], task: [wine, digits], seed: [0, 1]; steps train, ensemble.
Workflow Wf() {
  Workflow wf;
  wf.axes = {{"model", {"mlp", "logreg"}, {}}, {"task", {"wine", "digits"}, {}},
             {"seed", {"0", "1"}, {}}, {"fraction", {"0.1", "0.9"}, {}}};
  wf.steps.resize(3);
  wf.steps[0].name = "train";
  wf.steps[1].name = "ensemble";
  wf.steps[2].name = "final";
  return wf;
}

// Listed in the order jobs might finish, not the file's.
std::vector<TableEntry> Entries() {
  return {E("ensemble", {{"task", "digits"}}, 0.95),
          E("train", {{"model", "logreg"}, {"task", "digits"}, {"seed", "0"}}, 0.9),
          E("train", {{"model", "logreg"}, {"task", "digits"}, {"seed", "1"}}, 0.8),
          E("train", {{"model", "mlp"}, {"task", "wine"}, {"seed", "0"}}, 0.5),
          E("train", {{"model", "mlp"}, {"task", "wine"}, {"seed", "1"}}, std::nullopt),
          E("ensemble", {{"task", "wine"}}, std::nullopt),
          E("train", {{"model", "mlp"}, {"task", "digits"}, {"seed", "0"}}, std::nullopt)};
}

TableSpec Spec() {
  TableSpec spec;
  spec.rows = {"model"};
  spec.cols = {"task"};
  spec.value = "accuracy";
  spec.precision = 2;
  return spec;
}

TEST(Table, RowsAndColumnsFollowTheFileNotTheOrderOfResults) {
  Workflow wf = Wf();
  auto t = BuildTable(Entries(), Spec(), &wf);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->row_labels, (std::vector<std::string>{"mlp", "logreg", "ensemble"}));
  EXPECT_EQ(t->col_labels, (std::vector<std::string>{"wine", "digits"}));
  EXPECT_EQ(t->cells[1][1], "0.85");           // mean over seeds
  EXPECT_EQ(t->cells[0][0], "0.50 (n=1 of 2)");  // a missing seed shows
  EXPECT_EQ(t->cells[0][1], "-");              // planned, no result yet
  EXPECT_EQ(t->cells[1][0], "-");              // not planned
  EXPECT_EQ(t->cells[2][1], "0.95");
  EXPECT_EQ(t->cells[2][0], "-");
}

TEST(Table, AggregatesAndSpreads) {
  Workflow wf = Wf();
  TableSpec spec = Spec();
  spec.steps = {"train"};
  spec.agg = "median";
  auto t = BuildTable(Entries(), spec, &wf);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->row_labels.size(), 2u);
  EXPECT_EQ(t->cells[1][1], "0.85");
  spec.agg = "count";
  EXPECT_EQ(BuildTable(Entries(), spec, &wf)->cells[1][1], "2");
  spec.agg = "std";
  spec.precision = 4;
  EXPECT_EQ(BuildTable(Entries(), spec, &wf)->cells[1][1], "0.0707");
  spec.agg = "mean";
  spec.spread = "std";
  EXPECT_EQ(BuildTable(Entries(), spec, &wf)->cells[1][1], "0.8500 ± 0.0707");
  spec.spread = "sem";
  EXPECT_EQ(BuildTable(Entries(), spec, &wf)->cells[1][1], "0.8500 ± 0.0500");
  spec.spread = "minmax";
  spec.precision = 1;
  EXPECT_EQ(BuildTable(Entries(), spec, &wf)->cells[1][1], "0.9 [0.8, 0.9]");
  spec.spread = "var";
  EXPECT_FALSE(BuildTable(Entries(), spec, &wf).ok());
  // A cell of one value (mlp on wine: one seed of two) has no spread to show: the value
  // alone, never "± 0.0", whichever spread; its n stays named.
  spec.precision = 4;
  for (const char* spread : {"std", "sem"}) {
    spec.spread = spread;
    auto one = BuildTable(Entries(), spec, &wf);
    ASSERT_TRUE(one.ok()) << spread;
    EXPECT_EQ(one->cells[0][0], "0.5000 (n=1 of 2)") << spread;
    EXPECT_EQ(one->cells[1][1].find(" ± "), 6u) << spread;  // n=2 keeps its spread
  }
  spec.spread = "";
  spec.agg = "mode";
  EXPECT_FALSE(BuildTable(Entries(), spec, &wf).ok());
}

TEST(Table, LabelsRenameWhatIsShownOnly) {
  Workflow wf = Wf();
  TableSpec spec = Spec();
  spec.labels = {{"ensemble", "Ensemble All"}, {"mlp", "MLP"}, {"task", "Task"}};
  auto t = BuildTable(Entries(), spec, &wf);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->row_labels, (std::vector<std::string>{"MLP", "logreg", "Ensemble All"}));
  EXPECT_EQ(t->corner, "model \\ Task");
}

TEST(Table, AStepWithoutAColumnAxisFillsTheColumnsOfTheAxesItHas) {
  Workflow wf = Wf();
  TableSpec spec = Spec();
  spec.cols = {"task", "fraction"};
  spec.steps = {"train", "final"};
  std::vector<TableEntry> e = {
      E("train", {{"model", "mlp"}, {"task", "wine"}, {"fraction", "0.9"}}, 0.5),
      E("train", {{"model", "mlp"}, {"task", "wine"}, {"fraction", "0.1"}}, 0.4),
      E("final", {{"model", "mlp"}, {"task", "digits"}}, 0.7),  // no fraction
      E("train", {{"model", "mlp"}, {"task", "digits"}, {"fraction", "0.1"}}, 0.6)};
  auto t = BuildTable(e, spec, &wf);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->col_labels,
            (std::vector<std::string>{"wine, 0.1", "wine, 0.9", "digits, 0.1"}));
  // final's row sits under the digits column, no "digits, final" column is made.
  EXPECT_EQ(t->row_labels, (std::vector<std::string>{"mlp"}));
  EXPECT_EQ(t->cells[0][2], "0.65");
}

TEST(Table, PartialCellsGetAFootnote) {
  Workflow wf = Wf();
  std::vector<TableEntry> e = Entries();
  e[0].partial = true;
  auto t = BuildTable(e, Spec(), &wf);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->cells[2][1], "0.95*");
  ASSERT_EQ(t->footnotes.size(), 1u);
  EXPECT_NE(RenderTable(*t, "text").find("* a partial gather"), std::string::npos);
}

TEST(Table, Formats) {
  Workflow wf = Wf();
  TableSpec spec = Spec();
  spec.steps = {"train"};
  spec.spread = "std";
  auto t = BuildTable(Entries(), spec, &wf);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(RenderTable(*t, "csv"),
            "model \\ task,wine,digits\nmlp,0.50 (n=1 of 2),-\nlogreg,-,0.85 ± 0.07\n");
  std::string md = RenderTable(*t, "markdown");
  EXPECT_NE(md.find("| logreg"), std::string::npos);
  EXPECT_NE(md.find("---:|"), std::string::npos);
  std::string tex = RenderTable(*t, "latex");
  EXPECT_NE(tex.find("\\begin{tabular}{lrr}\n\\toprule\n"), std::string::npos);
  EXPECT_NE(tex.find("logreg & - & 0.85 $\\pm$ 0.07 \\\\\n\\bottomrule"), std::string::npos);
  std::string html = RenderTable(*t, "html");
  EXPECT_NE(html.find("<tr><th>logreg</th><td>-</td><td>0.85 ± 0.07</td></tr>"),
            std::string::npos);
  // Text columns align by what is seen: "±" is one column wide.
  std::string text = RenderTable(*t, "text");
  EXPECT_NE(text.find("logreg" + std::string(6 + 2 + 14, ' ') + "-  0.85 ± 0.07\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  " + std::string(11, '-') + "\n"), std::string::npos) << text;
  EXPECT_TRUE(IsTableFormat("latex"));
  EXPECT_FALSE(IsTableFormat("xlsx"));
}

TEST(Table, APrecisionOutsideZeroToSeventeenIsAnErrorNotAnAbort) {
  TableSpec spec = Spec();
  for (int bad : {-1, 18, 1 << 30}) {
    spec.precision = bad;
    auto t = BuildTable(Entries(), spec);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.status().message().find("precision must be 0 to 17"), std::string::npos);
  }
  spec.precision = 17;
  EXPECT_TRUE(BuildTable(Entries(), spec).ok());
}

}  // namespace
}  // namespace drover
