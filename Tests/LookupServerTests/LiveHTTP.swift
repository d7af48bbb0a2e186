import Testing

/// The suites that run a real server on loopback and judge deadlines. They run one test at a
/// time: a deadline test beside a fuzzing barrage on two cores would measure the barrage.
@Suite("Live HTTP", .serialized)
enum LiveHTTP {}
