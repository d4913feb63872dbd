#include "report/table.h"

#include <gtest/gtest.h>

namespace drover {
namespace {

std::vector<MetricPoint> Points() {
  return {{1, "evaluate", R"({"task":"digits","seed":"0","model":"logreg"})", 0.9},
          {2, "evaluate", R"({"task":"digits","seed":"1","model":"logreg"})", 0.8},
          {3, "evaluate", R"({"task":"wine","seed":"0","model":"mlp"})", 0.5},
          {4, "ensemble", R"({"task":"digits","seed":"0"})", 0.95}};
}

TEST(Table, PivotsWithMeanAndStepRows) {
  TableSpec spec;
  spec.rows = {"model"};
  spec.cols = {"task"};
  spec.value = "accuracy";
  spec.precision = 2;
  auto t = BuildTable(Points(), spec);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->row_labels, (std::vector<std::string>{"logreg", "mlp", "ensemble"}));
  ASSERT_EQ(t->col_labels, (std::vector<std::string>{"digits", "wine"}));
  EXPECT_EQ(t->cells[0][0], "0.85");  // mean over seeds
  EXPECT_EQ(t->cells[0][1], "-");     // missing cell
  EXPECT_EQ(t->cells[2][0], "0.95");
}

TEST(Table, AggregatesAndFormats) {
  TableSpec spec;
  spec.rows = {"model"};
  spec.cols = {"task"};
  spec.agg = "max";
  spec.precision = 1;
  spec.step = "evaluate";
  auto t = BuildTable(Points(), spec);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->row_labels.size(), 2u);
  EXPECT_EQ(t->cells[0][0], "0.9");
  std::string md = RenderTable(*t, "markdown");
  EXPECT_NE(md.find("| logreg"), std::string::npos);
  EXPECT_NE(md.find("---:|"), std::string::npos);
  EXPECT_EQ(RenderTable(*t, "csv"), "model \\ task,digits,wine\nlogreg,0.9,-\nmlp,-,0.5\n");
  spec.agg = "median";
  EXPECT_FALSE(BuildTable(Points(), spec).ok());
}

TEST(Table, APrecisionOutsideZeroToSeventeenIsAnErrorNotAnAbort) {
  TableSpec spec;
  spec.rows = {"model"};
  spec.value = "accuracy";
  for (int bad : {-1, 18, 1 << 30}) {
    spec.precision = bad;
    auto t = BuildTable(Points(), spec);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.status().message().find("precision must be 0 to 17"), std::string::npos);
  }
  spec.precision = 17;
  EXPECT_TRUE(BuildTable(Points(), spec).ok());
}

}  // namespace
}  // namespace drover
