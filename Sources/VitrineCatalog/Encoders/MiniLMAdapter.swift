import Foundation
import VitrineModels
import VitrineTensor

/// all-MiniLM-L6-v2 behind the catalog's text-encoder protocol.
struct MiniLMCatalogEncoder: CatalogTextEncoder {
    let encoder: TextEncoder

    func embed(batch texts: [String]) throws -> [[Float]] {
        encoder.embed(batch: texts)
    }
}

/// Builds the MiniLM text encoder for the catalog.
/// - Throws: `CatalogError.encoderUnavailable` naming the loader's problem.
func makeMiniLMEncoder(directory: URL, precision: WeightPrecision) throws -> any CatalogTextEncoder {
    do { return MiniLMCatalogEncoder(encoder: try TextEncoder(directory: directory, precision: precision)) } catch {
        throw CatalogError.encoderUnavailable(modality: "text", reason: "\(error)")
    }
}
