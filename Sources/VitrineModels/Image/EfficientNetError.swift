import VitrineTensor

/// Why the image encoder could not be loaded or could not run on an input.
public enum EfficientNetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `config.json` is unreadable, malformed or describes something this port does not run.
    case configuration(file: String, reason: String)
    /// The weights file does not match the configuration (missing/extra tensor, wrong shape or
    /// dtype, truncated); the wrapped error names the file and the tensor.
    case weights(SafetensorsError)
    /// The label list is unreadable or does not have one line per class.
    case labels(file: String, reason: String)
    /// The model assets folder could not be located.
    case assets(reason: String)
    /// An input tensor does not have the `[3, size, size]` shape the model was built for.
    case inputShape(expected: [Int], found: [Int])

    /// A message a person can act on without the source.
    public var description: String {
        switch self {
        case let .configuration(file, reason):
            "\(file): EfficientNet configuration: \(reason)"
        case let .weights(error):
            "EfficientNet weights: \(error.description)"
        case let .labels(file, reason):
            "\(file): ImageNet labels: \(reason)"
        case let .assets(reason):
            "EfficientNet assets: \(reason)"
        case let .inputShape(expected, found):
            "EfficientNet input has shape \(found), expected \(expected) (normalized CHW image)"
        }
    }
}
