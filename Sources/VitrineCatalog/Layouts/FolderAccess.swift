import Foundation

/// Reads inside one catalog folder and refuses anything that leaves it: absolute paths, `..`
/// components and symbolic links whose target lies outside the folder.
struct FolderAccess: Sendable {
    /// The folder as given.
    let root: URL
    /// The folder with symlinks resolved; every resolved path must start with it.
    let resolvedRoot: String

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "heic"]
    static let textExtensions: Set<String> = ["txt", "md", "json"]

    init(root: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw CatalogError.folderUnreadable(path: root.path, reason: "it does not exist")
        }
        guard isDirectory.boolValue else { throw CatalogError.folderUnreadable(path: root.path, reason: "it is not a folder") }
        self.root = root.standardizedFileURL
        resolvedRoot = root.standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Why `relative` is not usable (escapes the folder, missing, not a regular file), or nil when it is fine.
    func problem(with relative: String) -> String? {
        if relative.isEmpty { return "the path is empty" }
        if relative.hasPrefix("/") || relative.hasPrefix("~") { return "absolute path '\(relative)' is not allowed (paths are relative to the catalog folder)" }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        if components.contains("..") { return "path '\(relative)' escapes the catalog folder ('..')" }
        let url = root.appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        // fileExists follows symlinks: a dangling link reads as missing.
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil {
                return "symbolic link '\(relative)' points to a missing file"
            }
            return "file '\(relative)' does not exist"
        }
        let resolved = url.resolvingSymlinksInPath().path
        if !(resolved == resolvedRoot || resolved.hasPrefix(resolvedRoot + "/")) {
            return "'\(relative)' resolves to '\(resolved)', outside the catalog folder (symbolic link)"
        }
        if isDirectory.boolValue { return "'\(relative)' is a folder, not a file" }
        return nil
    }

    /// The bytes of a vetted relative path.
    func read(_ relative: String) throws -> [UInt8] {
        do { return [UInt8](try Data(contentsOf: root.appendingPathComponent(relative))) } catch {
            throw FileReadError(reason: "cannot read file: \((error as NSError).localizedDescription)")
        }
    }

    /// Size in bytes, or nil when unknown.
    func size(of relative: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(relative).path)[.size] as? NSNumber)?.intValue
    }

    /// Non-hidden entries of a folder (relative to the root), sorted by name.
    func entries(in relativeFolder: String) throws -> [(name: String, relative: String, isDirectory: Bool)] {
        let folder = relativeFolder.isEmpty ? root : root.appendingPathComponent(relativeFolder)
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw CatalogError.folderUnreadable(path: folder.path, reason: (error as NSError).localizedDescription)
        }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { name in
            let relative = relativeFolder.isEmpty ? name : relativeFolder + "/" + name
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return (name, relative, isDirectory.boolValue)
        }
    }

    static func fileExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    static func baseName(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}

/// A file that could not be read, with the reason.
struct FileReadError: Error {
    let reason: String
}
