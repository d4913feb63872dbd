#include "hpo/tpe_model.h"

#include <algorithm>
#include <cmath>

#include "hpo/math.h"

namespace drover::hpo {
namespace {

constexpr double kWindow = 8.0;  // kernels are tabulated within 8 sigma

struct Term {
  double mu, sigma, lognorm;
};

}  // namespace

AboveModel::AboveModel(const NumericDomain& d) : d_(d) {
  if (d.step > 0) {
    const double values = std::round(d.range() / d.step);
    if (values <= kMaxValues) {
      by_value_ = true;
      x0_ = d.lo + d.step / 2;
      h_ = d.step;
      g0_.assign(static_cast<size_t>(values), 0.0);
    }
  }
  if (!by_value_) {
    x0_ = d.lo;
    h_ = d.range() / kGridPoints;
    g0_.assign(kGridPoints + 1, 0.0);
  }
  g1_ = g0_;
}

// A kernel's log normaliser: -log Z for masses, else -log(sigma Z sqrt(2 pi))
// (plus log step for a discrete param with many values, density * step).
double AboveModel::LogNorm(double mu, double sigma) const {
  const double logz = math::LogNdtrDiff((d_.lo - mu) / sigma, (d_.hi - mu) / sigma);
  if (by_value_) return -logz;
  return (d_.step > 0 ? std::log(d_.step) : 0.0) - logz - std::log(sigma) - math::kLogSqrt2Pi;
}

// Normalised kernel value at x: a mass for values of a discrete param,
// otherwise a density.
double AboveModel::Kernel(double mu, double sigma, double lognorm, double x) const {
  if (by_value_) {
    const double a = std::max(x - d_.step / 2, d_.lo), b = std::min(x + d_.step / 2, d_.hi);
    return std::exp(math::LogNdtrDiff((a - mu) / sigma, (b - mu) / sigma) + lognorm);
  }
  const double z = (x - mu) / sigma;
  return std::exp(lognorm - 0.5 * z * z);
}

double AboveModel::SigmaAt(size_t i) const {
  const size_t n = entries_.size();
  const double range = d_.range();
  const double minsigma = range / std::min(100.0, static_cast<double>(n - 1) + 2.0);
  const double x = entries_[i].mu;
  const double left = x - (i == 0 ? d_.lo : entries_[i - 1].mu);
  const double right = (i + 1 == n ? d_.hi : entries_[i + 1].mu) - x;
  double s = std::max(left, right);
  if (n >= 2 && i == 0) s = right;
  if (n >= 2 && i + 1 == n) s = left;
  return std::clamp(s, minsigma, range);
}

void AboveModel::Accumulate(const Entry& e, double sign) {
  const double lo = (e.mu - kWindow * e.sigma - x0_) / h_, hi = (e.mu + kWindow * e.sigma - x0_) / h_;
  const auto j0 = static_cast<size_t>(std::max(0.0, std::ceil(lo)));
  const auto j1 = static_cast<size_t>(std::clamp(std::floor(hi), -1.0, static_cast<double>(g0_.size()) - 1));
  if (hi < 0) return;
  const double q = static_cast<double>(e.q);
  const double lognorm = LogNorm(e.mu, e.sigma);
  for (size_t j = j0; j <= j1; ++j) {
    const double v = sign * Kernel(e.mu, e.sigma, lognorm, x0_ + j * h_);
    g0_[j] += v;
    g1_[j] += q * v;
  }
}

size_t AboveModel::Locate(double mu, int64_t number) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), std::make_pair(mu, number),
                             [](const Entry& e, const std::pair<double, int64_t>& k) {
                               return e.mu < k.first || (e.mu == k.first && e.number < k.second);
                             });
  return it - entries_.begin();
}

void AboveModel::Resigma(size_t i) {
  if (i >= entries_.size() || entries_[i].number < 0) return;
  Entry& e = entries_[i];
  const double s = SigmaAt(i);
  if (s == e.sigma) return;
  if (InGrid(e)) Accumulate(e, -1.0);
  e.sigma = s;
  if (InGrid(e)) Accumulate(e, +1.0);
}

void AboveModel::Rebuild() {
  const size_t k = by_number_.size();
  entries_.clear();
  for (size_t r = 0; r < k; ++r)
    entries_.push_back({by_number_[r].second, by_number_[r].first, 0.0, static_cast<int64_t>(r)});
  entries_.push_back({0.5 * (d_.lo + d_.hi), -1, d_.range(), -1});
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.mu < b.mu || (a.mu == b.mu && a.number < b.number);
  });
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].number >= 0) entries_[i].sigma = SigmaAt(i);
  q_next_ = static_cast<int64_t>(k);
  newest_.clear();
  for (size_t r = k - std::min<size_t>(k, 25); r < k; ++r)
    newest_.emplace_back(by_number_[r].second, by_number_[r].first);
  std::fill(g0_.begin(), g0_.end(), 0.0);
  std::fill(g1_.begin(), g1_.end(), 0.0);
  for (const Entry& e : entries_)
    if (InGrid(e)) Accumulate(e, +1.0);
  grid_ready_ = true;
}

void AboveModel::Insert(int64_t number, double x) {
  auto pos = std::lower_bound(by_number_.begin(), by_number_.end(), std::make_pair(number, x));
  by_number_.insert(pos, {number, x});
  if (!grid_ready_) return;  // rebuilt lazily once large enough
  const size_t p = Locate(x, number);
  entries_.insert(entries_.begin() + p, Entry{x, number, 0.0, q_next_++});
  newest_.emplace_back(x, number);
  if (newest_.size() > 25) {
    const auto [mu, num] = newest_.front();
    newest_.pop_front();
    Accumulate(entries_[Locate(mu, num)], +1.0);
  }
  entries_[p].sigma = SigmaAt(p);
  if (p > 0) Resigma(p - 1);
  Resigma(p + 1);
}

void AboveModel::Remove(int64_t number, double x) {
  auto pos = std::lower_bound(by_number_.begin(), by_number_.end(), std::make_pair(number, x));
  if (pos != by_number_.end() && pos->first == number) by_number_.erase(pos);
  grid_ready_ = false;
}

void AboveModel::LogPdf(std::span<const double> xs, std::span<const std::pair<int64_t, double>> running,
                        std::span<double> out) {
  const size_t k = by_number_.size();
  if (k < kGridMin) {
    std::vector<std::pair<int64_t, double>> all(by_number_);
    all.insert(all.end(), running.begin(), running.end());
    std::sort(all.begin(), all.end());
    std::vector<double> obs;
    obs.reserve(all.size());
    for (const auto& [n, v] : all) obs.push_back(v);
    const NumericMixture m = NumericMixture::Build(obs, d_);
    for (size_t i = 0; i < xs.size(); ++i) out[i] = m.LogPdf(xs[i]);
    return;
  }
  if (!grid_ready_) Rebuild();
  // Kernels evaluated exactly: the newest 25, the running trials, the prior.
  std::vector<Term> terms;
  for (const auto& [mu, num] : newest_) terms.push_back({mu, entries_[Locate(mu, num)].sigma, 0});

  const double range = d_.range(), minsigma = range / 100.0;
  for (const auto& [num, mu] : running) {
    const size_t p = Locate(mu, num), n = entries_.size();
    const double left = mu - (p == 0 ? d_.lo : entries_[p - 1].mu);
    const double right = (p == n ? d_.hi : entries_[p].mu) - mu;
    const double s = p == 0 ? right : p == n ? left : std::max(left, right);
    terms.push_back({mu, std::clamp(s, minsigma, range), 0});
  }
  terms.push_back({0.5 * (d_.lo + d_.hi), range, 0});
  for (Term& t : terms) t.lognorm = LogNorm(t.mu, t.sigma);
  const double m_old = static_cast<double>(k - 25), kd = static_cast<double>(k);
  const double a = 1.0 / kd, b = (1.0 - 1.0 / kd) / (m_old - 1.0);
  const double qb = static_cast<double>(q_next_) - kd;
  const double total_w = m_old / kd + (1.0 - 1.0 / kd) * m_old / 2.0 + terms.size();
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    double g0, g1;
    if (by_value_) {
      const auto j = static_cast<size_t>(std::clamp(std::round((x - x0_) / h_), 0.0, g0_.size() - 1.0));
      g0 = g0_[j];
      g1 = g1_[j];
    } else {
      const double t = std::clamp((x - x0_) / h_, 0.0, static_cast<double>(g0_.size() - 1));
      const auto j = std::min(static_cast<size_t>(t), g0_.size() - 2);
      const double f = t - j;
      g0 = (1 - f) * g0_[j] + f * g0_[j + 1];
      g1 = (1 - f) * g1_[j] + f * g1_[j + 1];
    }
    double g = std::max(0.0, a * g0 + b * (g1 - qb * g0));
    for (const Term& t : terms) g += Kernel(t.mu, t.sigma, t.lognorm, x);
    out[i] = std::log(std::max(g, 1e-300) / total_w);
  }
}

}  // namespace drover::hpo
