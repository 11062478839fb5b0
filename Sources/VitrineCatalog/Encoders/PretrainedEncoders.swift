import Foundation
import VitrineImage
import VitrineModels
import VitrineTensor

/// EfficientNet-Lite0 behind the catalog's image-encoder protocol.
struct EfficientNetCatalogEncoder: CatalogImageEncoder {
    let encoder: ImageEncoder

    func tensor(fromFileBytes bytes: [UInt8], name: String) throws -> ImageTensor {
        try encoder.preprocessing.tensor(fromFileBytes: bytes, name: name)
    }

    func embed(batch tensors: [ImageTensor]) throws -> [[Float]] {
        try encoder.embed(batch: tensors)
    }
}


extension EncoderProvider {
    /// The pretrained EfficientNet-Lite0 (1280-d) and all-MiniLM-L6-v2 (384-d) from a models folder
    /// (default: `ModelAssets.modelsDirectory()`), with the weights in the given precisions. An int8
    /// model has its own identity (``ModelIdentity/name(_:precision:)``), so its vectors never mix with
    /// fp32 ones in a store.
    /// - Throws: `CatalogError.encoderUnavailable` when the folder or a model's files are missing.
    public static func pretrained(modelsDirectory: URL? = nil, imagePrecision: WeightPrecision = .fp32,
                                  textPrecision: WeightPrecision = .fp32) throws -> EncoderProvider {
        let models: URL
        if let modelsDirectory { models = modelsDirectory } else {
            do { models = try ModelAssets.modelsDirectory() } catch {
                throw CatalogError.encoderUnavailable(modality: "image and text", reason: "\(error)")
            }
        }
        let imageDirectory = models.appendingPathComponent(ImageEncoder.modelName)
        let textDirectory = models.appendingPathComponent("all-MiniLM-L6-v2")
        return EncoderProvider(
            imageModelID: try ModelIdentity.fingerprint(name: ModelIdentity.name(ImageEncoder.modelName, precision: imagePrecision),
                                                        directory: imageDirectory),
            textModelID: try ModelIdentity.fingerprint(name: ModelIdentity.name("all-MiniLM-L6-v2", precision: textPrecision),
                                                       directory: textDirectory),
            imageDimension: 1280, textDimension: 384,
            makeImageEncoder: {
                do { return EfficientNetCatalogEncoder(encoder: try ImageEncoder(directory: imageDirectory, precision: imagePrecision)) } catch {
                    throw CatalogError.encoderUnavailable(modality: "image", reason: "\(error)")
                }
            },
            makeTextEncoder: {
                try makeMiniLMEncoder(directory: textDirectory, precision: textPrecision)
            })
    }
}
