"""Exports EfficientNet-Lite0 and all-MiniLM-L6-v2 to ONNX (for the ONNX Runtime benchmark peers).

Outputs (NOT committed): /tmp/vitrine-onnx/efficientnet-lite0.onnx
    input  "image"  float32 [batch, 3, 224, 224], already normalized ((x/255 - 0.5) / 0.5)
    outputs "features" [batch, 1280] (pooled, before fc) and "logits" [batch, 1000]
  and /tmp/vitrine-onnx/all-MiniLM-L6-v2.onnx
    inputs "input_ids", "attention_mask", "token_type_ids" int64 [batch, seq]
    output "sentence_embedding" float32 [batch, 384] (mean pooling over the mask, L2-normalized)
Both are built from the committed assets/models/* weights and checked against PyTorch with
onnxruntime (CPU) on the fixture photos / fixture sentences; max abs differences are printed.

Run: HF_HUB_OFFLINE=1 /tmp/venv/bin/python tools/export_onnx.py [--out DIR]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from safetensors.torch import load_file

import efficientnet_reference as eff
from convert_minilm import ASSET_DIR as MINILM_DIR, load_reference
from minilm_sentences import SENTENCES


class EfficientNetHeads(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        pooled = self.model.extract_features(image).mean(dim=(2, 3))
        return pooled, self.model._fc(pooled)


class MiniLMEncoder(torch.nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)


def export(module, args, path, input_names, output_names, dynamic_axes) -> None:
    torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=17, dynamo=False)


@torch.no_grad()
def efficientnet(out: Path) -> dict:
    state = load_file(str(eff.ASSET_DIR / "model.safetensors"))
    module = EfficientNetHeads(eff.build_model({k: v.float() for k, v in state.items()})).eval()
    photos = sorted(eff.PHOTO_DIR.glob("*.jpg"))
    batch = torch.cat([eff.normalize(eff.crop_bytes(p)) for p in photos])
    path = out / "efficientnet-lite0.onnx"
    export(module, (batch[:1],), path, ["image"], ["features", "logits"],
           {"image": {0: "batch"}, "features": {0: "batch"}, "logits": {0: "batch"}})
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    features, logits = session.run(None, {"image": batch.numpy()})
    ref_features, ref_logits = module(batch)
    return {"file": str(path), "photos": len(photos),
            "max_abs_diff_features": float(np.abs(features - ref_features.numpy()).max()),
            "max_abs_diff_logits": float(np.abs(logits - ref_logits.numpy()).max()),
            "top1_equal": bool((logits.argmax(1) == ref_logits.numpy().argmax(1)).all())}


@torch.no_grad()
def minilm(out: Path) -> dict:
    st = load_reference()
    asset = load_file(str(MINILM_DIR / "model.safetensors"))
    st[0].auto_model.load_state_dict({k: v.float() for k, v in asset.items()}, strict=False)
    bert = st[0].auto_model.eval()
    bert.config._attn_implementation = "eager"  # plain matmul/softmax graph for export
    module = MiniLMEncoder(bert).eval()
    feats = st.preprocess(SENTENCES)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    inputs = tuple(feats[n].long() for n in names)
    path = out / "all-MiniLM-L6-v2.onnx"
    export(module, tuple(t[:2, :16] for t in inputs), path, names, ["sentence_embedding"],
           {n: {0: "batch", 1: "sequence"} for n in names} | {"sentence_embedding": {0: "batch"}})
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {n: t.numpy() for n, t in zip(names, inputs)})
    torch_out = module(*inputs).numpy()
    st_out = st.encode(SENTENCES, convert_to_numpy=True, batch_size=len(SENTENCES))
    return {"file": str(path), "sentences": len(SENTENCES),
            "max_abs_diff_vs_torch_module": float(np.abs(got - torch_out).max()),
            "max_abs_diff_vs_sentence_transformers": float(np.abs(got - st_out).max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/vitrine-onnx"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(json.dumps({"efficientnet-lite0": efficientnet(args.out), "all-MiniLM-L6-v2": minilm(args.out)}, indent=1))


if __name__ == "__main__":
    main()
