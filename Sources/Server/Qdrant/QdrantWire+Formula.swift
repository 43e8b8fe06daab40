import CollectionStore
import JSON

/// The wire form of Qdrant's score-boosting formulas (`{"formula": expression, "defaults": {…}}`).
extension QdrantWire {
    static func scoreFormula(_ value: JSONValue, defaults: JSONValue?, _ field: String) throws -> ScoreFormula {
        var fallbacks: [String: JSONValue] = [:]
        switch defaults {
        case nil, .null?: break
        case .object(let fields)?: fallbacks = fields
        default: throw QdrantError.format("defaults: expected an object of variable names and values")
        }
        return ScoreFormula(expression: try scoreExpression(value, field, depth: 1), defaults: fallbacks)
    }

    /// `{"target": example, "feedback": [{"example", "score"}], "strategy": {"naive": {"a", "b", "c"}}}`.
    static func relevanceFeedback(_ fields: [String: JSONValue], _ field: String) throws -> RelevanceFeedback {
        guard let target = fields["target"], target != .null else { throw QdrantError.format("\(field): missing field `target`") }
        guard case .array(let items)? = fields["feedback"] else { throw QdrantError.format("\(field): missing field `feedback` (a list)") }
        let feedback = try items.enumerated().map { n, item in
            let entry = try object(item, "\(field).feedback[\(n)]")
            guard let example = entry["example"], example != .null else { throw QdrantError.format("\(field).feedback[\(n)]: missing field `example`") }
            guard let score = try entry["score"].flatMap({ $0 == .null ? nil : try float($0, "\(field).feedback[\(n)].score") }) else {
                throw QdrantError.format("\(field).feedback[\(n)]: missing field `score`")
            }
            return RelevanceFeedback.Item(example: try self.example(example, "\(field).feedback[\(n)].example"), score: score)
        }
        guard let strategy = fields["strategy"], case .object(let kinds) = strategy, let naive = kinds["naive"] else {
            throw QdrantError.format("\(field).strategy: expected {\"naive\": {\"a\", \"b\", \"c\"}}")
        }
        let params = try object(naive, "\(field).strategy.naive")
        func coefficient(_ name: String) throws -> Float {
            guard let value = try params[name].flatMap({ $0 == .null ? nil : try float($0, "\(field).strategy.naive.\(name)") }) else {
                throw QdrantError.format("\(field).strategy.naive: missing field `\(name)`")
            }
            return value
        }
        return RelevanceFeedback(target: try example(target, "\(field).target"), feedback: feedback,
                                 a: try coefficient("a"), b: try coefficient("b"), c: try coefficient("c"))
    }

    /// The unary operators, by their wire names.
    private static func unary(_ name: String) -> (@Sendable (ScoreExpression) -> ScoreExpression)? {
        switch name {
        case "neg": ScoreExpression.neg
        case "abs": ScoreExpression.abs
        case "sqrt": ScoreExpression.sqrt
        case "exp": ScoreExpression.exp
        case "log10": ScoreExpression.log10
        case "ln": ScoreExpression.ln
        default: nil
        }
    }

    static func scoreExpression(_ value: JSONValue, _ field: String, depth: Int) throws -> ScoreExpression {
        guard depth <= ScoreExpression.maxDepth else {
            throw QdrantError.badRequest("\(field): formula nested deeper than \(ScoreExpression.maxDepth) levels")
        }
        switch value {
        case .int, .uint, .double:
            guard let number = value.numberValue, number.isFinite else { throw QdrantError.format("\(field): expected a finite number") }
            return .constant(number)
        case .string(let name):
            return try variable(name, field)
        case .object(let fields):
            let next = depth + 1
            if fields.count == 1, let (name, operand) = fields.first {
                if let make = unary(name) { return make(try scoreExpression(operand, "\(field).\(name)", depth: next)) }
                switch name {
                case "mult", "sum":
                    guard case .array(let items) = operand else { throw QdrantError.format("\(field).\(name): expected a list of expressions") }
                    let terms = try items.enumerated().map { try scoreExpression($1, "\(field).\(name)[\($0)]", depth: next) }
                    return name == "mult" ? .mult(terms) : .sum(terms)
                case "div":
                    let div = try object(operand, "\(field).div")
                    return .div(left: try required(div, "left", "\(field).div", depth: next),
                                right: try required(div, "right", "\(field).div", depth: next),
                                byZeroDefault: try finite(div["by_zero_default"], "\(field).div.by_zero_default"))
                case "pow":
                    let pow = try object(operand, "\(field).pow")
                    return .pow(base: try required(pow, "base", "\(field).pow", depth: next),
                                exponent: try required(pow, "exponent", "\(field).pow", depth: next))
                case "geo_distance":
                    let geo = try object(operand, "\(field).geo_distance")
                    guard let origin = geo["origin"], let lon = origin["lon"]?.numberValue, let lat = origin["lat"]?.numberValue else {
                        throw QdrantError.format("\(field).geo_distance.origin: expected {\"lon\", \"lat\"}")
                    }
                    guard let to = try string(geo["to"], "\(field).geo_distance.to") else {
                        throw QdrantError.format("\(field).geo_distance: missing field `to`")
                    }
                    return .geoDistance(origin: GeoPoint(lon: lon, lat: lat), key: try payloadKey(to, "\(field).geo_distance.to"))
                case "datetime":
                    guard case .string(let text) = operand, let micros = DateTime.microseconds(text) else {
                        throw QdrantError.format("\(field).datetime: expected an RFC 3339 datetime string")
                    }
                    return .datetime(Double(micros) / 1_000_000)
                case "datetime_key":
                    guard case .string(let key) = operand else { throw QdrantError.format("\(field).datetime_key: expected a payload key") }
                    return .datetimeKey(try payloadKey(key, "\(field).datetime_key"))
                default:
                    if let kind = ScoreExpression.DecayKind(rawValue: name) {
                        let params = try object(operand, "\(field).\(name)")
                        return .decay(kind, x: try required(params, "x", "\(field).\(name)", depth: next),
                                      target: try params["target"].flatMap { $0 == .null ? nil : try scoreExpression($0, "\(field).\(name).target", depth: next) },
                                      midpoint: try finite(params["midpoint"], "\(field).\(name).midpoint"),
                                      scale: try finite(params["scale"], "\(field).\(name).scale"))
                    }
                }
            }
            // Anything else is a condition, as in a filter's `must`.
            return .condition(try decodeFilter(.object(["must": .array([value])])))
        default:
            throw QdrantError.format("\(field): expected a number, a variable, a condition or an expression object")
        }
    }

    /// `$score`, `$score[i]`, or a payload key.
    private static func variable(_ name: String, _ field: String) throws -> ScoreExpression {
        guard name.hasPrefix("$score") else { return .variable(try payloadKey(name, field)) }
        let rest = name.dropFirst("$score".count)
        if rest.isEmpty { return .score(index: 0) }
        guard rest.first == "[", rest.last == "]", let index = Int(rest.dropFirst().dropLast()), index >= 0 else {
            throw QdrantError.format("\(field): invalid score pattern `\(name)` (expected $score or $score[i])")
        }
        return .score(index: index)
    }

    private static func payloadKey(_ key: String, _ field: String) throws -> String {
        guard PayloadPath(key) != nil else { throw QdrantError.format("\(field): `\(key)` is not a valid payload key") }
        return key
    }

    private static func required(_ fields: [String: JSONValue], _ key: String, _ field: String, depth: Int) throws -> ScoreExpression {
        guard let value = fields[key], value != .null else { throw QdrantError.format("\(field): missing field `\(key)`") }
        return try scoreExpression(value, "\(field).\(key)", depth: depth)
    }

    private static func finite(_ value: JSONValue?, _ field: String) throws -> Double? {
        switch value {
        case nil, .null?: return nil
        case let number?:
            guard let d = number.numberValue, d.isFinite else { throw QdrantError.format("\(field): expected a finite number") }
            return d
        }
    }
}
