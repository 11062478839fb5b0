import Testing
import VitrineCore

@Test func moduleLinks() { #expect(Bool(true)) }
