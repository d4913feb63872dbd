// Numerics for the samplers: the normal distribution's CDF in log space (safe
// in both tails), its inverse, and the truncated normal. Pure functions.
#pragma once

#include <cmath>
#include <span>

namespace drover::hpo::math {

inline constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2*pi))

// Standard normal CDF Phi(z).
inline double Ndtr(double z) { return 0.5 * std::erfc(-z * 0.70710678118654752440); }
// log Phi(z), accurate for very negative z (asymptotic series below -30).
double LogNdtr(double z);
// log(Phi(b) - Phi(a)) for a < b, accurate when both are deep in one tail.
double LogNdtrDiff(double a, double b);
// Inverse of Phi for p in (0, 1) (Acklam's approximation plus one Halley step).
double Ndtri(double p);
// log-sum-exp of xs (returns -inf for an empty span).
double LogSumExp(std::span<const double> xs);

// Truncated normal N(mu, sigma) on [low, high].
// Draws by inverting the CDF at u in (0, 1).
double TruncNormPpf(double u, double mu, double sigma, double low, double high);
// Log density at x (x inside [low, high]).
double TruncNormLogPdf(double x, double mu, double sigma, double low, double high);

}  // namespace drover::hpo::math
