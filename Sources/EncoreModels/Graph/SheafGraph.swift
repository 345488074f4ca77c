import EncoreNumerics

/// The bipartite training graph as the sheaf layers use it: one undirected edge e per training
/// pair (u, i), numbered in R's CSR order, and a symmetric node adjacency (users `0..<M`, then
/// items `M..<M+N`) whose entries carry the neighbour and the edge number.
///
/// A user row lists its edges in R order; an item row lists its edges by ascending user. No
/// self-loops; a node without edges has an empty row.
public struct SheafGraph: Sendable {
    /// Number of users M.
    public let userCount: Int
    /// Number of items N.
    public let itemCount: Int
    /// User node of each edge.
    public let edgeUser: [Int32]
    /// Item node of each edge (already offset by M).
    public let edgeItem: [Int32]
    /// Row offsets of the node adjacency (M + N + 1).
    public let offsets: [Int]
    /// Neighbour node of each adjacency entry.
    public let neighbours: [Int32]
    /// Edge number of each adjacency entry.
    public let edges: [Int32]

    /// Number of nodes M + N.
    public var nodeCount: Int { userCount + itemCount }
    /// Number of undirected edges |E|.
    public var edgeCount: Int { edgeUser.count }

    /// Builds the graph from a binary user × item matrix (stored values are ignored).
    public init(interactions r: SparseMatrix) {
        let m = r.rows, n = r.columns
        userCount = m
        itemCount = n
        var users = [Int32](), items = [Int32]()
        users.reserveCapacity(r.nonzeroCount)
        items.reserveCapacity(r.nonzeroCount)
        for u in 0..<m {
            for item in r.columns(inRow: u) {
                users.append(Int32(u))
                items.append(Int32(m) + item)
            }
        }
        edgeUser = users
        edgeItem = items
        var offsets = [Int](repeating: 0, count: m + n + 1)
        for u in 0..<m { offsets[u + 1] = r.rowLength(u) }
        for item in items { offsets[Int(item) + 1] += 1 }
        for s in 0..<(m + n) { offsets[s + 1] += offsets[s] }
        var cursor = offsets
        var neighbours = [Int32](repeating: 0, count: 2 * users.count)
        var edges = [Int32](repeating: 0, count: 2 * users.count)
        for e in 0..<users.count {
            let u = Int(users[e]), i = Int(items[e])
            neighbours[cursor[u]] = Int32(i)
            edges[cursor[u]] = Int32(e)
            cursor[u] += 1
            neighbours[cursor[i]] = Int32(u)
            edges[cursor[i]] = Int32(e)
            cursor[i] += 1
        }
        self.offsets = offsets
        self.neighbours = neighbours
        self.edges = edges
    }
}
