import Testing
import VitrineImage

@Test func moduleLinks() { #expect(Bool(true)) }
