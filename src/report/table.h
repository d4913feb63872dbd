// Results tables: a pivot of one metric over the axes of a workflow's jobs. Rows and
// columns are axis names; rows and columns follow the order of the axis values and of
// the steps in the workflow file. A job lacking a row axis is labelled by its step name
// (an `ensemble` step without `model` becomes the "ensemble" row); a job lacking a
// column axis fills the columns that agree with the axes it has. Several jobs in one
// cell (e.g. seeds) are combined with the aggregate, optionally with a spread
// ("0.9123 ± 0.0041"); a cell with fewer values than planned jobs names its n
// ("(n=1 of 2)"). Missing cells: "-".
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/results.h"
#include "spec/workflow.h"
#include "util/status.h"

namespace drover {

// One planned job as a table sees it. A job without a value still places its row and
// column; its cell counts it as planned.
struct TableEntry {
  std::string step;
  std::vector<std::pair<std::string, std::string>> params;  // axis -> value
  std::optional<double> value;  // the metric's last value, when the job has a result
  bool partial = false;         // a partial gather's result: the cell gets a "*" footnote
};

struct Table {
  std::vector<std::string> row_labels;  // "logreg", or "logreg, 0" for several axes
  std::vector<std::string> col_labels;  // "digits, 0.1"
  std::vector<std::vector<std::string>> cells;  // [row][col], formatted
  std::string corner;                   // "model \\ task, fraction"
  std::vector<std::string> footnotes;   // printed under the table (not in CSV)
};

// The most digits after the point a table shows: a double holds about 17.
inline constexpr int kMaxPrecision = 17;

// The table's entries for `metric` from plan results (report/results.h).
std::vector<TableEntry> TableEntries(const std::vector<JobResult>& results,
                                     const std::string& metric);

// Builds the table. Rows and columns follow the order of axis values and steps in `wf`
// (when null: the order of first appearance). Without spec.steps, only steps of which
// some job has a value take part. Labels rename axis names, values and step names as
// shown. Errors: an unknown aggregate or spread, a precision outside 0..kMaxPrecision.
Result<Table> BuildTable(const std::vector<TableEntry>& entries, const TableSpec& spec,
                         const Workflow* wf = nullptr);

// The formats RenderTable knows, for messages: "text, markdown, csv, latex or html".
bool IsTableFormat(const std::string& format);
inline constexpr char kTableFormats[] = "text, markdown, csv, latex or html";

// Renders as text (aligned columns), markdown, csv, latex (booktabs) or html.
std::string RenderTable(const Table& t, const std::string& format);

// A CSV field: as is, or quoted ("" for a quote) when it holds a comma, quote or newline.
std::string CsvField(const std::string& s);

}  // namespace drover
