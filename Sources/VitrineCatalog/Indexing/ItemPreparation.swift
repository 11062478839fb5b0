import Foundation
import VitrineCore
import VitrineImage
import VitrineStore
import VitrineTensor

/// An item read and decoded, ready for the encoders.
struct PreparedItem: Sendable {
    var source: SourceItem
    var contentHash: String
    /// Preprocessed images that decoded, with their paths.
    var tensors: [ImageTensor]
    var imagePaths: [String]
    /// Encoder text, or nil.
    var text: String?
    /// `text`'s embedding when the preparing stage already encoded it (see `encodeTexts`).
    var textVector: [Float]?
    var problems: [IndexingProblem]
    /// The stored image vector, kept because the pictures and the image model are unchanged (then
    /// `tensors` is empty and `imagePaths` are those of the stored item).
    var keptImageVector: [Float]?
}

/// The item's vectors after encoding and pooling.
struct EmbeddedItem: Sendable {
    var item: CatalogItem
    var image: [Float]?
    var text: [Float]?
}

/// An item's content hash as the store keeps it: the hash of everything that determines its vectors and
/// fields (`content`) and, for an item with pictures, the hash of its pictures and the image model alone
/// (`image`), stored as `content;image=image` (no spaces: the server's image `ETag` quotes the stored
/// hash). When only the texts, the fields or the text model changed, `image` is unchanged and the item
/// is re-embedded without re-encoding its pictures.
struct ContentHashes: Equatable, Sendable {
    var content: String
    var image: String?

    init(content: String, image: String?) {
        self.content = content
        self.image = image
    }

    /// Parses a stored hash; one written before the image part existed has only `content`.
    init(stored: String) {
        let parts = stored.components(separatedBy: Self.imageMark)
        content = parts[0]
        image = parts.count == 2 ? parts[1] : nil
    }

    var stored: String { image.map { content + Self.imageMark + $0 } ?? content }

    private static let imageMark = ";image="
}

enum ItemPreparation {
    /// SHA-256 over everything that determines an item's vectors and fields: the model identities, the
    /// item's fields (metadata in key order), and each image path with its bytes (unreadable files hash as
    /// such); and, when the item has pictures, a second SHA-256 over the image model and the pictures alone.
    /// Each file is read once for both.
    static func contentHashes(of item: SourceItem, access: FolderAccess, modelKey: String, imageModelID: String) -> ContentHashes {
        var hasher = SHA256(), imageHasher = SHA256()
        func field(_ text: String, image: Bool = false) {
            hasher.update(Array(text.utf8))
            hasher.update([0])
            if image {
                imageHasher.update(Array(text.utf8))
                imageHasher.update([0])
            }
        }
        field("vitrine-item-v1")
        field(modelKey)
        field(item.id)
        field(item.title)
        field(item.titleIsGiven ? "given" : "derived")
        field(item.description)
        field(item.tags.joined(separator: "\u{1F}"))
        field(item.category ?? "\u{0}none")
        for key in item.metadata.keys.sorted() {
            field(key)
            field(item.metadata[key] ?? "")
        }
        imageHasher.update(Array("vitrine-images-v1\u{0}\(imageModelID)\u{0}".utf8))
        for path in item.imagePaths {
            field(path, image: true)
            if let bytes = try? access.read(path) {
                field("\(bytes.count)", image: true)
                hasher.update(bytes)
                imageHasher.update(bytes)
            } else {
                field("unreadable", image: true)
            }
        }
        return ContentHashes(content: hasher.finalizeHex(), image: item.imagePaths.isEmpty ? nil : imageHasher.finalizeHex())
    }

    /// Reads and decodes an item's images (failures become problems), and forms its text.
    static func prepare(_ item: SourceItem, hash: String, access: FolderAccess, encoder: any CatalogImageEncoder) -> PreparedItem {
        var prepared = PreparedItem(source: item, contentHash: hash, tensors: [], imagePaths: [], text: item.encoderText, problems: [])
        for path in item.imagePaths {
            do {
                let bytes = try access.read(path)
                prepared.tensors.append(try encoder.tensor(fromFileBytes: bytes, name: path))
                prepared.imagePaths.append(path)
            } catch let error as FileReadError {
                prepared.problems.append(IndexingProblem(file: path, itemID: item.id, reason: error.reason, outcome: .partIgnored))
            } catch let error as ImageDecodingError {
                prepared.problems.append(IndexingProblem(file: path, itemID: item.id, reason: reason(error), outcome: .partIgnored))
            } catch {
                prepared.problems.append(IndexingProblem(file: path, itemID: item.id, reason: "\(error)", outcome: .partIgnored))
            }
        }
        return prepared
    }

    /// Encodes the batch's texts in one encoder batch and keeps the vectors in the items, so that the
    /// stage that reads and decodes the next batch also runs its text model while this batch's images
    /// are encoded: text encoding alone left a core idle between its kernels' parallel parts (perf on
    /// 1,000 photos: 1.84 of 2 cores busy). On failure the items are left as they are and `embed`
    /// encodes (and reports) the texts itself.
    static func encodeTexts(_ items: [PreparedItem], encoder: any CatalogTextEncoder) -> [PreparedItem] {
        let waiting = items.indices.filter { items[$0].text != nil && items[$0].textVector == nil }
        guard !waiting.isEmpty, let vectors = try? encoder.embed(batch: waiting.map { items[$0].text ?? "" }),
              vectors.count == waiting.count else { return items }
        var result = items
        for (index, vector) in zip(waiting, vectors) { result[index].textVector = vector }
        return result
    }

    /// The decoder's message without the file name it starts with (the problem names the file).
    static func reason(_ error: ImageDecodingError) -> String {
        let text = error.description
        let prefix = error.file + ": "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }

    /// Encodes a batch of prepared items: all images in one encoder batch, all texts in another; several
    /// images of an item are pooled (mean of the unit vectors, renormalized).
    static func embed(_ batch: [PreparedItem], encoders: EncoderCache) throws -> [EmbeddedItem] {
        let tensors = batch.flatMap(\.tensors)
        let imageVectors = tensors.isEmpty ? [] : try encoders.imageEncoder().embed(batch: tensors)
        let texts = batch.filter { $0.textVector == nil }.compactMap(\.text)
        let textVectors = texts.isEmpty ? [] : try encoders.textEncoder().embed(batch: texts)
        var imageCursor = 0, textCursor = 0
        return batch.map { prepared in
            var image = prepared.keptImageVector
            if !prepared.tensors.isEmpty {
                image = pooled(Array(imageVectors[imageCursor ..< imageCursor + prepared.tensors.count]))
                imageCursor += prepared.tensors.count
            }
            var text = prepared.textVector
            if prepared.text != nil && text == nil {
                text = textVectors[textCursor]
                textCursor += 1
            }
            let source = prepared.source
            let item = CatalogItem(source.item, sourcePaths: prepared.imagePaths + source.textPaths,
                                   hasImage: image != nil, hasText: text != nil, contentHash: prepared.contentHash, updatedAt: Date())
            return EmbeddedItem(item: item, image: image, text: text)
        }
    }

    /// Mean of unit vectors, renormalized (a single vector passes through).
    static func pooled(_ vectors: [[Float]]) -> [Float]? {
        guard let first = vectors.first else { return nil }
        if vectors.count == 1 { return first }
        var sum = [Float](repeating: 0, count: first.count)
        for vector in vectors { for i in 0..<min(sum.count, vector.count) { sum[i] += vector[i] } }
        return l2Normalized(sum)
    }
}
