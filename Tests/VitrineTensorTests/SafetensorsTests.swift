import Foundation
import Testing
import VitrineTensor

/// Builds a safetensors file by hand so dtypes and corrupt headers can be written exactly.
func rawSafetensors(header: String, data: [UInt8]) -> Data {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: Array(header.utf8))
    bytes.append(contentsOf: data)
    return Data(bytes)
}

func load(_ data: Data) throws(SafetensorsError) -> SafetensorsFile {
    try SafetensorsFile(data: data, fileName: "test.safetensors")
}

@Suite struct SafetensorsTests {
    let weights: [String: Tensor] = [
        "encoder.weight": Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, 1e-8, -7]),
        "encoder.bias": Tensor(shape: [2], scalars: [0.25, -0.5]),
        "scalar": Tensor(shape: [], scalars: [42]),
    ]

    @Test func writtenFileReadsBackThroughMemoryMap() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(safetensorsData(weights, metadata: ["format": "pt"])).write(to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors["encoder.weight"]?.shape == [2, 3])
        #expect(file.tensors["encoder.weight"]?.dtype == .f32)
        let loaded = try file.loadChecked(expected: weights.mapValues(\.shape))
        #expect(loaded == weights)
    }

    @Test func halfAndBFloat16ConvertToFloat() throws {
        // F16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal); BF16: 1.0, -3.5.
        let f16: [UInt8] = [0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00]
        let bf16: [UInt8] = [0x80, 0x3f, 0x60, 0xc0]
        let header = #"{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}"#
        let file = try load(rawSafetensors(header: header, data: f16 + bf16))
        #expect(try file.tensor(named: "h").scalars == [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1)])
        #expect(try file.tensor(named: "b").scalars == [1, -3.5])
    }

    @Test func checkedLoaderNamesMissingUnexpectedMismatchedAndWrongDTypeTensors() throws {
        let file = try load(Data(safetensorsData(weights)))
        var expected = weights.mapValues(\.shape)
        expected["decoder.weight"] = [3]
        #expect(throws: SafetensorsError.missingTensor(file: "test.safetensors", tensor: "decoder.weight")) {
            try file.loadChecked(expected: expected)
        }
        expected = weights.mapValues(\.shape)
        expected["scalar"] = nil
        #expect(throws: SafetensorsError.unexpectedTensor(file: "test.safetensors", tensor: "scalar")) {
            try file.loadChecked(expected: expected)
        }
        #expect(try file.loadChecked(expected: expected, ignoring: ["scalar"]).count == 2)
        expected = weights.mapValues(\.shape)
        expected["encoder.weight"] = [3, 2]
        #expect(throws: SafetensorsError.shapeMismatch(file: "test.safetensors", tensor: "encoder.weight",
                                                      expected: [3, 2], found: [2, 3])) {
            try file.loadChecked(expected: expected)
        }
        #expect(throws: SafetensorsError.unsupportedDType(file: "test.safetensors", tensor: "encoder.bias", dtype: "F32")) {
            try file.loadChecked(expected: weights.mapValues(\.shape), allowedDTypes: [.f16])
        }
        let ids = try load(rawSafetensors(header: #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#,
                                          data: [UInt8](repeating: 0, count: 8)))
        #expect(throws: SafetensorsError.unsupportedDType(file: "test.safetensors", tensor: "ids", dtype: "I64")) {
            try ids.loadChecked(expected: ["ids": [1]])
        }
    }

    @Test func truncatedFilesNameTheTensorWhoseBytesAreMissing() throws {
        let bytes = safetensorsData(weights)
        // Tensors are laid out by sorted name: encoder.bias, encoder.weight, scalar.
        let cut = Data(bytes.dropLast(3))
        #expect(throws: SafetensorsError.truncated(file: "test.safetensors", tensor: "scalar", needed: 36, available: 33)) {
            try load(cut)
        }
        #expect(throws: SafetensorsError.truncated(file: "test.safetensors", tensor: nil, needed: 8, available: 3)) {
            try load(Data(bytes.prefix(3)))
        }
        let headerCut = Data(bytes.prefix(20))
        #expect { try load(headerCut) } throws: { error in
            guard case .truncated(_, nil, _, 20) = error as? SafetensorsError else { return false }
            return true
        }
    }

    @Test func malformedHeadersAreRejectedWithReasons() {
        #expect { try load(rawSafetensors(header: "{not json", data: [])) } throws: { error in
            guard case .badHeader = error as? SafetensorsError else { return false }
            return true
        }
        #expect { try load(rawSafetensors(header: "[1,2]", data: [])) } throws: { error in
            guard case .badHeader = error as? SafetensorsError else { return false }
            return true
        }
        let wrongSize = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        #expect { try load(rawSafetensors(header: wrongSize, data: [UInt8](repeating: 0, count: 12))) } throws: { error in
            guard case .badTensorEntry(_, "w", _) = error as? SafetensorsError else { return false }
            return true
        }
        let noShape = #"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#
        #expect { try load(rawSafetensors(header: noShape, data: [0, 0, 0, 0])) } throws: { error in
            guard case .badTensorEntry(_, "w", _) = error as? SafetensorsError else { return false }
            return true
        }
        let message = SafetensorsError.shapeMismatch(file: "m.safetensors", tensor: "x", expected: [2], found: [3]).description
        #expect(message.contains("m.safetensors") && message.contains("'x'") && message.contains("[2]"))
    }

    @Test func unreadablePathIsReported() {
        #expect { try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/w.safetensors")) } throws: { error in
            guard case .unreadable(let file, _) = error as? SafetensorsError else { return false }
            return file == "/nonexistent/w.safetensors"
        }
    }
}
