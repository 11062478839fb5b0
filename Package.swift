// swift-tools-version:6.0
// Vitrine: a multimodal content-based recommender. Modules are pipeline stages and dependencies
// point one way (docs/architecture.md):
//   CVitrineImageShim → VitrineImage;  CVitrineKernels → VitrineTensor (the kernels' only door)
//   VitrineModels ← Tensor, Image;  VitrineCore ← Tensor;  VitrineStore ← Core, Tensor, CSQLite, PostgresNIO
//   VitrineCatalog ← Models, Core, Store, Image, Tensor (the front ends' only door to storage)
//   VitrineServer ← Catalog, Core, Image;  vitrine (CLI) ← Catalog, Core, Server
import PackageDescription

let package = Package(
    name: "Vitrine",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vitrine", targets: ["vitrine"]),
        .library(name: "VitrineImage", targets: ["VitrineImage"]),
        .library(name: "VitrineTensor", targets: ["VitrineTensor"]),
        .library(name: "VitrineModels", targets: ["VitrineModels"]),
        .library(name: "VitrineCore", targets: ["VitrineCore"]),
        .library(name: "VitrineStore", targets: ["VitrineStore"]),
        .library(name: "VitrineCatalog", targets: ["VitrineCatalog"]),
        .library(name: "VitrineServer", targets: ["VitrineServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.9.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System libraries: only libjpeg, libpng and SQLite, all in Debian's -dev packages.
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // C where C is the right tool: libjpeg's setjmp error path, and SIMD kernels
        // with AVX-512 / AVX2 / portable variants chosen at run time.
        .target(name: "CVitrineImageShim", dependencies: ["CJPEG", "CPNG"]),
        .target(name: "CVitrineKernels"),

        // Pipeline stages.
        .target(name: "VitrineImage", dependencies: ["CVitrineImageShim"]),
        .target(name: "VitrineTensor", dependencies: ["CVitrineKernels"]),
        .target(name: "VitrineModels", dependencies: ["VitrineTensor", "VitrineImage"]),
        .target(name: "VitrineCore", dependencies: ["VitrineTensor"]),
        // SQLite (embedded default) and PostgreSQL (shared by replicas and shards) behind one protocol.
        .target(
            name: "VitrineStore",
            dependencies: [
                "VitrineCore", "VitrineTensor", "CSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The service the server and the CLI share: folder layouts, the indexing pipeline,
        // queries and recommendations over the store, with the real encoders.
        .target(name: "VitrineCatalog", dependencies: ["VitrineModels", "VitrineCore", "VitrineStore", "VitrineImage", "VitrineTensor"]),
        .target(
            name: "VitrineServer",
            dependencies: [
                "VitrineCatalog", "VitrineCore", "VitrineImage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Public")]
        ),
        .executableTarget(
            name: "vitrine",
            dependencies: [
                "VitrineCatalog", "VitrineCore", "VitrineServer", "VitrineTensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Benchmarks: programs run in release builds, never timed tests.
        .executableTarget(name: "bench-gemm", dependencies: ["VitrineTensor"], path: "benchmarks/bench-gemm"),
        .executableTarget(name: "bench-decode", dependencies: ["VitrineImage"], path: "benchmarks/bench-decode"),
        .executableTarget(
            name: "bench-image-encoder", dependencies: ["VitrineModels", "VitrineImage", "VitrineTensor"],
            path: "benchmarks/bench-image-encoder"
        ),
        .executableTarget(name: "bench-text-encoder", dependencies: ["VitrineModels", "VitrineTensor"], path: "benchmarks/bench-text-encoder"),
        .executableTarget(
            name: "bench-index", dependencies: ["VitrineCatalog", "VitrineCore", "VitrineStore", "VitrineTensor"],
            path: "benchmarks/bench-index", exclude: ["python_pipeline.py", "run.sh"]
        ),

        .executableTarget(name: "bench-ann", dependencies: ["VitrineCore", "VitrineStore", "VitrineTensor"], path: "benchmarks/bench-ann",
                          exclude: ["peers.py"]),

        // Child process for the store's crash-safety test: writes batches until SIGKILLed.
        .executableTarget(name: "vitrine-store-probe", dependencies: ["VitrineStore", "VitrineTensor"], path: "Tests/StoreProbe"),

        // Tests: one target per stage.
        .testTarget(name: "VitrineImageTests", dependencies: ["VitrineImage"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VitrineTensorTests", dependencies: ["VitrineTensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VitrineModelsTests", dependencies: ["VitrineModels", "VitrineImage", "VitrineTensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VitrineCoreTests", dependencies: ["VitrineCore", "VitrineTensor"]),
        .testTarget(
            name: "VitrineStoreTests",
            dependencies: ["VitrineStore", "VitrineCore", "VitrineTensor", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // The known-groups fixtures are read from the source tree (`#filePath`), not bundled.
        .testTarget(name: "VitrineCatalogTests", dependencies: ["VitrineCatalog", "VitrineStore", "VitrineCore", "VitrineImage", "VitrineTensor"],
                    exclude: ["Fixtures"]),
        .testTarget(
            name: "VitrineServerTests",
            dependencies: [
                "VitrineServer", "VitrineCatalog", "VitrineCore", "VitrineImage", "VitrineStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
