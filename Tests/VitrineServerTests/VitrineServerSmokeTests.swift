import Testing
import VitrineServer

@Test func moduleLinks() { #expect(Bool(true)) }
