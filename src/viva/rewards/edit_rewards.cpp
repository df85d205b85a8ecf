#include "viva/rewards/edit_rewards.h"

#include <filesystem>

#include "viva/core/error.h"

namespace fs = std::filesystem;

namespace viva {

RewardOptions RewardOptions::read(ConfigReader r, bool folders_in_file) {
  RewardOptions o;
  if (folders_in_file) {
    r.get("clip", o.clip);
    r.get("pickscore", o.pickscore);
  }
  r.get("frames", o.frames);
  if (r.has("weights")) {
    ConfigReader w = r.child("weights");
    w.get("instruction", o.w_instruction);
    w.get("preservation", o.w_preservation);
    w.get("pickscore", o.w_pickscore);
    w.get("brightness", o.w_brightness);
    w.finish();
  }
  r.finish();
  const std::string& file = r.file();
  if (o.frames < 1) throw Error(file, "rewards.frames must be >= 1");
  if (folders_in_file && (o.w_instruction != 0 || o.w_preservation != 0) && o.clip.empty())
    throw Error(file, "rewards: the instruction and preservation rewards need a CLIP folder (\"clip\"); set their weights to 0 to switch them off");
  if (folders_in_file && o.w_pickscore != 0 && o.pickscore.empty())
    throw Error(file, "rewards: the PickScore reward needs a folder (\"pickscore\"); set its weight to 0 to switch it off");
  if (o.w_instruction == 0 && o.w_preservation == 0 && o.w_pickscore == 0 && o.w_brightness == 0)
    throw Error(file, "rewards: every weight is 0");
  return o;
}

void RewardOptions::check_folders() const {
  auto check = [](const std::string& folder) {
    if (!fs::is_regular_file(fs::path(folder) / "config.json"))
      throw file_error(folder, "is not a CLIP folder (no config.json)");
  };
  if (w_instruction != 0 || w_preservation != 0) check(clip);
  if (w_pickscore != 0) check(pickscore);
}

nlohmann::json RewardOptions::to_json() const {
  return {{"clip", clip}, {"pickscore", pickscore}, {"frames", frames},
          {"weights", {{"instruction", w_instruction}, {"preservation", w_preservation}, {"pickscore", w_pickscore},
                       {"brightness", w_brightness}}}};
}

EditRewardModel::EditRewardModel(const RewardOptions& options, torch::Device device) : options_(options) {
  if (options_.w_instruction != 0 || options_.w_preservation != 0) clip_ = std::make_unique<ClipScorer>(options_.clip, device);
  if (options_.w_pickscore != 0) pickscore_ = std::make_unique<ClipScorer>(options_.pickscore, device);
}

RewardBreakdown EditRewardModel::score(const torch::Tensor& source, const torch::Tensor& edited,
                                       const std::string& source_caption, const std::string& edit_caption) {
  torch::NoGradGuard no_grad;
  const int64_t group = edited.size(0);
  RewardBreakdown r;
  r.total = torch::zeros({group}, torch::kFloat32);
  if (clip_) {
    const auto edit = clip_->video_embeddings(edited, options_.frames).cpu();
    if (options_.w_instruction != 0) {
      const auto texts = clip_->text_embeddings({edit_caption, source_caption}).cpu();
      const auto cosine = torch::matmul(edit, texts.t());  // [G, 2]
      r.instruction = cosine.select(1, 0) - cosine.select(1, 1);
      r.total += options_.w_instruction * r.instruction;
    }
    if (options_.w_preservation != 0) {
      const auto src = clip_->video_embeddings(source, options_.frames).cpu();
      r.preservation = (edit * src).sum(-1);  // a single source broadcasts over the group
      r.total += options_.w_preservation * r.preservation;
    }
  }
  if (pickscore_) {
    const auto frames = pickscore_->frame_embeddings(edited, options_.frames).cpu();  // [G, F, D]
    const auto text = pickscore_->text_embeddings({edit_caption}).cpu();              // [1, D]
    r.pickscore = pickscore_->logit_scale() * torch::matmul(frames, text.t()).squeeze(-1).mean(1);
    r.total += options_.w_pickscore * r.pickscore;
  }
  if (options_.w_brightness != 0) {
    r.brightness = ((edited.to(torch::kFloat32).clamp(-1, 1) + 1) / 2).flatten(1).mean(1).cpu();  // [G] to the host
    r.total += options_.w_brightness * r.brightness;
  }
  return r;
}

}  // namespace viva
