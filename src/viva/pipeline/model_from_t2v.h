#pragma once
// `viva model init --from-t2v`: a VIVA model folder from released weights —
//   the HunyuanVideo text-to-video folder (diffusers layout: transformer/ in either DiT layout
//     with its config.json, vae/, text_encoder_2/ and tokenizer_2/, as
//     hunyuanvideo-community/HunyuanVideo ships it),
//   the LLaVA instructor (xtuner/llava-llama-3-8b-v1_1-transformers, either transformers
//     layout, with its tokenizer.json),
//   and optionally another CLIP-L text folder instead of text_encoder_2/.
// Released components are referenced, not copied: viva.json names their folders by absolute
// path. The transformer becomes the editor in a folder of its own: the released shards
// hard-linked (symlinked across file systems), VIVA's new tensors (editor_tensors_from_t2v) in
// one more shard, and an index over all of them. Errors name the folder and the missing piece.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace viva {

struct ModelFromT2vOptions {
  std::string t2v;         // the text-to-video folder
  std::string instructor;  // the LLaVA folder
  std::string clip;        // a CLIP text folder; empty: <t2v>/text_encoder_2 (merges from <t2v>/tokenizer_2)
  std::string out;         // must not exist, or be empty
};

struct ModelFromT2vSummary {
  std::vector<std::pair<std::string, std::string>> components;  // viva.json entry -> where it is
  int64_t linked_shards = 0, new_tensors = 0;
};

ModelFromT2vSummary write_model_from_t2v(const ModelFromT2vOptions& options);

}  // namespace viva
