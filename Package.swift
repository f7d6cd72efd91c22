// swift-tools-version:6.1
// Obligor: a credit-risk modelling suite. See README.md and ../shared/DESIGN.md.
import PackageDescription

let package = Package(
    name: "Obligor",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ObligorNumerics", targets: ["ObligorNumerics"]),
        .library(name: "ObligorData", targets: ["ObligorData"]),
        .library(name: "ObligorStore", targets: ["ObligorStore"]),
        .library(name: "ObligorMetrics", targets: ["ObligorMetrics"]),
        .library(name: "ObligorModels", targets: ["ObligorModels"]),
        .library(name: "ObligorBoosting", targets: ["ObligorBoosting"]),
        .library(name: "ObligorCatalog", targets: ["ObligorCatalog"]),
        .library(name: "ObligorReports", targets: ["ObligorReports"]),
        .library(name: "ObligorRecourse", targets: ["ObligorRecourse"]),
        .library(name: "ObligorGP", targets: ["ObligorGP"]),
        .library(name: "ObligorPortfolio", targets: ["ObligorPortfolio"]),
        .library(name: "ObligorNeural", targets: ["ObligorNeural"]),
        .library(name: "ObligorHamiltonian", targets: ["ObligorHamiltonian"]),
        .library(name: "ObligorSequences", targets: ["ObligorSequences"]),
        .library(name: "ObligorLLM", targets: ["ObligorLLM"]),
        .library(name: "ObligorLlama", targets: ["ObligorLlama"]),
        .executable(name: "obligor", targets: ["obligor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - C libraries (system-library targets; quirks live in each shim.h)
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(
            name: "CGSL",  // deliberately no pkgConfig: "gsl" would add -lgslcblas
            providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // Quantised (Q8_0/Q4_0) matrix–vector kernels; AVX2 chosen at run time, no global target flags.
        // Called only through ObligorNumerics (QuantizedKernels).
        .target(name: "CQuantKernels"),

        // MARK: - Public modules (dependencies point down)
        .target(name: "ObligorNumerics", dependencies: ["CBLAS", "CGSL", "CQuantKernels"], exclude: ["README.md"]),
        .target(name: "ObligorData", dependencies: ["ObligorNumerics"], exclude: ["README.md"]),
        .target(name: "ObligorStore", dependencies: ["ObligorData", "CSQLite"], exclude: ["README.md"]),
        .target(name: "ObligorMetrics", dependencies: ["ObligorNumerics"], exclude: ["README.md"]),
        .target(name: "ObligorModels", dependencies: ["ObligorData", "ObligorMetrics", "ObligorNumerics"], exclude: ["README.md"]),
        .target(
            name: "ObligorBoosting", dependencies: ["ObligorModels", "ObligorMetrics", "ObligorData", "ObligorNumerics"],
            exclude: ["README.md"]),
        .target(name: "ObligorCatalog", dependencies: ["ObligorModels", "ObligorBoosting", "ObligorData", "ObligorGP", "ObligorHamiltonian", "ObligorSequences"], exclude: ["README.md"]),
        .target(name: "ObligorReports", dependencies: ["ObligorMetrics", "ObligorModels"], exclude: ["README.md"]),
        .target(name: "ObligorRecourse", dependencies: ["ObligorModels", "ObligorBoosting", "ObligorData", "ObligorNumerics"], exclude: ["README.md"]),
        .target(
            name: "ObligorGP", dependencies: ["ObligorBoosting", "ObligorModels", "ObligorData", "ObligorNumerics"],
            exclude: ["README.md"]),
        .target(name: "ObligorPortfolio", dependencies: ["ObligorNumerics"], exclude: ["README.md"]),
        .target(name: "ObligorNeural", dependencies: ["ObligorNumerics"], exclude: ["README.md"]),
        .target(
            name: "ObligorHamiltonian", dependencies: ["ObligorNeural", "ObligorModels", "ObligorMetrics", "ObligorData", "ObligorNumerics"],
            exclude: ["README.md"]),
        .target(
            name: "ObligorSequences", dependencies: ["ObligorNeural", "ObligorModels", "ObligorMetrics", "ObligorData", "ObligorNumerics"],
            exclude: ["README.md"]),
        .target(
            name: "ObligorLLM", dependencies: ["ObligorMetrics", "ObligorLlama"],
            exclude: ["README.md"]),
        .target(name: "ObligorLlama", dependencies: ["ObligorNumerics"], exclude: ["README.md"]),
        .executableTarget(
            name: "obligor",
            dependencies: [
                "ObligorNumerics", "ObligorData", "ObligorStore", "ObligorMetrics",
                "ObligorModels", "ObligorBoosting", "ObligorCatalog", "ObligorReports", "ObligorRecourse",
                "ObligorGP", "ObligorPortfolio",
                "ObligorNeural", "ObligorHamiltonian", "ObligorSequences", "ObligorLLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"]),

        // MARK: - Unit test bundles (one per module) and the CLI end-to-end tests
        .testTarget(name: "ObligorNumericsTests", dependencies: ["ObligorNumerics"]),
        .testTarget(name: "ObligorDataTests", dependencies: ["ObligorData", "ObligorNumerics"]),
        .testTarget(
            name: "ObligorStoreTests", dependencies: ["ObligorStore", "ObligorData", "ObligorModels", "ObligorBoosting", "ObligorCatalog", "ObligorNumerics"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ObligorMetricsTests", dependencies: ["ObligorMetrics", "ObligorData"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ObligorModelsTests", dependencies: ["ObligorModels", "ObligorData"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ObligorBoostingTests", dependencies: ["ObligorBoosting", "ObligorModels", "ObligorData", "ObligorMetrics"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ObligorRecourseTests", dependencies: ["ObligorRecourse", "ObligorModels", "ObligorBoosting", "ObligorData"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ObligorGPTests", dependencies: ["ObligorGP", "ObligorBoosting", "ObligorModels", "ObligorData", "ObligorNumerics"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "ObligorPortfolioTests", dependencies: ["ObligorPortfolio", "ObligorNumerics"]),
        .testTarget(name: "ObligorNeuralTests", dependencies: ["ObligorNeural", "ObligorNumerics"]),
        .testTarget(
            name: "ObligorHamiltonianTests",
            dependencies: ["ObligorHamiltonian", "ObligorNeural", "ObligorModels", "ObligorMetrics", "ObligorData", "ObligorNumerics"]),
        .testTarget(
            name: "ObligorSequencesTests",
            dependencies: ["ObligorSequences", "ObligorNeural", "ObligorModels", "ObligorMetrics", "ObligorData", "ObligorNumerics"]),
        .testTarget(
            name: "ObligorLlamaTests", dependencies: ["ObligorLlama", "ObligorNumerics"],
            exclude: ["make_quant_fixture.py"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ObligorCLITests", dependencies: ["obligor", "ObligorStore", "ObligorData", "ObligorLLM"]),
        .testTarget(name: "ObligorLLMTests", dependencies: ["ObligorLLM", "ObligorMetrics", "ObligorData"], resources: [.copy("Fixtures")]),

        // MARK: - Benchmarks (bench/run_foundation.sh runs this next to the Python anchors)
        .executableTarget(
            name: "obligor-bench",
            dependencies: ["ObligorNumerics", "ObligorData", "ObligorMetrics", "ObligorModels", "ObligorBoosting", "ObligorCatalog"]),
        .executableTarget(
            name: "obligor-lbsf-bench",
            dependencies: ["ObligorSequences", "ObligorBoosting", "ObligorData"]),
        // bench/llm/run.sh runs this next to llama.cpp (llama-cpp-python) on the same GGUF
        .executableTarget(name: "obligor-llm-bench", dependencies: ["ObligorLlama", "ObligorNumerics"]),
    ]
)
