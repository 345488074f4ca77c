// Chooses the retrieval index for the music stage by measurement (issue 12): hnswlib vs FAISS
// (HNSW and IVF-Flat) on the same seeded, structured catalogue, maximum inner product, against
// exact scoring. See docs/design/retrieval-index.md. Build and run: scripts/index-choice/run.sh
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQFastScan.h>
#include <faiss/IndexPQFastScan.h>
#include <faiss/IndexRefine.h>
#include <faiss/IndexScalarQuantizer.h>
#include <hnswlib/hnswlib.h>
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <random>
#include <set>
#include <vector>

using Clock = std::chrono::steady_clock;
static double seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

int main(int argc, char** argv) {
    const int n = argc > 1 ? atoi(argv[1]) : 50000, d = 65, queries = 2000, k = 20;
    const int genres = 12, artists = std::max(1, n / 10);
    std::mt19937_64 rng(7);
    std::normal_distribution<float> normal(0, 1);
    auto unit = [&](std::vector<float>& v) { float s = 0; for (float x : v) s += x * x; s = std::sqrt(s); for (float& x : v) x /= s; };
    // Structured like trained embeddings: genre centre + artist offset + track noise; last
    // coordinate is the item bias (the query's is 1).
    std::vector<std::vector<float>> genre(genres, std::vector<float>(d - 1)), artist(artists, std::vector<float>(d - 1));
    for (auto& g : genre) { for (float& x : g) x = normal(rng); unit(g); }
    for (auto& a : artist) { auto& g = genre[rng() % genres]; for (int j = 0; j < d - 1; ++j) a[j] = g[j] + 0.5f * normal(rng) / std::sqrt(float(d)); }
    std::vector<float> items(size_t(n) * d);
    for (int i = 0; i < n; ++i) {
        auto& a = artist[rng() % artists];
        for (int j = 0; j < d - 1; ++j) items[size_t(i) * d + j] = a[j] + 0.4f * normal(rng) / std::sqrt(float(d));
        items[size_t(i) * d + d - 1] = 0.1f * normal(rng);
    }
    std::vector<float> q(size_t(queries) * d);
    for (int u = 0; u < queries; ++u) {
        std::vector<float> t(d - 1);
        auto& g1 = genre[rng() % genres]; auto& g2 = genre[rng() % genres];
        for (int j = 0; j < d - 1; ++j) t[j] = 0.7f * g1[j] + 0.3f * g2[j] + 0.5f * normal(rng) / std::sqrt(float(d));
        unit(t);
        for (int j = 0; j < d - 1; ++j) q[size_t(u) * d + j] = 8.0f * t[j];  // tau = 8
        q[size_t(u) * d + d - 1] = 1;
    }
    // Exact top-k.
    std::vector<std::set<long>> truth(queries);
    auto t0 = Clock::now();
    for (int u = 0; u < queries; ++u) {
        std::vector<std::pair<float, long>> s(n);
        for (int i = 0; i < n; ++i) { float x = 0; for (int j = 0; j < d; ++j) x += q[size_t(u) * d + j] * items[size_t(i) * d + j]; s[i] = {x, i}; }
        std::partial_sort(s.begin(), s.begin() + k, s.end(), [](auto& a, auto& b) { return a.first > b.first; });
        for (int i = 0; i < k; ++i) truth[u].insert(s[i].second);
    }
    printf("catalogue %d x %d, %d queries; exact (naive loop) %.1f us/query\n", n, d, queries, 1e6 * seconds(t0) / queries);
    auto recall = [&](const std::vector<long>& labels, int stride) {
        double hit = 0;
        for (int u = 0; u < queries; ++u) for (int i = 0; i < k; ++i) hit += truth[u].count(labels[size_t(u) * stride + i]);
        return hit / (double(queries) * k);
    };
    omp_set_num_threads(1);
    // hnswlib
    for (int M : {16, 32}) {
        hnswlib::InnerProductSpace space(d);
        auto b0 = Clock::now();
        hnswlib::HierarchicalNSW<float> index(&space, n, M, 200);
        for (int i = 0; i < n; ++i) index.addPoint(&items[size_t(i) * d], i);
        double build = seconds(b0);
        for (int ef : {40, 80, 160, 320}) {
            index.setEf(ef);
            std::vector<long> labels(size_t(queries) * k, -1);
            auto s0 = Clock::now();
            for (int u = 0; u < queries; ++u) {
                auto r = index.searchKnn(&q[size_t(u) * d], k);
                int i = k - 1; while (!r.empty()) { labels[size_t(u) * k + i--] = long(r.top().second); r.pop(); }
            }
            printf("hnswlib     M=%-3d ef=%-4d build %5.2f s  query %7.1f us  recall@20 %.4f\n", M, ef, build, 1e6 * seconds(s0) / queries, recall(labels, k));
        }
    }
    // FAISS HNSW
    for (int M : {16, 32}) {
        faiss::IndexHNSWFlat index(d, M, faiss::METRIC_INNER_PRODUCT);
        index.hnsw.efConstruction = 200;
        auto b0 = Clock::now();
        index.add(n, items.data());
        double build = seconds(b0);
        for (int ef : {40, 80, 160, 320}) {
            index.hnsw.efSearch = ef;
            std::vector<float> dist(size_t(queries) * k); std::vector<faiss::Index::idx_t> labels(size_t(queries) * k);
            auto s0 = Clock::now();
            index.search(queries, q.data(), k, dist.data(), labels.data());
            std::vector<long> l(labels.begin(), labels.end());
            printf("faiss HNSW  M=%-3d ef=%-4d build %5.2f s  query %7.1f us  recall@20 %.4f\n", M, ef, build, 1e6 * seconds(s0) / queries, recall(l, k));
        }
    }
    // FAISS IVF-Flat (batched queries go through BLAS)
    for (int nlist : {128, 256}) {
        faiss::IndexFlatIP quantizer(d);
        faiss::IndexIVFFlat index(&quantizer, d, nlist, faiss::METRIC_INNER_PRODUCT);
        auto b0 = Clock::now();
        index.train(n, items.data());
        index.add(n, items.data());
        double build = seconds(b0);
        for (int nprobe : {4, 8, 16, 32}) {
            index.nprobe = nprobe;
            std::vector<float> dist(size_t(queries) * k); std::vector<faiss::Index::idx_t> labels(size_t(queries) * k);
            auto s0 = Clock::now();
            index.search(queries, q.data(), k, dist.data(), labels.data());
            std::vector<long> l(labels.begin(), labels.end());
            printf("faiss IVF   nlist=%-4d nprobe=%-3d build %5.2f s  query %7.1f us  recall@20 %.4f\n", nlist, nprobe, build, 1e6 * seconds(s0) / queries, recall(l, k));
        }
    }

    // FAISS IVF + 4-bit PQ fast-scan (SIMD lookup tables), exact re-ranking of its candidates.
    // The vectors are padded to 68 coordinates (the PQ splits them in 2-dimensional pieces).
    {
        const int dp = 68;
        std::vector<float> pi(size_t(n) * dp, 0), pq(size_t(queries) * dp, 0);
        for (int i = 0; i < n; ++i) std::copy(&items[size_t(i) * d], &items[size_t(i) * d] + d, &pi[size_t(i) * dp]);
        for (int u = 0; u < queries; ++u) std::copy(&q[size_t(u) * d], &q[size_t(u) * d] + d, &pq[size_t(u) * dp]);
        for (int nlist : {64, 256}) {
            faiss::IndexFlatIP quantizer(dp);
            faiss::IndexIVFPQFastScan base(&quantizer, dp, nlist, dp / 2, 4, faiss::METRIC_INNER_PRODUCT);
            faiss::IndexRefineFlat index(&base);
            auto b0 = Clock::now();
            index.train(n, pi.data());
            index.add(n, pi.data());
            double build = seconds(b0);
            for (int nprobe : {8, 16, 32}) for (float factor : {4.0f, 10.0f}) {
                base.nprobe = nprobe;
                index.k_factor = factor;
                std::vector<float> dist(size_t(queries) * k); std::vector<faiss::Index::idx_t> labels(size_t(queries) * k);
                for (int batch : {1, 200}) {
                    auto s0 = Clock::now();
                    for (int u = 0; u < queries; u += batch)
                        index.search(std::min(batch, queries - u), &pq[size_t(u) * dp], k, &dist[size_t(u) * k], &labels[size_t(u) * k]);
                    std::vector<long> l(labels.begin(), labels.end());
                    printf("faiss IVFPQfs nlist=%-4d nprobe=%-3d refine x%-3.0f batch %-4d build %5.2f s  query %7.1f us  recall@20 %.4f\n", nlist, nprobe, factor, batch, build, 1e6 * seconds(s0) / queries, recall(l, k));
                }
            }
        }
        // Whole-catalogue PQ fast-scan (no IVF), re-ranked.
        faiss::IndexPQFastScan base(dp, dp / 2, 4, faiss::METRIC_INNER_PRODUCT);
        faiss::IndexRefineFlat index(&base);
        index.train(n, pi.data()); index.add(n, pi.data());
        for (float factor : {4.0f, 10.0f}) {
            index.k_factor = factor;
            std::vector<float> dist(size_t(queries) * k); std::vector<faiss::Index::idx_t> labels(size_t(queries) * k);
            auto s0 = Clock::now();
            for (int u = 0; u < queries; u += 200) index.search(200, &pq[size_t(u) * dp], k, &dist[size_t(u) * k], &labels[size_t(u) * k]);
            std::vector<long> l(labels.begin(), labels.end());
            printf("faiss PQfs   refine x%-3.0f batch 200  query %7.1f us  recall@20 %.4f\n", factor, 1e6 * seconds(s0) / queries, recall(l, k));
        }
    }
    // Exact with FAISS's flat index (BLAS), the reference cost.
    {
        faiss::IndexFlatIP index(d);
        index.add(n, items.data());
        std::vector<float> dist(size_t(queries) * k); std::vector<faiss::Index::idx_t> labels(size_t(queries) * k);
        auto s0 = Clock::now();
        index.search(queries, q.data(), k, dist.data(), labels.data());
        std::vector<long> l(labels.begin(), labels.end());
        printf("faiss Flat  (exact, BLAS)        query %7.1f us  recall@20 %.4f\n", 1e6 * seconds(s0) / queries, recall(l, k));
    }
}
