#pragma once
// The two ends of text-to-video pretraining (viva.md §3, "Pretraining the stand-ins"): a model
// folder whose transformer is a fresh HunyuanVideo DiT without VIVA's context projector, trained
// by `train_sft` on a caption cache (encode_dataset's text_to_video); then the VIVA editor made
// from it: src_in copies img_in and the projector starts as [I | 0] (paper §3.2), so at step 0
// the editor ignores the source and equals the text-to-video model.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace viva {

// `base`'s model folder with its transformer replaced by a freshly initialised text-to-video DiT
// (seeded) of the same size, or of `base`'s size with the keys of `architecture` replaced
// (DitOptions::with_architecture).
void write_text_to_video_model(const std::string& base, const std::string& out, uint64_t seed,
                               const nlohmann::json& architecture = nlohmann::json::object());

// `text_to_video`'s model folder with its transformer turned into a VIVA editor.
void write_editor_from_text_to_video(const std::string& text_to_video, const std::string& out);

}  // namespace viva
