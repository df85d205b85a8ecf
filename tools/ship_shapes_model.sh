#!/usr/bin/env bash
# Ships a finished `viva recipe shapes` run as the default model: DIR/model stored in bf16 under
# models/shapes, with every stage's model card, the recipe summary and (when run) the ablation.
# Usage: tools/ship_shapes_model.sh RECIPE_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
recipe=${1:?usage: tools/ship_shapes_model.sh RECIPE_DIR}
test -f "$recipe/eval/card.json" || { echo "error: $recipe: the recipe has not finished (no eval/card.json)" >&2; exit 1; }
out="$root/models/shapes"
rm -rf "$out.new"
"$root/build/bin/viva" model convert "$recipe/model" "$out.new" --dtype bf16
mkdir -p "$out.new/cards"
for card in "$recipe"/*/MODEL_CARD.md "$recipe"/ablation/*/MODEL_CARD.md; do
  [ -f "$card" ] || continue
  stage=$(dirname "${card#"$recipe"/}")
  cp "$card" "$out.new/cards/${stage//\//-}.md"
done
cp "$recipe/RECIPE.md" "$recipe/plan.json" "$out.new/"
[ -f "$recipe/ablation/ablation.md" ] && cp "$recipe/ablation/ablation.md" "$recipe/ablation/ablation.json" "$out.new/"
rm -rf "$out" && mv "$out.new" "$out"
du -sh "$out"
