import Testing
import VitrineCatalog

/// The file-name title rule on names as cameras, phones, scanners, shops and people make them.
@Suite struct FileNameTitleTests {
    static let words = [
        "red-lamp", "red-lamp_02", "oak_dining_table", "Eiffel Tower at night", "chaise-longue-oak", "mug2", "TV-stand",
        "blue suede shoes (1)", "grandmas-apple-pie-2019", "redLampOnDesk", "café-crème", "東京タワー", "IMG_sunset_beach",
        "sofa_v2_final", "Ficus benjamina", "lamp", "daisy", "baby-tux", "new-penguin", "wool-sweater-knit", "DSC_0042_cathedral",
    ]
    static let ids = [
        // cameras and phones
        "IMG_2031", "IMG_20230501_123456", "IMG-20190315-WA0001", "DSC01234", "DSCN0042", "DSCF3301", "P1010001", "PXL_20230101_101010123",
        "MVIMG_20191231_235959", "GOPR0123", "GH010045", "DJI_0001", "SAM_1234", "WP_20140101_001",
        // screenshots, scans, generic
        "Screenshot 2023-05-01 at 10.22.33", "Screen Shot 2020-01-01 at 9.00.00 AM", "scan0001", "Scan_2023-02-11", "image (3)",
        "Untitled-1", "photo_001", "file_12", "copy of 0042",
        // numbers and dates
        "0042", "20230501", "2023-05-01", "1683020552", "001_002",
        // hashes and uuids
        "3f2a9c1b7e4d5f60a1b2c3d4e5f60718", "d41d8cd98f00b204e9800998ecf8427e", "a3f5b8c9e1d2", "9f86d081884c7d65",
        "123e4567-e89b-12d3-a456-426614174000", "123E4567E89B12D3A456426614174000",
        // SKU-like codes
        "SKU-10023", "AB-12345-X", "XJ9-220", "B07XJ8C8F5", "product_12345", "item-000123", "ref_4411", "X1", "qx-77",
    ]

    @Test(arguments: words) func namesThatReadAsWordsKeepTheirTitle(_ name: String) {
        #expect(FileNameTitle.readsAsWords(name), "\(name)")
    }

    @Test(arguments: ids) func idLikeNamesDoNotEnterTheEncoderText(_ name: String) {
        #expect(!FileNameTitle.readsAsWords(name), "\(name)")
    }

    @Test func encoderTextUsesADerivedTitleOnlyWhenItReadsAsWords() {
        var worded = SourceItem(id: "red-lamp")
        worded.description = "A lamp for the desk."
        #expect(worded.encoderText == "red lamp. A lamp for the desk.")
        var camera = SourceItem(id: "IMG_2031")
        camera.description = "A lamp for the desk."
        #expect(camera.encoderText == "A lamp for the desk.")
        // A given title always enters, however it looks; a derived title alone is no text.
        var given = camera
        given.title = "IMG 2031"
        given.titleIsGiven = true
        #expect(given.encoderText == "IMG 2031. A lamp for the desk.")
        #expect(SourceItem(id: "red-lamp").encoderText == nil)
    }
}
