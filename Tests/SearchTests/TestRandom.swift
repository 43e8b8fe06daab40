import Search

/// Search's seeded generator, so property tests are reproducible.
typealias SeededRandom = SplitMix64
