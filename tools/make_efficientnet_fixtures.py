"""Golden fixtures for the Swift EfficientNet-Lite0 parity tests.

For every photo in Tests/VitrineModelsTests/Fixtures/photos/ (see make_fixture_photos.py):
  efficientnet/<name>.rgb         uint8 RGB 224x224x3, row-major HWC: Pillow decode ->
                                  convert("RGB") -> resize short side 256 BILINEAR -> centre crop 224
  efficientnet/<name>.features.f32 1280 float32 LE: global average pool of the head (before dropout/fc)
  efficientnet/<name>.logits.f32   1000 float32 LE
and for the first photo only, intermediate activations (float32 LE, NCHW with N=1 dropped):
  efficientnet/<name>.stem.f32 (channels 0..7 of 32, i.e. 8x112x112), .block0.f32 (16x112x112), .block1.f32 (24x56x56).
All reference outputs come from the PyTorch model (eval mode) loaded from the committed
assets/models/efficientnet-lite0/model.safetensors, fed the tensor normalized from the .rgb bytes.
efficientnet/manifest.json records mean/std, shapes, top-5 and the normalization comparison.

Run: /tmp/venv/bin/python tools/make_efficientnet_fixtures.py   (after convert_efficientnet.py)
"""
from __future__ import annotations

import json

import numpy as np
import torch
from safetensors.torch import load_file

import efficientnet_reference as ref

OUT = ref.FIXTURE_DIR / "efficientnet"
CANDIDATES = {
    "imagenet": (ref.MEAN_IMAGENET, ref.STD_IMAGENET),
    "tflite_0.5": (ref.MEAN_TFLITE, ref.STD_TFLITE),
    "tf_127_128": (ref.MEAN_TF_127_128, ref.STD_TF_127_128),
}
CHOSEN = "tflite_0.5"
assert CANDIDATES[CHOSEN] == (ref.MEAN, ref.STD)
STEM_CHANNELS_DUMPED = 8  # the full 32x112x112 stem output is 1.6 MB; 8 channels keep the fixture small


def first_lemma(label: str) -> str:
    return label.split(",")[0].strip()


def compare_normalizations(model, labels, photos) -> dict:
    """Top-1/top-5 against each photo's accepted ImageNet labels, for each normalization."""
    result = {}
    for key, (mean, std) in CANDIDATES.items():
        top1 = top5 = 0
        correct_prob = []
        per_photo = {}
        for photo in photos:
            if not photo["expected_labels"]:
                continue
            accepted = set(photo["expected_labels"])
            x = ref.normalize(ref.crop_bytes(ref.PHOTO_DIR / photo["file"]), mean, std)
            _, logits = ref.pooled_and_logits(model, x)
            probs = logits.softmax(-1)[0]
            order = probs.argsort(descending=True).tolist()
            names = [first_lemma(labels[i]) for i in order[:5]]
            top1 += names[0] in accepted
            top5 += any(n in accepted for n in names)
            correct_prob.append(max(float(probs[i]) for i in range(1000) if first_lemma(labels[i]) in accepted))
            per_photo[photo["name"]] = names[:3]
        n = len(correct_prob)
        result[key] = {"mean": list(mean), "std": list(std), "top1": f"{top1}/{n}", "top5": f"{top5}/{n}",
                       "mean_prob_of_accepted_label": round(float(np.mean(correct_prob)), 4),
                       "top3_per_photo": per_photo}
    return result


def write_f32(path, tensor: torch.Tensor) -> None:
    path.write_bytes(tensor.detach().contiguous().numpy().astype("<f4").tobytes())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    state = load_file(str(ref.ASSET_DIR / "model.safetensors"))
    model = ref.build_model({k: v.float() for k, v in state.items()})
    labels = ref.imagenet_labels()
    photos = json.loads((ref.PHOTO_DIR / "photos.json").read_text())
    comparison = compare_normalizations(model, labels, photos)
    for key, value in comparison.items():
        print(key, value["top1"], value["top5"], value["mean_prob_of_accepted_label"], value["top3_per_photo"])
    mean, std = CANDIDATES[CHOSEN]

    entries = []
    for index, photo in enumerate(photos):
        name = photo["name"]
        rgb = ref.crop_bytes(ref.PHOTO_DIR / photo["file"])
        (OUT / f"{name}.rgb").write_bytes(rgb.tobytes())
        x = ref.normalize(rgb, mean, std)
        pooled, logits = ref.pooled_and_logits(model, x)
        with torch.no_grad():
            full = model(x)
        assert torch.equal(full, logits), "pooled+fc path must equal model.forward"
        write_f32(OUT / f"{name}.features.f32", pooled[0])
        write_f32(OUT / f"{name}.logits.f32", logits[0])
        top = logits[0].topk(5)
        entry = {"name": name, "photo": f"photos/{photo['file']}", "rgb": f"{name}.rgb",
                 "top1_margin": round(float(top.values[0] - top.values[1]), 5),
                 "features": f"{name}.features.f32", "logits": f"{name}.logits.f32",
                 "top5": [{"index": int(i), "label": labels[int(i)], "logit": round(float(v), 5)}
                          for v, i in zip(top.values, top.indices)]}
        if index == 0:
            with torch.no_grad():
                stem = model._swish(model._bn0(model._conv_stem(x)))
                block0 = model._blocks[0](stem)
                block1 = model._blocks[1](block0)
            entry["intermediates"] = {}
            stem = stem[:, :STEM_CHANNELS_DUMPED]
            for key, tensor in (("stem", stem), ("block0", block0), ("block1", block1)):
                write_f32(OUT / f"{name}.{key}.f32", tensor[0])
                entry["intermediates"][key] = {"file": f"{name}.{key}.f32", "shape_chw": list(tensor.shape[1:])}
        entries.append(entry)
        print(name, [t["label"].split(",")[0] for t in entry["top5"]])

    manifest = {
        "generator": "tools/make_efficientnet_fixtures.py",
        "model": "assets/models/efficientnet-lite0/model.safetensors",
        "torch": torch.__version__,
        "input": {"layout": "uint8 RGB, HWC row-major, 224x224x3",
                  "pipeline": "PIL.Image.open -> convert('RGB') -> resize((W', H') with short side 256, "
                              "long side int(256*long/short), Image.Resampling.BILINEAR) -> "
                              "crop(left=round((W'-224)/2), top=round((H'-224)/2), 224x224)",
                  "normalization": {"name": CHOSEN, "mean": list(mean), "std": list(std),
                                    "formula": "((float(x) / 255) - mean[c]) / std[c], float32, then NCHW"}},
        "outputs": {"features": "1280 float32 little-endian, mean over 7x7 of ReLU6(BN(conv_head)), before dropout/fc",
                    "logits": "1000 float32 little-endian, fc(features)",
                    "intermediates": "float32 little-endian, CHW row-major (batch dimension dropped); stem = first 8 of its 32 channels, after ReLU6"},
        "normalization_comparison": comparison,
        "photos": entries,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
