import Testing
import VitrineCatalog

@Test func moduleLinks() { #expect(Bool(true)) }
