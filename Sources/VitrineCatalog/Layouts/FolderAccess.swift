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
        // stat follows symlinks (a dangling link reads as missing) and, unlike opening, never waits on a FIFO.
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil {
                return "symbolic link '\(relative)' points to a missing file"
            }
            return "file '\(relative)' does not exist"
        }
        let resolved = url.resolvingSymlinksInPath().path
        if !(resolved == resolvedRoot || resolved.hasPrefix(resolvedRoot + "/")) {
            return "'\(relative)' resolves to '\(resolved)', outside the catalog folder (symbolic link)"
        }
        if let kind = Self.nonRegularKind(status.st_mode) { return "'\(relative)' is \(kind), not a file" }
        return nil
    }

    /// The bytes of a vetted relative path; anything but a regular file is refused, never waited on.
    func read(_ relative: String) throws -> [UInt8] {
        // Callers that skip `problem(with:)` (the manifest itself) or race a replaced file must not
        // block: opening a FIFO with no writer waits forever unless O_NONBLOCK, which regular files ignore.
        let path = root.appendingPathComponent(relative).path
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(reason: "cannot read file: \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileReadError(reason: "cannot read file: \(String(cString: strerror(errno)))") }
        if let kind = Self.nonRegularKind(status.st_mode) { throw FileReadError(reason: "cannot read file: it is \(kind)") }
        do { return [UInt8](try handle.readToEnd() ?? Data()) } catch {
            throw FileReadError(reason: "cannot read file: \((error as NSError).localizedDescription)")
        }
    }

    /// What a file of this mode is when it is not a regular file ("a folder", "a named pipe (FIFO)"…), or nil.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "a special file"
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
