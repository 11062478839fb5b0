import Foundation
import Testing
import VitrineCore

@Suite struct ItemVectorTests {
    @Test func fusedCosineIsWeightedSumOfModalityCosines() throws {
        var g = SplitMix64(seed: 1)
        let weights = try FusionWeights(image: 3, text: 1)  // → 0.75 / 0.25
        let fusion = VectorFusion(imageDimension: 12, textDimension: 5, weights: weights)
        let a = ItemVectors(image: CoreTestSupport.randomVector(12, using: &g), text: CoreTestSupport.randomVector(5, using: &g))
        let b = ItemVectors(image: CoreTestSupport.randomVector(12, using: &g), text: CoreTestSupport.randomVector(5, using: &g))
        let fa = try fusion.embed(a).vector, fb = try fusion.embed(b).vector
        let imageCosine = CoreTestSupport.cosine(a.image ?? [], b.image ?? [])
        let expected = 0.75 * imageCosine + 0.25 * CoreTestSupport.cosine(a.text ?? [], b.text ?? [])
        #expect(abs(CoreTestSupport.dot(fa, fb) - expected) < 1e-5)
        #expect(abs(CoreTestSupport.dot(fa, fa) - 1) < 1e-5)
        let parts = fusion.modalityContributions(query: fa, item: fb)
        #expect(abs(parts.image - 0.75 * imageCosine) < 1e-5)
    }

    @Test func badVectorsAreRejectedWithTheFieldNamed() throws {
        let fusion = VectorFusion(imageDimension: 4, textDimension: 3)
        #expect(throws: VitrineCoreError.dimensionMismatch(field: "x.image", expected: 4, actual: 2)) {
            try fusion.embed(ItemVectors(image: [1, 2]), id: "x")
        }
        #expect(throws: VitrineCoreError.missingVectors(id: "y")) { try fusion.embed(ItemVectors(), id: "y") }
        #expect(throws: VitrineCoreError.zeroVector(field: "z.text")) { try fusion.embed(ItemVectors(text: [0, 0, 0]), id: "z") }
        #expect(throws: (any Error).self) { try FusionWeights(image: 0, text: 0) }
    }

    @Test func missingHalfIsZeroWithoutCompleteItemsAndFlagged() throws {
        let fusion = try VectorFusion(fittingCatalog: [ItemVectors(text: [1, 0, 0])], imageDimension: 4, textDimension: 3)
        #expect(fusion.imputer.fittedPairCount == 0)
        let e = try fusion.embed(ItemVectors(text: [0, 2, 0]))
        #expect(e.imageImputed && !e.textImputed)
        #expect(Array(e.vector[0..<4]) == [0, 0, 0, 0])
        #expect(abs(e.vector[5] - Float(0.5).squareRoot()) < 1e-6)
    }

    /// Text and image are two different linear images of one hidden latent; a text-only item
    /// must land next to its image-only twin once the ridge maps are fitted.
    @Test func textOnlyItemFindsItsImageOnlyTwinThroughImputation() throws {
        var g = SplitMix64(seed: 7)
        let latent = 6, imageDimension = 20, textDimension = 10
        let toImage = (0..<imageDimension).map { _ in CoreTestSupport.randomVector(latent, using: &g) }
        let toText = (0..<textDimension).map { _ in CoreTestSupport.randomVector(latent, using: &g) }
        func render(_ z: [Float], _ map: [[Float]]) -> [Float] { map.map { CoreTestSupport.dot($0, z) } }
        let complete = (0..<60).map { _ -> ItemVectors in
            let z = CoreTestSupport.randomVector(latent, using: &g)
            return ItemVectors(image: render(z, toImage), text: render(z, toText))
        }
        let twins = (0..<10).map { _ in CoreTestSupport.randomVector(latent, using: &g) }
        let fusion = try VectorFusion(fittingCatalog: complete, imageDimension: imageDimension,
                                      textDimension: textDimension, regularization: 1e-4)
        #expect(fusion.imputer.fittedPairCount == 60)
        var index = try VectorIndex(dimension: fusion.fusedDimension, normalizesVectors: false)
        for (i, v) in complete.enumerated() { try index.add(id: "c\(i)", vector: fusion.embed(v).vector) }
        for (i, z) in twins.enumerated() {
            try index.add(id: "img\(i)", vector: fusion.embed(ItemVectors(image: render(z, toImage))).vector)
        }
        var found = 0
        for (i, z) in twins.enumerated() {
            let query = try fusion.embed(ItemVectors(text: render(z, toText)))
            #expect(query.imageImputed)
            if try index.search(query: query.vector, options: SearchOptions(limit: 1)).first?.id == "img\(i)" { found += 1 }
        }
        #expect(found >= 9, "text-only items found \(found)/10 image-only twins")
        // Without imputation the text-only query scores every image-only item 0: nothing to find.
        let plain = VectorFusion(imageDimension: imageDimension, textDimension: textDimension)
        let bare = try plain.embed(ItemVectors(text: render(twins[0], toText))).vector
        let twinVector = try plain.embed(ItemVectors(image: render(twins[0], toImage))).vector
        #expect(CoreTestSupport.dot(bare, twinVector) == 0)
    }

    /// Both ridge forms must give the same map. 12 pairs with 16-wide text inputs take the dual
    /// path; the same pairs listed twice (24 ≥ 16) take the primal path, and duplicating every
    /// row scales XᵀX, XᵀY and λ (relative to the trace) alike, so W is unchanged.
    @Test func primalAndDualRidgeAgree() throws {
        var g = SplitMix64(seed: 11)
        let pairs = (0..<12).map { _ in
            ItemVectors(image: CoreTestSupport.randomVector(8, using: &g), text: CoreTestSupport.randomVector(16, using: &g))
        }
        let dual = try CrossModalImputer(fitting: pairs, imageDimension: 8, textDimension: 16, regularization: 0.05)
        let primal = try CrossModalImputer(fitting: pairs + pairs, imageDimension: 8, textDimension: 16, regularization: 0.05)
        for _ in 0..<3 {
            let probe = CoreTestSupport.randomVector(16, using: &g)
            let a = try #require(dual.imageVector(fromText: probe))
            let b = try #require(primal.imageVector(fromText: probe))
            for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-4) }
            #expect(abs(CoreTestSupport.dot(a, a) - 1) < 1e-4)
        }
        // With little regularization the map nearly reproduces its training targets.
        let first = pairs[0]
        let predicted = try #require(dual.imageVector(fromText: first.text ?? []))
        #expect(CoreTestSupport.cosine(predicted, first.image ?? []) > 0.9)
    }
}
