#!/usr/bin/env bash
# Ships a finished `viva recipe shapes` run as the default model: DIR/model stored in bf16 under
# models/shapes, with every stage's model card, the recipe summary and (when run) the ablation.
# Usage: tools/ship_shapes_model.sh RECIPE_DIR [REPORT.json]
#   REPORT.json: a `viva eval shapes --json` report of DIR/model's edits of more held-out rows of
#   DIR/data (say, every validation clip), to choose the README's sample from as well.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
recipe=${1:?usage: tools/ship_shapes_model.sh RECIPE_DIR [REPORT.json]}
report=${2:-}
test -f "$recipe/eval/card.json" || { echo "error: $recipe: the recipe has not finished (no eval/card.json)" >&2; exit 1; }
[ -z "$report" ] || test -f "$report" || { echo "error: $report: no such judge report" >&2; exit 1; }
out="$root/models/shapes"
trap 'rm -rf "$out.new" "$root/samples/shapes.new"' EXIT
# The README's sample: the held-out video pair the shipped model edits best (followed, then the
# highest PSNR outside the mask) among the judged test rows (held-out colour x shape combinations),
# validation rows (unseen scenes, every kind of edit) and REPORT's, with its ground truth so tests
# can judge the edit. Chosen first, into a temporary folder, so that a bad report replaces nothing.
python3 - "$recipe" "$root/samples/shapes.new" "$report" <<'PY'
import json, os, shutil, sys
recipe, out, extra = sys.argv[1], sys.argv[2], sys.argv[3]
reports = [os.path.join(recipe, "eval", split + ".json") for split in ("test", "validation")]
rows = {json.loads(l)["id"]: json.loads(l) for l in open(os.path.join(recipe, "data", "manifest.jsonl"))}
clips = []
for path in reports + ([extra] if extra else []):
    if os.path.exists(path):
        for c in json.load(open(path))["clips"]:
            if c["id"] not in rows:
                sys.exit(f"error: {path}: clip {c['id']} is not a row of {recipe}/data/manifest.jsonl (a report of other data?)")
            if c.get("kind") == "video" and "followed" in c and c.get("split") in ("test", "validation"):
                clips.append(c)
if not clips:
    sys.exit(f"error: {recipe}/eval: no judged test or validation video to take the README's sample from")
clips.sort(key=lambda c: (c["followed"], c.get("psnr_outside_mask") or 0), reverse=True)
chosen = clips[0]
row = rows[chosen["id"]]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(os.path.join(out, "media"))
os.makedirs(os.path.join(out, "scenes"))
for key in ("source", "target", "mask", "reference"):
    if row.get(key):
        name = os.path.basename(row[key])
        shutil.copy(os.path.join(recipe, "data", row[key]), os.path.join(out, "media", name))
        row[key] = "media/" + name
shutil.copy(os.path.join(recipe, "data", "scenes", row["id"] + ".json"), os.path.join(out, "scenes"))
with open(os.path.join(out, "manifest.jsonl"), "w") as f:
    f.write(json.dumps(row) + "\n")
# What the evaluation measured on this pair: the shipped-model test holds the bf16 model to it.
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({"id": row["id"], "followed": chosen["followed"], "psnr_outside_mask": chosen.get("psnr_outside_mask")}, f)
    f.write("\n")
print(f"sample {row['id']} ({row['task']}): \"{row['instruction']}\" followed={chosen['followed']} "
      f"psnr={chosen.get('psnr_outside_mask')}")
PY

rm -rf "$out.new"
"$root/build/bin/viva" model convert "$recipe/model" "$out.new" --dtype bf16
mkdir -p "$out.new/cards"
for card in "$recipe"/*/MODEL_CARD.md "$recipe"/ablation/*/MODEL_CARD.md; do
  [ -f "$card" ] || continue
  stage=$(dirname "${card#"$recipe"/}")
  cp "$card" "$out.new/cards/${stage//\//-}.md"
done
# A VAE trained elsewhere (the vae stage's "weights") ships with its training note.
weights=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('weights', ''))" "$recipe/vae/config.json")
# (A run that took the shipped model's own VAE keeps the note that came with it.)
if [ -n "$weights" ]; then
  for note in "$weights/TRAINING.md" "$(dirname "$weights")/cards/vae-weights.md"; do
    if [ -f "$note" ]; then cp "$note" "$out.new/cards/vae-weights.md"; break; fi
  done
fi
cp "$recipe/RECIPE.md" "$recipe/plan.json" "$out.new/"
[ -f "$recipe/ablation/ablation.md" ] && cp "$recipe/ablation/ablation.md" "$recipe/ablation/ablation.json" "$out.new/"
rm -rf "$out" && mv "$out.new" "$out"
rm -rf "$root/samples/shapes" && mv "$root/samples/shapes.new" "$root/samples/shapes"
du -sh "$out"

