// Results tables: a pivot of one metric over the axes of the jobs that logged it.
// Rows and columns are axis names; a job lacking a row axis is labelled by its step
// name (so an `ensemble` step without `model` becomes the "ensemble" row). Several
// jobs in one cell (e.g. seeds) are combined with the aggregate. Missing cells: "-".
#pragma once

#include <string>
#include <vector>

#include "spec/workflow.h"
#include "store/store.h"
#include "util/status.h"

namespace drover {

struct Table {
  std::vector<std::string> row_labels;  // "logreg", or "logreg, 0" for several axes
  std::vector<std::string> col_labels;  // "digits / 0.1"
  std::vector<std::vector<std::string>> cells;  // [row][col], formatted
  std::string corner;                   // "model \\ task, fraction"
};

// The most digits after the point a table shows: a double holds about 17.
inline constexpr int kMaxPrecision = 17;

// Builds the table from metric points (Store::LastMetricValues). Rows and columns
// are ordered by first appearance, which follows the axes' order in the workflow.
// Errors: an unknown aggregate, a precision outside 0..kMaxPrecision.
Result<Table> BuildTable(const std::vector<MetricPoint>& points, const TableSpec& spec);

// Renders as text (aligned columns), markdown or csv.
std::string RenderTable(const Table& t, const std::string& format);

// A CSV field: as is, or quoted ("" for a quote) when it holds a comma, quote or newline.
std::string CsvField(const std::string& s);

}  // namespace drover
