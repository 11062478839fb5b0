// A bounded min-heap that keeps the k best elements seen so far.

/// Keeps the `capacity` best elements of a stream under a "worse than" ordering.
struct TopKHeap<Element> {
    let capacity: Int
    private let isWorse: (Element, Element) -> Bool
    /// Min-heap: the root is the worst kept element.
    private var heap: [Element] = []

    init(capacity: Int, isWorse: @escaping (Element, Element) -> Bool) {
        self.capacity = max(0, capacity)
        self.isWorse = isWorse
        heap.reserveCapacity(self.capacity)
    }

    /// Offers one element; it is kept if the heap is not full or it beats the current worst.
    mutating func offer(_ element: Element) {
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append(element)
            siftUp(heap.count - 1)
        } else if isWorse(heap[0], element) {
            heap[0] = element
            siftDown(0)
        }
    }

    /// The kept elements, best first.
    func sortedBestFirst() -> [Element] {
        heap.sorted { isWorse($1, $0) }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard isWorse(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var worst = parent
            if left < heap.count, isWorse(heap[left], heap[worst]) { worst = left }
            if right < heap.count, isWorse(heap[right], heap[worst]) { worst = right }
            if worst == parent { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
