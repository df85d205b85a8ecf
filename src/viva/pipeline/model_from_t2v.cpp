#include "viva/pipeline/model_from_t2v.h"

#include <algorithm>
#include <filesystem>

#include "viva/core/atomic_file.h"
#include "viva/core/checkpoint.h"
#include "viva/core/config.h"
#include "viva/core/error.h"
#include "viva/models/clip/clip_options.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/llava/llava_model.h"
#include "viva/models/vae/vae_options.h"
#include "viva/pipeline/viva_model_config.h"
#include "viva/tokenizers/clip_tokenizer.h"

namespace viva {
namespace fs = std::filesystem;

namespace {

// A released component folder: its absolute path and its config.json.
struct Released {
  std::string path;
  nlohmann::json config;
  std::string config_path;
};

Released released(const fs::path& folder, const std::string& what) {
  if (!fs::is_directory(folder)) throw file_error(folder.string(), "missing: expected " + what);
  Released r;
  r.path = fs::absolute(folder).lexically_normal().string();
  r.config_path = (fs::path(r.path) / "config.json").string();
  if (!fs::is_regular_file(r.config_path)) throw file_error(r.config_path, "missing (" + what + " needs its config.json)");
  r.config = load_json_file(r.config_path);
  Checkpoint check(r.path);  // every shard the index names is present and readable
  return r;
}

void link_or_symlink(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::create_hard_link(from, to, error);
  if (error) fs::create_symlink(fs::absolute(from), to);  // another file system
}

// The editor's transformer folder: config.json with the context projector, the released shards
// linked, VIVA's tensors in viva_editor.safetensors, and an index over all of them.
void write_editor_transformer(const Released& t2v, const DitOptions& options, const fs::path& folder,
                              ModelFromT2vSummary& summary) {
  const Checkpoint checkpoint(t2v.path);
  fs::create_directories(folder);
  DitOptions editor = options;
  editor.context_projector = true;
  write_file_atomically((folder / "config.json").string(), editor.to_json().dump(2) + "\n");
  nlohmann::json weight_map = nlohmann::json::object();
  int64_t total = 0;
  for (const auto& shard : checkpoint.shards()) {
    const std::string name = fs::path(shard->path()).filename().string();
    link_or_symlink(shard->path(), folder / name);
    for (const TensorEntry& t : shard->tensors()) {
      weight_map[t.name] = name;
      total += static_cast<int64_t>(t.nbytes());
    }
    ++summary.linked_shards;
  }
  const std::vector<NamedTensor> added = editor_tensors_from_t2v(checkpoint, options.hidden_size);
  save_safetensors((folder / "viva_editor.safetensors").string(), added);
  for (const NamedTensor& t : added) {
    weight_map[t.name] = "viva_editor.safetensors";
    total += static_cast<int64_t>(t.tensor.numel() * t.tensor.element_size());
  }
  summary.new_tensors = static_cast<int64_t>(added.size());
  const nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_file_atomically((folder / "diffusion_pytorch_model.safetensors.index.json").string(), index.dump(2) + "\n");
}

}  // namespace

ModelFromT2vSummary write_model_from_t2v(const ModelFromT2vOptions& o) {
  if (o.t2v.empty() || o.instructor.empty() || o.out.empty())
    throw Error("viva model init --from-t2v", "needs --from-t2v DIR, --instructor DIR and --out DIR");
  if (fs::exists(o.out) && !fs::is_empty(o.out)) throw file_error(o.out, "already exists and is not empty");
  const fs::path t2v_root(o.t2v);
  if (!fs::is_directory(t2v_root)) throw file_error(o.t2v, "text-to-video folder does not exist");

  // Every component, checked before anything is written.
  const Released transformer = released(t2v_root / "transformer", "the text-to-video DiT (diffusers layout: transformer/)");
  const DitOptions dit = DitOptions::from_json(transformer.config, transformer.config_path);
  if (dit.context_projector) throw file_error(transformer.path, "is already a VIVA editor (it has a context projector)");
  const Released vae = released(t2v_root / "vae", "the causal VAE (vae/)");
  const VaeOptions vae_options = VaeOptions::from_json(vae.config, vae.config_path);
  const Released clip = released(o.clip.empty() ? t2v_root / "text_encoder_2" : fs::path(o.clip),
                                 "the CLIP-L text encoder (text_encoder_2/ or --clip)");
  const ClipTextOptions clip_options = clip_text_options_from_hf(clip.config, clip.config_path);
  std::string merges = find_clip_merges(clip.path);
  if (merges.empty() && o.clip.empty()) merges = find_clip_merges((t2v_root / "tokenizer_2").string());
  if (merges.empty())
    throw file_error(clip.path, "holds no CLIP tokenizer (merges.txt or bpe_simple_vocab_16e6.txt.gz; nor does tokenizer_2/)");
  const Released instructor = released(o.instructor, "the LLaVA instructor");
  const LlavaOptions llava = LlavaOptions::from_hf_config(instructor.config, instructor.config_path);
  const fs::path tokenizer = fs::path(instructor.path) / "tokenizer.json";
  if (!fs::is_regular_file(tokenizer)) throw file_error(tokenizer.string(), "missing (the instructor's tokenizer)");

  // Widths that must agree between the parts.
  if (llava.text.hidden_size != dit.text_dim)
    throw file_error(instructor.config_path, "the instructor's hidden size " + std::to_string(llava.text.hidden_size) +
                                                 " does not match the transformer's text width " +
                                                 std::to_string(dit.text_dim) + " (" + transformer.config_path + ")");
  if (clip_options.hidden_size != dit.pooled_dim)
    throw file_error(clip.config_path, "CLIP's hidden size " + std::to_string(clip_options.hidden_size) +
                                           " does not match the transformer's pooled width " +
                                           std::to_string(dit.pooled_dim) + " (" + transformer.config_path + ")");
  if (vae_options.latent_channels != dit.in_channels)
    throw file_error(vae.config_path, "the VAE's " + std::to_string(vae_options.latent_channels) +
                                          " latent channels do not match the transformer's in_channels " +
                                          std::to_string(dit.in_channels));

  ModelFromT2vSummary summary;
  const fs::path out(o.out);
  const fs::path staging = out.parent_path() / (out.filename().string() + ".partial");
  fs::remove_all(staging);
  try {
    write_editor_transformer(transformer, dit, staging / "transformer", summary);
    VivaModelConfig config;
    config.transformer = "transformer";
    config.vae = vae.path;
    config.vlm = instructor.path;
    config.clip_text = clip.path;
    config.tokenizer = tokenizer.string();
    config.clip_tokenizer = fs::absolute(merges).lexically_normal().string();
    // HunyuanVideo keeps the stream two layers before the end (after layer 30 of 32).
    config.instructor.keep_after_layer = std::max<int64_t>(1, llava.text.num_layers - 2);
    config.write(staging.string());
    if (fs::exists(out)) fs::remove(out);  // empty
    fs::rename(staging, out);
  } catch (...) {
    fs::remove_all(staging);
    throw;
  }
  summary.components = {{"transformer", (out / "transformer").string() + " (editor: " + transformer.path + " linked + VIVA tensors)"},
                        {"vae", vae.path},
                        {"vlm", instructor.path},
                        {"clip_text", clip.path},
                        {"tokenizer", tokenizer.string()},
                        {"clip_tokenizer", fs::absolute(merges).lexically_normal().string()}};
  return summary;
}

}  // namespace viva
