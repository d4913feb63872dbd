#include "hpo/math.h"

#include <algorithm>
#include <limits>

namespace drover::hpo::math {

double LogNdtr(double z) {
  if (z > -30.0) {
    if (z > 6.0) return std::log1p(-0.5 * std::erfc(z * 0.70710678118654752440));
    return std::log(Ndtr(z));
  }
  // Asymptotic: Phi(z) ~ phi(z)/(-z) * (1 - 1/z^2 + 3/z^4 - 15/z^6).
  const double z2 = z * z;
  const double series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2);
  return -0.5 * z2 - kLogSqrt2Pi - std::log(-z) + std::log(series);
}

double LogNdtrDiff(double a, double b) {
  if (a <= 0 && b >= 0 && b - a > 1) {  // Wide and straddling 0: Z >= 0.38, no cancellation.
    return std::log1p(-0.5 * (std::erfc(b * 0.70710678118654752440) + std::erfc(-a * 0.70710678118654752440)));
  }
  if (a > 0) {  // Upper tail: Phi(b) - Phi(a) = Phi(-a) - Phi(-b).
    const double t = a;
    a = -b;
    b = -t;
  }
  // Now a < b and a <= 0: log(Phi(b) - Phi(a)) = log Phi(b) + log1p(-exp(lPa - lPb)).
  const double lb = LogNdtr(b), la = LogNdtr(a);
  const double d = la - lb;
  if (d >= 0) return -std::numeric_limits<double>::infinity();
  return lb + std::log1p(-std::exp(d));
}

double Ndtri(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // One Halley refinement step.
  const double e = Ndtr(x) - p;
  const double u = e * 2.5066282746310002 * std::exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

double LogSumExp(std::span<const double> xs) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : xs) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double x : xs) s += std::exp(x - m);
  return m + std::log(s);
}

double TruncNormPpf(double u, double mu, double sigma, double low, double high) {
  double a = (low - mu) / sigma, b = (high - mu) / sigma;
  bool flip = a > 0;  // Work in the lower tail, where Phi is precise.
  if (flip) {
    const double t = a;
    a = -b;
    b = -t;
    u = 1 - u;
  }
  const double pa = Ndtr(a), pb = Ndtr(b);
  double z = Ndtri(pa + u * (pb - pa));
  if (flip) z = -z;
  return std::clamp(mu + sigma * z, low, high);
}

double TruncNormLogPdf(double x, double mu, double sigma, double low, double high) {
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - kLogSqrt2Pi - std::log(sigma) -
         LogNdtrDiff((low - mu) / sigma, (high - mu) / sigma);
}

}  // namespace drover::hpo::math
