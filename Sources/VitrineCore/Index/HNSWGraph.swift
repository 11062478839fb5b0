import Foundation
import VitrineTensor

// HNSW (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
// Hierarchical Navigable Small World graphs", 2018) over the rows ("slots") of a VectorIndex.
//
// Every node has a random top layer (P(layer ≥ l) = m^-l); layer 0 holds every node with up to
// 2·m links, the layers above ever fewer nodes with up to m links. A query descends greedily from
// the single entry point through the upper layers and then runs a best-first search with a
// candidate list of `ef` on layer 0. Links are chosen by the paper's heuristic (Algorithm 4): a
// candidate is kept only when it is closer to the node than to every link already kept, which
// keeps links pointing in different directions.
//
// Similarity is the dot product of stored rows (cosine for unit rows; fp32 or fp16, see
// RowStorage); the graph itself holds no vectors, only slot numbers.
//
// Deletes: a deleted node becomes a tombstone — still walked through (its row stays), never
// returned. `repairTombstones` later relinks every node that pointed at a tombstone from its
// remaining links plus the tombstone's own links (the heuristic picks among them), then frees the
// tombstones' slots for reuse. Recall therefore does not decay after many deletes and re-adds.

/// Knobs of the approximate (HNSW) search of a `VectorIndex`. The defaults suit catalogs of
/// encoder vectors (hundreds to thousands of dimensions) up to millions of items.
public struct ApproximateSearchOptions: Sendable, Equatable {
    /// Links per node on the upper layers; layer 0 allows 2·m. Default 16.
    public var m: Int
    /// Candidate list size while inserting (build quality). Default 200.
    public var efConstruction: Int
    /// Candidate list size per query when the request does not name one (raised to the number of
    /// candidates a search needs). Default 64.
    public var efSearch: Int
    /// Indexes with fewer items than this keep no graph and search exactly (a full scan is as fast
    /// there). Default 20,000.
    public var bruteForceBelow: Int
    /// Seed of the layer draw, so the same inserts build the same graph.
    public var seed: UInt64
    /// false: never build a graph; every search is exact.
    public var enabled: Bool
    /// What the graph compares while it is built and walked: the rows as stored (default), or an int8
    /// copy of each row with its scale (`int8`: a quarter of fp32's bytes per distance, an extra byte per
    /// value in memory); search results are re-scored exactly either way.
    public var graphDistances: GraphDistances
    /// true (default): the insert that reaches `bruteForceBelow` builds the graph there and then.
    /// false: the owner builds it off the write path with `VectorIndex.withGraph()` and
    /// `adoptGraph(from:)` (the catalog does, in the background, so opening a big store stays fast);
    /// searches stay exact until then.
    public var buildsGraphInline: Bool

    /// Creates options with the documented defaults.
    public init(m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, bruteForceBelow: Int = 20_000,
                seed: UInt64 = 0x5EED_4E5, enabled: Bool = true, buildsGraphInline: Bool = true,
                graphDistances: GraphDistances = .stored) {
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.bruteForceBelow = bruteForceBelow
        self.seed = seed
        self.enabled = enabled
        self.buildsGraphInline = buildsGraphInline
        self.graphDistances = graphDistances
    }

    func validated() throws -> ApproximateSearchOptions {
        guard (2...256).contains(m) else { throw VitrineCoreError.invalidOption(name: "m", reason: "must be in 2...256, got \(m)") }
        guard efConstruction >= 1 else {
            throw VitrineCoreError.invalidOption(name: "efConstruction", reason: "must be ≥ 1, got \(efConstruction)")
        }
        guard efSearch >= 1 else { throw VitrineCoreError.invalidOption(name: "efSearch", reason: "must be ≥ 1, got \(efSearch)") }
        guard bruteForceBelow >= 0 else {
            throw VitrineCoreError.invalidOption(name: "bruteForceBelow", reason: "must be ≥ 0, got \(bruteForceBelow)")
        }
        return self
    }
}

/// The vectors an HNSW graph compares (see `ApproximateSearchOptions.graphDistances`).
public enum GraphDistances: String, Sendable, Equatable, CaseIterable {
    /// The index's rows as held (fp32 or fp16).
    case stored
    /// Symmetric per-row int8 codes (scale = max |value| / 127), dot products in int32.
    case int8
}

/// A node reached by a search, with its similarity to the query.
struct ScoredSlot {
    var similarity: Float
    var slot: Int32
}

/// The HNSW link structure over slots 0..<slotCount.
struct HNSWGraph: Sendable {
    let m: Int
    let baseDegree: Int
    let efConstruction: Int
    private let levelScale: Double
    private var random: SplitMix64

    /// Top layer of each slot; -1 = the slot is not in the graph.
    private(set) var levels: [Int8] = []
    /// Tombstones: in the graph (walked through) but deleted.
    private(set) var isDeleted: [Bool] = []
    /// Layer-0 links: `baseDegree` per slot, the first `baseCounts[slot]` valid.
    private var baseLinks: [Int32] = []
    private var baseCounts: [Int32] = []
    /// Links on layers 1...level of each slot (empty for the many nodes of layer 0 only).
    private var upperLinks: [[[Int32]]] = []
    /// Where every search starts: a node of the top layer (-1 while empty).
    private(set) var entry: Int32 = -1
    private(set) var topLevel = -1
    private(set) var tombstoneCount = 0
    private var scratch = VisitedSlots(count: 0)

    init(options: ApproximateSearchOptions) {
        m = options.m
        baseDegree = 2 * options.m
        efConstruction = options.efConstruction
        levelScale = 1 / log(Double(options.m))
        random = SplitMix64(seed: options.seed)
    }

    var slotCount: Int { levels.count }

    /// Grows the per-slot arrays to hold at least `slots` slots (by a quarter at a time, so
    /// inserting one slot after another stays amortized O(1)).
    mutating func reserve(slots: Int) {
        guard slots > levels.count else { return }
        let added = max(slots, levels.count + levels.count / 4 + 64) - levels.count
        levels.append(contentsOf: repeatElement(-1, count: added))
        isDeleted.append(contentsOf: repeatElement(false, count: added))
        baseCounts.append(contentsOf: repeatElement(0, count: added))
        baseLinks.append(contentsOf: repeatElement(-1, count: added * baseDegree))
        upperLinks.append(contentsOf: repeatElement([], count: added))
        scratch = VisitedSlots(count: levels.count)
    }

    // MARK: Links

    private func maxDegree(_ level: Int) -> Int { level == 0 ? baseDegree : m }

    /// Calls `body` for each link of `slot` on `level`.
    @inline(__always)
    private func forEachLink(of slot: Int32, level: Int, _ body: (Int32) -> Void) {
        if level == 0 {
            let start = Int(slot) * baseDegree, n = Int(baseCounts[Int(slot)])
            baseLinks.withUnsafeBufferPointer { links in
                for i in start ..< start + n { body(links[i]) }
            }
        } else {
            for link in upperLinks[Int(slot)][level - 1] { body(link) }
        }
    }

    func links(of slot: Int32, level: Int) -> [Int32] {
        var out: [Int32] = []
        forEachLink(of: slot, level: level) { out.append($0) }
        return out
    }

    private mutating func setLinks(of slot: Int32, level: Int, to chosen: [ScoredSlot]) {
        if level == 0 {
            let start = Int(slot) * baseDegree
            for (i, link) in chosen.prefix(baseDegree).enumerated() { baseLinks[start + i] = link.slot }
            baseCounts[Int(slot)] = Int32(min(chosen.count, baseDegree))
        } else {
            upperLinks[Int(slot)][level - 1] = chosen.prefix(m).map(\.slot)
        }
    }

    // MARK: Insert

    /// Adds `slot` (whose row is already in `rows`) to the graph.
    mutating func insert(_ slot: Int32, rows: SlotRows) {
        reserve(slots: Int(slot) + 1)
        let level = drawLevel()
        levels[Int(slot)] = Int8(level)
        isDeleted[Int(slot)] = false
        baseCounts[Int(slot)] = 0
        upperLinks[Int(slot)] = Array(repeating: [], count: level)
        guard entry >= 0 else {
            entry = slot
            topLevel = level
            return
        }
        let vector = rows.vector(slot)
        vector.withUnsafeBufferPointer { linkNewNode(slot, level: level, query: rows.graphQuery(slot: slot, floats: $0.baseAddress!), rows: rows) }
        if level > topLevel {
            topLevel = level
            entry = slot
        }
    }

    /// The search-and-link part of `insert` for a node whose own vector is `query`.
    private mutating func linkNewNode(_ slot: Int32, level: Int, query: GraphQuery, rows: SlotRows) {
        var nearest = ScoredSlot(similarity: rows.similarity(query, entry), slot: entry)
        var layer = topLevel
        while layer > level {
            nearest = greedyClosest(to: query, from: nearest, level: layer, rows: rows)
            layer -= 1
        }
        var visited = scratch
        scratch = VisitedSlots(count: 0)
        var entries = [nearest]
        let deleted = isDeleted
        for layer in stride(from: min(level, topLevel), through: 0, by: -1) {
            visited.clear()
            let found = searchLayer(query, entries: entries, ef: efConstruction, level: layer, rows: rows, visited: &visited) {
                $0 != slot && !deleted[Int($0)]
            }
            let chosen = selectByHeuristic(found, limit: m, rows: rows)
            setLinks(of: slot, level: layer, to: chosen)
            for neighbour in chosen { addLink(from: neighbour.slot, to: slot, similarity: neighbour.similarity, level: layer, rows: rows) }
            if !found.isEmpty { entries = found }
        }
        scratch = visited
    }

    /// Links `from → to`; a full node re-chooses its links among the old ones and `to`.
    private mutating func addLink(from: Int32, to: Int32, similarity: Float, level: Int, rows: SlotRows) {
        let limit = maxDegree(level)
        if level == 0, Int(baseCounts[Int(from)]) < limit {
            baseLinks[Int(from) * baseDegree + Int(baseCounts[Int(from)])] = to
            baseCounts[Int(from)] += 1
            return
        }
        if level > 0, upperLinks[Int(from)][level - 1].count < limit {
            upperLinks[Int(from)][level - 1].append(to)
            return
        }
        var pool = [ScoredSlot(similarity: similarity, slot: to)]
        forEachLink(of: from, level: level) { pool.append(ScoredSlot(similarity: rows.similarity(from, $0), slot: $0)) }
        pool.sort(by: Self.better)
        setLinks(of: from, level: level, to: selectByHeuristic(pool, limit: limit, rows: rows))
    }

    private mutating func drawLevel() -> Int {
        let uniform = Double(random.next() >> 11 | 1) / Double(1 << 53)  // (0, 1]
        return min(Int(-log(uniform) * levelScale), 30)
    }

    // MARK: Search

    /// The `k` best accepted slots for `query`, best first, from a layer-0 search with list size `ef`.
    /// `accepts` filters results only; rejected nodes are still walked through.
    func search(_ query: GraphQuery, k: Int, ef: Int, rows: SlotRows, accepts: (Int32) -> Bool) -> [ScoredSlot] {
        guard entry >= 0, k > 0 else { return [] }
        var nearest = ScoredSlot(similarity: rows.similarity(query, entry), slot: entry)
        for layer in stride(from: topLevel, to: 0, by: -1) {
            nearest = greedyClosest(to: query, from: nearest, level: layer, rows: rows)
        }
        var visited = VisitedSlots(count: slotCount)
        let found = searchLayer(query, entries: [nearest], ef: max(ef, k), level: 0, rows: rows, visited: &visited, accepts: accepts)
        return Array(found.prefix(k))
    }

    /// Greedy walk on one layer: move to the best link until none is better.
    private func greedyClosest(to query: GraphQuery, from start: ScoredSlot, level: Int, rows: SlotRows) -> ScoredSlot {
        var current = start
        var moved = true
        while moved {
            moved = false
            let here = current.slot
            forEachLink(of: here, level: level) { link in
                let similarity = rows.similarity(query, link)
                if similarity > current.similarity {
                    current = ScoredSlot(similarity: similarity, slot: link)
                    moved = true
                }
            }
        }
        return current
    }

    /// Best-first search on one layer (the paper's Algorithm 2): up to `ef` accepted nodes, best first.
    private func searchLayer(_ query: GraphQuery, entries: [ScoredSlot], ef: Int, level: Int, rows: SlotRows,
                             visited: inout VisitedSlots, accepts: (Int32) -> Bool) -> [ScoredSlot] {
        var candidates = SlotHeap()  // best first
        var results = SlotHeap()  // worst first (keys negated)
        for start in entries where visited.insert(start.slot) {
            candidates.push(start.similarity, start.slot)
            if accepts(start.slot) { results.push(-start.similarity, start.slot) }
        }
        var worst = results.isEmpty ? -Float.infinity : -results.topKey
        var fresh: [Int32] = []
        fresh.reserveCapacity(baseDegree)
        while let candidate = candidates.pop() {
            if results.count >= ef && candidate.similarity < worst { break }
            // The unvisited links first, their rows prefetched, then scored: the rows lie at random
            // in memory, and their loads overlap instead of waiting one after another.
            fresh.removeAll(keepingCapacity: true)
            forEachLink(of: candidate.slot, level: level) { link in
                guard visited.insert(link) else { return }
                fresh.append(link)
                rows.prefetch(link, for: query)
            }
            for link in fresh {
                let similarity = rows.similarity(query, link)
                guard results.count < ef || similarity > worst else { continue }
                candidates.push(similarity, link)
                if accepts(link) {
                    results.push(-similarity, link)
                    if results.count > ef { _ = results.pop() }
                    worst = -results.topKey
                }
            }
        }
        var out: [ScoredSlot] = []
        out.reserveCapacity(results.count)
        while let worstLeft = results.pop() { out.append(ScoredSlot(similarity: -worstLeft.similarity, slot: worstLeft.slot)) }
        return out.reversed()
    }

    /// The paper's neighbour heuristic over `candidates` sorted best first: keep a candidate when it
    /// is more similar to the node than to every candidate kept so far.
    private func selectByHeuristic(_ candidates: [ScoredSlot], limit: Int, rows: SlotRows) -> [ScoredSlot] {
        if candidates.count <= limit { return candidates }
        var kept: [ScoredSlot] = []
        kept.reserveCapacity(limit)
        for candidate in candidates {
            if kept.count >= limit { break }
            if kept.allSatisfy({ rows.similarity(candidate.slot, $0.slot) < candidate.similarity }) { kept.append(candidate) }
        }
        return kept
    }

    static func better(_ a: ScoredSlot, _ b: ScoredSlot) -> Bool {
        a.similarity > b.similarity || (a.similarity == b.similarity && a.slot < b.slot)
    }

    // MARK: Delete

    /// Marks `slot` deleted: never returned again, still walked through until `repairTombstones`.
    mutating func markDeleted(_ slot: Int) {
        guard slot < levels.count, levels[slot] >= 0, !isDeleted[slot] else { return }
        isDeleted[slot] = true
        tombstoneCount += 1
    }

    /// Relinks every live node that points at a tombstone (choosing among its other links and the
    /// tombstones' links), removes the tombstones from the graph and returns their slots, now free.
    mutating func repairTombstones(rows: SlotRows) -> [Int] {
        guard tombstoneCount > 0 else { return [] }
        let deleted = isDeleted
        for slot in levels.indices where levels[slot] >= 0 && !deleted[slot] {
            let node = Int32(slot)
            for level in 0...Int(levels[slot]) {
                let current = links(of: node, level: level)
                guard current.contains(where: { deleted[Int($0)] }) else { continue }
                var pool = Set<Int32>()
                for link in current {
                    if !deleted[Int(link)] { pool.insert(link); continue }
                    forEachLink(of: link, level: level) { second in
                        if second != node && !deleted[Int(second)] { pool.insert(second) }
                    }
                }
                let scored = pool.map { ScoredSlot(similarity: rows.similarity(node, $0), slot: $0) }.sorted(by: Self.better)
                setLinks(of: node, level: level, to: selectByHeuristic(scored, limit: maxDegree(level), rows: rows))
            }
        }
        var freed: [Int] = []
        for slot in levels.indices where deleted[slot] {
            levels[slot] = -1
            isDeleted[slot] = false
            baseCounts[slot] = 0
            upperLinks[slot] = []
            freed.append(slot)
        }
        tombstoneCount = 0
        if entry >= 0, levels[Int(entry)] < 0 {
            // A new entry point: any remaining node of the highest layer.
            entry = -1
            topLevel = -1
            for slot in levels.indices where Int(levels[slot]) > topLevel {
                topLevel = Int(levels[slot])
                entry = Int32(slot)
            }
        }
        return freed
    }

    /// Nodes in the graph that are not tombstones.
    var liveNodeCount: Int { levels.indices.reduce(0) { $0 + (levels[$1] >= 0 && !isDeleted[$1] ? 1 : 0) } }
}

/// A set of slots as a bitset: one allocation per search, cleared in place between layers.
struct VisitedSlots: Sendable {
    private var words: [UInt64]

    init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

    /// Inserts `slot`; false when it was already there.
    @inline(__always)
    mutating func insert(_ slot: Int32) -> Bool {
        let word = Int(slot) >> 6, bit = UInt64(1) << UInt64(slot & 63)
        if words[word] & bit != 0 { return false }
        words[word] |= bit
        return true
    }

    mutating func clear() {
        words.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// A binary max-heap of (key, slot); keys are similarities or negated similarities.
struct SlotHeap {
    private var keys: [Float] = []
    private var slots: [Int32] = []

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }
    /// Largest key (the heap must not be empty).
    var topKey: Float { keys[0] }

    mutating func push(_ key: Float, _ slot: Int32) {
        keys.append(key)
        slots.append(slot)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] > keys[parent] else { break }
            keys.swapAt(child, parent)
            slots.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes the largest key with its slot.
    mutating func pop() -> ScoredSlot? {
        guard let top = keys.first else { return nil }
        let popped = ScoredSlot(similarity: top, slot: slots[0])
        let lastKey = keys.removeLast(), lastSlot = slots.removeLast()
        if !keys.isEmpty {
            keys[0] = lastKey
            slots[0] = lastSlot
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var largest = parent
                if left < keys.count && keys[left] > keys[largest] { largest = left }
                if right < keys.count && keys[right] > keys[largest] { largest = right }
                if largest == parent { break }
                keys.swapAt(parent, largest)
                slots.swapAt(parent, largest)
                parent = largest
            }
        }
        return popped
    }
}

// MARK: Snapshot

extension HNSWGraph {
    /// Writes the graph's links, layers and generator state (see `VectorIndex.writeSnapshot`).
    func write(to file: inout SnapshotFileWriter) throws {
        try file.write(Int64(m))
        try file.write(Int64(efConstruction))
        try file.write(random.state)
        try file.write(array: levels)
        try file.write(array: isDeleted.map { $0 ? UInt8(1) : 0 })
        try file.write(array: baseLinks)
        try file.write(array: baseCounts)
        // Upper layers, flattened: per node above layer 0, per layer, the link count then the links.
        var upper: [Int32] = []
        for slot in levels.indices where levels[slot] > 0 {
            for layer in upperLinks[slot] {
                upper.append(Int32(layer.count))
                upper.append(contentsOf: layer)
            }
        }
        try file.write(array: upper)
        try file.write(entry)
        try file.write(Int64(topLevel))
        try file.write(Int64(tombstoneCount))
    }

    /// Reads a graph written by `write(to:)` over `slotCount` slots. Returns nil (the caller builds a
    /// new graph) when it was built with other `m` / `efConstruction` than `options`.
    /// - Throws: `VitrineCoreError.snapshotUnreadable` when the links are inconsistent.
    static func read(from file: inout SnapshotFileReader, slotCount: Int, options: ApproximateSearchOptions) throws -> HNSWGraph? {
        let m = Int(try file.read(Int64.self)), efConstruction = Int(try file.read(Int64.self))
        var graph = HNSWGraph(options: options)
        graph.random = SplitMix64(seed: try file.read(UInt64.self))
        graph.levels = try file.readArray(of: Int8.self)
        graph.isDeleted = try file.readArray(of: UInt8.self).map { $0 != 0 }
        graph.baseLinks = try file.readArray(of: Int32.self)
        graph.baseCounts = try file.readArray(of: Int32.self)
        let upper = try file.readArray(of: Int32.self)
        graph.entry = try file.read(Int32.self)
        graph.topLevel = Int(try file.read(Int64.self))
        graph.tombstoneCount = Int(try file.read(Int64.self))
        guard m == options.m, efConstruction == options.efConstruction else { return nil }
        let slots = graph.levels.count
        guard slots >= slotCount, graph.isDeleted.count == slots, graph.baseCounts.count == slots,
              graph.baseLinks.count == slots * graph.baseDegree,
              graph.entry >= -1, graph.entry < Int32(slots), graph.topLevel >= -1 else {
            throw file.failure("HNSW graph arrays disagree in size")
        }
        let inRange = { (link: Int32) in link >= 0 && link < Int32(slots) }
        for slot in 0..<slots {
            let count = Int(graph.baseCounts[slot])
            guard (0...graph.baseDegree).contains(count),
                  graph.baseLinks[slot * graph.baseDegree ..< slot * graph.baseDegree + count].allSatisfy(inRange) else {
                throw file.failure("HNSW layer-0 links of slot \(slot) are out of range")
            }
        }
        graph.upperLinks = Array(repeating: [], count: slots)
        var position = 0
        for slot in 0..<slots where graph.levels[slot] > 0 {
            var layers: [[Int32]] = []
            for _ in 0 ..< Int(graph.levels[slot]) {
                guard position < upper.count else { throw file.failure("HNSW upper layers are truncated") }
                let count = Int(upper[position])
                guard (0...m).contains(count), position + 1 + count <= upper.count else {
                    throw file.failure("HNSW upper links of slot \(slot) are inconsistent")
                }
                let links = Array(upper[position + 1 ..< position + 1 + count])
                guard links.allSatisfy(inRange) else { throw file.failure("HNSW upper links of slot \(slot) are out of range") }
                layers.append(links)
                position += 1 + count
            }
            graph.upperLinks[slot] = layers
        }
        guard position == upper.count else { throw file.failure("HNSW upper layers have trailing links") }
        graph.scratch = VisitedSlots(count: slots)
        return graph
    }
}
