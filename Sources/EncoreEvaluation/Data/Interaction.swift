/// One observed (user, item, time) interaction with dense indices.
///
/// This is the in-memory interchange form: the SQLite store and the file loaders both produce
/// lists of these, and ``InteractionSplitter`` turns them into train and test matrices.
public struct Interaction: Sendable, Hashable, Codable {
    /// Dense user index.
    public var user: Int32
    /// Dense item index.
    public var item: Int32
    /// Event time in seconds or milliseconds since the epoch (only the order matters).
    public var timestamp: Int64

    /// Creates an interaction.
    public init(user: Int32, item: Int32, timestamp: Int64 = 0) {
        self.user = user
        self.item = item
        self.timestamp = timestamp
    }
}
