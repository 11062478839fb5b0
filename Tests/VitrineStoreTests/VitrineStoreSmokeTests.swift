import Testing
import VitrineStore

@Test func moduleLinks() { #expect(Bool(true)) }
