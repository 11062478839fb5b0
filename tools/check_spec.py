"""Re-implements both models from docs/models.md alone (plain torch ops, folded BatchNorm,
explicit pads from config.json) and checks them against the committed golden fixtures.

This guards the spec the Swift port follows: if a pad, an activation or a pooling rule in the
doc were wrong, the numbers here would not match.
Run: /tmp/venv/bin/python tools/check_spec.py
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

REPO = Path(__file__).resolve().parent.parent
FIX = REPO / "Tests" / "VitrineModelsTests" / "Fixtures"


def folded(w, t, bn, eps):
    scale = t[f"{bn}.weight"] / torch.sqrt(t[f"{bn}.running_var"] + eps)
    return w * scale.view(-1, 1, 1, 1), t[f"{bn}.bias"] - t[f"{bn}.running_mean"] * scale


def conv(x, t, name, bn, eps, stride=1, pad=None, groups=1, act=True):
    w, b = folded(t[f"{name}.weight"], t, bn, eps)
    if pad:
        x = F.pad(x, (pad["left"], pad["right"], pad["top"], pad["bottom"]))
    y = F.conv2d(x, w, b, stride=stride, groups=groups)
    return y.clamp(0, 6) if act else y


@torch.no_grad()
def efficientnet() -> None:
    asset = REPO / "assets" / "models" / "efficientnet-lite0"
    cfg = json.loads((asset / "config.json").read_text())
    t = {k: v.double() for k, v in load_file(str(asset / "model.safetensors")).items()}
    eps = cfg["batch_norm_epsilon"]
    mean = torch.tensor(cfg["normalization"]["mean"], dtype=torch.float64).view(1, 3, 1, 1)
    std = torch.tensor(cfg["normalization"]["std"], dtype=torch.float64).view(1, 3, 1, 1)
    manifest = json.loads((FIX / "efficientnet" / "manifest.json").read_text())
    worst_f = worst_l = 0.0
    for photo in manifest["photos"]:
        rgb = np.frombuffer((FIX / "efficientnet" / photo["rgb"]).read_bytes(), np.uint8).reshape(224, 224, 3)
        x = (torch.from_numpy(rgb.astype(np.float64)).permute(2, 0, 1)[None] / 255 - mean) / std
        x = conv(x, t, "_conv_stem", "_bn0", eps, 2, cfg["stem"]["padding"])
        for b in cfg["blocks"]:
            p = f"_blocks.{b['index']}"
            h = x if b["expand_ratio"] == 1 else conv(x, t, f"{p}._expand_conv", f"{p}._bn0", eps)
            h = conv(h, t, f"{p}._depthwise_conv", f"{p}._bn1", eps, b["stride"], b["depthwise_padding"], b["hidden_channels"])
            h = conv(h, t, f"{p}._project_conv", f"{p}._bn2", eps, act=False)
            x = x + h if b["skip"] else h
        x = conv(x, t, "_conv_head", "_bn1", eps)
        feat = x.mean(dim=(2, 3))[0]
        logits = feat @ t["_fc.weight"].T + t["_fc.bias"]
        ref_f = np.fromfile(FIX / "efficientnet" / photo["features"], "<f4")
        ref_l = np.fromfile(FIX / "efficientnet" / photo["logits"], "<f4")
        worst_f = max(worst_f, float(np.abs(feat.numpy() - ref_f).max()))
        worst_l = max(worst_l, float(np.abs(logits.numpy() - ref_l).max()))
        assert int(logits.argmax()) == photo["top5"][0]["index"], photo["name"]
    print(f"EfficientNet spec vs fixtures: max |dfeature| {worst_f:.2e}, max |dlogit| {worst_l:.2e}")


def layer_norm(x, t, name):
    return F.layer_norm(x, (x.shape[-1],), t[f"{name}.weight"], t[f"{name}.bias"], eps=1e-12)


@torch.no_grad()
def minilm() -> None:
    asset = REPO / "assets" / "models" / "all-MiniLM-L6-v2"
    t = {k: v.double() for k, v in load_file(str(asset / "model.safetensors")).items()}
    manifest = json.loads((FIX / "minilm" / "manifest.json").read_text())
    ref = np.fromfile(FIX / "minilm" / manifest["embeddings_fp16_weights"], "<f4").reshape(-1, 384)
    worst = 0.0
    for i, s in enumerate(manifest["sentences"]):
        ids = torch.tensor(s["input_ids"])
        n = len(ids)
        h = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n] \
            + t["embeddings.token_type_embeddings.weight"][0]
        h = layer_norm(h, t, "embeddings.LayerNorm")
        for layer in range(6):
            p = f"encoder.layer.{layer}"
            lin = lambda x, name: x @ t[f"{name}.weight"].T + t[f"{name}.bias"]  # noqa: E731
            q, k, v = (lin(h, f"{p}.attention.self.{m}").view(n, 12, 32).transpose(0, 1) for m in ("query", "key", "value"))
            ctx = (torch.softmax(q @ k.transpose(1, 2) / math.sqrt(32), dim=-1) @ v).transpose(0, 1).reshape(n, 384)
            h = layer_norm(h + lin(ctx, f"{p}.attention.output.dense"), t, f"{p}.attention.output.LayerNorm")
            f = lin(h, f"{p}.intermediate.dense")
            f = 0.5 * f * (1 + torch.erf(f / math.sqrt(2)))
            h = layer_norm(h + lin(f, f"{p}.output.dense"), t, f"{p}.output.LayerNorm")
        e = h.mean(0)
        e = e / e.norm().clamp(min=1e-12)
        worst = max(worst, float(np.abs(e.numpy() - ref[i]).max()))
    print(f"MiniLM spec vs embeddings_fp16_weights.f32: max |d| {worst:.2e} over {len(manifest['sentences'])} sentences")


if __name__ == "__main__":
    efficientnet()
    minilm()
