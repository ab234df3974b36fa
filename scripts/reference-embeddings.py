#!/usr/bin/env python3
"""Reference cosine similarities for @evolflow/dedup's embedder, computed independently of transformers.js.

Uses only the `tokenizers` and `onnxruntime` packages from PyPI (pip install tokenizers onnxruntime numpy) on
the same ONNX files and tokenizer.json the embedder loads, with the same pooling: truncate to 256 tokens, no
padding (one sentence at a time), mean over tokens (or the [CLS] token with --pooling cls), L2-normalise, dot
product; --prefix is put before every text (e5: "query: ").

Run once after `evolflow models pull --variant fp32` (and scripts/quantize-int8.py for int8); it writes
packages/dedup/src/fixtures/reference-similarities.json, which the unit test compares against (CI runs no python).

    python3 scripts/reference-embeddings.py [--model-dir .evolflow/models] [--model all-MiniLM-L6-v2]
    python3 scripts/reference-embeddings.py --model bge-small-zh-v1.5 --pooling cls \
        --lowercase --out packages/dedup/src/fixtures/reference-bge-small-zh-v1.5.json
    (likewise bge-small-en-v1.5 without --lowercase; e5-small-v2 with --pooling mean --prefix "query: ")
The other models' files also hold every 6th pair of packages/dedup/src/fixtures/instruction-pairs.tsv (English and Chinese).
"""
import argparse
import csv
import hashlib
import json
import os

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

VARIANTS = {"quantized": "model_quantized.onnx", "fp32": "model.onnx", "int8": "model_int8.onnx"}
STS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "paraphrase", "stsb-sts-dev.csv")
PAIR_ROWS = list(range(0, 1500, 75))  # 20 pairs spread over the file (its rows run through all scores)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_pairs(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [{"row": i, "score": float(rows[i][4]), "a": rows[i][5], "b": rows[i][6]} for i in PAIR_ROWS]


FIXTURE = os.path.join(os.path.dirname(__file__), "..", "packages", "dedup", "src", "fixtures", "instruction-pairs.tsv")


def read_fixture_pairs(path, every=6):
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip() and not line.startswith("#")]
    return [{"row": f"instruction-pairs:{i}", "score": float(r[0]), "a": r[1], "b": r[2]} for i, r in enumerate(rows) if i % every == 0]


def embedder(model_dir, onnx_file, max_tokens, pooling="mean", prefix="", lowercase=False):
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_tokens)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(onnx_file, opts, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]

    def embed(text):
        enc = tok.encode(prefix + (text.lower() if lowercase else text))
        feed = {
            "input_ids": np.array([enc.ids], dtype=np.int64),
            "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([enc.type_ids], dtype=np.int64),
        }
        hidden = sess.run(None, {k: v for k, v in feed.items() if k in names})[0][0]  # (tokens, width)
        if pooling == "cls":
            cls = hidden[0].astype(np.float64)
            return cls / max(np.linalg.norm(cls), 1e-12)
        mask = feed["attention_mask"][0][:, None].astype(np.float64)
        mean = (hidden.astype(np.float64) * mask).sum(0) / max(mask.sum(), 1.0)
        return mean / max(np.linalg.norm(mean), 1e-12)

    return embed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=".evolflow/models")
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--pooling", choices=["mean", "cls"], default="mean")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--lowercase", action="store_true", help="lower-case texts first (bge-small-zh-v1.5: its tokenizer.json does not)")
    ap.add_argument("--out", default="packages/dedup/src/fixtures/reference-similarities.json")
    args = ap.parse_args()
    model_dir = os.path.join(args.model_dir, args.model)
    pairs = read_pairs(STS)
    if args.model != "all-MiniLM-L6-v2":
        pairs += read_fixture_pairs(FIXTURE)
    out = {
        "about": f"cosine similarities from scripts/reference-embeddings.py (tokenizers + onnxruntime, {args.pooling} pooling, prefix {args.prefix!r}, L2 norm)",
        "model": args.model,
        "pooling": args.pooling,
        "prefix": args.prefix,
        "lowercase": args.lowercase,
        "maxTokens": args.max_tokens,
        "tokenizerSha256": sha256(os.path.join(model_dir, "tokenizer.json")),
        "pairs": [{"row": p["row"], "score": p["score"], "a": p["a"], "b": p["b"]} for p in pairs],
        "variants": {},
    }
    for variant, name in VARIANTS.items():
        path = os.path.join(model_dir, "onnx", name)
        if not os.path.exists(path):
            print(f"skip {variant}: {path} is missing")
            continue
        embed = embedder(model_dir, path, args.max_tokens, args.pooling, args.prefix, args.lowercase)
        sims = [round(float(np.dot(embed(p["a"]), embed(p["b"]))), 6) for p in pairs]
        out["variants"][variant] = {"onnx": f"onnx/{name}", "sha256": sha256(path), "similarities": sims}
        print(variant, sims)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
