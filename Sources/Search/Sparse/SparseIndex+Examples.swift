extension SparseIndex {
    /// The `limit` stored vectors allowed by `filter` with the highest `score`, best first: a full
    /// scan that gives `score` each vector's dot product with every example, in the examples' order
    /// (0 when they share no index, as Qdrant scores example-based queries). Ties go to the lower id.
    public func scoreByExamples<F: CandidateFilter>(
        _ examples: [SparseVector], limit: Int, filter: F, score: (UnsafeBufferPointer<Float>) -> Float
    ) -> [SearchHit] {
        let sortedExamples = examples.map { $0.isSortedByIndex ? $0 : $0.sorted() }
        var best = TopScores(limit: limit)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(examples.count, 1)) { similarities in
            forEachStored { id, stored in
                guard filter.allows(id) else { return }
                for (e, example) in sortedExamples.enumerated() {
                    similarities[e] = stored.isSortedByIndex ? Float(example.sortedDot(stored)) : Float(example.dot(stored))
                }
                best.offer(id, score(UnsafeBufferPointer(rebasing: similarities[0..<sortedExamples.count])))
            }
        }
        return best.hits
    }
}

extension SparseVector {
    /// Whether the indices ascend (what `sortedDot` needs).
    public var isSortedByIndex: Bool {
        zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }
    }

    /// The dot product of two vectors whose indices ascend, by merging them (summed in Double).
    public func sortedDot(_ other: SparseVector) -> Double {
        var i = 0, j = 0, sum = 0.0
        while i < indices.count, j < other.indices.count {
            if indices[i] == other.indices[j] {
                sum += Double(values[i] * other.values[j])
                i += 1
                j += 1
            } else if indices[i] < other.indices[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }
}
