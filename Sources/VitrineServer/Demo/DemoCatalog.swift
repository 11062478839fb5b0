import Foundation
import VitrineCatalog
import VitrineCore

/// Why the demo catalog could not be prepared.
public enum DemoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `assets/demo` folder with an `items.jsonl` was found (places searched, in order).
    case notFound(searched: [String])
    /// A demo file exists but cannot be read or parsed.
    case unreadable(file: String, reason: String)

    /// What went wrong, naming the place or file.
    public var description: String {
        switch self {
        case let .notFound(searched):
            return "no assets/demo folder with items.jsonl found; looked in: \(searched.joined(separator: ", ")) (set VITRINE_ASSETS to the assets folder)"
        case let .unreadable(file, reason): return "cannot read demo file \(file): \(reason)"
        }
    }
}

/// One invented persona from `assets/demo/personas.json`.
public struct DemoPersona: Sendable, Codable, Equatable {
    /// Persona id, e.g. `gardener`.
    public var id: String
    /// Display name.
    public var name: String
    /// Categories this persona's synthetic users like.
    public var likedCategories: [String]
    /// User ids whose synthetic events were generated from this persona.
    public var users: [String]

    enum CodingKeys: String, CodingKey {
        case id, name, users
        case likedCategories = "liked_categories"
    }
}

/// The bundled demo catalog (`assets/demo`): locating it, indexing it, importing its synthetic events once.
public struct DemoCatalog: Sendable {
    /// The `assets/demo` folder.
    public let folder: URL

    /// Store meta key holding the byte size of the interactions file already imported (stable across clones).
    static let importedMetaKey = "demo.interactions-imported"

    /// Uses the demo folder at `folder`.
    public init(folder: URL) { self.folder = folder }

    /// Finds `assets/demo` like `ModelAssets` finds `assets/models`: `VITRINE_ASSETS` (the `assets` folder), else the
    /// working directory and its ancestors, else the ancestors of this source file.
    /// - Throws: `DemoError.notFound` listing where it looked.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> DemoCatalog {
        let starts = [URL(fileURLWithPath: currentDirectory), URL(fileURLWithPath: #filePath).deletingLastPathComponent()]
        if let configured = environment["VITRINE_ASSETS"], !configured.isEmpty {
            let demo = URL(fileURLWithPath: configured).appendingPathComponent("demo")
            guard FileManager.default.fileExists(atPath: demo.appendingPathComponent("items.jsonl").path) else {
                throw DemoError.notFound(searched: [demo.path])
            }
            return DemoCatalog(folder: demo)
        }
        var searched: [String] = []
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent("assets/demo")
                searched.append(candidate.path)
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("items.jsonl").path) { return DemoCatalog(folder: candidate) }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw DemoError.notFound(searched: searched)
    }

    /// Indexes the folder into `catalog` (incremental: unchanged items are reused) and records the folder
    /// as the server's picture root.
    /// - Throws: `CatalogError`.
    @discardableResult
    public func index(into catalog: Catalog, progress: ((IndexingProgress) -> Void)? = nil) throws -> IndexingSummary {
        let summary = try catalog.index(folder: folder, progress: progress)
        try catalog.setSetting(folder.path, for: ServerConfiguration.mediaRootMetaKey)
        return summary
    }

    /// Imports `interactions.csv` unless this exact file was imported before; events of unknown items or kinds are skipped.
    /// - Returns: the number of events recorded now (0 when already imported).
    /// - Throws: `DemoError.unreadable`, `CatalogError.store`.
    @discardableResult
    public func importInteractions(into catalog: Catalog) throws -> Int {
        let url = folder.appendingPathComponent("interactions.csv")
        let text: String
        let attributes: [FileAttributeKey: Any]
        do {
            text = try String(contentsOf: url, encoding: .utf8)
            attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        } catch { throw DemoError.unreadable(file: url.path, reason: (error as NSError).localizedDescription) }
        let stamp = "\(attributes[.size] ?? 0)"
        let parsed = EventParser.parse(text, format: .csv).events.map(\.event)
        // A changed file replaces its synthetic users' histories; other users (people playing with
        // the page) keep theirs.
        return try catalog.importEventsOnce(parsed, replacingHistoriesOf: Set(parsed.map(\.user)),
                                            marker: Self.importedMetaKey, value: stamp) ?? 0
    }

    /// The personas behind the synthetic events.
    /// - Throws: `DemoError.unreadable`.
    public func personas() throws -> [DemoPersona] {
        struct File: Codable { var personas: [DemoPersona] }
        let url = folder.appendingPathComponent("personas.json")
        do { return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).personas } catch {
            throw DemoError.unreadable(file: url.path, reason: "\(error)")
        }
    }
}
