/// Where a generation of the ``ModelRegistry`` stands.
///
/// The raw values are the text stored in the `model_registry.status` column (unchanged since the
/// column was strings), so stores written before this type existed read as before.
public enum ModelStatus: String, Sendable, Codable, CaseIterable {
    /// Saved but never promoted.
    case candidate
    /// The generation serving requests (at most one per model name).
    case promoted
    /// Served before and was replaced or rolled back.
    case retired
}
