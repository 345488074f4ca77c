#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Popularity as an exponentially decayed play count in event time — the one implementation
/// behind the music pipeline's popularity stage and the HTTP API's popularity fallback.
///
/// ```
/// score(item) = Σ over plays p of item: 2^((t_p − t_ref) / halfLife)
/// ```
/// stored relative to a reference time `t_ref` that moves forward (with every score rescaled)
/// when the weights grow large, so scores never overflow. It depends only on the plays and their
/// times, so it is rebuilt exactly from the stored history.
public struct DecayedPopularity: Sendable {
    /// Scores relative to ``referenceMs``, by item index.
    public private(set) var scores: [Double] = []
    /// The reference time of ``scores`` (nil before the first play).
    public private(set) var referenceMs: Int64?
    /// The newest play seen.
    public private(set) var newestMs: Int64?
    public let halfLifeMs: Double

    public init(halfLifeHours: Double) { halfLifeMs = halfLifeHours * 3_600_000 }

    /// Forgets every play.
    public mutating func removeAll() {
        scores.removeAll(keepingCapacity: true)
        referenceMs = nil
        newestMs = nil
    }

    /// Counts a play of `item` at event time `timestampMs`.
    public mutating func add(item: Int32, timestampMs: Int64) {
        let index = Int(item)
        if index >= scores.count { scores.append(contentsOf: repeatElement(0, count: index + 1 - scores.count)) }
        let reference = referenceMs ?? timestampMs
        if referenceMs == nil { referenceMs = timestampMs }
        newestMs = max(newestMs ?? timestampMs, timestampMs)
        var weight = Self.exp2((Double(timestampMs) - Double(reference)) / halfLifeMs)
        if weight > 1e12 {
            // Move the reference forward: rescale every score so the weights stay small.
            let scale = 1 / weight
            for position in scores.indices { scores[position] *= scale }
            referenceMs = timestampMs
            weight = 1
        }
        scores[index] += weight
    }

    /// What a stored score is worth at `atMs`: 2^((t_ref − atMs) / halfLife).
    public func decayFactor(at atMs: Int64) -> Double {
        guard let referenceMs else { return 0 }
        return Self.exp2((Double(referenceMs) - Double(atMs)) / halfLifeMs)
    }

    /// The decayed play count of an item as seen at event time `atMs`.
    public func score(of item: Int32, at atMs: Int64) -> Double {
        guard Int(item) < scores.count else { return 0 }
        return scores[Int(item)] * decayFactor(at: atMs)
    }

    private static func exp2(_ x: Double) -> Double { pow(2, x) }
}
