// Parameter importance of a study: which parameters explain the objective.
//
// Method "marginal-variance" (fANOVA-style, first order): for each parameter its
// values over the completed trials are put in up to 10 bins (a categorical: one bin
// per choice; a number: equal-count bins of its values, on the log scale when the
// parameter is log; a conditional parameter that is inactive in a trial: one more
// bin), and its importance is the variance of the objective's mean per bin (weighted
// by the bins' sizes) divided by the objective's total variance: the share of the
// variance that the parameter alone explains (the correlation ratio, eta squared).
// fANOVA's first-order terms are the same quantity measured on a random forest's
// fit instead of the raw trials. The shares are also given normalised to sum to 1.
#pragma once

#include <string>
#include <vector>

#include "hpo/space.h"
#include "hpo/trial.h"

namespace drover::study {

inline constexpr const char* kImportanceMethod = "marginal-variance";

struct ParamImportance {
  std::string name;
  double variance_share = 0;  // between-bin variance / total variance, in [0, 1]
  double importance = 0;      // variance_share normalised over all parameters (sum 1; all 0 when none)
};

// The importance of each parameter of `space` over the completed trials of `trials`,
// most important first (ties by name). Fewer than 2 completed trials, or an objective
// that never varies, give every parameter 0.
std::vector<ParamImportance> Importance(const hpo::Space& space, const std::vector<hpo::Trial>& trials);

}  // namespace drover::study
