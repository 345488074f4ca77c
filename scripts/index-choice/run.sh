#!/usr/bin/env bash
# Builds and runs the index comparison (needs libfaiss-dev, libhnswlib-dev, libopenblas-dev).
set -euo pipefail
out="$(mktemp -d)"
g++ -O3 -march=native -fopenmp -std=c++17 "$(dirname "$0")/compare.cpp" -o "$out/compare" \
    -lfaiss -lopenblas -llapack -lgomp
OPENBLAS_NUM_THREADS=1 "$out/compare" "${1:-50000}"
g++ -O2 -std=c++17 "$(dirname "$0")/transform.cpp" -o "$out/transform"
"$out/transform"
