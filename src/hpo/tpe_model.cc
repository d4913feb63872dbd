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

AboveModel::AboveModel(const NumericDomain& d, const KdeOptions& o) : d_(d), o_(o) {
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
  g2_ = g0_;
}

// A kernel's log normaliser: -log Z for masses, else -log(sigma Z sqrt(2 pi))
// (plus log step for a discrete param with many values, density * step).
double AboveModel::LogNorm(double mu, double sigma) const {
  const double logz = math::LogNdtrDiff((d_.lo - mu) / sigma, (d_.hi - mu) / sigma);
  if (by_value_) return -logz;
  const double logsigma = d_.step <= 0 ? o_.LogSigmaTerm(sigma) : std::log(sigma);
  return (d_.step > 0 ? std::log(d_.step) : 0.0) - logz - logsigma - math::kLogSqrt2Pi;
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

double AboveModel::SigmaAt(Iter it) const {
  const size_t n = entries_.size();
  const double range = d_.range();
  const double minsigma = TpeMinSigma(n - 1, range, o_);
  const bool first = it == entries_.begin(), last = std::next(it) == entries_.end();
  const double x = it->mu;
  const double left = x - (first ? d_.lo : std::prev(it)->mu);
  const double right = (last ? d_.hi : std::next(it)->mu) - x;
  double s = std::max(left, right);
  if (!o_.consider_endpoints && n >= 2 && first) s = right;
  if (!o_.consider_endpoints && n >= 2 && last) s = left;
  return std::clamp(s, minsigma, range);
}

std::pair<size_t, size_t> AboveModel::Window(const Entry& e) const {
  const double lo = (e.mu - kWindow * e.sigma - x0_) / h_, hi = (e.mu + kWindow * e.sigma - x0_) / h_;
  if (hi < 0) return {1, 0};
  const auto j0 = static_cast<size_t>(std::max(0.0, std::ceil(lo)));
  const auto j1 = static_cast<size_t>(std::min(std::floor(hi), static_cast<double>(g0_.size()) - 1));
  return {j0, j1};
}

void AboveModel::Accumulate(const Entry& e, double sign) {
  const auto [j0, j1] = Window(e);
  const double lognorm = LogNorm(e.mu, e.sigma);
  if (Newest(e)) {
    for (size_t j = j0; j <= j1 && j1 != static_cast<size_t>(-1); ++j)
      g2_[j] += sign * Kernel(e.mu, e.sigma, lognorm, x0_ + j * h_);
    return;
  }
  const double q = static_cast<double>(e.q);
  for (size_t j = j0; j <= j1 && j1 != static_cast<size_t>(-1); ++j) {
    const double v = sign * Kernel(e.mu, e.sigma, lognorm, x0_ + j * h_);
    g0_[j] += v;
    g1_[j] += q * v;
  }
}

void AboveModel::Resigma(Iter it) {
  if (it == entries_.end() || it->number < 0) return;
  const double s = SigmaAt(it);
  if (s == it->sigma) return;
  Accumulate(*it, -1.0);
  it->sigma = s;
  Accumulate(*it, +1.0);
}

void AboveModel::Rebuild() {
  const size_t k = by_number_.size();
  entries_.clear();
  for (size_t r = 0; r < k; ++r)
    entries_.insert({by_number_[r].second, by_number_[r].first, 0.0, static_cast<int64_t>(r)});
  entries_.insert({0.5 * (d_.lo + d_.hi), -1, d_.range(), -1});
  q_next_ = static_cast<int64_t>(k);
  newest_.clear();
  std::fill(g0_.begin(), g0_.end(), 0.0);
  std::fill(g1_.begin(), g1_.end(), 0.0);
  std::fill(g2_.begin(), g2_.end(), 0.0);
  for (Iter it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->number < 0) continue;
    it->sigma = SigmaAt(it);
    Accumulate(*it, +1.0);
  }
  for (size_t r = k - std::min<size_t>(k, 25); r < k; ++r)
    newest_.push_back(entries_.find(Entry{by_number_[r].second, by_number_[r].first, 0.0, 0}));
  grid_ready_ = true;
}

void AboveModel::Insert(int64_t number, double x) {
  auto pos = std::lower_bound(by_number_.begin(), by_number_.end(), std::make_pair(number, x));
  by_number_.insert(pos, {number, x});
  if (!grid_ready_) return;  // rebuilt lazily once large enough
  if (newest_.size() >= 25) {  // the oldest of the newest joins the older kernels
    const Entry& e = *newest_.front();
    Accumulate(e, -1.0);
    ++q_next_;
    Accumulate(e, +1.0);
    --q_next_;
    newest_.pop_front();
  }
  const Iter it = entries_.insert(Entry{x, number, 0.0, q_next_++}).first;
  it->sigma = SigmaAt(it);
  Accumulate(*it, +1.0);
  newest_.push_back(it);
  if (it != entries_.begin()) Resigma(std::prev(it));
  Resigma(std::next(it));
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
    const NumericMixture m = NumericMixture::Build(obs, d_, o_);
    for (size_t i = 0; i < xs.size(); ++i) out[i] = m.LogPdf(xs[i]);
    return;
  }
  if (!grid_ready_) Rebuild();
  // Kernels evaluated exactly: the running trials and the prior.
  std::vector<Term> terms;
  const double range = d_.range(), minsigma = TpeMinSigma(k + running.size(), range, o_);
  for (const auto& [num, mu] : running) {
    const auto next = entries_.lower_bound(Entry{mu, num, 0.0, 0});
    const bool first = next == entries_.begin(), last = next == entries_.end();
    const double left = mu - (first ? d_.lo : std::prev(next)->mu);
    const double right = (last ? d_.hi : next->mu) - mu;
    const double s = o_.consider_endpoints ? std::max(left, right) : first ? right : last ? left : std::max(left, right);
    terms.push_back({mu, std::clamp(s, minsigma, range), 0});
  }
  for (Term& t : terms) t.lognorm = LogNorm(t.mu, t.sigma);
  const Term prior{0.5 * (d_.lo + d_.hi), range, LogNorm(0.5 * (d_.lo + d_.hi), range)};
  // Older kernels' weights: a + b * (q - qb) for insertion rank q (the ramp),
  // or 1 each without it.
  const double m_old = static_cast<double>(k - 25), kd = static_cast<double>(k);
  const double a = o_.weight_ramp ? 1.0 / kd : 1.0, b = o_.weight_ramp ? (1.0 - 1.0 / kd) / (m_old - 1.0) : 0.0;
  const double qb = static_cast<double>(q_next_) - kd;
  const double older_w = o_.weight_ramp ? m_old / kd + (1.0 - 1.0 / kd) * m_old / 2.0 : m_old;
  const double total_w = older_w + 25.0 + static_cast<double>(running.size()) + o_.prior_weight;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    double g0, g1, g2;
    if (by_value_) {
      const auto j = static_cast<size_t>(std::clamp(std::round((x - x0_) / h_), 0.0, g0_.size() - 1.0));
      g0 = g0_[j];
      g1 = g1_[j];
      g2 = g2_[j];
    } else {
      const double t = std::clamp((x - x0_) / h_, 0.0, static_cast<double>(g0_.size() - 1));
      const auto j = std::min(static_cast<size_t>(t), g0_.size() - 2);
      const double f = t - j;
      g0 = (1 - f) * g0_[j] + f * g0_[j + 1];
      g1 = (1 - f) * g1_[j] + f * g1_[j + 1];
      g2 = (1 - f) * g2_[j] + f * g2_[j + 1];
    }
    double g = std::max(0.0, a * g0 + b * (g1 - qb * g0)) + std::max(0.0, g2);
    for (const Term& t : terms) g += Kernel(t.mu, t.sigma, t.lognorm, x);
    g += o_.prior_weight * Kernel(prior.mu, prior.sigma, prior.lognorm, x);
    out[i] = std::log(std::max(g, 1e-300) / total_w);
  }
}

}  // namespace drover::hpo
