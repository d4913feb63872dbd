#include "hpo/tpe.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hpo/math.h"

namespace drover::hpo {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
void InsertSorted(std::vector<std::pair<int64_t, T>>& v, int64_t number, T x) {
  auto it = std::lower_bound(v.begin(), v.end(), number, [](const auto& e, int64_t n) { return e.first < n; });
  v.insert(it, {number, std::move(x)});
}

template <typename T>
void EraseNumber(std::vector<std::pair<int64_t, T>>& v, int64_t number) {
  auto it = std::lower_bound(v.begin(), v.end(), number, [](const auto& e, int64_t n) { return e.first < n; });
  if (it != v.end() && it->first == number) v.erase(it);
}

}  // namespace

void TpeSampler::Init(const Space& space) {
  if (ready_) return;
  ready_ = true;
  numeric_bad_.resize(space.size());
  cat_bad_.resize(space.size());
  for (size_t i = 0; i < space.size(); ++i) {
    domains_.push_back(NumericDomain::Of(space[i]));
    if (space[i].numeric()) numeric_bad_[i] = std::make_unique<AboveModel>(domains_[i], options_.kde());
    if (options_.multivariate && !space[i].when) joint_.push_back(i);
    if (!options_.multivariate && options_.joint_candidates && !space[i].when && space[i].numeric())
      grouped_.push_back(i);
  }
}

std::vector<double> TpeSampler::Internal(const Space& space, const Params& params) const {
  std::vector<double> v(space.size(), kNaN);
  for (size_t i = 0; i < space.size(); ++i) {
    auto it = params.find(space[i].name);
    if (it != params.end() && space[i].Contains(it->second)) v[i] = space[i].ToInternal(it->second);
  }
  return v;
}

void TpeSampler::OnAsk(const Space& space, const Trial& trial) {
  Init(space);
  if (options_.constant_liar) running_[trial.number] = Internal(space, trial.params);
}

void TpeSampler::OnTell(const Space& space, const TrialHistory& history, const Trial& trial) {
  Init(space);
  running_.erase(trial.number);
  if (!trial.finished() || values_.count(trial.number)) return;
  values_[trial.number] = Internal(space, trial.params);
  if (trial.state == TrialState::kComplete) {
    const double loss = history.Loss(*trial.value);
    complete_.insert({std::isnan(loss) ? std::numeric_limits<double>::infinity() : loss, trial.number});
  } else if (trial.intermediate.empty()) {
    pruned_.insert({1, 0.0, trial.number});
  } else {
    const auto& [step, v] = *trial.intermediate.rbegin();
    const double loss = std::isnan(v) ? std::numeric_limits<double>::infinity() : history.Loss(v);
    pruned_.insert({-step, loss, trial.number});
  }
  Resplit(trial.number);
}

// Recomputes the good group after `told` finished and moves trials between
// the groups: usually just `told` joins the bad group.
void TpeSampler::Resplit(int64_t told) {
  const size_t n = complete_.size() + pruned_.size();
  const size_t want = options_.gamma_sqrt > 0 ? TpeGammaSqrt(n, options_.gamma_sqrt) : TpeGamma(n, options_.Gamma());
  std::vector<int64_t> below;
  for (auto it = complete_.begin(); it != complete_.end() && below.size() < want; ++it) below.push_back(it->second);
  for (auto it = pruned_.begin(); it != pruned_.end() && below.size() < want; ++it) below.push_back(std::get<2>(*it));
  std::sort(below.begin(), below.end());
  auto in = [](const std::vector<int64_t>& v, int64_t x) { return std::binary_search(v.begin(), v.end(), x); };
  for (int64_t x : below_)
    if (!in(below, x)) AddBad(x);
  for (int64_t x : below)
    if (x != told && !in(below_, x)) RemoveBad(x);
  if (!in(below, told)) AddBad(told);
  below_ = std::move(below);
}

void TpeSampler::AddBad(int64_t number) {
  const auto& v = values_.at(number);
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) continue;
    if (numeric_bad_[i]) numeric_bad_[i]->Insert(number, v[i]);
    else InsertSorted(cat_bad_[i], number, v[i]);
  }
  if (joint_.empty()) return;
  std::vector<double> row;
  for (size_t i : joint_) row.push_back(v[i]);
  if (std::none_of(row.begin(), row.end(), [](double x) { return std::isnan(x); }))
    InsertSorted(joint_bad_, number, std::move(row));
}

void TpeSampler::RemoveBad(int64_t number) {
  const auto& v = values_.at(number);
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) continue;
    if (numeric_bad_[i]) numeric_bad_[i]->Remove(number, v[i]);
    else EraseNumber(cat_bad_[i], number);
  }
  if (!joint_.empty()) EraseNumber(joint_bad_, number);
}

std::vector<std::pair<int64_t, double>> TpeSampler::Running(size_t i) const {
  std::vector<std::pair<int64_t, double>> out;
  for (const auto& [number, v] : running_)
    if (!std::isnan(v[i])) out.emplace_back(number, v[i]);
  return out;
}

// The best finished trial: the best complete one, else the first pruned one in split order.
int64_t TpeSampler::Incumbent() const {
  if (!complete_.empty()) return complete_.begin()->second;
  return pruned_.empty() ? -1 : std::get<2>(*pruned_.begin());
}

// One parameter on its own: candidates from l, scored by log l - log g.
double TpeSampler::SampleOne(const Space& space, size_t i, Rng& rng) {
  std::vector<double> good;
  size_t inc = std::numeric_limits<size_t>::max();  // the incumbent's kernel in l
  const int64_t best = Incumbent();
  for (int64_t x : below_) {
    const double v = values_.at(x)[i];
    if (std::isnan(v)) continue;
    if (x == best) inc = good.size();
    good.push_back(v);
  }
  const auto running = Running(i);
  const size_t nc = options_.n_ei_candidates;
  std::vector<double> cand(nc), score(nc);
  if (numeric_bad_[i]) {
    KdeOptions lo = options_.kde();
    lo.scott = options_.good_scott;
    const NumericMixture l = NumericMixture::Build(good, domains_[i], lo);
    std::vector<size_t> from(nc);
    for (size_t c = 0; c < nc; ++c) {
      from[c] = options_.incumbent > 0 && inc < good.size() && rng.Uniform() < options_.incumbent ? inc
                                                                                                 : l.DrawKernel(rng);
      cand[c] = l.SampleKernel(rng, from[c]);
    }
    numeric_bad_[i]->LogPdf(cand, running, score);
    for (size_t c = 0; c < nc; ++c) score[c] = l.LogPdf(cand[c]) - score[c];
    const size_t top = std::max_element(score.begin(), score.end()) - score.begin();
    if (options_.n_refine == 0) return cand[top];
    // Local refinement around the best candidate.
    const NumericDomain& dom = domains_[i];
    const double s = options_.refine_scale * l.sigma(from[top]);
    std::vector<double> ref(options_.n_refine), rscore(options_.n_refine);
    for (double& x : ref) x = dom.Round(math::TruncNormPpf(rng.OpenUniform(), cand[top], s, dom.lo, dom.hi));
    numeric_bad_[i]->LogPdf(ref, running, rscore);
    double best_x = cand[top], best_s = score[top];
    for (size_t r = 0; r < ref.size(); ++r) {
      const double v = l.LogPdf(ref[r]) - rscore[r];
      if (v > best_s) best_s = v, best_x = ref[r];
    }
    return best_x;
  } else {
    const size_t choices = space[i].choices.size();
    const CategoricalMixture l = CategoricalMixture::Build(good, choices, options_.kde());
    std::vector<std::pair<int64_t, double>> bad = cat_bad_[i];
    for (const auto& r : running) InsertSorted(bad, r.first, r.second);
    const std::vector<double> w = TpeWeights(bad.size(), options_.weight_ramp);
    std::vector<double> per(choices, 0.0);
    double total = 0;
    for (size_t r = 0; r < bad.size(); ++r) {
      per[static_cast<size_t>(bad[r].second)] += w[r];
      total += w[r];
    }
    const CategoricalMixture g = CategoricalMixture::FromSums(total, per, bad.size(), options_.prior_weight);
    for (size_t c = 0; c < nc; ++c) {
      cand[c] = l.Sample(rng);
      score[c] = l.LogPdf(cand[c]) - g.LogPdf(cand[c]);
    }
  }
  return cand[std::max_element(score.begin(), score.end()) - score.begin()];
}

// The unconditional parameters jointly, with product kernels.
void TpeSampler::SampleJoint(const Space& space, Rng& rng, Params& out) {
  const size_t d = joint_.size();
  std::vector<ProductMixture::Dim> dims;
  for (size_t i : joint_) dims.push_back({!space[i].numeric(), domains_[i], space[i].choices.size()});
  std::vector<double> good;
  std::vector<double>& bad = joint_rows_;
  bad.clear();
  size_t inc = std::numeric_limits<size_t>::max();  // the incumbent's kernel in l
  const int64_t incumbent = Incumbent();
  for (int64_t x : below_) {
    if (x == incumbent) inc = good.size() / d;
    for (size_t i : joint_) good.push_back(values_.at(x)[i]);
  }
  std::vector<std::pair<int64_t, std::vector<double>>> liars;
  for (const auto& [number, v] : running_) {
    std::vector<double> row;
    for (size_t i : joint_) row.push_back(v[i]);
    liars.emplace_back(number, std::move(row));
  }
  size_t li = 0;
  auto take_liars_before = [&](int64_t number) {
    for (; li < liars.size() && liars[li].first < number; ++li)
      bad.insert(bad.end(), liars[li].second.begin(), liars[li].second.end());
  };
  bad.reserve((joint_bad_.size() + liars.size()) * d);
  for (const auto& [number, row] : joint_bad_) {
    take_liars_before(number);
    bad.insert(bad.end(), row.begin(), row.end());
  }
  take_liars_before(std::numeric_limits<int64_t>::max());
  const ProductMixture l = ProductMixture::Build(dims, good, options_.kde());
  ProductMixture& g = joint_g_;
  g.Assign(dims, bad, options_.kde());
  std::vector<double> best(d), x(d);
  double best_score = -std::numeric_limits<double>::infinity();
  size_t best_from = 0;
  for (size_t c = 0; c < options_.n_ei_candidates; ++c) {
    size_t k;
    if (options_.crossover > 0 && rng.Uniform() < options_.crossover) {
      k = l.size();  // no single kernel: not refined
      for (size_t j = 0; j < d; ++j) x[j] = l.SampleDim(rng, l.DrawKernel(rng), j);
    } else {
      k = options_.incumbent > 0 && inc < l.size() && rng.Uniform() < options_.incumbent ? inc : l.DrawKernel(rng);
      l.SampleKernel(rng, k, x);
    }
    const double s = l.LogPdf(x) - g.LogPdf(x);
    if (c == 0 || s > best_score) best_score = s, best = x, best_from = k;
  }
  // Local refinement around the best candidate (numeric dims; categorical ones kept).
  const std::vector<double> centre = best;
  for (size_t r = 0; best_from < l.size() && r < options_.n_refine; ++r) {
    for (size_t j = 0; j < d; ++j) {
      x[j] = centre[j];
      if (dims[j].categorical) continue;
      const NumericDomain& dom = dims[j].domain;
      const double s = options_.refine_scale * l.sigma(best_from, j);
      x[j] = dom.Round(math::TruncNormPpf(rng.OpenUniform(), centre[j], s, dom.lo, dom.hi));
    }
    const double s = l.LogPdf(x) - g.LogPdf(x);
    if (s > best_score) best_score = s, best = x;
  }
  for (size_t j = 0; j < d; ++j) out[space[joint_[j]].name] = space[joint_[j]].FromInternal(best[j]);
}

// Independent densities, joint candidates (TpeOptions::joint_candidates).
void TpeSampler::SampleGrouped(const Space& space, Rng& rng, Params& out) {
  const size_t nc = options_.n_joint_candidates, d = grouped_.size();
  if (nc == 0) return;  // per param instead
  KdeOptions lo = options_.kde();
  lo.scott = options_.good_scott;
  std::vector<NumericMixture> l;
  for (size_t i : grouped_) {
    std::vector<double> good;
    for (int64_t x : below_) good.push_back(values_.at(x)[i]);
    if (std::any_of(good.begin(), good.end(), [](double v) { return std::isnan(v); })) return;  // per param instead
    l.push_back(NumericMixture::Build(good, domains_[i], lo));
  }
  std::vector<double> cand(nc * d), total(nc, 0.0), xs(nc), g(nc);
  const size_t crossed = static_cast<size_t>(std::lround(options_.grouped_crossover * nc));
  for (size_t c = 0; c < nc; ++c) {
    const size_t k = l[0].DrawKernel(rng);  // the same kernel weights in every param
    for (size_t j = 0; j < d; ++j)
      cand[c * d + j] = l[j].SampleKernel(rng, c < nc - crossed || j == 0 ? k : l[0].DrawKernel(rng));
  }
  for (size_t j = 0; j < d; ++j) {
    for (size_t c = 0; c < nc; ++c) xs[c] = cand[c * d + j];
    numeric_bad_[grouped_[j]]->LogPdf(xs, Running(grouped_[j]), g);
    for (size_t c = 0; c < nc; ++c) total[c] += l[j].LogPdf(xs[c]) - g[c];
  }
  const size_t top = std::max_element(total.begin(), total.end()) - total.begin();
  for (size_t j = 0; j < d; ++j) out[space[grouped_[j]].name] = space[grouped_[j]].FromInternal(cand[top * d + j]);
}

Result<Params> TpeSampler::Suggest(const Space& space, const TrialHistory& history, Rng& rng) {
  Init(space);
  if (complete_.size() + pruned_.size() < options_.n_startup_trials) {
    if (!options_.startup_qmc) return SampleUniform(space, rng);
    if (!qmc_) qmc_ = std::make_unique<QuasiRandomSampler>(rng.Next());
    return qmc_->Suggest(space, history, rng);
  }
  Params out;
  if (!joint_.empty()) SampleJoint(space, rng, out);
  if (!grouped_.empty()) SampleGrouped(space, rng, out);
  for (size_t i = 0; i < space.size(); ++i) {
    if (out.count(space[i].name) || !space.IsActive(i, out)) continue;
    out[space[i].name] = space[i].FromInternal(SampleOne(space, i, rng));
  }
  return out;
}

}  // namespace drover::hpo
