#include "viva/models/dit/dit_checkpoint.h"

#include "viva/core/error.h"
#include "viva/core/strings.h"

namespace viva {
namespace {

// Splits "double_blocks.3.img_attn_qkv.weight" into scope "double_blocks.3." and rest.
bool take_block(const std::string& name, const std::string& head, std::string& scope, std::string& rest) {
  if (!starts_with(name, head)) return false;
  const auto dot = name.find('.', head.size());
  if (dot == std::string::npos) return false;
  scope = name.substr(head.size(), dot - head.size());
  rest = name.substr(dot + 1);
  return true;
}

// Renames the part of `rest` before its parameter suffix (".weight" / ".bias") through `table`;
// entries with several targets are fused layers.
std::vector<std::string> rename(const std::string& prefix, const std::string& rest,
                                const std::vector<std::pair<std::string, std::vector<std::string>>>& table) {
  const auto dot = rest.rfind('.');
  const std::string module = rest.substr(0, dot), param = rest.substr(dot);
  for (const auto& [from, to] : table) {
    if (module != from) continue;
    std::vector<std::string> out;
    for (const auto& target : to) out.push_back(prefix + target + param);
    return out;
  }
  return {};
}

}  // namespace

DitLayout detect_dit_layout(const Checkpoint& checkpoint) {
  if (checkpoint.contains("img_in.proj.weight")) return DitLayout::Original;
  if (checkpoint.contains("x_embedder.proj.weight")) return DitLayout::Diffusers;
  throw Error(checkpoint.path(), "not a HunyuanVideo DiT (neither img_in.proj.weight nor x_embedder.proj.weight)");
}

std::vector<std::string> dit_diffusers_names(const std::string& name) {
  if (is_viva_dit_tensor(name)) return {name};
  std::string scope, rest;
  if (take_block(name, "double_blocks.", scope, rest))
    return rename("transformer_blocks." + scope + ".", rest,
                  {{"img_mod.linear", {"norm1.linear"}},
                   {"txt_mod.linear", {"norm1_context.linear"}},
                   {"img_attn_qkv", {"attn.to_q", "attn.to_k", "attn.to_v"}},
                   {"txt_attn_qkv", {"attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj"}},
                   {"img_attn_q_norm", {"attn.norm_q"}},
                   {"img_attn_k_norm", {"attn.norm_k"}},
                   {"txt_attn_q_norm", {"attn.norm_added_q"}},
                   {"txt_attn_k_norm", {"attn.norm_added_k"}},
                   {"img_attn_proj", {"attn.to_out.0"}},
                   {"txt_attn_proj", {"attn.to_add_out"}},
                   {"img_mlp.fc1", {"ff.net.0.proj"}},
                   {"img_mlp.fc2", {"ff.net.2"}},
                   {"txt_mlp.fc1", {"ff_context.net.0.proj"}},
                   {"txt_mlp.fc2", {"ff_context.net.2"}}});
  if (take_block(name, "single_blocks.", scope, rest))
    return rename("single_transformer_blocks." + scope + ".", rest,
                  {{"linear1", {"attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp"}},
                   {"linear2", {"proj_out"}},
                   {"q_norm", {"attn.norm_q"}},
                   {"k_norm", {"attn.norm_k"}},
                   {"modulation.linear", {"norm.linear"}}});
  if (take_block(name, "txt_in.individual_token_refiner.blocks.", scope, rest))
    return rename("context_embedder.token_refiner.refiner_blocks." + scope + ".", rest,
                  {{"norm1", {"norm1"}},
                   {"norm2", {"norm2"}},
                   {"self_attn_qkv", {"attn.to_q", "attn.to_k", "attn.to_v"}},
                   {"self_attn_proj", {"attn.to_out.0"}},
                   {"mlp.fc1", {"ff.net.0.proj"}},
                   {"mlp.fc2", {"ff.net.2"}},
                   {"adaLN_modulation.1", {"norm_out.linear"}}});
  return rename("", name,
                {{"img_in.proj", {"x_embedder.proj"}},
                 {"time_in.mlp.0", {"time_text_embed.timestep_embedder.linear_1"}},
                 {"time_in.mlp.2", {"time_text_embed.timestep_embedder.linear_2"}},
                 {"guidance_in.mlp.0", {"time_text_embed.guidance_embedder.linear_1"}},
                 {"guidance_in.mlp.2", {"time_text_embed.guidance_embedder.linear_2"}},
                 {"vector_in.in_layer", {"time_text_embed.text_embedder.linear_1"}},
                 {"vector_in.out_layer", {"time_text_embed.text_embedder.linear_2"}},
                 {"txt_in.input_embedder", {"context_embedder.proj_in"}},
                 {"txt_in.t_embedder.mlp.0", {"context_embedder.time_text_embed.timestep_embedder.linear_1"}},
                 {"txt_in.t_embedder.mlp.2", {"context_embedder.time_text_embed.timestep_embedder.linear_2"}},
                 {"txt_in.c_embedder.linear_1", {"context_embedder.time_text_embed.text_embedder.linear_1"}},
                 {"txt_in.c_embedder.linear_2", {"context_embedder.time_text_embed.text_embedder.linear_2"}},
                 {"final_layer.linear", {"proj_out"}},
                 {"final_layer.adaLN_modulation.1", {"norm_out.linear"}}});
}

std::vector<NamedTensor> dit_diffusers_tensors(const std::vector<NamedTensor>& original, const DitOptions& options) {
  std::vector<NamedTensor> out;
  for (const NamedTensor& t : original) {
    torch::Tensor value = t.tensor;
    if (starts_with(t.name, "final_layer.adaLN_modulation.1.")) {
      auto halves = value.chunk(2, 0);
      value = torch::cat({halves[1], halves[0]}, 0);
    }
    const std::vector<std::string> targets = dit_diffusers_names(t.name);
    if (targets.size() == 1) {
      out.push_back({targets[0], value});
      continue;
    }
    std::vector<int64_t> sizes(3, options.hidden_size);  // q, k, v (+ the single blocks' MLP input)
    if (targets.size() == 4) sizes.push_back(options.mlp_hidden());
    const auto parts = value.split_with_sizes(sizes, 0);
    for (std::size_t i = 0; i < targets.size(); ++i) out.push_back({targets[i], parts[i].contiguous()});
  }
  return out;
}

std::vector<NamedTensor> editor_tensors_from_t2v(const Checkpoint& t2v, int64_t hidden) {
  const std::string img_in = detect_dit_layout(t2v) == DitLayout::Original ? "img_in.proj." : "x_embedder.proj.";
  for (const char* name : {"src_in.proj.weight", "context_projector.weight"})
    if (t2v.contains(name)) throw Error(t2v.path(), std::string("already holds VIVA's ") + name);
  const torch::Tensor weight = t2v.load(img_in + "weight"), bias = t2v.load(img_in + "bias");
  if (weight.size(0) != hidden)
    throw Error(t2v.path(), img_in + "weight has " + std::to_string(weight.size(0)) + " outputs, not the config's hidden_size " +
                                std::to_string(hidden));
  // Built in float32 (eye has no bfloat16 kernel on the CPU) and stored in the checkpoint's dtype.
  torch::Tensor projector = torch::zeros({hidden, 2 * hidden}, torch::kFloat32);
  projector.narrow(1, 0, hidden).copy_(torch::eye(hidden, torch::kFloat32));
  projector = projector.to(weight.scalar_type());
  return {{"src_in.proj.weight", weight},
          {"src_in.proj.bias", bias},
          {"context_projector.weight", projector},
          {"context_projector.bias", torch::zeros({hidden}, bias.options())}};
}

WeightLoadReport load_dit(HunyuanDit& model, const Checkpoint& checkpoint, const DitLoadOptions& load) {
  const DitLayout layout = detect_dit_layout(checkpoint);
  WeightLoadOptions options;
  if (layout == DitLayout::Diffusers) {
    options.set_parts(dit_diffusers_names);
    // Diffusers stores the final modulation as (scale, shift); the original order is (shift, scale).
    options.set_transform([](const std::string& name) { return starts_with(name, "final_layer.adaLN_modulation.1."); },
                          [](const std::string&, torch::Tensor value) {
                            auto halves = value.chunk(2, 0);
                            return torch::cat({halves[1], halves[0]}, 0);
                          });
  }
  if (load.allow_missing_viva) options.set_allow_missing(is_viva_dit_tensor);
  WeightLoadReport report = load_weights(*model, checkpoint, options);
  if (!report.missing.empty()) model->init_context_projector_from_t2v();
  return report;
}

}  // namespace viva
