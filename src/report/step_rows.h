// Per-step count tables (`drover status`, `drover run --dry-run`) that fit a screen: a
// workflow of thousands of steps gets one row per family of steps instead of one per
// step. Pure functions over plain rows; no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace drover {

// One row of a per-step table: a label and one count per column.
struct StepRow {
  std::string label;
  std::vector<long long> counts;
  int steps = 1;  // steps summed into this row
};

// Tables of at most this many steps are printed one row per step.
inline constexpr size_t kMaxStepRows = 30;
// When grouping by family still leaves more rows than kMaxStepRows: the families with
// the most jobs shown, and one more row for the rest.
inline constexpr size_t kTopStepRows = 20;

// The family of a step name: its name without a trailing number and the separators
// before it ("fasterq-dump_ID0000100" -> "fasterq-dump_ID", "train_7" -> "train",
// "s0042" -> "s"); a name that does not end in a digit is cut at its last '_' or '-'
// ("merge_reads" -> "merge"); otherwise (or when that leaves nothing) the name itself.
std::string StepFamily(const std::string& name);

// `rows` (one per step, in order) as printed: unchanged when there are at most
// kMaxStepRows; otherwise summed per family (rows in order of first appearance,
// labelled "FAMILY* (N steps)" when N > 1), and when that is still too many, the
// kTopStepRows families with the most jobs (sum of counts, first appearance breaking
// ties) in their order, then one row "... N more steps" for all the others.
std::vector<StepRow> GroupStepRows(const std::vector<StepRow>& rows);

}  // namespace drover
