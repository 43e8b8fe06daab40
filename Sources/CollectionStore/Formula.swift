import Foundation
import JSON

/// Qdrant's score-boosting formula (`{"formula": …, "defaults": {…}}`): an expression over the
/// prefetch scores, payload values and conditions that re-scores the prefetch candidates.
///
/// Semantics are Qdrant's and qdrant-client's local mode's:
/// - a number is a constant; a string is a variable: `$score` / `$score[i]` is the score the point
///   got from prefetch i (0 when the point is not in that prefetch, or `defaults["$score[i]"]`),
///   any other string a payload key whose value must be a number (a one-element array counts as
///   its element; a missing key takes `defaults[key]`, and without one the query fails);
/// - a condition (anything a filter's `must` holds) is 1 when the point matches it, else 0;
/// - `mult` stops at the first factor that is 0; `div` is `left` when `left` is 0, and
///   `by_zero_default` (else an error) when `right` is 0;
/// - every operation that would give an infinite or NaN number fails the query with Qdrant's
///   "The expression … produced a non-finite number", as does a final score that does not fit a float;
/// - `datetime` and `datetime_key` are seconds since the Unix epoch; `geo_distance` is metres
///   (haversine, as `geo_radius`);
/// - decays map `|x − target|` into (0, 1]: `midpoint` (0 < m < 1, default 0.5) at distance `scale`
///   (> 0, default 1); `target` defaults to 0.
public struct ScoreFormula: Sendable, Equatable {
    public var expression: ScoreExpression
    public var defaults: [String: JSONValue]

    public init(expression: ScoreExpression, defaults: [String: JSONValue] = [:]) {
        self.expression = expression
        self.defaults = defaults
    }
}

/// One node of a score formula.
public indirect enum ScoreExpression: Sendable, Equatable {
    case constant(Double)
    /// The score from prefetch `index` (`$score[index]`).
    case score(index: Int)
    /// A number read from the payload at this key.
    case variable(String)
    /// 1 when the point matches, else 0 (a filter of one `must` condition).
    case condition(Filter)
    case mult([ScoreExpression])
    case sum([ScoreExpression])
    case neg(ScoreExpression)
    case abs(ScoreExpression)
    case div(left: ScoreExpression, right: ScoreExpression, byZeroDefault: Double?)
    case sqrt(ScoreExpression)
    case pow(base: ScoreExpression, exponent: ScoreExpression)
    case exp(ScoreExpression)
    case log10(ScoreExpression)
    case ln(ScoreExpression)
    /// Metres from `origin` to the geo point at `key`.
    case geoDistance(origin: GeoPoint, key: String)
    /// A datetime constant, in seconds since the epoch.
    case datetime(Double)
    /// The datetime at `key`, in seconds since the epoch.
    case datetimeKey(String)
    case decay(DecayKind, x: ScoreExpression, target: ScoreExpression?, midpoint: Double?, scale: Double?)

    public enum DecayKind: String, Sendable, Equatable, CaseIterable {
        case linear = "lin_decay"
        case exponential = "exp_decay"
        case gaussian = "gauss_decay"
    }

    /// The most nodes one formula may hold (it is evaluated once per candidate).
    public static let maxNodes = 1_000
    /// The deepest nesting a formula may have.
    public static let maxDepth = 32

    var children: [ScoreExpression] {
        switch self {
        case .constant, .score, .variable, .condition, .geoDistance, .datetime, .datetimeKey: []
        case .mult(let items), .sum(let items): items
        case .neg(let e), .abs(let e), .sqrt(let e), .exp(let e), .log10(let e), .ln(let e): [e]
        case .div(let left, let right, _): [left, right]
        case .pow(let base, let exponent): [base, exponent]
        case .decay(_, let x, let target, _, _): [x] + (target.map { [$0] } ?? [])
        }
    }
}

/// What a formula reads of one candidate point.
struct FormulaInput {
    var id: PointID
    var payload: [String: JSONValue]
    /// The point's score in each prefetch (nil: not among that prefetch's results).
    var scores: [Float?]
    var hasVector: (String) -> Bool
    var tokenizedKeys: Set<PayloadPath>
}

extension ScoreFormula {
    /// Checks what does not depend on a point: size, nesting, decay parameters, constants.
    func validate() throws(CollectionError) {
        var nodes = 0
        var pending = [(expression, 1)]
        while let (node, level) = pending.popLast() {
            nodes += 1
            guard nodes <= ScoreExpression.maxNodes else {
                throw CollectionError.invalid("formula: more than \(ScoreExpression.maxNodes) nodes")
            }
            guard level <= ScoreExpression.maxDepth else {
                throw CollectionError.invalid("formula: nested \(level) levels deep, at most \(ScoreExpression.maxDepth) allowed")
            }
            switch node {
            case .constant(let c) where !c.isFinite, .datetime(let c) where !c.isFinite:
                throw CollectionError.invalid("formula: constants must be finite numbers")
            case .div(_, _, let fallback?) where !fallback.isFinite:
                throw CollectionError.invalid("formula: div.by_zero_default must be a finite number")
            case .score(let index) where index < 0:
                throw CollectionError.invalid("formula: invalid score pattern `$score[\(index)]`")
            case .decay(let kind, _, _, let midpoint, let scale):
                if let midpoint, !(midpoint > 0 && midpoint < 1) {
                    throw CollectionError.invalid("formula: \(kind.rawValue).midpoint must be between 0 and 1, got \(midpoint)")
                }
                if let scale, !(scale > 0 && scale.isFinite) {
                    throw CollectionError.invalid("formula: \(kind.rawValue).scale must be a positive number, got \(scale)")
                }
            case .geoDistance(let origin, _) where !origin.isValid:
                throw CollectionError.invalid("formula: geo_distance.origin must have lon in [-180, 180] and lat in [-90, 90]")
            default:
                break
            }
            pending.append(contentsOf: node.children.map { ($0, level + 1) })
        }
    }

    /// The formula's value for one point, as a float (Qdrant scores are f32).
    func score(_ input: FormulaInput) throws(CollectionError) -> Float {
        let value = try evaluate(expression, input)
        let score = Float(value)
        guard score.isFinite else { throw Self.nonFinite("\(value) as f32 = \(score)") }
        return score
    }

    private func evaluate(_ expression: ScoreExpression, _ input: FormulaInput) throws(CollectionError) -> Double {
        switch expression {
        case .constant(let c):
            return c
        case .score(let index):
            if index < input.scores.count, let score = input.scores[index] { return Double(score) }
            let name = index == 0 ? "$score" : "$score[\(index)]"
            if let fallback = (defaults[name] ?? defaults["$score[\(index)]"])?.numberValue { return fallback }
            return 0
        case .variable(let key):
            let value = try payloadValue(key, input)
            guard let number = value.numberValue else {
                throw CollectionError.invalid("Expected number value for \(key) in the payload and/or in the formula defaults. Error: Value is not a number")
            }
            return number
        case .condition(let filter):
            return filter.matches(id: input.id, payload: input.payload, hasVector: input.hasVector, tokenizedKeys: input.tokenizedKeys) ? 1 : 0
        case .mult(let factors):
            var product = 1.0
            for factor in factors {
                let value = try evaluate(factor, input)
                if value == 0 { return value }
                product *= value
            }
            return product
        case .sum(let terms):
            var total = 0.0
            for term in terms { total += try evaluate(term, input) }
            return total
        case .neg(let e):
            return -(try evaluate(e, input))
        case .abs(let e):
            return Swift.abs(try evaluate(e, input))
        case .div(let left, let right, let byZeroDefault):
            let l = try evaluate(left, input)
            if l == 0 { return l }
            let r = try evaluate(right, input)
            if r == 0 {
                if let byZeroDefault { return byZeroDefault }
                throw Self.nonFinite("\(l)/\(r)")
            }
            let quotient = l / r
            guard quotient.isFinite else { throw Self.nonFinite("\(l)/\(r)") }
            return quotient
        case .sqrt(let e):
            let v = try evaluate(e, input)
            guard v >= 0 else { throw Self.nonFinite("√\(v)") }
            return v.squareRoot()
        case .pow(let baseExpression, let exponentExpression):
            let base = try evaluate(baseExpression, input)
            let exponent = try evaluate(exponentExpression, input)
            if base >= 0 || (base != 0 && exponent.rounded() == exponent) {
                let power = Foundation.pow(base, exponent)
                if power.isFinite { return power }
            }
            throw Self.nonFinite("\(base)^\(exponent)")
        case .exp(let e):
            let v = try evaluate(e, input)
            let result = Foundation.exp(v)
            guard result.isFinite else { throw Self.nonFinite("exp(\(v))") }
            return result
        case .log10(let e):
            let v = try evaluate(e, input)
            guard v > 0 else { throw Self.nonFinite("log10(\(v))") }
            return Foundation.log10(v)
        case .ln(let e):
            let v = try evaluate(e, input)
            guard v > 0 else { throw Self.nonFinite("ln(\(v))") }
            return Foundation.log(v)
        case .geoDistance(let origin, let key):
            guard let destination = GeoPoint(payload: try payloadValue(key, input)) else {
                throw CollectionError.invalid("Expected geo point for \(key) in the payload and/or in the formula defaults.")
            }
            return GeoRadius.distance(origin, destination)
        case .datetime(let seconds):
            return seconds
        case .datetimeKey(let key):
            guard case .string(let text) = try payloadValue(key, input), let micros = DateTime.microseconds(text) else {
                throw CollectionError.invalid("Expected datetime for \(key) in the payload and/or in the formula defaults.")
            }
            return Double(micros) / 1_000_000
        case .decay(let kind, let xExpression, let targetExpression, let midpointValue, let scaleValue):
            let x = try evaluate(xExpression, input)
            let target = try targetExpression.map { e throws(CollectionError) in try evaluate(e, input) } ?? 0
            let midpoint = midpointValue ?? 0.5
            let scale = scaleValue ?? 1
            let distance = Swift.abs(x - target)
            switch kind {
            case .linear:
                return Swift.max(0, 1 - (1 - midpoint) / scale * distance)
            case .exponential:
                return Foundation.exp(Foundation.log(midpoint) / scale * distance)
            case .gaussian:
                return Foundation.exp(Foundation.log(midpoint) / (scale * scale) * distance * distance)
            }
        }
    }

    /// The payload value at `key`: a lone value (a one-element array is its element), else the
    /// default for `key`; several values stand as an array (which is no number, datetime or point).
    private func payloadValue(_ key: String, _ input: FormulaInput) throws(CollectionError) -> JSONValue {
        var values: [JSONValue] = []
        if let path = PayloadPath(key) {
            path.forEachValue(in: input.payload) { value in
                if case .array(let elements) = value { values.append(contentsOf: elements) } else { values.append(value) }
            }
        }
        if values.isEmpty, let fallback = defaults[key] {
            if case .array(let elements) = fallback { values = elements } else { values = [fallback] }
        }
        switch values.count {
        case 0: throw CollectionError.invalid("No value found for \(key) in the payload nor the formula defaults")
        case 1: return values[0]
        default: return .array(values)
        }
    }

    static func nonFinite(_ expression: String) -> CollectionError {
        .invalid("The expression \(expression) produced a non-finite number")
    }
}
