import EncoreNumerics

/// The parts every trained graph model shares: the epoch loop behind
/// ``BatchRecommender/fit(interactions:configuration:warmStart:observer:)`` and dot-product scoring
/// from a table whose rows are the users' vectors followed by the items'.
enum GraphTrainingLoop {
    /// Runs `epochs` epochs of `trainEpoch`, reporting each to `observer` (which may stop early),
    /// and returns the trained model.
    static func run<Model>(
        epochs: Int, trainEpoch: () -> (loss: Double, seconds: Double, triplets: Int), model: @escaping () -> Model,
        observer: (TrainingProgress, () -> Model) throws -> TrainingDecision
    ) rethrows -> Model {
        for epoch in stride(from: 1, through: epochs, by: 1) {
            let result = trainEpoch()
            let progress = TrainingProgress(
                epoch: epoch, epochCount: epochs, loss: result.loss, seconds: result.seconds, examples: result.triplets)
            if try observer(progress, model) == .stop { break }
        }
        return model()
    }

    /// Writes `users.count × itemCount` scores e_uᵀ e_i with one `sgemm`: `users` index the first
    /// `userCount` rows of `users table`, and the items are the rows of `items` (row-major, `width` wide).
    static func scores(
        users: UnsafeBufferPointer<Int32>, userTable: UnsafeBufferPointer<Float>, userCount: Int,
        items: UnsafePointer<Float>, itemCount: Int, width: Int, into output: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(output.count >= users.count * itemCount, "score buffer too small")
        guard !users.isEmpty, itemCount > 0 else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: users.count * width) { block in
            for (row, user) in users.enumerated() {
                precondition(user >= 0 && Int(user) < userCount, "user \(user) out of range")
                (block.baseAddress! + row * width).update(from: userTable.baseAddress! + Int(user) * width, count: width)
            }
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: users.count, n: itemCount, k: width, alpha: 1,
                a: block.baseAddress!, lda: width, b: items, ldb: width, beta: 0, c: output.baseAddress!, ldc: itemCount)
        }
    }
}
