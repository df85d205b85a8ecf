#pragma once
// The rectified-flow loss of a trained DiT on a condition cache, split by noise level and by the
// edit mask, beside the loss of an editor that copies its source. It answers the question a
// training curve cannot: does the model keep what it should keep (outside the mask) and does it
// change what it should change (inside)? The copy baseline predicts x0 = source, so its loss is
// the squared latent difference between source and target; an editor that beats it outside the
// mask preserves better than copying, one that beats it inside edits.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "viva/data/condition_cache.h"

namespace viva {

class VivaPipeline;

struct FlowLossOptions {
  // Sampling starts at 1, where only the source and the instruction tell the target.
  std::vector<double> sigmas{0.05, 0.2, 0.5, 0.8, 0.95, 1.0};
  int64_t max_rows = 64;  // the first N samples of the cache (0: all)
  // Only samples of these tasks (the cache index's "task"), e.g. the object edits apart from the
  // scene-wide ones, which an editor can learn to read long before it grounds an object; empty: all.
  std::vector<std::string> tasks;
  uint64_t seed = 0;      // of the noise; the same noise for every sigma
  // What the "without" branch takes from the cache's unconditional condition: both the tokens and
  // the pooled vector (the instruction is gone), or one of them, to tell which path carries it —
  // the pooled vector only modulates every token alike, so an edit read through it alone cannot
  // be placed on one object.
  enum class Drop { instruction, tokens, pooled };
  Drop drop = Drop::instruction;
};

// "instruction", "tokens" or "pooled"; anything else is an error naming the choices.
FlowLossOptions::Drop parse_flow_loss_drop(const std::string& name);
std::string flow_loss_drop_name(FlowLossOptions::Drop drop);

struct FlowLossRow {
  double sigma = 0;
  double model_inside = 0, model_outside = 0;  // mean squared velocity error per latent element
  double copy_inside = 0, copy_outside = 0;    // the same for v = noise - source
  // Without the instruction (the cache's unconditional tokens and pooled vector, or the one that
  // FlowLossOptions::drop names): how much the model's prediction depends on what it was asked to do.
  double unconditional_inside = 0, unconditional_outside = 0;
  // Inside the mask, the mean squared distance of the model's velocity from copying's (v = noise -
  // source), with and without the instruction: 0 for a model that keeps its source there. A loss
  // no lower than copying's with a distance near 0 means the edit is not attempted; a large
  // distance, that it is attempted but drawn wrong.
  double change_inside = 0, unconditional_change_inside = 0;
};

struct FlowLossReport {
  int64_t samples = 0;
  std::vector<std::string> tasks;  // the samples' tasks when filtered; empty: every task
  FlowLossOptions::Drop drop = FlowLossOptions::Drop::instruction;
  double mask_share = 0;  // share of latent elements inside the edit mask
  bool has_source = false;
  std::vector<FlowLossRow> rows;

  std::string table() const;  // Markdown
  nlohmann::json to_json() const;
};

FlowLossReport measure_flow_loss(VivaPipeline& pipeline, const ConditionCache& cache, const FlowLossOptions& options);

}  // namespace viva
