// Standard synthetic test functions (SFU Virtual Library of Simulation
// Experiments), all minimised. Each has a name, box bounds and a formula;
// optuna_bench.py carries the same definitions.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace drover::bench {

struct TestFunction {
  std::string name;
  int dim;
  double lo, hi;  // same bounds in every dimension, except Branin (below)
  double (*f)(const std::vector<double>&);
};

inline double Branin(const std::vector<double>& x) {  // x1 in [-5, 10], x2 in [0, 15]; min 0.397887
  const double pi = M_PI, a = 1, b = 5.1 / (4 * pi * pi), c = 5 / pi, r = 6, s = 10, t = 1 / (8 * pi);
  return a * std::pow(x[1] - b * x[0] * x[0] + c * x[0] - r, 2) + s * (1 - t) * std::cos(x[0]) + s;
}

inline double Hartmann6(const std::vector<double>& x) {  // [0, 1]^6; min -3.32237
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
  static const double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
                                 {2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}};
  double s = 0;
  for (int i = 0; i < 4; ++i) {
    double e = 0;
    for (int j = 0; j < 6; ++j) e += A[i][j] * std::pow(x[j] - 1e-4 * P[i][j], 2);
    s += alpha[i] * std::exp(-e);
  }
  return -s;
}

inline double Rosenbrock(const std::vector<double>& x) {  // [-5, 10]^d; min 0
  double s = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) s += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(x[i] - 1, 2);
  return s;
}

inline double Ackley(const std::vector<double>& x) {  // [-32.768, 32.768]^d; min 0
  const double d = x.size();
  double s1 = 0, s2 = 0;
  for (double v : x) s1 += v * v, s2 += std::cos(2 * M_PI * v);
  return -20 * std::exp(-0.2 * std::sqrt(s1 / d)) - std::exp(s2 / d) + 20 + M_E;
}

inline double Levy(const std::vector<double>& x) {  // [-10, 10]^d; min 0
  const size_t d = x.size();
  auto w = [&](size_t i) { return 1 + (x[i] - 1) / 4; };
  double s = std::pow(std::sin(M_PI * w(0)), 2);
  for (size_t i = 0; i + 1 < d; ++i)
    s += std::pow(w(i) - 1, 2) * (1 + 10 * std::pow(std::sin(M_PI * w(i) + 1), 2));
  s += std::pow(w(d - 1) - 1, 2) * (1 + std::pow(std::sin(2 * M_PI * w(d - 1)), 2));
  return s;
}

inline double StyblinskiTang(const std::vector<double>& x) {  // [-5, 5]^d; min -39.16617 d
  double s = 0;
  for (double v : x) s += v * v * v * v - 16 * v * v + 5 * v;
  return s / 2;
}

inline double Michalewicz(const std::vector<double>& x) {  // [0, pi]^d, m = 10; min -4.687658 (d = 5)
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += std::sin(x[i]) * std::pow(std::sin((i + 1) * x[i] * x[i] / M_PI), 20);
  return -s;
}

inline std::vector<TestFunction> AllFunctions() {
  return {{"branin", 2, -5, 15, Branin},           {"hartmann6", 6, 0, 1, Hartmann6},
          {"rosenbrock10", 10, -5, 10, Rosenbrock}, {"ackley5", 5, -32.768, 32.768, Ackley},
          {"levy5", 5, -10, 10, Levy},             {"styblinski5", 5, -5, 5, StyblinskiTang},
          {"michalewicz5", 5, 0, M_PI, Michalewicz}};
}

// Bounds of dimension i (Branin's differ per dimension).
inline void Bounds(const TestFunction& f, int i, double& lo, double& hi) {
  if (f.name == "branin") {
    lo = i == 0 ? -5 : 0;
    hi = i == 0 ? 10 : 15;
  } else {
    lo = f.lo;
    hi = f.hi;
  }
}

}  // namespace drover::bench
