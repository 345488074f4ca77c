import EncoreCore
import EncoreSimulation

/// Scores the baselines' outputs against the simulator's ground truth, each beside a naive
/// alternative computed in the same run.
public enum BaselineEvaluation {
    /// How good the recommendations were.
    public struct RecommendationQuality: Sendable {
        public var messages = 0
        /// Share of recommendations of which the user played at least one track in the next 24 h.
        public var hitRate = 0.0
        /// The same for K uniformly random tracks (seeded), the naive alternative.
        public var randomHitRate = 0.0
        /// Mean ground-truth relevance (taste affinity at that time) of the recommended tracks.
        public var meanRelevance = 0.0
        public var randomMeanRelevance = 0.0
    }

    /// How good the notification decisions were.
    public struct DecisionQuality: Sendable {
        public var requests = 0
        public var sends = 0
        public var delayed = 0
        public var suppressed = 0
        /// Σ ground-truth p(open) over the policy's sends, each given the user's earlier sends.
        public var expectedOpens = 0.0
        public var capViolations = 0
        /// "Send immediately": every request sent at its time.
        public var immediateSends = 0
        public var immediateExpectedOpens = 0.0
        public var immediateCapViolations = 0
        public var opensPerSend: Double { sends == 0 ? 0 : expectedOpens / Double(sends) }
        public var immediateOpensPerSend: Double {
            immediateSends == 0 ? 0 : immediateExpectedOpens / Double(immediateSends)
        }
    }

    /// Scores recommendations: a hit is a play of any recommended track by that user within
    /// `horizonMs` after the recommendation's event time.
    ///
    /// - Parameter plays: every listen of the run, per user, in time order.
    public static func recommendations(
        _ recommendations: [Recommendation], plays: [UserID: [(timestampMs: Int64, track: TrackID)]],
        truth: GroundTruth, horizonMs: Int64 = 86_400_000, seed: UInt64 = 11
    ) -> RecommendationQuality {
        var quality = RecommendationQuality()
        var random = SeededGenerator(seed: seed)
        let catalogue = truth.catalogue.tracks
        var relevanceSum = 0.0, relevanceCount = 0
        var randomRelevanceSum = 0.0
        var hits = 0, randomHits = 0
        for recommendation in recommendations where !recommendation.items.isEmpty {
            quality.messages += 1
            let upcoming = future(plays[recommendation.userID] ?? [], after: recommendation.timestampMs, horizonMs: horizonMs)
            let recommended = Set(recommendation.items.map(\.trackID))
            if upcoming.contains(where: { recommended.contains($0) }) { hits += 1 }
            var randomTracks = Set<TrackID>()
            while randomTracks.count < min(recommendation.items.count, catalogue.count) {
                randomTracks.insert(catalogue[random.nextInt(below: catalogue.count)].trackID)
            }
            if upcoming.contains(where: { randomTracks.contains($0) }) { randomHits += 1 }
            for item in recommendation.items {
                relevanceSum += truth.relevance(user: recommendation.userID, track: item.trackID, atMs: recommendation.timestampMs)
                relevanceCount += 1
            }
            for track in randomTracks {
                randomRelevanceSum += truth.relevance(user: recommendation.userID, track: track, atMs: recommendation.timestampMs)
            }
        }
        if quality.messages > 0 {
            quality.hitRate = Double(hits) / Double(quality.messages)
            quality.randomHitRate = Double(randomHits) / Double(quality.messages)
        }
        if relevanceCount > 0 {
            quality.meanRelevance = relevanceSum / Double(relevanceCount)
            quality.randomMeanRelevance = randomRelevanceSum / Double(relevanceCount)
        }
        return quality
    }

    /// Scores decisions against "send immediately" on the same requests.
    ///
    /// - Parameters:
    ///   - decisions: the policy's decisions.
    ///   - requests: every request of the run (for the immediate policy).
    ///   - dailyCap: the cap to check for violations (sends in any 24 hours).
    public static func decisions(
        _ decisions: [NotificationDecision], requests: [NotificationRequest], truth: GroundTruth, dailyCap: Int
    ) -> DecisionQuality {
        var quality = DecisionQuality()
        quality.requests = requests.count
        var policySends: [UserID: [Int64]] = [:]
        for decision in decisions {
            switch decision.action {
            case .send, .delay:
                if decision.action == .delay { quality.delayed += 1 }
                if let sendAt = decision.sendAtMs { policySends[decision.userID, default: []].append(sendAt) }
            case .suppress: quality.suppressed += 1
            }
        }
        var immediateSends: [UserID: [Int64]] = [:]
        for request in requests { immediateSends[request.userID, default: []].append(request.timestampMs) }
        (quality.sends, quality.expectedOpens, quality.capViolations) = score(policySends, truth: truth, dailyCap: dailyCap)
        (quality.immediateSends, quality.immediateExpectedOpens, quality.immediateCapViolations) =
            score(immediateSends, truth: truth, dailyCap: dailyCap)
        return quality
    }

    private static func score(
        _ sends: [UserID: [Int64]], truth: GroundTruth, dailyCap: Int
    ) -> (count: Int, expectedOpens: Double, capViolations: Int) {
        var count = 0, violations = 0
        var opens = 0.0
        for (user, times) in sends {
            let sorted = times.sorted()
            for (index, time) in sorted.enumerated() {
                count += 1
                opens += truth.openProbability(user: user, atMs: time, recentSendTimesMs: Array(sorted[..<index]))
                // Sends in the 24 hours ending at this one, itself included.
                let window = sorted[...index].reversed().prefix { time - $0 < 86_400_000 }.count
                if window > dailyCap { violations += 1 }
            }
        }
        return (count, opens, violations)
    }

    private static func future(
        _ plays: [(timestampMs: Int64, track: TrackID)], after start: Int64, horizonMs: Int64
    ) -> ArraySlice<TrackID> {
        // Binary search for the first play after `start`.
        var low = 0, high = plays.count
        while low < high {
            let middle = (low + high) / 2
            if plays[middle].timestampMs <= start { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < plays.count, plays[end].timestampMs <= start + horizonMs { end += 1 }
        return plays[low..<end].map(\.track)[...]
    }
}
