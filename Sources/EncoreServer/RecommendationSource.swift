import EncoreCore

/// Where `/v1/users/{id}/recommendations` gets its answers: the serving model's view of a user.
///
/// The composition root (EncoreApp) plugs the stages' on-demand answers in here: the RNN's live
/// state under the promoted generation, else the popularity baseline rebuilt from the store.
public protocol RecommendationSource: Sendable {
    /// The top `k` tracks for `user` at the user's newest event time.
    ///
    /// - Parameters:
    ///   - user: the external user id.
    ///   - k: how many tracks, at least 1 (the route validates it).
    /// - Returns: the recommendation, or `nil` when the user is unknown.
    func recommendations(for user: UserID, k: Int) async throws -> Recommendation?
}
