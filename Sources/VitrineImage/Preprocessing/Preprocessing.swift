import CVitrineImageShim
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
        try tensor(fromFileBytes: ImageDecoder.readFile(url), name: url.path)
    }

    /// In-memory file bytes → normalized CHW tensor; `name` labels the data in errors.
    ///
    /// A JPEG (DCT scaling on, no EXIF rotation, not CMYK) is decoded only where the centre crop reads
    /// it: libjpeg reconstructs just those rows and iMCU columns (0.4 of 2.1 ms per ~1 MP photo saved).
    /// The tensor is the same, byte for byte, as from a whole decode.
    public func tensor(fromFileBytes bytes: [UInt8], name: String) throws -> ImageTensor {
        if usesDCTScaling, ImageFormat.detect(in: bytes) == .jpeg,
           let window = try JPEGDecoding.decodeWindow(bytes, name: name, options: decodingOptions, region: cropSourceRegion) {
            return try tensor(fromWindow: window)
        }
        return try tensor(from: ImageDecoder.decodeKeepingSourceSize(bytes, name: name, options: decodingOptions))
    }

    /// The resize target and the crop's top-left corner for a file declaring `sourceWidth × sourceHeight`.
    private func cropPlacement(sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int, left: Int, top: Int) {
        let target = RGBImage.size(width: sourceWidth, height: sourceHeight, forShortSide: resizeShortSide)
        let origin = RGBImage.centerCropOrigin(width: target.width, height: target.height, cropWidth: cropSize, cropHeight: cropSize)
        return (target.width, target.height, origin.left, origin.top)
    }

    /// The frame pixels the centre crop reads, with 8 spare pixels each side (libjpeg's fancy
    /// upsampling needs neighbours at a crop edge); nil when the crop does not fit.
    private func cropSourceRegion(frameWidth: Int, frameHeight: Int, sourceWidth: Int, sourceHeight: Int)
        -> (x: Int, y: Int, width: Int, height: Int)? {
        guard cropSize > 0, resizeShortSide >= cropSize else { return nil }
        let placement = cropPlacement(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        guard placement.width >= cropSize, placement.height >= cropSize else { return nil }
        var window = [Int32](repeating: 0, count: 4)
        let cFilter = filter == .bilinear ? VITRINE_FILTER_BILINEAR : VITRINE_FILTER_BICUBIC
        let status = vitrine_resample_source_window(
            Int32(frameWidth), Int32(frameHeight), Int32(placement.width), Int32(placement.height), Int32(placement.left),
            Int32(placement.top), Int32(cropSize), Int32(cropSize), Int32(cFilter.rawValue), &window)
        guard status == 0 else { return nil }
        let x0 = max(0, Int(window[0]) - 8), y0 = max(0, Int(window[1]) - 8)
        let x1 = min(frameWidth, Int(window[2]) + 8), y1 = min(frameHeight, Int(window[3]) + 8)
        return (x0, y0, x1 - x0, y1 - y0)
    }

    /// Resize the decoded part to the crop, then normalize.
    private func tensor(fromWindow window: JPEGDecoding.Window) throws(ImageProcessingError) -> ImageTensor {
        let placement = cropPlacement(sourceWidth: window.sourceWidth, sourceHeight: window.sourceHeight)
        let cropped = try RGBImage.resampledWindow(
            of: window.pixels, part: (window.x, window.y, window.width, window.height), sourceWidth: window.frameWidth,
            sourceHeight: window.frameHeight, width: placement.width, height: placement.height,
            window: (placement.left, placement.top, cropSize, cropSize), filter: filter)
        return try cropped.normalizedTensor(mean: mean, std: std)
    }
}
