#pragma once
// ShapesWorld's templated language (viva.md §3): captions of scenes and instructions for edits,
// in several phrasings with synonyms ("ball", "disk", "circle"), naming objects by the fewest
// attributes that single them out and by position or relative size when attributes do not
// ("the square on the left", "the larger red star"). Stands in for the paper's captioner and
// its LLM rewriting of captions and instructions.
#include <optional>
#include <string>
#include <vector>

#include "viva/shapes/world/edit_operation.h"
#include "viva/shapes/world/rng.h"
#include "viva/shapes/world/scene.h"

namespace viva::shapes {

// "A small red ball and a striped blue box bounce around on green grass in the rain."
std::string scene_caption(const Scene& scene, Rng& rng);

// "a small striped red ball": every discrete attribute, with an article.
std::string object_phrase(const ShapeObject& object, int width, int height, Rng& rng);

// A name that picks out exactly this object in the scene's first frame ("the red ball"), or
// nullopt when none does (two objects alike in every attribute and position).
std::optional<std::string> referring_expression(const Scene& scene, int object_id, Rng& rng);

// The instruction for one operation on `before`, as a clause ("make the red ball blue"); nullopt
// when the object it edits cannot be named unambiguously.
std::optional<std::string> instruction_clause(const Scene& before, const EditOperation& op, Rng& rng);

// Clauses joined into one sentence: "Remove the star, make the box green and make it snow."
std::string instruction_sentence(const std::vector<std::string>& clauses);

}  // namespace viva::shapes
