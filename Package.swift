// swift-tools-version:6.2
import PackageDescription

/// One set of Swift settings for every target: Swift 6 language mode comes from the tools version;
/// these upcoming features keep imports explicit and existentials visible.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Encore",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "encore", targets: ["encore"]),
        .library(name: "EncoreApp", targets: ["EncoreApp"]),
        .library(name: "EncoreTraining", targets: ["EncoreTraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The HTTP server (health, metrics, recommendations, status page); default traits off so the
        // build does not pull swift-configuration in.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already in the graph through Hummingbird; named for NIOCore's ByteBuffer API (response bodies)
        // and HTTPTypes' header names.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // System libraries (Debian packages; pkg-config names).
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // hnswlib (Debian's header-only libhnswlib-dev) behind a C interface: the retrieval index
        // (docs/design/retrieval-index.md). Optimised in debug builds too, so tests stay fast.
        .target(
            name: "CHNSW",
            cxxSettings: [.unsafeFlags(["-O2", "-std=c++17"])]
        ),

        // Library modules, dependencies pointing one way (see ARCHITECTURE.md).
        .target(name: "EncoreCore", swiftSettings: swiftSettings),
        .target(name: "EncoreNumerics", dependencies: ["COpenBLAS", "CHNSW", "EncoreCore"], swiftSettings: swiftSettings),
        .target(
            name: "EncoreKafka",
            dependencies: ["CRdKafka", "EncoreCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EncoreStore",
            dependencies: [
                "EncoreCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "EncoreModels", dependencies: ["EncoreCore", "EncoreNumerics"], swiftSettings: swiftSettings),
        .target(
            name: "EncoreEvaluation",
            dependencies: ["EncoreCore", "EncoreNumerics"],
            swiftSettings: swiftSettings
        ),
        .target(name: "EncoreSimulation", dependencies: ["EncoreCore"], swiftSettings: swiftSettings),
        .target(
            name: "EncorePipeline",
            dependencies: [
                "EncoreCore", "EncoreKafka", "EncoreStore", "EncoreModels", "EncoreNumerics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The stage types, one folder each (stage, definition, state, generation).
        .target(
            name: "EncoreStages",
            dependencies: [
                "EncoreCore", "EncorePipeline", "EncoreStore", "EncoreModels", "EncoreNumerics", "EncoreEvaluation",
                "EncoreKafka", "EncoreTraining", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EncoreServer",
            dependencies: [
                "EncoreCore", "EncorePipeline", "EncoreStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Offline training, evaluation and model comparison; below the pipeline (no EncorePipeline,
        // EncoreKafka or EncoreServer), so modules above the pipeline can call it.
        .target(
            name: "EncoreTraining",
            dependencies: [
                "EncoreCore", "EncoreNumerics", "EncoreModels", "EncoreEvaluation", "EncoreStore", "EncoreSimulation",
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: runtime, service, configuration, demo, retrain cycle.
        .target(
            name: "EncoreApp",
            dependencies: [
                "EncoreCore", "EncoreKafka", "EncoreStore", "EncoreModels", "EncoreSimulation", "EncorePipeline",
                "EncoreStages", "EncoreServer", "EncoreTraining",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks and the evaluations that run the pipeline stages.
        .target(
            name: "EncoreBench",
            dependencies: [
                "EncoreApp", "EncoreCore", "EncoreEvaluation", "EncoreKafka", "EncoreModels", "EncoreNumerics",
                "EncorePipeline", "EncoreSimulation", "EncoreStages", "EncoreStore", "EncoreTraining",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "encore",
            dependencies: [
                "EncoreApp", "EncoreBench", "EncoreCore", "EncoreKafka", "EncoreModels", "EncoreNumerics", "EncorePipeline",
                "EncoreServer", "EncoreSimulation", "EncoreStages", "EncoreStore", "EncoreTraining",
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Tests (Swift Testing).
        // Fixtures/ holds the contract corpus, read through #filePath, not bundled.
        .testTarget(
            name: "EncoreCoreTests", dependencies: ["EncoreCore"], exclude: ["Fixtures"], swiftSettings: swiftSettings
        ),
        .testTarget(name: "EncoreNumericsTests", dependencies: ["EncoreNumerics", "EncoreCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EncoreKafkaTests",
            dependencies: ["EncoreKafka", "EncoreCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreStoreTests",
            dependencies: ["EncoreStore", "EncoreCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreModelsTests",
            dependencies: ["EncoreModels", "EncoreNumerics", "EncoreEvaluation", "EncoreCore", "EncoreTestData"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreEvaluationTests",
            dependencies: ["EncoreEvaluation", "EncoreNumerics", "EncoreCore", "EncoreTestData"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreSimulationTests",
            dependencies: ["EncoreSimulation", "EncoreCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreTrainingTests",
            dependencies: [
                "EncoreTraining", "EncoreModels", "EncoreEvaluation", "EncoreNumerics", "EncoreStore", "EncoreCore",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreAppTests",
            dependencies: ["EncoreApp", "EncorePipeline", "EncoreStages", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreBenchTests",
            dependencies: ["EncoreBench", "EncoreSimulation", "EncoreStore", "EncoreCore"],
            swiftSettings: swiftSettings
        ),
        // Where the repository's data/ is, for the tests that read the real data sets.
        .target(name: "EncoreTestData", path: "Tests/EncoreTestData", swiftSettings: swiftSettings),
        // The embedded-broker harness the pipeline, stage and CLI tests share.
        .target(
            name: "EncoreTestSupport",
            dependencies: [
                "EncoreCore", "EncoreKafka", "EncorePipeline", "EncoreStages", "EncoreStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/EncoreTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncorePipelineTests",
            dependencies: [
                "EncorePipeline", "EncoreStages", "EncoreTestSupport", "EncoreKafka", "EncoreStore", "EncoreCore",
                "EncoreModels", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreStagesTests",
            dependencies: [
                "EncoreStages", "EncorePipeline", "EncoreTestSupport", "EncoreTraining", "EncoreKafka", "EncoreStore",
                "EncoreSimulation", "EncoreModels", "EncoreNumerics", "EncoreCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreServerTests",
            dependencies: [
                "EncoreServer", "EncoreApp", "EncorePipeline", "EncoreStages", "EncoreStore", "EncoreCore", "EncoreKafka",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EncoreCLITests",
            dependencies: [
                "encore",  // ModelsCommand parsing; the process-level crash test runs the real executable
                "EncoreStore", "EncoreTestSupport", "EncoreCore", "EncoreKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
