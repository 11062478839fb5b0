import Dispatch
import Foundation
import VitrineCore
import VitrineStore
import VitrineTensor

extension Catalog {
    /// Indexes a folder (any of the three layouts): embeds new and changed items, reuses unchanged ones,
    /// removes items no longer there, and commits every `commitBatchSize` items in one transaction, so a
    /// killed run keeps all committed items and the next run resumes where it stopped.
    ///
    /// Bad files never stop the run: each is reported in `IndexingSummary.problems`.
    /// - Parameter progress: called after scanning and after every committed batch (on the calling thread).
    /// - Throws: `.folderUnreadable` when the folder cannot be listed; `.store` when the store cannot be
    ///   written; `.encoderUnavailable` when a needed encoder cannot be loaded.
    public func index(folder: URL, options: IndexingOptions = IndexingOptions(),
                      progress: ((IndexingProgress) -> Void)? = nil) throws -> IndexingSummary {
        try serializedWrite { try runIndexing(folder: folder, options: options, progress: progress) }
    }

    private func runIndexing(folder: URL, options: IndexingOptions, progress: ((IndexingProgress) -> Void)?) throws -> IndexingSummary {
        let start = Date()
        let access = try FolderAccess(root: folder)
        var scan = try FolderScanner.scan(access, options: options)
        let folderFingerprint = Self.fingerprint(ids: scan.items.map(\.id))
        if let shard = options.shard { scan.items = scan.items.filter { shard.contains($0.id) } }
        var problems = scan.problems
        progress?(IndexingProgress(phase: .scanning, completed: 0, total: scan.items.count, elapsedSeconds: 0))
        try registerModels()

        let modelKey = fusedModelID
        let stored = try CatalogError.wrapping { try store.contentHashes() }
        let present = state.read { state in Set(state.recommender.index.ids) }
        var toEmbed: [ItemToEmbed] = []
        var reused = 0
        // Hashing reads every image file: on every core (it was ~0.5 s of one core per 1,000 photos).
        let imageModelID = encoderProvider.imageModelID
        let hashes = Kernels.orderedMap(scan.items, workers: ProcessInfo.processInfo.activeProcessorCount) { item in
            ItemPreparation.contentHashes(of: item, access: access, modelKey: modelKey, imageModelID: imageModelID)
        }
        for (item, hashes) in zip(scan.items, hashes) {
            let previous = stored[item.id].map(ContentHashes.init(stored:))
            if !options.reembedAll, previous?.content == hashes.content, present.contains(item.id) {
                reused += 1
            } else {
                let keepsImage = !options.reembedAll && hashes.image != nil && previous?.image == hashes.image
                    && state.read { $0.imageIndex.contains(item.id) }
                toEmbed.append(ItemToEmbed(source: item, hash: hashes.stored, keepsImage: keepsImage))
            }
        }
        var removed = 0
        if options.removesMissingItems {
            let wanted = Set(scan.items.map(\.id))
            // A shard removes only items of its own share; the others are another process's business.
            let gone = stored.filter { !wanted.contains($0.key) && !$0.value.hasPrefix(Self.apiHashPrefix) && options.shard?.contains($0.key) ?? true }
                .map(\.key).sorted()
            if !gone.isEmpty {
                try writeStore { tx in for id in gone { try tx.deleteItem(id: id) } }
                state.write { state in for id in gone { state.remove(id) } }
                removed = gone.count
            }
        }

        // Embedding: batch i+1 is read, decoded and its texts encoded on other threads while batch i's
        // images are encoded.
        let embedStart = Date()
        let batches = stride(from: 0, to: toEmbed.count, by: max(1, options.commitBatchSize)).map {
            Array(toEmbed[$0 ..< min($0 + max(1, options.commitBatchSize), toEmbed.count)])
        }
        // With overlap, the texts are encoded in the decoding stage too (see `ItemPreparation.encodeTexts`);
        // the text model loads on another thread meanwhile (loading both took ~0.2 s of one core).
        let encodesTextsEarly = options.overlapsDecoding && toEmbed.contains { $0.source.encoderText != nil }
        let encoders = self.encoders
        if encodesTextsEarly { DispatchQueue.global(qos: .userInitiated).async { _ = try? encoders.textEncoder() } }
        let imageEncoder: (any CatalogImageEncoder)? = toEmbed.contains { !$0.source.imagePaths.isEmpty && !$0.keepsImage }
            ? try encoders.imageEncoder() : nil
        // Reading and decoding a batch runs on `decodeWorkers` threads: every core without overlap;
        // with it the image encoder's workers share the cores, so half of them (this stage also
        // encodes the texts, which keeps it busy; `IndexingOptions.decodeThreads`).
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let decodeWorkers = max(1, options.decodeThreads ?? (options.overlapsDecoding ? cores / 2 : cores))
        let prepare: @Sendable ([ItemToEmbed]) -> [PreparedItem] = { batch in
            let prepared = Kernels.orderedMap(batch, workers: decodeWorkers) { item in
                guard let imageEncoder, !item.keepsImage else {
                    return PreparedItem(source: item.source, contentHash: item.hash, tensors: [], imagePaths: [], text: item.source.encoderText, problems: [])
                }
                return ItemPreparation.prepare(item.source, hash: item.hash, access: access, encoder: imageEncoder)
            }
            // A text model that fails to load leaves the texts to `embed`, which reports the error.
            guard encodesTextsEarly, let textEncoder = try? encoders.textEncoder() else { return prepared }
            return ItemPreparation.encodeTexts(prepared, encoder: textEncoder)
        }
        var indexed = 0, skipped = scan.problems.filter { $0.outcome == .itemSkipped }.count, imagesEncoded = 0, imagesKept = 0, done = 0
        var pending: PendingBatch? = batches.first.map { PendingBatch(batches: $0, prepare: prepare, async: options.overlapsDecoding) }
        for position in batches.indices {
            guard let prepared = pending?.wait() else { break }
            pending = position + 1 < batches.count
                ? PendingBatch(batches: batches[position + 1], prepare: prepare, async: options.overlapsDecoding) : nil
            let current = try keepImageVectors(prepared, keeping: Set(batches[position].filter(\.keepsImage).map(\.source.id)), access: access)
            var usable: [PreparedItem] = []
            var emptied: [String] = []
            for item in current {
                problems += item.problems
                if item.tensors.isEmpty && item.keptImageVector == nil && item.text == nil {
                    problems.append(IndexingProblem(file: item.source.imagePaths.first ?? item.source.id, itemID: item.source.id,
                                                    reason: "no usable image or text", outcome: .itemSkipped))
                    skipped += 1
                    emptied.append(item.source.id)
                } else {
                    usable.append(item)
                }
            }
            let embedded = try CatalogError.wrapping { try ItemPreparation.embed(usable, encoders: encoders) }
            try commit(embedded, removing: emptied)
            indexed += embedded.count
            imagesEncoded += usable.reduce(0) { $0 + $1.tensors.count }
            imagesKept += usable.filter { $0.keptImageVector != nil }.count
            done += current.count
            progress?(IndexingProgress(phase: .embedding, completed: done, total: toEmbed.count,
                                       elapsedSeconds: Date().timeIntervalSince(embedStart)))
        }
        let embeddingSeconds = Date().timeIntervalSince(embedStart)
        // Sharded runs fit nothing: the imputer needs every share's vectors (`finalizeIndexing`).
        if options.shard == nil, indexed > 0 || removed > 0 {
            progress?(IndexingProgress(phase: .finishing, completed: 0, total: 1, elapsedSeconds: 0))
            try refitImputer()
            try refitFusionWeights()
        } else if options.shard == nil, try Self.storedFusionFit(store: store, models: fusionFitModels) == nil {
            try refitFusionWeights()  // a store indexed before weights were fitted
        }
        var finalized = false
        if let shard = options.shard, try markShardFinished(shard, folderFingerprint: folderFingerprint) {
            progress?(IndexingProgress(phase: .finishing, completed: 0, total: 1, elapsedSeconds: 0))
            try catchUp()
            try refitImputer()
            try refitFusionWeights()
            finalized = true
        }
        var summary = IndexingSummary(layout: scan.layout, found: scan.items.count, indexed: indexed, reused: reused, removed: removed,
                                      skipped: skipped, problems: problems, elapsedSeconds: Date().timeIntervalSince(start),
                                      embeddingSeconds: embeddingSeconds, imagesEncoded: imagesEncoded)
        summary.finalized = finalized
        summary.imageVectorsKept = imagesKept
        progress?(IndexingProgress(phase: .done, completed: toEmbed.count, total: toEmbed.count, elapsedSeconds: summary.elapsedSeconds))
        return summary
    }

    /// Gives the items of `keeping` (prepared without their pictures) their stored image vector, when the
    /// store has one of the current image model; an item without one has its pictures decoded here after all.
    private func keepImageVectors(_ batch: [PreparedItem], keeping: Set<String>, access: FolderAccess) throws -> [PreparedItem] {
        guard !keeping.isEmpty else { return batch }
        return try batch.map { prepared in
            let id = prepared.source.id
            guard keeping.contains(id) else { return prepared }
            var kept = prepared
            if let vector = try CatalogError.wrapping({ try store.vector(for: id, modality: .image) }),
               vector.modelID == encoderProvider.imageModelID, let stored = item(id) {
                kept.keptImageVector = vector.values
                kept.imagePaths = stored.sourcePaths.filter(prepared.source.imagePaths.contains)
                return kept
            }
            let decoded = ItemPreparation.prepare(prepared.source, hash: prepared.contentHash, access: access, encoder: try encoders.imageEncoder())
            kept.tensors = decoded.tensors
            kept.imagePaths = decoded.imagePaths
            kept.problems += decoded.problems
            return kept
        }
    }

    /// The step after the shards of a sharded `index` have finished: catches up with every share's
    /// items and fits the cross-modal imputer (re-fusing the items missing a modality) and the fusion
    /// weight over all of them, as the last step of an unsharded run does. Safe to run again.
    /// - Throws: `CatalogError.store`.
    public func finalizeIndexing() throws {
        try catchUp()
        try serializedWrite {
            try refitImputer()
            try refitFusionWeights()
        }
    }

    /// Records in the store that `shard` of the folder whose item ids have `folderFingerprint` has finished,
    /// then tells whether every share of that folder has (so this run is the last and finalizes). Each shard
    /// writes its own key and reads the others after its write committed, so of shards finishing at the
    /// same moment at least one sees all the marks (two finalizing is harmless: finalizing is idempotent).
    /// A folder that changed between shard runs has another fingerprint: its marks never mix with these.
    func markShardFinished(_ shard: IndexShard, folderFingerprint: String) throws -> Bool {
        func key(_ number: Int) -> String { "index-shard-done:\(folderFingerprint):\(number)/\(shard.count)" }
        try CatalogError.wrapping { try store.setMetaValue(ISO8601DateFormatter().string(from: Date()), for: key(shard.number)) }
        return try (1 ... shard.count).allSatisfy { number in try CatalogError.wrapping { try store.metaValue(for: key(number)) } != nil }
    }

    /// A short digest of a folder's item ids (order-free), naming one state of the folder.
    static func fingerprint(ids: [String]) -> String {
        var hasher = SHA256()
        for id in ids.sorted() { hasher.update(Array("\(id)\u{0}".utf8)) }
        return String(hasher.finalizeHex().prefix(16))
    }

    /// Content hashes of items added through `addItem` start with this, so folder runs never remove them.
    static let apiHashPrefix = "api:"

    /// Makes the provider's models current; vectors of other models are deleted (their items re-embed,
    /// since the model identities are part of every content hash).
    func registerModels() throws {
        let wanted: [(Modality, String)] = [(.image, encoderProvider.imageModelID), (.text, encoderProvider.textModelID), (.fused, fusedModelID)]
        try writeStore { tx in
            for (modality, model) in wanted where try tx.currentModel(for: modality) != model {
                try tx.setCurrentModel(model, for: modality)
                try tx.deleteStaleVectors(modality: modality)
            }
        }
    }

    /// Writes a batch of embedded items in one transaction, then makes them searchable.
    func commit(_ embedded: [EmbeddedItem], removing emptied: [String] = []) throws {
        let fusion = state.read { $0.recommender.fusion }
        let precision = options.vectorPrecision
        // What queries see is what a reopened catalog will load: the stored precision. The fused vector is
        // made from the vectors as stored, so an item re-embedded with its image vector kept from the store
        // gets bitwise the fused vector that encoding its pictures again would give.
        let vectors = embedded.map { item in (image: item.image.map { rounded($0, precision) }, text: item.text.map { rounded($0, precision) }) }
        let fused = try zip(embedded, vectors).map { item, vectors in
            try CatalogError.wrapping { try fusion.embed(ItemVectors(image: vectors.image, text: vectors.text), id: item.item.id) }
        }
        try writeStore { tx in
            for id in emptied { try tx.deleteItem(id: id) }
            for ((item, vectors), embedding) in zip(zip(embedded, vectors), fused) {
                var stored: [StoredVector] = [StoredVector(modality: .fused, values: embedding.vector, modelID: fusedModelID, dtype: precision)]
                if let image = vectors.image {
                    stored.append(StoredVector(modality: .image, values: image, modelID: encoderProvider.imageModelID, dtype: precision))
                }
                if let text = vectors.text {
                    stored.append(StoredVector(modality: .text, values: text, modelID: encoderProvider.textModelID, dtype: precision))
                }
                try tx.upsert(storedItem(item.item), vectors: stored)
            }
        }
        try CatalogError.wrapping {
            try state.write { state in
                for id in emptied { state.remove(id) }
                for ((item, vectors), embedding) in zip(zip(embedded, vectors), fused) {
                    try state.put(item.item, image: vectors.image, text: vectors.text,
                                  fused: ItemEmbedding(vector: rounded(embedding.vector, precision),
                                                       imageImputed: embedding.imageImputed, textImputed: embedding.textImputed))
                }
            }
        }
    }

    func storedItem(_ item: CatalogItem) -> StoredItem {
        StoredItem(item.item, sourcePaths: item.sourcePaths, contentHash: item.contentHash, updatedAt: item.updatedAt)
    }

    private func rounded(_ values: [Float], _ precision: VectorDType) -> [Float] {
        precision == .float16 ? values.map(HalfPrecision.rounded) : values
    }
}

/// One batch being read and decoded, on a background thread or inline.
private final class PendingBatch: @unchecked Sendable {
    private var result: [PreparedItem] = []
    private let finished = DispatchSemaphore(value: 0)

    init(batches batch: [ItemToEmbed], prepare: @escaping @Sendable ([ItemToEmbed]) -> [PreparedItem], async: Bool) {
        if async {
            let box = UncheckedBatch(items: batch)
            DispatchQueue.global(qos: .userInitiated).async {
                self.result = prepare(box.items)
                self.finished.signal()
            }
        } else {
            result = prepare(batch)
            finished.signal()
        }
    }

    func wait() -> [PreparedItem] {
        finished.wait()
        return result
    }
}

private struct UncheckedBatch: @unchecked Sendable {
    let items: [ItemToEmbed]
}

/// An item of an indexing run to embed, with its content hash as it will be stored.
private struct ItemToEmbed {
    var source: SourceItem
    var hash: String
    /// Only its texts, fields or the text model changed: its stored image vector is kept instead of
    /// decoding and encoding its pictures again (`keepImageVectors`).
    var keepsImage: Bool
}
