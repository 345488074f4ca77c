// Inner-product space vs the Euclidean transform (Bachrach et al. 2014) in hnswlib, on items that
// live near a 16-dimensional subspace (like the bench's catalogue) queried by random directions
// (like an untrained RNN's user vectors). See docs/design/retrieval-index.md.
#include <hnswlib/hnswlib.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <vector>
#include <algorithm>
using Clock = std::chrono::steady_clock;
static double secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }
int main() {
  const int n = 50000, L = 16, D = 64, d = 65, Q = 1000, k = 20;
  std::mt19937_64 rng(5); std::normal_distribution<float> nd(0, 1); std::uniform_real_distribution<float> ud(-1, 1);
  auto unit = [](float* v, int m) { float s = 0; for (int i = 0; i < m; ++i) s += v[i]*v[i]; s = std::sqrt(s); for (int i = 0; i < m; ++i) v[i] /= s; };
  std::vector<float> genre(12 * L), artist(5000 * L), lat(n * L);
  for (int g = 0; g < 12; ++g) { for (int j = 0; j < L; ++j) genre[g*L+j] = nd(rng); unit(&genre[g*L], L); }
  for (int a = 0; a < 5000; ++a) { int g = rng() % 12; for (int j = 0; j < L; ++j) artist[a*L+j] = genre[g*L+j] + 0.35f*nd(rng); unit(&artist[a*L], L); }
  for (int i = 0; i < n; ++i) { int a = rng() % 5000; for (int j = 0; j < L; ++j) lat[i*L+j] = artist[a*L+j] + 0.25f*nd(rng); unit(&lat[i*L], L); }
  std::vector<float> P(L * D); for (auto& x : P) x = ud(rng) * 1.7f / 4;
  std::vector<float> items(size_t(n) * d, 0);
  for (int i = 0; i < n; ++i) { for (int c = 0; c < D; ++c) { float s = 0; for (int j = 0; j < L; ++j) s += lat[i*L+j] * P[j*D+c]; items[size_t(i)*d+c] = s + 0.1f*ud(rng); } items[size_t(i)*d+D] = 0; }
  std::vector<float> q(size_t(Q) * d);
  for (int u = 0; u < Q; ++u) { for (int c = 0; c < D; ++c) q[size_t(u)*d+c] = nd(rng); unit(&q[size_t(u)*d], D); for (int c = 0; c < D; ++c) q[size_t(u)*d+c] *= 5; q[size_t(u)*d+D] = 1; }
  std::vector<std::set<int>> truth(Q);
  for (int u = 0; u < Q; ++u) { std::vector<std::pair<float,int>> s(n); for (int i = 0; i < n; ++i) { float x = 0; for (int j = 0; j < d; ++j) x += q[size_t(u)*d+j]*items[size_t(i)*d+j]; s[i] = {x, i}; } std::partial_sort(s.begin(), s.begin()+k, s.end(), [](auto&a, auto&b){return a.first > b.first;}); for (int i = 0; i < k; ++i) truth[u].insert(s[i].second); }
  // IP space
  for (int M : {16, 32}) {
    hnswlib::InnerProductSpace sp(d); hnswlib::HierarchicalNSW<float> idx(&sp, n, M, 100);
    auto b = Clock::now(); for (int i = 0; i < n; ++i) idx.addPoint(&items[size_t(i)*d], i); double bt = secs(b);
    for (int ef : {40, 80, 160}) { idx.setEf(ef); double hit = 0; auto s0 = Clock::now();
      for (int u = 0; u < Q; ++u) { auto r = idx.searchKnn(&q[size_t(u)*d], k); while (!r.empty()) { hit += truth[u].count(r.top().second); r.pop(); } }
      printf("IP  M=%d ef=%d build %.1fs %.1f us recall %.4f\n", M, ef, bt, 1e6*secs(s0)/Q, hit/(Q*k)); }
  }
  // L2 on augmented vectors (x, sqrt(R^2 - |x|^2)), query (q, 0)
  { float R = 0; for (int i = 0; i < n; ++i) { float s = 0; for (int j = 0; j < d; ++j) s += items[size_t(i)*d+j]*items[size_t(i)*d+j]; R = std::max(R, s); }
    std::vector<float> aug(size_t(n)*(d+1)); for (int i = 0; i < n; ++i) { float s = 0; for (int j = 0; j < d; ++j) { aug[size_t(i)*(d+1)+j] = items[size_t(i)*d+j]; s += items[size_t(i)*d+j]*items[size_t(i)*d+j]; } aug[size_t(i)*(d+1)+d] = std::sqrt(std::max(0.f, R - s)); }
    std::vector<float> qa(size_t(Q)*(d+1), 0); for (int u = 0; u < Q; ++u) for (int j = 0; j < d; ++j) qa[size_t(u)*(d+1)+j] = q[size_t(u)*d+j];
    for (int M : {16, 32}) {
      hnswlib::L2Space sp(d+1); hnswlib::HierarchicalNSW<float> idx(&sp, n, M, 100);
      auto b = Clock::now(); for (int i = 0; i < n; ++i) idx.addPoint(&aug[size_t(i)*(d+1)], i); double bt = secs(b);
      for (int ef : {40, 80, 160}) { idx.setEf(ef); double hit = 0; auto s0 = Clock::now();
        for (int u = 0; u < Q; ++u) { auto r = idx.searchKnn(&qa[size_t(u)*(d+1)], k); while (!r.empty()) { hit += truth[u].count(r.top().second); r.pop(); } }
        printf("L2aug M=%d ef=%d build %.1fs %.1f us recall %.4f\n", M, ef, bt, 1e6*secs(s0)/Q, hit/(Q*k)); }
    }
  }
}
