import Foundation

/// Why the model assets folder (`assets/models`) could not be found.
public enum ModelAssetsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `VITRINE_ASSETS` is set but has no `models` folder under it.
    case environmentPathInvalid(variable: String, path: String)
    /// No `assets/models` folder in any of the places searched (listed in order).
    case notFound(searched: [String])
    /// The models folder exists but lacks this model's folder.
    case modelMissing(name: String, directory: String)

    public var description: String {
        switch self {
        case .environmentPathInvalid(let variable, let path):
            return "\(variable)=\(path) has no models/ folder (expected \(path)/models)"
        case .notFound(let searched):
            return "no assets/models folder found; looked in: " + searched.joined(separator: ", ")
                + " (set \(ModelAssets.environmentVariable) to the assets folder)"
        case .modelMissing(let name, let directory):
            return "model folder \(name) is missing from \(directory)"
        }
    }
}

/// Locates the pretrained model files kept under `assets/models` at the package root.
///
/// Search order: the `VITRINE_ASSETS` environment variable (the `assets` folder; when set it is
/// the only place looked at, so a wrong setting fails loudly), then the current directory and
/// its ancestors, then the ancestors of this source file (works from a source checkout, e.g.
/// `swift test` or a binary run from anywhere on the build machine).
public enum ModelAssets {
    /// Environment variable naming the `assets` folder (the one that holds `models/`).
    public static let environmentVariable = "VITRINE_ASSETS"

    /// The `assets/models` folder.
    /// - Throws: `ModelAssetsError` listing where it looked.
    public static func modelsDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ModelAssetsError) -> URL {
        if let configured = environment[environmentVariable], !configured.isEmpty {
            let models = URL(fileURLWithPath: configured).appendingPathComponent("models")
            guard isDirectory(models) else { throw .environmentPathInvalid(variable: environmentVariable, path: configured) }
            return models
        }
        var searched: [String] = []
        let starts = [URL(fileURLWithPath: currentDirectory), URL(fileURLWithPath: #filePath).deletingLastPathComponent()]
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent("assets").appendingPathComponent("models")
                searched.append(candidate.path)
                if isDirectory(candidate) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw .notFound(searched: searched)
    }

    /// The folder of one model, e.g. `modelDirectory(named: "all-MiniLM-L6-v2")`.
    /// - Throws: `ModelAssetsError` if the assets folder or the model's folder is missing.
    public static func modelDirectory(named name: String) throws(ModelAssetsError) -> URL {
        let models = try modelsDirectory()
        let directory = models.appendingPathComponent(name)
        guard isDirectory(directory) else { throw .modelMissing(name: name, directory: models.path) }
        return directory
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
