import Foundation
import VitrineImage
import VitrineCatalog

/// Finds item pictures on disk: indexed items' files under the catalog folder, uploaded items' files in
/// the uploads folder. Paths from the store are vetted so a request can never read outside those folders.
struct MediaLibrary: Sendable {
    /// The indexed catalog folder, if known.
    let root: URL?
    /// Where `POST /items` pictures are kept.
    let uploads: URL

    /// The first picture of `item` with its bytes and format, or nil when none is on disk.
    func picture(of item: CatalogItem) -> (bytes: [UInt8], format: ImageFormat)? {
        var candidates: [URL] = []
        if let root {
            for path in item.sourcePaths where Self.isSafeRelativePath(path) { candidates.append(root.appendingPathComponent(path)) }
        }
        candidates += ImageFormat.storedExtensions.map { uploadURL(for: item.id, fileExtension: $0) }
        for url in candidates {
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            let bytes = [UInt8](data)
            let format = ImageFormat.detect(in: bytes)
            if format != .unknown { return (bytes, format) }
        }
        return nil
    }

    /// Keeps an uploaded picture of item `id`.
    func saveUpload(_ bytes: [UInt8], format: ImageFormat, for id: String) throws {
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        removeUploads(for: id)
        try Data(bytes).write(to: uploadURL(for: id, fileExtension: format.fileExtension), options: .atomic)
    }

    /// Deletes uploaded pictures of item `id` (nothing when there are none).
    func removeUploads(for id: String) {
        for ext in ImageFormat.storedExtensions { try? FileManager.default.removeItem(at: uploadURL(for: id, fileExtension: ext)) }
    }

    private func uploadURL(for id: String, fileExtension: String) -> URL {
        // Ids of uploaded items are restricted to [A-Za-z0-9._-] (see `ItemRoutes.validatedID`); percent-encode anything else.
        let safe = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? "item"
        return uploads.appendingPathComponent("\(safe).\(fileExtension)")
    }

    /// A relative path without `..` components, so it stays under its root.
    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }
}

extension ImageFormat {
    /// Extensions of stored uploads.
    static let storedExtensions = ["jpg", "png"]
}
