extension Duration {
    /// The duration in seconds as a `Double` (for rates, progress lines and metrics).
    @inlinable public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
