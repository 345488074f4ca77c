import EncoreCore

/// Where `/v1/users/{id}/recommendations` gets its answers: the serving model's view of a user.
///
/// The default is ``PopularityRecommendationSource`` (the popularity baseline, rebuilt from the
/// store); the sequence model plugs in here with its live state and promoted generation.
public protocol RecommendationSource: Sendable {
    /// The top `k` tracks for `user` at the user's newest event time.
    ///
    /// - Parameters:
    ///   - user: the external user id.
    ///   - k: how many tracks, at least 1 (the route validates it).
    /// - Returns: the recommendation, or `nil` when the user is unknown.
    func recommendations(for user: UserID, k: Int) async throws -> Recommendation?
}
