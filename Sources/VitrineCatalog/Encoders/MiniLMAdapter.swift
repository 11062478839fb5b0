import Foundation
import VitrineModels

// TEMPORARY until wip/minilm lands its `TextEncoder`: the adapter below is replaced by
// `MiniLMCatalogEncoder(encoder: try TextEncoder(directory:))` at the merge.
/// Builds the MiniLM text encoder for the catalog.
func makeMiniLMEncoder(directory: URL) throws -> any CatalogTextEncoder {
    throw CatalogError.encoderUnavailable(modality: "text", reason: "the MiniLM text encoder (wip/minilm) is not merged into this build yet")
}
