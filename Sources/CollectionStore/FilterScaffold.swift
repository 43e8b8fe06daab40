// TEMPORARY: replaced by the payload filter model when the filter branch merges.
public struct Filter: Sendable {
    public let predicate: @Sendable (PointID, [String: JSONValue]) -> Bool
    public init(_ predicate: @escaping @Sendable (PointID, [String: JSONValue]) -> Bool) { self.predicate = predicate }
    func matches(id: PointID, payload: [String: JSONValue]) -> Bool { predicate(id, payload) }
}
