extension SequenceModel {
    /// The same weights over another item table of the same dimension: how a retrain warm-starts
    /// the RNN when the graph model of the new generation re-embedded the items (the item count
    /// may have grown; the recurrent weights do not depend on it). Items keep their output bias;
    /// new items start at the mean bias of the old ones.
    ///
    /// - Throws: ``ModelError`` when the dimensions differ.
    public func replacingItems(_ items: ItemEmbeddingTable) throws -> SequenceModel {
        guard items.dimension == self.items.dimension else {
            throw ModelError(
                .invalidInput, "item dimension \(items.dimension) differs from the model's \(self.items.dimension)")
        }
        let layout = SequenceParameterLayout(
            inputWidth: self.layout.inputWidth, hiddenSize: self.layout.hiddenSize, dimension: self.layout.dimension,
            itemCount: items.itemCount)
        var parameters = Array(self.parameters[0..<self.layout.itemBias])
        let oldBias = self.parameters[self.layout.itemBias...]
        let mean = oldBias.isEmpty ? 0 : oldBias.reduce(0, +) / Float(oldBias.count)
        for item in 0..<items.itemCount {
            parameters.append(item < oldBias.count ? oldBias[self.layout.itemBias + item] : mean)
        }
        return SequenceModel(
            configuration: configuration, items: items, layout: layout, parameters: parameters,
            trainedEpochs: trainedEpochs, dataFingerprint: dataFingerprint)
    }
}
