import Foundation

/// Finds the items of a catalog folder in any of the three layouts, vetting every path.
enum FolderScanner {
    static let manifestNames = ["items.jsonl", "items.csv"]

    /// Detects the layout and lists the items: a manifest at the root wins; otherwise top-level image or
    /// text files mean pairs; otherwise subfolders mean one item per subfolder.
    static func scan(_ access: FolderAccess, options: IndexingOptions) throws -> FolderScan {
        let entries = try access.entries(in: "")
        var problems: [IndexingProblem] = []
        var layout: FolderLayout
        var items: [SourceItem]
        if let manifest = manifestNames.first(where: { name in entries.contains { $0.name == name && !$0.isDirectory } }) {
            layout = .manifest
            items = ManifestReader.read(manifest, access: access, options: options, problems: &problems)
        } else if entries.contains(where: { !$0.isDirectory && isItemFile($0.name) }) {
            layout = .pairs
            // Folders named like item files (`lamp.jpg/`) stay in, so vetting reports them instead of dropping them unseen.
            items = scanPairs(entries, access: access, options: options, problems: &problems)
        } else {
            layout = .subfolders
            items = []
            for entry in entries where entry.isDirectory {
                if let problem = access.problem(with: entry.relative), !problem.contains("is a folder") {
                    problems.append(IndexingProblem(file: entry.relative, itemID: entry.name, reason: problem, outcome: .itemSkipped))
                    continue
                }
                items.append(scanSubfolder(entry, access: access, options: options, problems: &problems))
            }
        }
        items = vetted(items, access: access, options: options, problems: &problems)
        return FolderScan(layout: layout, items: items, problems: problems)
    }

    static func isItemFile(_ name: String) -> Bool {
        let ext = FolderAccess.fileExtension(name)
        return FolderAccess.imageExtensions.contains(ext) || FolderAccess.textExtensions.contains(ext)
    }

    /// Layout (a): files grouped by base name; `.json` is read after `.txt` / `.md` so its fields win.
    static func scanPairs(_ files: [(name: String, relative: String, isDirectory: Bool)], access: FolderAccess,
                          options: IndexingOptions, problems: inout [IndexingProblem]) -> [SourceItem] {
        var order: [String] = []
        var groups: [String: [String]] = [:]
        for file in files where isItemFile(file.name) {
            let base = FolderAccess.baseName(file.name)
            if groups[base] == nil { order.append(base) }
            groups[base, default: []].append(file.relative)
        }
        return order.map { base in
            var item = SourceItem(id: base)
            let paths = groups[base] ?? []
            item.imagePaths = paths.filter { FolderAccess.imageExtensions.contains(FolderAccess.fileExtension($0)) }
            let textFiles = paths.filter { FolderAccess.textExtensions.contains(FolderAccess.fileExtension($0)) }
                .sorted { (FolderAccess.fileExtension($0) == "json" ? 1 : 0) < (FolderAccess.fileExtension($1) == "json" ? 1 : 0) }
            readTextFiles(textFiles, into: &item, access: access, options: options, problems: &problems)
            return item
        }
    }

    /// Layout (b): every image in the subfolder, plus `description.txt` / `.md` and `item.json`.
    static func scanSubfolder(_ folder: (name: String, relative: String, isDirectory: Bool), access: FolderAccess,
                              options: IndexingOptions, problems: inout [IndexingProblem]) -> SourceItem {
        var item = SourceItem(id: folder.name)
        let files = (try? access.entries(in: folder.relative)) ?? []
        if files.isEmpty, (try? access.entries(in: folder.relative)) == nil {
            problems.append(IndexingProblem(file: folder.relative, itemID: folder.name, reason: "cannot list the folder", outcome: .itemSkipped))
        }
        // A folder named like a picture is kept for vetting to report, as in the pairs layout.
        item.imagePaths = files.filter { FolderAccess.imageExtensions.contains(FolderAccess.fileExtension($0.name)) }.map(\.relative)
        let known = ["description.txt", "description.md", "item.json"]
        let textFiles = known.compactMap { name in files.first { $0.name == name }?.relative }
        readTextFiles(textFiles, into: &item, access: access, options: options, problems: &problems)
        return item
    }

    static func readTextFiles(_ paths: [String], into item: inout SourceItem, access: FolderAccess, options: IndexingOptions,
                              problems: inout [IndexingProblem]) {
        var fields = TextFields()
        for path in paths {
            if let problem = access.problem(with: path) {
                problems.append(IndexingProblem(file: path, itemID: item.id, reason: problem, outcome: .partIgnored))
                continue
            }
            item.textPaths.append(path)
            if let read = TextSources.read(path, access: access, options: options, itemID: item.id, problems: &problems) {
                fields.merge(read)
            }
        }
        let relativeBase = (paths.first.map { ($0 as NSString).deletingLastPathComponent }) ?? ""
        fields.apply(to: &item)
        // A pairs/subfolder `.json` may list extra images relative to the folder it sits in.
        item.imagePaths += fields.imagePaths.map { relativeBase.isEmpty || $0.hasPrefix("/") ? $0 : relativeBase + "/" + $0 }
    }

    /// Drops duplicate ids (first wins), unusable image paths, extra images, and items left with nothing to embed.
    static func vetted(_ items: [SourceItem], access: FolderAccess, options: IndexingOptions,
                       problems: inout [IndexingProblem]) -> [SourceItem] {
        var seen: [String: String] = [:]
        var result: [SourceItem] = []
        for var item in items {
            let origin = item.textPaths.first ?? item.imagePaths.first ?? item.id
            if item.id.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(IndexingProblem(file: origin, itemID: nil, reason: "the item id is empty", outcome: .itemSkipped))
                continue
            }
            if let first = seen[item.id] {
                problems.append(IndexingProblem(file: origin, itemID: item.id,
                                                reason: "duplicate id '\(item.id)' (first defined by \(first)); this one is ignored",
                                                outcome: .itemSkipped))
                continue
            }
            seen[item.id] = origin
            var kept: [String] = []
            for path in item.imagePaths {
                if let problem = access.problem(with: path) {
                    problems.append(IndexingProblem(file: path, itemID: item.id, reason: problem, outcome: .partIgnored))
                } else if kept.count >= options.maxImagesPerItem {
                    problems.append(IndexingProblem(file: path, itemID: item.id,
                                                    reason: "more than \(options.maxImagesPerItem) images; this one is ignored", outcome: .partIgnored))
                } else if !kept.contains(path) {
                    kept.append(path)
                }
            }
            item.imagePaths = kept
            if item.imagePaths.isEmpty && item.encoderText == nil {
                problems.append(IndexingProblem(file: origin, itemID: item.id, reason: "no usable image or text", outcome: .itemSkipped))
                continue
            }
            result.append(item)
        }
        return result
    }
}
