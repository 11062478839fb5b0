import Foundation

/// How an image becomes a model input: resize the short side, centre-crop a square, normalize.
/// The defaults are the ImageNet evaluation recipe (256 → 224, ImageNet mean/std); the model
/// stage passes its own values where its checkpoint differs.
public struct Preprocessing: Sendable, Equatable {
    /// Short side after resizing (torchvision `Resize(resizeShortSide)`).
    public var resizeShortSide: Int
    /// Side of the square centre crop (torchvision `CenterCrop(cropSize)`).
    public var cropSize: Int
    /// Per-channel mean (R, G, B) subtracted after scaling bytes to 0...1.
    public var mean: [Float]
    /// Per-channel standard deviation (R, G, B) divided by after subtracting the mean.
    public var std: [Float]
    /// Resampling filter for the resize.
    public var filter: ResamplingFilter
    /// Let libjpeg decode JPEGs at a reduced N/8 scale that still covers `resizeShortSide`.
    /// Much faster on large photos; pixels then differ slightly from a full decode + resize.
    public var usesDCTScaling: Bool
    /// Largest accepted `width × height` before decoding (decompression-bomb guard).
    public var pixelLimit: Int

    /// ImageNet normalization constants.
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    /// ImageNet normalization constants.
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// Creates a recipe; every parameter has the documented default.
    public init(
        resizeShortSide: Int = 256,
        cropSize: Int = 224,
        mean: [Float] = Preprocessing.imageNetMean,
        std: [Float] = Preprocessing.imageNetStd,
        filter: ResamplingFilter = .bilinear,
        usesDCTScaling: Bool = true,
        pixelLimit: Int = 64_000_000
    ) {
        self.resizeShortSide = resizeShortSide
        self.cropSize = cropSize
        self.mean = mean
        self.std = std
        self.filter = filter
        self.usesDCTScaling = usesDCTScaling
        self.pixelLimit = pixelLimit
    }

    /// Decoding options that go with this recipe.
    public var decodingOptions: ImageDecodingOptions {
        ImageDecodingOptions(pixelLimit: pixelLimit, minimumShortSide: usesDCTScaling ? resizeShortSide : nil)
    }

    /// Resize, crop and normalize an already decoded image into a `[3, cropSize, cropSize]` tensor.
    public func tensor(from image: RGBImage) throws(ImageProcessingError) -> ImageTensor {
        try tensor(from: DecodedImage(image: image, sourceWidth: image.width, sourceHeight: image.height))
    }

    /// Resize, crop and normalize a decoded image. The resize target comes from the declared
    /// source size, so a DCT-scaled decode (whose size libjpeg rounds up) lands on the same
    /// `W × H` as a full decode would, and the crop window stays where the reference puts it.
    public func tensor(from decoded: DecodedImage) throws(ImageProcessingError) -> ImageTensor {
        guard cropSize > 0, resizeShortSide >= cropSize else {
            throw .invalidSize(operation: "preprocessing (short side \(resizeShortSide), crop)", width: cropSize, height: cropSize)
        }
        let target = RGBImage.size(width: decoded.sourceWidth, height: decoded.sourceHeight, forShortSide: resizeShortSide)
        // Only the crop window is resampled (same pixels as resizing fully, then cropping).
        let cropped = try decoded.image.resizedCenterCrop(width: target.width, height: target.height,
                                                          cropWidth: cropSize, cropHeight: cropSize, filter: filter)
        return try cropped.normalizedTensor(mean: mean, std: std)
    }

    /// File → decode (DCT-scaled when allowed) → resize → centre crop → normalized CHW tensor.
    /// Throws `ImageDecodingError` for unreadable files, `ImageProcessingError` for bad options.
    public func tensor(contentsOf url: URL) throws -> ImageTensor {
        try tensor(from: ImageDecoder.decodeKeepingSourceSize(contentsOf: url, options: decodingOptions))
    }

    /// In-memory file bytes → normalized CHW tensor; `name` labels the data in errors.
    public func tensor(fromFileBytes bytes: [UInt8], name: String) throws -> ImageTensor {
        try tensor(from: ImageDecoder.decodeKeepingSourceSize(bytes, name: name, options: decodingOptions))
    }
}
