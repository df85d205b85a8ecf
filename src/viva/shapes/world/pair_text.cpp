// Stage 4 of pair generation (pair_stages.h): captions of both clips and the instruction for each
// direction the roles may take.
#include "viva/shapes/world/language.h"
#include "viva/shapes/world/pair_stages.h"

namespace viva::shapes {
namespace {

// Recipes whose pair may also be used backwards (edited clip as source): the inverse edit is
// an edit of the same family. Reference edits keep the reference's object in the target, and
// stylisation and hybrid edits have no instruction for their inverse.
bool roles_may_swap(Recipe recipe, Split split) {
  if (split != Split::Train && split != Split::Validation) return false;
  switch (recipe) {
    case Recipe::AddObject:
    case Recipe::ReplaceObject:
    case Recipe::ChangeAttribute:
    case Recipe::ChangeBackground:
    case Recipe::ChangeWeather:
      return true;
    default:
      return false;
  }
}

}  // namespace

PairText rewrite_text(const TrackedClip& real, const SynthesisedEdit& edit, Recipe recipe, Split split, Rng& rng) {
  PairText text;
  text.real_caption = scene_caption(real.scene, rng);
  text.edited_caption = scene_caption(edit.scene, rng);
  // Every clause names objects as they are in the source clip, which is what the editor sees.
  std::vector<std::string> clauses;
  bool named = true;
  for (const EditOperation& op : edit.operations) {
    const std::optional<std::string> clause = instruction_clause(real.scene, op, rng);
    if (!clause)
      named = false;
    else
      clauses.push_back(*clause);
  }
  if (named) text.forward = instruction_sentence(clauses);
  if (roles_may_swap(recipe, split) && edit.operations.size() == 1) {
    const EditOperation inverse = inverse_edit(real.scene, edit.operations.front());
    if (const std::optional<std::string> clause = instruction_clause(edit.scene, inverse, rng))
      text.backward = instruction_sentence({*clause});
  }
  return text;
}

}  // namespace viva::shapes
