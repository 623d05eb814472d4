#!/usr/bin/python3
"""Makes the bring-your-own-model fixtures with real PyTorch (Debian's python3-torch, python3-onnx).

Two fraud classifiers over the fraud spec's feature vector (testdata/fraud/fraud.yaml), each saved
as TorchScript (.pt) and ONNX (.onnx):

  mlp    an MLP that standardises its own input (the statistics are buffers in the module) and
         returns one logit per row;
  cross  something an MLP-only system cannot express: an embedding of the categorical column
         'city' and a DCN cross layer (x0 * (W x + b) + x) over the standardised numeric columns and
         that embedding, then a small MLP; it returns one probability per row.

Input contract (the one `freshet models import` documents): a float tensor [batch, width] in the
spec's column order, categorical columns as bucket indices in [0, buckets], `buckets` being the
"unknown" bucket. metadata.json records that column order; the Java tests check it against the spec.

Usage (the feature vectors come from Freshet itself, so Java and Python see identical vectors):
  freshet features --output=/tmp/fraud-features          # over testdata/fraud/sample
  /usr/bin/python3 testdata/byom/make_models.py --features=/tmp/fraud-features

Writes into testdata/byom/: {mlp,cross}.{pt,onnx}, mlp-frozen.pt (torch.jit.freeze: no parameters
left, so it can be served but not fine-tuned), vectors.csv (the first FIXTURE_EVENTS payments'
vectors), expected.csv (PyTorch's outputs of both modules for those vectors) and metadata.json.
The models train on the first TRAIN_FRACTION of the sample in event time, so the rest of the
stream (and the generated drifting stream) is new to them.
"""
import argparse
import csv
import glob
import hashlib
import json
import os

import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_EVENTS = 1000
TRAIN_FRACTION = 0.5
SEED = 7


def spec_columns(spec_path):
    """(name, kind, buckets) per feature, in the spec's order (the vector's column order)."""
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    columns = []
    for feature in spec["features"]:
        if feature["agg"] == "category":
            columns.append((feature["name"], "CATEGORICAL", int(feature["buckets"])))
        else:
            columns.append((feature["name"], "NUMERIC", 0))
    return spec["name"], columns


def load_vectors(features_dir, outcomes_path, width):
    positives = set()
    with open(outcomes_path) as f:
        for line in f:
            o = json.loads(line)
            if o["label"]:
                positives.add(o["event_id"])
    rows = []
    for path in sorted(glob.glob(os.path.join(features_dir, "features-*.jsonl"))):
        with open(path) as f:
            for line in f:
                e = json.loads(line)
                if len(e["features"]) != width:
                    raise SystemExit(f"{path}: vector of {len(e['features'])} values, spec has {width}")
                rows.append((e["event_time"], e["event_id"], e["features"], e["event_id"] in positives))
    rows.sort()
    return rows


class Standardize(torch.nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, x):
        return ((x - self.mean) / self.std).clamp(-10.0, 10.0)


class Mlp(torch.nn.Module):
    """Standardises all columns itself (the categorical one too: an MLP-only view of it)."""

    def __init__(self, mean, std, width):
        super().__init__()
        self.standardize = Standardize(mean, std)
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(width, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.ReLU(),
            torch.nn.Linear(16, 1))

    def forward(self, x):
        return self.layers(self.standardize(x)).reshape(-1)


class CrossNet(torch.nn.Module):
    """Embedding of the categorical column + one DCN cross layer + MLP; returns probabilities."""

    def __init__(self, mean, std, numeric, categorical, buckets, dim=8):
        super().__init__()
        self.register_buffer("numeric", torch.tensor(numeric, dtype=torch.long))
        self.categorical = categorical
        self.buckets = buckets
        self.standardize = Standardize(mean, std)
        self.embedding = torch.nn.Embedding(buckets + 1, dim)
        width = len(numeric) + dim
        self.cross = torch.nn.Linear(width, width)
        self.head = torch.nn.Sequential(
            torch.nn.Linear(width, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

    def forward(self, x):
        z = self.standardize(x.index_select(1, self.numeric))
        ids = x[:, self.categorical].clamp(0, self.buckets).long()
        x0 = torch.cat([z, self.embedding(ids)], dim=1)
        crossed = x0 * self.cross(x0) + x0
        return torch.sigmoid(self.head(crossed).reshape(-1))


def train(model, x, y, logits_out, epochs=30):
    torch.manual_seed(SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    pos_weight = torch.tensor(float((len(y) - y.sum()) / max(1.0, float(y.sum())) / 4))
    for _ in range(epochs):
        order = torch.randperm(len(y))
        for start in range(0, len(y), 256):
            idx = order[start:start + 256]
            out = model(x[idx])
            if logits_out:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    out, y[idx], pos_weight=pos_weight)
            else:
                p = out.clamp(1e-6, 1 - 1e-6)
                w = torch.where(y[idx] > 0.5, pos_weight, torch.tensor(1.0))
                loss = (w * torch.nn.functional.binary_cross_entropy(p, y[idx], reduction="none")).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", required=True, help="directory written by freshet features --output")
    parser.add_argument("--outcomes", default=os.path.join(HERE, "..", "fraud", "sample", "outcomes.jsonl"))
    parser.add_argument("--spec", default=os.path.join(HERE, "..", "fraud", "fraud.yaml"))
    parser.add_argument("--out", default=HERE)
    args = parser.parse_args()

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    spec_name, columns = spec_columns(args.spec)
    width = len(columns)
    numeric = [i for i, c in enumerate(columns) if c[1] == "NUMERIC"]
    categorical = [i for i, c in enumerate(columns) if c[1] == "CATEGORICAL"]
    if len(categorical) != 1:
        raise SystemExit("the cross fixture expects exactly one categorical column")
    rows = load_vectors(args.features, args.outcomes, width)
    x_all = torch.tensor([r[2] for r in rows], dtype=torch.float32)
    y_all = torch.tensor([1.0 if r[3] else 0.0 for r in rows], dtype=torch.float32)
    n_train = int(len(rows) * TRAIN_FRACTION)
    x, y = x_all[:n_train], y_all[:n_train]
    mean, std = x.mean(0), x.std(0).clamp(min=1e-3)

    mlp = Mlp(mean, std, width)
    train(mlp, x, y, logits_out=True)
    cat = categorical[0]
    cross = CrossNet(mean[numeric], std[numeric], numeric, cat, columns[cat][2])
    train(cross, x, y, logits_out=False)

    fixture = sorted(rows, key=lambda r: r[1])[:FIXTURE_EVENTS]
    xf = torch.tensor([r[2] for r in fixture], dtype=torch.float32)
    outputs = {}
    files = {}
    for name, model in (("mlp", mlp), ("cross", cross)):
        scripted = torch.jit.script(model)
        pt = os.path.join(args.out, name + ".pt")
        scripted.save(pt)
        onnx_path = os.path.join(args.out, name + ".onnx")
        torch.onnx.export(model, xf[:2], onnx_path, input_names=["features"], output_names=["score"],
                          dynamic_axes={"features": {0: "batch"}, "score": {0: "batch"}}, opset_version=13)
        with torch.no_grad():
            outputs[name] = torch.jit.load(pt)(xf).tolist()
        files[name] = {"torchscript": name + ".pt", "torchscriptSha256": sha256(pt),
                       "onnx": name + ".onnx", "onnxSha256": sha256(onnx_path),
                       "output": "logit" if name == "mlp" else "probability"}

    # Served as is, but nothing left to fine-tune: freezing inlines the parameters as constants.
    frozen = os.path.join(args.out, "mlp-frozen.pt")
    torch.jit.freeze(torch.jit.script(mlp).eval()).save(frozen)
    files["mlp-frozen"] = {"torchscript": "mlp-frozen.pt", "torchscriptSha256": sha256(frozen),
                           "output": "logit"}

    with open(os.path.join(args.out, "vectors.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["event_id"] + [c[0] for c in columns])
        for r in fixture:
            w.writerow([r[1]] + [repr(float(v)) for v in torch.tensor(r[2], dtype=torch.float32).tolist()])
    with open(os.path.join(args.out, "expected.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["event_id", "mlp", "cross"])
        for i, r in enumerate(fixture):
            w.writerow([r[1], repr(outputs["mlp"][i]), repr(outputs["cross"][i])])
    with torch.no_grad():
        auc = {}
        for name, model in (("mlp", mlp), ("cross", cross)):
            s = model(x_all[n_train:])
            pos, neg = s[y_all[n_train:] > 0.5], s[y_all[n_train:] <= 0.5]
            auc[name] = float((pos.reshape(-1, 1) > neg.reshape(1, -1)).float().mean())
    metadata = {
        "spec": spec_name,
        "columns": [{"name": c[0], "kind": c[1], "buckets": c[2]} for c in columns],
        "models": files,
        "fixtureEvents": FIXTURE_EVENTS,
        "trainedOn": {"examples": n_train, "positives": int(y.sum()), "firstEventTime": rows[0][0],
                      "lastEventTime": rows[n_train - 1][0]},
        "heldOutAuc": auc,
        "torch": torch.__version__,
        "seed": SEED,
    }
    with open(os.path.join(args.out, "metadata.json"), "w") as f:
        json.dump(metadata, f, indent=2)
        f.write("\n")
    print(json.dumps({"heldOutAuc": auc, "trained": n_train}, indent=2))


if __name__ == "__main__":
    main()
