import Foundation
import VitrineImage
import VitrineStore
import VitrineTensor

/// An image encoder as the catalog uses it: file bytes → model input (decode + preprocess, run on the
/// decoding thread), then batches of inputs → unit vectors. Must be safe to share across threads.
public protocol CatalogImageEncoder: Sendable {
    /// Decodes and preprocesses one image file's bytes; `name` labels them in errors.
    func tensor(fromFileBytes bytes: [UInt8], name: String) throws -> ImageTensor
    /// Unit-length embeddings of preprocessed images, in input order.
    func embed(batch tensors: [ImageTensor]) throws -> [[Float]]
}

/// A text encoder as the catalog uses it: texts → unit vectors. Must be safe to share across threads.
public protocol CatalogTextEncoder: Sendable {
    /// Unit-length embeddings of texts, in input order.
    func embed(batch texts: [String]) throws -> [[Float]]
}

/// Where the encoders come from, and the identities stored with their vectors.
///
/// Identities are known without loading weights, so an unchanged catalog re-indexes without
/// touching the models; the encoders themselves are built on first use, once per `Catalog`.
public struct EncoderProvider: Sendable {
    /// Identity of the image model, e.g. `efficientnet-lite0@1a2b3c4d5e6f`; stored with every image vector.
    public var imageModelID: String
    /// Identity of the text model; stored with every text vector.
    public var textModelID: String
    /// Length of image vectors.
    public var imageDimension: Int
    /// Length of text vectors.
    public var textDimension: Int
    /// Builds the image encoder (called at most once per catalog).
    public var makeImageEncoder: @Sendable () throws -> any CatalogImageEncoder
    /// Builds the text encoder (called at most once per catalog).
    public var makeTextEncoder: @Sendable () throws -> any CatalogTextEncoder

    /// Creates a provider from identities and factories.
    public init(imageModelID: String, textModelID: String, imageDimension: Int, textDimension: Int,
                makeImageEncoder: @escaping @Sendable () throws -> any CatalogImageEncoder,
                makeTextEncoder: @escaping @Sendable () throws -> any CatalogTextEncoder) {
        self.imageModelID = imageModelID
        self.textModelID = textModelID
        self.imageDimension = imageDimension
        self.textDimension = textDimension
        self.makeImageEncoder = makeImageEncoder
        self.makeTextEncoder = makeTextEncoder
    }
}

/// Model identities: the model's name plus a fingerprint of its files, so a changed checkpoint
/// (or config) gives a different identity and invalidates the vectors it made.
public enum ModelIdentity {
    /// A model's name in its identity: `base` for fp32 weights, `base+int8` for int8 ones.
    public static func name(_ base: String, precision: WeightPrecision) -> String {
        precision == .fp32 ? base : "\(base)+\(precision.rawValue)"
    }

    /// The precision a model identity names (`…+int8@…` → int8; anything else fp32).
    public static func precision(of modelID: String) -> WeightPrecision {
        let name = modelID.split(separator: "@", maxSplits: 1).first.map(String.init) ?? modelID
        return WeightPrecision.allCases.first { $0 != .fp32 && name.hasSuffix("+\($0.rawValue)") } ?? .fp32
    }


    /// `name@<12 hex>`: SHA-256 over `config.json`, the weights file's size and its first and last MiB
    /// (hashing all of a 45 MB checkpoint on every open would cost more than it protects).
    /// - Throws: `CatalogError.encoderUnavailable` when the folder lacks the files.
    public static func fingerprint(name: String, directory: URL, weightsFile: String = "model.safetensors") throws -> String {
        var hasher = SHA256()
        do {
            hasher.update(try Data(contentsOf: directory.appendingPathComponent("config.json")))
            let weightsURL = directory.appendingPathComponent(weightsFile)
            let handle = try FileHandle(forReadingFrom: weightsURL)
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            hasher.update(Array("size=\(size)".utf8))
            try handle.seek(toOffset: 0)
            hasher.update(try handle.read(upToCount: 1 << 20) ?? Data())
            try handle.seek(toOffset: size > 1 << 20 ? size - (1 << 20) : 0)
            hasher.update(try handle.read(upToCount: 1 << 20) ?? Data())
        } catch {
            throw CatalogError.encoderUnavailable(modality: name, reason: "cannot fingerprint \(directory.path): \(error)")
        }
        return "\(name)@\(hasher.finalizeHex().prefix(12))"
    }
}
