"""Load evolflow output folders with LLaMA-Factory's own dataset loader (outside npm test: it pulls torch).

Usage: python scripts/llamafactory-check.py RESULT.json DIR...   (scripts/llamafactory-check.sh makes the folders)

For each folder and each of its dataset_info.json entries (the JSONL and the Parquet copy), two ways a
user would point LLaMA-Factory at it:
  - dataset_dir = the folder itself (its own dataset_info.json);
  - dataset_dir = a LLaMA-Factory data folder whose dataset_info.json already lists other datasets, with
    the folder copied in as <name>/ and the card's entry MERGED into that file (what the card says).
Each is loaded and aligned by llamafactory.data.loader._load_single_dataset (the step `llamafactory-cli
train` runs before tokenising) and compared with the JSONL: same number of rows, each row's user turn
and answer equal to the file's.
"""
import json, os, re, shutil, sys, tempfile
from types import SimpleNamespace

import llamafactory
from llamafactory.data.loader import _load_single_dataset
from llamafactory.data.parser import get_dataset_list
from llamafactory.hparams import DataArguments

JSONL = "data/jsonl/train-00000-of-00001.jsonl"


def expected_pairs(folder):
    pairs = []
    with open(os.path.join(folder, JSONL), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if "instruction" in row:
                user = row["instruction"] + ("\n" + row["input"] if row.get("input") else "")
                pairs.append((user, row["output"]))
            else:
                turns = row.get("conversations") or row.get("messages")
                pairs.append((turns[0].get("value", turns[0].get("content")), turns[1].get("value", turns[1].get("content"))))
    return pairs


def card_entry(folder):
    card = open(os.path.join(folder, "README.md"), encoding="utf-8").read()
    block = re.search(r"```json\n(.*?)\n```", card, re.S)
    return json.loads(block.group(1))


def load(dataset_dir, name):
    data_args = DataArguments(dataset_dir=dataset_dir, dataset=name, preprocessing_num_workers=None, overwrite_cache=True)
    model_args = SimpleNamespace(cache_dir=tempfile.mkdtemp(), hf_hub_token=None, ms_hub_token=None, om_hub_token=None)
    training_args = SimpleNamespace(local_process_index=0, dataloader_num_workers=0, seed=42)
    attr = get_dataset_list([name], dataset_dir)[0]
    ds = _load_single_dataset(attr, model_args, data_args, training_args)
    return [(r["_prompt"][-1]["content"], r["_response"][0]["content"]) for r in ds]


def main():
    out, folders = sys.argv[1], sys.argv[2:]
    results = {"llamafactory": llamafactory.__version__, "folders": []}
    ok = True
    for folder in folders:
        want = expected_pairs(folder)
        own = json.load(open(os.path.join(folder, "dataset_info.json"), encoding="utf-8"))
        first = json.loads(open(os.path.join(folder, JSONL), encoding="utf-8").readline())
        fmt = "alpaca" if "instruction" in first else "sharegpt" if "conversations" in first else "openai"
        # A LLaMA-Factory data folder with its own datasets listed, the output copied in, the card's entry merged.
        lf_dir = tempfile.mkdtemp()
        name = next(iter(card_entry(folder)))
        shutil.copytree(folder, os.path.join(lf_dir, name))
        existing = {"identity": {"file_name": "identity.json"}, "alpaca_en_demo": {"file_name": "alpaca_en_demo.json"}}
        merged = {**existing, **card_entry(folder)}
        merged[name + "_parquet"] = {**merged[name], "file_name": name + "/data/parquet/train-00000-of-00001.parquet"}
        json.dump(merged, open(os.path.join(lf_dir, "dataset_info.json"), "w"))
        for how, dataset_dir, entries in [("own dataset_info.json", folder, list(own)), ("merged entry", lf_dir, [name, name + "_parquet"])]:
            for entry in entries:
                try:
                    got = load(dataset_dir, entry)
                    same = got == want
                    results["folders"].append({"folder": os.path.basename(folder), "format": fmt, "how": how, "entry": entry, "rows": len(got), "expected": len(want), "identical": same})
                    ok = ok and same
                except Exception as err:  # report, then fail at the end
                    results["folders"].append({"folder": os.path.basename(folder), "format": fmt, "how": how, "entry": entry, "error": repr(err)[:500]})
                    ok = False
    results["ok"] = ok
    json.dump(results, open(out, "w"), indent=2)
    for r in results["folders"]:
        print(json.dumps(r))
    print(f"LLaMA-Factory {results['llamafactory']}: {'every format loads' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
