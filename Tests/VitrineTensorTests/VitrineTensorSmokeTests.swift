import Testing
import VitrineTensor

@Test func moduleLinks() { #expect(Bool(true)) }
