import Foundation

/// The ImageNet-1k class names, one per class index (`imagenet_labels.txt`: line i = class i).
/// Names are not unique (`crane` appears twice), so identify classes by index.
public struct ImageNetLabels: Sendable, Equatable {
    /// Class names in index order.
    public let names: [String]

    /// Reads a label file with exactly `classCount` non-empty lines.
    /// - Throws: ``EfficientNetError/labels(file:reason:)`` when unreadable or the count differs.
    public init(contentsOf url: URL, classCount: Int) throws(EfficientNetError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .labels(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        if lines.last == "" { lines.removeLast() }
        guard lines.count == classCount else {
            throw .labels(file: url.path, reason: "\(lines.count) lines, expected one per class (\(classCount))")
        }
        if let blank = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw .labels(file: url.path, reason: "line \(blank + 1) is empty")
        }
        names = lines
    }

    /// The name of class `index`, or nil outside `0..<names.count`.
    public subscript(index: Int) -> String? {
        names.indices.contains(index) ? names[index] : nil
    }
}
