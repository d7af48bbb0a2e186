// swift-tools-version: 6.2
import PackageDescription

// Module graph (one way; ARCHITECTURE.md draws it and says what each module holds):
//   AccessControl, FaultCatalog, LookupCore       (no project dependencies)
//   DemoWorld       -> LookupCore
//   EdgeHTTP        -> LookupCore, AccessControl
//   LookupServer    -> EdgeHTTP, LookupCore, AccessControl
//   MetricsEngine   -> LookupCore
//   MetricsServer   -> EdgeHTTP, MetricsEngine, LookupCore
//   SampleScenarios -> MetricsEngine, DemoWorld, LookupCore
//   Console         -> MetricsEngine, FaultCatalog
//   CursesTerminal  -> Console, CNCurses          (the only module that imports ncurses)
//   CRMSimulator    -> EdgeHTTP, LookupCore, AccessControl, FaultCatalog, DemoWorld
//   Traffic         -> EdgeHTTP, LookupCore, DemoWorld
//   EdgewatchKit    -> all of the above but SampleScenarios   (the assembly: one Stack per command)
//   edgewatch       -> EdgewatchKit, SampleScenarios, and the modules whose types its flags fill in
let package = Package(
    name: "edgewatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "edgewatch", targets: ["edgewatch"]),
        // For the separate Benchmarks/ package only.
        .library(name: "MetricsEngineForBenchmarks", targets: ["MetricsEngine", "LookupCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // Pure lookup logic: normalisation, responses, cache, CRM outcomes, metric events.
        .target(name: "LookupCore", dependencies: [.product(name: "Atomics", package: "swift-atomics")]),
        // The demo's world in one place: its colos (weights, distances) and its customers.
        .target(name: "DemoWorld", dependencies: ["LookupCore"]),
        // The CRM faults: the per-request plan the simulator draws from, and the kinds the dashboard
        // switches with one key each (key, summary, preset). Pure, no dependencies.
        .target(name: "FaultCatalog"),
        // Who may call: credentials compared in constant time, the failure throttle, secret files.
        .target(name: "AccessControl", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Per-colo sliding windows, thresholds and alert states, the event codec.
        .target(
            name: "MetricsEngine",
            dependencies: ["LookupCore"],
            // Histogram merging is ~50x slower unoptimised; debug builds and tests replay whole
            // recordings, so this one module is always optimised (see docs/DECISIONS.md).
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
        // HTTP plumbing both servers share: JSON-only routing, the access gate, listener settings
        // and TLS, the first-request deadline, one bounded exchange, the event loops, the clocks, the
        // graceful stop.
        .target(
            name: "EdgeHTTP",
            dependencies: [
                "LookupCore", "AccessControl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The HTTP face of the middleware: routes, the event-loop fast path, the CRM client.
        .target(
            name: "LookupServer",
            dependencies: [
                "LookupCore", "AccessControl", "EdgeHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Deterministic recorded scenarios for sample-metrics/.
        .target(name: "SampleScenarios", dependencies: ["LookupCore", "MetricsEngine", "DemoWorld"]),
        // The dashboard as pure state, key handling and rendering into a cell buffer.
        .target(name: "Console", dependencies: ["MetricsEngine", "FaultCatalog"]),
        // ncurses (wide-character build), imported by CursesTerminal only.
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
        .target(name: "CursesTerminal", dependencies: ["CNCurses", "Console"]),
        // Synthetic callers: caller model, Poisson arrivals, an HTTP driver.
        .target(
            name: "Traffic",
            dependencies: [
                "LookupCore", "DemoWorld", "EdgeHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The HTTP face of the metrics: ingest, snapshot, Prometheus exposition.
        .target(
            name: "MetricsServer",
            dependencies: [
                "LookupCore", "EdgeHTTP", "MetricsEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A CRM to run against: customer directory, faults, HTTP server.
        .target(
            name: "CRMSimulator",
            dependencies: [
                "LookupCore", "AccessControl", "FaultCatalog", "DemoWorld", "EdgeHTTP",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The assembly: builds a running stack (loops, servers, engine, ticker, consumers,
        // console) from a configuration, with one shutdown. Every command and the tests use it.
        .target(
            name: "EdgewatchKit",
            dependencies: [
                "AccessControl", "LookupCore", "EdgeHTTP", "LookupServer", "CRMSimulator", "FaultCatalog", "DemoWorld", "MetricsEngine",
                "MetricsServer", "Console", "CursesTerminal", "Traffic",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The release and the commit the build came from (stamped by the BuildStamp plugin).
        .target(name: "BuildInfo", plugins: ["BuildStamp"]),
        .plugin(name: "BuildStamp", capability: .buildTool()),
        // The command line: flags, checked, into a configuration and a call into EdgewatchKit.
        .executableTarget(
            name: "edgewatch",
            dependencies: [
                "BuildInfo", "EdgewatchKit", "AccessControl", "LookupCore", "EdgeHTTP", "LookupServer", "CRMSimulator", "MetricsEngine", "MetricsServer",
                "SampleScenarios", "Traffic", "DemoWorld",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What tests share: the live stack built by EdgewatchKit's Stack, as every command builds it, HTTP with one
        // deadline, a misbehaving CRM, time limits and fakes. Never linked into the executable.
        .target(
            name: "TestSupport",
            dependencies: [
                "AccessControl", "LookupCore", "EdgeHTTP", "LookupServer", "MetricsEngine", "MetricsServer", "CRMSimulator", "FaultCatalog",
                "Traffic", "DemoWorld", "EdgewatchKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "LookupCoreTests",
            dependencies: ["LookupCore", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "MetricsEngineTests",
            dependencies: [
                "MetricsEngine", "LookupCore", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
                // The reference MicrosHistogram is held to, value for value.
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "MetricsServerTests",
            dependencies: [
                "MetricsServer", "MetricsEngine", "EdgeHTTP", "LookupServer", "LookupCore", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "TrafficTests",
            dependencies: ["Traffic", "LookupCore", "MetricsEngine", "FaultCatalog", "LookupServer", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "MetricsEngine", "LookupCore", "FaultCatalog"]),
        .testTarget(name: "FaultCatalogTests", dependencies: ["FaultCatalog", "LookupCore"]),
        // Runs the built binary in tmux; depends on it so `swift test` builds it first.
        .testTarget(
            name: "DashboardEndToEndTests",
            dependencies: [
                "edgewatch", "TestSupport", "DemoWorld", "MetricsServer", "MetricsEngine", "LookupCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(name: "SampleScenariosTests", dependencies: ["SampleScenarios", "MetricsEngine", "LookupCore"]),
        .testTarget(
            name: "LookupServerTests",
            dependencies: [
                "AccessControl", "LookupCore", "EdgeHTTP", "LookupServer", "CRMSimulator", "FaultCatalog", "TestSupport", "MetricsEngine", "DemoWorld",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "AccessControlTests",
            dependencies: ["AccessControl", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "CRMSimulatorTests",
            dependencies: ["CRMSimulator", "FaultCatalog", "DemoWorld", "LookupCore", "EdgeHTTP", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .testTarget(
            name: "EdgewatchKitTests",
            dependencies: ["EdgewatchKit", "Console", "CRMSimulator", "FaultCatalog", "LookupCore", "MetricsEngine", "MetricsServer", "EdgeHTTP", "TestSupport",
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
