extension HNSWSnapshot {
    /// Assembles a snapshot from its parts (as a persistence layer reads them back).
    /// `HNSWIndex.restore` checks the parts for consistency.
    public static func assemble(
        dimension: Int, metric: DistanceMetric, configuration: HNSWConfiguration, entryPoint: UInt32, maxLevel: Int, idBound: Int,
        states: [UInt8], levels: [UInt8], vectors: [Float], level0Links: [UInt32], upperLinks: [UInt32], quantizerRange: [Float]
    ) -> HNSWSnapshot {
        HNSWSnapshot(
            dimension: dimension, metric: metric, configuration: configuration, entryPoint: entryPoint, maxLevel: maxLevel,
            idBound: idBound, states: states, levels: levels, vectors: vectors, level0Links: level0Links,
            upperLinks: upperLinks, quantizerRange: quantizerRange
        )
    }
}
