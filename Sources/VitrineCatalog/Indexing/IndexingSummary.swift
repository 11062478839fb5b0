import Foundation

/// One thing in the input folder that could not be used, and what the indexer did about it.
public struct IndexingProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// What happened to the item.
    public enum Outcome: String, Sendable, Codable {
        /// The item was indexed without the unusable part (e.g. one bad image of three).
        case partIgnored = "part-ignored"
        /// Nothing usable was left (or the id clashed); the item was not indexed.
        case itemSkipped = "item-skipped"
        /// Not tied to an item (e.g. an unreadable manifest line).
        case entryIgnored = "entry-ignored"
    }

    /// The file (relative to the indexed folder, or `items.jsonl:12` for a manifest line).
    public var file: String
    /// The item concerned, if known.
    public var itemID: String?
    /// Why it could not be used.
    public var reason: String
    /// What the indexer did.
    public var outcome: Outcome

    /// Creates a problem record.
    public init(file: String, itemID: String?, reason: String, outcome: Outcome) {
        self.file = file
        self.itemID = itemID
        self.reason = reason
        self.outcome = outcome
    }

    /// `file: reason (item 'x' skipped)`.
    public var description: String {
        let item = itemID.map { " [item '\($0)']" } ?? ""
        return "\(file): \(reason)\(item) — \(outcome.rawValue)"
    }
}

/// The end-of-run summary of `Catalog.index(folder:)`.
public struct IndexingSummary: Sendable, Equatable, Codable {
    /// The layout that was detected.
    public var layout: FolderLayout
    /// Items found in the folder (after de-duplicating ids).
    public var found: Int
    /// Items embedded in this run (new or changed).
    public var indexed: Int
    /// Unchanged items whose stored vectors were kept.
    public var reused: Int
    /// Stored items no longer in the folder, removed.
    public var removed: Int
    /// Items that could not be indexed at all.
    public var skipped: Int
    /// Everything that was reported, in discovery order.
    public var problems: [IndexingProblem]
    /// Wall time of the whole run.
    public var elapsedSeconds: Double
    /// Wall time of the embedding phase (decode + encode + commit).
    public var embeddingSeconds: Double
    /// Images decoded and encoded.
    public var imagesEncoded: Int
    /// Items re-embedded with their stored image vector, because only their texts, fields or the text
    /// model changed (no picture decoded or encoded for them).
    public var imageVectorsKept = 0
    /// A sharded run that found every other share of the folder finished, and so finalized the catalog
    /// (cross-modal imputer and fusion weight fitted over all shares, as `finalizeIndexing` does).
    public var finalized = false

    /// Items embedded per second of embedding phase.
    public var itemsPerSecond: Double { embeddingSeconds > 0 ? Double(indexed) / embeddingSeconds : 0 }
    /// Items available for queries after the run.
    public var usable: Int { indexed + reused }
}

/// Progress of an indexing run, handed to the caller's callback after every committed batch.
public struct IndexingProgress: Sendable, Equatable {
    /// Which phase the run is in.
    public enum Phase: String, Sendable {
        /// Reading the folder and hashing sources.
        case scanning
        /// Decoding, encoding and committing changed items.
        case embedding
        /// Refitting the cross-modal imputer and re-fusing incomplete items.
        case finishing
        /// Done.
        case done
    }

    /// Current phase.
    public var phase: Phase
    /// Items of this phase completed.
    public var completed: Int
    /// Items this phase will process.
    public var total: Int
    /// Seconds since the phase began.
    public var elapsedSeconds: Double

    /// Items per second so far in this phase.
    public var rate: Double { elapsedSeconds > 0 ? Double(completed) / elapsedSeconds : 0 }
    /// Estimated seconds left, or nil before the first item.
    public var etaSeconds: Double? {
        guard completed > 0, rate > 0 else { return nil }
        return Double(total - completed) / rate
    }
}
