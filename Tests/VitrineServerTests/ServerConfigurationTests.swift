import Foundation
import Testing
import VitrineServer

/// Key files and the configuration checks `vitrine serve` runs before it binds.
@Suite struct ServerConfigurationTests {
    static let admin = "k7Qm2-Xv9_pL4.tR8+wZ/3=="
    static let ingest = "ingest0123456789ABCDEF"

    @Test func keyFileWithCommentsAndBlankLinesGivesEachKeyItsRole() throws {
        let text = """
            # Vitrine API keys
              admin \(Self.admin)

            ingest\t\(Self.ingest)   
            """
        let keys = try APIKeys(parsing: text, source: "keys.txt")
        #expect(keys.role(of: Self.admin) == .admin)
        #expect(keys.role(of: Self.ingest) == .ingest)
        #expect(keys.role(of: String(Self.admin.dropLast()) + "+") == nil)
        #expect(keys.role(of: "") == nil)
        #expect(APIKeyRole.admin.grants(.ingest) && !APIKeyRole.ingest.grants(.admin))
    }

    @Test func malformedKeyLinesNameTheFileAndLineButNotTheKey() throws {
        let secret = "Secret0123456789Secret"
        let cases: [(line: String, reason: String)] = [
            ("admin", "two words"),
            ("admin \(secret) extra", "two words"),
            ("\(secret) admin", "'admin' or 'ingest'"),
            ("root \(secret)", "'admin' or 'ingest'"),
            ("ingest short-key", "shorter than 16"),
            ("ingest \(secret)\u{E9}", "letters, digits"),
            ("ingest \(Self.admin)", "already listed"),
        ]
        for (line, reason) in cases {
            let text = "# keys\nadmin \(Self.admin)\n\(line)\n"
            do {
                _ = try APIKeys(parsing: text, source: "/etc/vitrine/keys.txt")
                Issue.record("accepted '\(line)'")
            } catch let error as APIKeyError {
                guard case let .malformedLine(source, number, _) = error else { Issue.record("\(error)"); continue }
                #expect(source == "/etc/vitrine/keys.txt" && number == 3, "\(line)")
                #expect(error.description.hasPrefix("/etc/vitrine/keys.txt line 3: "))
                #expect(error.description.contains(reason), "\(error.description)")
                #expect(!error.description.contains(secret) && !error.description.contains(Self.admin), "\(error.description)")
            }
        }
        #expect(throws: APIKeyError.noKeys(source: "empty.txt")) { try APIKeys(parsing: "# nothing yet\n\n", source: "empty.txt") }
    }

    @Test func environmentEntriesAreSeparatedBySemicolonsOrNewlinesAndAddToTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("keys.txt")
        try "admin \(Self.admin)\n".write(to: file, atomically: true, encoding: .utf8)
        let third = "third-key-0123456789"
        let keys = try APIKeys.load(file: file, environment: ["VITRINE_API_KEYS": "ingest \(Self.ingest); ingest \(third)\n"])
        #expect(keys.role(of: Self.admin) == .admin)
        #expect(keys.role(of: Self.ingest) == .ingest && keys.role(of: third) == .ingest)
        #expect(try APIKeys.load(file: nil, environment: [:]).isEmpty)
        #expect(try APIKeys.load(file: nil, environment: ["VITRINE_API_KEYS": "  "]).isEmpty)

        #expect(throws: APIKeyError.self) { try APIKeys.load(file: nil, environment: ["VITRINE_API_KEYS": "admin \(Self.admin);oops"]) }
        do {
            _ = try APIKeys.load(file: nil, environment: ["VITRINE_API_KEYS": "admin \(Self.admin);oops"])
        } catch let error as APIKeyError {
            #expect(error.description.hasPrefix("VITRINE_API_KEYS line 2:"))
        }
        let missing = folder.appendingPathComponent("missing.txt")
        do {
            _ = try APIKeys.load(file: missing, environment: [:])
            Issue.record("read a missing key file")
        } catch let error as APIKeyError {
            guard case let .unreadableFile(path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == missing.path)
        }
    }

    @Test func nonLoopbackBindIsRefusedWithoutKeysUnlessInsecure() throws {
        for host in ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "128.0.0.1", "example.com", "127.0.0.1.example.com", ""] {
            #expect(!ServerConfiguration.isLoopback(host: host), "\(host)")
            let open = ServerConfiguration(host: host)
            #expect(throws: ServerConfigurationError.exposedWithoutKeys(host: host)) { try open.validate() }
            var keys = APIKeys()
            keys.add(Self.admin, role: .admin)
            try ServerConfiguration(host: host, apiKeys: keys).validate()
            try ServerConfiguration(host: host, allowsExposureWithoutKeys: true).validate()
        }
        for host in ["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"] {
            #expect(ServerConfiguration.isLoopback(host: host), "\(host)")
            try ServerConfiguration(host: host).validate()
        }
        let message = ServerConfigurationError.exposedWithoutKeys(host: "0.0.0.0").description
        for advice in ["0.0.0.0", "--api-key-file", "VITRINE_API_KEYS", "--insecure", "127.0.0.1"] {
            #expect(message.contains(advice), "\(advice)")
        }
    }

    @Test func keysForReadsNeedKeysAndCORSOriginsMustBeOrigins() throws {
        #expect(throws: ServerConfigurationError.readKeysWithoutKeys) { try ServerConfiguration(requireKeyForReads: true).validate() }
        for origin in ["https://shop.example/", "shop.example", "https://shop.example/app", "ftp://shop.example", "*"] {
            #expect(throws: ServerConfigurationError.invalidCORSOrigin(origin)) { try ServerConfiguration(corsOrigins: [origin]).validate() }
        }
        try ServerConfiguration(corsOrigins: ["https://shop.example", "http://localhost:3000"]).validate()
    }

    @Test func limitsOutOfRangeAreRefusedNamingTheFlag() throws {
        let cases: [(ServerConfiguration, String)] = [
            (ServerConfiguration(idleTimeoutSeconds: 0), "--idle-timeout"),
            (ServerConfiguration(requestBodyTimeoutSeconds: 0), "--body-timeout"),
            (ServerConfiguration(maxConnections: 0), "--max-connections"),
            (ServerConfiguration(thumbnailCacheBytes: -1), "--thumbnail-cache-mb"),
            (ServerConfiguration(maxThumbnailSize: 8), "maxThumbnailSize"),
        ]
        for (configuration, flag) in cases {
            #expect {
                try configuration.validate()
            } throws: { error in
                guard case let ServerConfigurationError.invalidLimit(message) = error else { return false }
                return message.contains(flag)
            }
        }
        try ServerConfiguration().validate()
    }
}
