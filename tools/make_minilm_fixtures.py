"""Golden fixtures for the Swift all-MiniLM-L6-v2 parity tests.

Writes Tests/VitrineModelsTests/Fixtures/minilm/:
  manifest.json  per sentence: text, Hugging Face tokenizer input ids (with [CLS]/[SEP],
                 truncated at max_seq_length 256, no padding) and tokens; the 10 nearest
                 neighbours (by cosine of the reference embeddings, ties broken by index);
                 plus debug-dump descriptions.
  embeddings.f32              N x 384 float32 LE, row-major: sentence-transformers (fp32 original
                              checkpoint, CPU) normalized embeddings, in manifest order.
  embeddings_fp16_weights.f32 same, but the model's weights are the committed fp16 asset
                              (upcast, computed in fp32) — what a correct Swift port of the asset gives.
  debug_s0_*.f32              hidden states for sentence 0 (tokens x 384, row-major): after the
                              embedding LayerNorm, after encoder layer 0, and the last layer.

Run: HF_HUB_OFFLINE=1 /tmp/venv/bin/python tools/make_minilm_fixtures.py   (after convert_minilm.py)
"""
from __future__ import annotations

import json

import numpy as np
import torch
from safetensors.torch import load_file

from convert_minilm import ASSET_DIR, REPO, SOURCE, load_reference
from minilm_sentences import SENTENCES

OUT = REPO / "Tests" / "VitrineModelsTests" / "Fixtures" / "minilm"
NEIGHBOURS = 10
STABLE_GAP = 1e-3


def write_f32(path, array) -> None:
    path.write_bytes(np.ascontiguousarray(array, dtype="<f4").tobytes())


@torch.no_grad()
def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    model = load_reference()
    max_len = model.max_seq_length
    tokenizer = model.tokenizer
    features = model.preprocess(SENTENCES)
    reference = model.encode(SENTENCES, convert_to_numpy=True, batch_size=16).astype(np.float32)

    # ids as sentence-transformers feeds them, checked against the plain tokenizer call
    entries = []
    for i, text in enumerate(SENTENCES):
        mask = features["attention_mask"][i].bool()
        ids = features["input_ids"][i][mask].tolist()
        direct = tokenizer(text, truncation=True, max_length=max_len)["input_ids"]
        assert ids == direct, f"sentence {i}: sentence-transformers ids differ from tokenizer ids"
        assert not features["token_type_ids"][i].any()
        entries.append({"index": i, "text": text, "input_ids": ids,
                        "tokens": tokenizer.convert_ids_to_tokens(ids),
                        "truncated": len(tokenizer(text)["input_ids"]) > max_len})

    sims = reference @ reference.T
    for i, entry in enumerate(entries):
        order = sorted((j for j in range(len(SENTENCES)) if j != i), key=lambda j: (-sims[i, j], j))[:NEIGHBOURS]
        entry["neighbours"] = order
        entry["neighbour_cosines"] = [round(float(sims[i, j]), 6) for j in order]
        # how many leading neighbours are each at least STABLE_GAP above the next: order a port must reproduce
        gaps = [sims[i, a] - sims[i, b] for a, b in zip(order, order[1:])]
        stable = 0
        while stable < len(gaps) and gaps[stable] >= STABLE_GAP:
            stable += 1
        entry["stable_neighbour_prefix"] = stable

    write_f32(OUT / "embeddings.f32", reference)

    asset = load_file(str(ASSET_DIR / "model.safetensors"))
    fp16_model = load_reference()
    fp16_model[0].auto_model.load_state_dict({k: v.float() for k, v in asset.items()}, strict=False)
    from_asset = fp16_model.encode(SENTENCES, convert_to_numpy=True, batch_size=16).astype(np.float32)
    write_f32(OUT / "embeddings_fp16_weights.f32", from_asset)
    cos = (reference * from_asset).sum(1) / np.linalg.norm(reference, axis=1) / np.linalg.norm(from_asset, axis=1)

    bert = model[0].auto_model
    ids = torch.tensor([entries[0]["input_ids"]])
    out = bert(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids),
               output_hidden_states=True)
    debug = {}
    for key, hidden in (("embeddings", out.hidden_states[0]), ("layer0", out.hidden_states[1]),
                        ("last_hidden_state", out.last_hidden_state)):
        write_f32(OUT / f"debug_s0_{key}.f32", hidden[0].numpy())
        debug[key] = {"file": f"debug_s0_{key}.f32", "shape": list(hidden[0].shape)}

    manifest = {
        "generator": "tools/make_minilm_fixtures.py",
        "reference": f"sentence-transformers (CPU, fp32) loaded offline from {SOURCE.relative_to(SOURCE.parents[2])}",
        "max_seq_length": max_len,
        "dimension": int(reference.shape[1]),
        "count": len(SENTENCES),
        "embeddings": "embeddings.f32",
        "embeddings_fp16_weights": "embeddings_fp16_weights.f32",
        "fp16_weights_vs_reference": {"min_cosine": float(cos.min()),
                                      "max_abs_diff": float(np.abs(reference - from_asset).max())},
        "layout": "float32 little-endian, row-major [count][384], rows L2-normalized, manifest order",
        "neighbours": f"per sentence, the {NEIGHBOURS} most cosine-similar other sentences (reference embeddings), "
                      "descending; ties by lower index. stable_neighbour_prefix = number of leading neighbours each at least "
                      f"{STABLE_GAP} cosine above the next (only that prefix's order is meaningful for a parity test)",
        "debug_sentence0": debug,
        "sentences": entries,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(manifest["fp16_weights_vs_reference"], [len(e["input_ids"]) for e in entries][-12:])
    for e in entries[:6] + entries[-12:-1]:
        print(e["index"], repr(e["text"][:40]), e["tokens"][:12], "->", [SENTENCES[j][:30] for j in e["neighbours"][:2]])


if __name__ == "__main__":
    main()
