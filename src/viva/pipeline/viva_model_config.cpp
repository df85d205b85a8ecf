#include "viva/pipeline/viva_model_config.h"

#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {

VivaModelConfig VivaModelConfig::read(const std::string& folder) {
  const std::string path = (std::filesystem::path(folder) / "viva.json").string();
  if (!std::filesystem::is_directory(folder)) throw file_error(folder, "model folder does not exist");
  if (!std::filesystem::exists(path)) throw file_error(folder, "is not a VIVA model folder (no viva.json)");
  const nlohmann::json json = load_json_file(path);
  VivaModelConfig c;
  ConfigReader r(json, path);
  r.get("transformer", c.transformer);
  r.get("vae", c.vae);
  r.get("vlm", c.vlm);
  r.get("clip_text", c.clip_text);
  r.get("tokenizer", c.tokenizer);
  r.get("clip_tokenizer", c.clip_tokenizer);
  r.get("text_tokens", c.text_tokens);
  if (r.has("instructor")) {
    ConfigReader i = r.child("instructor");
    i.get("system_prompt", c.instructor.system_prompt);
    i.get("keep_after_layer", c.instructor.keep_after_layer);
    i.get("image_stride", c.instructor.image_stride);
    i.get("max_instruction_tokens", c.instructor.max_instruction_tokens);
    i.get("first_frame", c.instructor.first_frame);
    i.finish();
  }
  if (r.has("sampling")) {
    ConfigReader s = r.child("sampling");
    s.get("steps", c.sampling.steps);
    s.get("guidance", c.sampling.guidance);
    s.get("shift", c.sampling.shift);
    s.get("embedded_guidance", c.sampling.embedded_guidance);
    s.get("seed", c.sampling.seed);
    s.finish();
  }
  if (r.has("video")) {
    ConfigReader v = r.child("video");
    v.get("width", c.width);
    v.get("height", c.height);
    v.get("frames", c.frames);
    v.finish();
  }
  r.finish();
  if (c.text_tokens && *c.text_tokens < 1) throw Error(path, "text_tokens must be positive (or absent: the instructor's budget)");
  if (c.sampling.steps < 1) throw Error(path, "sampling.steps must be positive");
  return c;
}

void VivaModelConfig::write(const std::string& folder) const {
  const nlohmann::json json = {
      {"transformer", transformer},
      {"vae", vae},
      {"vlm", vlm},
      {"clip_text", clip_text},
      {"tokenizer", tokenizer},
      {"clip_tokenizer", clip_tokenizer},
      {"text_tokens", json_or_null(text_tokens)},
      {"instructor",
       {{"system_prompt", instructor.system_prompt},
        {"keep_after_layer", instructor.keep_after_layer},
        {"image_stride", instructor.image_stride},
        {"max_instruction_tokens", instructor.max_instruction_tokens},
        {"first_frame", instructor.first_frame}}},
      {"sampling",
       {{"steps", sampling.steps},
        {"guidance", sampling.guidance},
        {"shift", sampling.shift},
        {"embedded_guidance", sampling.embedded_guidance},
        {"seed", sampling.seed}}},
      {"video", {{"width", width}, {"height", height}, {"frames", frames}}}};
  write_file_atomically((std::filesystem::path(folder) / "viva.json").string(), json.dump(2) + "\n");
}

}  // namespace viva
