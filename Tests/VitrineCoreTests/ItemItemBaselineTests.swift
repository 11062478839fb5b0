import Testing
import VitrineCore

@Suite struct ItemItemBaselineTests {
    /// Four users over three items: 0 and 1 go together, 2 mostly alone.
    static let histories = [[0, 1], [0, 1], [1, 2], [2]]

    @Test func easeMatchesTheClosedFormOnAHandSizedCatalog() throws {
        let lambda = 1.0
        let model = try ItemItemModel.ease(histories: Self.histories, itemCount: 3, lambda: lambda)
        // XᵀX = [[2,2,0],[2,3,1],[0,1,2]]; + λI, inverted by cofactors; B_ij = −P_ij / P_jj, B_jj = 0.
        let a: [[Double]] = [[3, 2, 0], [2, 4, 1], [0, 1, 3]]
        let det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        func cofactor(_ i: Int, _ j: Int) -> Double {
            let rows = [0, 1, 2].filter { $0 != i }, cols = [0, 1, 2].filter { $0 != j }
            let minor = a[rows[0]][cols[0]] * a[rows[1]][cols[1]] - a[rows[0]][cols[1]] * a[rows[1]][cols[0]]
            return (i + j) % 2 == 0 ? minor : -minor
        }
        let p = (0..<3).map { i in (0..<3).map { j in cofactor(j, i) / det } }
        for history in [[0], [1], [2], [0, 2]] {
            let want = (0..<3).map { j in history.reduce(0.0) { $0 + ($1 == j ? 0 : -p[$1][j] / p[j][j]) } }
            let got = model.scores(history: history)
            for j in 0..<3 { #expect(abs(got[j] - want[j]) < 1e-5, "history \(history) item \(j): \(got[j]) vs \(want[j])") }
        }
        // Item 0's strongest partner is item 1, not the never-co-consumed item 2.
        let fromZero = model.scores(history: [0])
        #expect(fromZero[1] > fromZero[2])
    }

    @Test func itemKNNUsesCosineOfCoOccurrenceAndKeepsKNeighbours() throws {
        let all = try ItemItemModel.itemKNN(histories: Self.histories, itemCount: 3, neighbours: 2)
        // cos(0,1) = 2/√(2·3), cos(1,2) = 1/√(3·2), cos(0,2) = 0.
        let fromOne = all.scores(history: [1])
        #expect(abs(fromOne[0] - 2 / 6.0.squareRoot()) < 1e-6 && abs(fromOne[2] - 1 / 6.0.squareRoot()) < 1e-6 && fromOne[1] == 0)
        // With one neighbour each, item 2's only neighbour is item 1; item 0's is item 1; item 1's is item 0.
        let one = try ItemItemModel.itemKNN(histories: Self.histories, itemCount: 3, neighbours: 1)
        #expect(one.scores(history: [1])[2] > 0 && one.scores(history: [0])[2] == 0 && one.scores(history: [2])[0] == 0)
        #expect(one.scores(history: [2])[1] == 0)  // item 1 keeps item 0, not item 2, as its one neighbour
    }

    @Test func anItemNobodyConsumedHasNoSignal() throws {
        let ease = try ItemItemModel.ease(histories: Self.histories, itemCount: 4, lambda: 10)
        let knn = try ItemItemModel.itemKNN(histories: Self.histories, itemCount: 4, neighbours: 5)
        #expect(ease.scores(history: [0, 1, 2])[3] == 0 && knn.scores(history: [0, 1, 2])[3] == 0)
        #expect(throws: VitrineCoreError.self) { try ItemItemModel.ease(histories: [[0]], itemCount: 1, lambda: 0) }
        #expect(throws: VitrineCoreError.self) { try ItemItemModel.itemKNN(histories: [[0]], itemCount: ItemItemModel.maxItemCount + 1, neighbours: 1) }
    }
}
