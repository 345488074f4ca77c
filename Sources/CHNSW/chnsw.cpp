// See include/chnsw.h.
#include "chnsw.h"

#include <hnswlib/hnswlib.h>

#include <cstdio>
#include <exception>
#include <memory>

struct chnsw_index {
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
};

static void report(char *error, size_t capacity, const char *message) {
    if (error != nullptr && capacity > 0) std::snprintf(error, capacity, "%s", message);
}

extern "C" chnsw_index *chnsw_create(chnsw_space space, size_t dimension, size_t capacity, size_t m,
                                     size_t ef_construction, uint64_t seed, char *error, size_t error_capacity) {
    try {
        auto index = std::make_unique<chnsw_index>();
        if (space == CHNSW_SQUARED_L2) {
            index->space = std::make_unique<hnswlib::L2Space>(dimension);
        } else {
            index->space = std::make_unique<hnswlib::InnerProductSpace>(dimension);
        }
        index->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
            index->space.get(), capacity > 0 ? capacity : 1, m, ef_construction, static_cast<size_t>(seed));
        return index.release();
    } catch (const std::exception &exception) {
        report(error, error_capacity, exception.what());
        return nullptr;
    }
}

extern "C" void chnsw_destroy(chnsw_index *index) { delete index; }

extern "C" int chnsw_add(chnsw_index *index, const float *vector, uint64_t label, char *error,
                         size_t error_capacity) {
    try {
        auto &graph = *index->graph;
        if (graph.cur_element_count >= graph.max_elements_) {
            graph.resizeIndex(graph.max_elements_ * 2);
        }
        graph.addPoint(vector, static_cast<hnswlib::labeltype>(label));
        return 0;
    } catch (const std::exception &exception) {
        report(error, error_capacity, exception.what());
        return -1;
    }
}

extern "C" void chnsw_set_ef(chnsw_index *index, size_t ef) { index->graph->setEf(ef); }

extern "C" long chnsw_search(const chnsw_index *index, const float *query, size_t k, uint64_t *labels,
                             float *distances) {
    try {
        auto found = index->graph->searchKnn(query, k);
        // The queue pops the farthest first.
        long count = static_cast<long>(found.size());
        for (long position = count - 1; position >= 0; --position) {
            labels[position] = static_cast<uint64_t>(found.top().second);
            distances[position] = found.top().first;
            found.pop();
        }
        return count;
    } catch (const std::exception &) {
        return -1;
    }
}

extern "C" size_t chnsw_count(const chnsw_index *index) { return index->graph->cur_element_count; }
