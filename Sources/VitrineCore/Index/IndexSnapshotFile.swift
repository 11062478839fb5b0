import Foundation

// A flat binary file of sections — integers, length-prefixed arrays of plain values, strings — with
// a running 64-bit checksum, for index snapshots that must open in seconds: arrays are read
// straight into their final buffers (no per-row decoding), and a reader mirrors the writer's
// sequence of calls exactly. The file ends with the checksum of everything before it; a reader
// that finds a different one (a torn or altered file) throws instead of returning what it read.
//
// The format carries no schema of its own: the owner writes a version number first and reads its
// sections back in the same order. Every count is checked against the bytes left in the file, so
// a corrupt length fails fast instead of allocating gigabytes.

/// Writes a snapshot file: `create` a temporary file, write sections, then `commit` (checksum, fsync,
/// rename over `path`), so a reader sees either the old file or the whole new one.
public struct SnapshotFileWriter {
    /// Final location of the file.
    public let path: String
    private let temporaryPath: String
    private let descriptor: Int32
    private var checksum = SnapshotChecksum()
    /// Bytes written so far.
    public private(set) var byteCount = 0

    /// Opens `path + ".partial"` for writing (replacing an earlier partial file).
    /// - Throws: `VitrineCoreError.snapshotUnreadable` naming the file when it cannot be created.
    public init(path: String) throws {
        self.path = path
        temporaryPath = path + ".partial"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw VitrineCoreError.snapshotUnreadable(file: temporaryPath, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes raw bytes (and adds them to the checksum).
    public mutating func write(bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }  // as the reader, which reads nothing for an empty array
        checksum.add(bytes)
        try writeUnchecked(bytes)
    }

    private mutating func writeUnchecked(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw VitrineCoreError.snapshotUnreadable(file: temporaryPath, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        byteCount += bytes.count
    }

    /// Writes one plain value.
    public mutating func write<T: BitwiseCopyable>(_ value: T) throws {
        try withUnsafeBytes(of: value) { try write(bytes: $0) }
    }

    /// Writes an array of plain values: its count, then its elements' bytes.
    public mutating func write<T: BitwiseCopyable>(array: [T]) throws {
        try write(Int64(array.count))
        try array.withUnsafeBytes { try write(bytes: $0) }
    }

    /// Writes a string as its UTF-8 bytes.
    public mutating func write(string: String) throws {
        try write(array: Array(string.utf8))
    }

    /// Writes optional strings compactly: one lengths array (-1 for nil) and one array of all bytes.
    public mutating func write(strings: [String?]) throws {
        var lengths = [Int32](), bytes = [UInt8]()
        lengths.reserveCapacity(strings.count)
        for string in strings {
            guard let string else { lengths.append(-1); continue }
            let utf8 = Array(string.utf8)
            lengths.append(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        try write(array: lengths)
        try write(array: bytes)
    }

    /// Appends the checksum, flushes the file to disk and renames it over `path`; returns the checksum.
    @discardableResult
    public mutating func commit() throws -> UInt64 {
        let sum = checksum.value
        try withUnsafeBytes(of: sum) { try writeUnchecked($0) }
        guard fsync(descriptor) == 0 else {
            throw VitrineCoreError.snapshotUnreadable(file: temporaryPath, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        guard rename(temporaryPath, path) == 0 else {
            throw VitrineCoreError.snapshotUnreadable(file: path, reason: "cannot move the new file into place: \(String(cString: strerror(errno)))")
        }
        return sum
    }

    /// Closes and removes the partial file (after a failed write).
    public func abandon() {
        close(descriptor)
        unlink(temporaryPath)
    }
}

/// Reads a file written by `SnapshotFileWriter`, section by section in the order they were written.
public struct SnapshotFileReader: ~Copyable {
    /// The file read.
    public let path: String
    private let descriptor: Int32
    private let size: Int
    private var offset = 0
    private var checksum = SnapshotChecksum()

    /// Opens `path`. - Throws: `VitrineCoreError.snapshotUnreadable` when it cannot be opened.
    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw VitrineCoreError.snapshotUnreadable(file: path, reason: "cannot open it: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= 8 else {
            close(descriptor)
            throw VitrineCoreError.snapshotUnreadable(file: path, reason: "shorter than its checksum")
        }
        size = Int(status.st_size) - 8  // the trailing checksum is not content
    }

    deinit { close(descriptor) }

    /// Content bytes not read yet.
    public var remaining: Int { size - offset }

    /// A reading error naming this file.
    public func failure(_ reason: String) -> VitrineCoreError { .snapshotUnreadable(file: path, reason: reason) }

    /// Reads exactly `count` bytes into `buffer` (and adds them to the checksum).
    public mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) throws {
        guard count <= remaining else { throw failure("truncated: \(count) bytes wanted at offset \(offset), \(remaining) left") }
        try readUnchecked(into: buffer, count: count)
        checksum.add(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    private mutating func readUnchecked(into buffer: UnsafeMutableRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let got = pread(descriptor, buffer + done, count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw failure("read failed at offset \(offset + done)") }
            done += got
        }
        offset += count
    }

    /// Reads one plain value.
    public mutating func read<T: BitwiseCopyable>(_: T.Type) throws -> T {
        try withUnsafeTemporaryAllocation(of: T.self, capacity: 1) { buffer in
            try read(into: UnsafeMutableRawPointer(buffer.baseAddress!), count: MemoryLayout<T>.size)
            return buffer[0]
        }
    }

    /// Reads an array written by `write(array:)`.
    public mutating func readArray<T: BitwiseCopyable>(of _: T.Type) throws -> [T] {
        let count = try read(Int64.self)
        let stride = MemoryLayout<T>.stride
        guard count >= 0, count <= Int64(remaining / max(stride, 1)) else {
            throw failure("array of \(count) \(T.self) values at offset \(offset) exceeds the file")
        }
        return try [T](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
            if count > 0 { try read(into: UnsafeMutableRawPointer(buffer.baseAddress!), count: Int(count) * stride) }
            initialized = Int(count)
        }
    }

    /// Reads a string written by `write(string:)`. - Throws: when it is not UTF-8.
    public mutating func readString() throws -> String {
        let bytes = try readArray(of: UInt8.self)
        guard let string = String(validating: bytes, as: UTF8.self) else { throw failure("a string that is not UTF-8") }
        return string
    }

    /// Reads strings written by `write(strings:)`.
    public mutating func readStrings() throws -> [String?] {
        let lengths = try readArray(of: Int32.self)
        let bytes = try readArray(of: UInt8.self)
        var strings = [String?]()
        strings.reserveCapacity(lengths.count)
        var start = 0
        for length in lengths {
            guard length >= 0 else { strings.append(nil); continue }
            guard start + Int(length) <= bytes.count,
                  let string = String(validating: bytes[start ..< start + Int(length)], as: UTF8.self) else {
                throw failure("string table is inconsistent")
            }
            strings.append(string)
            start += Int(length)
        }
        guard start == bytes.count else { throw failure("string table is inconsistent") }
        return strings
    }

    /// Checks that every content byte was read and that the trailing checksum matches them; returns it.
    @discardableResult
    public mutating func finish() throws -> UInt64 {
        guard remaining == 0 else { throw failure("\(remaining) unread bytes before the checksum") }
        var stored: UInt64 = 0
        try withUnsafeMutableBytes(of: &stored) { try readUnchecked(into: $0.baseAddress!, count: 8) }
        guard stored == checksum.value else { throw failure("checksum mismatch (a torn or altered file)") }
        return stored
    }
}

/// A fast 64-bit checksum over a sequence of byte chunks (word-wise multiply–rotate mixing). Not
/// cryptographic: it detects torn writes and bit rot, which is all a snapshot needs.
struct SnapshotChecksum {
    private(set) var value: UInt64 = 0x9E37_79B9_7F4A_7C15

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var hash = value ^ UInt64(bytes.count)
        let words = bytes.count / 8
        var index = 0
        // Four independent lanes keep the multiplier busy; folded together at the end.
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (hash, hash &+ 1, hash &+ 2, hash &+ 3)
        while index + 4 <= words {
            let base = index * 8
            lanes.0 = mix(lanes.0, bytes.loadUnaligned(fromByteOffset: base, as: UInt64.self))
            lanes.1 = mix(lanes.1, bytes.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self))
            lanes.2 = mix(lanes.2, bytes.loadUnaligned(fromByteOffset: base + 16, as: UInt64.self))
            lanes.3 = mix(lanes.3, bytes.loadUnaligned(fromByteOffset: base + 24, as: UInt64.self))
            index += 4
        }
        hash = mix(mix(mix(mix(hash, lanes.0), lanes.1), lanes.2), lanes.3)
        while index < words {
            hash = mix(hash, bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            index += 1
        }
        var tail: UInt64 = 0
        for byte in index * 8 ..< bytes.count { tail = tail << 8 | UInt64(bytes[byte]) }
        value = mix(hash, tail)
    }

    @inline(__always) private func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let x = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
        return (x << 31 | x >> 33) &* 0xC4CE_B9FE_1A85_EC53
    }
}
