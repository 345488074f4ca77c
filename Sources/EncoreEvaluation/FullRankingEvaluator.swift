import EncoreNumerics

/// Full-ranking evaluation, exactly the LightGCN protocol.
///
/// For every user with at least one test item: score all items, set the user's training
/// items to −∞, take the top-K by partial selection (ties toward the lower item index), and
/// compute recall, NDCG and precision (``RankingMetrics``). The report is the plain mean over
/// those users. Users are scored in blocks (one `sgemm` per block for embedding models) and
/// the blocks are split across threads; per-user results are summed in user order, so the
/// report does not depend on the thread count.
public struct FullRankingEvaluator: Sendable {
    /// The cut-off K.
    public var k: Int
    /// Users scored per block.
    public var blockSize: Int
    /// Worker threads.
    public var threads: Int

    /// Creates an evaluator.
    public init(k: Int = 20, blockSize: Int = 256, threads: Int = 1) {
        precondition(k > 0 && blockSize > 0 && threads > 0, "k, blockSize and threads must be positive")
        self.k = k
        self.blockSize = blockSize
        self.threads = threads
    }

    /// Evaluates a scorer on a data set.
    ///
    /// - Parameters:
    ///   - scorer: Scores all items for a block of users.
    ///   - train: Training interactions (masked out of the ranking).
    ///   - test: Test interactions (the relevant items).
    ///   - users: The users to evaluate; `nil` means every user with a test item.
    public func evaluate(scorer: some RankingScorer, train: SparseMatrix, test: SparseMatrix, users: [Int32]? = nil)
        -> EvaluationReport
    {
        precondition(train.rows == test.rows && train.columns == test.columns, "train and test shapes differ")
        precondition(scorer.itemCount == train.columns, "scorer has \(scorer.itemCount) items, data \(train.columns)")
        let evaluated = (users ?? (0..<test.rows).map(Int32.init)).filter { test.rowLength(Int($0)) > 0 }
        guard !evaluated.isEmpty else { return EvaluationReport(k: k, recall: 0, ndcg: 0, precision: 0, userCount: 0) }
        let itemCount = train.columns
        var perUser = [RankingMetrics](
            repeating: RankingMetrics(recall: 0, ndcg: 0, precision: 0), count: evaluated.count)
        let blockCount = (evaluated.count + blockSize - 1) / blockSize
        let k = self.k, blockSize = self.blockSize
        perUser.withUnsafeMutableBufferPointer { results in
            evaluated.withUnsafeBufferPointer { userList in
                let box = UncheckedSendableBox((results, userList))
                parallelFor(count: blockCount, threads: threads) { blocks in
                    let (results, userList) = box.value
                    var selector = TopKSelector(k: k)
                    var scores = [Float](repeating: 0, count: blockSize * itemCount)
                    var top = [Int32](repeating: 0, count: k)
                    scores.withUnsafeMutableBufferPointer { scoreBuffer in
                        top.withUnsafeMutableBufferPointer { topBuffer in
                            for block in blocks {
                                let start = block * blockSize
                                let end = min(start + blockSize, userList.count)
                                let blockUsers = UnsafeBufferPointer(rebasing: userList[start..<end])
                                scorer.scores(users: blockUsers, into: scoreBuffer)
                                for (row, user) in blockUsers.enumerated() {
                                    let rowScores = UnsafeMutableBufferPointer(
                                        rebasing: scoreBuffer[(row * itemCount)..<((row + 1) * itemCount)])
                                    for item in train.columns(inRow: Int(user)) { rowScores[Int(item)] = -.infinity }
                                    let found = selector.select(UnsafeBufferPointer(rowScores), into: topBuffer)
                                    results[start + row] = RankingMetrics.compute(
                                        ranked: topBuffer.prefix(found), relevant: test.columns(inRow: Int(user)), k: k)
                                }
                            }
                        }
                    }
                }
            }
        }
        var recall = 0.0, ndcg = 0.0, precision = 0.0
        for metrics in perUser {
            recall += metrics.recall
            ndcg += metrics.ndcg
            precision += metrics.precision
        }
        let n = Double(evaluated.count)
        return EvaluationReport(
            k: k, recall: recall / n, ndcg: ndcg / n, precision: precision / n, userCount: evaluated.count)
    }
}
