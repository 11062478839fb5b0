/// The fixed text the int8 MiniLM is calibrated on: the fp32 model runs these sentences once at load,
/// and each dense layer keeps the input channels where they reach the largest |activation| in fp32
/// (``QuantizedPanels``). BERT-style models carry such outlier channels in the same places whatever
/// the input (the residual stream's few huge dimensions), so a short, varied set finds them; the
/// sentences are deliberately unlike the parity fixtures (tools/minilm_sentences.py), which test them.
///
/// Measured on those 65 fixture sentences (PyTorch emulation and the Swift encoder, BENCHMARKS.md):
/// all-int8 dense layers give min cosine 0.982–0.986 to fp32, with 8 fp32 channels per layer ≈ 0.998.
public enum MiniLMCalibration {
    /// Input channels per dense layer kept in fp32 (2 already gave most of the gain; 8 costs ~2 % of a layer's work).
    public static let outlierChannels = 8

    /// Varied registers and lengths: product copy, news, a question, a recipe, lists, numbers, code, other languages.
    public static let sentences: [String] = [
        "A wooden chair with a soft linen cushion and oak legs, handmade in a small workshop.",
        "Fresh sourdough bread, aged cheddar and a jar of wildflower honey for a slow breakfast.",
        "The mirrorless camera ships with a 24–70 mm lens, two batteries and a waterproof case.",
        "Stock markets fell sharply on Tuesday after the central bank raised interest rates again.",
        "How do I reset my password if I no longer have access to the e-mail address on the account?",
        "Preheat the oven to 200 °C, toss the potatoes in olive oil and roast them for forty minutes.",
        "Size M, 100% organic cotton, machine washable at 30 degrees, colour: forest green.",
        "The 2019 model year introduced a 2.0-litre engine producing 190 hp and 400 Nm of torque.",
        "Thriller, drama. A retired detective returns to the village where a child vanished in 1987.",
        "Running shoes for trail and road with a grippy sole, breathable mesh and extra heel support.",
        "func add(a: Int, b: Int) -> Int { return a + b } // returns the sum of two integers",
        "Un café crème et deux croissants, s'il vous plaît. Vielen Dank für Ihre schnelle Antwort!",
        "Meeting notes: ship the release on Friday, fix the login bug, and update the onboarding docs.",
        "Vintage brass desk lamp with a green glass shade; minor scratches on the base, works perfectly.",
        "Red car parked by the sea at sunset, with gulls circling over the harbour and fishing boats.",
        "Classical concert tonight: Brahms' violin concerto and Dvořák's ninth symphony, doors open at 7 pm.",
    ]
}
