extension SequenceModel {
    /// The same weights over another item table of the same dimension: how a retrain warm-starts
    /// the RNN when the graph model of the new generation re-embedded the items (the item count
    /// may have grown; the weights do not depend on it).
    ///
    /// - Throws: ``ModelError`` when the dimensions differ.
    public func replacingItems(_ items: ItemEmbeddingTable) throws -> SequenceModel {
        guard items.dimension == self.items.dimension else {
            throw ModelError(
                .invalidInput, "item dimension \(items.dimension) differs from the model's \(self.items.dimension)")
        }
        return SequenceModel(
            configuration: configuration, items: items, layout: layout, parameters: parameters,
            trainedEpochs: trainedEpochs, dataFingerprint: dataFingerprint)
    }
}
