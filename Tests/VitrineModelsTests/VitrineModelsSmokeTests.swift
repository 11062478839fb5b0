import Testing
import VitrineModels

@Test func moduleLinks() { #expect(Bool(true)) }
