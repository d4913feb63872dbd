#include "hpo/parzen.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "hpo/math.h"

namespace drover::hpo {

size_t TpeGamma(size_t n, double fraction) {
  return std::min<size_t>(static_cast<size_t>(std::ceil(fraction * static_cast<double>(n))), 25);
}

size_t TpeGammaSqrt(size_t n, double beta) {
  return std::min<size_t>(static_cast<size_t>(std::ceil(beta * std::sqrt(static_cast<double>(n)))), 25);
}

std::vector<double> TpeWeights(size_t k, bool ramp) {
  std::vector<double> w(k, 1.0);
  if (k < 25 || !ramp) return w;
  const size_t m = k - 25;
  for (size_t r = 0; r < m; ++r)
    w[r] = m == 1 ? 1.0 / k : 1.0 / k + (1.0 - 1.0 / k) * static_cast<double>(r) / (m - 1);
  return w;
}

double TpeMinSigma(size_t k, double range, const KdeOptions& o) {
  if (!o.magic_clip) return std::max(o.min_bandwidth * range, 1e-12 * range);
  return range / std::min(100.0, static_cast<double>(k) + 2.0);
}

std::vector<double> TpeSigmas(std::span<const double> mus, double lo, double hi, const KdeOptions& o) {
  const size_t k = mus.size();
  if (o.scott > 0 && k > 0) {
    const double mean = std::accumulate(mus.begin(), mus.end(), 0.0) / k;
    double ss = 0;
    for (double x : mus) ss += (x - mean) * (x - mean);
    double spread = std::sqrt(ss / k);
    std::vector<double> sorted(mus.begin(), mus.end());
    std::sort(sorted.begin(), sorted.end());
    const auto quantile = [&](double q) {
      const double r = q * (k - 1);
      const size_t i = static_cast<size_t>(r);
      return i + 1 < k ? sorted[i] + (r - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    };
    const double iqr = (quantile(0.75) - quantile(0.25)) / 1.34;
    if (iqr > 0) spread = std::min(spread, iqr);
    const double s = o.scott * spread * std::pow(static_cast<double>(k), -0.2);
    return std::vector<double>(k, std::clamp(s, TpeMinSigma(k, hi - lo, o), hi - lo));
  }
  std::vector<double> all(mus.begin(), mus.end());
  all.push_back(0.5 * (lo + hi));
  std::vector<size_t> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return all[a] < all[b]; });
  const size_t n = all.size();
  const double range = hi - lo;
  const double minsigma = TpeMinSigma(k, range, o);
  std::vector<double> out(k);
  for (size_t r = 0; r < n; ++r) {
    const size_t i = order[r];
    if (i == k) continue;  // the prior keeps sigma = range
    const double x = all[i];
    const double left = x - (r == 0 ? lo : all[order[r - 1]]);
    const double right = (r + 1 == n ? hi : all[order[r + 1]]) - x;
    double s = std::max(left, right);
    if (!o.consider_endpoints && n >= 2 && r == 0) s = right;
    if (!o.consider_endpoints && n >= 2 && r + 1 == n) s = left;
    out[i] = std::clamp(s, minsigma, range);
  }
  return out;
}

double NumericDomain::Round(double x) const {
  if (step <= 0) return x;
  const double low = lo + step / 2, high = hi - step / 2;
  return std::clamp(low + std::round((x - low) / step) * step, low, high);
}

NumericMixture NumericMixture::Build(std::span<const double> obs, const NumericDomain& d, const KdeOptions& o) {
  NumericMixture m;
  m.d_ = d;
  m.mu_.assign(obs.begin(), obs.end());
  m.sigma_ = TpeSigmas(obs, d.lo, d.hi, o);
  std::vector<double> w = TpeWeights(obs.size(), o.weight_ramp);
  m.mu_.push_back(0.5 * (d.lo + d.hi));
  m.sigma_.push_back(d.range());
  w.push_back(o.prior_weight);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  double cum = 0;
  for (size_t i = 0; i < m.mu_.size(); ++i) {
    m.logw_.push_back(std::log(w[i] / total));
    cum += w[i];
    m.cumw_.push_back(cum);
    const double logz = math::LogNdtrDiff((d.lo - m.mu_[i]) / m.sigma_[i], (d.hi - m.mu_[i]) / m.sigma_[i]);
    const double logsigma = o.LogSigmaTerm(m.sigma_[i]);
    m.lognorm_.push_back(d.step > 0 ? -logz : -logz - logsigma - math::kLogSqrt2Pi);
    m.scale_.push_back(std::exp(m.logw_[i] + m.lognorm_[i]));
  }
  return m;
}

double NumericMixture::LogPdf(double x) const {
  const size_t n = mu_.size();
  if (d_.step <= 0) {  // sum of w * density; the prior's term (sigma = range) keeps it > 0
    double g = 0;
    for (size_t i = 0; i < n; ++i) {
      const double z = (x - mu_[i]) / sigma_[i];
      g += scale_[i] * std::exp(-0.5 * z * z);
    }
    return std::log(g);
  }
  double terms[64];
  std::vector<double> big;
  double* t = terms;
  if (n > 64) {
    big.resize(n);
    t = big.data();
  }
  const double a = std::max(x - d_.step / 2, d_.lo), b = std::min(x + d_.step / 2, d_.hi);
  for (size_t i = 0; i < n; ++i)
    t[i] = logw_[i] + lognorm_[i] + math::LogNdtrDiff((a - mu_[i]) / sigma_[i], (b - mu_[i]) / sigma_[i]);
  return math::LogSumExp(std::span<const double>(t, n));
}

double NumericMixture::Sample(Rng& rng) const { return SampleKernel(rng, DrawIndex(cumw_, rng)); }

double NumericMixture::SampleKernel(Rng& rng, size_t i) const {
  return d_.Round(math::TruncNormPpf(rng.OpenUniform(), mu_[i], sigma_[i], d_.lo, d_.hi));
}

CategoricalMixture CategoricalMixture::Build(std::span<const double> obs, size_t choices, const KdeOptions& o) {
  const std::vector<double> w = TpeWeights(obs.size(), o.weight_ramp);
  std::vector<double> per(choices, 0.0);
  double total = 0;
  for (size_t i = 0; i < obs.size(); ++i) {
    per[static_cast<size_t>(obs[i])] += w[i];
    total += w[i];
  }
  return FromSums(total, per, obs.size(), o.prior_weight);
}

CategoricalMixture CategoricalMixture::FromSums(double total, std::span<const double> per, size_t k,
                                                double prior_weight) {
  const size_t c = per.size();
  CategoricalMixture m;
  std::vector<double> p(c, 1.0 / c);  // the prior kernel alone
  if (k > 0) {
    const double pk = prior_weight / (k + 1);  // prior_weight / n_kernels
    const double rownorm = 1.0 + c * pk;
    for (size_t j = 0; j < c; ++j) p[j] = (total * pk + per[j]) / rownorm + prior_weight / c;
  }
  const double sum = std::accumulate(p.begin(), p.end(), 0.0);
  double cum = 0;
  for (double v : p) {
    m.logp_.push_back(std::log(v / sum));
    cum += v;
    m.cum_.push_back(cum);
  }
  return m;
}

double CategoricalMixture::Sample(Rng& rng) const { return static_cast<double>(DrawIndex(cum_, rng)); }

ProductMixture ProductMixture::Build(std::vector<Dim> dims, std::span<const double> rows, const KdeOptions& o) {
  ProductMixture m;
  m.Assign(std::move(dims), rows, o);
  return m;
}

void ProductMixture::Assign(std::vector<Dim> dims, std::span<const double> rows, const KdeOptions& o) {
  ProductMixture& m = *this;
  for (auto* v : {&sigma_, &logw_, &cumw_, &catown_, &catother_, &kconst_, &mut_}) v->clear();
  simple_ = true;
  const size_t d = dims.size();
  m.k_ = d == 0 ? 0 : rows.size() / d;
  const size_t k = m.k_;
  m.dims_ = std::move(dims);
  m.mu_.assign(rows.begin(), rows.end());
  for (size_t j = 0; j < d; ++j) {
    const Dim& dim = m.dims_[j];
    if (dim.categorical) {
      m.mu_.push_back(0);
      const double pk = o.prior_weight / (k + 1), rownorm = 1.0 + dim.choices * pk;
      m.catown_.push_back(std::log((pk + 1.0) / rownorm));
      m.catother_.push_back(std::log(pk / rownorm));
      m.sigma_.push_back(0);
      continue;
    }
    m.catown_.push_back(0);
    m.catother_.push_back(0);
    m.mu_.push_back(0.5 * (dim.domain.lo + dim.domain.hi));
    const double range = dim.domain.range();
    const double s = o.sigma0 * std::pow(std::max<double>(k, 1), -1.0 / (d + 4)) * range;
    m.sigma_.push_back(std::clamp(s, TpeMinSigma(k, range, o), range));
  }
  std::vector<double> w = TpeWeights(k, o.weight_ramp);
  w.push_back(o.prior_weight);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  double cum = 0;
  m.lognorm_.resize((k + 1) * d);
  // The observation kernels of a dim share one bandwidth, so their truncation
  // normalisers log Z(mu) are one smooth function of mu: with many kernels it
  // is tabulated every sigma/32 and interpolated (error < 2e-4 in log Z:
  // |d2 log Z / d mu2| <= 1 / sigma^2), instead of two erfc per kernel.
  std::vector<std::vector<double>> ztab(d);
  for (size_t j = 0; j < d; ++j) {
    const Dim& dim = m.dims_[j];
    if (dim.categorical) continue;
    const double points = std::ceil(32.0 * dim.domain.range() / m.sigma_[j]) + 1;
    if (points >= static_cast<double>(k)) continue;
    // Dims with the same range and bandwidth (a space of like parameters) share a table.
    bool shared = false;
    for (size_t i = 0; i < j && !shared; ++i) {
      const Dim& other = m.dims_[i];
      if (ztab[i].empty() || other.domain.lo != dim.domain.lo || other.domain.hi != dim.domain.hi ||
          m.sigma_[i] != m.sigma_[j])
        continue;
      ztab[j] = ztab[i];
      shared = true;
    }
    if (shared) continue;
    ztab[j].resize(static_cast<size_t>(points));
    const double h = dim.domain.range() / (points - 1), s = m.sigma_[j];
    for (size_t t = 0; t < ztab[j].size(); ++t) {
      const double mu = dim.domain.lo + h * t;
      ztab[j][t] = math::LogNdtrDiff((dim.domain.lo - mu) / s, (dim.domain.hi - mu) / s);
    }
  }
  std::vector<double> zscale(d), zlast(d);  // table intervals per unit of mu; the last index
  for (size_t j = 0; j < d; ++j) {
    if (ztab[j].empty()) continue;
    zlast[j] = static_cast<double>(ztab[j].size() - 1);
    zscale[j] = zlast[j] / m.dims_[j].domain.range();
  }
  auto logz_of = [&](size_t j, double mu, double s, bool prior) {
    const Dim& dim = m.dims_[j];
    if (prior || ztab[j].empty()) return math::LogNdtrDiff((dim.domain.lo - mu) / s, (dim.domain.hi - mu) / s);
    const double u = std::clamp((mu - dim.domain.lo) * zscale[j], 0.0, zlast[j]);
    const size_t t = std::min(static_cast<size_t>(u), ztab[j].size() - 2);
    const double f = u - t;
    return (1 - f) * ztab[j][t] + f * ztab[j][t + 1];
  };
  // Per dim, for the observation kernels ([0]) and the prior ([1]): whether a
  // value's mass is computed exactly, and the log normaliser without log Z.
  std::vector<std::array<bool, 2>> exact(d);
  std::vector<std::array<double, 2>> base(d);
  for (size_t j = 0; j < d; ++j) {
    const Dim& dim = m.dims_[j];
    if (dim.categorical) continue;
    for (int p = 0; p < 2; ++p) {
      const double s = p ? dim.domain.range() : m.sigma_[j];
      exact[j][p] = dim.domain.step > 0 && s < 2 * dim.domain.step;
      const double density = dim.domain.step > 0 ? std::log(dim.domain.step) : 0.0;
      const double logsigma = dim.domain.step <= 0 ? o.LogSigmaTerm(s) : std::log(s);
      base[j][p] = exact[j][p] ? 0.0 : density - logsigma - math::kLogSqrt2Pi;
      if (exact[j][p]) m.simple_ = false;
    }
  }
  const double logtotal = std::log(total);
  for (size_t i = 0; i <= k; ++i) {
    m.logw_.push_back(w[i] == 1.0 ? -logtotal : std::log(w[i]) - logtotal);
    cum += w[i];
    m.cumw_.push_back(cum);
    const int p = i == k;
    for (size_t j = 0; j < d; ++j) {
      const Dim& dim = m.dims_[j];
      if (dim.categorical) continue;
      const double s = p ? dim.domain.range() : m.sigma_[j];
      m.lognorm_[i * d + j] = base[j][p] - logz_of(j, m.mu_[i * d + j], s, p);
    }
  }
  for (const Dim& dim : m.dims_) m.simple_ = m.simple_ && !dim.categorical;
  m.simple_ = m.simple_ && d <= 64;
  if (m.simple_) {
    m.kconst_.assign(k + 1, 0.0);
    for (size_t i = 0; i <= k; ++i) {
      m.kconst_[i] = m.logw_[i];
      for (size_t j = 0; j < d; ++j) m.kconst_[i] += m.lognorm_[i * d + j];
    }
    m.mut_.resize(k * d);  // observation centres, dim-major (vectorised LogPdf)
    for (size_t i = 0; i < k; ++i)
      for (size_t j = 0; j < d; ++j) m.mut_[j * k + i] = m.mu_[i * d + j];
  }
}

// The inner loops of ProductMixture::LogPdf over k kernels, vectorised: compiled for
// AVX2 as well as the baseline and chosen at load time where the compiler and the C
// library support it (no FMA: the results are the same, bit for bit, either way).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define DROVER_HOT_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define DROVER_HOT_LOOP
#endif

namespace {

// out[i] = from[i] - h * (x - mu[i])^2
DROVER_HOT_LOOP void SubtractSquares(const double* __restrict mu, size_t k, double x, double h,
                                     const double* from, double* out) {
  if (from == out) {
    for (size_t i = 0; i < k; ++i) {
      const double z = x - mu[i];
      out[i] = out[i] - h * z * z;
    }
    return;
  }
  const double* __restrict in = from;
  double* __restrict o = out;
  for (size_t i = 0; i < k; ++i) {
    const double z = x - mu[i];
    o[i] = in[i] - h * z * z;
  }
}

// The largest of v[0..k), -inf for none; four running maxima, which the compiler
// keeps in vector registers (NaN never occurs here: every term is finite).
DROVER_HOT_LOOP double MaxOf(const double* __restrict v, size_t k) {
  constexpr double kNone = -std::numeric_limits<double>::infinity();
  double m[4] = {kNone, kNone, kNone, kNone};
  size_t i = 0;
  for (; i + 4 <= k; i += 4)
    for (size_t l = 0; l < 4; ++l) m[l] = v[i + l] > m[l] ? v[i + l] : m[l];
  for (; i < k; ++i) m[0] = v[i] > m[0] ? v[i] : m[0];
  return std::max(std::max(m[0], m[1]), std::max(m[2], m[3]));
}

}  // namespace

double ProductMixture::LogPdf(std::span<const double> x) const {
  const size_t d = dims_.size();
  scratch_.resize(k_ + 1);
  if (simple_) {  // s_i = c_i - |(x - mu_i) / sigma|^2 / 2, then log-sum-exp skipping negligible terms
    double inv[64];
    for (size_t j = 0; j < d && j < 64; ++j) inv[j] = 1.0 / sigma_[j];
    double* acc = scratch_.data();
    for (size_t j = 0; j < d; ++j) {
      SubtractSquares(&mut_[j * k_], k_, x[j], inv[j] * inv[j] * 0.5, j == 0 ? kconst_.data() : acc, acc);
    }
    double best = MaxOf(acc, k_);
    double q = 0;
    for (size_t j = 0; j < d; ++j) {
      const double z = (x[j] - mu_[k_ * d + j]) / dims_[j].domain.range();
      q += z * z;
    }
    scratch_[k_] = kconst_[k_] - 0.5 * q;
    best = std::max(best, scratch_[k_]);
    double sum = 0;
    for (size_t i = 0; i <= k_; ++i)
      if (scratch_[i] > best - 32) sum += std::exp(scratch_[i] - best);  // e^-32 * k: negligible
    return best + std::log(sum);
  }
  for (size_t i = 0; i <= k_; ++i) {
    double s = logw_[i];
    const double* mu = &mu_[i * d];
    const double* ln = &lognorm_[i * d];
    for (size_t j = 0; j < d; ++j) {
      const Dim& dim = dims_[j];
      if (dim.categorical) {
        s += i == k_ ? -std::log(static_cast<double>(dim.choices)) : (x[j] == mu[j] ? catown_[j] : catother_[j]);
        continue;
      }
      const double sg = i == k_ ? dim.domain.range() : sigma_[j];
      if (dim.domain.step > 0 && sg < 2 * dim.domain.step) {
        const double h = dim.domain.step / 2;
        const double a = std::max(x[j] - h, dim.domain.lo), b = std::min(x[j] + h, dim.domain.hi);
        s += ln[j] + math::LogNdtrDiff((a - mu[j]) / sg, (b - mu[j]) / sg);
      } else {
        const double z = (x[j] - mu[j]) / sg;
        s += ln[j] - 0.5 * z * z;
      }
    }
    scratch_[i] = s;
  }
  return math::LogSumExp(scratch_);
}

void ProductMixture::Sample(Rng& rng, std::span<double> out) const { SampleKernel(rng, DrawIndex(cumw_, rng), out); }

size_t ProductMixture::SampleKernel(Rng& rng, size_t i, std::span<double> out) const {
  for (size_t j = 0; j < dims_.size(); ++j) out[j] = SampleDim(rng, i, j);
  return i;
}

double ProductMixture::SampleDim(Rng& rng, size_t i, size_t j) const {
  const size_t d = dims_.size();
  const Dim& dim = dims_[j];
  if (dim.categorical) {
    if (i == k_) return static_cast<double>(rng.Below(dim.choices));
    // own choice with probability (pk + 1) / rownorm, else uniform over the rest
    if (rng.Uniform() < std::exp(catown_[j])) return mu_[i * d + j];
    const auto other = rng.Below(dim.choices - 1);
    return static_cast<double>(other >= mu_[i * d + j] ? other + 1 : other);
  }
  const double sg = i == k_ ? dim.domain.range() : sigma_[j];
  return dim.domain.Round(math::TruncNormPpf(rng.OpenUniform(), mu_[i * d + j], sg, dim.domain.lo, dim.domain.hi));
}

size_t DrawIndex(std::span<const double> cumulative, Rng& rng) {
  const double u = rng.Uniform() * cumulative.back();
  const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
  return std::min<size_t>(it - cumulative.begin(), cumulative.size() - 1);
}

}  // namespace drover::hpo
