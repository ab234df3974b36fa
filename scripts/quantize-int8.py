#!/usr/bin/env python3
"""Make the signed-int8 variant of a cached embedding model with onnxruntime's dynamic quantizer.

Reads <model-dir>/<model>/onnx/model.onnx (fp32: `evolflow models pull --variant fp32`) and writes
onnx/model_int8.onnx beside it (transformers.js dtype 'int8'), which the embedder loads with variant 'int8'.
Weights become signed int8 (QInt8), per channel, activations are quantized at run time. Needs
`pip install onnxruntime onnx`. Prints the sha256 of the result (the same inputs and versions give the same file).

    python3 scripts/quantize-int8.py [--model-dir .evolflow/models] [--model all-MiniLM-L6-v2]
"""
import argparse
import hashlib
import os

from onnxruntime.quantization import QuantType, quantize_dynamic


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=".evolflow/models")
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--per-channel", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()
    onnx_dir = os.path.join(args.model_dir, args.model, "onnx")
    src = os.path.join(onnx_dir, "model.onnx")
    dst = os.path.join(onnx_dir, "model_int8.onnx")
    if not os.path.exists(src):
        raise SystemExit(f"{src} is missing: run `evolflow models pull --variant fp32` first")
    tmp = dst + ".tmp"
    quantize_dynamic(src, tmp, weight_type=QuantType.QInt8, per_channel=args.per_channel)
    os.replace(tmp, dst)
    with open(dst, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"wrote {dst} ({os.path.getsize(dst)} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
