// A C interface to hnswlib (Debian's libhnswlib-dev, header-only C++) for Swift: a maximum
// inner-product HNSW index over float vectors with 64-bit labels. Why hnswlib and not FAISS:
// docs/design/retrieval-index.md. Every function reports failure by its return value and, where
// it takes one, a message in `error` (never by a C++ exception crossing into Swift).
#ifndef ENCORE_CHNSW_H
#define ENCORE_CHNSW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct chnsw_index chnsw_index;

/// The distance the graph is built and searched with.
typedef enum chnsw_space {
    /// 1 - <q, x> (hnswlib's inner-product space).
    CHNSW_INNER_PRODUCT = 0,
    /// |q - x|^2 (hnswlib's L2 space).
    CHNSW_SQUARED_L2 = 1,
} chnsw_space;

/// A new empty index for `dimension`-wide vectors, room for `capacity` of them; `m` links per node
/// and `ef_construction` candidates while inserting; `seed` fixes the level draws, so the same
/// vectors added in the same order give the same graph. NULL on failure (message in `error`).
chnsw_index *chnsw_create(chnsw_space space, size_t dimension, size_t capacity, size_t m, size_t ef_construction,
                          uint64_t seed, char *error, size_t error_capacity);

void chnsw_destroy(chnsw_index *index);

/// Adds one vector (`dimension` floats) under `label`; grows the capacity when full. 0 on success.
int chnsw_add(chnsw_index *index, const float *vector, uint64_t label, char *error, size_t error_capacity);

/// Candidates examined per search (at least the number of results asked for). Not thread-safe:
/// set it before the index is shared.
void chnsw_set_ef(chnsw_index *index, size_t ef);

/// The (up to) `k` labels nearest to `query` in the index's space, nearest first, and their
/// distances. Safe from several threads at once (no concurrent chnsw_add). Returns how many were
/// found, or -1 on failure.
long chnsw_search(const chnsw_index *index, const float *query, size_t k, uint64_t *labels, float *distances);

size_t chnsw_count(const chnsw_index *index);

#ifdef __cplusplus
}
#endif

#endif
