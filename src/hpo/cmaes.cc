#include "hpo/cmaes.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace drover::hpo {
namespace {

// Eigen-decomposition of a symmetric n x n matrix by cyclic Jacobi rotations:
// a becomes diagonal (eigenvalues), v the eigenvectors as columns.
void Jacobi(std::vector<double>& a, std::vector<double>& v, size_t n) {
  v.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = 0;
    for (size_t p = 0; p < n; ++p)
      for (size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-30) return;
    for (size_t p = 0; p < n; ++p) {
      for (size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < n; ++k) {  // rotate columns p, q
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (size_t k = 0; k < n; ++k) {  // rotate rows p, q
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
}

}  // namespace

void CmaEsSampler::Init(const Space& space) {
  if (ready_) return;
  ready_ = true;
  for (size_t i = 0; i < space.size(); ++i)
    if (space[i].numeric() && !space[i].when) dims_.push_back(i);
  const size_t n = n_ = dims_.size();
  if (n == 0) return;
  const double nd = static_cast<double>(n);
  lambda_ = options_.popsize ? options_.popsize : 4 + static_cast<size_t>(3 * std::log(nd));
  mu_ = lambda_ / 2;
  for (size_t i = 0; i < mu_; ++i) weights_.push_back(std::log(mu_ + 0.5) - std::log(i + 1.0));
  const double sum = std::accumulate(weights_.begin(), weights_.end(), 0.0);
  double sq = 0;
  for (double& w : weights_) w /= sum, sq += w * w;
  mueff_ = 1 / sq;
  cs_ = (mueff_ + 2) / (nd + mueff_ + 5);
  ds_ = 1 + 2 * std::max(0.0, std::sqrt((mueff_ - 1) / (nd + 1)) - 1) + cs_;
  cc_ = (4 + mueff_ / nd) / (nd + 4 + 2 * mueff_ / nd);
  c1_ = 2 / ((nd + 1.3) * (nd + 1.3) + mueff_);
  cmu_ = std::min(1 - c1_, 2 * (mueff_ - 2 + 1 / mueff_) / ((nd + 2) * (nd + 2) + mueff_));
  if (options_.separable) {
    c1_ = std::min(1.0, c1_ * (nd + 2) / 3);
    cmu_ = std::min(1 - c1_, cmu_ * (nd + 2) / 3);
  }
  chin_ = std::sqrt(nd) * (1 - 1 / (4 * nd) + 1 / (21 * nd * nd));
  mean_.assign(n, 0.5);
  pc_.assign(n, 0);
  ps_.assign(n, 0);
  c_.assign(n * n, 0);
  for (size_t i = 0; i < n; ++i) c_[i * n + i] = 1;
  sigma_ = options_.sigma0;
  Decompose();
}

void CmaEsSampler::Decompose() {
  const size_t n = n_;
  if (options_.separable) {
    b_.assign(n * n, 0);
    d_.resize(n);
    for (size_t i = 0; i < n; ++i) b_[i * n + i] = 1, d_[i] = std::sqrt(std::max(c_[i * n + i], 1e-20));
    return;
  }
  std::vector<double> a = c_;
  Jacobi(a, b_, n);
  d_.resize(n);
  for (size_t i = 0; i < n; ++i) d_[i] = std::sqrt(std::max(a[i * n + i], 1e-20));
}

Result<Params> CmaEsSampler::Suggest(const Space& space, const TrialHistory&, Rng& rng) {
  Init(space);
  Params out = SampleUniform(space, rng);  // categorical and conditional params
  const size_t n = n_;
  std::vector<double> x(n), z(n);
  for (int attempt = 0; attempt < 100; ++attempt) {
    for (double& v : z) v = rng.Normal();
    bool inside = true;
    for (size_t i = 0; i < n; ++i) {
      double y = 0;
      for (size_t j = 0; j < n; ++j) y += b_[i * n + j] * d_[j] * z[j];
      x[i] = mean_[i] + sigma_ * y;
      inside = inside && x[i] >= 0 && x[i] <= 1;
    }
    if (inside) break;
  }
  for (size_t k = 0; k < n; ++k) {
    const ParamSpec& p = space[dims_[k]];
    const double u = std::clamp(x[k], 0.0, 1.0);
    out[p.name] = p.FromInternal(p.internal_low() + u * (p.internal_high() - p.internal_low()));
  }
  return out;
}

void CmaEsSampler::OnAsk(const Space& space, const Trial& trial) {
  Init(space);
  std::vector<double> x(n_);
  for (size_t k = 0; k < n_; ++k) {
    const ParamSpec& p = space[dims_[k]];
    auto it = trial.params.find(p.name);
    if (it == trial.params.end()) return;
    x[k] = (p.ToInternal(it->second) - p.internal_low()) / (p.internal_high() - p.internal_low());
  }
  asked_[trial.number] = {generation_, std::move(x)};
}

void CmaEsSampler::OnTell(const Space& space, const TrialHistory& history, const Trial& trial) {
  auto it = asked_.find(trial.number);
  if (it == asked_.end()) return;
  if (trial.state == TrialState::kComplete && it->second.first == generation_ && std::isfinite(*trial.value))
    solutions_.emplace_back(history.Loss(*trial.value), std::move(it->second.second));
  asked_.erase(it);
  if (n_ > 0 && solutions_.size() >= lambda_) Update();
}

void CmaEsSampler::Update() {
  const size_t n = n_;
  std::sort(solutions_.begin(), solutions_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::vector<double>> y(mu_, std::vector<double>(n));
  std::vector<double> yw(n, 0.0);
  for (size_t k = 0; k < mu_; ++k)
    for (size_t i = 0; i < n; ++i) {
      y[k][i] = (solutions_[k].second[i] - mean_[i]) / sigma_;
      yw[i] += weights_[k] * y[k][i];
    }
  for (size_t i = 0; i < n; ++i) mean_[i] += sigma_ * yw[i];
  // C^{-1/2} yw = B D^{-1} B^T yw
  std::vector<double> t(n, 0.0), cy(n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    for (size_t i = 0; i < n; ++i) t[j] += b_[i * n + j] * yw[i];
    t[j] /= d_[j];
  }
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) cy[i] += b_[i * n + j] * t[j];
  double psn = 0;
  for (size_t i = 0; i < n; ++i) {
    ps_[i] = (1 - cs_) * ps_[i] + std::sqrt(cs_ * (2 - cs_) * mueff_) * cy[i];
    psn += ps_[i] * ps_[i];
  }
  psn = std::sqrt(psn);
  const double denom = std::sqrt(1 - std::pow(1 - cs_, 2.0 * (generation_ + 1)));
  const bool hs = psn / denom < (1.4 + 2 / (n + 1.0)) * chin_;
  for (size_t i = 0; i < n; ++i) pc_[i] = (1 - cc_) * pc_[i] + (hs ? std::sqrt(cc_ * (2 - cc_) * mueff_) : 0) * yw[i];
  const double decay = 1 - c1_ - cmu_ + (hs ? 0 : c1_ * cc_ * (2 - cc_));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      if (options_.separable && i != j) continue;
      double rank_mu = 0;
      for (size_t k = 0; k < mu_; ++k) rank_mu += weights_[k] * y[k][i] * y[k][j];
      c_[i * n + j] = decay * c_[i * n + j] + c1_ * pc_[i] * pc_[j] + cmu_ * rank_mu;
    }
  sigma_ *= std::exp(std::min(1.0, (cs_ / ds_) * (psn / chin_ - 1)));
  sigma_ = std::clamp(sigma_, 1e-12, 1.0);
  Decompose();
  solutions_.clear();
  ++generation_;
}

}  // namespace drover::hpo
